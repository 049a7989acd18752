"""requirements.txt: pip-requirements-parser + packaging, pip-compile `# via` decides direct/parents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.inventory.importers import parse_file, requirements_txt
from app.inventory.importers.base import ImporterError
from tests.helpers import DATA, REALWORLD
from tests.inventory.importers.checks import by_name, refused

REAL = REALWORLD / "lockfiles" / "flask-celery-example-requirements.txt"
SAMPLE = Path(__file__).parents[2] / "data" / "inventory" / "python" / "requirements-hashes.txt"


def test_every_requirement_line_of_the_real_pip_compile_file_is_a_component():
    raw = REAL.read_bytes()
    expected = len(re.findall(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?==", raw.decode(), re.MULTILINE))
    parsed = requirements_txt.parse(raw)
    assert len(parsed.components) == expected == 21


def test_via_the_project_itself_means_direct_and_via_a_package_means_transitive():
    components = by_name(requirements_txt.parse(REAL.read_bytes()))
    assert components["flask"].direct is True
    assert components["celery"].direct is True
    assert components["celery"].version == "5.2.7"
    assert components["amqp"].direct is False
    assert components["amqp"].parents == ("pkg:pypi/kombu@5.2.4",)


def test_a_multi_line_via_block_lists_every_parent():
    components = by_name(requirements_txt.parse(REAL.read_bytes()))
    assert components["markupsafe"].parents == ("pkg:pypi/jinja2@3.1.2", "pkg:pypi/werkzeug@2.3.3")
    assert len(components["click"].parents) == 5


def test_purls_use_pep503_names_and_exact_versions():
    components = by_name(requirements_txt.parse(SAMPLE.read_bytes()))
    assert components["Django"].purl == "pkg:pypi/django@4.2.16"
    assert components["Zope.Interface"].purl == "pkg:pypi/zope-interface@7.1.1"


def test_hashes_markers_extras_and_continuations_are_understood():
    components = by_name(requirements_txt.parse(SAMPLE.read_bytes()))
    assert components["certifi"].hashes == (
        "sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8",
        "sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9",
    )
    assert components["requests"].version == "2.32.3"
    assert components["Django"].direct is True


def test_line_style_via_annotation_gives_the_parent():
    components = by_name(requirements_txt.parse(SAMPLE.read_bytes()))
    assert components["Zope.Interface"].direct is False
    assert components["Zope.Interface"].parents == ("pkg:pypi/django@4.2.16",)


def test_a_package_via_requirements_in_and_a_package_is_direct_with_that_parent():
    components = by_name(requirements_txt.parse(SAMPLE.read_bytes()))
    assert components["requests"].direct is True
    assert components["requests"].parents == ("pkg:pypi/acme-utils@1.2.0",)


def test_editable_vcs_requirement_keeps_its_url_and_the_version_of_its_tag():
    parsed = requirements_txt.parse(SAMPLE.read_bytes())
    acme = by_name(parsed)["acme-utils"]
    assert acme.version == "1.2.0"  # @v1.2.0
    assert acme.repository_url.startswith("git+https://github.com/acme/acme-utils.git")


def test_url_and_vcs_requirements_of_a_real_file_keep_the_version_their_archive_or_tag_names():
    path = DATA / "realworld" / "lockfiles" / "cyclonedx-python-with-urls-requirements.txt"
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    parsed = requirements_txt.parse(path.read_bytes())
    assert len(parsed.components) == len(lines)  # every URL line is a component, none skipped
    found = {component.name: component for component in parsed.components}
    numpy_line = next(line for line in lines if line.endswith("numpy-1.26.1.tar.gz"))
    assert (found["numpy"].version, found["numpy"].repository_url) == ("1.26.1", numpy_line)
    urllib3_url = next(line for line in lines if line.startswith("urllib3 @ ")).split(" @ ", 1)[1]
    assert (found["urllib3"].version, found["urllib3"].repository_url) == ("2.2.0", urllib3_url)
    assert found["package-three"].version == "0.1"  # @0.1
    assert found["package-four"].version == "3.7.1"  # @releases/tag/v3.7.1
    assert found["package-one"].version == ""  # @41b95ec: a commit, not a version
    assert found["package-one"].repository_url.startswith("git+https://github.com/path/to/package-one@41b95ec")


def test_a_requirements_file_under_another_name_is_known_by_its_lines():
    """mozillians' requirements/prod.txt: every line a pinned requirement (with --hash continuations) or an archive
    URL; the name says nothing, the content does."""
    content = (DATA / "realworld" / "lockfiles" / "mozillians-requirements-prod.txt").read_bytes()
    parsed = parse_file("prod.txt", content)
    assert parsed.format == "requirements.txt"
    pinned = re.findall(rb"^([A-Za-z0-9][A-Za-z0-9._-]*)==", content, re.MULTILINE)
    archives = re.findall(rb"^https://\S+#egg=([\w-]+)", content, re.MULTILINE)
    assert len(pinned) == 142 and archives == [b"happyforms", b"nuggets", b"cis", b"pykmssig"]
    assert len(parsed.components) == len(pinned) + len(archives)
    assert parse_file("frozen.txt", b"colorama==0.4.6\nFooProject >= 1.2\n").format == "requirements.txt"


def test_a_pip_tools_input_is_known_by_its_lines_even_with_names_alone():
    """bemserver-api's requirements/dev.in and tests.in: an include, bare names and a range, no version; a .in file is
    a pip-tools input, so names alone make it one (a .txt of names alone may be a word list); MANIFEST.in and
    autoconf inputs are not."""
    for real, components in (("bemserver-api-requirements-dev.in", ["pip-tools", "pre-commit", "tox"]),
                             ("bemserver-api-requirements-tests.in", ["pytest", "pytest-postgresql", "pytest-cov"])):
        parsed = parse_file(real.rpartition("-")[2], (DATA / "realworld" / "lockfiles" / real).read_bytes())
        assert parsed.format == "requirements.txt"
        assert [(c.name, c.version) for c in parsed.components] == [(name, "") for name in components]
    for name, content in (("MANIFEST.in", b"include README.md\ngraft src\n"), ("config.h.in", b"#undef HAVE_UNISTD_H\n"),
                          ("words.txt", b"alpha\nbeta\n")):
        with pytest.raises(ImporterError, match="Unrecognised file"):
            parse_file(name, content)


LOCKFILES = DATA / "realworld" / "lockfiles"


def test_a_version_pip_takes_from_the_environment_is_kept_without_a_version_and_said():
    """osv-scalibr's env_var.txt: pip expands `${MY_VARIABLE_1}` when it installs; the file does not hold the version."""
    parsed = parse_file("requirements.txt", (LOCKFILES / "osv-scalibr-env_var-requirements.txt").read_bytes())
    assert [(c.name, c.version) for c in parsed.components] == [("asdf", "1.2"), ("qwert", ""), ("another", "1.0")]
    assert parsed.warnings[0] == ("1 version(s) given by an environment variable, which the file does not hold: kept "
                                  "without a version: line 2 (==${MY_VARIABLE_1})")


def test_build_settings_of_a_requirement_are_left_out_not_a_reason_to_refuse_the_file():
    """pip 23.1+ takes `--config-settings` (`-C`) after a requirement; they set how it is built, not what it is."""
    parsed = requirements_txt.parse(b"requests==2.31.0 --config-settings=foo=bar\nurllib3==2.0.0 -C a=b\n"
                                    b"-c constraints.txt\n")
    assert [(c.name, c.version) for c in parsed.components] == [("requests", "2.31.0"), ("urllib3", "2.0.0")]
    assert parsed.warnings[:2] == [f"line {n}: the build settings (--config-settings, -C) are not part of a component; "
                                   "not read" for n in (1, 2)]


def test_in_an_old_pip_compile_file_a_package_without_via_is_direct():
    """dependabot's pip_compile_unsafe.txt: pip-compile before 5.0 annotated only what another package pulls in."""
    parsed = parse_file("requirements.txt", (LOCKFILES / "dependabot-pip_compile_unsafe-requirements.txt").read_bytes())
    assert {c.name: c.direct for c in parsed.components} == {
        "flake8": True, "mccabe": False, "pycodestyle": False, "pyflakes": False, "setuptools": False}


def test_a_file_requirement_of_a_directory_is_the_project_itself_and_an_archive_is_a_package():
    """dependabot's with_path_dependency.txt: `file:.#egg=bowtie-json-schema` installs the project's own code."""
    parsed = parse_file("requirements.txt", (LOCKFILES / "dependabot-with_path_dependency-requirements.txt").read_bytes())
    assert [(c.name, c.version) for c in parsed.components] == [("psycopg2", "2.6.1")]
    assert parsed.warnings == ["line 2: 'file:.#egg=bowtie-json-schema' installs the project itself; skipped"]
    archive = requirements_txt.parse(b"file:///wheels/attrs-23.1.0-py3-none-any.whl\n")
    assert [(c.name, c.version) for c in archive.components] == [("attrs", "23.1.0")]


RYE = DATA / "realworld" / "lockfiles" / "openai-python-rye-requirements-dev.lock"


def test_a_rye_lock_is_known_by_its_header_and_by_its_name():
    content = RYE.read_bytes()
    assert parse_file("requirements-dev.lock", content).format == "requirements.txt"
    assert parse_file("dev-environment.lock", content).format == "requirements.txt"  # the header alone
    assert requirements_txt.named("requirements.lock") and not requirements_txt.named("Cargo.lock")


def test_in_a_rye_lock_via_the_project_and_no_via_at_all_mean_direct():
    """openai-python's requirements-dev.lock: `-e file:.` installs openai itself, which the lock does not list;
    `# via openai` names it, and the dev tools the project asks for (nox, ruff) carry no `via`."""
    content = RYE.read_bytes()
    parsed = requirements_txt.parse(content)
    pinned = re.findall(rb"^([A-Za-z0-9][A-Za-z0-9._-]*)==", content, re.MULTILINE)
    assert len(parsed.components) == len(pinned) == 89
    components = by_name(parsed)
    assert components["pydantic"].direct is True and components["pydantic"].parents == ()  # via openai
    assert components["anyio"].direct is True  # via httpx2 and via openai
    assert components["anyio"].parents == (components["httpx2"].purl,)
    assert components["nox"].direct is True and components["ruff"].direct is True  # no via
    assert components["mypy-extensions"].direct is False  # via mypy
    assert parsed.warnings == ["line 12: '-e file:.' installs the project itself; skipped"]


def test_via_a_name_missing_from_the_file_stays_a_parent_when_the_file_does_not_install_the_project():
    parsed = requirements_txt.parse(b"idna==3.7\n    # via requests\n")
    assert by_name(parsed)["idna"].direct is False
    assert by_name(parsed)["idna"].parents == ("requests",)


@pytest.mark.parametrize("content", [
    b"This product is licensed under the MIT licence.\nSee the notice file.\n",  # prose
    b"alpha\nbeta\ngamma\n",  # names alone: a word list as much as requirements
    b"key=value\nother = 2\n",
])
def test_a_text_file_that_is_not_only_requirements_is_not_taken_for_one(content):
    with pytest.raises(ImporterError, match=re.escape("Unrecognised file 'notes.txt'")):
        parse_file("notes.txt", content)


def test_a_range_without_a_version_is_kept_as_the_declared_range():
    """cyclonedx-python's without-pinned-versions.txt: ranges are not versions; the range is what was declared."""
    parsed = parse_file("requirements.txt",
                        (DATA / "realworld" / "lockfiles" / "cyclonedx-python-without-pinned-versions.txt").read_bytes())
    assert [(c.name, c.version, c.declared) for c in parsed.components] == [
        ("certifi", "", ">=2023.11.17"), ("chardet", "", "<5,>=4.0.0"), ("urllib3", "", "")]


def test_includes_are_never_followed_but_reported():
    parsed = requirements_txt.parse(SAMPLE.read_bytes())
    assert any("-r base-requirements.txt" in warning for warning in parsed.warnings)
    assert any("-c constraints.txt" in warning for warning in parsed.warnings)
    assert len(parsed.components) == 5


def test_a_hand_written_file_without_annotations_leaves_direct_unknown():
    parsed = requirements_txt.parse(b"requests==2.32.3\nnumpy>=1.26\n")
    components = by_name(parsed)
    assert components["requests"].direct is None
    assert components["numpy"].version == ""
    assert components["numpy"].purl == "pkg:pypi/numpy"


def test_a_line_without_a_package_name_is_skipped_with_a_warning():
    parsed = requirements_txt.parse(b"./local/package\nflask==3.0.3\n")
    assert [component.name for component in parsed.components] == ["flask"]
    assert "line 1" in parsed.warnings[0]


def test_empty_file_gives_no_components():
    assert requirements_txt.parse(b"").components == []
    assert requirements_txt.parse(b"# only a comment\n").components == []


def test_a_broken_line_is_reported_with_its_number():
    error = refused(requirements_txt, b"flask==3.0.3\n\nthis is not ===valid\n")
    assert error.line == 3
    assert "line 3" in str(error)


def test_one_name_at_two_versions_gives_two_components_each_with_its_own_purl() -> None:
    """cyclonedx-python's local.txt lists numpy as a 1.9.2 wheel and a 1.26.1 sdist; the purl was the last one's."""
    path = DATA / "realworld" / "lockfiles" / "cyclonedx-python-local-requirements.txt"
    parsed = parse_file("requirements.txt", path.read_bytes())
    numpy = sorted((c.version, c.purl) for c in parsed.components if c.name == "numpy")
    assert numpy == [("1.26.1", "pkg:pypi/numpy@1.26.1"), ("1.9.2", "pkg:pypi/numpy@1.9.2")]
    assert all(c.purl.endswith(f"@{c.version}") for c in parsed.components if c.version)


def test_a_name_pinned_differently_under_two_markers_keeps_both_versions() -> None:
    content = (b'numpy==1.24.4 ; python_version < "3.9"\nnumpy==1.26.4 ; python_version >= "3.9"\n'
               b"pandas==2.0.3\n    # via -r requirements.in\n")
    parsed = parse_file("requirements.txt", content)
    assert sorted((c.name, c.version, c.purl) for c in parsed.components) == [
        ("numpy", "1.24.4", "pkg:pypi/numpy@1.24.4"), ("numpy", "1.26.4", "pkg:pypi/numpy@1.26.4"),
        ("pandas", "2.0.3", "pkg:pypi/pandas@2.0.3")]


def test_a_windows_1252_file_is_read_as_pip_reads_it_on_windows() -> None:
    """cyclonedx-python's regression file for its issue 448: cp1252 comments, CRLF line ends."""
    path = DATA / "realworld" / "lockfiles" / "cyclonedx-python-regression-issue448.cp1252-requirements.txt"
    content = path.read_bytes()
    expected = [line.split(">=")[0] for line in content.decode("cp1252").splitlines() if ">=" in line]
    parsed = parse_file("requirements.txt", content)
    assert [c.name for c in parsed.components] == expected == ["packageurl-python", "requirements_parser", "setuptools"]
    assert parsed.warnings[0] == "the file is not UTF-8: read as Windows-1252 (cp1252), as pip does on Windows"


def test_bytes_that_are_not_even_windows_1252_are_refused_clearly() -> None:
    with pytest.raises(ImporterError, match="neither UTF-8 nor Windows-1252"):
        parse_file("requirements.txt", b"flask==3.0.0  # \x81\n")


def test_a_named_requirement_of_a_local_folder_is_skipped_with_a_warning_that_names_it() -> None:
    """cyclonedx-python's local.txt: `foo @ file://../foo` (PEP 508 direct reference to a folder) is the project's own
    code, not the foo of PyPI; the archives beside it are packages and keep their file as origin."""
    path = DATA / "realworld" / "lockfiles" / "cyclonedx-python-local-requirements.txt"
    assert "foo @ file://../foo" in path.read_text()
    parsed = parse_file("requirements.txt", path.read_bytes())
    assert "foo" not in {c.name for c in parsed.components}
    assert {c.repository_url for c in parsed.components} == {
        "./downloads/numpy-1.9.2-cp34-none-win32.whl", "./downloads/numpy-1.26.1.tar.gz"}
    (warning,) = [w for w in parsed.warnings if "local folder" in w]
    assert warning.endswith("skipped: foo (line 11)")
    assert not any("foo @ file" in w and "the project itself" in w for w in parsed.warnings)


def test_pip_freeze_of_a_conda_environment_keeps_the_packages_conda_built() -> None:
    """`pip freeze` in a conda environment names every package conda installed by the folder conda built it in
    (`numpy @ file:///home/conda/feedstock_root/build_artifacts/numpy_1675642561072/work`): third-party packages
    without a version, not the project's own code; a folder of the machine is no origin."""
    content = (b"numpy @ file:///home/conda/feedstock_root/build_artifacts/numpy_1675642561072/work\n"
               b"certifi @ file:///croot/certifi_1671487769961/work/certifi\n"
               b"cffi @ file:///D:/bld/cffi_1671179506518/work\n"
               b"openfold @ file:///data/home/someone/openfold\n"
               b"requests==2.28.2\n")
    parsed = parse_file("requirements.txt", content)
    assert [(c.name, c.version, c.purl, c.repository_url) for c in parsed.components] == [
        ("numpy", "", "pkg:pypi/numpy", ""), ("certifi", "", "pkg:pypi/certifi", ""), ("cffi", "", "pkg:pypi/cffi", ""),
        ("requests", "2.28.2", "pkg:pypi/requests@2.28.2", "")]
    assert parsed.warnings == [
        "1 requirement(s) install a local folder (`name @ file:...`), taken for the project's own code, not a "
        "component; skipped: openfold (line 4)",
        "3 package(s) installed by conda (pip freeze names the folder conda built them in, not a version): listed "
        "without a version: numpy (line 1), certifi (line 2), cffi (line 3)",
    ]


# --- Hash options read apart from pip-requirements-parser's shlex pass ---------------------------------------------

WAREHOUSE = LOCKFILES / "pypi-warehouse-main-trimmed-requirements.txt"
H = "sha256:" + "a" * 64
# Hash options pip reads and a plain `--hash=value` reading must leave to the library, each beside one it may read.
HASH_EDGES = [
    f"flask==3.0.3 \\\n    --hash={H}\\\n--hash={H}\n",  # no blank before the backslash: the two values run together
    f"flask==3.0.3 \\\n    --hash='{H}' \\\n    --hash={H}\n",  # quoted
    f"flask==3.0.3 --hash={H} # see --hash={H}\n",  # the second one is in a comment
    f"flask==3.0.3\t--hash={H}\t--hash={H}\n",  # tabs: one token for pip's split(" ")
    f"flask==3.0.3 --hash {H}\nrequests==2.32.3 --hash={H}\n",
    f"flask==3.0.3 --hash={H} --no-binary :all:\n",
    f"-e git+https://github.com/pallets/flask@3.0.3#egg=flask --hash={H}\n",
    f"flask @ https://example.com/flask-3.0.3.tar.gz --hash={H}\n",
    f"colorama==0.4.6 ; sys_platform == \"win32\" \\\n    --hash={H}\n",
    f"not a valid === req --hash={H}\nflask==3.0.3 --hash={H}\n",
    f"flask==3.0.3 \\\n# a comment ends the line\n    --hash={H}\n",
    f"flask==3.0.3 \\\n    --hash={H} # a comment that goes on \\\nrequests==2.32.3\n",  # pip reads requests as comment
    f"flask==3.0.3 --hash={H}\x0crequests==2.32.3 --hash={H}\r\n",
]


def test_the_hashes_of_a_pip_compile_file_do_not_go_through_shlex(monkeypatch):
    """pypi/warehouse's requirements/main.txt (pip-compile --generate-hashes, trimmed to 23 packages, 404 hashes):
    the library ran its shlex over every --hash value, over half of the import's time."""
    import pip_requirements_parser

    content = WAREHOUSE.read_text()
    split = pip_requirements_parser.shlex.split
    seen: list[str] = []
    monkeypatch.setattr(pip_requirements_parser.shlex, "split", lambda text, *a, **k: seen.append(text) or split(text))
    parsed = requirements_txt.parse(WAREHOUSE.read_bytes())
    blocks = re.findall(r"^([A-Za-z0-9][\w.-]*)(?:\[\w+\])?==(\S+) \\\n((?:\s+--hash=\S+(?: \\)?\n)+)", content,
                        re.MULTILINE)
    assert len(blocks) == len(parsed.components) == 23 and content.count("--hash=") == 404
    assert [(c.name, c.version, c.hashes) for c in parsed.components] == [
        (name, version, tuple(re.findall(r"--hash=(\S+)", hashes))) for name, version, hashes in blocks]
    assert seen and not any("--hash" in text for text in seen)


@pytest.mark.parametrize("content", [
    *(pytest.param(path.read_bytes(), id=path.name) for path in [
        *sorted({*LOCKFILES.glob("*requirements*"), *LOCKFILES.glob("*.in")}), REAL, SAMPLE]
      if b"\x00" not in path.read_bytes()),  # UTF-16 is transcoded before the importer (test_encodings)
    *(pytest.param(text.encode(), id=f"edge-{index}") for index, text in enumerate(HASH_EDGES))])
def test_hashes_read_apart_give_what_the_library_reads_of_the_whole_file(monkeypatch, content: bytes) -> None:
    """Every requirements file of the corpus, and the options a plain reading must not take: the same records and
    warnings (or the same refusal) as with every line handed to pip-requirements-parser as written."""
    def read(**patched: object):
        with monkeypatch.context() as scope:
            for name, value in patched.items():
                scope.setattr(requirements_txt, name, value)
            try:
                return requirements_txt.parse(content)
            except ImporterError as error:
                return str(error)

    assert read() == read(_hashes_apart=lambda text: (text, {}))
