"""Plain-data contexts per document type, built from the records (never ORM objects in a context).

Each builder takes the source id as text and returns a `Source`: the type-specific variables plus
what the register stores about the record (type, id, version, whether it is approved, signatures).
One module per domain holds its builders (base.py what they share); BUILDERS names the builder of
every document type.
"""

from __future__ import annotations

from app.documents.contexts.audit import audit_extract
from app.documents.contexts.base import Builder, Source, SourceNotFound, signature_rows, text
from app.documents.contexts.inventory import release_diff, soup_list, third_party_notices, traceability_matrix
from app.documents.contexts.suppliers import approved_supplier_list, purchasing_information, supplier_evaluation
from app.documents.contexts.validation import validation_protocol, validation_report

__all__ = ["BUILDERS", "Builder", "Source", "SourceNotFound", "build", "signature_rows", "text"]

BUILDERS: dict[str, Builder] = {
    "audit_extract": audit_extract,
    "soup_list": soup_list,
    "release_diff": release_diff,
    "third_party_notices": third_party_notices,
    "traceability_matrix": traceability_matrix,
    "supplier_evaluation": supplier_evaluation,
    "approved_supplier_list": approved_supplier_list,
    "purchasing_information": purchasing_information,
    "validation_protocol": validation_protocol,
    "validation_report": validation_report,
}


def build(doc_type: str, source_id: str) -> Source:
    """The source of a document type, or SourceNotFound when no builder or no record exists."""
    function = BUILDERS.get(doc_type)
    if function is None:
        raise SourceNotFound(f"Documents of type {doc_type!r} cannot be generated yet.")
    return function(source_id)
