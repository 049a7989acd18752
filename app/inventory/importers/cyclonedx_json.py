"""CycloneDX JSON (1.2-1.6) through cyclonedx-python-lib (`Bom.from_json`).

The library builds the model; we read components from it, so JSON and XML share one extraction
(`records_from_bom`). Direct means "the metadata component depends on it" in the `dependencies`
graph; without a graph (or when the graph leaves the metadata component out) direct is None.
Components come back in file order (the library keeps them sorted, we restore the order).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from cyclonedx.model import ExternalReferenceType
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentScope
from cyclonedx.model.license import LicenseExpression
from cyclonedx.schema.deprecation import BaseSchemaDeprecationWarning

from app.inventory.importers._common import (
    combine_licences,
    filename_of,
    guarded,
    json_object,
    load_json,
    make_purl,
    require_list,
    require_mapping,
)
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "cyclonedx-json"
_SUPPORTED = ("1.2", "1.3", "1.4", "1.5", "1.6")
_UNORDERED = 1 << 30
CHUNK = 1000  # top-level components per library deserialisation of a large BOM


def claims(content: bytes) -> bool:
    """A JSON object whose top-level "bomFormat" is "CycloneDX", wherever the key stands in the file."""
    document = json_object(content)
    return document is not None and document.get("bomFormat") == "CycloneDX"


def named(filename: str) -> bool:
    """CycloneDX's own file name endings."""
    return filename_of(filename).endswith((".cdx.json", ".bom.json"))


def _walk(components: Iterable[Component]) -> Iterator[Component]:
    for component in components:
        yield component
        yield from _walk(component.components)


def _hash_name(algorithm: str) -> str:
    # "SHA-256" -> "sha256", "SHA3-256" -> "sha3-256", "MD5" -> "md5", as the rest of the app writes them.
    return algorithm.lower().replace("sha-", "sha")


def _supplier(component: Component) -> str:
    if component.supplier is not None and component.supplier.name:
        return str(component.supplier.name)
    manufacturer = getattr(component, "manufacturer", None)
    if manufacturer is not None and manufacturer.name:
        return str(manufacturer.name)
    if component.publisher:
        return str(component.publisher)
    if component.author:
        return str(component.author)
    for author in getattr(component, "authors", ()):
        if author.name:
            return str(author.name)
    return ""


def _display_name(component: Component, ecosystem: str) -> str:
    if not component.group:
        return str(component.name)
    separator = ":" if ecosystem == "maven" else "/"
    return f"{component.group}{separator}{component.name}"


def _licences(component: Component) -> tuple[str, tuple[str, ...]]:
    parts: list[str] = []
    for entry in component.licenses:
        if isinstance(entry, LicenseExpression):
            parts.append(str(entry.value))
        else:
            parts.append(str(entry.id or entry.name or ""))
    return combine_licences(part for part in parts if part)


def _scope(component: Component) -> str:
    if component.scope == ComponentScope.OPTIONAL:
        return "optional"
    if component.scope == ComponentScope.EXCLUDED:
        return "dev"  # excluded: not part of the shipped runtime (build/test tooling)
    return "runtime"


def _key(component: Component) -> str:
    """The component's bom-ref, or its identity when it has none (bom-ref is optional in CycloneDX)."""
    ref = component.bom_ref.value
    return str(ref) if ref else f"#{id(component)}"


def _purl(component: Component, fmt: str) -> str:
    if component.purl is not None:
        return str(component.purl.to_string())
    return make_purl(fmt, "generic", str(component.name), str(component.version or ""), component.group)


def _record(component: Component, purl: str, direct: bool | None, parents: tuple[str, ...]) -> ComponentRecord:
    """One library component as a record (its purl and parents come from the whole BOM)."""
    ecosystem = component.purl.type if component.purl is not None else "generic"
    expression, unknown = _licences(component)
    repository = next(
        (str(reference.url) for reference in component.external_references
         if reference.type == ExternalReferenceType.VCS),
        "",
    )
    return ComponentRecord(
        name=_display_name(component, ecosystem),
        version=str(component.version or ""),
        ecosystem=ecosystem,
        purl=purl,
        licence_expression=expression,
        unknown_licences=unknown,
        direct=direct,
        parents=parents,
        scope=_scope(component),
        supplier=_supplier(component),
        repository_url=repository,
        description=str(component.description or ""),
        hashes=tuple(f"{_hash_name(str(item.alg.value))}:{item.content}" for item in component.hashes),
        refs=(str(component.bom_ref.value),) if component.bom_ref.value else (),
    )


def records_from_bom(bom: Bom, fmt: str, order: dict[str, int]) -> ParsedFile:
    """Turn a library Bom into component records: licences normalised, purls, direct flag and parents."""
    result = ParsedFile(format=fmt)
    root = bom.metadata.component
    root_ref = root.bom_ref.value if root is not None else None
    components = [component for component in _walk(bom.components)
                  if root_ref is None or component.bom_ref.value != root_ref]
    components.sort(key=lambda component: order.get(str(component.bom_ref.value), _UNORDERED))

    purls: dict[str, str] = {}
    for component in components:
        purls[_key(component)] = _purl(component, fmt)

    graph: dict[str, list[str]] = {
        str(dependency.ref.value): [str(child.ref.value) for child in dependency.dependencies]
        for dependency in bom.dependencies
    }
    root_children, parents = _graph(graph, root_ref, purls, result.warnings)
    for component in components:
        ref = _key(component)
        direct = None if root_children is None else ref in root_children
        result.components.append(_record(component, purls[ref], direct, tuple(dict.fromkeys(parents.get(ref, [])))))
    return result


def _graph(graph: dict[str, list[str]], root_ref: str | None, purls: dict[str, str],
           warnings_out: list[str]) -> tuple[set[str] | None, dict[str, list[str]]]:
    """The root's children (None when the graph does not tell) and each ref's parents as purls, in graph order."""
    root_children: set[str] | None = None
    if root_ref is not None and root_ref in graph:
        root_children = set(graph[root_ref])
    elif any(graph.values()):
        warnings_out.append("the dependency graph does not include the main component; direct unknown")
    parents: dict[str, list[str]] = {}
    for ref, children in graph.items():
        if ref == root_ref or ref not in purls:
            continue
        for child in children:
            parents.setdefault(child, []).append(purls[ref])
    return root_children, parents


def _check_components(items: object, where: str, order: dict[str, int]) -> int:
    """Name the first malformed component field before the library reports it less precisely; count them."""
    count = 0
    for index, raw in enumerate(require_list(items, FORMAT, where)):
        here = f"{where}[{index}]"
        component = require_mapping(raw, FORMAT, here)
        if not isinstance(component.get("name"), str) or not component["name"].strip():
            raise ImporterError(f"{FORMAT}: a component has no name", field=f"{here}.name")
        for key in ("version", "group", "purl", "bom-ref"):
            if key in component and not isinstance(component[key], str):
                raise ImporterError(f"{FORMAT}: expected a string", field=f"{here}.{key}")
        count += 1
        if "bom-ref" in component:
            order.setdefault(component["bom-ref"], len(order))
        if "components" in component:
            count += _check_components(component["components"], f"{here}.components", order)
    return count


def deserialise(load: Any, source: object, fmt: str) -> Bom:
    """Run the library's deserialiser; its errors become one ImporterError."""
    try:
        with warnings.catch_warnings():
            # Reading an older BOM sets fields that newer schemas deprecate (author, tools);
            # the library warns about that, but for an import it is expected, not a fault.
            warnings.simplefilter("ignore", BaseSchemaDeprecationWarning)
            return load(source)  # type: ignore[no-any-return]
    except (RecursionError, MemoryError):
        raise
    except Exception as error:  # the library raises many types for a malformed BOM
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImporterError(f"{fmt}: cyclonedx-python-lib rejected the BOM: {detail[:300]}") from error


def _raw_graph(items: object) -> dict[str, list[str]]:
    """The `dependencies` graph read from the JSON as the library orders it: refs sorted, children sorted and unique.

    The library keeps dependencies in a sorted set of (ref, sorted children); where one ref is listed twice
    with different children, the later in that order wins, as it does when the graph is read from the Bom
    (the library orders a list of children after every longer list it begins).
    """
    if items is None:
        return {}
    entries: set[tuple[str, tuple[str, ...]]] = set()
    for index, raw in enumerate(require_list(items, FORMAT, "dependencies")):
        here = f"dependencies[{index}]"
        entry = require_mapping(raw, FORMAT, here)
        ref = entry.get("ref")
        if not isinstance(ref, str):
            raise ImporterError(f"{FORMAT}: a dependency needs a ref (a string)", field=f"{here}.ref")
        children = entry.get("dependsOn")
        if not isinstance(children, list):
            children = []  # the library reads anything but an array as "depends on nothing"
        for position, child in enumerate(children):
            if not isinstance(child, str):
                raise ImporterError(f"{FORMAT}: expected a string", field=f"{here}.dependsOn[{position}]")
        entries.add((ref, tuple(sorted(set(children)))))
    return {ref: list(children) for ref, children in sorted(entries, key=_library_order)}


def _library_order(entry: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[tuple[int, str] | tuple[int], ...]]:
    # The library compares the children lexically but puts a tuple after every longer tuple it begins.
    ref, children = entry
    return ref, (*((0, child) for child in children), (1,))


def _records_chunked(data: dict[str, Any], order: dict[str, int], chunk: int) -> ParsedFile:
    """Records of a BOM whose components all have distinct bom-refs, deserialised `chunk` top-level components
    at a time (nested ones with their parent) so that the library's objects for a large BOM never all live at once.

    Distinct bom-refs make the result the same as one `Bom.from_json` of the whole document: the file order
    (which the records follow) is total and the library has no equal components to merge.
    """
    result = ParsedFile(format=FORMAT)
    skeleton = {key: value for key, value in data.items() if key not in ("components", "dependencies")}
    root = deserialise(Bom.from_json, skeleton, FORMAT).metadata.component  # type: ignore[attr-defined]
    root_ref = root.bom_ref.value if root is not None else None
    graph = _raw_graph(data.get("dependencies"))
    root_children, _ = _graph(graph, root_ref, {}, result.warnings)
    header: dict[str, Any] = {key: data[key] for key in ("bomFormat", "specVersion", "version") if key in data}
    found: list[tuple[int, str, ComponentRecord]] = []
    raw_components = data.get("components") or []
    for start in range(0, len(raw_components), chunk):
        chunk_document: dict[str, Any] = {**header, "components": raw_components[start:start + chunk]}
        part = deserialise(Bom.from_json, chunk_document, FORMAT)  # type: ignore[attr-defined]
        for component in _walk(part.components):
            ref = component.bom_ref.value
            if root_ref is not None and ref == root_ref:
                continue
            key = str(ref) if ref else ""
            direct = None if root_children is None else _key(component) in root_children
            found.append((order.get(str(ref), _UNORDERED), key, _record(component, _purl(component, FORMAT), direct, ())))
        del part
    found.sort(key=lambda item: item[0])
    purls = {key: record.purl for _, key, record in found if key}
    _, parents = _graph(graph, root_ref, purls, [])
    for _, key, record in found:
        mine = parents.get(key) if key else None
        result.components.append(replace(record, parents=tuple(dict.fromkeys(mine))) if mine else record)
    return result


def read_document(content: bytes, *, chunk: int | None = CHUNK) -> ParsedFile:
    """Read a CycloneDX JSON BOM; the metadata component (the product itself) is not a component.

    When every component has its own bom-ref (the usual case) the components go through the library `chunk`
    top-level components at a time, so memory stays bounded; otherwise, or with chunk=None, the whole BOM is
    deserialised at once. Both give the same records.
    """
    data = require_mapping(load_json(content, FORMAT), FORMAT, "(document)")
    if data.get("bomFormat") != "CycloneDX":
        raise ImporterError(f"{FORMAT}: not a CycloneDX document", field="bomFormat")
    version = data.get("specVersion")
    if version not in _SUPPORTED:
        raise ImporterError(
            f"{FORMAT}: specVersion {version!r} is not supported ({', '.join(_SUPPORTED)})", field="specVersion"
        )
    order: dict[str, int] = {}
    count = _check_components(data["components"], "components", order) if "components" in data else 0
    if chunk is not None and count == len(order):
        return _records_chunked(data, order, chunk)
    bom = deserialise(Bom.from_json, data, FORMAT)  # type: ignore[attr-defined]
    return records_from_bom(bom, FORMAT, order)


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read a CycloneDX JSON BOM in bounded memory (see `read_document`)."""
    return read_document(content)
