"""The SOUP list and the release diff print every component from the records."""

from __future__ import annotations

from sqlalchemy import select

from app.documents import services
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import Component
from tests.documents.docx_helpers import docx_text

REQUIREMENTS_V1 = b"flask==3.0.0\njinja2==3.1.2\nrequests==2.31.0\n"
REQUIREMENTS_V2 = b"flask==3.1.3\njinja2==3.1.2\nurllib3==2.2.0\n"


def import_release(version: str, content: bytes):
    release = inventory.ensure_release("Infusion pump UI", version)
    inventory.import_files(release, [inventory.UploadedFile("requirements.txt", content)])
    db.session.commit()
    return release


def test_the_soup_list_has_a_row_for_each_component_of_the_release(app):
    release = import_release("1.0", REQUIREMENTS_V1)
    document = services.generate("soup_list", str(release.id), by=None)
    text = docx_text(document.data)
    names = db.session.scalars(select(Component.name).where(Component.release_id == release.id)).all()
    assert len(names) == 3
    for name in names:
        assert name in text
    assert "3.0.0" in text and "Infusion pump UI" in text
    assert document.draft and "DRAFT" in text  # a draft release is not approved
    assert "{{" not in text and "{%" not in text


def test_the_release_diff_lists_added_removed_and_upgraded_components(app):
    import_release("1.0", REQUIREMENTS_V1)
    release = import_release("2.0", REQUIREMENTS_V2)
    document = services.generate("release_diff", str(release.id), by=None)
    text = docx_text(document.data)
    assert "urllib3" in text and "requests" in text
    assert "3.0.0" in text and "3.1.3" in text
    assert document.source_id.endswith(f":{release.id}")


def _table_rows(data: bytes, header: str) -> list[dict[str, str]]:
    """The rows of the document's table whose header row holds `header`, as {column: text}."""
    import io

    from docx import Document

    for table in Document(io.BytesIO(data)).tables:
        names = [cell.text.strip() for cell in table.rows[0].cells]
        if header in names:
            return [dict(zip(names, (cell.text.strip() for cell in row.cells), strict=False)) for row in table.rows[1:]]
    raise AssertionError(f"no table with a {header!r} column")


def test_the_soup_list_prints_signatures_items_covered_by_vex_waivers_and_direct_yes_no_unknown(app, make_user):
    from app.access import Role
    from app.inventory import gates
    from tests.helpers import PASSWORD
    from tests.inventory.gated import components_of, gated_release, sign_and_freeze

    engineer = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    release = gated_release(engineer)
    item = inventory.add_software_item(release.product, "Pump API", "B")
    found = components_of(release)
    inventory.assign_software_item(release, [found["flask"].id], item.id, by=engineer)
    click = found["click"]
    found["flask"].direct = True
    click.direct, click.parents = False, ["pkg:pypi/flask@3.0.0"]
    os_item = inventory.add_component(release, {"name": "Ubuntu Server", "version": "22.04.4",
                                                "component_type": "operating-system", "classification": "otss",
                                                "licence_expression": "MIT", "cpe": "cpe:2.3:o:canonical:ubuntu_linux:22.04"},
                                      by=engineer)
    os_item.direct = None
    os_item.assessed = True
    inventory.update_component(click, {"licence_expression": ""}, by=engineer)
    gates.waive_licence(click, "Command-line helper, licence checked by hand", signer=qa, password=PASSWORD)
    db.session.commit()
    sign_and_freeze(release, engineer, qa)
    db.session.commit()

    document = services.generate("soup_list", str(release.id), by=None)
    text = docx_text(document.data)
    assert "Erin Engineer" in text and "Quinn Quality" in text and not document.draft
    rows = {row["Title"]: row for row in _table_rows(document.data, "Direct")}
    assert rows["flask"]["Direct"] == "yes" and rows["flask"]["Software item"] == "Pump API"
    assert rows["click"]["Direct"] == "no" and rows["click"]["Covered by"] == "flask 3.0.0"
    assert rows["Ubuntu Server"]["Direct"] == "unknown" and rows["Ubuntu Server"]["Type"] == "Operating system"
    facts = {row["Title and version"]: row for row in _table_rows(document.data, "Advisories and their VEX state")}
    assert "PYSEC-GATE-1: Not affected (Vulnerable code not in execute path)" in facts["flask 3.0.0"][
        "Advisories and their VEX state"]
    assert "Licence waiver: Command-line helper" in facts["click 8.1.7"]["Waivers, licence decisions, supplier exemptions"]
    assert "signed by Quinn Quality" in facts["click 8.1.7"]["Waivers, licence decisions, supplier exemptions"]
