"""Render Word records with docxtpl: the only module of the app that imports docxtpl.

Trusted default templates (templates/docx) render in process. Uploaded templates are
checked (zip limits, syntax, allowlisted variables) and render in a child process with
CPU, memory and wall-clock limits, so a hostile or clumsy template cannot take the app
down. Every render uses a sandboxed, autoescaping Jinja environment: without the
sandbox a template can run shell commands, without autoescape `A & B <Ltd>` comes out
as `A  B ` (see docs/templates.md).
"""

from __future__ import annotations

import difflib
import html
import io
import math
import multiprocessing
import re
import resource
import signal
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace
from markupsafe import Markup, escape

from app.documents.variables import (
    UnknownDocumentTypeError,
    Variable,
    example_context,
    require_document_type,
    variables_for,
)
from app.documents.zipcheck import MAX_TOTAL_UNCOMPRESSED, TemplateRefused, check_docx_zip

__all__ = [
    "ContextError",
    "RenderFailed",
    "TemplateCheck",
    "TemplateRefused",
    "UnknownDocumentTypeError",
    "check_context",
    "check_template",
    "make_environment",
    "render_default",
    "render_uploaded",
    "template_variables",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "docx"
# A template may build strings/lists up to this length with `*`; `'x' * 50000000` is refused.
MAX_SEQUENCE = 1_000_000
MAX_POWER_BITS = 100_000
# Dict methods a loop row may use besides its fields.
_DICT_METHODS = frozenset({"items", "keys", "values", "get"})
# Names a template may use besides the document type's variables.
_BUILTIN_NAMES = frozenset({"range", "dict", "namespace", "loop"})
_STARTUP_TIMEOUT_S = 60.0

_Scope = dict[str, tuple[str, Variable]]  # loop/object name -> (label for messages, its description)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>")
_LEFTOVER = re.compile(r"\{[{%].{0,40}", re.DOTALL)


class RenderFailed(Exception):
    """A template could not be turned into a document; `message` is for the user."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message if not detail else f"{message}: {detail}")
        self.message = message
        self.detail = detail


class ContextError(TypeError):
    """The context is not plain JSON-like data with exactly the document type's variables."""


@dataclass(frozen=True)
class TemplateCheck:
    """What an uploaded template uses, which names are not allowed, and every problem found."""

    used: frozenset[str]
    unknown: frozenset[str]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the template may be stored and used."""
        return not self.problems


class RecordEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox plus a size guard on `*` and `**`, which the sandbox does not limit."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse repetitions and powers that would build huge values."""
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                    raise SecurityError(
                        f"the template tried to build a value of {len(seq) * times:,} items (at most {MAX_SEQUENCE:,})"
                    )
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and right > 0
            and left.bit_length() * right > MAX_POWER_BITS
        ):
            raise SecurityError("the template tried to compute a number that is too large")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    """How a printed value appears: None as nothing, text without characters XML forbids."""
    if value is None:
        return ""
    if type(value) is str and _XML_ILLEGAL.search(value):
        # A control character would make the document unreadable for Word.
        return _XML_ILLEGAL.sub("", value)
    return value


def multiline(value: Any) -> Markup:
    """Escape a text and turn its line breaks into Word line breaks."""
    text = escape(_XML_ILLEGAL.sub("", "" if value is None else str(value).replace("\r\n", "\n")))
    lines = text.split("\n")
    return Markup('</w:t><w:br/><w:t xml:space="preserve">').join(lines)


def make_environment() -> RecordEnvironment:
    """The Jinja environment of every render: sandboxed, autoescaping, strict about undefined names."""
    env = RecordEnvironment(autoescape=True, undefined=StrictUndefined, finalize=_finalize)
    # Only harmless globals: cycler/joiner/lipsum are gadgets an attacker reaches for.
    env.globals = {"range": env.globals["range"], "dict": dict, "namespace": Namespace}
    env.filters["multiline"] = multiline
    return env


def _walk(value: Any, path: str, braces: list[str]) -> None:
    if value is None or isinstance(value, bool | int | float | date):
        return
    if isinstance(value, str):
        if hasattr(value, "__html__"):
            # Markup would bypass autoescape and inject raw XML into the document.
            raise ContextError(f"{path} is {type(value).__name__}, which would skip escaping; pass a str")
        if "{{" in value or "{%" in value:
            braces.append(value)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ContextError(f"{path} has a key {key!r} that is not a string")
            _walk(item, f"{path}[{key!r}]", braces)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", braces)
        return
    raise ContextError(
        f"{path} is a {type(value).__name__}; a document context holds only dicts, lists, "
        "str, int, float, bool, None and dates (never ORM objects)"
    )


def check_context(doc_type: str, context: Mapping[str, Any]) -> list[str]:
    """A context has exactly the type's variables and only plain data; returns texts holding `{{`/`{%`."""
    require_document_type(doc_type)
    allowed = set(variables_for(doc_type))
    missing = allowed - set(context)
    extra = set(context) - allowed
    if missing or extra:
        raise ContextError(
            f"Context of {doc_type} does not match its variables: "
            f"missing {sorted(missing)}, not allowed {sorted(extra)}"
        )
    braces: list[str] = []
    _walk(context, "context", braces)
    return braces


def _leftover_tags(docx: bytes, texts_with_braces: list[str]) -> list[str]:
    """Template tags still present in the rendered parts (values that contain braces excepted)."""
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith(".xml") or not (name.startswith("word/") or name == "docProps/core.xml"):
                continue
            xml = archive.read(info)
            if b"{{" not in xml and b"{%" not in xml:
                continue
            text = html.unescape(_TAG.sub("", xml.decode("utf-8", "replace")))
            for value in texts_with_braces:
                text = text.replace(value, "")
            found += [f"{name}: {m.group(0)}" for m in _LEFTOVER.finditer(text)]
    return found


def _render(template_file: Path | io.BytesIO, context: Mapping[str, Any], braces: list[str]) -> bytes:
    template = DocxTemplate(template_file)
    try:
        template.render(dict(context), jinja_env=make_environment())
    except SecurityError as exc:
        raise RenderFailed("The template tried something that is not allowed", str(exc)) from None
    except UndefinedError as exc:
        raise RenderFailed("The template uses a value that does not exist", str(exc)) from None
    except TemplateSyntaxError as exc:
        raise RenderFailed("The template has a syntax error", str(exc)) from None
    except TemplateError as exc:
        raise RenderFailed("The template could not be rendered", str(exc)) from None
    buffer = io.BytesIO()
    template.save(buffer)
    data = buffer.getvalue()
    leftovers = _leftover_tags(data, braces)
    if leftovers:
        raise RenderFailed(
            "The document still contains template tags after rendering (a tag split by Word "
            "or typed with a space between the braces; retype it in one go)",
            "; ".join(leftovers[:5]),
        )
    return data


def render_default(doc_type: str, context: Mapping[str, Any]) -> bytes:
    """Render a shipped default template in process; the context must be plain data."""
    braces = check_context(doc_type, context)
    return _render(TEMPLATE_DIR / f"{doc_type}.docx", context, braces)


def _open(data: bytes) -> DocxTemplate:
    try:
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise TemplateRefused(f"Word could not open this file as a document ({type(exc).__name__}).") from exc
    return template


def _core_property_texts(template: DocxTemplate) -> list[str]:
    # docxtpl renders these core properties too, so they are checked like the body.
    props = template.docx.core_properties
    return [getattr(props, name) or "" for name in ("author", "comments", "identifier", "language", "subject", "title")]


def _template_source(template: DocxTemplate) -> str:
    """The Jinja source docxtpl renders: body, headers, footers and core properties, patched."""
    parts = [template.patch_xml(template.xml_to_string(template.docx._element.body))]
    for rel in template.docx._part.rels.values():
        if rel.reltype in (RELATIONSHIP_TYPE.HEADER, RELATIONSHIP_TYPE.FOOTER) and rel.target_part.blob:
            parts.append(template.patch_xml(template.xml_to_string(parse_xml(rel.target_part.blob))))
    parts += _core_property_texts(template)
    # One paragraph per line, so a syntax error's line number points at a paragraph.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", "\n".join(parts))


def _syntax_problem(exc: TemplateSyntaxError, source: str) -> str:
    lines = source.splitlines()
    near = ""
    if exc.lineno and 0 < exc.lineno <= len(lines):
        near = " ".join(html.unescape(_TAG.sub(" ", lines[exc.lineno - 1])).split())[:80]
    return f"Template syntax error: {exc.message}" + (f" (near: {near!r})" if near else "")


def template_variables(data: bytes, *, timeout_s: float = 20, memory_mb: int = 512) -> set[str]:
    """Top-level names an uploaded template uses, found in the limited child process (see check_template)."""
    check_docx_zip(data)
    found: set[str] = _run_limited(
        _variables_in_child, (data,), timeout_s=timeout_s, memory_mb=memory_mb,
        too_long=f"The template check ran out of time (more than {timeout_s:g} s)",
        too_big=f"The template check ran out of memory (more than {memory_mb} MB)",
    )
    return found


def _variables_in_child(data: bytes) -> set[str]:
    """Top-level names (docxtpl's analysis with the sandboxed env). Jinja's analysis folds constants,
    so this runs only in the limited child."""
    template = _open(data)
    env = make_environment()
    try:
        names = set(template.get_undeclared_template_variables(jinja_env=env))
        for text in _core_property_texts(template):
            names |= meta.find_undeclared_variables(env.parse(text))
    except TemplateSyntaxError as exc:
        source = _template_source(template)
        raise TemplateRefused(_syntax_problem(_located(exc, env, source), source)) from None
    return names


def _located(exc: TemplateSyntaxError, env: RecordEnvironment, source: str) -> TemplateSyntaxError:
    """The same error from our line-per-paragraph source, so the message can quote the paragraph."""
    try:
        env.parse(source)
    except TemplateSyntaxError as located:
        return located
    return exc


def _suggest(name: str, candidates: set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f": did you mean {close[0]!r}?" if close else ""


def _field_problems(ast: nodes.Template, allowed: Mapping[str, Variable]) -> list[str]:
    """Unknown fields of objects and loop rows (`row.nme`), which Jinja's analysis cannot see."""
    problems: list[str] = []

    def resolve(expr: nodes.Node, scope: _Scope) -> tuple[str, Variable] | None:
        if isinstance(expr, nodes.Name):
            return scope.get(expr.name)
        key = _key_of(expr)
        if key is not None and isinstance(expr, nodes.Getattr | nodes.Getitem):
            parent = resolve(expr.node, scope)
            if parent and not parent[1].many:
                found = parent[1].field(key)
                if found:
                    return f"{parent[0]}.{key}", found
        return None

    def visit(node: nodes.Node, scope: _Scope) -> None:
        if isinstance(node, nodes.For):
            visit(node.iter, scope)
            inner = dict(scope)
            source = resolve(node.iter, scope)
            if isinstance(node.target, nodes.Name):
                if source and source[1].many:
                    label, var = source
                    inner[node.target.name] = (f"{label}[]", Variable(var.name, var.description, None, var.fields))
                else:
                    inner.pop(node.target.name, None)
            for child in (*node.body, *node.else_, *([node.test] if node.test else [])):
                visit(child, inner)
            return
        key = _key_of(node)
        if key is not None and isinstance(node, nodes.Getattr | nodes.Getitem):
            parent = resolve(node.node, scope)
            if parent and parent[1].fields and not parent[1].many and key not in _DICT_METHODS:
                names = {f.name for f in parent[1].fields}
                if key not in names:
                    problems.append(f"Unknown field {key!r} in {parent[0]!r}{_suggest(key, names)}")
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(ast, {name: (name, var) for name, var in allowed.items()})
    return list(dict.fromkeys(problems))


def _key_of(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


# Said when the check itself runs out of time or memory: Jinja computes constant expressions while it compiles.
_CHECK_HINT = (
    "; the template computes a value that is too large or too slow to build "
    "(for example a huge width in format or center)"
)


def check_template(doc_type: str, data: bytes, *, timeout_s: float = 20, memory_mb: int = 512) -> TemplateCheck:
    """An uploaded template is usable when it is a bounded docx, parses, uses only allowed names, and
    renders the example values.

    Only the zip check runs here. Parsing, analysing and compiling run in the child process with
    the CPU, memory and wall-clock limits of `render_uploaded`: Jinja folds constant expressions while
    it compiles (and while it lists a template's variables), so `{{ '%999999999s'|format('x') }}` would
    otherwise hold the web worker for a minute and `{{ 'x'|center(99999999) }}` take half a gigabyte.
    """
    require_document_type(doc_type)
    try:
        check_docx_zip(data)
    except TemplateRefused as exc:
        return TemplateCheck(frozenset(), frozenset(), (str(exc),))
    try:
        result: TemplateCheck = _run_limited(
            _check_in_child, (doc_type, data), timeout_s=timeout_s, memory_mb=memory_mb,
            too_long=f"The template check ran out of time (more than {timeout_s:g} s){_CHECK_HINT}",
            too_big=f"The template check ran out of memory (more than {memory_mb} MB){_CHECK_HINT}",
        )
    except RenderFailed as exc:
        return TemplateCheck(frozenset(), frozenset(), (str(exc),))
    return result


def _check_in_child(doc_type: str, data: bytes) -> TemplateCheck:
    """The whole check of a bounded docx, in the limited child: names, fields, compiling, an example render."""
    check = _analyse(doc_type, data)
    if not check.ok:
        return check
    context = example_context(doc_type)
    try:
        _render(io.BytesIO(data), context, check_context(doc_type, context))
    except RenderFailed as exc:
        return TemplateCheck(check.used, check.unknown, (f"With the example values: {exc}",))
    return check


def _analyse(doc_type: str, data: bytes) -> TemplateCheck:
    """Names, fields, syntax and compiling of a bounded docx; compiles, so runs only in the child."""
    try:
        used = frozenset(_variables_in_child(data))
    except TemplateRefused as exc:
        return TemplateCheck(frozenset(), frozenset(), (str(exc),))
    allowed = variables_for(doc_type)
    names = frozenset(allowed) | _BUILTIN_NAMES
    unknown = used - names
    problems = [
        f"Unknown variable {name!r}{_suggest(name, names) or f': it is not a variable of {doc_type} templates'}"
        for name in sorted(unknown)
    ]
    env = make_environment()
    source = _template_source(_open(data))
    try:
        ast = env.parse(source)
        problems += _field_problems(ast, allowed)
        env.from_string(source)  # compiling finds unknown filters and tests
    except TemplateSyntaxError as exc:
        problems.append(_syntax_problem(exc, source))
    except TemplateError as exc:
        problems.append(f"Template error: {exc}")
    return TemplateCheck(used, unknown, tuple(problems))


def _limit_child(timeout_s: float, memory_mb: int) -> None:
    """Cap the child's address space and CPU time, and forbid it to start processes."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = math.ceil(timeout_s) + 5  # a backstop: the parent's wall clock normally ends it first
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    except (ValueError, OSError):
        pass  # not every platform lets us lower it; the sandbox already blocks process creation


def _render_in_child(data: bytes, context: dict[str, Any], braces: list[str]) -> bytes:
    output = _render(io.BytesIO(data), context, braces)
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(output)).infolist())
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise RenderFailed(f"The document would be {total // 2**20} MB unpacked; that is too large")
    return output


def _child_main(conn: Connection, target: Any, args: tuple[Any, ...], timeout_s: float, memory_mb: int) -> None:
    """Entry point of the limited child: limit, run target(*args), send back ("ok", value) or a failure."""
    _limit_child(timeout_s, memory_mb)
    conn.send(("ready",))
    result: tuple[Any, ...]
    try:
        result = ("ok", target(*args))
    except MemoryError:
        result = ("memory",)
    except RenderFailed as exc:
        result = ("failed", exc.message, exc.detail)
    except Exception as exc:  # noqa: BLE001 - whatever a hostile template provokes goes back as a message
        result = ("failed", "The template could not be rendered", f"{type(exc).__name__}: {exc}")
    conn.send(result)
    conn.close()


def render_uploaded(
    doc_type: str, data: bytes, context: Mapping[str, Any], *, timeout_s: float = 20, memory_mb: int = 512
) -> bytes:
    """Render an uploaded template in a limited child process; any failure raises RenderFailed.

    The child is started with "spawn": a script that calls this at import time needs the
    usual `if __name__ == "__main__":` guard (Flask, gunicorn and pytest entry points have it).
    A refused zip raises TemplateRefused, a bad context ContextError, before any child starts.
    """
    braces = check_context(doc_type, context)
    check_docx_zip(data)
    output: bytes = _run_limited(
        _render_in_child, (data, dict(context), braces), timeout_s=timeout_s, memory_mb=memory_mb,
        too_long=f"The template took longer than {timeout_s:g} s",
        too_big=f"The template used more than {memory_mb} MB",
    )
    return output


def _run_limited(
    target: Any, args: tuple[Any, ...], *, timeout_s: float, memory_mb: int, too_long: str, too_big: str
) -> Any:
    """Run a module-level function of this module in a spawned child with CPU, memory and wall-clock limits.

    Returns its value; RenderFailed(too_long / too_big) when it runs out of time or memory, RenderFailed
    with the child's message when it fails otherwise.
    """
    mp = multiprocessing.get_context("spawn")
    receiver, sender = mp.Pipe(duplex=False)
    child = mp.Process(
        target=_child_main,
        args=(sender, target, args, timeout_s, memory_mb),
        name="provenance-render",
        daemon=True,
    )
    too_long_error = RenderFailed(too_long)
    too_big_error = RenderFailed(too_big)
    child.start()
    sender.close()
    try:
        # The clock starts once the child is up, so interpreter start-up is not charged to the template.
        if not receiver.poll(_STARTUP_TIMEOUT_S):
            raise RenderFailed("The render process did not start")
        receiver.recv()
        if not receiver.poll(timeout_s):
            raise too_long_error
        try:
            result = receiver.recv()
        except EOFError:
            child.join(5)
            if child.exitcode == -signal.SIGXCPU:
                raise too_long_error from None
            raise too_big_error from None
    except EOFError:
        raise RenderFailed("The render process ended before it started rendering") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    if result[0] == "ok":
        return result[1]
    if result[0] == "memory":
        raise too_big_error
    raise RenderFailed(result[1], result[2])
