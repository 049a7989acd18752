"""foundation: users, audit events, signatures"""
from migrations.helpers import boolean, create_table, datetime, drop_table, integer, json, string, text, timestamps

revision = '0001'  # created 2026-11-21 11:55:29
down_revision = None


def upgrade():
    create_table('audit_events',
        datetime('occurred_at', index=True),
        integer('actor_id', nullable=True, index=True),
        string('actor_name', 300),
        string('request_id', 64),
        string('ip', 64),
        string('action', 40),
        string('name', 100),
        string('entity_type', 80),
        string('entity_id', 80),
        integer('entity_version', nullable=True),
        string('entity_label', 300),
        json('changes'),
        json('details'),
        text('reason'),
        string('prev_hash', 64),
        string('hash', 64),
        indexes={'ix_audit_events_entity': ['entity_type', 'entity_id']})

    create_table('users',
        string('username', 80, unique=True),
        string('full_name', 200),
        string('email', 254),
        string('roles', 200),
        boolean('active'),
        string('password_hash', 255),
        datetime('password_changed_at'),
        boolean('must_change_password'),
        integer('failed_logins'),
        datetime('locked_until', nullable=True),
        datetime('last_login_at', nullable=True),
        string('alternative_id', 64, unique=True),
        *timestamps(),
        integer('version'))

    create_table('signatures',
        string('entity_type', 80),
        string('entity_id', 80),
        integer('entity_version'),
        string('content_hash', 64),
        integer('signer_id', references='users'),
        string('printed_name', 200),
        string('meaning', 20),
        datetime('signed_at'),
        text('comment'),
        indexes={'ix_signatures_entity': ['entity_type', 'entity_id']})


def downgrade():
    drop_table('signatures', 'ix_signatures_entity')
    drop_table('users')
    drop_table('audit_events', 'ix_audit_events_occurred_at', 'ix_audit_events_entity', 'ix_audit_events_actor_id')
