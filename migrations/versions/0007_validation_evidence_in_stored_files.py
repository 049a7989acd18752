"""validation evidence in stored_files: execution evidence moves to the shared store

Every validation_evidence_files row is copied into stored_files (data, sha256, size, name, content
type, uploader and time kept), validation_executions.evidence_id is repointed to the copy and now
references stored_files, then validation_evidence_files is dropped. The downgrade reverses it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 13:25:50.725341

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Frozen views of the tables as this revision knows them (never the app's models, which move on).
metadata = sa.MetaData()
old_evidence = sa.Table(
    'validation_evidence_files', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('filename', sa.String()),
    sa.Column('extension', sa.String()),
    sa.Column('content_type', sa.String()),
    sa.Column('size', sa.Integer()),
    sa.Column('sha256', sa.String()),
    sa.Column('data', sa.LargeBinary()),
    sa.Column('uploaded_by_id', sa.Integer()),
    sa.Column('uploaded_at', sa.DateTime()),
)
stored_files = sa.Table(
    'stored_files', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('sha256', sa.String()),
    sa.Column('size', sa.Integer()),
    sa.Column('content_type', sa.String()),
    sa.Column('original_name', sa.String()),
    sa.Column('data', sa.LargeBinary()),
    sa.Column('created_at', sa.DateTime()),
    sa.Column('created_by_id', sa.Integer()),
)
executions = sa.Table(
    'validation_executions', metadata,
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('evidence_id', sa.Integer()),
)


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

    with op.batch_alter_table('validation_evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_validation_evidence_files_sha256'))
    op.drop_table('validation_evidence_files')


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

    op.create_table('validation_evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('extension', sa.String(length=10), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_validation_evidence_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_validation_evidence_files'))
    )
    with op.batch_alter_table('validation_evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_validation_evidence_files_sha256'), ['sha256'], unique=False)

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
