"""Users carry what the CTI side and authorisation need: active flag, PBX interface, queues, team.

Revision ID: 0007_accounts_users
Revises: 0007_integrations_meta
Create Date: 2026-12-02

The seeded demo users (central.auth.DEMO_USERS) get their interface and queues here too, so a
database seeded before this revision matches a freshly seeded one. Only rows that still look like
the demo users (same agent id, no interface yet) are touched.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_accounts_users"
down_revision = "0007_integrations_meta"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")

# username, agent id, PBX interface, queues (JSON text): mirrors central.auth.DEMO_USERS.
_DEMO_CTI = (
    ("1001", "1001", "PJSIP/1001", '["sales"]'),
    ("1002", "1002", "PJSIP/1002", '["sales", "service"]'),
    ("super", "9001", None, '["sales", "service"]'),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("pbx_interface", sa.String(64), nullable=True))
        batch.add_column(sa.Column("queues", Json, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("team", sa.String(32), nullable=True))
    users = sa.table(
        "users",
        sa.column("username", sa.String),
        sa.column("agent_id", sa.String),
        sa.column("pbx_interface", sa.String),
        sa.column("queues", sa.JSON),
    )
    for username, agent_id, interface, queues in _DEMO_CTI:
        op.execute(
            users.update()
            .where(users.c.username == username, users.c.agent_id == agent_id)
            .where(users.c.pbx_interface.is_(None))
            .values(pbx_interface=interface, queues=sa.text(f"'{queues}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("team")
        batch.drop_column("queues")
        batch.drop_column("pbx_interface")
        batch.drop_column("active")
