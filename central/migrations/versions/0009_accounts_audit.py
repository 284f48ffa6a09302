"""Push results name their user (client ids scoped per user) and an audit log of record views
and phone reveals.

Revision ID: 0009_accounts_audit
Revises: 0008_accounts_tokens
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_accounts_audit"
down_revision = "0008_accounts_tokens"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("push_results") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
    op.create_table(
        "audit_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(32), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_username", "audit_events", ["username"])
    op.create_index("ix_audit_events_customer_id", "audit_events", ["customer_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    with op.batch_alter_table("push_results") as batch:
        batch.drop_column("user_id")
