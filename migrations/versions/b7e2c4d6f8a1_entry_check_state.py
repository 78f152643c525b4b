"""entry.check_state: 检查中 while OCR reads the pictures of the review copy

Revision ID: b7e2c4d6f8a1
Revises: a10e5c4n0001
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4d6f8a1'
down_revision = 'a10e5c4n0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('check_state', sa.String(length=16), server_default='done',
                      nullable=False)
        )


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('check_state')
