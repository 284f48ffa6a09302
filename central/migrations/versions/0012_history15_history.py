"""Central history: agent-state intervals, agents' calls and queue calls (issues #14, #15).

Revision ID: 0012_history15_history
Revises: 0011_central18_feed_notify
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012_history15_history"
down_revision = "0011_central18_feed_notify"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "agent_intervals",
        sa.Column("agent_id", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("start_ts", sa.Float, nullable=False),
        sa.Column("end_ts", sa.Float),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(64)),
        sa.Column("received_at", Timestamp, nullable=False),
    )
    op.create_index("ix_agent_intervals_start_ts", "agent_intervals", ["start_ts"])
    op.create_table(
        "agent_calls",
        sa.Column("agent_id", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ended_ts", sa.Float, nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
    )
    op.create_index("ix_agent_calls_ended_ts", "agent_calls", ["ended_ts"])
    op.create_table(
        "queue_calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("join_ts", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("wait_s", sa.Float),
        sa.Column("handle_s", sa.Float),
        sa.Column("wrap_s", sa.Float, nullable=False),
        sa.Column("reported_by", sa.String(32), nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
    )
    op.create_index("ix_queue_calls_join_ts", "queue_calls", ["join_ts"])


def downgrade() -> None:
    op.drop_table("queue_calls")
    op.drop_table("agent_calls")
    op.drop_table("agent_intervals")
