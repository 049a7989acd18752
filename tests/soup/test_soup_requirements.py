"""Provenance's own SOUP requirements, verified by tests of this repository (issue 17, dogfood): each test names the
requirement it verifies with pytest's `record_property`, so the JUnit XML of a run links it (`make test` writes
test-artifacts/junit.xml; the demo imports app/inventory/demo_data/provenance-soup-tests.xml, recorded from this file
by `scripts/record_soup_tests.sh`)."""

from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from defusedxml import ElementTree as SafeTree
from defusedxml.common import EntitiesForbidden
from docx import Document
from sqlalchemy import select

from app.demo import seed_all
from app.documents.render import render_default
from app.documents.variables import example_context
from app.extensions import db
from app.inventory.models import Product, Release
from app.inventory.traceability import matrix
from app.inventory.traceability.tracing import release_matrix

# The identifiers of the demo product "Provenance" (app/inventory/demo.py seeds the same ones).
DOCXTPL_TABLE, ARGON2_VERIFIES, DEFUSEDXML_REFUSES = "SOUP-REQ-1", "SOUP-REQ-2", "SOUP-REQ-3"


def test_docxtpl_renders_a_table_of_1000_rows(record_property):
    record_property("requirements", DOCXTPL_TABLE)
    context = example_context("soup_list")
    row = context["components"][0]
    context["components"] = [{**row, "name": f"package-{n}"} for n in range(1000)]
    document = Document(io.BytesIO(render_default("soup_list", context)))
    names = {cell.text.strip() for table in document.tables for r in table.rows for cell in r.cells}
    assert {f"package-{n}" for n in range(1000)} <= names


def test_argon2_cffi_verifies_a_hash_and_refuses_another_password(record_property):
    record_property("requirements", ARGON2_VERIFIES)
    hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    stored = hasher.hash("correct horse battery staple")
    assert hasher.verify(stored, "correct horse battery staple")
    with pytest.raises(VerifyMismatchError):
        hasher.verify(stored, "correct horse battery stapler")


def test_defusedxml_refuses_an_entity_expansion(record_property):
    record_property("requirements", DEFUSEDXML_REFUSES)
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>'
    with pytest.raises(EntitiesForbidden):
        SafeTree.fromstring(laughs)


def test_the_demo_shows_a_live_matrix_of_these_tests(app):
    """The demo product "Provenance": its three requirements, each verified by the recorded run of the tests above."""
    seed_all(suppliers=0)
    product = db.session.scalar(select(Product).where(Product.name == "Provenance"))
    release = db.session.scalar(select(Release).where(Release.product_id == product.id))
    rows = {row.item.identifier: row for row in release_matrix(release).rows}
    assert {key: row.verdict for key, row in rows.items()} == {
        DOCXTPL_TABLE: matrix.VERIFIED, ARGON2_VERIFIES: matrix.VERIFIED, DEFUSEDXML_REFUSES: matrix.VERIFIED}
    assert rows[ARGON2_VERIFIES].item.tests[0].name == "test_argon2_cffi_verifies_a_hash_and_refuses_another_password"
