"""Missed calls of the agent's queues and their "seen" mark (issue #14), so a restart keeps the
list and the status bar's count.

Revision ID: 0006_desk1415_missed
Revises: 0005_history15
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_desk1415_missed"
down_revision = "0005_history15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "missed_calls",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("ended_ts", sa.Float(), nullable=False),
        sa.Column("seen_ts", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_missed_calls_ended_ts", "missed_calls", ["ended_ts"])


def downgrade() -> None:
    op.drop_table("missed_calls")
