"""calls for every unit: unit kinds and groups, call kind, eligibility, entry
form settings, attachments, a collection's recommendations

Existing units keep their kind, written the canonical way (本科 → 本科院校,
高职 → 高职院校, empty → 本科院校: every unit of an older database was a
university); existing competitions become judged competitions open to all
units with today's form (two categories, authors, no attachments).

Revision ID: d4e6f8a0b2c3
Revises: c3d5e7f9a1b2
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c3'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None

KINDS = {'本科': '本科院校', '': '本科院校', '高职': '高职院校', '高专': '高职院校',
         '高职高专': '高职院校'}


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_pilot', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('groups', sa.String(length=400),
                                      server_default='', nullable=False))
    for old, new in KINDS.items():
        op.execute(sa.text("UPDATE unit SET kind = :new WHERE kind = :old")
                   .bindparams(new=new, old=old))
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16),
                                      server_default='competition', nullable=False))
        batch_op.add_column(sa.Column('eligibility_mode', sa.String(length=8),
                                      server_default='all', nullable=False))
        batch_op.add_column(sa.Column('eligibility_kinds', sa.String(length=200),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('eligibility_group', sa.String(length=80),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('categories', sa.String(length=400),
                                      server_default='理论研究|调研报告',
                                      nullable=False))
        batch_op.add_column(sa.Column('people', sa.String(length=16),
                                      server_default='authors', nullable=False))
        batch_op.add_column(sa.Column('required_fields', sa.String(length=100),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('attachment_kinds', sa.String(length=40),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('max_attachments', sa.Integer(),
                                      server_default='9', nullable=False))
        batch_op.add_column(sa.Column('max_video_mb', sa.Integer(),
                                      server_default='200', nullable=False))
        batch_op.add_column(sa.Column('max_entry_mb', sa.Integer(),
                                      server_default='500', nullable=False))
        batch_op.add_column(sa.Column('attachments_to_judges', sa.Boolean(),
                                      server_default='0', nullable=False))
    op.create_table(
        'eligible_unit',
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['competition_id'], ['competition.id'],
                                name=op.f('fk_eligible_unit_competition_id_competition')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_eligible_unit_unit_id_unit')),
        sa.PrimaryKeyConstraint('competition_id', 'unit_id',
                                name=op.f('pk_eligible_unit')),
    )
    if op.get_bind().dialect.name != 'sqlite':  # SQLite keeps no lengths
        op.alter_column('entry', 'category', existing_type=sa.String(length=20),
                        type_=sa.String(length=40), existing_nullable=False)
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendation', sa.String(length=16),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('recommendation_note', sa.Text(),
                                      server_default='', nullable=False))
    op.create_table(
        'attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('preview_file_id', sa.Integer(), nullable=True),
        sa.Column('clean_file_id', sa.Integer(), nullable=True),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('seconds', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['entry.id'],
                                name=op.f('fk_attachment_entry_id_entry')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'],
                                name=op.f('fk_attachment_file_id_stored_file')),
        sa.ForeignKeyConstraint(['preview_file_id'], ['stored_file.id'],
                                name=op.f('fk_attachment_preview_file_id_stored_file')),
        sa.ForeignKeyConstraint(['clean_file_id'], ['stored_file.id'],
                                name=op.f('fk_attachment_clean_file_id_stored_file')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
        sa.UniqueConstraint('entry_id', 'position',
                            name=op.f('uq_attachment_entry_id_position')),
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_entry_id'), ['entry_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_entry_id'))
    op.drop_table('attachment')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('recommendation_note')
        batch_op.drop_column('recommendation')
    op.drop_table('eligible_unit')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        for name in ('attachments_to_judges', 'max_entry_mb', 'max_video_mb',
                     'max_attachments', 'attachment_kinds', 'required_fields',
                     'people', 'categories', 'eligibility_group',
                     'eligibility_kinds', 'eligibility_mode', 'kind'):
            batch_op.drop_column(name)
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('groups')
        batch_op.drop_column('is_pilot')
