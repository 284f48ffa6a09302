"""Feed notifications: on PostgreSQL, NOTIFY the change_log's new head at commit.

A statement-level trigger sends max(seq) of the inserted rows on channel
`calldesk_feed_<schema>`; NOTIFY is delivered only when the writing transaction commits, so a
desktop told "seq N" finds N in the feed. Each API worker LISTENs (central/notify.py). SQLite
needs nothing here: its API is one process and fans out in memory.

Revision ID: 0011_central18_feed_notify
Revises: 0010_msi_update_policy
Create Date: 2026-12-02
"""

from alembic import op

revision = "0011_central18_feed_notify"
down_revision = "0010_msi_update_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION calldesk_feed_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('calldesk_feed_' || TG_TABLE_SCHEMA,
                              (SELECT max(seq) FROM new_rows)::text);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION calldesk_feed_notify()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_log_notify ON change_log")
    op.execute("DROP FUNCTION IF EXISTS calldesk_feed_notify()")
