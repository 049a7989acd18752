"""NuGet packages.config through defusedxml: every <package> is a direct dependency.

developmentDependency="true" marks a build/test-time package, so its scope is dev.
"""

from __future__ import annotations

from app.inventory.importers._common import filename_of, guarded, local_name, xml_root
from app.inventory.importers._nuget import manifest_root, nuget_component
from app.inventory.importers.base import ImporterError, ParsedFile

FORMAT = "packages.config"


def claims(content: bytes) -> bool:
    """An XML document whose root <packages> holds <package id=... version=...> elements."""
    root = xml_root(content)
    return root is not None and local_name(root.tag) == "packages" and any(
        local_name(element.tag) == "package" and element.get("id") for element in root)


def named(filename: str) -> bool:
    """packages.config, also with a prefix."""
    return filename_of(filename).endswith("packages.config")


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Each <package id version> is a direct component; developmentDependency="true" is dev."""
    root = manifest_root(content, FORMAT, "packages")
    result = ParsedFile(format=FORMAT)
    position = 0
    for element in root:
        if local_name(element.tag) != "package":
            continue
        where = f"packages.package[{position}]"
        position += 1
        name = (element.get("id") or "").strip()
        version = (element.get("version") or "").strip()
        if not name:
            raise ImporterError(f"{FORMAT}: a <package> has no id", field=f"{where}.id")
        if not version:
            raise ImporterError(f"{FORMAT}: package {name!r} has no version", field=f"{where}.version")
        development = (element.get("developmentDependency") or "").strip().lower() == "true"
        result.components.append(nuget_component(FORMAT, name, version, development=development))
    return result
