"""Word generation: the approved supplier list for 1,000 suppliers through the app against docxtpl alone.

"Through the app" is documents.services.generate(): build the plain-data context from the database,
render the default template in the sandboxed environment, check the output and store it in the register.
The baseline renders the same default template with the same context by calling docxtpl directly.
Both run in this process, alternating, ROUNDS times; the medians are printed:

    bench docx_asl_1000 ratio=<app/docxtpl> app_s=<median> docxtpl_s=<median> uploaded_overhead_s=<median>

uploaded_overhead_s is the extra time of rendering the same template as an uploaded one (child process
with time and memory limits) instead of in process. Target: ratio <= 2. BENCH_ROUNDS, BENCH_ASL_SUPPLIERS.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SUPPLIERS = int(os.environ.get("BENCH_ASL_SUPPLIERS", "1000"))


def run() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from docxtpl import DocxTemplate
    from sqlalchemy import insert

    from app import create_app
    from app.db import utcnow
    from app.documents import contexts, render, services
    from app.extensions import db
    from app.suppliers.models import Certificate, Supplier

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PROVENANCE_INSTANCE_PATH"] = tmp
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            now = utcnow()
            db.session.execute(insert(Supplier), [
                {"code": f"ASL-{n:05d}", "name": f"Supplier {n:05d} & Sons <GmbH>", "kind": "commercial_vendor",
                 "status": "approved" if n % 4 else "conditionally_approved", "criticality": "major",
                 "scope": f"Component family {n % 37}", "conditions": "" if n % 4 else "Send the ISO 13485 certificate",
                 "approved_at": now, "next_reevaluation_due": now.date(), "version": 1}
                for n in range(SUPPLIERS)
            ])
            ids = db.session.scalars(db.select(Supplier.id)).all()
            db.session.execute(insert(Certificate), [
                {"supplier_id": supplier_id, "standard": "ISO 9001", "number": f"Q-{supplier_id}",
                 "issuer": "TÜV", "valid_until": now.date()} for supplier_id in ids
            ])
            db.session.commit()

            source = contexts.build("approved_supplier_list", "current")
            context = services.build_context("approved_supplier_list", source, number="ASL-current", revision=1,
                                             by_name="bench")
            template_path = ROOT / "templates" / "docx" / "approved_supplier_list.docx"
            template_bytes = template_path.read_bytes()

            def through_app() -> None:
                services.generate("approved_supplier_list", "current", by=None)
                db.session.rollback()

            def docxtpl_alone() -> None:
                document = DocxTemplate(str(template_path))
                document.render(context, jinja_env=render.make_environment())  # the sandbox + our filters
                document.save(io.BytesIO())

            def in_process() -> None:
                render.render_default("approved_supplier_list", context)

            def uploaded() -> None:
                render.render_uploaded("approved_supplier_list", template_bytes, context)

            timings: dict[str, list[float]] = {name: [] for name in ("app", "docxtpl", "in_process", "uploaded")}
            through_app()  # warm caches (template parsing, imports) before measuring
            docxtpl_alone()
            for _ in range(ROUNDS):
                for name, function in (("app", through_app), ("docxtpl", docxtpl_alone),
                                       ("in_process", in_process), ("uploaded", uploaded)):
                    start = time.perf_counter()
                    function()
                    timings[name].append(time.perf_counter() - start)
            median = {name: statistics.median(values) for name, values in timings.items()}
            rows = len(context["suppliers"])
    ratio = median["app"] / median["docxtpl"]
    return [
        f"bench docx_asl_1000 ratio={ratio:.2f} app_s={median['app']:.3f} docxtpl_s={median['docxtpl']:.3f} "
        f"uploaded_overhead_s={median['uploaded'] - median['in_process']:.3f} rows={rows} rounds={ROUNDS} target<=2"
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
