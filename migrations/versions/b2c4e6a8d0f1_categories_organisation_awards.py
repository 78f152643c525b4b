"""categories ranked apart, 优秀组织奖, certificates per author or to a unit

Adds the competition's award rules (``award_by_category``, ``category_tiers``,
the ``org_award_*`` rule and ``certificate_mode``), the frozen
``result.category``, the ``organisation_award`` and ``organisation_override``
tables, and lets a certificate be an author's or a unit's (``kind``,
``author_position``, ``competition_id``, ``unit_id``; ``entry_id`` nullable).

Revision ID: b2c4e6a8d0f1
Revises: f6a8b0c2d4e5
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2c4e6a8d0f1'
down_revision = 'f6a8b0c2d4e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('award_by_category', sa.Boolean(),
                                      server_default='0', nullable=False))
        batch_op.add_column(sa.Column('category_tiers', sa.Text(),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('org_award_rule', sa.String(length=16),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('org_award_min_entries', sa.Integer(),
                                      server_default='3', nullable=False))
        batch_op.add_column(sa.Column('org_award_top', sa.Integer(),
                                      server_default='10', nullable=False))
        batch_op.add_column(sa.Column('org_award_points', sa.String(length=60),
                                      server_default='5,3,1', nullable=False))
        batch_op.add_column(sa.Column('certificate_mode', sa.String(length=16),
                                      server_default='entry', nullable=False))
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=40),
                                      server_default='', nullable=False))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('entry_id', existing_type=sa.Integer(),
                              nullable=True)
        batch_op.add_column(sa.Column('kind', sa.String(length=16),
                                      server_default='entry', nullable=False))
        batch_op.add_column(sa.Column('author_position', sa.Integer(),
                                      nullable=True))
        batch_op.add_column(sa.Column('competition_id', sa.Integer(),
                                      nullable=True))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificate_competition_id'),
                              ['competition_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_certificate_competition_id_competition'),
            'competition', ['competition_id'], ['id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_certificate_unit_id_unit'), 'unit', ['unit_id'], ['id'])
    op.create_table(
        'organisation_award',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('awarded', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('model_awarded', sa.Boolean(), nullable=False),
        sa.Column('is_awarded', sa.Boolean(), nullable=False),
        sa.Column('override_reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_organisation_award_competition_id_competition')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_organisation_award_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_award')),
        sa.UniqueConstraint(
            'competition_id', 'unit_id',
            name=op.f('uq_organisation_award_competition_id_unit_id')),
    )
    with op.batch_alter_table('organisation_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_award_competition_id'),
                              ['competition_id'], unique=False)
    op.create_table(
        'organisation_override',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('is_awarded', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['competition_id'], ['competition.id'],
            name=op.f('fk_organisation_override_competition_id_competition')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_organisation_override_unit_id_unit')),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                                name=op.f('fk_organisation_override_actor_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_override')),
        sa.UniqueConstraint(
            'competition_id', 'unit_id',
            name=op.f('uq_organisation_override_competition_id_unit_id')),
    )
    with op.batch_alter_table('organisation_override', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_organisation_override_competition_id'),
            ['competition_id'], unique=False)


def downgrade():
    with op.batch_alter_table('organisation_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_override_competition_id'))
    op.drop_table('organisation_override')
    with op.batch_alter_table('organisation_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_award_competition_id'))
    op.drop_table('organisation_award')
    op.execute("DELETE FROM certificate WHERE entry_id IS NULL")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_unit_id_unit'),
                                 type_='foreignkey')
        batch_op.drop_constraint(
            batch_op.f('fk_certificate_competition_id_competition'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificate_competition_id'))
        for name in ('unit_id', 'competition_id', 'author_position', 'kind'):
            batch_op.drop_column(name)
        batch_op.alter_column('entry_id', existing_type=sa.Integer(),
                              nullable=False)
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_column('category')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        for name in ('certificate_mode', 'org_award_points', 'org_award_top',
                     'org_award_min_entries', 'org_award_rule', 'category_tiers',
                     'award_by_category'):
            batch_op.drop_column(name)
