"""The baseline of bench_supplier_list: a bare Flask + SQLAlchemy page rendering the same 50 rows.

No login, no session, no CSRF, no layout: one query and a small template. Served by gunicorn with the
same worker count as the real app (`gunicorn bench.bare_supplier_app:app`), on the same database.
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["BENCH_DATABASE_URL"])

PAGE = """<!doctype html><html><head><title>Suppliers</title></head><body><h1>Suppliers</h1>
<table><thead><tr><th>Code</th><th>Name</th><th>Kind</th><th>Criticality</th><th>Status</th><th>Next re-evaluation</th></tr></thead>
<tbody>{% for s in rows %}<tr><td>{{ s.code }}</td><td><a href="/suppliers/{{ s.id }}">{{ s.name }}</a></td><td>{{ s.kind }}</td>
<td>{{ s.criticality }}</td><td>{{ s.status }}</td><td>{{ s.next_reevaluation_due or '' }}</td></tr>{% endfor %}</tbody></table>
</body></html>"""


@app.route("/suppliers/")
def suppliers() -> str:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, code, name, kind, criticality, status, next_reevaluation_due FROM suppliers "
            "ORDER BY name, id LIMIT 50"
        )).mappings().all()
    return render_template_string(PAGE, rows=rows)
