"""advisories keep the CVSS base score computed from their newest vector, and their level follows it

Upgrade rule: every stored advisory whose severity text holds a CVSS vector (v4, v3 or v2, told apart by their
prefix and metrics) gets its base score computed with the cvss library, and its level from that score (the level
the database stated stays where there is no vector); the matches of a changed advisory take its new severity rank.
Downgrade drops the score; levels stay as computed.
"""
from alembic import op
import sqlalchemy as sa
from cvss import CVSS2, CVSS3, CVSS4, CVSSError

revision = '0017f'  # created 2026-11-30 09:35:00
down_revision = '0017e'

LEVELS = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}
RANKS = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _base(text):
    """(score, level) of the newest CVSS version among the '; '-joined vectors, or None."""
    parsed = {}
    for piece in (text or "").split(";"):
        vector = piece.strip()
        try:
            if vector.startswith("CVSS:4"):
                parsed.setdefault(4, (CVSS4(vector), True))
            elif vector.startswith("CVSS:3"):
                parsed.setdefault(3, (CVSS3(vector), False))
            elif "Au:" in vector and "AV:" in vector:
                parsed.setdefault(2, (CVSS2(vector), False))
        except (CVSSError, ValueError, KeyError, IndexError, TypeError):
            continue
    for version in (4, 3, 2):
        if version in parsed:
            cvss, is_v4 = parsed[version]
            word = cvss.severity if is_v4 else cvss.severities()[0]
            return float(cvss.base_score), LEVELS.get(str(word).lower(), "")
    return None


def upgrade():
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity_score', sa.Float(), nullable=True))
    connection = op.get_bind()
    advisories = sa.table('advisories', sa.column('id', sa.Integer), sa.column('severity', sa.Text),
                          sa.column('severity_level', sa.String), sa.column('severity_score', sa.Float))
    matches = sa.table('advisory_matches', sa.column('advisory_id', sa.Integer), sa.column('severity_rank', sa.Integer))
    rows = connection.execute(sa.select(advisories.c.id, advisories.c.severity, advisories.c.severity_level)
                              .where(advisories.c.severity.like('%/%'))).all()
    for advisory_id, severity, old_level in rows:
        base = _base(severity)
        if base is None:
            continue
        score, level = base
        level = level or old_level
        connection.execute(advisories.update().where(advisories.c.id == advisory_id)
                           .values(severity_score=score, severity_level=level))
        if level != old_level:
            connection.execute(matches.update().where(matches.c.advisory_id == advisory_id)
                               .values(severity_rank=RANKS.get(level, 4)))


def downgrade():
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.drop_column('severity_score')
