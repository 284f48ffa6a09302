"""Sign-in sessions with hashed refresh tokens; the plain-text HMAC secret table goes.

Revision ID: 0008_accounts_tokens
Revises: 0007_accounts_users
Create Date: 2026-12-02

Access tokens are now Ed25519-signed with a key kept outside the database (central.tokens), so
`server_secrets` (the HMAC secret anyone reading the database could mint admin tokens with) is
dropped; every token it signed stops working. Users sign in again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_accounts_tokens"
down_revision = "0007_accounts_users"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("refresh_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.drop_table("server_secrets")


def downgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.drop_index("ix_sessions_expires_at", table_name="sessions")
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
