"""The central CRM schema (SQLAlchemy Core tables, shared by SQLite and PostgreSQL).

Record tables mirror the dataclasses in `calldesk_domain.models`; `change_log` is the change
feed (one live row per record, see `central.writes`). The Alembic migrations in
`central/migrations/versions` create exactly this schema (a test compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

# JSONB on PostgreSQL (binary, cheaper to read back), JSON text on SQLite.
Json = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
Timestamp = sa.DateTime(timezone=True)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("agent_id", sa.String(32), nullable=False),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    # migration 0007_accounts_users: a disabled user's tokens stop working on the next request;
    # the PBX interface ("PJSIP/1001" on Asterisk, "1001@default" on FreeSWITCH) and queues are
    # what the CTI bridge lets this user act on; team scopes a supervisor's reach.
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("pbx_interface", sa.String(64)),
    sa.Column("queues", Json, nullable=False, server_default="[]"),
    sa.Column("team", sa.String(32)),
)

# Sign-in sessions (migration 0008_accounts_tokens): the refresh token is stored as its SHA-256
# only. Access tokens name their session; a revoked session's tokens stop on the next request.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("refresh_hash", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False, index=True),
    sa.Column("revoked_at", Timestamp),
)

# Small server facts (migration 0007_integrations_meta): the change feed's epoch (central/feed_epoch.py).
server_meta = sa.Table(
    "server_meta",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

# The source system's version of each record it sent (an order's OMS version): an older or equal
# version arriving later (a replay, a re-sent import line) changes nothing (migration 0007).
source_versions = sa.Table(
    "source_versions",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("natural_key", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# Ticket creates/updates to the external ticket system (central/integrations/ticket_sync.py),
# written in the same transaction as the ticket; pending -> delivered, or dead after N attempts.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(16), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=False),
    sa.Column("last_error", sa.String(512)),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("delivered_at", Timestamp),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, index=True),
    sa.Column("email", sa.String(128)),
    sa.Column("shop_member_id", sa.String(32), index=True),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("membership_level", sa.String(32), nullable=False),
    sa.Column("points_balance", sa.Integer, nullable=False),
    sa.Column("tags", Json, nullable=False),
    sa.Column("lifetime_value_fen", sa.BigInteger, nullable=False),
    sa.Column("churn_risk", sa.Float, nullable=False),
    sa.Column("churn_reasons", Json, nullable=False),
    sa.Column("city", sa.String(32), nullable=False),
    sa.Column("created_at", Timestamp),
    sa.Column("updated_at", Timestamp),
    sa.Column("version", sa.Integer, nullable=False),
)

customer_phones = sa.Table(
    "customer_phones",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "customer_id", sa.String(16), sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("e164", sa.String(20), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("label", sa.String(32), nullable=False),
    sa.Index("ix_customer_phones_customer_id", "customer_id", "position"),
)


def _customer_fk() -> sa.Column:
    return sa.Column(
        "customer_id",
        sa.String(16),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    _customer_fk(),
    sa.Column("order_no", sa.String(32), nullable=False, unique=True, index=True),
    sa.Column("placed_at", Timestamp),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("logistics_status", sa.String(64), nullable=False),
    sa.Column("items", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

points_entries = sa.Table(
    "points_entries",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    _customer_fk(),
    sa.Column("ts", Timestamp),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("note", sa.String(128), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

service_records = sa.Table(
    "service_records",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    _customer_fk(),
    sa.Column("ts", Timestamp),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("channel", sa.String(24), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

marketing_touches = sa.Table(
    "marketing_touches",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    _customer_fk(),
    sa.Column("ts", Timestamp),
    sa.Column("campaign", sa.String(128), nullable=False),
    sa.Column("channel", sa.String(24), nullable=False),
    sa.Column("response", sa.String(24), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# seq: strictly increasing and never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL),
# so a row deleted by compaction never gives its number to a later change.
change_log = sa.Table(
    "change_log",
    metadata,
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("entity", sa.String(16), nullable=False),
    # 64 wide (migration 0003_push): records created on a desktop have client UUID ids.
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", Json),
    sa.Column("changed_at", Timestamp, nullable=False),
    sa.UniqueConstraint("entity", "entity_id", name="uq_change_log_entity_id"),
    # migration 0005: one entity's changes in seq order as a range scan (the bootstrap's pop index)
    sa.Index("ix_change_log_entity_seq", "entity", "seq"),
    sqlite_autoincrement=True,
)

# Push (migration 0003_push, see central/push.py and docs/central-api.md "Push").
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.String(16), nullable=False, index=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# A replayed Idempotency-Key is answered with the stored response.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("response", Json, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, index=True),  # purge (migration 0005)
)

# Every mutation's client_id with its result: a client_id is never applied twice.
push_results = sa.Table(
    "push_results",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    # migration 0009_accounts_audit: who pushed it (another user's client_id is never answered)
    sa.Column("user_id", sa.Integer),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("result", Json, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, index=True),  # purge (migration 0005)
)

# Record views and phone reveals (migration 0009_accounts_audit), queryable by admins.
audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", Timestamp, nullable=False, index=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("customer_id", sa.String(32), nullable=False, index=True),
    sa.Column("call_id", sa.String(64), nullable=False),
    # migration 0013_security17b_audit_source: "server" (the API saw it) or "desktop" (pushed
    # through the outbox; `at` is the desktop's clock, `received_at` the server's), and the
    # desktop's event id (a replay under another client_id is recorded once)
    sa.Column("source", sa.String(16), nullable=False, server_default="server"),
    sa.Column("event_id", sa.String(64), nullable=True),
    sa.Column("received_at", Timestamp, nullable=True),
    sa.UniqueConstraint("event_id", name="uq_audit_events_event_id"),
)

# Entity name (change feed) -> record table.
ENTITY_TABLES: dict[str, sa.Table] = {
    "customer": customers,
    "order": orders,
    "points": points_entries,
    "service": service_records,
    "marketing": marketing_touches,
    "note": notes,
}

# -- Tickets (工单), contact logs and the knowledge base (central/tickets.py) ---------------------
# Shapes mirror calldesk_domain.tickets.Ticket / ContactLog. Ids are client-made (16-32 chars) so
# a ticket created offline keeps its id. No foreign key to customers: a ticket may arrive before
# a customer created offline in the same push batch.
tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("customer_id", sa.String(32), nullable=False, index=True),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("status", sa.String(24), nullable=False, index=True),
    sa.Column("complaint_stage", sa.String(24), nullable=False),
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("product_model", sa.String(64), nullable=False),
    sa.Column("product_serial", sa.String(64), nullable=False),
    sa.Column("purchase_date", sa.String(10), nullable=False),
    sa.Column("warranty_status", sa.String(24), nullable=False),
    sa.Column("fault_description", sa.Text, nullable=False),
    sa.Column("service_mode", sa.String(16), nullable=False),
    sa.Column("assignee_group", sa.String(32), nullable=False, index=True),
    sa.Column("assignee_agent", sa.String(32), nullable=False, index=True),
    sa.Column("created_by", sa.String(32), nullable=False),
    sa.Column("created_at", Timestamp),
    sa.Column("updated_at", Timestamp),
    sa.Column("sla_due_at", Timestamp, index=True),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("kb_article_ids", Json, nullable=False),
    sa.Column("comments", Json, nullable=False),
    sa.Column("history", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("call_id", sa.String(64), nullable=False, index=True),
    sa.Column("agent_id", sa.String(32), nullable=False, index=True),
    sa.Column("customer_id", sa.String(32), nullable=False, index=True),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("started_at", Timestamp),
    sa.Column("ended_at", Timestamp),
    sa.Column("disposition", sa.String(32), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("ticket_id", sa.String(32), nullable=False),
    sa.Column("satisfaction", sa.Integer),
    sa.Column("created_at", Timestamp),
    sa.Column("version", sa.Integer, nullable=False),
)

kb_articles = sa.Table(
    "kb_articles",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("title", sa.String(128), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("tags", Json, nullable=False),
    sa.Column("updated_at", Timestamp),
)

# Entity name (push / change feed) -> table, for the service records of central/tickets.py.
SERVICE_TABLES: dict[str, sa.Table] = {"ticket": tickets, "contact": contacts}

# Ticket attachments: the record (pushed like any other entity, kept whole in `data`) and the
# bytes, uploaded separately with PUT /api/v1/attachments/{id} (central/attachments.py).
attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(32), nullable=False, index=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

attachment_blobs = sa.Table(
    "attachment_blobs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("stored_at", Timestamp, nullable=False),
)

# -- History (central/history_push.py, central/history.py; migration 0011_history15) -------------
# Pushed through the outbox, outside the change feed (no desktop replicates another's day).
# Agent-state intervals and calls are keyed by the agent the TOKEN names: nobody writes another's.
# Times are epoch seconds: a day on the centre's clock is one range scan on any database.
agent_intervals = sa.Table(
    "agent_intervals",
    metadata,
    sa.Column("agent_id", sa.String(32), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("start_ts", sa.Float, nullable=False, index=True),
    sa.Column("end_ts", sa.Float),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("call_id", sa.String(64)),
    sa.Column("received_at", Timestamp, nullable=False),
)
agent_calls = sa.Table(
    "agent_calls",
    metadata,
    sa.Column("agent_id", sa.String(32), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("ended_ts", sa.Float, nullable=False, index=True),
    sa.Column("data", Json, nullable=False),
    sa.Column("received_at", Timestamp, nullable=False),
)
# One row per call that entered a queue (calldesk_domain.metrics.QueueCall), reported by the
# supervisor desktops that watched it; interval statistics are computed from these on request.
queue_calls = sa.Table(
    "queue_calls",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("queue", sa.String(64), nullable=False),
    sa.Column("join_ts", sa.Float, nullable=False, index=True),
    sa.Column("outcome", sa.String(16)),
    sa.Column("wait_s", sa.Float),
    sa.Column("handle_s", sa.Float),
    sa.Column("wrap_s", sa.Float, nullable=False),
    sa.Column("reported_by", sa.String(32), nullable=False),
    sa.Column("received_at", Timestamp, nullable=False),
)
# The desktop update policy an admin sets (central/update_policy.py); one row, id 1.
update_policy = sa.Table(
    "update_policy",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1: one policy per server
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("current_version", sa.String(32), nullable=False),
    sa.Column("download_url", sa.String(512), nullable=False),
    sa.Column("message", sa.String(500), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)
