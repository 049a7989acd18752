"""Package registry metadata: the PyPI JSON API and the npm registry's packument, read into plain facts.

Pure: bytes in, `PackageFacts` out; no Flask, no ORM, no network. The declared licence is taken in this order:
PyPI's PEP 639 `license_expression`, then `license` when it is a valid SPDX expression, then the licence
classifiers, then the `license` text as written (it is then an unknown licence); npm's `license` of the version
in use (or of the latest version), an object's `type`, or the legacy `licenses` list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from license_expression import ExpressionError, Licensing, get_spdx_licensing

SUPPORTED_ECOSYSTEMS = ("pypi", "npm")


class RegistryFormatError(ValueError):
    """The registry's answer is not the JSON document its API reference describes."""


@dataclass(frozen=True)
class PackageFacts:
    """What a registry says about one package."""

    name: str
    licence: str = ""  # as declared, before SPDX normalisation; "" when nothing is declared
    licence_field: str = ""  # where it was read: "license_expression", "license", "classifiers", "versions[1.2].license"
    licence_version: str = ""  # the version whose metadata declared it
    licences_by_version: dict[str, str] = field(default_factory=dict)  # npm: every version's declared licence
    repository_url: str = ""
    homepage: str = ""
    latest_version: str = ""
    releases: tuple[tuple[str, str], ...] = ()  # (version, ISO 8601 UTC time of its first upload), oldest first
    yanked: tuple[str, ...] = ()  # versions withdrawn (PyPI yanked) or deprecated (npm)
    deprecated: str = ""  # the package (its latest version) is deprecated: the registry's message
    maintainers: tuple[str, ...] = ()


# PyPI's licence classifiers with one SPDX id (classifiers naming a family, e.g. "BSD License", are not mapped).
CLASSIFIER_LICENCES: dict[str, str] = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: BSD License": "BSD-3-Clause",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}

_REPOSITORY_KEYS = ("source", "source code", "repository", "code", "github", "gitlab", "homepage", "home")
_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht")
_NPM_SHORTHAND = re.compile(r"^(?:(github|gitlab|bitbucket):)?([\w.-]+)/([\w.-]+)$")


def normalise_name(ecosystem: str, name: str) -> str:
    """The registry's canonical name: PEP 503 for PyPI (lower case, runs of -_. as -); npm names as given, lower."""
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name.strip()).lower()
    return name.strip().lower()


def package_url(ecosystem: str, base_url: str, name: str) -> str:
    """The metadata URL of a package: <base>/<name>/json (PyPI JSON API) or <base>/<name> (npm packument,
    a scope's slash encoded)."""
    base = base_url.rstrip("/")
    if ecosystem == "pypi":
        return f"{base}/{quote(normalise_name('pypi', name), safe='')}/json"
    if ecosystem == "npm":
        return f"{base}/{quote(name.strip(), safe='@')}"
    raise ValueError(f"no registry for the ecosystem {ecosystem!r}")


def _document(body: bytes) -> dict[str, Any]:
    # The standard parser, straight on the bytes: a registry answer can be megabytes, and json raises
    # RecursionError (caught here) on absurd nesting rather than crashing.
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise RegistryFormatError(f"the answer is not JSON ({type(error).__name__}: {str(error)[:200]})") from None
    if not isinstance(data, dict):
        raise RegistryFormatError("the answer is not a JSON object")
    return data


def _text(value: Any, limit: int = 500) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _iso(value: Any) -> str:
    """An ISO 8601 time as UTC without offset ("2024-05-01T10:00:00"); '' when unreadable."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0).isoformat()


def _repository_from(urls: list[str]) -> str:
    for url in urls:
        if any(host in url.lower() for host in _HOSTS):
            return clean_repository_url(url)
    return ""


def clean_repository_url(url: str) -> str:
    """A repository URL as a browser opens it: git+, .git, ssh forms and npm's github: shorthand made https."""
    text = url.strip()
    match = _NPM_SHORTHAND.match(text)
    if match and "@" not in text:
        host = {"gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}.get(match.group(1) or "", "github.com")
        return f"https://{host}/{match.group(2)}/{match.group(3)}"
    text = text.removeprefix("git+")
    ssh = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", text)
    if ssh:
        text = f"https://{ssh.group(1)}/{ssh.group(2)}"
    text = re.sub(r"^git://", "https://", text)
    text = text.split("#", 1)[0].rstrip("/")
    return text.removesuffix(".git")


def parse_pypi(body: bytes) -> PackageFacts:
    """Read a PyPI JSON API project document (GET /pypi/<project>/json)."""
    data = _document(body)
    info = data.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("name"), str):
        raise RegistryFormatError("the answer has no info.name: not a PyPI JSON API project document")
    version = _text(info.get("version"), 120)
    licence, where = _pypi_licence(info)
    project_urls: dict[str, Any] = info["project_urls"] if isinstance(info.get("project_urls"), dict) else {}
    ordered = sorted(
        ((str(key), str(value)) for key, value in project_urls.items() if isinstance(value, str)),
        key=lambda item: next((i for i, key in enumerate(_REPOSITORY_KEYS) if item[0].strip().lower() == key), 99),
    )
    repository = _repository_from([value for _key, value in ordered] + [_text(info.get("home_page"))])
    homepage = _text(info.get("home_page")) or next(
        (value for key, value in ordered if key.strip().lower() in ("homepage", "home", "documentation")), "")
    releases: list[tuple[str, str]] = []
    yanked: list[str] = []
    raw_releases: dict[str, Any] = data["releases"] if isinstance(data.get("releases"), dict) else {}
    for release_version, files in raw_releases.items():
        if not isinstance(files, list) or not files:
            continue
        times = sorted(_iso(item.get("upload_time_iso_8601") or item.get("upload_time"))
                       for item in files if isinstance(item, dict))
        times = [time for time in times if time]
        if times:
            releases.append((str(release_version), times[0]))
        if all(isinstance(item, dict) and item.get("yanked") for item in files):
            yanked.append(str(release_version))
    releases.sort(key=lambda item: item[1])
    people = [_text(info.get(key), 200) for key in ("author", "maintainer")]
    return PackageFacts(
        name=info["name"], licence=licence, licence_field=where, licence_version=version if licence else "",
        repository_url=repository, homepage=homepage, latest_version=version, releases=tuple(releases),
        yanked=tuple(sorted(yanked)), deprecated="", maintainers=tuple(dict.fromkeys(p for p in people if p)),
    )


@lru_cache(maxsize=1)
def _licensing() -> Licensing:
    return get_spdx_licensing()


@lru_cache(maxsize=2048)
def is_spdx_expression(text: str) -> bool:
    """True when the text is a valid SPDX licence expression made only of ids on the SPDX list."""
    try:
        info = _licensing().validate(text)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        return False
    return not info.errors and not info.invalid_symbols


def _pypi_licence(info: dict[str, Any]) -> tuple[str, str]:
    expression = _text(info.get("license_expression"), 1000)
    if expression:
        return expression, "license_expression"
    declared = _text(info.get("license"), 5000)
    short = declared if declared and len(declared) <= 200 and "\n" not in declared else ""
    if short and is_spdx_expression(short):
        return short, "license"
    classifiers = [item for item in info.get("classifiers") or [] if isinstance(item, str)]
    mapped = list(dict.fromkeys(CLASSIFIER_LICENCES[item] for item in classifiers if item in CLASSIFIER_LICENCES))
    if mapped:
        return " OR ".join(mapped), "classifiers"
    if short:
        return short, "license"
    return "", ""


def _npm_licence(manifest: dict[str, Any]) -> str:
    value = manifest.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, str) and value.strip():
        return value.strip()[:1000]
    legacy = manifest.get("licenses")
    if isinstance(legacy, list):
        types = [item.get("type") if isinstance(item, dict) else item for item in legacy]
        names = [t.strip() for t in types if isinstance(t, str) and t.strip()]
        if names:
            return " OR ".join(dict.fromkeys(names))[:1000]
    return ""


def _npm_repository(manifest: dict[str, Any]) -> str:
    value = manifest.get("repository")
    if isinstance(value, dict):
        value = value.get("url")
    return clean_repository_url(value) if isinstance(value, str) and value.strip() else ""


def parse_npm(body: bytes, version: str = "") -> PackageFacts:
    """Read an npm registry packument (GET /<package>); the licence is the one of `version` when it is published."""
    data = _document(body)
    name = data.get("name")
    versions = data.get("versions")
    if not isinstance(name, str) or not isinstance(versions, dict):
        raise RegistryFormatError("the answer has no name and versions: not an npm packument")
    tags: dict[str, Any] = data["dist-tags"] if isinstance(data.get("dist-tags"), dict) else {}
    latest = _text(tags.get("latest"), 120)
    manifests = {str(key): value for key, value in versions.items() if isinstance(value, dict)}
    by_version = {key: _npm_licence(manifest) for key, manifest in manifests.items()}
    chosen = version if version in manifests else latest if latest in manifests else ""
    current = manifests.get(chosen, {})
    licence = by_version.get(chosen, "") or _npm_licence(data)
    times: dict[str, Any] = data["time"] if isinstance(data.get("time"), dict) else {}
    releases = sorted(((key, _iso(times.get(key))) for key in manifests), key=lambda item: item[1])
    deprecated_versions = sorted(key for key, manifest in manifests.items() if _text(manifest.get("deprecated")))
    latest_manifest = manifests.get(latest, {})
    people = [item.get("name") if isinstance(item, dict) else item
              for item in (latest_manifest.get("maintainers") or data.get("maintainers") or [])]
    return PackageFacts(
        name=name, licence=licence,
        licence_field=(f"versions[{chosen}].license" if by_version.get(chosen) else "license") if licence else "",
        licence_version=chosen if licence else "", licences_by_version={k: v for k, v in by_version.items() if v},
        repository_url=_npm_repository(current) or _npm_repository(latest_manifest) or _npm_repository(data),
        homepage=_text(current.get("homepage") or latest_manifest.get("homepage") or data.get("homepage")),
        latest_version=latest, releases=tuple((key, time) for key, time in releases if time),
        yanked=tuple(deprecated_versions), deprecated=_text(latest_manifest.get("deprecated")),
        maintainers=tuple(dict.fromkeys(str(p).strip()[:200] for p in people if isinstance(p, str) and p.strip())),
    )


def parse(ecosystem: str, body: bytes, version: str = "") -> PackageFacts:
    """Read one registry answer of the ecosystem."""
    if ecosystem == "pypi":
        return parse_pypi(body)
    if ecosystem == "npm":
        return parse_npm(body, version)
    raise ValueError(f"no registry for the ecosystem {ecosystem!r}")
