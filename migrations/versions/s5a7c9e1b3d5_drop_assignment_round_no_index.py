"""drop the index on assignment.round_no

``round_no`` takes one to three values, so the index narrows nothing; but
SQLite's planner, without statistics, preferred it to the index on
``entry_id`` when a query named both, and then read every assignment once per
entry (the assignment page's count of judges per entry took 5.5 s at 5,000
entries). Queries by round always name the entry or the judge too.

Revision ID: s5a7c9e1b3d5
Revises: r4b8c2e6f0a3
Create Date: 2026-12-02 14:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 's5a7c9e1b3d5'
down_revision = 'r4b8c2e6f0a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_round_no'))


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_assignment_round_no'), ['round_no'], unique=False)
