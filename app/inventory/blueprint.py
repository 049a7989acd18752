"""The `inventory` blueprint. The inventory pages (views.py) and those of its sub-domains (advisories,
anomaly reviews, licence policy: their views.py, imported at the end of inventory/views.py) register on it,
so no sub-domain imports inventory/views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inventory", __name__)
