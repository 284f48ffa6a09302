"""Index change_log (entity, seq): the bootstrap pages one entity's changes as a range scan.

Revision ID: 0005_change_log_entity_seq
Revises: 0004_attachments
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005_change_log_entity_seq"
down_revision = "0004_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_change_log_entity_seq", "change_log", ["entity", "seq"])


def downgrade() -> None:
    op.drop_index("ix_change_log_entity_seq", table_name="change_log")
