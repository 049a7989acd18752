"""answer rows, review schedule, release matches: what lets the release page, the home page and concurrent portal
saves stay flat as the company grows

- evaluation_answers: one row per (evaluation, question) with the last valid raw answer, the input last refused and
  a lock set on submit. The evaluations' JSON columns answers, evaluator_answers and invalid_answers move into it
  (supplier answers of a submitted, scored or decided evaluation arrive locked) and are dropped. The downgrade puts
  them back from the rows.
- components.review_key (the version's identity for anomaly reviews: OSV ecosystem, normalised name, version),
  filled for every component; anomaly_review_schedule: when each version shipped in a draft or frozen release is
  next due for an anomaly review, built here from the components, the reviews and the matched advisories as the
  app keeps it (app.inventory.anomalies.rules computes each row, as it does in the app).
- advisory_matches.release_id and severity_rank (copies of the component's release and of the advisory's severity
  order, filled here) with indexes, so a release's matches are read worst first in index order and counted from the
  index; the state index becomes (state, release, component) for the open matches by release.
- release_summaries: the counts the release page shows, one row per release (app.inventory.summary keeps them),
  filled here for every release.
- Covering indexes for the counts of the release page (components by change, assessment and classification) and of
  the home page (re-evaluations due by status and date; evaluations waiting by status and due date).
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

revision = '0011'  # created 2026-12-08 10:00:00
down_revision = '0010'

BATCH = 2000
MONITORED = ('draft', 'frozen')
LOCKED_STATUSES = ('submitted', 'scored', 'decided')
SEVERITY_ORDER = {'critical': 0, 'high': 1, 'medium': 2, 'low': 3}

evaluations = sa.table('evaluations',
                       sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                       sa.column('updated_at', sa.DateTime()),
                       sa.column('answers', sa.JSON()), sa.column('invalid_answers', sa.JSON()),
                       sa.column('evaluator_answers', sa.JSON()))
answers = sa.table('evaluation_answers',
                   sa.column('evaluation_id', sa.Integer()), sa.column('question_code', sa.String()),
                   sa.column('answered_by', sa.String()), sa.column('value', sa.JSON(none_as_null=True)),
                   sa.column('refused', sa.JSON(none_as_null=True)), sa.column('locked', sa.Boolean()),
                   sa.column('saved_at', sa.DateTime()))
components = sa.table('components',
                      sa.column('id', sa.Integer()), sa.column('release_id', sa.Integer()),
                      sa.column('name', sa.String()), sa.column('version', sa.String()),
                      sa.column('ecosystem', sa.String()), sa.column('safety_class', sa.String()),
                      sa.column('review_key', sa.String()))
releases = sa.table('releases', sa.column('id', sa.Integer()), sa.column('product_id', sa.Integer()),
                    sa.column('version', sa.String()), sa.column('status', sa.String()))
products = sa.table('products', sa.column('id', sa.Integer()), sa.column('name', sa.String()))
advisories = sa.table('advisories', sa.column('id', sa.Integer()), sa.column('severity_level', sa.String()),
                      sa.column('received_at', sa.DateTime()), sa.column('withdrawn', sa.DateTime()))
matches = sa.table('advisory_matches', sa.column('id', sa.Integer()), sa.column('component_id', sa.Integer()),
                   sa.column('advisory_id', sa.Integer()), sa.column('release_id', sa.Integer()),
                   sa.column('severity_rank', sa.Integer()))
reviews = sa.table('anomaly_reviews', sa.column('id', sa.Integer()), sa.column('ecosystem', sa.String()),
                   sa.column('package', sa.String()), sa.column('version', sa.String()),
                   sa.column('reviewed_at', sa.DateTime()), sa.column('next_due', sa.Date()))
schedule = sa.table('anomaly_review_schedule',
                    *(sa.column(name, type_) for name, type_ in (
                        ('review_key', sa.String()), ('ecosystem', sa.String()), ('package', sa.String()),
                        ('version', sa.String()), ('display_name', sa.String()), ('component_id', sa.Integer()),
                        ('releases', sa.JSON()), ('release_count', sa.Integer()), ('safety_class', sa.String()),
                        ('last_reviewed_at', sa.DateTime()), ('next_due', sa.Date()),
                        ('new_advisories', sa.Integer()), ('monitored_since', sa.Date()), ('due_on', sa.Date()))))


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def upgrade():
    _evaluation_answers()
    _review_keys()
    _release_matches()
    _review_schedule()
    _home_and_release_page_indexes()
    _release_summaries()


def _home_and_release_page_indexes():
    """Indexes the home page and the release page count from, and read their first few rows in order from."""
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_index('ix_components_release_id_change_kind')
        batch_op.create_index('ix_components_release_changes', ['release_id', 'change_kind', 'assessed', 'classification'],
                              unique=False)
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.create_index('ix_suppliers_status_next_reevaluation_due', ['status', 'next_reevaluation_due'],
                              unique=False)
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index('ix_evaluations_status_due_date', ['status', 'due_date', 'id'], unique=False)


def _evaluation_answers():
    op.create_table('evaluation_answers',
        sa.Column('evaluation_id', sa.Integer(), nullable=False),
        sa.Column('question_code', sa.String(length=40), nullable=False),
        sa.Column('answered_by', sa.String(length=10), nullable=False),
        sa.Column('value', sa.JSON(none_as_null=True), nullable=True),
        sa.Column('refused', sa.JSON(none_as_null=True), nullable=True),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'],
                                name=op.f('fk_evaluation_answers_evaluation_id_evaluations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('evaluation_id', 'question_code', name=op.f('pk_evaluation_answers')))
    connection = op.get_bind()
    query = sa.select(evaluations.c.id, evaluations.c.status, evaluations.c.updated_at, evaluations.c.answers,
                      evaluations.c.invalid_answers, evaluations.c.evaluator_answers).order_by(evaluations.c.id)
    rows = []
    for evaluation in connection.execute(query).all():
        saved_at = evaluation.updated_at or _now()
        locked = evaluation.status in LOCKED_STATUSES
        supplier = dict(evaluation.answers or {})
        refused = dict(evaluation.invalid_answers or {})
        for code in sorted(set(supplier) | set(refused)):
            rows.append({'evaluation_id': evaluation.id, 'question_code': code[:40], 'answered_by': 'supplier',
                         'value': supplier.get(code), 'refused': refused.get(code), 'locked': locked,
                         'saved_at': saved_at})
        for code, value in sorted(dict(evaluation.evaluator_answers or {}).items()):
            if code in supplier or code in refused:
                continue  # a code answers one side only; the supplier's row is kept
            rows.append({'evaluation_id': evaluation.id, 'question_code': code[:40], 'answered_by': 'evaluator',
                         'value': value, 'refused': None, 'locked': False, 'saved_at': saved_at})
        if len(rows) >= BATCH:
            connection.execute(answers.insert(), rows)
            rows = []
    if rows:
        connection.execute(answers.insert(), rows)
    # A plain DROP COLUMN (SQLite 3.35 and later have it): a batch copy of evaluations would drop the old table, and
    # with foreign keys on, that deletes the rows that refer to it (the answer rows just made among them).
    for name in ('evaluator_answers', 'invalid_answers', 'answers'):
        op.execute(f'ALTER TABLE evaluations DROP COLUMN {name}')


def _review_keys():
    from app.inventory.anomalies.rules import review_key

    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_key', sa.String(length=500), nullable=False, server_default=''))
    connection = op.get_bind()
    last = 0
    while True:
        batch = connection.execute(
            sa.select(components.c.id, components.c.ecosystem, components.c.name, components.c.version)
            .where(components.c.id > last).order_by(components.c.id).limit(BATCH)).all()
        if not batch:
            break
        connection.execute(
            components.update().where(components.c.id == sa.bindparam('_id')).values(review_key=sa.bindparam('key')),
            [{'_id': row.id, 'key': review_key(row.ecosystem or 'generic', row.name, row.version or '')} for row in batch])
        last = batch[-1].id
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.create_index('ix_components_review_key', ['review_key'], unique=False)


def _release_matches():
    with op.batch_alter_table('advisory_matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('severity_rank', sa.Integer(), nullable=False, server_default='4'))
    release_of = sa.select(components.c.release_id).where(components.c.id == matches.c.component_id).scalar_subquery()
    level = sa.select(advisories.c.severity_level).where(advisories.c.id == matches.c.advisory_id).scalar_subquery()
    op.execute(matches.update().values(release_id=release_of,
                                       severity_rank=sa.case(SEVERITY_ORDER, value=level, else_=4)))
    with op.batch_alter_table('advisory_matches', schema=None) as batch_op:
        batch_op.alter_column('release_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_advisory_matches_release_id_releases'), 'releases',
                                    ['release_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_advisory_matches_release_state',
                              ['release_id', 'state', 'severity_rank', 'component_id', 'advisory_id'], unique=False)
        batch_op.create_index('ix_advisory_matches_release_worst',
                              ['release_id', 'severity_rank', 'component_id', 'advisory_id'], unique=False)
        batch_op.create_index('ix_advisory_matches_release_component', ['release_id', 'component_id', 'state'],
                              unique=False)
        batch_op.drop_index('ix_advisory_matches_state')
        batch_op.create_index('ix_advisory_matches_state_release', ['state', 'release_id', 'component_id'], unique=False)


def _review_schedule():
    op.create_table('anomaly_review_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_key', sa.String(length=500), nullable=False),
        sa.Column('ecosystem', sa.String(length=60), nullable=False),
        sa.Column('package', sa.String(length=300), nullable=False),
        sa.Column('version', sa.String(length=120), nullable=False),
        sa.Column('display_name', sa.String(length=300), nullable=False),
        sa.Column('component_id', sa.Integer(), nullable=True),
        sa.Column('releases', sa.JSON(), nullable=False),
        sa.Column('release_count', sa.Integer(), nullable=False),
        sa.Column('safety_class', sa.String(length=1), nullable=False),
        sa.Column('last_reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('next_due', sa.Date(), nullable=True),
        sa.Column('new_advisories', sa.Integer(), nullable=False),
        sa.Column('monitored_since', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['component_id'], ['components.id'],
                                name=op.f('fk_anomaly_review_schedule_component_id_components'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_anomaly_review_schedule')),
        sa.UniqueConstraint('review_key', name=op.f('uq_anomaly_review_schedule_review_key')))
    with op.batch_alter_table('anomaly_review_schedule', schema=None) as batch_op:
        batch_op.create_index('ix_anomaly_review_schedule_due', ['due_on', 'display_name', 'id'], unique=False)
        batch_op.create_index('ix_anomaly_review_schedule_due_state',
                              ['due_on', 'last_reviewed_at', 'new_advisories', 'next_due'], unique=False)
    _fill_schedule(op.get_bind())


def _fill_schedule(connection):
    """Every version shipped in a draft or frozen release, computed as the app's refresh_schedule() computes it."""
    from app.inventory.anomalies import rules

    members = {}
    for row in connection.execute(
        sa.select(components.c.id, components.c.review_key, components.c.name, components.c.safety_class,
                  products.c.name.label('product'), releases.c.version.label('release'))
        .join(releases, releases.c.id == components.c.release_id)
        .join(products, products.c.id == releases.c.product_id)
        .where(releases.c.status.in_(MONITORED)).order_by(components.c.id)
    ):
        members.setdefault(row.review_key, []).append(row)
    latest = {}
    for row in connection.execute(sa.select(reviews).order_by(reviews.c.id)):
        latest['\t'.join((row.ecosystem, row.package, row.version))] = (row.reviewed_at, row.next_due)
    received = {}
    for component_id, arrived in connection.execute(
        sa.select(matches.c.component_id, advisories.c.received_at)
        .join(advisories, advisories.c.id == matches.c.advisory_id).where(advisories.c.withdrawn.is_(None))
    ):
        received.setdefault(component_id, []).append(arrived)
    today = _now().date()
    rows = []
    for key, group in members.items():
        ecosystem, package, version = key.split('\t', 2)
        safety_class = max(row.safety_class for row in group)
        last = latest.get(key)
        arrivals = sorted({at for row in group for at in received.get(row.id, [])})
        labels = list(dict.fromkeys(f'{row.product} {row.release}' for row in group))
        rows.append({
            'review_key': key, 'ecosystem': ecosystem, 'package': package, 'version': version,
            'display_name': group[-1].name[:300], 'component_id': group[-1].id, 'releases': labels[:20],
            'release_count': len(labels), 'safety_class': safety_class,
            'last_reviewed_at': last[0] if last else None, 'next_due': last[1] if last else None,
            'new_advisories': rules.newer_advisories(last[0] if last else None, arrivals),
            'monitored_since': today,
            'due_on': rules.schedule_due_on(required=rules.review_required(safety_class),
                                            last_reviewed_at=last[0] if last else None,
                                            next_due=last[1] if last else None, advisories_received=arrivals,
                                            monitored_since=today),
        })
    for start in range(0, len(rows), BATCH):
        connection.execute(schedule.insert(), rows[start:start + BATCH])


def _release_summaries():
    op.create_table('release_summaries',
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('component_groups', sa.JSON(), nullable=False),
        sa.Column('flagged_licences', sa.JSON(), nullable=False),
        sa.Column('advisory_groups', sa.JSON(), nullable=False),
        sa.Column('affected_components', sa.Integer(), nullable=False),
        sa.Column('open_components', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_summaries_release_id_releases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('release_id', name=op.f('pk_release_summaries')))
    _fill_summaries(op.get_bind())


def _fill_summaries(connection):
    """Every release's counts, as app.inventory.summary counts them."""
    columns = sa.table('components', *(sa.column(name) for name in (
        'release_id', 'change_kind', 'assessed', 'classification', 'licence_verdict', 'licence_expression')))
    found = {release_id: {'component_groups': [], 'flagged': [], 'advisory_groups': [], 'affected_components': 0,
                          'open_components': 0} for release_id in connection.execute(sa.select(releases.c.id)).scalars()}
    for release_id, kind, assessed, classification, verdict, n in connection.execute(
        sa.select(columns.c.release_id, columns.c.change_kind, columns.c.assessed, columns.c.classification,
                  columns.c.licence_verdict, sa.func.count())
        .group_by(columns.c.release_id, columns.c.change_kind, columns.c.assessed, columns.c.classification,
                  columns.c.licence_verdict)
    ):
        found[release_id]['component_groups'].append([kind, bool(assessed), bool(classification), verdict, int(n)])
    for release_id, expression, verdict, n in connection.execute(
        sa.select(columns.c.release_id, columns.c.licence_expression, columns.c.licence_verdict, sa.func.count())
        .where(columns.c.licence_verdict.in_(('review', 'deny')))
        .group_by(columns.c.release_id, columns.c.licence_expression, columns.c.licence_verdict)
    ):
        found[release_id]['flagged'].append({'licence': expression or '(none declared)', 'verdict': verdict,
                                             'components': int(n)})
    states = sa.table('advisory_matches', sa.column('release_id'), sa.column('component_id'), sa.column('state'),
                      sa.column('severity_rank'))
    for release_id, state, rank, n in connection.execute(
        sa.select(states.c.release_id, states.c.state, states.c.severity_rank, sa.func.count())
        .group_by(states.c.release_id, states.c.state, states.c.severity_rank)
    ):
        found[release_id]['advisory_groups'].append([state, int(rank), int(n)])
    for release_id, _component_id, open_matches in connection.execute(
        sa.select(states.c.release_id, states.c.component_id,
                  sa.func.sum(sa.case((states.c.state == 'open', 1), else_=0)))
        .group_by(states.c.release_id, states.c.component_id)
    ):
        found[release_id]['affected_components'] += 1
        found[release_id]['open_components'] += 1 if open_matches else 0
    now = _now()
    rows = []
    for release_id, values in found.items():
        merged = {}
        for kind, assessed, classified, verdict, n in values['component_groups']:
            merged[(kind, assessed, classified, verdict)] = merged.get((kind, assessed, classified, verdict), 0) + n
        flagged = sorted(values['flagged'], key=lambda item: (item['verdict'], -item['components'], item['licence']))
        rows.append({'release_id': release_id,
                     'component_groups': [[*key, n] for key, n in sorted(merged.items(), key=lambda item: str(item[0]))],
                     'flagged_licences': {'top': flagged[:20], 'total': len(flagged)},
                     'advisory_groups': values['advisory_groups'],
                     'affected_components': values['affected_components'],
                     'open_components': values['open_components'], 'updated_at': now})
    summaries = sa.table('release_summaries', *(sa.column(name, sa.JSON() if name.endswith(('groups', 'licences'))
                                                             else None) for name in (
        'release_id', 'component_groups', 'flagged_licences', 'advisory_groups', 'affected_components',
        'open_components', 'updated_at')))
    for start in range(0, len(rows), BATCH):
        connection.execute(summaries.insert(), rows[start:start + BATCH])


def downgrade():
    op.drop_table('release_summaries')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluations_status_due_date')
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_index('ix_suppliers_status_next_reevaluation_due')
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_index('ix_components_release_changes')
        batch_op.create_index('ix_components_release_id_change_kind', ['release_id', 'change_kind'], unique=False)

    with op.batch_alter_table('anomaly_review_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_anomaly_review_schedule_due_state')
        batch_op.drop_index('ix_anomaly_review_schedule_due')
    op.drop_table('anomaly_review_schedule')

    with op.batch_alter_table('advisory_matches', schema=None) as batch_op:
        batch_op.drop_index('ix_advisory_matches_state_release')
        batch_op.create_index('ix_advisory_matches_state', ['state'], unique=False)
        batch_op.drop_index('ix_advisory_matches_release_component')
        batch_op.drop_index('ix_advisory_matches_release_worst')
        batch_op.drop_index('ix_advisory_matches_release_state')
        batch_op.drop_constraint(batch_op.f('fk_advisory_matches_release_id_releases'), type_='foreignkey')
        batch_op.drop_column('severity_rank')
        batch_op.drop_column('release_id')

    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_index('ix_components_review_key')
        batch_op.drop_column('review_key')

    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('invalid_answers', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('evaluator_answers', sa.JSON(), nullable=False, server_default='{}'))
    connection = op.get_bind()
    found = {}
    for row in connection.execute(sa.select(answers).order_by(answers.c.evaluation_id, answers.c.question_code)):
        supplier, refused, evaluator = found.setdefault(row.evaluation_id, ({}, {}, {}))
        if row.answered_by == 'evaluator':
            if row.value is not None:
                evaluator[row.question_code] = row.value
            continue
        if row.value is not None:
            supplier[row.question_code] = row.value
        if row.refused is not None:
            refused[row.question_code] = row.refused
    for evaluation_id, (supplier, refused, evaluator) in found.items():
        connection.execute(evaluations.update().where(evaluations.c.id == evaluation_id).values(
            answers=supplier, invalid_answers=refused, evaluator_answers=evaluator))
    op.drop_table('evaluation_answers')
