"""SPDX 2.2/2.3 JSON through spdx-tools; the extraction (`records_from_document`) serves tag-value too.

The packages the document DESCRIBES are the product itself, not components, unless it describes several packages,
holds no other and none of them depends on or contains another: such a document lists components. Described packages
that other packages depend on are no product either (sbom4rust describes every crate): all are components, and which
are direct is unknown. Dependency edges come from relationships (DEPENDS_ON, *_DEPENDENCY_OF, CONTAINS, links,
prerequisites) between packages, or from a described file: a package the product reaches in one step is direct, one
reached only through other packages is transitive, one in no relationship at all is unknown (None). A relationship from
any other element that is no package (a file, the document, an id the document does not list) is no dependency. The
licence is licenseConcluded, else licenseDeclared.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from spdx_tools.spdx.model import Document, ExternalPackageRefCategory, PackagePurpose, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.model.spdx_none import SpdxNone
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.jsonlikedict.license_expression_parser import LicenseExpressionParser

from app.inventory.importers._common import (
    filename_of,
    guarded,
    json_object,
    licence,
    licence_name,
    load_json,
    make_purl,
    readable_purl,
    require_mapping,
)
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "spdx-json"
_LICENCE_REF = re.compile(r"(?:DocumentRef-[\w.-]+:)?LicenseRef-[\w.+-]+")

# (parent is the element, child is the related element) for "A <type> B" meaning A needs B ...
_PARENT_FIRST = {
    RelationshipType.DEPENDS_ON: "runtime",
    RelationshipType.CONTAINS: "runtime",
    RelationshipType.DYNAMIC_LINK: "runtime",
    RelationshipType.STATIC_LINK: "runtime",
    RelationshipType.HAS_PREREQUISITE: "runtime",
}
# ... and "A <type> B" meaning B needs A.
_CHILD_FIRST = {
    RelationshipType.DEPENDENCY_OF: "runtime",
    RelationshipType.RUNTIME_DEPENDENCY_OF: "runtime",
    RelationshipType.CONTAINED_BY: "runtime",
    RelationshipType.PREREQUISITE_FOR: "runtime",
    RelationshipType.PROVIDED_DEPENDENCY_OF: "runtime",
    RelationshipType.OPTIONAL_DEPENDENCY_OF: "optional",
    RelationshipType.OPTIONAL_COMPONENT_OF: "optional",
    RelationshipType.BUILD_DEPENDENCY_OF: "dev",
    RelationshipType.DEV_DEPENDENCY_OF: "dev",
    RelationshipType.TEST_DEPENDENCY_OF: "dev",
}

# SPDX 2.3's primary package purpose as our component type (CycloneDX's names); source, archive, install and other
# packages, and a package that states none, are libraries, as before SPDX 2.3 every package was.
PURPOSE_TYPES: dict[PackagePurpose | None, str] = {
    PackagePurpose.APPLICATION: "application", PackagePurpose.FRAMEWORK: "framework",
    PackagePurpose.LIBRARY: "library", PackagePurpose.CONTAINER: "container",
    PackagePurpose.OPERATING_SYSTEM: "operating-system", PackagePurpose.DEVICE: "device",
    PackagePurpose.FIRMWARE: "firmware", PackagePurpose.FILE: "file",
}


def claims(content: bytes) -> bool:
    """A JSON object with a top-level "spdxVersion", wherever the key stands (some generators write it last), also
    under "sbom" as GitHub's REST API answers."""
    document = json_object(content)
    return document is not None and (isinstance(_unwrapped(document).get("spdxVersion"), str)
                                     or _spdx3(document))


def _spdx3(document: dict[str, Any]) -> bool:
    """An SPDX 3 JSON-LD document (its @context is SPDX's 3.x context), claimed only to be refused clearly."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return any(isinstance(item, str) and "spdx.org/rdf/3" in item for item in contexts)


def _unwrapped(document: dict[str, Any]) -> dict[str, Any]:
    """The SPDX document itself: GitHub's dependency-graph API (`gh api repos/OWNER/REPO/dependency-graph/sbom`)
    answers {"sbom": {...the SPDX document...}}, and people save that answer as it is."""
    inner = document.get("sbom")
    if len(document) == 1 and isinstance(inner, dict) and "spdxVersion" in inner:
        return inner
    return document


def named(filename: str) -> bool:
    """SPDX's own file name ending for JSON."""
    return filename_of(filename).endswith(".spdx.json")


def _text(value: object) -> str:
    if value is None or isinstance(value, (SpdxNoAssertion, SpdxNone)):
        return ""
    return str(value).strip()


def _supplier(actor: object) -> str:
    name = getattr(actor, "name", None)
    return name.strip() if isinstance(name, str) else ""


# GitHub's dependency-graph export (2023 on) names a package "<ecosystem>:<name>" ("pip:requests",
# "maven:org.slf4j:slf4j-api", "actions:owner/repo") and gives a version it could not resolve as the manifest's range
# ("< 40.0.0", ">= 2.5,< 4"), without a purl.
_GITHUB_GRAPH = "GitHub.com-Dependency-Graph"
_GITHUB_TYPES = {"pip": "pypi", "npm": "npm", "maven": "maven", "rubygems": "gem", "nuget": "nuget", "go": "golang",
                 "rust": "cargo", "composer": "composer", "actions": "githubactions", "pub": "pub", "swift": "swift"}
_VERSION_RANGE = re.compile(r"[<>=~^*|,]|\s")
# syft's version of a package it found no version for.
_NO_VERSION = frozenset({"UNKNOWN"})


def _github_graph_package(fmt: str, name: str, version: str, purl: str) -> tuple[str, str, str, str]:
    """(name, version, purl, declared range) of a package of GitHub's dependency-graph export: the ecosystem prefix
    becomes the purl type, a range is what was declared and no version."""
    prefix, _, rest = name.partition(":")
    purl_type = _GITHUB_TYPES.get(prefix)
    if purl_type is None or not rest.strip():
        return name, version, purl, ""
    declared = ""
    if _VERSION_RANGE.search(version.strip()):
        declared, version = version.strip(), ""
    if not purl:
        namespace, _, short = rest.rpartition(":" if purl_type == "maven" else "/")
        purl = make_purl(fmt, purl_type, short, version, namespace or None)
    return rest, version, purl, declared


def records_from_document(document: Document, fmt: str, named_licences: dict[str, str] | None = None) -> ParsedFile:
    """Turn an spdx-tools Document into component records (described roots left out); `named_licences` gives, by
    SPDXID, the licence text of a package whose licence fields were no SPDX expression (read as a licence name)."""
    result = ParsedFile(format=fmt)
    if not document.packages:  # a REUSE report lists files and their licences only
        result.warnings.append("the document lists no packages, only files or snippets: no component to import")
    document_id = document.creation_info.spdx_id
    package_ids = {package.spdx_id for package in document.packages}
    roots = {
        relation.related_spdx_element_id
        for relation in document.relationships
        if relation.spdx_element_id == document_id and relation.relationship_type == RelationshipType.DESCRIBES
    } | {
        relation.spdx_element_id
        for relation in document.relationships
        if relation.related_spdx_element_id == document_id
        and relation.relationship_type == RelationshipType.DESCRIBED_BY
    }
    # A described file or snippet that CONTAINS packages stands where a described package would (syft's scanned file).
    described_elements = {ident for ident in roots - package_ids
                          if isinstance(ident, str) and not ident.startswith("DocumentRef-")}
    roots &= package_ids
    if not roots and len(document.packages) == 1:
        roots = set(package_ids)  # SPDX 2.2: a lone package is what the document describes

    edges: list[tuple[str, str, str]] = []  # (parent, child, scope)
    for relation in document.relationships:
        related = relation.related_spdx_element_id
        if not isinstance(related, str):
            continue  # NONE / NOASSERTION targets carry no edge
        kind = relation.relationship_type
        if kind in _PARENT_FIRST:
            edges.append((relation.spdx_element_id, related, _PARENT_FIRST[kind]))
        elif kind in _CHILD_FIRST:
            edges.append((related, relation.spdx_element_id, _CHILD_FIRST[kind]))
    listed = undirected = 0
    if len(roots) > 1 and roots == package_ids and not any(
            parent in package_ids and child in package_ids for parent, child, _ in edges):
        # A document that describes several packages and nothing else, none needing another (spdx-examples'
        # example7 gives a binary's third-party modules a document of their own): it lists them, they are no product.
        listed, roots = len(roots), set()
    elif len(roots) > 1 and any(parent in package_ids and child in roots and parent != child
                                for parent, child, _ in edges):
        # Described packages that other packages need are no product (sbom4rust DESCRIBES every crate of Cargo.lock):
        # such a DESCRIBES says neither what the product is nor which packages it asks for.
        undirected, roots = len(roots), set()

    purls: dict[str, str] = {}
    names: dict[str, str] = {}
    versions: dict[str, str] = {}
    declared: dict[str, str] = {}
    with_parents = {parent for parent, _, _ in edges}
    groupings: set[str] = set()
    github = any(_GITHUB_GRAPH in str(creator.name) for creator in document.creation_info.creators)
    mended: list[str] = []  # packages whose purl packageurl refused and was mended
    for package in document.packages:
        version = _text(package.version)
        version = "" if version.strip().upper() in _NO_VERSION else version
        purl = next(
            (str(reference.locator).strip() for reference in package.external_references
             if reference.category == ExternalPackageRefCategory.PACKAGE_MANAGER
             and reference.reference_type == "purl" and str(reference.locator).startswith("pkg:")),
            "",
        )
        if "%2f" in purl.lower():
            purl, was = readable_purl(purl) or purl, purl
            if purl != was:
                mended.append(package.name.strip())
        name = package.name.strip()
        if github and package.spdx_id not in roots:
            name, version, purl, declared[package.spdx_id] = _github_graph_package(fmt, name, version, purl)
        purls[package.spdx_id] = purl or make_purl(fmt, "generic", name or package.spdx_id, version)
        names[package.spdx_id] = name
        versions[package.spdx_id] = version
        if not purl and not version and package.spdx_id in with_parents and package.spdx_id not in roots and (
                package.primary_package_purpose == PackagePurpose.APPLICATION
                or package.spdx_id.startswith("SPDXRef-Application-")):
            groupings.add(package.spdx_id)  # trivy's node of one lockfile (app/Gemfile.lock): what it groups counts
    group_of: dict[str, list[str]] = {}
    if groupings:
        # A grouping stands for the described root: what it groups is direct, and remembers the grouping's name.
        for parent, child, _ in edges:
            if parent in groupings:
                group_of.setdefault(child, []).append(names[parent].strip())
        roots = roots | groupings

    direct_ids: set[str] = set()
    related_ids: set[str] = set()
    parents: dict[str, list[str]] = {}
    scopes: dict[str, str] = {}
    not_packages: dict[str, None] = {}  # elements that are no package yet CONTAIN or need packages
    for parent, child, scope in edges:
        if child not in package_ids or child in roots:
            continue
        if parent not in package_ids and parent not in described_elements and not parent.startswith("DocumentRef-"):
            # A file, the document or an id the document does not list (syft 0.59 and 0.60: the scanned source
            # CONTAINS every package it found) is no dependency: it says nothing of which packages are direct.
            not_packages[parent] = None
            continue
        related_ids.add(child)
        # runtime beats optional beats dev when a package is reached more than once
        previous = scopes.get(child)
        if previous is None or ("runtime", "optional", "dev").index(scope) < ("runtime", "optional", "dev").index(
            previous
        ):
            scopes[child] = scope
        if parent in roots or parent in described_elements:
            direct_ids.add(child)
        elif parent in package_ids:
            parents.setdefault(child, []).append(purls[parent])
    # trivy's grouping CONTAINS every package of its lockfile: those another package depends on are transitive. So
    # with a described root that only CONTAINS a package (syft's scanned directory or image): it says where the
    # package is, not that the product asks for it.
    anchors = roots | described_elements
    contained = {relation.related_spdx_element_id for relation in document.relationships
                 if relation.relationship_type == RelationshipType.CONTAINS and relation.spdx_element_id in anchors}
    needed = {child for parent, child, _ in edges if parent in anchors} - contained
    direct_ids -= {child for child in (set(group_of) | contained) - needed if child in parents}

    extracted = {
        info.license_id: (info.license_id, _text(info.license_name), _text(info.extracted_text)[:300],
                          tuple(str(url) for url in info.cross_references))
        for info in document.extracted_licensing_info if info.license_id
    }
    if mended:
        result.warnings.append(f"{len(mended)} purls with an encoded slash in a scoped npm name (pkg:npm/@scope%2Fname, "
                               f"as syft 0.33 wrote them) read as pkg:npm/%40scope/name: {', '.join(mended[:10])}"
                               f"{', ...' if len(mended) > 10 else ''}")
    ranges = [f"{names[ident]} {declared[ident]}" for ident in declared if declared[ident]]
    if ranges:
        result.warnings.append(f"{len(ranges)} packages have a version range, not a version (GitHub's dependency graph "
                               f"could not resolve them; import the lock file for exact versions): "
                               f"{', '.join(ranges[:10])}")
    for package in document.packages:
        if package.spdx_id in roots:
            continue
        ident = package.spdx_id
        raw_licence = _text(package.license_concluded) or _text(package.license_declared)
        expression, unknown = licence(raw_licence)
        if not raw_licence and named_licences and ident in named_licences:
            expression, unknown = licence_name(named_licences[ident])
        refs = tuple(dict.fromkeys(_LICENCE_REF.findall(raw_licence)))
        licence_refs = tuple(extracted[ref] for ref in refs if ref in extracted)
        purl = purls[ident]
        ecosystem = purl[4:].split("/", 1)[0] if purl.startswith("pkg:") else "generic"
        direct: bool | None = None
        if ident in related_ids and not undirected:
            direct = ident in direct_ids
        result.components.append(
            ComponentRecord(
                name=names[ident],
                version=versions[ident],
                declared=declared.get(ident, ""),
                ecosystem=ecosystem.lower() or "generic",
                purl=purl,
                licence_expression=expression,
                unknown_licences=unknown,
                direct=direct,
                parents=tuple(dict.fromkeys(parents.get(ident, []))),
                scope=scopes.get(ident, "runtime"),
                supplier=_supplier(package.supplier) or _supplier(package.originator),
                repository_url=_text(package.download_location) if _text(package.download_location).startswith(
                    ("git", "hg+", "svn+", "bzr+")) else "",
                description=_text(package.summary) or _text(package.description),
                hashes=tuple(
                    f"{checksum.algorithm.name.lower().replace('_', '-')}:{checksum.value}"
                    for checksum in package.checksums
                ),
                refs=(ident,),
                licence_refs=licence_refs,
                groups=tuple(dict.fromkeys(group_of.get(ident, ()))),
                component_type=PURPOSE_TYPES.get(package.primary_package_purpose, "library"),
            )
        )
    if not_packages:
        shown = ", ".join(list(not_packages)[:3]) + (", ..." if len(not_packages) > 3 else "")
        result.warnings.append(f"relationships from {len(not_packages)} element(s) that are no package ({shown}: a file, "
                               "the document or an id it does not list) were not read as dependencies")
    if undirected:
        result.warnings.append(f"the document describes {undirected} packages, some of which other packages depend on: "
                               "that does not say which one is the product, so all are listed as components and "
                               "which are direct dependencies is unknown")
    if listed:
        result.warnings.append(f"the document describes {listed} packages and nothing else, none of them depending on "
                               "or containing another: they are read as the components it lists, not as a product")
    if not result.components and roots:
        described = ", ".join(sorted(package.name.strip() for package in document.packages if package.spdx_id in roots))
        # "DocumentRef-x:SPDXRef-y": a package of another SPDX document (spdx-examples' example6/7 binaries)
        elsewhere = {other.split(":", 1)[0] for parent, child, _ in edges
                     for own, other in ((parent, child), (child, parent))
                     if own in roots and other.startswith("DocumentRef-") and ":" in other}
        if elsewhere:
            uris = {ref.document_ref_id: ref.document_uri for ref in document.creation_info.external_document_refs}
            documents = ", ".join(f"{ref}: {uris[ref]}" if ref in uris else ref for ref in sorted(elsewhere))
            result.warnings.append(f"the document lists only the package it describes ({described[:200]}); what it "
                                   f"depends on, links or contains is described in other SPDX documents ({documents[:400]}):"
                                   " import those for its components")
        else:
            result.warnings.append(f"the document lists only the package it describes ({described[:200]}), none that "
                                   "it depends on or contains, so there are no components")
    return result


def spdx_error(fmt: str, error: SPDXParsingError) -> ImporterError:
    """Turn the library's list of messages into one ImporterError (first messages, trimmed)."""
    messages = [str(message) for message in error.get_messages()] or ["invalid SPDX document"]
    text = "; ".join(messages)
    match = re.search(r"[Ll]ine:? (\d+)", text)
    return ImporterError(f"{fmt}: {text[:500]}", line=int(match.group(1)) if match else None)


# Known deviations of real generators that spdx-tools refuses: syft writes fractions of a second (nanoseconds),
# some tools write an actor without its "Person:"/"Organization:" type, omit downloadLocation, or files without
# checksums. A document refused for such reasons only is read again with them mended, and says so.
_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_ACTOR = re.compile(r"^\s*(Person|Organization|Tool)\s*:", re.IGNORECASE)
_DATE_FIELDS = ("releaseDate", "builtDate", "validUntilDate")


def _mended_date(value: object, fixes: Counter[str]) -> object:
    if not isinstance(value, str):
        return value
    match = _FRACTION.match(value.strip())
    if match is None or value.strip() == f"{match.group(1)}Z":
        return value
    fixes["timestamps cut to whole seconds (UTC)"] += 1
    return f"{match.group(1)}Z"


def _mended_actor(value: object, fixes: Counter[str]) -> object:
    if not isinstance(value, str) or not value.strip() or value.strip() in ("NOASSERTION", "NONE"):
        return value
    if _ACTOR.match(value):
        return value
    fixes["actors without a type read as organisations"] += 1
    name, _, email = value.partition("<")
    email = email.rstrip("> ").strip()
    return f"Organization: {name.strip()}" + (f" ({email})" if email else "")


_RELATIONSHIP_TYPES = frozenset(kind.name for kind in RelationshipType)


def _mended_relationships(relationships: list[Any], fixes: Counter[str]) -> list[Any]:
    """Relationships with trivy's old "DESCRIBE" (before 0.33) read as DESCRIBES and other unknown types left out."""
    kept: list[Any] = []
    for item in relationships:
        kind = item.get("relationshipType") if isinstance(item, dict) else None
        if isinstance(kind, str) and kind not in _RELATIONSHIP_TYPES:
            spelled = kind.strip().upper().replace("-", "_")
            spelled = "DESCRIBES" if spelled == "DESCRIBE" else spelled
            if spelled in _RELATIONSHIP_TYPES:
                item = {**item, "relationshipType": spelled}
                fixes[f"relationship types read as their SPDX spelling ({kind} as {spelled})"] += 1
            else:
                fixes["relationships of an unknown type left out"] += 1
                continue
        kept.append(item)
    return kept


def _without_files(data: dict[str, Any]) -> dict[str, Any]:
    """The document without its files and snippets (files are not components): spdx-tools matches every file of a
    package's hasFiles against every relationship, which takes seconds for a build manifest of a few thousand files."""
    if not any(key in data for key in ("files", "snippets")) and not any(
            isinstance(package, dict) and "hasFiles" in package for package in data.get("packages") or []):
        return data
    kept = {key: value for key, value in data.items() if key not in ("files", "snippets")}
    if isinstance(data.get("packages"), list):
        kept["packages"] = [{key: value for key, value in package.items() if key != "hasFiles"}
                            if isinstance(package, dict) else package for package in data["packages"]]
    return kept


def _mended_licence(value: object, fixes: Counter[str]) -> object:
    """A licence field spdx-tools cannot parse as an expression ("Apache, Version 2.0") as NOASSERTION; the text
    is kept by the caller and read as a licence name."""
    if not isinstance(value, str):
        return value
    try:
        LicenseExpressionParser.parse_license_expression(value)
    except SPDXParsingError:
        fixes["licences that are not SPDX expressions read as licence names"] += 1
        return "NOASSERTION"
    return value


def _mended_checksum(item: object, fixes: Counter[str]) -> object:
    """A checksum whose value lib4sbom (sbom4rust, sbom4python) writes under "checkumValue" read as checksumValue."""
    if not isinstance(item, dict) or "checkumValue" not in item or "checksumValue" in item:
        return item
    fixes["checksums under 'checkumValue' (sbom4rust's misspelling) read as checksumValue"] += 1
    return {("checksumValue" if key == "checkumValue" else key): value for key, value in item.items()}


def _lenient(data: dict[str, Any], named_licences: dict[str, str]) -> tuple[dict[str, Any], Counter[str]]:
    """A copy of the document with the known real-world deviations mended, and what was mended; a package's licence
    text that is no SPDX expression goes into `named_licences` (by SPDXID)."""
    fixes: Counter[str] = Counter()
    mended = dict(data)
    info = data.get("creationInfo")
    if isinstance(info, dict):
        info = dict(info)
        info["created"] = _mended_date(info.get("created"), fixes)
        if isinstance(info.get("creators"), list):
            info["creators"] = [_mended_actor(actor, fixes) if not str(actor).startswith("Tool") else actor
                                for actor in info["creators"]]
        mended["creationInfo"] = info
    if not isinstance(data.get("name"), str):
        mended["name"] = "unnamed"
        fixes["document without a name read as 'unnamed'"] += 1
    packages = []
    for raw in data.get("packages") or []:
        package = dict(raw) if isinstance(raw, dict) else raw
        if isinstance(package, dict):
            for key in [key for key, value in package.items() if value is None]:
                del package[key]  # Microsoft's SBOM tool 2.0 writes "hasFiles": null
                fixes["empty (null) package fields left out"] += 1
            if "downloadLocation" not in package:
                package["downloadLocation"] = "NOASSERTION"
                fixes["packages without downloadLocation read as NOASSERTION"] += 1
            for key in ("supplier", "originator"):
                if key in package:
                    package[key] = _mended_actor(package[key], fixes)
            for key in _DATE_FIELDS:
                if key in package:
                    package[key] = _mended_date(package[key], fixes)
            for key in ("licenseConcluded", "licenseDeclared"):
                if key in package:
                    original, package[key] = package[key], _mended_licence(package[key], fixes)
                    if original != package[key] and isinstance(package.get("SPDXID"), str):
                        named_licences.setdefault(package["SPDXID"], str(original))
            if isinstance(package.get("checksums"), list):
                package["checksums"] = [_mended_checksum(item, fixes) for item in package["checksums"]]
            if isinstance(package.get("licenseInfoFromFiles"), list):
                package["licenseInfoFromFiles"] = [
                    _mended_licence(item, fixes) for item in package["licenseInfoFromFiles"]]
        packages.append(package)
    if "packages" in data:
        mended["packages"] = packages
    if isinstance(data.get("relationships"), list):
        mended["relationships"] = _mended_relationships(data["relationships"], fixes)
    if isinstance(data.get("annotations"), list):
        mended["annotations"] = [
            {**item, "annotationDate": _mended_date(item.get("annotationDate"), fixes)} if isinstance(item, dict)
            else item for item in data["annotations"]]
    return mended, fixes


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Read an SPDX 2.2/2.3 JSON document with spdx-tools' JSON-like-dict parser: strictly first, and again with
    the known real-world deviations mended (with a warning) when those were all that stopped it."""
    data = _unwrapped(require_mapping(load_json(content, FORMAT), FORMAT, "(document)"))
    version = data.get("spdxVersion")
    if _spdx3(data):
        raise ImporterError(f"{FORMAT}: this is an SPDX 3 (JSON-LD) document; SPDX 2.2 and 2.3 are supported. Ask its "
                            "generator for SPDX 2.3 or CycloneDX (Microsoft's sbom-tool: -mi SPDX:2.2)",
                            field="@context")
    if not isinstance(version, str) or not version.startswith("SPDX-2."):
        raise ImporterError(f"{FORMAT}: spdxVersion {version!r} is not SPDX 2.x", field="spdxVersion")
    data = _without_files(data)
    named_licences: dict[str, str] = {}
    try:
        document = JsonLikeDictParser().parse(data)
        warnings: list[str] = []
    except SPDXParsingError as error:
        mended, fixes = _lenient(data, named_licences)
        if not fixes:
            raise spdx_error(FORMAT, error) from error
        try:
            document = JsonLikeDictParser().parse(mended)
        except SPDXParsingError:
            raise spdx_error(FORMAT, error) from error
        first = "; ".join(str(message) for message in error.get_messages()[:2])[:300]
        done = ", ".join(f"{count} {what}" for what, count in fixes.items())
        warnings = [f"the document does not follow {version} strictly ({first}); read leniently: {done}"]
    result = records_from_document(document, FORMAT, named_licences)
    result.warnings[:0] = warnings
    return result
