"""originality: entry texts, similar pairs, the competition's similarity threshold

Revision ID: 5e1a9c0d7b21
Revises: 52d1335ae5d6
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa

revision = "5e1a9c0d7b21"
down_revision = "52d1335ae5d6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("competition", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("similarity_percent", sa.Integer(), nullable=False, server_default="30")
        )
        batch_op.create_check_constraint(
            op.f("ck_competition_similarity"),
            "similarity_percent >= 1 AND similarity_percent <= 100",
        )
    op.create_table(
        "entry_text",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name=op.f("fk_entry_text_entry_id_entry")),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_entry_text")),
    )
    op.create_table(
        "similar_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("entry_a_id", sa.Integer(), nullable=False),
        sa.Column("entry_b_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("share_a", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("share_b", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("passages", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excluded_entry_id", sa.Integer(), nullable=True),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["competition_id"], ["competition.id"], name=op.f("fk_similar_pair_competition_id_competition")),
        sa.ForeignKeyConstraint(["entry_a_id"], ["entry.id"], name=op.f("fk_similar_pair_entry_a_id_entry")),
        sa.ForeignKeyConstraint(["entry_b_id"], ["entry.id"], name=op.f("fk_similar_pair_entry_b_id_entry")),
        sa.ForeignKeyConstraint(["excluded_entry_id"], ["entry.id"], name=op.f("fk_similar_pair_excluded_entry_id_entry")),
        sa.ForeignKeyConstraint(["settled_by_id"], ["user.id"], name=op.f("fk_similar_pair_settled_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similar_pair")),
        sa.UniqueConstraint("entry_a_id", "entry_b_id", name=op.f("uq_similar_pair_entry_a_id_entry_b_id")),
    )
    with op.batch_alter_table("similar_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similar_pair_competition_id"), ["competition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_similar_pair_entry_a_id"), ["entry_a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_similar_pair_entry_b_id"), ["entry_b_id"], unique=False)


def downgrade():
    with op.batch_alter_table("similar_pair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similar_pair_entry_b_id"))
        batch_op.drop_index(batch_op.f("ix_similar_pair_entry_a_id"))
        batch_op.drop_index(batch_op.f("ix_similar_pair_competition_id"))
    op.drop_table("similar_pair")
    op.drop_table("entry_text")
    with op.batch_alter_table("competition", schema=None) as batch_op:
        batch_op.drop_constraint("ck_competition_similarity", type_="check")
        batch_op.drop_column("similarity_percent")
