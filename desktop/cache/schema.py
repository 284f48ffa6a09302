"""SQLAlchemy 2 typed models of the local cache. The Alembic migrations create exactly this schema.

Timestamps are stored as fixed-width ISO 8601 UTC text (`2026-11-23T08:00:00.000000Z`, see
`desktop.cache.rows.ts_text`) so that text order is time order and indexes serve "newest first".
JSON columns hold the whole record (`to_dict()`), the other columns are what the UI searches on.
"""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CustomerRow(Base):
    """Pop index: one row per customer, everything the pop card shows."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, nullable=False)
    name_initials: Mapped[str] = mapped_column(String, nullable=False)  # 张三 -> zs
    name_pinyin: Mapped[str] = mapped_column(String, nullable=False)  # 张三 -> zhangsan
    tier: Mapped[str] = mapped_column(String, nullable=False)
    membership_level: Mapped[str] = mapped_column(String, nullable=False)
    points_balance: Mapped[int] = mapped_column(Integer, nullable=False)
    churn_risk: Mapped[float] = mapped_column(Float, nullable=False)
    churn_reasons: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list
    tags: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
    detail_fetched_at: Mapped[str | None] = mapped_column(String, nullable=True)

    # (key, name): a pinyin search's first page is read in order from the index (migration 0004)
    __table_args__ = (
        Index("ix_customers_name", "name"),
        Index("ix_customers_initials_name", "name_initials", "name"),
        Index("ix_customers_pinyin_name", "name_pinyin", "name"),
    )


class NameGramRow(Base):
    """Name substring index (migration 0002): one row per 1- or 2-character piece of a name."""

    __tablename__ = "name_grams"
    __table_args__ = {"sqlite_with_rowid": False}

    gram: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        String, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PhoneRow(Base):
    __tablename__ = "phones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        String, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    e164: Mapped[str] = mapped_column(String, nullable=False, index=True)
    # E.164 digits reversed, so "last 4+ digits" searches are an index range scan.
    digits_reversed: Mapped[str] = mapped_column(String, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String, nullable=False)
    label: Mapped[str] = mapped_column(String, nullable=False)
    # migration 0007: the number as shown (138****8000) when the server sent it masked; then
    # e164 holds "#" + its keyed hash and digits_reversed only its last 4 digits (reversed)
    masked: Mapped[str | None] = mapped_column(String, nullable=True)


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, nullable=False)
    order_no: Mapped[str] = mapped_column(String, nullable=False, index=True)
    placed_at: Mapped[str | None] = mapped_column(String, nullable=True)
    status: Mapped[str] = mapped_column(String, nullable=False)
    amount_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)

    __table_args__ = (Index("ix_orders_customer_time", "customer_id", "placed_at"),)


class PointsEntryRow(Base):
    __tablename__ = "points_entries"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, nullable=False)
    ts: Mapped[str | None] = mapped_column(String, nullable=True)
    kind: Mapped[str] = mapped_column(String, nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)

    __table_args__ = (Index("ix_points_entries_customer_time", "customer_id", "ts"),)


class ServiceRecordRow(Base):
    __tablename__ = "service_records"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, nullable=False)
    ts: Mapped[str | None] = mapped_column(String, nullable=True)
    kind: Mapped[str] = mapped_column(String, nullable=False)
    status: Mapped[str] = mapped_column(String, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)

    __table_args__ = (Index("ix_service_records_customer_time", "customer_id", "ts"),)


class MarketingTouchRow(Base):
    __tablename__ = "marketing_touches"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, nullable=False)
    ts: Mapped[str | None] = mapped_column(String, nullable=True)
    campaign: Mapped[str] = mapped_column(String, nullable=False)
    channel: Mapped[str] = mapped_column(String, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)

    __table_args__ = (Index("ix_marketing_touches_customer_time", "customer_id", "ts"),)


class SyncStateRow(Base):
    """Key/value sync bookkeeping: `last_seq` (last applied change), `feed_complete`."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(String, nullable=False)


class OutboxRow(Base):
    """A local write waiting to be pushed (committed with the write itself; see docs/sync-protocol.md)."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String, primary_key=True)  # UUID, also the Idempotency-Key
    entity: Mapped[str] = mapped_column(String, nullable=False)
    entity_id: Mapped[str] = mapped_column(String, nullable=False)
    op: Mapped[str] = mapped_column(String, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[str] = mapped_column(String, nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Migration 0003: the record as it was before this edit (None for a create or unknown);
    # a conflict merges field by field against it.
    base_payload: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_outbox_entity_record", "entity", "entity_id"),)


class LocalRecordRow(Base):
    """Migration 0003: records of entities the cache has no table for (ticket, contact, note...),
    whole record as JSON; `version` is the server version (None until the first push lands)."""

    __tablename__ = "local_records"

    entity: Mapped[str] = mapped_column(String, primary_key=True)
    id: Mapped[str] = mapped_column(String, primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[str] = mapped_column(String, nullable=False)


class ServerCopyRow(Base):
    """Migration 0003: the newest server copy (data NULL: deleted) of a record the pull held back
    because it has outbox rows; applied when the last of them is answered."""

    __tablename__ = "server_copies"

    entity: Mapped[str] = mapped_column(String, primary_key=True)
    id: Mapped[str] = mapped_column(String, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class ConflictRow(Base):
    """A push the server refused because its copy moved on; the agent sees and resolves these."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[str] = mapped_column(String, nullable=False)
    entity: Mapped[str] = mapped_column(String, nullable=False)
    entity_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    local_payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    server_payload: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(String, nullable=False)
    resolved_at: Mapped[str | None] = mapped_column(String, nullable=True)


class AgentIntervalRow(Base):
    """Migration 0005_history15: this desktop's agent-state intervals (issue #14); `data` is the
    interval as pushed (StateInterval.to_dict() + id). The open one has end_ts NULL."""

    __tablename__ = "agent_intervals"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    start_ts: Mapped[float] = mapped_column(Float, nullable=False, index=True)
    end_ts: Mapped[float | None] = mapped_column(Float, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)


class CallLogRow(Base):
    """Migration 0005_history15: this agent's finished calls, inbound and outbound ("Calls today")."""

    __tablename__ = "call_log"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    ended_ts: Mapped[float] = mapped_column(Float, nullable=False, index=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)


class MissedCallRow(Base):
    """Migration 0006_desk1415_missed: missed calls of the agent's queues (issue #14); `data` is
    the call as listed (calldesk_domain.missed_calls), `seen_ts` when the agent marked it seen."""

    __tablename__ = "missed_calls"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    ended_ts: Mapped[float] = mapped_column(Float, nullable=False, index=True)
    seen_ts: Mapped[float | None] = mapped_column(Float, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
