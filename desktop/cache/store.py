"""CacheStore: the desktop's local SQLite replica of the CRM (pop index + detail records).

A facade over one connection: each method hands it to the module that does the job.
- desktop/cache/pop_reads.py: pop index by phone and id, search, a customer's whole card;
- desktop/cache/replica.py: replicated records (on-demand fetches, customers found online,
  generic local records) and the table writes the other parts share;
- desktop/cache/changes.py and bootstrap.py: change-feed pages, the bootstrap's state, search
  index and bulk-load settings;
- desktop/cache/push_results.py (with outbox.py and the pure merge_policy.py): local writes,
  the server's answers to a push and the agent's conflict list.

Reads are synchronous and indexed so the UI thread can call them during a screen pop (well under
a millisecond each on a million customers; see bench/bench_pop_1m.py). Writes (bulk sync,
on-demand detail) belong on the worker thread (desktop.services.worker), each in one transaction.
One CacheStore per thread; several stores on the same file are fine (WAL).

The ORM models in desktop/cache/schema.py define the schema; the parts talk to the sqlite3
connection directly because per-row ORM objects would cost more than the whole lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from calldesk_domain.models import Customer, CustomerDetail
from calldesk_domain.popcard import PopCard
from desktop.cache import (
    audit_log,
    bootstrap,
    cipher,
    history,
    missed,
    outbox,
    pop_key,
    pop_reads,
    push_results,
    replica,
    search_index,
    statements,
    unsent,
)
from desktop.cache import changes as _changes
from desktop.cache.bootstrap import BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES
from desktop.cache.changes import DATA_TEXT_KEY, ApplyReport
from desktop.cache.migrate import upgrade
from desktop.cache.pragmas import apply_pragmas
from desktop.cache.push_results import PushReport
from desktop.private_files import prepare_private_sqlite

__all__ = [
    "BULK_CACHE_KIB",
    "BULK_CHECKPOINT_PAGES",
    "DATA_TEXT_KEY",
    "ApplyReport",
    "CacheStore",
    "PushReport",
]

_COUNTED_TABLES = (
    "customers",
    "phones",
    "orders",
    "points_entries",
    "service_records",
    "marketing_touches",
    "outbox",
    "conflicts",
)


FEED_EPOCH_KEY = "feed_epoch"  # central/feed_epoch.py: a restored server has a new one


class CacheStore:
    """The local cache file. Opening it migrates it to the newest schema."""

    def __init__(self, path: Path | str, *, migrate: bool = True) -> None:
        self.path = Path(path)
        if migrate:
            upgrade(self.path)
        else:
            prepare_private_sqlite(self.path)
        # check_same_thread=False lets a store be created on one thread and handed to the worker;
        # callers still use each store from one thread at a time.
        self._conn = cipher.connect(
            self.path, companion=unsent.unsent_path(self.path), isolation_level=None, check_same_thread=False
        )
        apply_pragmas(self._conn)
        unsent.attach(self._conn, self.path)  # the outbox's copy a broken cache cannot take
        self._pragma_defaults = bootstrap.PragmaDefaults.read(self._conn)
        self._pop_key: tuple[str, bytes] | None = None

    # ---- pop index, search and detail reads (UI thread): pop_reads.py -----------------------

    def pop_key(self) -> bytes | None:
        """The key masked numbers are hashed with in this cache (desktop/cache/pop_key.py)."""
        kid = pop_key.stored_id(self._conn)
        if kid is None:
            return None
        if self._pop_key is None or self._pop_key[0] != kid:
            self._pop_key = pop_key.load(self._conn)
        return None if self._pop_key is None else self._pop_key[1]

    def remember_pop_key(self, kid: str, key: bytes, masked: bool = False) -> bool:
        """Keep the server's pop key; True if the replica must be rebuilt: it holds numbers
        hashed with another key, or (`masked`: the server masks this user's numbers) it is a
        cache from before masking that still holds full numbers."""
        with statements.Transaction(self._conn):
            before = pop_key.stored_id(self._conn)
            pop_key.remember(self._conn, kid, key)
        if before is None:
            return masked and pop_key.holds_full_numbers(self._conn)
        return before != kid

    def lookup_phone(self, e164: str) -> list[PopCard]:
        """Every customer who has this E.164 number (a shared landline gives several)."""
        return pop_reads.lookup_phone(self._conn, e164, self.pop_key())

    def pop_card(self, customer_id: str) -> PopCard | None:
        return pop_reads.pop_card(self._conn, customer_id)

    def search(self, text: str, limit: int = 20, region: str = "CN") -> list[PopCard]:
        """Customers matching `text`, best kind of match first (see pop_reads.search); a phone
        number without a country code is read as one of `region` (Settings.phone_region)."""
        return pop_reads.search(self._conn, text, limit, region, self.pop_key())

    def customer_detail(self, customer_id: str) -> CustomerDetail | None:
        """The cached card for one customer, each list newest first; None if not cached."""
        return pop_reads.customer_detail(self._conn, customer_id)

    def pop_row_only(self, customer_id: str) -> bool:
        """True for a customer cached from an online lookup whose records were never fetched or fed."""
        return pop_reads.pop_row_only(self._conn, customer_id)

    def has_detail(self, customer_id: str) -> bool:
        """True when the cache holds this customer's full detail (see pop_reads.has_detail)."""
        return pop_reads.has_detail(self._conn, customer_id)

    # ---- replicated records (worker thread): replica.py, changes.py, bootstrap.py -----------

    def store_detail(self, detail: CustomerDetail) -> None:
        """Cache an on-demand fetch. Older versions never overwrite newer ones."""
        replica.store_detail(self._conn, detail)

    def store_customers(self, customers: Iterable[Customer]) -> int:
        """Cache customers found online (e.g. created after the last sync). Returns rows stored."""
        return replica.store_customers(self._conn, customers)

    def apply_changes(self, changes: list[dict[str, Any]], next_since: int | None = None) -> int:
        """Apply one change-feed page; returns the number of valid changes applied."""
        return self.apply_changes_report(changes, next_since).applied

    def apply_changes_report(
        self, changes: list[Any], next_since: int | None = None, feed_complete: bool = False
    ) -> ApplyReport:
        """One change-feed page and the new `since` in ONE transaction (see changes.py)."""
        return _changes.apply_changes_report(self._conn, changes, next_since, feed_complete)

    def apply_feed_step(self, since: int, changes: list[Any], next_since: int) -> ApplyReport | None:
        """A streamed page, applied only if the cache stands at `since` (see changes.py)."""
        return _changes.apply_feed_step(self._conn, since, changes, next_since)

    def apply_bootstrap_page(self, changes: list[Any], state: dict[str, str]) -> ApplyReport:
        """One bootstrap page and its cursor in ONE transaction (see changes.py)."""
        return _changes.apply_bootstrap_page(self._conn, changes, state)

    def begin_bootstrap(self, state: dict[str, str]) -> None:
        bootstrap.begin_bootstrap(self._conn, state)

    def bootstrap_state(self) -> dict[str, str]:
        """Every sync_state key starting with `bootstrap_` (empty: no bootstrap begun)."""
        return bootstrap.bootstrap_state(self._conn)

    def feed_epoch(self) -> str | None:
        """The feed epoch this cache was filled under (None: not known yet)."""
        return statements.get_state(self._conn, FEED_EPOCH_KEY)

    def adopt_feed_epoch(self, epoch: str) -> str | None:
        """The feed epoch this cache was filled under; `epoch` is stored if there is none yet (a
        fresh cache, or one from before epochs). A different answer means the server's history
        changed under the cache (a restore): rebuild it."""
        with statements.Transaction(self._conn):
            stored = statements.get_state(self._conn, FEED_EPOCH_KEY)
            if stored is None:
                statements.set_state(self._conn, FEED_EPOCH_KEY, epoch)
        return stored

    def search_index_ready(self) -> bool:
        """False while a bootstrap loads without the name, pinyin and phone-suffix indexes:
        `search` then answers exact ids and numbers only."""
        return not search_index.is_deferred(self._conn)

    def build_search_index(self) -> bool:
        """Build the deferred search indexes in ONE transaction; False if nothing was missing."""
        return bootstrap.build_search_index(self._conn)

    def bulk_load(self, enabled: bool) -> None:
        """Connection settings for a bootstrap, back to the defaults when it ends."""
        bootstrap.bulk_load(self._conn, enabled, self._pragma_defaults)

    def last_seq(self) -> int:
        """The seq of the last applied change (0 for a fresh cache)."""
        return statements.last_seq(self._conn)

    def feed_complete(self) -> bool:
        return statements.feed_complete(self._conn)

    # ---- local writes, the outbox and conflicts (push side): push_results.py ----------------

    def write_local(
        self, entity: str, record: dict[str, Any], *, op: str = "upsert", base_version: int | None = None
    ) -> str:
        """Store a local write AND its outbox row in ONE transaction; returns the outbox id."""
        return push_results.write_local(self._conn, entity, record, op, base_version)

    def record_audit(self, action: str, customer_id: str, call_id: str = "", event_id: str = "") -> str:
        """Queue an audit event (view / reveal) for the next push; returns the outbox id."""
        return audit_log.record(self._conn, action, customer_id, call_id, event_id)

    def pending_audit_events(self) -> list[dict[str, Any]]:
        return audit_log.pending_events(self._conn)

    def local_records(self, entity: str) -> list[dict[str, Any]]:
        """Every cached record of a generic entity (ticket, contact, note...), oldest write first.
        Each dict is the record as written or pulled, with `version` = the server version
        (None until its first push has landed)."""
        return replica.local_records(self._conn, entity)

    def local_record(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        return replica.local_record(self._conn, entity, entity_id)

    def local_records_of_customer(self, entity: str, customer_id: str) -> list[dict[str, Any]]:
        """The cached records of a generic entity (ticket, contact) that name this customer."""
        return replica.local_records_of_customer(self._conn, entity, customer_id)

    def next_push_batch(self, limit: int) -> list[outbox.OutboxEntry]:
        return outbox.next_batch(self._conn, limit)

    def discard_draft_attachments(self, ticket_id: str | None = None) -> list[dict[str, Any]]:
        """Attachments of a ticket closed without ever being saved (push_results.py)."""
        return push_results.discard_draft_attachments(self._conn, ticket_id)

    def note_push_failure(self, client_ids: list[str], error: str) -> None:
        push_results.note_push_failure(self._conn, client_ids, error)

    def apply_push_results(self, entries: list[outbox.OutboxEntry], results: object) -> PushReport:
        """Record the server's answers to one push in ONE transaction (see push_results.py)."""
        return push_results.apply_push_results(self._conn, entries, results)

    def reapply_conflict(self, conflict_id: int) -> str | None:
        """The agent re-applies their copy on the server's current version; returns the outbox id."""
        return push_results.reapply_conflict(self._conn, conflict_id)

    def dismiss_conflict(self, conflict_id: int) -> None:
        """The agent keeps the server's copy: the conflict is marked resolved."""
        push_results.dismiss_conflict(self._conn, conflict_id)

    def outbox_count(self) -> int:
        """Local writes not yet acknowledged by the server."""
        return outbox.count(self._conn)

    def outbox_entries(self) -> list[outbox.OutboxEntry]:
        return outbox.pending(self._conn)

    def conflicts(self) -> list[outbox.ConflictRow]:
        """Unresolved conflicts (refused pushes), oldest first."""
        return outbox.conflicts(self._conn)

    # ---- this desktop's history (worker thread for writes): history.py ---------------------

    def record_interval_change(self, closed: dict[str, Any] | None, opened: dict[str, Any] | None) -> None:
        """The interval a state change closed (queued for push) and the one it opened."""
        history.record_interval_change(self._conn, closed, opened)

    def record_call(self, call: dict[str, Any]) -> None:
        """A finished call for "Calls today", queued for push."""
        history.record_call(self._conn, call)

    def queue_records(self, entity: str, records: list[dict[str, Any]]) -> int:
        """Queue pushes of records kept nowhere locally (a supervisor's queue calls)."""
        return history.queue_records(self._conn, entity, records)

    def intervals_since(self, since_ts: float) -> list[dict[str, Any]]:
        return history.intervals_since(self._conn, since_ts)

    def calls_since(self, since_ts: float) -> list[dict[str, Any]]:
        return history.calls_since(self._conn, since_ts)

    def prune_history(self, before_ts: float) -> int:
        return history.prune_history(self._conn, before_ts)

    # ---- missed calls of my queues (worker thread for writes): missed.py ----------------------

    def record_missed(self, record: dict[str, Any]) -> bool:
        return missed.record_missed(self._conn, record)

    def mark_missed_seen(self, call_ids: list[str], seen_ts: float) -> int:
        return missed.mark_missed_seen(self._conn, call_ids, seen_ts)

    def missed_since(self, since_ts: float, unseen_since_ts: float) -> list[dict[str, Any]]:
        return missed.missed_since(self._conn, since_ts, unseen_since_ts)

    def prune_missed(self, before_ts: float) -> int:
        return missed.prune_missed(self._conn, before_ts)

    # ---- housekeeping ------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {t: self._conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _COUNTED_TABLES}

    def file_size_bytes(self) -> int:
        """Main file plus write-ahead log: what the cache occupies on disk right now."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def journal_mode(self) -> str:
        return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    def clear_replica(self) -> dict[str, int]:
        """Empty the replica and the sync state in ONE transaction, keeping pending writes."""
        from desktop.cache.rebuild import clear_replica

        with statements.Transaction(self._conn):
            return clear_replica(self._conn)

    def compact(self) -> None:
        """VACUUM and truncate the write-ahead log (no transaction may be open)."""
        from desktop.cache.rebuild import compact

        compact(self._conn)

    def quick_check(self) -> str:
        """SQLite's structural check of every page: "ok", or the first problems found."""
        found = [str(row[0]) for row in self._conn.execute("PRAGMA main.quick_check(5)")]
        return "; ".join(found)

    def reconcile_unsent(self) -> unsent.ReconcileReport:
        """Make the outbox and its copy in the unsent file agree (desktop/cache/unsent.py)."""
        return unsent.reconcile(self._conn)

    def restore_unsent(self, work: unsent.KeptWork) -> int:
        """Put work salvaged from a damaged cache into this (new, empty) one."""
        return unsent.restore(self._conn, work)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> CacheStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
