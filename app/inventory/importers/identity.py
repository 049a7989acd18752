"""One record per package identity: the same package listed twice (an SBOM entry per path, two files) is one.

A package's identity is its purl without qualifiers and subpath (`pkg:npm/a@1.0.0?vcs_url=...` is `pkg:npm/a@1.0.0`),
else its ecosystem, name and version; a qualifier that names another package stays (Julia's `uuid`: two registries'
packages of one name are two packages). Merging keeps the first record's fields and adds what the others know:
direct if any entry is direct, every parent, SBOM ref and grouping, the widest scope, the first non-empty
licence, supplier, repository, description and hashes. Pure: no Flask, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from app.inventory.importers._common import wider_scope
from app.inventory.importers.base import ComponentRecord

# purl type -> the qualifier that tells packages of the same name and version apart.
_IDENTIFYING_QUALIFIER = {"pkg:julia/": "uuid="}


def identity(record: ComponentRecord) -> str:
    """The package identity of a record (see the module docstring)."""
    if record.purl.startswith("pkg:"):
        return purl_identity(record.purl)
    return f"{record.ecosystem or 'generic'}:{record.name}@{record.version}"


def purl_identity(purl: str) -> str:
    """The package a purl names: without subpath and qualifiers, but for one that names another package."""
    base, _, rest = purl.split("#", 1)[0].partition("?")
    if rest:
        for prefix, qualifier in _IDENTIFYING_QUALIFIER.items():
            if base.startswith(prefix):
                found = next((part for part in rest.split("&") if part.startswith(qualifier)), "")
                return f"{base}?{found}" if found else base
    return base


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    if not second or first == second:
        return first
    return tuple(dict.fromkeys((*first, *second)))


def merged(first: ComponentRecord, other: ComponentRecord) -> ComponentRecord:
    """`first` completed with what `other`, an entry of the same package, adds."""
    if first.direct is True or other.direct is None:
        direct = first.direct
    elif other.direct is True or first.direct is None:
        direct = other.direct
    else:
        direct = False
    licence = (first.licence_expression, first.unknown_licences) if first.licence_expression else (
        other.licence_expression, other.unknown_licences)
    parents = _union(first.parents, other.parents)
    if parents:  # two entries of one package (a container and its image's OS): neither is the other's parent
        own = identity(first)
        parents = tuple(parent for parent in parents if purl_identity(parent) != own)
    return replace(
        first,
        direct=direct,
        parents=parents,
        scope=wider_scope(first.scope, other.scope),
        licence_expression=licence[0],
        unknown_licences=licence[1],
        supplier=first.supplier or other.supplier,
        repository_url=first.repository_url or other.repository_url,
        description=first.description or other.description,
        hashes=first.hashes or other.hashes,
        refs=_union(first.refs, other.refs),
        declared=first.declared or other.declared,
        groups=_union(first.groups, other.groups),
        licence_refs=first.licence_refs or other.licence_refs,
        cpe=first.cpe or other.cpe,
        component_type=first.component_type if first.component_type != "library" else other.component_type,
    )


def merge_records(records: Iterable[ComponentRecord]) -> list[ComponentRecord]:
    """One record per package identity, in the order each package first appears."""
    by_identity: dict[str, ComponentRecord] = {}
    for record in records:
        key = identity(record)
        known = by_identity.get(key)
        by_identity[key] = record if known is None else merged(known, record)
    return list(by_identity.values())
