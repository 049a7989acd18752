"""Third-party notices, the pure core: components grouped by licence, the licence texts from the SPDX list packaged
by `spdx` (read here straight from the package's files, not through the core), and the plain-text NOTICE."""

from __future__ import annotations

from pathlib import Path

import spdx

from app.inventory.attribution import NO_LICENCE, NoticeItem, group_by_licence, licence_text, licence_texts, notice_text
from app.inventory.licences.expressions import licence_ids

SPDX_TEXTS = Path(spdx.__file__).parent / "data"
ITEMS = [
    NoticeItem("requests", "2.32.3", "Apache-2.0", author="Kenneth Reitz", purl="pkg:pypi/requests@2.32.3"),
    NoticeItem("six", "1.17.0", "MIT", author="Benjamin Peterson"),
    NoticeItem("attrs", "24.2.0", "MIT"),
    NoticeItem("mystery", "0.1", ""),
    NoticeItem("cryptography", "43.0.1", "Apache-2.0 OR BSD-3-Clause"),
    NoticeItem("readline", "8.2", "GPL-3.0-or-later"),
]


def test_components_are_grouped_by_licence_expression_in_name_order_with_the_undeclared_last():
    groups = group_by_licence(ITEMS)
    assert [(g.licence, [i.name for i in g.items]) for g in groups] == [
        ("Apache-2.0", ["requests"]), ("Apache-2.0 OR BSD-3-Clause", ["cryptography"]),
        ("GPL-3.0-or-later", ["readline"]), ("MIT", ["attrs", "six"]), (NO_LICENCE, ["mystery"])]


def test_every_licence_id_named_gets_its_text_from_the_spdx_list_once():
    texts = licence_texts(group_by_licence(ITEMS), licence_ids)
    assert [t.licence_id for t in texts] == ["Apache-2.0", "BSD-3-Clause", "GPL-3.0-or-later", "MIT"]
    by_id = {t.licence_id: t for t in texts}
    assert by_id["MIT"].text == (SPDX_TEXTS / "MIT.txt").read_text(encoding="utf-8").strip()
    assert by_id["Apache-2.0"].name == "Apache License 2.0"
    # "-or-later" grants a later version of the same text: the GPL-3.0 text
    assert by_id["GPL-3.0-or-later"].text == (SPDX_TEXTS / "GPL-3.0.txt").read_text(encoding="utf-8").strip()


def test_an_id_without_a_packaged_text_is_named_with_its_spdx_address_never_guessed():
    entry = licence_text("LicenseRef-Acme-Proprietary")
    assert entry.text == "" and entry.url == "https://spdx.org/licenses/LicenseRef-Acme-Proprietary.html"
    groups = group_by_licence([NoticeItem("acme", "1.0", "LicenseRef-Acme-Proprietary")])
    notice = notice_text("Pump", "1.0", groups, licence_texts(groups, licence_ids))
    assert "The text of LicenseRef-Acme-Proprietary is at https://spdx.org/licenses/LicenseRef-Acme-Proprietary.html" in notice


def test_the_notice_lists_each_component_under_its_licence_then_the_texts():
    groups = group_by_licence(ITEMS)
    notice = notice_text("Infusion pump", "2.0", groups, licence_texts(groups, licence_ids),
                         approved="SOUP list approved by Quinn Quality on 2026-11-30.")
    assert notice.startswith("Third-party software notices: Infusion pump 2.0\n")
    assert "includes the following 6 third-party software components" in notice
    mit = notice.index("Licence: MIT (2 components)")
    assert mit < notice.index("- attrs 24.2.0") < notice.index("- six 1.17.0")
    assert "    Author or supplier: Kenneth Reitz" in notice and "    Package URL: pkg:pypi/requests@2.32.3" in notice
    assert notice.index(f"Licence: {NO_LICENCE} (1 component)") < notice.index("Licence texts")
    assert "--- MIT: MIT License ---" in notice and "Permission is hereby granted, free of charge" in notice
