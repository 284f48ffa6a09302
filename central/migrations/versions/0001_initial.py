"""Initial central schema: users, secrets, customers and their records, change log.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def _record_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(16),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *columns,
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index(f"ix_{name}_customer_id", name, ["customer_id"])


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("agent_id", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("email", sa.String(128)),
        sa.Column("shop_member_id", sa.String(32)),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("membership_level", sa.String(32), nullable=False),
        sa.Column("points_balance", sa.Integer, nullable=False),
        sa.Column("tags", Json, nullable=False),
        sa.Column("lifetime_value_fen", sa.BigInteger, nullable=False),
        sa.Column("churn_risk", sa.Float, nullable=False),
        sa.Column("churn_reasons", Json, nullable=False),
        sa.Column("city", sa.String(32), nullable=False),
        sa.Column("created_at", Timestamp),
        sa.Column("updated_at", Timestamp),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_shop_member_id", "customers", ["shop_member_id"])
    op.create_table(
        "customer_phones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(16),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
    )
    op.create_index("ix_customer_phones_e164", "customer_phones", ["e164"])
    op.create_index("ix_customer_phones_customer_id", "customer_phones", ["customer_id", "position"])
    _record_table(
        "orders",
        sa.Column("order_no", sa.String(32), nullable=False),
        sa.Column("placed_at", Timestamp),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("logistics_status", sa.String(64), nullable=False),
        sa.Column("items", Json, nullable=False),
    )
    op.create_index("ix_orders_order_no", "orders", ["order_no"], unique=True)
    _record_table(
        "points_entries",
        sa.Column("ts", Timestamp),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("note", sa.String(128), nullable=False),
    )
    _record_table(
        "service_records",
        sa.Column("ts", Timestamp),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(24), nullable=False),
    )
    _record_table(
        "marketing_touches",
        sa.Column("ts", Timestamp),
        sa.Column("campaign", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(24), nullable=False),
        sa.Column("response", sa.String(24), nullable=False),
    )
    op.create_table(
        "change_log",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(16), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", Json),
        sa.Column("changed_at", Timestamp, nullable=False),
        sa.UniqueConstraint("entity", "entity_id", name="uq_change_log_entity_id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    for name in (
        "change_log",
        "marketing_touches",
        "service_records",
        "points_entries",
        "orders",
        "customer_phones",
        "customers",
        "server_secrets",
        "users",
    ):
        op.drop_table(name)
