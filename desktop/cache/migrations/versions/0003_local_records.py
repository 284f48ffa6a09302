"""Push side of sync: generic `local_records` for entities without a table of their own
(ticket, contact, note...) and the outbox's `base_payload` (the record the edit started from,
used for field-level merges on conflict), and `server_copies`: the newest server copy of a
record the pull did not apply because the agent's edit of it is still in the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "local_records",
        sa.Column("entity", sa.String(), primary_key=True),
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    op.create_table(
        "server_copies",
        sa.Column("entity", sa.String(), primary_key=True),
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("base_payload", sa.JSON(), nullable=True))
    op.create_index("ix_outbox_entity_record", "outbox", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_entity_record", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("base_payload")
    op.drop_table("server_copies")
    op.drop_table("local_records")
