"""Hostile templates: sandbox escapes, resource exhaustion and zip bombs are refused or contained."""

from __future__ import annotations

import io
import multiprocessing
import os
import uuid
import zipfile
from pathlib import Path

import pytest
from jinja2.sandbox import SecurityError

from app.documents import zipcheck
from app.documents.examples import TRICKY_NAME
from app.documents.render import (
    TEMPLATE_DIR,
    RenderFailed,
    TemplateRefused,
    check_template,
    make_environment,
    render_uploaded,
)
from app.documents.variables import example_context
from app.documents.zipcheck import check_docx_zip
from tests.documents.docx_helpers import docx_text, make_template

SOUP = example_context("soup_list")


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A file that a successful shell injection would create."""
    return tmp_path / f"pwned-{uuid.uuid4().hex}"


# ---------------------------------------------------------------- sandbox escapes


def test_the_classic_cycler_escape_is_refused_at_upload(marker):
    payload = "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}"
    check = check_template("soup_list", make_template(payload))
    assert not check.ok
    assert "cycler" in check.unknown
    assert not marker.exists()


def test_the_classic_cycler_escape_renders_inert(marker):
    payload = "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}"
    with pytest.raises(RenderFailed):
        render_uploaded("soup_list", make_template(payload), SOUP)
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "{{ product_name.__class__.__mro__[1].__subclasses__() }}",
        "{{ components.__class__.__base__.__subclasses__() }}",
        "{{ document.__init__.__globals__ }}",
        "{{ range.__globals__['os'].popen('touch MARKER').read() }}",
        "{{ namespace.__init__.__globals__['os'].system('touch MARKER') }}",
        "{% set x = components.append(1) %}",
    ],
)
def test_python_internals_are_out_of_reach(payload, marker):
    data = make_template(payload.replace("MARKER", str(marker)))
    with pytest.raises(RenderFailed, match=r"not allowed|does not exist"):
        render_uploaded("soup_list", data, SOUP)
    assert not marker.exists()


def test_the_sandbox_holds_even_when_the_gadget_is_reachable(marker):
    # Defence in depth: hand the template a real cycler; the sandbox still stops the escape.
    from jinja2.utils import Cycler

    env = make_environment()
    template = env.from_string("{{ c.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}")
    with pytest.raises(SecurityError):
        template.render(c=Cycler(1, 2))
    assert not marker.exists()


# ---------------------------------------------------------------- resource exhaustion


def test_a_huge_repetition_is_refused_and_the_caller_survives():
    with pytest.raises(RenderFailed, match="not allowed") as failure:
        render_uploaded("soup_list", make_template("{{ 'x' * 50000000 }}"), SOUP)
    assert "50,000,000" in failure.value.detail
    assert multiprocessing.active_children() == []


def test_a_huge_power_is_refused():
    with pytest.raises(SecurityError):
        make_environment().from_string("{{ 10 ** 100000000 }}").render()


def test_memory_hungry_templates_hit_the_memory_limit():
    data = make_template("{{ 'x'.ljust(600000000) }}")
    with pytest.raises(RenderFailed, match="The template used more than 256 MB"):
        render_uploaded("soup_list", data, SOUP, memory_mb=256)
    assert multiprocessing.active_children() == []


def test_endless_templates_are_stopped_at_the_time_limit():
    data = make_template("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}")
    with pytest.raises(RenderFailed, match=r"The template took longer than 1\.5 s"):  # stopped by the limit
        render_uploaded("soup_list", data, SOUP, timeout_s=1.5)
    assert multiprocessing.active_children() == []


def test_the_parent_keeps_working_after_a_contained_failure():
    with pytest.raises(RenderFailed):
        render_uploaded("soup_list", make_template("{{ 'x' * 50000000 }}"), SOUP)
    out = render_uploaded("soup_list", make_template("{{ components[1].manufacturer }}"), SOUP)
    assert TRICKY_NAME in docx_text(out)


# ---------------------------------------------------------------- the zip check


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _bomb(uncompressed_mb: int) -> bytes:
    """A docx-looking zip with one member of many zeros, written in chunks (never held in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/image1.png", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(uncompressed_mb):
                member.write(chunk)
    return buffer.getvalue()


def test_every_default_template_passes_the_zip_check():
    for path in TEMPLATE_DIR.glob("*.docx"):
        check_docx_zip(path.read_bytes())


def test_a_zip_bomb_is_refused_without_being_unpacked(monkeypatch):
    bomb = _bomb(40)
    assert len(bomb) < 200_000

    def no_unpacking(*args, **kwargs):
        raise AssertionError("the zip check must not unpack members")

    monkeypatch.setattr(zipfile.ZipFile, "read", no_unpacking)
    monkeypatch.setattr(zipfile.ZipFile, "open", no_unpacking)
    with pytest.raises(TemplateRefused, match="expands more than 100 times"):
        check_docx_zip(bomb)


def test_a_zip_bomb_is_refused_by_check_template_and_render():
    bomb = _bomb(40)
    check = check_template("soup_list", bomb)
    assert not check.ok and "zip bomb" in check.problems[0]
    with pytest.raises(TemplateRefused):
        render_uploaded("soup_list", bomb, SOUP)


def test_too_much_uncompressed_data_is_refused(monkeypatch):
    monkeypatch.setattr(zipcheck, "MAX_TOTAL_UNCOMPRESSED", 1000)
    data = _zip({"word/document.xml": os.urandom(800), "word/styles.xml": os.urandom(800)}, zipfile.ZIP_STORED)
    with pytest.raises(TemplateRefused, match="unpacks to"):
        check_docx_zip(data)


def test_too_many_members_are_refused():
    data = _zip({"word/document.xml": b"<w:document/>", **{f"word/media/{i}.bin": b"" for i in range(501)}})
    with pytest.raises(TemplateRefused, match="502 parts"):
        check_docx_zip(data)


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "word/../../evil.xml", "C:\\evil.xml", "..\\evil.xml"])
def test_path_tricks_in_member_names_are_refused(name):
    data = _zip({"word/document.xml": b"<w:document/>", name: b"x"})
    with pytest.raises(TemplateRefused, match="unsafe part name"):
        check_docx_zip(data)


def test_a_zip_that_is_not_a_word_document_is_refused():
    with pytest.raises(TemplateRefused, match=r"word/document\.xml is missing"):
        check_docx_zip(_zip({"hello.txt": b"hello"}))


@pytest.mark.parametrize("data", [b"", b"{\\rtf1 not a docx}", b"\xd0\xcf\x11\xe0 old .doc"])
def test_files_that_are_not_zips_are_refused(data):
    with pytest.raises(TemplateRefused, match="not a zip archive"):
        check_docx_zip(data)


def test_a_damaged_zip_is_refused():
    with pytest.raises(TemplateRefused, match="damaged"):
        check_docx_zip(b"PK\x03\x04" + b"\x00" * 100)


def test_a_zip_with_a_broken_document_is_reported_by_check_template():
    check = check_template("soup_list", _zip({"word/document.xml": b"not xml", "[Content_Types].xml": b"<x/>"}))
    assert not check.ok and "could not open" in check.problems[0]


# ---------------------------------------------------------------- compile-time constant folding

# Jinja computes constant expressions while it COMPILES (and while it lists a template's variables):
# in the web worker, the first took 61 s, the second 3.6 s and 555 MB.
FOLDED_BOMBS = ["{{ '%999999999s'|format('x') }}", "{{ 'x'|center(99999999) }}"]


@pytest.mark.parametrize("payload", FOLDED_BOMBS)
def test_a_template_whose_constants_explode_is_refused_by_the_limited_check(payload):
    check = check_template("soup_list", make_template(payload), memory_mb=256)
    assert not check.ok
    assert any("The template check ran out of memory (more than 256 MB)" in p for p in check.problems), check.problems
    assert multiprocessing.active_children() == []


def test_the_check_never_parses_or_compiles_in_the_calling_process(monkeypatch):
    import jinja2.compiler
    import jinja2.meta

    def forbidden(*args, **kwargs):
        raise AssertionError("a template was analysed or compiled in the web process")

    monkeypatch.setattr(jinja2.compiler.CodeGenerator, "__init__", forbidden)
    monkeypatch.setattr(jinja2.meta, "find_undeclared_variables", forbidden)
    monkeypatch.setattr(make_environment().__class__, "parse", forbidden)
    check = check_template("soup_list", make_template("{{ product_name }} {{ components|length }}"))
    assert check.ok and check.used == {"product_name", "components"}
    refused = check_template("soup_list", make_template("{{ product_name|shout }}"))
    assert any("shout" in p for p in refused.problems)


def test_the_check_renders_the_example_values_in_the_child():
    check = check_template("soup_list", make_template("{{ product_name ~ ('x' * 999999) * 2 }}"))
    assert not check.ok and any(p.startswith("With the example values:") for p in check.problems)
