"""Shared pieces of the NuGet importers (packages.config and SDK-style project files).

Both are XML manifests of what the project asks for, so every package they name is direct.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from app.inventory.importers._common import local_name, make_purl, parse_xml
from app.inventory.importers.base import ComponentRecord, ImporterError


def manifest_root(content: bytes, fmt: str, tag: str) -> Element:
    """Parse the manifest safely; its root element must be <tag> (namespace ignored)."""
    root = parse_xml(content, fmt)
    if local_name(root.tag) != tag:
        raise ImporterError(f"{fmt}: the root element must be <{tag}>, not <{local_name(root.tag)}>")
    return root


def nuget_component(fmt: str, name: str, version: str, *, development: bool) -> ComponentRecord:
    """A package the manifest declares: direct; dev when it is only for building or testing the project."""
    return ComponentRecord(
        name=name,
        version=version,
        ecosystem="nuget",
        purl=make_purl(fmt, "nuget", name, version),
        direct=True,
        scope="dev" if development else "runtime",
    )
