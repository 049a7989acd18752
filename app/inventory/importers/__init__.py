"""Importers: one module per file format, each a pure parse of bytes into component records.

Every module exposes `FORMAT` (its name), `claims(content) -> bool` (the whole content says it is this
format), `named(filename) -> bool` (the name says so) and `parse(content) -> ParsedFile`. `parse_file`
picks the format from the content first, then from the name.
"""

from __future__ import annotations

import codecs
from dataclasses import replace
from types import ModuleType

from app.inventory.importers import (
    bower_json,
    cyclonedx_json,
    cyclonedx_xml,
    in_toto,
    nuget_csproj,
    nuget_packages_config,
    package_json,
    package_lock,
    pipfile_lock,
    pnpm_lock,
    poetry_lock,
    pyproject_toml,
    requirements_txt,
    spdx_json,
    spdx_tagvalue,
    uv_lock,
    yarn_lock,
)
from app.inventory.importers._common import (
    filename_of,
    guarded,
    has_credentials,
    json_object,
    load_json,
    text_or_none,
    toml_document,
    without_credentials,
    xml_root,
)
from app.inventory.importers.base import ComponentRecord, Content, ImporterError, ParsedFile
from app.inventory.importers.identity import merge_records

# Order matters for detection: specific formats before generic ones (a CycloneDX or SPDX JSON document, or an
# attestation that carries one, before package.json; lock files before manifests), by content and again by name.
MODULES: tuple[ModuleType, ...] = (
    cyclonedx_json,
    cyclonedx_xml,
    spdx_json,
    spdx_tagvalue,
    in_toto,
    package_lock,
    yarn_lock,
    pnpm_lock,
    poetry_lock,
    uv_lock,
    pipfile_lock,
    pyproject_toml,
    bower_json,
    package_json,
    nuget_packages_config,
    nuget_csproj,
    requirements_txt,
)
FORMATS: dict[str, ModuleType] = {module.FORMAT: module for module in MODULES}
# How a format reads where a person chooses it (a file's own name, such as poetry.lock, reads as itself).
FORMAT_LABELS: dict[str, str] = {
    "cyclonedx-json": "CycloneDX JSON", "cyclonedx-xml": "CycloneDX XML", "spdx-json": "SPDX JSON",
    "spdx-tag-value": "SPDX tag-value", "in-toto-attestation": "in-toto attestation (an SBOM signed by cosign or GitHub)",
    "csproj": ".csproj (NuGet PackageReference)",
}

__all__ = ["FORMATS", "FORMAT_LABELS", "ComponentRecord", "Content", "ImporterError", "ParsedFile", "detect_format", "parse_file"]


def detect_format(filename: str, content: bytes) -> str:
    """Name the format of a file from its whole content, else from its name; nothing fits: ImporterError
    listing the formats tried and what the content looked like."""
    if not isinstance(content, Content):
        content = Content(_utf8(content)[0], filename)
    for module in MODULES:
        if module.claims(content):
            return str(module.FORMAT)
    for module in MODULES:
        if module.named(filename):
            return str(module.FORMAT)
    tried = ", ".join(module.FORMAT for module in MODULES)
    kind = _UNSUPPORTED.get(filename_of(filename))
    if kind is not None:
        raise ImporterError(
            f"{filename_of(filename) or filename!r} is {kind}, a format this product does not import. Supported "
            f"formats: {tried}. A CycloneDX or SPDX SBOM of the project (syft, trivy or cdxgen write one) lists its "
            "packages and can be imported instead."
        )
    broken = _broken_json(content)
    if broken is not None:
        raise ImporterError(
            f"{filename_of(filename) or filename!r} starts like JSON but is not valid JSON: "
            f"{broken.message.removeprefix('detection: invalid JSON: ')}. Correct the file (a comma after the "
            "last entry of an object or a list is a common cause) or write it again with the tool that made it.",
            line=broken.line,
        )
    raise ImporterError(
        f"Unrecognised file {filename_of(filename) or filename!r}: its content ({_looks_like(content)}) fits none of "
        f"the formats tried, and neither does its name. Formats tried: {tried}. If the file is one of these, "
        "choose its format instead of detecting it."
    )


# Dependency files of other ecosystems that people bring: named in the refusal so that it says what the file is.
_UNSUPPORTED: dict[str, str] = {
    "cargo.lock": "a Rust (Cargo) lockfile", "cargo.toml": "a Rust (Cargo) manifest",
    "go.sum": "a Go module checksum file", "go.mod": "a Go module file",
    "gemfile.lock": "a Ruby (Bundler) lockfile", "gemfile": "a Ruby (Bundler) manifest",
    "composer.lock": "a PHP (Composer) lockfile", "composer.json": "a PHP (Composer) manifest",
    "pom.xml": "a Maven project file", "build.gradle": "a Gradle build file", "build.gradle.kts": "a Gradle build file",
    "gradle.lockfile": "a Gradle lockfile", "packages.lock.json": "a NuGet lock file",
    "paket.lock": "a Paket (NuGet) lockfile", "podfile.lock": "a CocoaPods lockfile",
    "package.resolved": "a Swift Package Manager lockfile", "pubspec.lock": "a Dart (pub) lockfile",
    "mix.lock": "an Elixir (Mix) lockfile", "conan.lock": "a Conan lockfile", "bun.lock": "a Bun lockfile",
    "bun.lockb": "a Bun lockfile", "deno.lock": "a Deno lockfile", "pdm.lock": "a PDM lockfile",
    "pylock.toml": "a PEP 751 lockfile",
    "directory.packages.props": "a NuGet central package management file (the versions of the projects' "
                                "PackageReferences)",
}

_URL_FIELDS = ("version", "purl", "repository_url", "description", "supplier", "declared")


def _scrubbed(record: ComponentRecord) -> ComponentRecord:
    """The record with the credentials of every URL in it taken out (a token in a lockfile's git URL is a secret)."""
    # One search over all its URL fields first: nearly every record has none (a match never spans a line break).
    if not has_credentials("\n".join((*(getattr(record, name) for name in _URL_FIELDS), *record.parents, *record.refs))):
        return record
    changes: dict[str, object] = {}
    for name in _URL_FIELDS:
        value = getattr(record, name)
        clean = without_credentials(value)
        if clean != value:
            changes[name] = clean
    for name in ("parents", "refs"):
        values = getattr(record, name)
        clean_values = tuple(without_credentials(value) for value in values)
        if clean_values != values:
            changes[name] = clean_values
    return replace(record, **changes) if changes else record  # type: ignore[arg-type]


_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))


def _utf8(content: bytes) -> tuple[bytes, str]:
    """UTF-16/32 text that starts with its byte order mark, as UTF-8 (and the encoding it had); other bytes unchanged.

    XML is left as it is: its parser reads the mark and the declared encoding itself.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                text = bytes(content).decode(encoding)
            except UnicodeDecodeError:
                return content, ""
            if text.lstrip("\ufeff \t\r\n").startswith("<"):
                return content, ""
            return text.encode("utf-8"), encoding
    return content, ""


def _broken_json(content: Content) -> ImporterError | None:
    """The syntax error of a file that starts with "{" or "[" and does not parse as JSON; None for any other file."""
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        return None
    try:
        load_json(content, "detection")
    except ImporterError as error:
        return error if error.message.startswith("detection: invalid JSON") else None
    return None


def _looks_like(content: Content) -> str:
    """A short description of what detection found, so that the user sees why nothing fitted."""
    document = json_object(content)
    if document is not None:
        keys = ", ".join(repr(key) for key in list(document)[:5])
        return f"a JSON object with the keys {keys}{', ...' if len(document) > 5 else ''}" if document else \
            "an empty JSON object"
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return "a JSON array or other bracketed text, not an object"
    root = xml_root(content)
    if root is not None:
        return f"XML with the root element <{str(root.tag).rsplit('}', 1)[-1]}>"
    if toml_document(content) is not None:
        return "TOML"
    text = text_or_none(content)
    if text is None:
        return "not UTF-8 text"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"text starting {first[:60]!r}" if first else "empty text"


def parse_file(filename: str, content: bytes, format: str | None = None) -> ParsedFile:
    """Parse one file with the given format, or the detected one; only ImporterError escapes."""
    transcoded = ""
    if not isinstance(content, Content):
        data, transcoded = _utf8(content)
        content = Content(data, filename)
    if format is None:
        format = detect_format(filename, content)
    module = FORMATS.get(format)
    if module is None:
        raise ImporterError(f"Unknown format {format!r}: expected one of {', '.join(sorted(FORMATS))}")
    result = guarded(format)(module.parse)(content)
    result.components = [_scrubbed(record) for record in result.components]
    result.warnings = [without_credentials(warning) for warning in result.warnings]
    if transcoded:
        result.warnings.insert(0, f"the file is {transcoded} text (as Windows PowerShell writes with `>`), not UTF-8: "
                                  "read as such")
    merged = merge_records(result.components)
    if len(merged) != len(result.components):
        result.warnings.append(f"{len(result.components)} entries name {len(merged)} packages: entries of the same "
                               "package (same purl without qualifiers, or ecosystem, name and version) are one component")
        result.components = merged
    return result
