"""rounds of judging (初评 → 复评 → 终评), shortlists, round panels, 答辩 scores

Adds ``round``, ``round_judge``, ``round_entry`` and ``defense_score``;
``assignment.round_no`` (every existing assignment is of round 1, 初评) and the
competition's combination settings ``round_mode``, ``defense_weight`` and
``defense_max``.

Revision ID: a1r0d2s4e6f8
Revises: b2c4e6a8d0f1
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1r0d2s4e6f8'
down_revision = 'b2c4e6a8d0f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'round_mode', sa.String(length=16), nullable=False,
            server_default='last'))
        batch_op.add_column(sa.Column(
            'defense_weight', sa.Numeric(precision=5, scale=2), nullable=False,
            server_default='0'))
        batch_op.add_column(sa.Column(
            'defense_max', sa.Numeric(precision=6, scale=2), nullable=False,
            server_default='100'))
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'round_no', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index(
            batch_op.f('ix_assignment_round_no'), ['round_no'], unique=False)

    op.create_table(
        'round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('reviews_per_entry', sa.Integer(), nullable=False),
        sa.Column('weight', sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column('deadline', sa.DateTime(), nullable=True),
        sa.Column('shortlist_rule', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('number >= 1', name=op.f('ck_round_number')),
        sa.CheckConstraint('reviews_per_entry >= 1', name=op.f('ck_round_reviews')),
        sa.CheckConstraint('weight >= 0', name=op.f('ck_round_weight')),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_round_competition_id_competition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
        sa.UniqueConstraint(
            'competition_id', 'number', name=op.f('uq_round_competition_id_number')),
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_round_competition_id'), ['competition_id'], unique=False)
    op.create_table(
        'round_judge',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('judge_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['judge_id'], ['judge.id'], name=op.f('fk_round_judge_judge_id_judge')),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_round_judge_round_id_round')),
        sa.PrimaryKeyConstraint('round_id', 'judge_id', name=op.f('pk_round_judge')),
    )
    op.create_table(
        'round_entry',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['entry_id'], ['entry.id'], name=op.f('fk_round_entry_entry_id_entry')),
        sa.ForeignKeyConstraint(
            ['round_id'], ['round.id'], name=op.f('fk_round_entry_round_id_round')),
        sa.PrimaryKeyConstraint('round_id', 'entry_id', name=op.f('pk_round_entry')),
    )
    op.create_table(
        'defense_score',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('member', sa.String(length=80), nullable=False),
        sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('points >= 0', name=op.f('ck_defense_score_points')),
        sa.ForeignKeyConstraint(
            ['entry_id'], ['entry.id'],
            name=op.f('fk_defense_score_entry_id_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_defense_score')),
        sa.UniqueConstraint(
            'entry_id', 'member', name=op.f('uq_defense_score_entry_id_member')),
    )
    with op.batch_alter_table('defense_score', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_defense_score_entry_id'), ['entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('defense_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_defense_score_entry_id'))
    op.drop_table('defense_score')
    op.drop_table('round_entry')
    op.drop_table('round_judge')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_competition_id'))
    op.drop_table('round')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_round_no'))
        batch_op.drop_column('round_no')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_column('defense_max')
        batch_op.drop_column('defense_weight')
        batch_op.drop_column('round_mode')
