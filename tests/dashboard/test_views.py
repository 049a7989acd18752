"""The home page costs the same few queries for a small and for a large company: counts in SQL, the first few items
with LIMIT, anomaly reviews due from the stored schedule, open advisories from the stored release summaries."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import event, insert

from app.access import Role
from app.db import utcnow
from app.extensions import db
from app.inventory.advisories import services as advisory_services
from app.questionnaires import services as questionnaire_services
from app.questionnaires.models import Evaluation
from app.suppliers.demo import seed_generated
from app.suppliers.models import Certificate, Supplier
from tests.inventory.advisory_records import make_release

STATES = ("sent", "in_progress", "submitted", "scored")


def company(scale: int) -> None:
    """`scale` times: 90 suppliers (some due), 10 certificates expiring, 8 evaluations waiting, a class B release of
    10 components with 10 advisories."""
    seed_generated(90 * scale)
    now = utcnow()
    today = now.date()
    suppliers = list(db.session.scalars(db.select(Supplier.id).order_by(Supplier.id)))
    db.session.execute(insert(Certificate), [
        {"supplier_id": supplier_id, "standard": "ISO 9001", "valid_until": today + timedelta(days=n % 40 - 5),
         "version": 1} for n, supplier_id in enumerate(suppliers[: 10 * scale])])
    template = questionnaire_services.ensure_default_templates()[0]
    db.session.execute(insert(Evaluation), [
        {"supplier_id": suppliers[n], "template_id": template.id, "status": STATES[n % 4], "reference": f"EV-T{scale}-{n:05d}",
         "due_date": today + timedelta(days=n % 30) if n % 3 else None, "knockout_hits": [], "version": 1}
        for n in range(8 * scale)])
    release = make_release(*[("pypi", f"lib-{n:03d}", "1.0") for n in range(10 * scale)], safety_class="B",
                           product=f"Pump x{scale}")
    records = [{"id": f"X{scale}-{n:03d}", "affected": [{"package": {"ecosystem": "PyPI", "name": f"lib-{n:03d}"},
                                                          "versions": ["1.0"]}]} for n in range(10 * scale)]
    advisory_services.import_advisories("x.json", json.dumps(records).encode(), channel="cli")
    db.session.commit()
    assert release.id


def statements_of_home(client) -> tuple[int, str]:
    seen: list[str] = []

    def listener(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_the_home_page_of_qa_runs_the_same_bounded_queries_for_a_company_ten_times_larger(app, login_as):
    client = login_as(Role.QA)
    company(1)
    small, small_page = statements_of_home(client)
    company(9)  # ten times the data in all
    large, large_page = statements_of_home(client)

    # My tasks (the user's own tasks, first on the page) asks ~25 of them, the overview panels the rest
    assert small == large <= 55
    for page in (small_page, large_page):
        assert "Supplier qualification" in page and "SOUP monitoring" in page
    # the first few of each list, whatever the totals: the small company fills fewer of them, nothing more
    assert large_page.count("<li>") - small_page.count("<li>") <= 40 and len(large_page) < len(small_page) + 8000
    assert "Pump x9 1.0" in large_page or "Pump x1 1.0" in large_page
