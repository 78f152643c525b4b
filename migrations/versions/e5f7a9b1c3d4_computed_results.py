"""computed results: the live ranking stored once per change of the scores

Revision ID: e5f7a9b1c3d4
Revises: d4e6f8a0b2c3
Create Date: 2026-12-02 00:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5f7a9b1c3d4'
down_revision = 'd4e6f8a0b2c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'computed_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('fingerprint', sa.String(length=80), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_computed_result_competition_id_competition'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_computed_result')),
        sa.UniqueConstraint(
            'competition_id', 'kind',
            name=op.f('uq_computed_result_competition_id_kind'),
        ),
    )
    with op.batch_alter_table('computed_result', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_computed_result_competition_id'), ['competition_id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('computed_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_computed_result_competition_id'))
    op.drop_table('computed_result')
