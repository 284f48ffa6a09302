"""Audit events pushed by desktops: where an event came from (server / desktop), the desktop's
event id (recorded once) and when the server received it.

Revision ID: 0013_security17b_audit_source
Revises: 0012_history15_history
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_security17b_audit_source"
down_revision = "0012_history15_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="server"))
        batch.add_column(sa.Column("event_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_audit_events_event_id", ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint("uq_audit_events_event_id", type_="unique")
        batch.drop_column("received_at")
        batch.drop_column("event_id")
        batch.drop_column("source")
