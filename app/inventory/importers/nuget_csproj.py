"""SDK-style .csproj/.fsproj/.vbproj PackageReference items through defusedxml; all are direct.

The version is the VersionOverride (central package management's per-project override) or else the Version,
attribute or child element. A `$(Property)` version is resolved from the same file's <PropertyGroup>; a range, a
floating version or a centrally managed version (no Version: it is in Directory.Packages.props) gives no exact
version and a warning, once per package and version. PrivateAssets="all" marks a package
that does not flow to consumers (analyzers, test adapters), so its scope is dev.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from app.inventory.importers._common import filename_of, guarded, local_name, xml_root
from app.inventory.importers._nuget import manifest_root, nuget_component
from app.inventory.importers.base import ImporterError, ParsedFile

FORMAT = "csproj"
_PROPERTY = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_EXACT = re.compile(r"^\[?(\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\]?$")


def claims(content: bytes) -> bool:
    """An MSBuild <Project> that references packages (<PackageReference>)."""
    root = xml_root(content)
    return root is not None and local_name(root.tag) == "Project" and any(
        local_name(element.tag) == "PackageReference" for element in root.iter())


def named(filename: str) -> bool:
    """The project extensions .csproj, .fsproj and .vbproj."""
    return filename_of(filename).endswith((".csproj", ".fsproj", ".vbproj"))


def _value(element: Element, name: str) -> str:
    attribute = element.get(name)
    if attribute is not None:
        return attribute.strip()
    for child in element:
        if local_name(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _exact(version: str) -> str:
    # "1.2.3" and "[1.2.3]" pin one version; "[1.0,2.0)", "6.*" or "1.0-*" do not.
    match = _EXACT.match(version)
    return match.group(1) if match else ""


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Each <PackageReference Include=...> is a direct component with its (resolved) version."""
    root = manifest_root(content, FORMAT, "Project")
    properties: dict[str, str] = {}
    for group in root:
        if local_name(group.tag) == "PropertyGroup":
            for item in group:
                properties.setdefault(local_name(item.tag), (item.text or "").strip())

    result = ParsedFile(format=FORMAT)
    unversioned: dict[str, None] = {}
    position = 0
    for element in root.iter():
        if local_name(element.tag) != "PackageReference":
            continue
        where = f"PackageReference[{position}]"
        position += 1
        name = (element.get("Include") or "").strip()
        if not name:
            if element.get("Update") is not None or element.get("Remove") is not None:
                continue  # changes an item declared elsewhere; declares nothing new
            raise ImporterError(f"{FORMAT}: a PackageReference has no Include", field=f"{where}.Include")
        declared = _value(element, "VersionOverride") or _value(element, "Version")
        resolved = _PROPERTY.sub(lambda match: properties.get(match.group(1), match.group(0)), declared)
        version = _exact(resolved)
        warning = f"{name}: no exact version in this file: {declared!r}"
        if not version and not declared:
            unversioned.setdefault(name, None)  # one package in several conditional ItemGroups: named once
        elif not version and warning not in result.warnings:
            result.warnings.append(warning)
        private = _value(element, "PrivateAssets").lower()
        result.components.append(nuget_component(FORMAT, name, version, development=private == "all"))
    if unversioned:
        result.warnings.append(f"{len(unversioned)} package(s) with no version in this file (with central package "
                               f"management it is in Directory.Packages.props): {', '.join(unversioned)}")
    if position == 0:
        # An old-style (non-SDK) project lists its NuGet packages in packages.config; its <Reference> items name
        # assembly versions, not package versions.
        old_style = any(local_name(element.tag) == "Reference" for element in root.iter())
        result.warnings.append(
            "this project file has no <PackageReference>, so it names no NuGet packages"
            + ("; an old-style project lists them in the packages.config next to it: import that file instead"
               if old_style else ""))
    return result
