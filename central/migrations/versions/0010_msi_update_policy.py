"""Update policy: one row an admin sets (off / notify / require, current version, download address).

Revision ID: 0010_msi_update_policy
Revises: 0009_accounts_audit
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_msi_update_policy"
down_revision = "0009_accounts_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_policy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("current_version", sa.String(32), nullable=False),
        sa.Column("download_url", sa.String(512), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("update_policy")
