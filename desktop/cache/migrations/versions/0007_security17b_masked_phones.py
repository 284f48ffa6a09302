"""An agent's cache holds no full phone number (issue #17): a phone the server sent masked is
stored with `e164` = "#" + the keyed hash of the number (the pop index lookup, same index) and
`masked` = the number as the agent may see it (138****8000). NULL `masked`: a full number.

Revision ID: 0007_security17b_masked_phones
Revises: 0006_desk1415_missed
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_security17b_masked_phones"
down_revision = "0006_desk1415_missed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("phones", sa.Column("masked", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("phones") as batch:
        batch.drop_column("masked")
