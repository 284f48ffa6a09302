"""Push retention: index idempotency_keys and push_results on created_at, so the hourly purge
of old rows (central.push.purge_push_records) reads only what it deletes.

Revision ID: 0005_push_retention
Revises: 0004_attachments
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005_push_retention"
down_revision = "0004_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_index("ix_push_results_created_at", "push_results", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_push_results_created_at", table_name="push_results")
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
