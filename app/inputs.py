"""The input boundary for text: no NUL or other control characters reach a service or a query.

PostgreSQL refuses a NUL byte in text (the request died with a 500), SQLite stores it and the XLSX export
then failed for everyone, and other control characters are invisible in pages and illegal in XLSX/XML.
So text is refused where it enters, with a message that says why:

- every form derives from `BaseForm`, whose every text field (StringField and its kin, TextAreaField) gets
  the `NoControlCharacters` check first (single-line fields: no control character at all; multi-line text:
  tab, CR and LF allowed);
- `refuse_control_characters` (a before_request hook) answers 400 to a query-string argument, a URL part or
  a JSON value that holds one, so list filters, searches and the JSON API never pass one to the database.

The same goes for numbers in a URL: `RowId` is every route's `<int:…>` and matches only a row id PostgreSQL's
INTEGER can hold, so /suppliers/99999999999 is a 404 instead of a query the database refuses (a 500).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Request, abort, request
from flask_wtf import FlaskForm
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, Map
from wtforms import Field, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import StopValidation

from app import nesting, submissions
from app.db import ROW_ID_MAX


class RowId(IntegerConverter):
    """`<int:…>` in every route: 0 to ROW_ID_MAX unless the route says otherwise; a larger number matches no
    route (404) rather than reaching the database."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = ROW_ID_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

# C0 controls, DEL and C1 controls. Multi-line text keeps tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = "Remove the control characters (such as a NUL byte) from this text: they cannot be stored."


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when the text holds a control character (multi-line text may hold tab, CR and LF)."""
    return bool((_CONTROL_MULTILINE if multiline else _CONTROL).search(text))


class NoControlCharacters:
    """WTForms validator: refuse control characters, before any other check of the field runs."""

    def __init__(self, *, multiline: bool = False, message: str = MESSAGE) -> None:
        self.multiline = multiline
        self.message = message

    def __call__(self, _form: Any, field: Field) -> None:
        values = field.data if isinstance(field.data, list | tuple) else [field.data]
        if any(isinstance(value, str) and has_control_characters(value, multiline=self.multiline)
               for value in values):
            field.errors[:] = []
            raise StopValidation(self.message)


class WholeNumberField(IntegerField):
    """An IntegerField that refuses a number of more than 18 digits before any validator sees it: WTForms'
    NumberRange converts to float, and a 400-digit number raised OverflowError (a 500)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str) and len(valuelist[0].strip().lstrip("+-")) > 18:
            self.data = None
            raise ValueError(self.gettext("Enter a whole number of at most 18 digits."))
        super().process_formdata(valuelist)


class BaseForm(FlaskForm):
    """The base of every form: each text field refuses control characters first, and the form carries the random
    id that makes it saved once however often it is sent (app/submissions.py)."""

    submission_id = HiddenField(default=submissions.new_id, render_kw={"id": False})  # no id: a page has many forms

    class Meta(FlaskForm.Meta):  # type: ignore[name-defined,misc]
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field: Field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):
                check = NoControlCharacters(multiline=isinstance(field, TextAreaField))
                field.validators = [check, *field.validators]
            return field


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def refuse_control_characters() -> None:
    """400 for a control character in the query string, the URL's parts or a JSON body (before_request)."""
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            abort(400, f"The address holds control characters (such as a NUL byte) in {key!r}. Remove them.")
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and has_control_characters(value):
            abort(400, "The address holds control characters (such as a NUL byte). Remove them.")
    if request.is_json:
        try:
            body = nesting.load_json(request.get_data(cache=True))
        except nesting.UnreadableData as error:  # too deep, a NUL or lone surrogate, a number too long
            abort(400, f"The JSON cannot be read: {error}.")
        except ValueError:  # not JSON at all (or not UTF-8): the view says so in its own words
            return
        if any(has_control_characters(text, multiline=True) for text in _strings(body)):
            abort(400, "The JSON holds control characters (such as a NUL byte) that cannot be stored.")


UNREADABLE_FORM = ("The form could not be read: a file name or a field in it is not UTF-8 text, or the upload was cut "
                   "short. Nothing was saved. Rename the file (letters, digits and dashes are safe) and send the form "
                   "again.")


class _NotingFormParser(FormDataParser):
    """werkzeug's form parser, which drops a form it cannot parse without a word (a file name that is not UTF-8, a
    body cut short): this one drops it too, and notes it on its request (`form_unreadable`)."""

    request: Any = None

    def parse(self, stream: Any, mimetype: str, content_length: int | None,
              options: dict[str, str] | None = None) -> Any:
        silent, self.silent = self.silent, False
        try:
            return super().parse(stream, mimetype, content_length, options)
        except ValueError:  # UnicodeDecodeError included; a too large body (413) is no ValueError and goes on
            if self.request is not None:
                self.request.form_unreadable = True
            return stream, self.cls(), self.cls()
        finally:
            self.silent = silent


class AppRequest(Request):
    """The app's request: it knows when its form could not be read (`unreadable_form`)."""

    form_data_parser_class = _NotingFormParser
    form_unreadable = False

    def make_form_data_parser(self) -> FormDataParser:
        parser = super().make_form_data_parser()
        if isinstance(parser, _NotingFormParser):
            parser.request = self
        return parser


def unreadable_form() -> bool:
    """A form the request sent that could not be parsed: werkzeug drops it whole, so the view would see an empty
    form and the CSRF check a missing token."""
    if request.method != "POST":
        return False
    request.form  # noqa: B018 - parsed here if nothing read it yet
    return bool(getattr(request, "form_unreadable", False))


def refuse_unreadable_form() -> None:
    """400 with the reason for a multipart form that could not be read (before_request), rather than a refusal
    of its empty remains ("the form has expired", "choose a file")."""
    if unreadable_form():
        abort(400, UNREADABLE_FORM)
