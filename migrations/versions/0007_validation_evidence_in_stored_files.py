"""validation evidence in stored_files: execution evidence moves to the shared store

Every validation_evidence_files row is copied into stored_files (data, sha256, size, name, content
type, uploader and time kept), validation_executions.evidence_id is repointed to the copy and now
references stored_files, then validation_evidence_files is dropped. The downgrade reverses it.
"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import create_validation_evidence_files, drop_table

revision = '0007'  # created 2026-11-21 13:25:50
down_revision = '0006'

# Frozen views of the tables as this revision knows them (never the app's models, which move on).
metadata = sa.MetaData()


def frozen(name, **columns):
    """A table as this revision knows it: an integer id primary key and `columns` ({name: type})."""
    return sa.Table(name, metadata, sa.Column('id', sa.Integer(), primary_key=True),
                    *(sa.Column(column, type_()) for column, type_ in columns.items()))


old_evidence = frozen('validation_evidence_files', filename=sa.String, extension=sa.String,
                      content_type=sa.String, size=sa.Integer, sha256=sa.String, data=sa.LargeBinary,
                      uploaded_by_id=sa.Integer, uploaded_at=sa.DateTime)
stored_files = frozen('stored_files', sha256=sa.String, size=sa.Integer, content_type=sa.String,
                      original_name=sa.String, data=sa.LargeBinary, created_at=sa.DateTime,
                      created_by_id=sa.Integer)
executions = frozen('validation_executions', evidence_id=sa.Integer)


def _repoint(connection, moved: dict[int, int]) -> None:
    """Point each execution at the new id of its evidence (by execution id, so old and new ids never mix)."""
    rows = connection.execute(
        sa.select(executions.c.id, executions.c.evidence_id).where(executions.c.evidence_id.is_not(None))
    ).all()
    for execution_id, evidence_id in rows:
        connection.execute(
            executions.update().where(executions.c.id == execution_id).values(evidence_id=moved[evidence_id])
        )


def upgrade():
    connection = op.get_bind()
    with op.batch_alter_table('validation_executions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_validation_executions_evidence_id_validation_evidence_files'), type_='foreignkey')

    moved: dict[int, int] = {}
    for (old_id,) in connection.execute(sa.select(old_evidence.c.id).order_by(old_evidence.c.id)).all():
        row = connection.execute(sa.select(old_evidence).where(old_evidence.c.id == old_id)).one()
        result = connection.execute(stored_files.insert().values(
            sha256=row.sha256, size=row.size, content_type=row.content_type, original_name=row.filename,
            data=row.data, created_at=row.uploaded_at, created_by_id=row.uploaded_by_id,
        ))
        moved[old_id] = result.inserted_primary_key[0]
    _repoint(connection, moved)

    with op.batch_alter_table('validation_executions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_validation_executions_evidence_id_stored_files'), 'stored_files', ['evidence_id'], ['id'])

    drop_table('validation_evidence_files', 'ix_validation_evidence_files_sha256')


def _extension(name: str) -> str:
    return name.rsplit('.', 1)[-1].lower()[:10] if '.' in name else ''


def downgrade():
    connection = op.get_bind()
    evidence_ids = sorted(connection.execute(
        sa.select(executions.c.evidence_id).where(executions.c.evidence_id.is_not(None)).distinct()
    ).scalars())
    anonymous = connection.execute(
        sa.select(stored_files.c.id).where(stored_files.c.id.in_(evidence_ids), stored_files.c.created_by_id.is_(None))
    ).scalars().all() if evidence_ids else []
    if anonymous:
        raise RuntimeError(
            'Cannot downgrade 0007: validation_evidence_files needs an uploader, but execution evidence '
            f'stored_files {sorted(anonymous)} has none. Set stored_files.created_by_id for them first.'
        )

    create_validation_evidence_files()

    with op.batch_alter_table('validation_executions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_validation_executions_evidence_id_stored_files'), type_='foreignkey')

    moved: dict[int, int] = {}
    for stored_id in evidence_ids:
        row = connection.execute(sa.select(stored_files).where(stored_files.c.id == stored_id)).one()
        result = connection.execute(old_evidence.insert().values(
            filename=row.original_name[:200], extension=_extension(row.original_name),
            content_type=row.content_type[:100], size=row.size, sha256=row.sha256, data=row.data,
            uploaded_by_id=row.created_by_id, uploaded_at=row.created_at,
        ))
        moved[stored_id] = result.inserted_primary_key[0]
    _repoint(connection, moved)
    if evidence_ids:
        connection.execute(stored_files.delete().where(stored_files.c.id.in_(evidence_ids)))

    with op.batch_alter_table('validation_executions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_validation_executions_evidence_id_validation_evidence_files'), 'validation_evidence_files', ['evidence_id'], ['id'])
