"""Name substring index: every 1- and 2-character piece of each customer's name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from desktop.cache import grams

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "name_grams",
        sa.Column("gram", sa.String(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_name_grams_customer_id", "name_grams", ["customer_id"])
    # the same pieces CacheStore keeps (calldesk_fold is registered on every cache connection)
    raw = op.get_bind().connection.driver_connection
    assert raw is not None  # typed Optional for a detached connection; the migration's bind is live
    grams.rebuild_all(raw)


def downgrade() -> None:
    op.drop_index("ix_name_grams_customer_id", table_name="name_grams")
    op.drop_table("name_grams")
