"""Initial cache schema: pop index, detail tables, sync state, outbox, conflicts.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_initials", sa.String(), nullable=False),
        sa.Column("name_pinyin", sa.String(), nullable=False),
        sa.Column("tier", sa.String(), nullable=False),
        sa.Column("membership_level", sa.String(), nullable=False),
        sa.Column("points_balance", sa.Integer(), nullable=False),
        sa.Column("churn_risk", sa.Float(), nullable=False),
        sa.Column("churn_reasons", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("detail_fetched_at", sa.String(), nullable=True),
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_name_initials", "customers", ["name_initials"])
    op.create_index("ix_customers_name_pinyin", "customers", ["name_pinyin"])

    op.create_table(
        "phones",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "customer_id", sa.String(), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("e164", sa.String(), nullable=False),
        sa.Column("digits_reversed", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
    )
    op.create_index("ix_phones_customer_id", "phones", ["customer_id"])
    op.create_index("ix_phones_e164", "phones", ["e164"])
    op.create_index("ix_phones_digits_reversed", "phones", ["digits_reversed"])

    op.create_table(
        "orders",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("order_no", sa.String(), nullable=False),
        sa.Column("placed_at", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_orders_order_no", "orders", ["order_no"])
    op.create_index("ix_orders_customer_time", "orders", ["customer_id", "placed_at"])

    op.create_table(
        "points_entries",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_points_entries_customer_time", "points_entries", ["customer_id", "ts"])

    op.create_table(
        "service_records",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_service_records_customer_time", "service_records", ["customer_id", "ts"])

    op.create_table(
        "marketing_touches",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("campaign", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_marketing_touches_customer_time", "marketing_touches", ["customer_id", "ts"])

    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("op", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])

    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("outbox_id", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("local_payload", sa.JSON(), nullable=False),
        sa.Column("server_payload", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("resolved_at", sa.String(), nullable=True),
    )
    op.create_index("ix_conflicts_entity_id", "conflicts", ["entity_id"])


def downgrade() -> None:
    for table in (
        "conflicts",
        "outbox",
        "sync_state",
        "marketing_touches",
        "service_records",
        "points_entries",
        "orders",
        "phones",
        "customers",
    ):
        op.drop_table(table)
