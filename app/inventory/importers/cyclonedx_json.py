"""CycloneDX JSON (1.2-1.7): validated against the spec's JSON schema, then read directly (`read_document`).

The schema (shipped with cyclonedx-python-lib, compiled by jsonschema-rs) is checked entry by entry: an entry
it refuses is skipped with a warning that names it. The components are then read from the JSON by `records_of`
(which the XML importer shares: it reads an XML BOM into the same shape) as cyclonedx-python-lib's object model
would give them (the tests compare both on every sample) at a fraction of the cost; the library path
(`reader="library"`, `records_from_bom`) stays as that reference and for the benchmark. What is no SOUP is left out
by `records_of` only: files, data and cryptographic assets, Go packages inside their modules, the project's own
modules. Direct means "the product depends on it" in the `dependencies` graph, through any generator grouping
(an application or file node without purl or version, such as trivy's package-lock.json node) and through the
project's own modules: those are not components. Without a graph (or when the graph leaves the product out) direct
is None. Components come back in file order.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any

import jsonschema_rs
from cyclonedx.model import ExternalReferenceType, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentScope
from cyclonedx.model.license import LicenseExpression
from cyclonedx.schema import SchemaVersion
from cyclonedx.schema._res import BOM_JSON, CRYPTOGRAPHY_DEFS, JSF, SPDX_JSON
from cyclonedx.schema.deprecation import BaseSchemaDeprecationWarning
from packageurl import PackageURL

from app.inventory.importers._common import (
    combine_normalised,
    filename_of,
    guarded,
    json_object,
    licence,
    licence_name,
    load_json,
    make_purl,
    mended_purl,
    require_list,
    require_mapping,
)
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "cyclonedx-json"
_SUPPORTED = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
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
    group = component.group or (component.purl.namespace if ecosystem == "npm" and component.purl is not None else "")
    return _joined_name(str(group or ""), str(component.name), ecosystem)


def _joined_name(group: str, name: str, ecosystem: str) -> str:
    """group:name for Maven, group/name otherwise (an npm scope: @scope/name), the name alone without a group."""
    if not group or name.startswith(f"{group}/"):
        return name
    return f"{group}{':' if ecosystem == 'maven' else '/'}{name}"


def _npm_scope(purl: str) -> str:
    """The scope of an npm purl (`pkg:npm/%40prosopo/client@2.0.3` -> "@prosopo"), "" without one: npm's own `npm sbom`
    names a scoped package without its scope and gives no group, so only the purl says it."""
    if not purl.startswith("pkg:npm/%40"):
        return ""
    return "@" + purl[len("pkg:npm/%40"):].split("/", 1)[0]


def _licences(component: Component) -> tuple[str, tuple[str, ...]]:
    parts: list[tuple[str, tuple[str, ...]]] = []
    for entry in component.licenses:
        if isinstance(entry, LicenseExpression):
            parts.append(licence(str(entry.value)))
        elif entry.id:
            parts.append(licence(str(entry.id)))
        elif entry.name:
            parts.append(licence_name(str(entry.name)))
    return combine_normalised(parts)


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
        component_type=str(component.type.value) if component.type is not None else "library",
        cpe=str(component.cpe or ""),
    )


def service_record(name: str, version: str, *, group: str = "", provider: str = "", description: str = "",
                   ref: str = "", direct: bool | None = None, parents: tuple[str, ...] = ()) -> ComponentRecord:
    """One CycloneDX service (a managed cloud service, an API the device software calls) as a component of type
    service: no package, so no purl; its provider is its supplier."""
    return ComponentRecord(
        name=f"{group}/{name}" if group else name, version=version, ecosystem="generic", purl="",
        direct=direct, parents=parents, supplier=provider, description=description,
        refs=(ref,) if ref else (), component_type="service",
    )


def _walk_services(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        yield item
        yield from _walk_services(getattr(item, "services", None) or ())


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
    result.components.extend(_service_records(bom.services, root_children, parents))
    return result


def _service_records(services: Any, root_children: set[str] | None,
                     parents: dict[str, list[str]]) -> list[ComponentRecord]:
    """A record per CycloneDX service, nested ones included (the same reading in both readers)."""
    records = []
    for service in _walk_services(services):
        ref = str(service.bom_ref.value) if service.bom_ref.value else ""
        records.append(service_record(
            str(service.name), str(service.version or ""), group=str(service.group or ""),
            provider=str(service.provider.name) if service.provider is not None and service.provider.name else "",
            description=str(service.description or ""), ref=ref,
            direct=None if root_children is None else ref in root_children,
            parents=tuple(dict.fromkeys(parents.get(ref, [])))))
    return records


# cyclonedx-py writes every `dependsOn` empty when it does not know the graph (pipenv, requirements files).
NO_EDGES = ("the dependency graph lists no dependency of anything (every dependsOn is empty or missing), so it does "
            "not say which packages are direct; direct unknown")


def _graph(graph: dict[str, list[str]], root_ref: str | None, purls: dict[str, str],
           warnings_out: list[str]) -> tuple[set[str] | None, dict[str, list[str]]]:
    """The root's children (None when the graph does not tell) and each ref's parents as purls, in graph order."""
    root_children: set[str] | None = None
    if graph and not any(graph.values()):
        warnings_out.append(NO_EDGES)
    elif root_ref is not None and root_ref in graph:
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


def _raw_graph(items: object, fmt: str = FORMAT) -> dict[str, list[str]]:
    """The `dependencies` graph read from the JSON as the library orders it: refs sorted, children sorted and unique.

    The library keeps dependencies in a sorted set of (ref, sorted children); where one ref is listed twice
    with different children, the later in that order wins, as it does when the graph is read from the Bom
    (the library orders a list of children after every longer list it begins).
    """
    if items is None:
        return {}
    entries: set[tuple[str, tuple[str, ...]]] = set()
    for index, raw in enumerate(require_list(items, fmt, "dependencies")):
        here = f"dependencies[{index}]"
        entry = require_mapping(raw, fmt, here)
        ref = entry.get("ref")
        if not isinstance(ref, str):
            raise ImporterError(f"{fmt}: a dependency needs a ref (a string)", field=f"{here}.ref")
        children = entry.get("dependsOn")
        if not isinstance(children, list):
            children = []  # the library reads anything but an array as "depends on nothing"
        for position, child in enumerate(children):
            if not isinstance(child, str):
                raise ImporterError(f"{fmt}: expected a string", field=f"{here}.dependsOn[{position}]")
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
    skeleton_bom = deserialise(Bom.from_json, skeleton, FORMAT)  # type: ignore[attr-defined]
    root = skeleton_bom.metadata.component
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
    result.components.extend(_service_records(skeleton_bom.services, root_children, parents))
    return result


def read_document(content: bytes, *, chunk: int | None = CHUNK, reader: str = "direct") -> ParsedFile:
    """Read a CycloneDX JSON BOM; the metadata component (the product itself) is not a component.

    reader="direct" validates against the schema and reads the JSON itself (see the module docstring). With
    reader="library" the BOM goes through cyclonedx-python-lib: when every component has its own bom-ref (the
    usual case) `chunk` top-level components at a time, so memory stays bounded; otherwise, or with chunk=None,
    the whole BOM at once. All give the same records.
    """
    data = require_mapping(load_json(content, FORMAT), FORMAT, "(document)")
    if data.get("bomFormat") != "CycloneDX":
        raise ImporterError(f"{FORMAT}: not a CycloneDX document", field="bomFormat")
    version = data.get("specVersion")
    if version not in _SUPPORTED:
        raise ImporterError(
            f"{FORMAT}: specVersion {version!r} is not supported ({', '.join(_SUPPORTED)})", field="specVersion"
        )
    return vex_only_said(_records(data, str(version), chunk, reader), bool(data.get("vulnerabilities")))


def _records(data: dict[str, Any], version: str, chunk: int | None, reader: str) -> ParsedFile:
    if reader == "direct":
        return _records_direct(data, version)
    order: dict[str, int] = {}
    count = _check_components(data["components"], "components", order) if "components" in data else 0
    if chunk is not None and count == len(order):
        return _records_chunked(data, order, chunk)
    bom = deserialise(Bom.from_json, data, FORMAT)  # type: ignore[attr-defined]
    return records_from_bom(bom, FORMAT, order)


VEX_ONLY = ("this BOM lists vulnerabilities only (a VEX document) and no components: import the product's SBOM for "
            "its components")


def vex_only_said(result: ParsedFile, has_vulnerabilities: bool) -> ParsedFile:
    """A BOM with vulnerabilities and no component is a VEX document: the import says why nothing came of it."""
    if has_vulnerabilities and not result.components:
        result.warnings.append(VEX_ONLY)
    return result


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read a CycloneDX JSON BOM: schema-checked entry by entry, then read directly (see `read_document`)."""
    return read_document(content)


# --- Direct reading: the JSON components after schema validation, without the library's object model -----------

_SCHEMA_PREFIX = "http://cyclonedx.org/schema/"
_AGGREGATOR_TYPES = frozenset({"application", "file"})


@lru_cache(maxsize=8)
def _validator(version: str) -> Any:
    """The CycloneDX JSON schema of `version` (shipped with cyclonedx-python-lib), compiled by jsonschema-rs."""
    resources = {f"{_SCHEMA_PREFIX}spdx.SNAPSHOT.schema.json": SPDX_JSON,
                 f"{_SCHEMA_PREFIX}jsf-0.82.SNAPSHOT.schema.json": JSF,
                 f"{_SCHEMA_PREFIX}cryptography-defs.SNAPSHOT.schema.json": CRYPTOGRAPHY_DEFS}

    def retrieve(uri: str) -> Any:
        path = resources.get(uri)
        if path is None:
            raise ValueError(f"the schema refers to {uri}, which is not shipped")
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    with open(str(BOM_JSON[SchemaVersion.from_version(version)]), encoding="utf-8") as handle:
        schema = json.load(handle)
    # Formats (iri-reference, date-time, email) are not checked: real SBOMs write "git@host:repo.git" as a VCS
    # URL, and cyclonedx-python-lib reads such values as they are; the structure is what must hold.
    return jsonschema_rs.Draft7Validator(schema, retriever=retrieve, validate_formats=False)


def _where(path: list[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(document)"


def _entry_label(component: Any) -> str:
    if isinstance(component, dict) and isinstance(component.get("name"), str):
        version = component.get("version")
        return f"{component['name']} {version}" if isinstance(version, str) and version else component["name"]
    return "an entry"


PARTS_SAID_ONE_BY_ONE = 3  # more invalid licence, hash or reference entries than this are said in one warning


def _part_warnings(bad_parts: dict[str, dict[str, str]]) -> list[str]:
    """Invalid licence, hash and reference entries of components: each said alone when few, else one warning per
    kind with the first one's reason and where the others are (an SBOM writer repeats one mistake 140 times)."""
    said: list[str] = []
    for kind, by_where in bad_parts.items():
        found = list(by_where.items())
        if len(found) <= PARTS_SAID_ONE_BY_ONE:
            said.extend(f"{where} is not valid CycloneDX ({why}); that entry is not read" for where, why in found)
            continue
        others = ", ".join(where for where, _why in found[1:11]) + (", ..." if len(found) > 11 else "")
        said.append(f"{len(found)} {kind} entries are not valid CycloneDX and are not read (their components are "
                     f"kept): {found[0][0]} ({found[0][1]}); also {others}")
    return said


def _validated(data: dict[str, Any], version: str, warnings_out: list[str]) -> dict[str, Any]:
    """The document with what the schema refuses taken out, entry by entry, each with a warning that names it.

    A component whose own fields (name, version, purl, ...) are invalid is skipped; an invalid licence, hash or
    external reference of a component is dropped and the component kept; an invalid dependency entry is skipped;
    anything else the schema refuses is reported and not read. Refusals of the document's own shape (no
    components array, a wrong bomFormat) make the whole file unreadable.
    """
    errors = list(_validator(version).iter_errors(data))
    if not errors:
        return data
    skip_components: set[tuple[Any, ...]] = set()
    drop_parts: set[tuple[Any, ...]] = set()
    skip_dependencies: set[int] = set()
    bad_parts: dict[str, dict[str, str]] = {}  # licenses/hashes/externalReferences -> where -> why
    for error in errors:
        path = list(error.instance_path)
        message = str(error.message).splitlines()[0][:200]
        if type(error.kind).__name__ == "UniqueItems":
            # the same entry twice: one component (or edge) per identity is what the import keeps anyway
            warnings_out.append(f"{_where(path)} lists an entry more than once; it is read once")
            continue
        if not path or path[0] not in ("components", "dependencies", "metadata", "services", "externalReferences",
                                       "compositions", "vulnerabilities", "annotations", "formulation",
                                       "properties", "definitions", "declarations", "signature", "citations"):
            raise ImporterError(f"{FORMAT}: the document does not follow the CycloneDX {version} schema at "
                                f"{_where(path)}: {message}", field=_where(path))
        if path[0] == "components" and len(path) >= 2:
            # the innermost component entry on the path: components[i](.components[j])*
            end = 2
            while end + 1 < len(path) and path[end] == "components" and isinstance(path[end + 1], int):
                end += 2
            entry = tuple(path[:end])
            rest = path[end:]
            if len(rest) >= 2 and rest[0] in ("licenses", "hashes", "externalReferences") and isinstance(rest[1], int):
                drop_parts.add((*entry, rest[0], rest[1]))
                where = f"{_where(list(entry))} ({_entry_label(_at(data, entry))}): {rest[0]}[{rest[1]}]"
                bad_parts.setdefault(rest[0], {}).setdefault(where, message)  # one entry may break several rules
            elif not rest or rest[0] in ("name", "version", "purl", "group", "bom-ref", "type", "scope", "components"):
                if entry not in skip_components:
                    skip_components.add(entry)
                    warnings_out.append(f"{_where(list(entry))} ({_entry_label(_at(data, entry))}) is not valid "
                                        f"CycloneDX ({message}); the component is skipped")
            else:
                warnings_out.append(f"{_where(path)} is not valid CycloneDX ({message}); the field is not read")
        elif path[0] == "dependencies" and len(path) >= 2 and isinstance(path[1], int):
            if path[1] not in skip_dependencies:
                skip_dependencies.add(path[1])
                warnings_out.append(f"dependencies[{path[1]}] is not valid CycloneDX ({message}); it is skipped")
        elif path[0] in ("components", "dependencies"):
            raise ImporterError(f"{FORMAT}: the document does not follow the CycloneDX {version} schema at "
                                f"{_where(path)}: {message}", field=_where(path))
        else:
            warnings_out.append(f"{_where(path)} is not valid CycloneDX ({message}); it is not read")
    warnings_out.extend(_part_warnings(bad_parts))
    cleaned = dict(data)
    cleaned["components"] = _cleaned_components(data.get("components") or [], ("components",), skip_components,
                                                drop_parts)
    if skip_dependencies:
        cleaned["dependencies"] = [entry for index, entry in enumerate(data.get("dependencies") or [])
                                   if index not in skip_dependencies]
    return cleaned


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _cleaned_components(items: list[Any], where: tuple[Any, ...], skip: set[tuple[Any, ...]],
                        drop: set[tuple[Any, ...]]) -> list[Any]:
    if not skip and not drop:
        return items
    kept = []
    for index, item in enumerate(items):
        here = (*where, index)
        if here in skip:
            continue
        if any(part[:len(here)] == here for part in drop) or any(entry[:len(here)] == here for entry in skip):
            item = dict(item)
            for key in ("licenses", "hashes", "externalReferences"):
                if isinstance(item.get(key), list):
                    item[key] = [value for position, value in enumerate(item[key])
                                 if (*here, key, position) not in drop]
            if isinstance(item.get("components"), list):
                item["components"] = _cleaned_components(item["components"], (*here, "components"), skip, drop)
        kept.append(item)
    return kept


Walked = tuple[dict[str, Any], tuple[str, ...], dict[str, Any] | None]


def _walk_raw(items: list[dict[str, Any]], groups: tuple[str, ...] = (),
              parent: dict[str, Any] | None = None) -> Iterator[Walked]:
    """Every component, nested ones after their parent: (the component, the groupings it sits under, its parent)."""
    for item in items:
        yield item, groups, parent
        nested = item.get("components")
        if nested:
            yield from _walk_raw(nested, (*groups, str(item.get("name"))) if _is_aggregator(item) else groups, item)


def _is_aggregator(item: dict[str, Any]) -> bool:
    """A generator's grouping node (trivy's package-lock.json, syft's "." directory): an application or file
    without purl or version; what it groups are the packages."""
    return item.get("type") in _AGGREGATOR_TYPES and not item.get("purl") and not item.get("version")


@lru_cache(maxsize=65536)
def _normal_purl(text: str) -> str:
    return mended_purl(text)


def _raw_licences(item: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    keyed: list[tuple[tuple[Any, ...], str, bool]] = []  # (library order, text, is a name)
    for entry in item.get("licenses") or ():
        if "expression" in entry:
            keyed.append(((0, entry["expression"]), str(entry["expression"]), False))
        else:
            found = entry.get("license") or {}
            ident, name = found.get("id"), found.get("name")
            keyed.append(((1, ident is None, ident or "", name is None, name or ""), str(ident or name or ""),
                          not ident))
    keyed.sort(key=lambda entry: entry[0])
    return combine_normalised((licence_name if named else licence)(text) for _, text, named in keyed if text)


def _raw_supplier(item: dict[str, Any]) -> str:
    for key in ("supplier", "manufacturer"):
        entity = item.get(key)
        if isinstance(entity, dict) and entity.get("name"):
            return str(entity["name"])
    for key in ("publisher", "author"):
        if item.get(key):
            return str(item[key])
    for author in item.get("authors") or ():
        if author.get("name"):
            return str(author["name"])
    return ""


def _raw_record(item: dict[str, Any], purl: str, direct: bool | None, parents: tuple[str, ...],
                groups: tuple[str, ...]) -> ComponentRecord:
    """One JSON component as a record, read as the library would read it (same fields, same order of licences)."""
    ecosystem = purl[4:].split("/", 1)[0].lower() if item.get("purl") and purl.startswith("pkg:") else "generic"
    group = item.get("group") or (_npm_scope(purl) if ecosystem == "npm" else "")
    name = _joined_name(str(group or ""), str(item["name"]), ecosystem)
    expression, unknown = _raw_licences(item)
    vcs = sorted(str(XsUri(str(reference["url"]))) for reference in item.get("externalReferences") or ()
                 if reference.get("type") == "vcs" and reference.get("url"))
    hashes = sorted((str(entry["alg"]), str(entry["content"])) for entry in item.get("hashes") or ())
    scope = item.get("scope")
    return ComponentRecord(
        name=name,
        version=str(item.get("version") or ""),
        ecosystem=ecosystem,
        purl=purl,
        licence_expression=expression,
        unknown_licences=unknown,
        direct=direct,
        parents=parents,
        scope="optional" if scope == "optional" else "dev" if scope == "excluded" else "runtime",
        supplier=_raw_supplier(item),
        repository_url=vcs[0] if vcs else "",
        description=str(item.get("description") or ""),
        hashes=tuple(f"{_hash_name(alg)}:{content}" for alg, content in hashes),
        refs=(str(item["bom-ref"]),) if item.get("bom-ref") else (),
        groups=groups,
        component_type=str(item.get("type") or "library"),
        cpe=str(item.get("cpe") or ""),
    )


def _walk_raw_services(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _walk_raw_services(item.get("services") or [])


def _records_direct(data: dict[str, Any], version: str) -> ParsedFile:
    """Records read straight from the JSON after the schema check took out what it refuses (see `records_of`)."""
    said: list[str] = []
    return records_of(_validated(data, version, said), FORMAT, said)


# CycloneDX component types (1.4-1.7) that name no software package a SOUP list holds: a file (cyclonedx-gomod's
# -files lists every source file of every module; syft lists the files it catalogued), data (configuration, data
# sets) and a cryptographic asset (a CBOM's algorithms, keys, certificates, protocols: what a library implements or
# uses, not a package). library, framework, application, container, platform, operating-system, device,
# device-driver, firmware and machine-learning-model are software (or the platform it runs on) and are kept.
NOT_PACKAGES: dict[str, tuple[str, str]] = {"file": ("file", "files"), "data": ("data", "data"),
                                             "cryptographic-asset": ("cryptographic asset", "cryptographic assets")}
SHOWN = 5  # entries a warning names before "..."


def _counted(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _not_a_package(item: dict[str, Any]) -> bool:
    """A file, data or cryptographic asset; one with a purl names the package it is and stays."""
    return item.get("type") in NOT_PACKAGES and not item.get("purl")


def _module_part(item: dict[str, Any], parent: dict[str, Any] | None) -> bool:
    """A Go package listed inside the Go module that holds it (cyclonedx-gomod's -packages: `cloud.google.com/go/iam`
    inside `cloud.google.com/go`, same version): a part of that module, not a component of its own."""
    if parent is None or not str(item.get("purl") or "").startswith("pkg:golang/") \
            or not str(parent.get("purl") or "").startswith("pkg:golang/"):
        return False
    name, module = str(item.get("name") or ""), str(parent.get("name") or "")
    return item.get("version") == parent.get("version") and (name == module or name.startswith(f"{module}/"))


def _label(item: dict[str, Any], parent: dict[str, Any] | None = None) -> str:
    """How a warning names a component: its name, and the component it is listed in."""
    return f"{item.get('name')} in {_entry_label(parent)}" if parent is not None else _entry_label(item)


def _listed(labels: list[str], shown: int = SHOWN) -> str:
    return ", ".join(labels[:shown]) + (", ..." if len(labels) > shown else "")


def _project_path(purl: str) -> bool:
    """cyclonedx-gradle-plugin (2.0 and later) marks each Gradle project of the build with a `project_path`
    qualifier (`pkg:maven/JabRef/jablib@unspecified?project_path=%3Ajablib`)."""
    qualifiers = purl.partition("?")[2].partition("#")[0]
    return any(part.startswith("project_path=") for part in qualifiers.split("&"))


@lru_cache(maxsize=65536)
def _maven_coordinates(purl: str) -> tuple[str, str] | None:
    """(group, version) of a Maven purl; None for any other purl or for text that is no purl."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    return (parsed.namespace or "", parsed.version or "") if parsed.type == "maven" else None


def own_modules(root: dict[str, Any] | None, graph: dict[str, list[str]], purls: dict[str, str]) -> set[str]:
    """The refs of the project's own modules among the components: its own code, not SOUP.

    A multi-project build (Gradle, Maven) lists the projects of the build next to the packages they use, and its
    dependency graph runs from the product through them to the packages. A component is one of them when
    cyclonedx-gradle-plugin marks it so (a `project_path` qualifier in its purl), when the metadata component lists it
    among its own parts (cdxgen nests the sub-projects there), or when it is a Maven artifact of the product's own
    group and version that the product reaches through its own modules in the graph (cdxgen 8 and aggregate BOMs
    list the sub-projects as plain components: `pkg:maven/dependency-diff-check-service@latest`). Any other
    package is SOUP, even at the product's version (an npm product at 1.0.0 may well use isarray 1.0.0), and so is
    a module the graph does not reach from the product (dropwizard-parent's aggregate BOM: nothing says which
    artifact is the product's).
    """
    own = {key for key, purl in purls.items() if _project_path(purl)}
    if root is None:
        return own
    own |= {str(item["bom-ref"]) for item, _, _ in _walk_raw(root.get("components") or [])
            if item.get("bom-ref") in purls}
    mine = _maven_coordinates(_purl_or_nothing(str(root.get("purl") or "")))
    root_ref = root.get("bom-ref")
    if mine is None or root_ref is None:
        return own
    pending, seen = [str(root_ref), *own], set[str]()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        for child in graph.get(ref, ()):
            if child not in own and child in purls and _maven_coordinates(purls[child]) == mine:
                own.add(child)
            if child in own:
                pending.append(child)
    return own


def _purl_or_nothing(text: str) -> str:
    try:
        return _normal_purl(text) if text else ""
    except ValueError:
        return ""


def records_of(data: dict[str, Any], fmt: str, warnings: list[str] | None = None) -> ParsedFile:
    """Component records of a CycloneDX document in its JSON shape (an XML BOM is read into the same shape).

    Components come in file order, nested ones after their parent. Left out, each kind with one warning: the
    metadata component (the product itself), a generator's grouping node (`_is_aggregator`), what is no software
    package (`NOT_PACKAGES`), a Go package listed inside its module (`_module_part`) and the project's own modules
    (`own_modules`). Direct means "the product depends on it" in the dependency graph: a dependency of the metadata
    component, or of one of the project's own modules; what a left-out node depends on (a grouping, a module, a
    file) is reached through it, so a dependency of an own module is direct. Without a graph that reaches the
    product or its modules, direct is None.
    """
    result = ParsedFile(format=fmt, warnings=list(warnings or []))
    metadata = data.get("metadata")
    root = metadata.get("component") if isinstance(metadata, dict) and isinstance(metadata.get("component"), dict) \
        else None
    root_ref = root.get("bom-ref") if root else None
    found: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
    aggregators: set[str] = set()
    passed: set[str] = set()  # refs of left-out entries: not components, what they depend on is reached through them
    not_packages: list[tuple[str, str]] = []  # (type, label)
    parts: list[str] = []
    purls: dict[str, str] = {}
    for index, (item, groups, parent) in enumerate(_walk_raw(data.get("components") or [])):
        ref = item.get("bom-ref")
        if root_ref is not None and ref == root_ref:
            continue
        key = str(ref) if ref else f"#{index}"
        if _is_aggregator(item):
            aggregators.add(key)
            continue
        if _not_a_package(item) or _module_part(item, parent):
            passed.add(key)
            if _not_a_package(item):
                not_packages.append((str(item["type"]), _label(item, parent)))
            else:
                parts.append(_label(item, parent))
            continue
        purl = ""
        if item.get("purl"):
            try:
                purl = _normal_purl(str(item["purl"]))
            except ValueError as error:
                result.warnings.append(f"{_entry_label(item)}: purl {item['purl']!r} is not a package URL ({error}); "
                                       "it is not read")
        if not purl:
            purl = make_purl(fmt, "generic", str(item["name"]), str(item.get("version") or ""), item.get("group"))
            item = {key_: value for key_, value in item.items() if key_ != "purl"}
        purls[key] = purl
        found.append((key, item, groups))
    if not_packages:
        kinds = ", ".join(_counted(count, *NOT_PACKAGES[kind]) for kind, count in
                          sorted(Counter(kind for kind, _ in not_packages).items()))
        result.warnings.append(f"components that are not software packages are left out ({kinds}): "
                               f"{_listed([label for _, label in not_packages])}")
    if parts:
        result.warnings.append(f"Go packages listed inside their modules are parts of those modules, not components of "
                               f"their own ({_counted(len(parts), 'package', 'packages')}): {_listed(parts)}")
    graph = _raw_graph(data.get("dependencies"), fmt)
    own = own_modules(root, graph, purls)
    if own:
        result.warnings.append(
            f"the project's own modules are not third-party packages and are left out; what they depend on is a direct "
            f"dependency ({_counted(len(own), 'module', 'modules')}): "
            f"{_listed([_entry_label(item) for key, item, _ in found if key in own], 10)}")
        found = [entry for entry in found if entry[0] not in own]
        for key in own:
            del purls[key]
    inside = {str(item["bom-ref"]) for item, _, _ in _walk_raw(root.get("components") or []) if item.get("bom-ref")} \
        if root else set()
    through = aggregators | passed | own | inside  # nodes whose dependencies are reached through them
    starts = [ref for ref in ([str(root_ref)] if root_ref is not None else []) + sorted(own | inside) if ref in graph]
    children_of_root: set[str] | None = None
    if graph and not any(graph.values()):
        result.warnings.append(NO_EDGES)
    elif starts:
        children_of_root = {child for ref in starts for child in graph[ref]}
    elif aggregators & set(graph):
        children_of_root = set(aggregators)  # no root in the graph: the groupings stand at the top
    elif any(graph.values()):
        result.warnings.append("the dependency graph does not include the main component; direct unknown")
    direct_refs: set[str] | None = None
    if children_of_root is not None:
        direct_refs = set()
        pending = list(children_of_root)
        seen: set[str] = set()
        while pending:  # a grouping, a module or a left-out entry is transparent: what it depends on is direct
            ref = pending.pop()
            if ref in seen:
                continue
            seen.add(ref)
            if ref in through:
                pending.extend(graph.get(ref, ()))
            else:
                direct_refs.add(ref)
    grouped_by: dict[str, list[str]] = {}
    for ref, children in graph.items():
        if ref in aggregators:
            for child in children:
                grouped_by.setdefault(child, []).append(ref)
    aggregator_names = {key: key for key in aggregators}
    for item, _, _ in _walk_raw(data.get("components") or []):
        if item.get("bom-ref") in aggregators:
            aggregator_names[str(item["bom-ref"])] = str(item.get("name"))
    parents: dict[str, list[str]] = {}
    for ref, children in graph.items():
        if ref == root_ref or ref not in purls:
            continue
        for child in children:
            parents.setdefault(child, []).append(purls[ref])
    for key, item, groups in found:
        direct = None if direct_refs is None else key in direct_refs
        extra = tuple(aggregator_names[ref] for ref in grouped_by.get(key, ()))
        result.components.append(_raw_record(item, purls[key], direct, tuple(dict.fromkeys(parents.get(key, []))),
                                             tuple(dict.fromkeys((*groups, *extra)))))
    for index, service in enumerate(_walk_raw_services(data.get("services") or [])):
        name = str(service.get("name") or "").strip()
        if not name:
            result.warnings.append(f"services[{index}]: a service without a name is not read")
            continue
        provider = service.get("provider")
        ref = str(service.get("bom-ref") or "")
        result.components.append(service_record(
            name, str(service.get("version") or ""), group=str(service.get("group") or ""),
            provider=str(provider.get("name") or "") if isinstance(provider, dict) else "",
            description=str(service.get("description") or ""), ref=ref,
            direct=None if direct_refs is None else ref in direct_refs,
            parents=tuple(dict.fromkeys(parents.get(ref, [])))))
    return result
