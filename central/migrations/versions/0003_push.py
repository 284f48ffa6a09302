"""Push: notes table, idempotency keys, per-mutation results; change_log.entity_id 64 wide
(records created on desktops carry client UUID ids).

Revision ID: 0003_push
Revises: 0002_tickets
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_push"
down_revision = "0002_tickets"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def _widen_entity_id(width: int, old: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a column type in place: the table is copied. AUTOINCREMENT must
        # survive the copy so a seq is never reused.
        with op.batch_alter_table(
            "change_log", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            batch.alter_column("entity_id", type_=sa.String(width), existing_type=sa.String(old))
    else:
        op.alter_column("change_log", "entity_id", type_=sa.String(width), existing_type=sa.String(old))


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(16), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_notes_customer_id", "notes", ["customer_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("response", Json, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "push_results",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("result", Json, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    _widen_entity_id(64, 16)


def downgrade() -> None:
    _widen_entity_id(16, 64)
    op.drop_table("push_results")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_notes_customer_id", table_name="notes")
    op.drop_table("notes")
