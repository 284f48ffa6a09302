"""Pinyin searches read their first page straight from an index: (name_initials, name) and
(name_pinyin, name) replace the single-column indexes. The search asks for
`ORDER BY name_initials, name LIMIT n`; with the old indexes SQLite sorted every customer whose
initials matched ("sy" on a million customers: 13,500 rows, ~90 ms on the UI thread) to return 20.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_initials_name", "customers", ["name_initials", "name"])
    op.create_index("ix_customers_pinyin_name", "customers", ["name_pinyin", "name"])
    op.drop_index("ix_customers_name_initials", table_name="customers")
    op.drop_index("ix_customers_name_pinyin", table_name="customers")


def downgrade() -> None:
    op.create_index("ix_customers_name_initials", "customers", ["name_initials"])
    op.create_index("ix_customers_name_pinyin", "customers", ["name_pinyin"])
    op.drop_index("ix_customers_initials_name", table_name="customers")
    op.drop_index("ix_customers_pinyin_name", table_name="customers")
