"""messages (outbox/inbox, templates), 公示 with objections, corrections

Adds the ``message`` and ``message_template`` tables, ``publicity``,
``objection`` and ``correction``, the recipient's ``user.language``, and lets an
entry hold a replacement certificate after a correction (the unique
``certificate.entry_id`` becomes a plain index). The new phase ``publicity`` is a
value of the existing ``competition.phase`` string.

Revision ID: f6a8b0c2d4e5
Revises: e5f7a9b1c3d4
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a8b0c2d4e5'
down_revision = 'e5f7a9b1c3d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'language', sa.String(length=8), nullable=False, server_default='zh'))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificate_entry_id', type_='unique')
        batch_op.create_index(
            batch_op.f('ix_certificate_entry_id'), ['entry_id'], unique=False)

    op.create_table(
        'message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('email', sa.String(length=120), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_message_competition_id_competition')),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_message_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_message_competition_id'), ['competition_id'])
        batch_op.create_index(batch_op.f('ix_message_user_id'), ['user_id'])
        batch_op.create_index('ix_message_user_read', ['user_id', 'read_at'])

    op.create_table(
        'message_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_message_template_competition_id_competition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_template')),
        sa.UniqueConstraint(
            'competition_id', 'kind', 'language',
            name=op.f('uq_message_template_competition_id_kind_language')),
    )

    op.create_table(
        'publicity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('fields', sa.String(length=80), nullable=False),
        sa.Column('allow_public', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_publicity_competition_id_competition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity')),
        sa.UniqueConstraint(
            'competition_id', name=op.f('uq_publicity_competition_id')),
    )

    op.create_table(
        'objection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=120), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reply', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_objection_competition_id_competition')),
        sa.ForeignKeyConstraint(
            ['entry_id'], ['entry.id'], name=op.f('fk_objection_entry_id_entry')),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_objection_user_id_user')),
        sa.ForeignKeyConstraint(
            ['file_id'], ['stored_file.id'],
            name=op.f('fk_objection_file_id_stored_file')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_objection_competition_id'), ['competition_id'])
        batch_op.create_index(batch_op.f('ix_objection_user_id'), ['user_id'])
        batch_op.create_index(batch_op.f('ix_objection_address'), ['address'])

    op.create_table(
        'correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('before_tier', sa.String(length=40), nullable=False),
        sa.Column('after_tier', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('old_serial', sa.String(length=32), nullable=False),
        sa.Column('new_serial', sa.String(length=32), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_correction_competition_id_competition')),
        sa.ForeignKeyConstraint(
            ['entry_id'], ['entry.id'], name=op.f('fk_correction_entry_id_entry')),
        sa.ForeignKeyConstraint(
            ['actor_id'], ['user.id'], name=op.f('fk_correction_actor_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_correction')),
    )
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_correction_competition_id'), ['competition_id'])


def downgrade():
    op.drop_table('correction')
    op.drop_table('objection')
    op.drop_table('publicity')
    op.drop_table('message_template')
    op.drop_table('message')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_entry_id'))
        batch_op.create_unique_constraint('uq_certificate_entry_id', ['entry_id'])
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
