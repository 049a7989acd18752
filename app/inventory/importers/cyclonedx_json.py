"""CycloneDX JSON (1.2-1.6) through cyclonedx-python-lib (`Bom.from_json`).

The library builds the model; we read components from it, so JSON and XML share one extraction
(`records_from_bom`). Direct means "the metadata component depends on it" in the `dependencies`
graph; without a graph (or when the graph leaves the metadata component out) direct is None.
Components come back in file order (the library keeps them sorted, we restore the order).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
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
    load_json,
    make_purl,
    require_list,
    require_mapping,
)
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "cyclonedx-json"
_BOM_FORMAT = re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')
_SUPPORTED = ("1.2", "1.3", "1.4", "1.5", "1.6")
_UNORDERED = 1 << 30


def sniff(filename: str, head: bytes) -> bool:
    """Recognised by content: a JSON object with "bomFormat": "CycloneDX"."""
    return bool(_BOM_FORMAT.search(head)) or (
        filename_of(filename).endswith((".cdx.json", ".bom.json")) and b"CycloneDX" in head
    )


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
        if component.purl is not None:
            purls[_key(component)] = str(component.purl.to_string())
        else:
            purls[_key(component)] = make_purl(
                fmt, "generic", str(component.name), str(component.version or ""), component.group
            )

    graph: dict[str, list[str]] = {
        str(dependency.ref.value): [str(child.ref.value) for child in dependency.dependencies]
        for dependency in bom.dependencies
    }
    root_children: set[str] | None = None
    if root_ref is not None and root_ref in graph:
        root_children = set(graph[root_ref])
    elif any(graph.values()):
        result.warnings.append("the dependency graph does not include the main component; direct unknown")
    parents: dict[str, list[str]] = {}
    for ref, children in graph.items():
        if ref == root_ref or ref not in purls:
            continue
        for child in children:
            parents.setdefault(child, []).append(purls[ref])

    for component in components:
        ref = _key(component)
        ecosystem = component.purl.type if component.purl is not None else "generic"
        expression, unknown = _licences(component)
        repository = next(
            (str(reference.url) for reference in component.external_references
             if reference.type == ExternalReferenceType.VCS),
            "",
        )
        result.components.append(
            ComponentRecord(
                name=_display_name(component, ecosystem),
                version=str(component.version or ""),
                ecosystem=ecosystem,
                purl=purls[ref],
                licence_expression=expression,
                unknown_licences=unknown,
                direct=None if root_children is None else ref in root_children,
                parents=tuple(dict.fromkeys(parents.get(ref, []))),
                scope=_scope(component),
                supplier=_supplier(component),
                repository_url=repository,
                description=str(component.description or ""),
                hashes=tuple(f"{_hash_name(str(item.alg.value))}:{item.content}" for item in component.hashes),
            )
        )
    return result


def _check_components(items: object, where: str, order: dict[str, int]) -> None:
    """Name the first malformed component field before the library reports it less precisely."""
    for index, raw in enumerate(require_list(items, FORMAT, where)):
        here = f"{where}[{index}]"
        component = require_mapping(raw, FORMAT, here)
        if not isinstance(component.get("name"), str) or not component["name"].strip():
            raise ImporterError(f"{FORMAT}: a component has no name", field=f"{here}.name")
        for key in ("version", "group", "purl", "bom-ref"):
            if key in component and not isinstance(component[key], str):
                raise ImporterError(f"{FORMAT}: expected a string", field=f"{here}.{key}")
        if "bom-ref" in component:
            order.setdefault(component["bom-ref"], len(order))
        if "components" in component:
            _check_components(component["components"], f"{here}.components", order)


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


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read a CycloneDX JSON BOM; the metadata component (the product itself) is not a component."""
    data = require_mapping(load_json(content, FORMAT), FORMAT, "(document)")
    if data.get("bomFormat") != "CycloneDX":
        raise ImporterError(f"{FORMAT}: not a CycloneDX document", field="bomFormat")
    version = data.get("specVersion")
    if version not in _SUPPORTED:
        raise ImporterError(
            f"{FORMAT}: specVersion {version!r} is not supported ({', '.join(_SUPPORTED)})", field="specVersion"
        )
    order: dict[str, int] = {}
    if "components" in data:
        _check_components(data["components"], "components", order)
    bom = deserialise(Bom.from_json, data, FORMAT)  # type: ignore[attr-defined]
    return records_from_bom(bom, FORMAT, order)
