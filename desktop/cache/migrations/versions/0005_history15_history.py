"""This desktop's history: agent-state intervals and finished calls (issue #14), kept for the
restart and pushed through the outbox.

Revision ID: 0005_history15
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_history15"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_intervals",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("start_ts", sa.Float(), nullable=False),
        sa.Column("end_ts", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_agent_intervals_start_ts", "agent_intervals", ["start_ts"])
    op.create_table(
        "call_log",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("ended_ts", sa.Float(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_call_log_ended_ts", "call_log", ["ended_ts"])


def downgrade() -> None:
    op.drop_table("call_log")
    op.drop_table("agent_intervals")
