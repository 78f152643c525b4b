"""participants are units (单位), universities one kind of them: school -> unit

Renames the table ``school`` to ``unit`` and every ``school_id`` column to
``unit_id``, and the stored words: the role ``school`` becomes ``unit`` and the
anonymity findings ``school`` / ``other_school`` become ``unit`` / ``other_unit``.
Existing schools keep their kind (empty or a university kind) and so stay
university units.

Both SQLite (3.25+) and PostgreSQL rename a column in place and rewrite the
foreign keys, checks and indexes that name it. PostgreSQL also gets the
constraint names the naming convention would give today; SQLite keeps the old
names inside its table definitions, which only a later migration that drops a
constraint by name would notice.

Revision ID: c3d5e7f9a1b2
Revises: b7e2c4d6f8a1
Create Date: 2026-12-02 00:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = 'b7e2c4d6f8a1'
branch_labels = None
depends_on = None

TABLES = ('entry', 'extension', 'user', 'judge', 'conflict')
# (table, old constraint name, new constraint name) — PostgreSQL only
CONSTRAINTS = (
    ('unit', 'pk_school', 'pk_unit'),
    ('unit', 'uq_school_name', 'uq_unit_name'),
    ('entry', 'fk_entry_school_id_school', 'fk_entry_unit_id_unit'),
    ('entry', 'uq_entry_competition_id_school_id_slot',
     'uq_entry_competition_id_unit_id_slot'),
    ('extension', 'fk_extension_school_id_school', 'fk_extension_unit_id_unit'),
    ('extension', 'uq_extension_competition_id_school_id',
     'uq_extension_competition_id_unit_id'),
    ('user', 'fk_user_school_id_school', 'fk_user_unit_id_unit'),
    ('judge', 'fk_judge_school_id_school', 'fk_judge_unit_id_unit'),
    ('conflict', 'fk_conflict_school_id_school', 'fk_conflict_unit_id_unit'),
)
WORDS = (
    ('user', 'role', 'school', 'unit'),
    ('finding', 'kind', 'school', 'unit'),
    ('finding', 'kind', 'other_school', 'other_unit'),
)


def _rename(old_table, new_table, old_col, new_col, constraints, words):
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.rename_table(old_table, new_table)
    for table in TABLES:
        op.execute(f'ALTER TABLE "{table}" RENAME COLUMN {old_col} TO {new_col}')
    if postgres:
        op.execute(f'ALTER SEQUENCE IF EXISTS {old_table}_id_seq '
                   f'RENAME TO {new_table}_id_seq')
        for table, old, new in constraints:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT {old} TO {new}')
    for table, column, old, new in words:
        op.execute(f"UPDATE \"{table}\" SET {column} = '{new}' "
                   f"WHERE {column} = '{old}'")


def upgrade():
    _rename('school', 'unit', 'school_id', 'unit_id',
            [(t, o, n) for t, o, n in CONSTRAINTS], WORDS)


def downgrade():
    _rename('unit', 'school', 'unit_id', 'school_id',
            [('school' if t == 'unit' else t, n, o) for t, o, n in CONSTRAINTS],
            [(t, c, n, o) for t, c, o, n in WORDS])
