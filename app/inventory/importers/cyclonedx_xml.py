"""CycloneDX XML (1.0-1.7) through defusedxml and cyclonedx-python-lib (`Bom.from_xml`).

defusedxml parses the upload (no entity expansion, no external fetches); the library's
deserialiser builds the model from that element tree; the extraction is shared with JSON.
CycloneDX 1.0 and 1.1 (older tools' output) have no metadata and no dependency graph: direct is None.

A few valid constructs make cyclonedx-python-lib 11.12 fail; `_readable` takes them out of (a copy of) the
tree first, each with a warning, and only ones the import does not read: elements in other namespaces (the
schema's extension points), a service's 1.5+ data flows, a protocol's IKEv2 transform types.
"""

from __future__ import annotations

import copy
import functools
import re
from xml.etree.ElementTree import Element

from cyclonedx.model.bom import Bom
from packageurl import PackageURL

from app.inventory.importers._common import filename_of, guarded, local_name, mended_purl, parse_xml, xml_root
from app.inventory.importers.base import ImporterError, ParsedFile
from app.inventory.importers.cyclonedx_json import deserialise, records_from_bom, vex_only_said

FORMAT = "cyclonedx-xml"
_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}")
_SUPPORTED = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
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
    namespace = match.group(0)[1:-1]
    skipped: list[str] = []
    root = _readable(root, namespace, skipped)
    order: dict[str, int] = {}
    name_tag = f"{{{namespace}}}name"
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
    # The namespace is known: without it the library serialises the whole tree to text and parses it again to
    # find it (a third of the time of a 2 MB BOM).
    bom = deserialise(functools.partial(Bom.from_xml, default_namespace=namespace), root,  # type: ignore[attr-defined]
                      FORMAT)
    result = vex_only_said(records_from_bom(bom, FORMAT, order), bool(bom.vulnerabilities))
    result.warnings[:0] = skipped
    return result


_XML_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}"  # the schema's own <ds:Signature>; the library skips it


def _unreadable(parent: Element, child: Element, namespace: str) -> str | None:
    """What kind of element the library cannot read `child` is (None when it reads or skips it)."""
    tag = child.tag if isinstance(child.tag, str) else ""
    if not tag.startswith(f"{{{namespace}}}"):
        if tag.startswith(_XML_SIGNATURE):
            return None
        # xs:any extension points: the library reads every child of a list element (<components>, <licenses>,
        # a pedigree's <ancestors>) as an item of the list, so a foreign element there becomes None in it.
        return "foreign"
    if tag == f"{{{namespace}}}data" and parent.tag == f"{{{namespace}}}service" \
            and child.find(f"{{{namespace}}}dataflow") is not None:
        # 1.5+ <data><dataflow name=...>: the library models only the 1.2-1.4 <classification> list.
        return "dataflow"
    if tag == f"{{{namespace}}}ikev2TransformTypes":
        # <encr>, <prf>, <integ>, <ke>, <auth> repeat (lists of refs); the library reads each as one ref.
        return "ikev2"
    return None


def _unreadable_parts(element: Element, namespace: str) -> list[tuple[Element, Element, str]]:
    """(parent, child, kind) of every element _unreadable names, outermost only (not inside one already named)."""
    found = []
    pending = [element]
    while pending:
        parent = pending.pop()
        for child in parent:
            kind = _unreadable(parent, child, namespace)
            if kind is None:
                pending.append(child)
            else:
                found.append((parent, child, kind))
    return found


# Text elements of a component that the library reads as the text "None" when they are empty (<group/>).
_EMPTY_UNREAD = frozenset({"group", "publisher", "description", "author", "copyright", "version", "scope", "cpe"})


def _unread_values(root: Element, namespace: str) -> list[tuple[Element, Element]]:
    """(component, child) of every empty text element of a component and every <purl> that is no package URL (the
    library refused the whole BOM for one; the JSON reader keeps the component)."""
    found = []
    tag = f"{{{namespace}}}component"
    for component in root.iter(tag):
        for child in component:
            name = local_name(child.tag) if isinstance(child.tag, str) else ""
            text = (child.text or "").strip()
            empty = name in _EMPTY_UNREAD and len(child) == 0 and not text
            if empty or (name == "purl" and _mended(text) != text):
                found.append((component, child))
    return found


def _mended(text: str) -> str | None:
    """The purl as written when it parses, mended when it can be (mended_purl), else None."""
    try:
        PackageURL.from_string(text)
        return text
    except ValueError:
        pass
    try:
        return mended_purl(text)
    except ValueError:
        return None


def _readable(root: Element, namespace: str, warnings_out: list[str]) -> Element:
    """The tree without what cyclonedx-python-lib cannot read and the import does not use; a warning per kind.

    The tree is copied before anything is taken out (detection may hold the parsed tree of the upload).
    """
    if not _unreadable_parts(root, namespace) and not _unread_values(root, namespace):
        return root
    copied = copy.deepcopy(root)
    bad_purls = []
    for component, child in _unread_values(copied, namespace):
        if local_name(child.tag) == "purl" and (mended := _mended((child.text or "").strip())) is not None:
            child.text = mended  # syft 0.33's `pkg:npm/@scope%2Fname@1.0`
            continue
        component.remove(child)  # an empty <group/> or <publisher/> read as the text "None"; a purl that is none
        if local_name(child.tag) == "purl":
            name = (component.findtext(f"{{{namespace}}}name") or "").strip()
            bad_purls.append(f"{name} {(component.findtext(f'{{{namespace}}}version') or '').strip()}".strip())
    if bad_purls:
        shown = ", ".join(bad_purls[:10]) + (", ..." if len(bad_purls) > 10 else "")
        warnings_out.append(f"{len(bad_purls)} purls are not package URLs and are not read (their components are kept, "
                            f"named by name and version): {shown}")
    foreign: dict[str, int] = {}
    flows = ikev2 = 0
    for parent, child, kind in _unreadable_parts(copied, namespace):
        parent.remove(child)
        if kind == "foreign":
            space = str(child.tag)[1:].split("}", 1)[0] if str(child.tag).startswith("{") else "no namespace"
            foreign[space] = foreign.get(space, 0) + 1
        elif kind == "dataflow":
            flows += 1
        else:
            ikev2 += 1
    if foreign:
        spaces = ", ".join(f"{count} in {space}" for space, count in sorted(foreign.items()))
        warnings_out.append(f"{sum(foreign.values())} extension elements outside the CycloneDX namespace ({spaces}) "
                            "are not read")
    if flows:
        warnings_out.append(f"the data flows (<data><dataflow>) of {flows} services are not read")
    if ikev2:
        warnings_out.append(f"the IKEv2 transform types (<ikev2TransformTypes>) of {ikev2} cryptographic protocols "
                            "are not read")
    return copied
