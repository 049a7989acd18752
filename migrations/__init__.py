"""Alembic's migration environment and the helpers its revision scripts share (migrations.helpers)."""
