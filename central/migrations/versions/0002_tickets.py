"""Tickets, contact logs and the knowledge base (seeded with the FAQ articles).

Revision ID: 0002_tickets
Revises: 0001_initial
Create Date: 2026-11-23
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_tickets"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(32), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("complaint_stage", sa.String(24), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("product_model", sa.String(64), nullable=False),
        sa.Column("product_serial", sa.String(64), nullable=False),
        sa.Column("purchase_date", sa.String(10), nullable=False),
        sa.Column("warranty_status", sa.String(24), nullable=False),
        sa.Column("fault_description", sa.Text, nullable=False),
        sa.Column("service_mode", sa.String(16), nullable=False),
        sa.Column("assignee_group", sa.String(32), nullable=False),
        sa.Column("assignee_agent", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", Timestamp),
        sa.Column("updated_at", Timestamp),
        sa.Column("sla_due_at", Timestamp),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("kb_article_ids", Json, nullable=False),
        sa.Column("comments", Json, nullable=False),
        sa.Column("history", Json, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    for column in ("customer_id", "status", "assignee_group", "assignee_agent", "sla_due_at"):
        op.create_index(f"ix_tickets_{column}", "tickets", [column])
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("started_at", Timestamp),
        sa.Column("ended_at", Timestamp),
        sa.Column("disposition", sa.String(32), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("satisfaction", sa.Integer),
        sa.Column("created_at", Timestamp),
        sa.Column("version", sa.Integer, nullable=False),
    )
    for column in ("call_id", "agent_id", "customer_id"):
        op.create_index(f"ix_contacts_{column}", "contacts", [column])
    kb = op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("tags", Json, nullable=False),
        sa.Column("updated_at", Timestamp),
    )
    from central.kb_articles import ARTICLES

    now = datetime(2026, 11, 1, tzinfo=UTC)
    op.bulk_insert(
        kb,
        [
            {"id": i, "category": c, "title": t, "body": b, "tags": list(tags), "updated_at": now}
            for i, c, t, b, tags in ARTICLES
        ],
    )


def downgrade() -> None:
    op.drop_table("kb_articles")
    op.drop_table("contacts")
    op.drop_table("tickets")
