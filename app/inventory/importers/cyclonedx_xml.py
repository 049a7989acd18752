"""CycloneDX XML (1.0-1.7): parsed by defusedxml, then read into the JSON reader's shape and its records.

defusedxml parses the upload (no entity expansion, no external fetches: `parse_xml`). The elements the import uses
(components with their nested components, the metadata component, the dependency graph, services, whether there
are vulnerabilities) are read from that tree into the dictionaries a CycloneDX JSON document holds, and
`cyclonedx_json.records_of` makes the records, so an XML BOM and its JSON twin give the same components. This
replaced cyclonedx-python-lib's object model (`Bom.from_xml`), which spent 80% of the import building and sorting
objects the import does not use (JabRef's 432 KB BOM: 255 ms, 13 times its JSON twin).

CycloneDX 1.0 and 1.1 (older tools' output) have no metadata and no dependency graph: direct is None. An empty text
element (`<group/>`) is no value; a purl that is no package URL is mended when it can be (syft 0.33's encoded
slash), else left out with one warning; elements in other namespaces (the schema's extension points) are said in
one warning and not read. Components nested more than `MAX_DEPTH` levels deep are refused.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from app.inventory.importers._common import filename_of, guarded, local_name, parse_xml, readable_purl, xml_root
from app.inventory.importers.base import ImporterError, ParsedFile
from app.inventory.importers.cyclonedx_json import records_of, vex_only_said
from app.nesting import MAX_DEPTH, NestingTooDeep

FORMAT = "cyclonedx-xml"
_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}")
_SUPPORTED = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
_XML_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}"  # the schema's own <ds:Signature>: not an extension
# A component's text elements the import reads, by their JSON names.
_TEXTS = ("group", "name", "version", "purl", "scope", "description", "publisher", "author", "cpe")


def claims(content: bytes) -> bool:
    """An XML document whose root is <bom> in a http://cyclonedx.org/schema/bom/ namespace."""
    root = xml_root(content)
    return root is not None and local_name(root.tag) == "bom" and _NAMESPACE.match(str(root.tag)) is not None


def named(filename: str) -> bool:
    """CycloneDX's own file name endings."""
    return filename_of(filename).endswith((".cdx.xml", ".bom.xml"))


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read a CycloneDX XML BOM as its JSON twin would be read; the metadata component (the product) is no component."""
    root = parse_xml(content, FORMAT)
    match = _NAMESPACE.match(str(root.tag))
    if local_name(root.tag) != "bom" or match is None:
        raise ImporterError(f"{FORMAT}: the root element is not a CycloneDX <bom>")
    if match.group(1) not in _SUPPORTED:
        raise ImporterError(f"{FORMAT}: CycloneDX {match.group(1)} is not supported ({', '.join(_SUPPORTED)})")
    reader = _Reader(match.group(0)[1:-1])
    for index, element in enumerate(root.iter(reader.tag("component"))):
        if not (element.findtext(reader.tag("name")) or "").strip():
            raise ImporterError(f"{FORMAT}: a component has no <name>", field=f"component[{index}].name")
    document = reader.document(root)
    said = reader.warnings()
    vulnerabilities = root.find(reader.tag("vulnerabilities"))
    has_vulnerabilities = vulnerabilities is not None and vulnerabilities.find(reader.tag("vulnerability")) is not None
    return vex_only_said(records_of(document, FORMAT, said), has_vulnerabilities)


class _Reader:
    """Reads the elements of one CycloneDX namespace into the JSON shape, remembering what it could not read."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.prefix = f"{{{namespace}}}"
        self.bad_purls: list[str] = []
        self.foreign: dict[str, int] = {}

    def tag(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def document(self, root: Element) -> dict[str, Any]:
        """The parts of the BOM the records are made of, as CycloneDX JSON writes them."""
        self._count_foreign(root)
        document: dict[str, Any] = {"components": self._components(root.find(self.tag("components")), 1)}
        metadata = root.find(self.tag("metadata"))
        component = metadata.find(self.tag("component")) if metadata is not None else None
        if component is not None:
            document["metadata"] = {"component": self._component(component, 1)}
        graph = root.find(self.tag("dependencies"))
        if graph is not None:
            document["dependencies"] = self._dependencies(graph)
        services = root.find(self.tag("services"))
        if services is not None:
            document["services"] = self._services(services, 1)
        return document

    def warnings(self) -> list[str]:
        """What was read differently or not at all, one warning per kind."""
        said = []
        if self.bad_purls:
            said.append(f"{len(self.bad_purls)} purls are not package URLs and are not read (their components are "
                        f"kept, named by name and version): {', '.join(self.bad_purls[:10])}"
                        f"{', ...' if len(self.bad_purls) > 10 else ''}")
        if self.foreign:
            spaces = ", ".join(f"{count} in {space}" for space, count in sorted(self.foreign.items()))
            said.append(f"{sum(self.foreign.values())} extension elements outside the CycloneDX namespace ({spaces}) "
                        "are not read")
        return said

    def _text(self, element: Element, name: str) -> str:
        """The stripped text of a child element; "" when there is none or it is empty (`<group/>`)."""
        return (element.findtext(self.tag(name)) or "").strip()

    def _children(self, element: Element | None, name: str) -> list[Element]:
        return [] if element is None else element.findall(self.tag(name))

    def _components(self, element: Element | None, depth: int) -> list[dict[str, Any]]:
        if depth > MAX_DEPTH:
            raise ImporterError(f"{FORMAT}: the components are nested too deeply: {NestingTooDeep(MAX_DEPTH)}")
        return [self._component(component, depth) for component in self._children(element, "component")]

    def _component(self, element: Element, depth: int) -> dict[str, Any]:
        item: dict[str, Any] = {"type": element.get("type") or "library"}
        if element.get("bom-ref"):
            item["bom-ref"] = element.get("bom-ref")
        for name in _TEXTS:
            text = self._text(element, name)
            if text:
                item[name] = text
        if "description" in item:  # XML writers wrap a long description over lines: its JSON twin holds one line
            item["description"] = " ".join(item["description"].split())
        if "purl" in item:
            purl = readable_purl(item["purl"])
            if purl is None:
                del item["purl"]
                self.bad_purls.append(f"{item.get('name', '')} {item.get('version', '')}".strip())
            else:
                item["purl"] = purl
        for role in ("supplier", "manufacturer"):
            entity = element.find(self.tag(role))
            if entity is not None and self._text(entity, "name"):
                item[role] = {"name": self._text(entity, "name")}
        authors = [{"name": self._text(author, "name")}
                   for author in self._children(element.find(self.tag("authors")), "author")]
        if authors:
            item["authors"] = authors
        licences = self._licences(element.find(self.tag("licenses")))
        if licences:
            item["licenses"] = licences
        hashes = [{"alg": entry.get("alg") or "", "content": (entry.text or "").strip()}
                  for entry in self._children(element.find(self.tag("hashes")), "hash")]
        if hashes:
            item["hashes"] = hashes
        references = [{"type": reference.get("type") or "", "url": self._text(reference, "url")}
                      for reference in self._children(element.find(self.tag("externalReferences")), "reference")]
        if references:
            item["externalReferences"] = references
        nested = element.find(self.tag("components"))
        if nested is not None:
            item["components"] = self._components(nested, depth + 1)
        return item

    def _licences(self, element: Element | None) -> list[dict[str, Any]]:
        """<license> (with an <id> or a <name>) and <expression> entries, as JSON's `licenses` array."""
        found: list[dict[str, Any]] = []
        for entry in [] if element is None else list(element):
            if entry.tag == self.tag("expression") and (entry.text or "").strip():
                found.append({"expression": (entry.text or "").strip()})
            elif entry.tag == self.tag("license"):
                named = {key: self._text(entry, key) for key in ("id", "name") if self._text(entry, key)}
                if named:
                    found.append({"license": named})
        return found

    def _dependencies(self, element: Element) -> list[dict[str, Any]]:
        entries = []
        for index, dependency in enumerate(self._children(element, "dependency")):
            ref = dependency.get("ref")
            if not ref:
                raise ImporterError(f"{FORMAT}: a dependency has no ref", field=f"dependencies.dependency[{index}].ref")
            entries.append({"ref": ref, "dependsOn": [child.get("ref") for child in
                                                      self._children(dependency, "dependency") if child.get("ref")]})
        return entries

    def _services(self, element: Element, depth: int) -> list[dict[str, Any]]:
        if depth > MAX_DEPTH:
            raise ImporterError(f"{FORMAT}: the services are nested too deeply: {NestingTooDeep(MAX_DEPTH)}")
        found = []
        for service in self._children(element, "service"):
            item: dict[str, Any] = {key: self._text(service, key)
                                    for key in ("group", "name", "version", "description") if self._text(service, key)}
            if service.get("bom-ref"):
                item["bom-ref"] = service.get("bom-ref")
            provider = service.find(self.tag("provider"))
            if provider is not None:
                item["provider"] = {"name": self._text(provider, "name")}
            nested = service.find(self.tag("services"))
            if nested is not None:
                item["services"] = self._services(nested, depth + 1)
            found.append(item)
        return found

    def _count_foreign(self, root: Element) -> None:
        """Count the outermost elements of other namespaces (xs:any extension points; never inside one)."""
        pending = [root]
        while pending:
            parent = pending.pop()
            for child in parent:
                tag = child.tag if isinstance(child.tag, str) else ""
                if tag.startswith(self.prefix):
                    pending.append(child)
                elif not tag.startswith(_XML_SIGNATURE):
                    space = tag[1:].split("}", 1)[0] if tag.startswith("{") else "no namespace"
                    self.foreign[space] = self.foreign.get(space, 0) + 1
