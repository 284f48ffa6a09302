"""server_meta: small server facts, first the change feed's epoch (a restore starts a new one).

Revision ID: 0007_integrations_meta
Revises: 0006_change_log_entity_seq
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_integrations_meta"
down_revision = "0006_change_log_entity_seq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_meta",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_meta")
