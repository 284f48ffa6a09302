"""Integrations: server_meta (the change feed's epoch, renewed by a restore), source_versions
(idempotency by natural key + source version), webhook_deliveries (outbound ticket sync).

Revision ID: 0007_integrations_meta
Revises: 0006_change_log_entity_seq
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_integrations_meta"
down_revision = "0006_change_log_entity_seq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_meta",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "source_versions",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("natural_key", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column(
            "payload",
            sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", timestamp, nullable=False),
        sa.Column("last_error", sa.String(512)),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("delivered_at", timestamp),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("source_versions")
    op.drop_table("server_meta")
