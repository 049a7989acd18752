"""CycloneDX XML (1.2-1.7) through defusedxml and cyclonedx-python-lib (`Bom.from_xml`).

defusedxml parses the upload (no entity expansion, no external fetches); the library's
deserialiser builds the model from that element tree; the extraction is shared with JSON.
"""

from __future__ import annotations

import re

from cyclonedx.model.bom import Bom

from app.inventory.importers._common import filename_of, guarded, local_name, parse_xml, xml_root
from app.inventory.importers.base import ImporterError, ParsedFile
from app.inventory.importers.cyclonedx_json import deserialise, records_from_bom

FORMAT = "cyclonedx-xml"
_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}")
_SUPPORTED = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
_UNORDERED = 1 << 30


def claims(content: bytes) -> bool:
    """An XML document whose root is <bom> in a http://cyclonedx.org/schema/bom/ namespace."""
    root = xml_root(content)
    return root is not None and local_name(root.tag) == "bom" and _NAMESPACE.match(str(root.tag)) is not None


def named(filename: str) -> bool:
    """CycloneDX's own file name endings."""
    return filename_of(filename).endswith((".cdx.xml", ".bom.xml"))


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read a CycloneDX XML BOM; the metadata component (the product itself) is not a component."""
    root = parse_xml(content, FORMAT)
    match = _NAMESPACE.match(str(root.tag))
    if local_name(root.tag) != "bom" or match is None:
        raise ImporterError(f"{FORMAT}: the root element is not a CycloneDX <bom>")
    if match.group(1) not in _SUPPORTED:
        raise ImporterError(f"{FORMAT}: CycloneDX {match.group(1)} is not supported ({', '.join(_SUPPORTED)})")
    order: dict[str, int] = {}
    name_tag = f"{{{match.group(0)[1:-1]}}}name"
    count = 0
    for element in root.iter():
        if local_name(element.tag) != "component":
            continue
        if not (element.findtext(name_tag) or "").strip():
            raise ImporterError(f"{FORMAT}: a component has no <name>", field=f"component[{count}].name")
        count += 1
        reference = element.get("bom-ref")
        if reference is not None:
            order.setdefault(reference, len(order))
    bom = deserialise(Bom.from_xml, root, FORMAT)  # type: ignore[attr-defined]
    return records_from_bom(bom, FORMAT, order)
