"""The demo seed: evaluations in each state on the demo suppliers and one open link that `make run` prints."""

from __future__ import annotations

from sqlalchemy import select

from app.audit import services as audit
from app.extensions import db
from app.questionnaires.models import Evaluation, EvaluationStatus


def test_demo_seed_has_every_evaluation_state_and_prints_one_open_link(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # idempotent
    statuses = list(db.session.scalars(select(Evaluation.status)))
    assert set(statuses) == {s.value for s in EvaluationStatus}
    assert len(statuses) == 11

    output = runner.invoke(args=["demo", "logins"]).output
    line = next(line for line in output.splitlines() if "Supplier questionnaire link" in line)
    assert "http://127.0.0.1:5000/portal/" in line  # no BASE_URL and no request: the default address
    path = "/portal/" + line.split("/portal/", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "Grafana Labs" in page.get_data(as_text=True)
    assert audit.verify().ok
