"""The name people know a package ecosystem by, for pages and records: components store their ecosystem as the
Package URL type ("pypi", "golang", "cargo"), which is a code; a reader sees "PyPI", "Go", "Cargo"."""

from __future__ import annotations

# The purl types of the Package URL specification (and a few that importers meet), by their usual name.
ECOSYSTEM_NAMES: dict[str, str] = {
    "alpm": "Arch Linux", "apk": "Alpine", "bitbucket": "Bitbucket", "bitnami": "Bitnami", "cargo": "Cargo",
    "cocoapods": "CocoaPods", "composer": "Composer", "conan": "Conan", "conda": "Conda", "cpan": "CPAN",
    "cran": "CRAN", "deb": "Debian", "docker": "Docker", "gem": "RubyGems", "generic": "Generic",
    "github": "GitHub", "githubactions": "GitHub Actions", "golang": "Go", "hackage": "Hackage", "hex": "Hex",
    "huggingface": "Hugging Face", "luarocks": "LuaRocks", "maven": "Maven", "mlflow": "MLflow", "npm": "npm",
    "nuget": "NuGet", "oci": "OCI image", "pub": "Pub", "pypi": "PyPI", "qpkg": "QNX package", "rpm": "RPM",
    "swid": "SWID", "swift": "Swift", "gradle": "Gradle", "unknown": "Unknown",
}


def ecosystem_name(ecosystem: str | None) -> str:
    """The usual name of a component's ecosystem (its purl type); a type this table does not know prints as stored."""
    if not ecosystem:
        return ""
    return ECOSYSTEM_NAMES.get(ecosystem.lower(), ecosystem)
