"""requirements.txt (pip, pip-compile) through pip-requirements-parser and packaging.

Includes (`-r`, `-c`) are never followed: an upload must not make the server read other files.
pip-compile's `# via` annotations tell direct from transitive: `via -r requirements.in` or
`via <project> (pyproject.toml)` means the project asked for it; `via flask` means flask pulls it in.
"""

from __future__ import annotations

import os
import re
import tempfile

from pip_requirements_parser import InstallRequirement, RequirementsFile

from app.inventory.importers._common import decode_text, filename_of, guarded
from app.inventory.importers._python import exact_version, pypi_name, pypi_purl
from app.inventory.importers.base import ComponentRecord, ImporterError, ParsedFile

FORMAT = "requirements.txt"

_VIA_START = re.compile(r"#\s*via\b(.*)$")
_VIA_MORE = re.compile(r"^\s*#\s{2,}(\S.*)$")
_PROJECT_REFERENCE = re.compile(r"\((?:[^()]*\.(?:toml|cfg|py|in|txt))\)\s*$")


def sniff(filename: str, head: bytes) -> bool:
    """A requirements file is recognised by its name: *.txt or *.in containing "requirements"."""
    name = filename_of(filename)
    return "requirements" in name and name.endswith((".txt", ".in"))


def _read(text: str) -> RequirementsFile:
    # RequirementsFile.from_string in pip-requirements-parser 32.0.1 fails (it uses an unimported
    # Path), so we hand the library the same temporary file it would have written itself.
    # The BOM makes the library decode UTF-8 whatever the server locale is.
    with tempfile.TemporaryDirectory(prefix="provenance-req-") as folder:
        path = os.path.join(folder, "requirements.txt")
        with open(path, "w", encoding="utf-8-sig") as handle:
            handle.write(text)
        return RequirementsFile.from_file(path, include_nested=False)


def _via_annotations(lines: list[str], starts: list[int]) -> dict[int, list[str]]:
    """Map a requirement's first line number to the `# via` entries that follow it."""
    start_set = set(starts)
    annotations: dict[int, list[str]] = {}
    current: int | None = None
    collecting = False
    continued = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        is_comment = stripped.startswith("#")
        if number in start_set:
            current, collecting = number, False
        elif not is_comment and stripped and not continued:
            # An option line (or anything else) ends the annotation block of the previous requirement.
            current, collecting = None, False
        continued = stripped.endswith("\\") and not is_comment
        if current is None:
            continue
        if collecting and is_comment:
            more = _VIA_MORE.match(line)
            if more:
                annotations.setdefault(current, []).append(more.group(1).strip())
                continue
            collecting = False
        via = _VIA_START.search(line)
        if via:
            # "# via a, b" (line style) or "# via" followed by one "#   name" line per parent.
            entries = [entry.strip() for entry in via.group(1).split(",") if entry.strip()]
            annotations.setdefault(current, []).extend(entries)
            collecting = not entries
    return annotations


def _is_project_entry(entry: str) -> bool:
    return entry.startswith(("-r ", "-r\t", "--requirement")) or bool(_PROJECT_REFERENCE.search(entry))


@guarded(FORMAT)
def parse(content: bytes) -> ParsedFile:
    """Each named requirement is a component; `# via` comments decide direct/transitive and parents."""
    text = decode_text(content, FORMAT)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImporterError(f"{FORMAT}: the file contains a NUL byte", line=line)
    parsed = _read(text)
    if parsed.invalid_lines:
        bad = min(parsed.invalid_lines, key=lambda item: item.line_number or 0)
        first_line = (bad.error_message or "invalid requirement").splitlines()[0]
        raise ImporterError(f"{FORMAT}: {first_line}: {bad.line!r}", line=bad.line_number)

    result = ParsedFile(format=FORMAT)
    for option in parsed.options:
        if "requirements" in option.options or "constraints" in option.options:
            result.warnings.append(
                f"line {option.line_number}: {option.line!r} was not followed; import that file on its own"
            )

    requirements: list[InstallRequirement] = [item for item in parsed.requirements if not item.is_constraint]
    starts = [item.line_number or 0 for item in requirements]
    annotations = _via_annotations(text.splitlines(), starts)

    named: list[tuple[InstallRequirement, str, str]] = []
    unpinned: list[str] = []
    for item in requirements:
        if not item.name:
            result.warnings.append(f"line {item.line_number}: {item.line!r} names no package; skipped")
            continue
        version = exact_version(item.specifier) if item.specifier else ""
        if not version:
            unpinned.append(item.name)
        named.append((item, item.name, version))

    purls = {pypi_name(name): pypi_purl(FORMAT, name, version) for _, name, version in named}
    for item, name, version in named:
        entries = annotations.get(item.line_number or 0, [])
        direct: bool | None = None
        parents: list[str] = []
        if entries:
            direct = any(_is_project_entry(entry) for entry in entries)
            for entry in entries:
                if _is_project_entry(entry) or entry.startswith(("-c ", "--constraint")):
                    continue
                key = pypi_name(entry.split()[0])
                parents.append(purls.get(key, key))
        link = item.link.url if item.link is not None else ""
        result.components.append(
            ComponentRecord(
                name=name,
                version=version,
                ecosystem="pypi",
                purl=purls[pypi_name(name)],
                direct=direct,
                parents=tuple(dict.fromkeys(parents)),
                repository_url=link if item.is_vcs_url else "",
                hashes=tuple(item.hash_options),
            )
        )
    if unpinned:
        result.warnings.append(
            f"{len(unpinned)} requirement(s) without an exact version: {', '.join(unpinned[:20])}"
        )
    return result
