"""What the revision scripts in versions/ share: typed columns, a table with its id, keys and indexes, its drop.

The revisions import it as `migrations.helpers`: alembic.ini puts the project folder on sys.path (so do
`flask --app wsgi` and pytest). The revisions are history: every helper here must keep emitting exactly
the DDL it emits today, so change none that a revision uses; add a new one instead.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def column(name, type_, *, nullable=False, references=None, ondelete=None, unique=False, index=False):
    """sa.Column(name, type_, nullable=nullable), noting for create_table() the foreign key to the id of the
    table `references` (with `ondelete`), the unique constraint and the single-column index it has."""
    info = {'references': references, 'ondelete': ondelete, 'unique': unique, 'index': index}
    return sa.Column(name, type_, nullable=nullable, info=info)


def _typed(type_):
    """The column helper for one type without arguments: typed(name, **column() keywords)."""
    def typed(name, **kw):
        return column(name, type_(), **kw)
    return typed


integer, text, boolean, number = _typed(sa.Integer), _typed(sa.Text), _typed(sa.Boolean), _typed(sa.Float)
date, datetime, json, binary = _typed(sa.Date), _typed(sa.DateTime), _typed(sa.JSON), _typed(sa.LargeBinary)


def string(name, length, **kw):
    return column(name, sa.String(length=length), **kw)


def timestamps():
    """created_at and updated_at, both required."""
    return [datetime('created_at'), datetime('updated_at')]


def create_table(name, *columns, uniques=None, indexes=None):
    """op.create_table(name) with a required integer `id` first, then `columns`; then the foreign keys the
    columns name and the primary key pk_<name>, the unique constraint of each column with unique=True (each
    by column name) and `uniques` ({constraint name: [columns]}); then, in one batch and sorted by name, the
    index of each column with index=True (ix_<name>_<column>) and `indexes` ({index name: [columns]})."""
    info = [(c.name, c.info) for c in columns if c.info]
    foreign_keys = [
        sa.ForeignKeyConstraint([col], [f"{i['references']}.id"], name=op.f(f"fk_{name}_{col}_{i['references']}"),
                                ondelete=i['ondelete'])
        for col, i in sorted(info) if i['references']
    ]
    primary_key = sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}'))
    # Made after the foreign keys: SQLAlchemy writes a table's constraints in the order they were made.
    unique = [sa.UniqueConstraint(col, name=op.f(f'uq_{name}_{col}')) for col, i in sorted(info) if i['unique']]
    unique += [sa.UniqueConstraint(*cols, name=uq) for uq, cols in (uniques or {}).items()]
    op.create_table(name, sa.Column('id', sa.Integer(), nullable=False), *columns, *foreign_keys, primary_key, *unique)
    all_indexes = {op.f(f'ix_{name}_{col}'): [col] for col, i in info if i['index']} | (indexes or {})
    if all_indexes:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for index in sorted(all_indexes):
                batch_op.create_index(index, all_indexes[index], unique=False)


def drop_table(name, *indexes):
    """Drop the table's `indexes` in the order given, then the table: create_table() undone."""
    if indexes:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
    op.drop_table(name)


def create_validation_evidence_files():
    """The table of validation evidence as revision 0004 creates it and 0007's downgrade puts it back."""
    create_table('validation_evidence_files',
        string('filename', 200),
        string('extension', 10),
        string('content_type', 100),
        integer('size'),
        string('sha256', 64, index=True),
        binary('data'),
        integer('uploaded_by_id', references='users'),
        datetime('uploaded_at'))
