"""The third-party notices of a release from a real SBOM (Laravel 7.12.0's CycloneDX 1.4, ../shared/realworld): the
text NOTICE of the frozen release and its Word record list the same components under the licences the SBOM gives,
counted here from the raw JSON, and print the licence texts as texts: the SPDX templates the app ships are read
without their markup."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
import spdx
from docx import Document
from sqlalchemy import select

from app.access import Role
from app.documents import services as documents
from app.extensions import db
from app.inventory.attribution import licence_text
from app.inventory.licences.texts import has_markup, template_text
from app.inventory.models import Component
from tests.documents.docx_helpers import docx_text
from tests.helpers import REALWORLD
from tests.inventory.factories import release_with
from tests.inventory.gated import make_ready_otss, sign_and_freeze

LARAVEL = REALWORLD / "cyclonedx" / "laravel-7.12.0.cdx-1.4.json"


def _raw_licences() -> Counter[str]:
    """How many of the SBOM's components carry each licence id, straight from the JSON."""
    components = json.loads(LARAVEL.read_bytes())["components"]
    return Counter(entry["license"]["id"] for c in components for entry in c.get("licenses", []))


@pytest.fixture
def frozen(app, make_user):
    engineer = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    release, _ = release_with("Portal", "7.12.0", {"bom.json": LARAVEL.read_bytes()}, by=engineer)
    make_ready_otss(release, engineer)
    sign_and_freeze(release, engineer, qa)
    db.session.commit()
    return release


def test_the_notice_of_a_frozen_release_lists_every_component_under_its_licence_with_the_texts(frozen, login_as):
    client = login_as(Role.AUDITOR)
    response = client.get(f"/releases/{frozen.id}/notices.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('-NOTICE.txt"')
    notice = response.get_data(as_text=True)
    raw = _raw_licences()
    assert sum(raw.values()) == 62
    for licence, count in raw.items():
        assert f"Licence: {licence} ({count} component{'s' if count != 1 else ''})" in notice
    for name, version in db.session.execute(select(Component.name, Component.version)
                                            .where(Component.release_id == frozen.id)):
        assert f"- {name} {version}" in notice
    assert "SOUP list approved by Quinn Quality on " in notice
    for licence in raw:
        assert f"--- {licence}: " in notice
    assert "Author or supplier: Alexander" in notice  # asm89/stack-cors: the SBOM's author


def test_the_word_record_lists_the_same_components_and_licences_as_the_text(frozen):
    document = documents.generate("third_party_notices", str(frozen.id), by=None)
    assert not document.draft
    rows = []
    for table in Document(io.BytesIO(document.data)).tables:
        header = [cell.text.strip() for cell in table.rows[0].cells]
        if header[:3] == ["Name", "Version", "Licence"]:
            rows = [[cell.text.strip() for cell in row.cells] for row in table.rows[1:]]
    assert Counter(row[2] for row in rows) == _raw_licences()
    components = set(db.session.execute(select(Component.name, Component.version).where(Component.release_id == frozen.id)))
    assert {(row[0], row[1]) for row in rows} == components
    text = docx_text(document.data)
    assert "Permission is hereby granted, free of charge" in text and "Apache License" in text
    assert "{{" not in text and "{%" not in text


def test_a_draft_gets_no_text_notice_but_a_word_copy_marked_draft(app, login_as):
    client = login_as(Role.ENGINEER)
    release, _ = release_with("Portal", "8.0.0", {"bom.json": LARAVEL.read_bytes()})
    response = client.get(f"/releases/{release.id}/notices.txt")
    assert response.status_code == 409 and "frozen release" in response.get_data(as_text=True)
    document = documents.generate("third_party_notices", str(release.id), by=None)
    assert document.draft and "DRAFT" in docx_text(document.data)
    page = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert 'name="doc_type" value="third_party_notices"' in page


# The SPDX licence list's own plain text of BSD-3-Clause (spdx/license-list-data, text/BSD-3-Clause.txt).
BSD_3_CLAUSE_TEXT = """Copyright (c) <year> <owner>. All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted provided that the \
following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions and the following \
disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice, this list of conditions and the \
following disclaimer in the documentation and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote \
products derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, \
INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE \
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, \
SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR \
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, \
WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE \
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE."""
MARKUP = ("<<var", "<<beginOptional", "<<endOptional", ";original=", ";match=")


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_notice_and_the_word_record_print_licence_texts_not_template_markup(frozen, login_as):
    """A reader found '<<var;name=copyright;original=...;match=.+>>' in the BSD-3-Clause text of the notices."""
    notice = login_as(Role.AUDITOR).get(f"/releases/{frozen.id}/notices.txt").get_data(as_text=True)
    word = docx_text(documents.generate("third_party_notices", str(frozen.id), by=None).data)
    for text in (notice, word):
        assert [mark for mark in MARKUP if mark in text] == []
        assert words(BSD_3_CLAUSE_TEXT) in words(text)


def test_every_licence_template_the_app_ships_reads_as_its_text():
    """Every template of the packaged SPDX list: no markup left; each variable reads as its original wording and each
    optional part keeps its content (the text differs from the template's words only by the markup)."""
    variable = re.compile(r"<<var;.*?original=(.*?);match=.*?>>", re.DOTALL)
    optional = re.compile(r"<<beginOptional.*?>>|<<endOptional>>")
    templated = 0
    for record in spdx.licenses():
        template = spdx.License(record).template
        text = template_text(template)
        assert not has_markup(text) and "<<" not in text and ">>" not in text, record["id"]
        expected = optional.sub("", variable.sub(lambda found: found.group(1), template))
        assert re.sub(r"\s", "", text) == re.sub(r"\s", "", expected), record["id"]
        assert text.count("  ") <= template.count("  "), record["id"]  # no double space where a marker was
        templated += has_markup(template)
    assert templated == 48  # the templates that hold markup, of the 322 the package ships


def test_a_template_reads_as_the_licence_list_s_plain_text():
    assert words(template_text(licence_text("BSD-3-Clause").text)) == words(BSD_3_CLAUSE_TEXT)
    apache = template_text(licence_text("Apache-1.1").text)  # an optional appendix: kept, without its marker
    assert "DAMAGE.\n\nThis software consists of voluntary contributions" in apache
    assert 'Products derived from this software may not be called "Apache"' in apache  # an original holding quotes


def test_the_quoted_notation_of_newer_licence_lists_reads_the_same():
    """License list 3.x quotes every field (spdx/license-list-data, template/BSD-3-Clause.template.txt)."""
    template = ('<<var;name="copyright";original="Copyright (c) <year> <owner>.  ";match=".{0,5000}">>\n\n'
                'Redistribution and use in source and binary forms, with or without modification, '
                '<<var;name="tobe";original="are";match="are|is">> permitted provided that the following conditions '
                'are met:\n\n   <<var;name="bullet";original="1.";match=".{0,20}">> Redistributions of '
                '<<var;name="code";original="source code";match="source code|works">> must retain')
    assert template_text(template) == (
        "Copyright (c) <year> <owner>.\n\nRedistribution and use in source and binary forms, with or without "
        "modification, are permitted provided that the following conditions are met:\n\n   1. Redistributions of "
        "source code must retain")
