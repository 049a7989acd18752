"""NuGet packages.config through defusedxml: every <package> is a direct dependency.

developmentDependency="true" marks a build/test-time package, so its scope is dev.
"""

from __future__ import annotations

from app.inventory.importers._common import filename_of, guarded, local_name, make_purl, parse_xml
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "packages.config"


def sniff(filename: str, head: bytes) -> bool:
    """Recognised by the name packages.config (or *.config whose root element is <packages>)."""
    name = filename_of(filename)
    if name.endswith("packages.config"):
        return True
    return name.endswith(".config") and b"<packages" in head and b"<package " in head


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Each <package id version> is a direct component; developmentDependency="true" is dev."""
    root = parse_xml(content, FORMAT)
    if local_name(root.tag) != "packages":
        raise ImporterError(f"{FORMAT}: the root element must be <packages>, not <{local_name(root.tag)}>")
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
        result.components.append(
            ComponentRecord(
                name=name,
                version=version,
                ecosystem="nuget",
                purl=make_purl(FORMAT, "nuget", name, version),
                direct=True,
                scope="dev" if development else "runtime",
            )
        )
    return result
