"""Shared pieces of the Python importers: PyPI names and purls, pinned versions, TOML lock tables.

A PyPI package is the same package under any spelling that PEP 503 normalises alike, so names
are compared (and purls built) in that form, while records keep the name as the file writes it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from app.inventory.importers._common import make_purl, require_list, require_mapping, require_text

K = TypeVar("K", bound=Hashable)


def pypi_name(name: str) -> str:
    """Normalise a Python distribution name per PEP 503 (runs of -_. become one dash, lower case)."""
    return str(canonicalize_name(name))


def pypi_purl(fmt: str, name: str, version: str = "") -> str:
    """Build a pkg:pypi purl with the PEP 503 normalised name."""
    return make_purl(fmt, "pypi", pypi_name(name), version)


def exact_version(specifier: str | SpecifierSet) -> str:
    """Return the pinned version of a specifier (one `==` without wildcard, or `===`), else ""."""
    try:
        specs = list(specifier if isinstance(specifier, SpecifierSet) else SpecifierSet(specifier))
    except InvalidSpecifier:
        return ""
    if len(specs) != 1:
        return ""
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith("*")):
        return spec.version
    return ""


def lock_packages(data: dict[str, Any], fmt: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Yield a TOML lock's [[package]] tables (poetry.lock, uv.lock; `data` as load_toml read it) as
    (where, table, name); each needs a name."""
    # A generator, so that the caller's own checks of package n come before the checks of package n+1.
    for index, raw in enumerate(require_list(data.get("package", []), fmt, "package")):
        where = f"package[{index}]"
        package = require_mapping(raw, fmt, where)
        yield where, package, require_text(package.get("name"), fmt, f"{where}.name")


def file_hashes(*file_lists: object) -> tuple[str, ...]:
    """The `hash` strings of a lock's distribution-file lists, in order; an entry without one is skipped."""
    return tuple(
        item["hash"]
        for files in file_lists
        if isinstance(files, list)
        for item in files
        if isinstance(item, dict) and isinstance(item.get("hash"), str)
    )


def parents_by_child(edges: Iterable[tuple[str, K]]) -> dict[K, tuple[str, ...]]:
    """Turn (parent purl, child) edges into each child's parents, in first-seen order without repeats."""
    parents: dict[K, dict[str, None]] = {}
    for parent, child in edges:
        parents.setdefault(child, {})[parent] = None
    return {child: tuple(found) for child, found in parents.items()}


# Python distribution archives: a path or URL to one of them installs a package; a local path to anything else is a
# folder, the project's own code.
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


def is_folder(path: str) -> bool:
    """A local path (`file:`, `./lib`, `.`) that names a folder rather than a distribution archive."""
    return not path.split("#", 1)[0].split("?", 1)[0].lower().endswith(_ARCHIVES)


# The folder conda-build builds a package in: `<build root>/<name>_<timestamp>/work` (conda-forge's
# /home/conda/feedstock_root/build_artifacts/numpy_1675642561072/work, Anaconda's /croot/certifi_1671487769961/work/certifi,
# D:/bld/cffi_1671179506518/work). `pip freeze` in a conda environment names it for every package conda installed.
_CONDA_BUILD_FOLDER = re.compile(r"/[^/]+_\d{10,}/work(?:/|$)")


def is_conda_build(url: str) -> bool:
    """A `file:` URL of the folder conda built a package in: a third-party package conda installed, not the project."""
    return url.startswith("file:") and _CONDA_BUILD_FOLDER.search(url.split("#", 1)[0].split("?", 1)[0]) is not None


def is_project_folder(url: str) -> bool:
    """A direct reference to a local folder (`file:./lib`, `file:///abs/lib`, hatch's `{root:uri}/lib`): the project's
    own code, unless it is a distribution archive or a folder conda built a package in."""
    return url.startswith(("file:", "{root")) and is_folder(url) and not is_conda_build(url)
