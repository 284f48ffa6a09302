"""Feed order at commit: change rows take their final seq when their transaction commits.

Before, every writer took one database-wide advisory lock before its first read and held it to
commit, so change rows committed in `seq` order. Under load the holder spent most of that time
waiting for its API worker (Python's GIL) between statements, and every other write waited
behind it (2,000 desktops: 14.5 writes/s taken, push p50 20 s).

Now ordinary writers lock only what they touch (per record / client_id / key, in Python:
central/writes.py `lock_records`), and a DEFERRED constraint trigger on change_log runs at
commit: it takes the advisory lock, gives the row a fresh seq from the sequence and NOTIFYs it.
The lock is released when that commit ends, so it is held for the commit only, inside the
database, with no round trip to the API: seqs still become visible in order, and a feed reader
still never skips a seq that commits later.

Bulk writers (seed, import) take the lock up front as before and say so with the transaction
setting `calldesk.writers_locked`; their seqs are already in order, so the commit trigger skips
their rows (no second write of a million rows) and the statement trigger of 0011 notifies.

Revision ID: 0014_central18_commit_order
Revises: 0013_security17b_audit_source
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014_central18_commit_order"
down_revision = "0013_security17b_audit_source"
branch_labels = None
depends_on = None

WRITERS_LOCK_KEY = 0x6361_6C6C  # central.writes._PG_LOCK_KEY


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION calldesk_feed_commit_order() RETURNS trigger AS $$
        DECLARE
            final bigint;
        BEGIN
            IF current_setting('calldesk.writers_locked', true) = 'on' THEN
                RETURN NULL;
            END IF;
            PERFORM pg_advisory_xact_lock({WRITERS_LOCK_KEY});
            EXECUTE format(
                'UPDATE %s SET seq = nextval(pg_get_serial_sequence(%L, %L)) WHERE seq = $1 RETURNING seq',
                TG_RELID::regclass, TG_RELID::regclass::text, 'seq'
            ) INTO final USING NEW.seq;
            IF final IS NOT NULL THEN  -- NULL: the row was compacted away later in the transaction
                PERFORM pg_notify('calldesk_feed_' || TG_TABLE_SCHEMA, final::text);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE CONSTRAINT TRIGGER change_log_commit_order AFTER INSERT ON change_log
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION calldesk_feed_commit_order()
        """
    )
    # 0011's statement trigger saw the provisional seqs: it now speaks only for bulk writers.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION calldesk_feed_notify() RETURNS trigger AS $$
        BEGIN
            IF current_setting('calldesk.writers_locked', true) = 'on' THEN
                PERFORM pg_notify('calldesk_feed_' || TG_TABLE_SCHEMA,
                                  (SELECT max(seq) FROM new_rows)::text);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_log_commit_order ON change_log")
    op.execute("DROP FUNCTION IF EXISTS calldesk_feed_commit_order()")
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
