"""school identities (English names, abbreviations, domains, institutes); finding term

Revision ID: a10e5c4n0001
Revises: a1c3e5f7b9d2
Create Date: 2026-12-01 20:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a10e5c4n0001'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('english_names', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('abbreviations', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('domains', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('institutes', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('term', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_column('term')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('institutes')
        batch_op.drop_column('domains')
        batch_op.drop_column('abbreviations')
        batch_op.drop_column('english_names')
