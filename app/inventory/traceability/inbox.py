"""Traceability tasks for My tasks: draft releases whose SOUP requirements wait to be re-assessed for a new version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Flask, url_for
from sqlalchemy import func, select

from app.access import Permission
from app.extensions import db
from app.inbox.registry import Task, TaskGroup, add_sources
from app.inventory.models import Product, Release, ReleaseStatus
from app.inventory.traceability import services


def _newest_drafts() -> Any:
    return (select(func.max(Release.id)).where(Release.status == ReleaseStatus.DRAFT)
            .group_by(Release.product_id).scalar_subquery())


def traceability_tasks(user: Any, _today: date, limit: int) -> Sequence[TaskGroup]:
    """SOUP requirements recorded for another version of a package the newest draft of a product ships."""
    if not user.has(Permission.INVENTORY_EDIT):
        return []
    count, rows = services.reassess_counts(_newest_drafts(), limit)
    names = dict(db.session.execute(select(Release.id, Product.name + " " + Release.version).join(
        Product, Product.id == Release.product_id).where(Release.id.in_([row[0] for row in rows]))).tuples().all()) \
        if rows else {}
    return [TaskGroup("inventory.requirements_reassess", "SOUP requirements to re-assess for a new version", count, [
        Task(names.get(release_id, str(release_id)),
             url_for("inventory.release_requirements", release_id=release_id, state="reassess"),
             f"{open_count} requirement(s) recorded for another version")
        for release_id, open_count in rows], area="Inventory")]


def init_app(app: Flask) -> None:
    """Hand the traceability tasks to My tasks."""
    add_sources(app, traceability_tasks)
