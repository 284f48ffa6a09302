"""Index change_log (entity, seq): the bootstrap pages one entity's changes as a range scan.

Revision ID: 0006_change_log_entity_seq
Revises: 0005_push_retention
Create Date: 2026-12-01
"""

from alembic import op

revision = "0006_change_log_entity_seq"
down_revision = "0005_push_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_change_log_entity_seq", "change_log", ["entity", "seq"])


def downgrade() -> None:
    op.drop_index("ix_change_log_entity_seq", table_name="change_log")
