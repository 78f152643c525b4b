"""a round's own rubric; the round reached and per-round scores in frozen results

Adds ``criterion.round_id`` (NULL: the competition's rubric; a round's own
criteria carry its id) and, on ``result``, ``last_round``, ``round_scores``
(JSON: the entry's score in each round, null where it did not take part) and
``defense_score`` (the 答辩 score in points of the rubric total).

Revision ID: r4b8c2e6f0a3
Revises: a1r0d2s4e6f8
Create Date: 2026-12-02 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'r4b8c2e6f0a3'
down_revision = 'a1r0d2s4e6f8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_criterion_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_criterion_round_id_round'), 'round', ['round_id'], ['id'])
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_round', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('round_scores', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column(
            'defense_score', sa.Numeric(precision=7, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_column('defense_score')
        batch_op.drop_column('round_scores')
        batch_op.drop_column('last_round')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_criterion_round_id_round'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_criterion_round_id'))
        batch_op.drop_column('round_id')
