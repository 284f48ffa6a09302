"""CacheStore: the desktop's local SQLite replica of the CRM (pop index + detail records).

Reads are synchronous and indexed so the UI thread can call them during a screen pop (well under
a millisecond each on a million customers; see bench/bench_initial_sync.py). Writes (bulk sync,
on-demand detail) belong on the worker thread (desktop.services.worker), each in one transaction.
One CacheStore per thread; several stores on the same file are fine (WAL).

The ORM models in desktop/cache/schema.py define the schema; this module talks to the sqlite3
connection directly because per-row ORM objects would cost more than the whole lookup.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from calldesk_domain.models import (
    Customer,
    CustomerDetail,
    MarketingTouch,
    Order,
    PointsEntry,
    ServiceRecord,
)
from calldesk_domain.phone import normalize
from calldesk_domain.popcard import PopCard
from desktop.cache import grams, outbox, rows, search_index
from desktop.cache.migrate import upgrade
from desktop.cache.pinyin import search_key
from desktop.cache.pragmas import apply_pragmas

log = logging.getLogger(__name__)

# detail_fetched_at of a customer cached from an online lookup alone (no orders or history yet)
_BASIC_ONLY = ""

_CUSTOMER_COLUMNS = (
    "id",
    "name",
    "name_initials",
    "name_pinyin",
    "tier",
    "membership_level",
    "points_balance",
    "churn_risk",
    "churn_reasons",
    "tags",
    "version",
    "data",
)


@dataclass(frozen=True, slots=True)
class _DetailTable:
    entity: str
    table: str
    columns: tuple[str, ...]
    time_column: str
    to_row: Any
    record_type: Any


_DETAIL_TABLES: dict[str, _DetailTable] = {
    t.entity: t
    for t in (
        _DetailTable(
            "order",
            "orders",
            ("id", "customer_id", "order_no", "placed_at", "status", "amount_fen", "version", "payload"),
            "placed_at",
            rows.order_row,
            Order,
        ),
        _DetailTable(
            "points",
            "points_entries",
            ("id", "customer_id", "ts", "kind", "points", "version", "payload"),
            "ts",
            rows.points_row,
            PointsEntry,
        ),
        _DetailTable(
            "service",
            "service_records",
            ("id", "customer_id", "ts", "kind", "status", "version", "payload"),
            "ts",
            rows.service_row,
            ServiceRecord,
        ),
        _DetailTable(
            "marketing",
            "marketing_touches",
            ("id", "customer_id", "ts", "campaign", "channel", "version", "payload"),
            "ts",
            rows.marketing_row,
            MarketingTouch,
        ),
    )
}

# customer_detail's lists, in CustomerDetail order; kind 0 is the customer row itself
_DETAIL_KINDS = tuple(_DETAIL_TABLES[e] for e in ("order", "points", "service", "marketing"))
_DETAIL_QUERY = (
    " UNION ALL ".join(
        (
            "SELECT 0 AS kind, NULL AS t, id, data FROM customers WHERE id = :id",
            *(
                f"SELECT {kind} AS kind, {t.time_column}, id, payload FROM {t.table} WHERE customer_id = :id"
                for kind, t in enumerate(_DETAIL_KINDS, start=1)
            ),
        )
    )
    + " ORDER BY kind, t DESC, id DESC"
)

_CHUNK = 500  # ids per IN (...) list, far below SQLite's variable limit
BULK_CACHE_KIB = 64 * 1024  # PRAGMA cache_size of a bootstrap (CacheStore.bulk_load)
BULK_CHECKPOINT_PAGES = 16384  # PRAGMA wal_autocheckpoint of a bootstrap: 64 MB of 4 KiB pages

# A change may carry the JSON text of its `data` under this key (desktop.services.api keeps it
# while decoding a bulk page); the cache then stores that text instead of encoding the dict again.
DATA_TEXT_KEY = "_data_text"


def _upsert_sql(table: str, columns: Sequence[str], version_guard: bool) -> str:
    placeholders = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    guard = f" WHERE excluded.version >= {table}.version" if version_guard else ""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}{guard}"
    )


_CUSTOMER_UPSERT = _upsert_sql("customers", _CUSTOMER_COLUMNS, version_guard=False)
# From the feed: a customer cached from an online lookup alone (detail_fetched_at = '') stops
# being "pop row only", since the feed carries its records from now on (one statement, no second pass).
_FEED_CUSTOMER_UPSERT = _CUSTOMER_UPSERT + (
    ", detail_fetched_at = CASE WHEN customers.detail_fetched_at = '' THEN NULL"
    " ELSE customers.detail_fetched_at END"
)
_PHONE_INSERT = "INSERT INTO phones (customer_id, e164, digits_reversed, kind, label) VALUES (?, ?, ?, ?, ?)"
_DETAIL_UPSERT = {e: _upsert_sql(t.table, t.columns, version_guard=True) for e, t in _DETAIL_TABLES.items()}

_MAX_VARIABLES = 999  # bound parameters per statement: SQLite's historic limit, safe on every build


@functools.lru_cache(maxsize=512)
def _many_rows_sql(sql: str, count: int) -> str:
    """`sql` (one `VALUES (?, ...)` tuple) with `count` tuples."""
    start = sql.index("VALUES (") + len("VALUES ")
    end = sql.index(")", start) + 1
    return sql[:start] + ", ".join([sql[start:end]] * count) + sql[end:]


def _write_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple]) -> None:
    """`conn.executemany(sql, rows)` in statements of many rows each (same effect, row order
    kept). Each SQLite step releases the GIL and takes it back; stepped row by row while
    another thread decodes the next page, the worker waited up to a switch interval for every
    row (measured: 80x slower inserts against a busy thread)."""
    if not rows:
        return
    per_statement = max(1, _MAX_VARIABLES // len(rows[0]))
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        conn.execute(_many_rows_sql(sql, len(part)), list(itertools.chain.from_iterable(part)))


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """Outcome of one change page: `applied` valid changes written (stale versions are a no-op
    but count as applied), `skipped` bad rows logged and left out, `last_seq` stored with them."""

    applied: int
    skipped: int
    last_seq: int


@dataclass(frozen=True, slots=True)
class PushReport:
    """What one push's answers did: rows `applied`, `merged` (re-queued after a field merge),
    `conflict` (server won, listed), `rejected` (listed), `unanswered` (still queued)."""

    applied: int = 0
    merged: int = 0
    conflict: int = 0
    rejected: int = 0
    unanswered: int = 0


class _Change(NamedTuple):  # a tuple: a million of them per bootstrap, built fast
    seq: int
    entity: str
    record_id: str
    op: str
    data: dict[str, Any] | None
    version: int | None = None
    data_text: str | None = None  # the JSON text of `data` as received, when the page kept it


def _parse_change(change: object) -> _Change:
    if not isinstance(change, dict):
        raise rows.BadRecord(f"change must be an object, got {type(change).__name__}")
    seq = change.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise rows.BadRecord(f"change 'seq' must be a non-negative whole number, got {seq!r}")
    entity = change.get("entity")
    if not isinstance(entity, str) or (
        entity != "customer" and entity not in _DETAIL_TABLES and entity not in outbox.LOCAL_ENTITIES
    ):
        raise rows.BadRecord(f"unknown entity {entity!r}")
    record_id = change.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise rows.BadRecord(f"change 'id' must be non-empty text, got {record_id!r}")
    op = change.get("op")
    data = change.get("data")
    version = change.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        version = None
    if op == "delete":
        return _Change(seq, entity, record_id, op, None, version)
    if op != "upsert":
        raise rows.BadRecord(f"unknown op {op!r}")
    if not isinstance(data, dict):
        raise rows.BadRecord("upsert without a data object")
    text = change.get(DATA_TEXT_KEY)
    if "version" not in data and version is not None:
        data = {**data, "version": version}
        text = None  # no longer the record as received
    if version is None and isinstance(data.get("version"), int) and not isinstance(data["version"], bool):
        version = data["version"]
    return _Change(seq, entity, record_id, op, data, version, text if isinstance(text, str) else None)


def _decode_objects(texts: list[str]) -> list[dict | ValueError]:
    """Each JSON text decoded; one that is not a JSON object becomes the ValueError saying so.

    All are decoded in one json.loads call (half the cost of one call per record on a pop);
    only if that fails or does not give one object per text is each decoded on its own."""
    try:
        values = json.loads("[" + ",".join(texts) + "]")
    except (TypeError, ValueError):
        values = None
    if isinstance(values, list) and len(values) == len(texts) and all(isinstance(v, dict) for v in values):
        return values
    return [_decode_object(text) for text in texts]


def _object_or_raise(decoded: dict | ValueError) -> dict:
    if isinstance(decoded, ValueError):
        raise decoded
    return decoded


def _decode_object(text: str) -> dict | ValueError:
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        return ValueError(str(exc))
    return (
        value
        if isinstance(value, dict)
        else ValueError(f"a JSON object was expected, not {type(value).__name__}")
    )


def _text_list(text: str, customer_id: str) -> tuple[str, ...]:
    """A JSON list column of the pop index (tags, churn reasons); a damaged one reads as empty."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, list):
        log.warning("cache: unreadable list column for customer %s read as empty", customer_id)
        return ()
    return tuple(str(item) for item in value)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CacheStore:
    """The local cache file. Opening it migrates it to the newest schema."""

    def __init__(self, path: Path | str, *, migrate: bool = True) -> None:
        self.path = Path(path)
        if migrate:
            upgrade(self.path)
        # check_same_thread=False lets a store be created on one thread and handed to the worker;
        # callers still use each store from one thread at a time.
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        apply_pragmas(self._conn)
        self._default_cache_size = int(self._conn.execute("PRAGMA cache_size").fetchone()[0])
        self._default_checkpoint = int(self._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    # ---- pop index reads (UI thread) -------------------------------------------------------

    def lookup_phone(self, e164: str) -> list[PopCard]:
        """Every customer who has this E.164 number (a shared landline gives several)."""
        # the matching customers' phones in one read: the rows of this number name the customers
        # (in phone-row order, as the e164 index gives them), all rows give each card's phones
        phones: dict[str, list[str]] = {}
        ids: list[str] = []
        for customer_id, number in self._conn.execute(
            "SELECT customer_id, e164 FROM phones WHERE customer_id IN"
            " (SELECT customer_id FROM phones WHERE e164 = ?) ORDER BY id",
            (e164,),
        ):
            phones.setdefault(customer_id, []).append(number)
            if number == e164:
                ids.append(customer_id)
        return self._cards(ids, phones)

    def pop_card(self, customer_id: str) -> PopCard | None:
        cards = self._cards([customer_id])
        return cards[0] if cards else None

    def _cards(self, ids: Sequence[str], phones: dict[str, list[str]] | None = None) -> list[PopCard]:
        unique = list(dict.fromkeys(ids))
        if not unique:
            return []
        marks = ", ".join("?" for _ in unique)
        if phones is None:
            phones = {}
            for customer_id, e164 in self._conn.execute(
                f"SELECT customer_id, e164 FROM phones WHERE customer_id IN ({marks}) ORDER BY id", unique
            ):
                phones.setdefault(customer_id, []).append(e164)
        found: dict[str, PopCard] = {}
        for row in self._conn.execute(
            "SELECT id, name, tier, membership_level, points_balance, churn_risk, churn_reasons, tags,"
            " (SELECT max(placed_at) FROM orders o WHERE o.customer_id = c.id),"
            " (SELECT max(ts) FROM service_records s WHERE s.customer_id = c.id)"
            f" FROM customers c WHERE id IN ({marks})",
            unique,
        ):
            found[row[0]] = PopCard(
                customer_id=row[0],
                name=row[1],
                tier=row[2],
                membership_level=row[3],
                points_balance=row[4],
                churn_risk=row[5],
                churn_reasons=_text_list(row[6], row[0]),
                tags=_text_list(row[7], row[0]),
                phones=tuple(phones.get(row[0], ())),
                last_order_at=rows.text_ts(row[8]),
                last_contact_at=rows.text_ts(row[9]),
            )
        return [found[i] for i in unique if i in found]

    def search(self, text: str, limit: int = 20) -> list[PopCard]:
        """Customers matching `text`, best kind of match first.

        Exact matches (customer id, phone in any format, order number, ticket number) answer alone. Otherwise:
        last 4+ digits of a phone (digit input), then name prefix, pinyin initials and full
        pinyin prefixes, and only if none of those matched, name substring (candidates from the
        1-2 character `name_grams` index, checked with LIKE). Every step is an index lookup; while a
        bootstrap has not built the search indexes yet, only the exact matches are looked for."""
        text = (text or "").strip()
        if not text or limit <= 0:
            return []
        ids: list[str] = []

        def add(query: str, params: Sequence[Any]) -> bool:
            for (customer_id,) in self._conn.execute(query, params):
                if customer_id not in ids:
                    ids.append(customer_id)
                    if len(ids) >= limit:
                        return True
            return False

        for candidate in dict.fromkeys((text, text.upper())):
            add("SELECT id FROM customers WHERE id = ?", (candidate,))
        e164 = normalize(text)
        if e164:
            add("SELECT customer_id FROM phones WHERE e164 = ? LIMIT ?", (e164, limit))
        add("SELECT customer_id FROM orders WHERE order_no = ? LIMIT ?", (text, limit))
        for candidate in dict.fromkeys((text, text.upper())):  # ticket number (工单号), e.g. T3f9a…
            add(
                "SELECT json_extract(data, '$.customer_id') FROM local_records WHERE entity = 'ticket'"
                " AND id = ? AND json_extract(data, '$.customer_id') IS NOT NULL",
                (candidate,),
            )
        if ids or search_index.is_deferred(self._conn):  # no index to search the rest with yet
            return self._cards(ids[:limit])
        digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
        if digits and all(ch.isdigit() or ch in " -+()" for ch in text):
            if len(digits) >= 4:
                reversed_digits = digits[::-1]
                add(
                    "SELECT customer_id FROM phones WHERE digits_reversed >= ? AND digits_reversed < ?"
                    " ORDER BY digits_reversed LIMIT ?",
                    (reversed_digits, reversed_digits + ":", limit),
                )
            return self._cards(ids)
        if add(
            "SELECT id FROM customers WHERE name >= ? AND name < ? ORDER BY name LIMIT ?",
            (text, text + "\U0010ffff", limit),
        ):
            return self._cards(ids)
        key = search_key(text)
        if key and all(ch.isascii() and (ch.isalpha() or ch in " '-") for ch in text):
            for column in ("name_initials", "name_pinyin"):
                if add(
                    f"SELECT id FROM customers WHERE {column} >= ? AND {column} < ?"
                    f" ORDER BY {column}, name LIMIT ?",
                    (key, key + "\x7f", limit),
                ):
                    return self._cards(ids)
        if not ids:
            self._add_substring_matches(text, add)
        return self._cards(ids[:limit])

    def _add_substring_matches(self, text: str, add: Callable[[str, Sequence[Any]], bool]) -> None:
        """Names containing `text`: candidates from the gram index, then checked with LIKE."""
        folded = grams.fold_name(text)
        if not folded:
            return
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        add(
            "SELECT c.id FROM name_grams g JOIN customers c ON c.id = g.customer_id"
            " WHERE g.gram = ? AND c.name LIKE ? ESCAPE '\\' LIMIT ?",
            (folded[:2], f"%{escaped}%", 10_000),
        )

    # ---- detail reads ----------------------------------------------------------------------

    def customer_detail(self, customer_id: str) -> CustomerDetail | None:
        """The cached card for one customer, each list newest first; None if not cached.

        One statement reads the customer and all four record lists (a pop is on the UI thread:
        one round through SQLite instead of five)."""
        found = self._conn.execute(_DETAIL_QUERY, {"id": customer_id}).fetchall()
        if not found or found[0][0] != 0:
            return None
        decoded = _decode_objects([row[3] for row in found])
        try:
            customer = Customer.from_dict(_object_or_raise(decoded[0]))
        except (TypeError, ValueError) as exc:
            log.warning("cache: unreadable customer row %s, treated as not cached: %s", customer_id, exc)
            return None
        detail = CustomerDetail(customer=customer)
        targets = (detail.orders, detail.points, detail.service, detail.marketing)
        for (kind, _time, record_id, _payload), record in zip(found[1:], decoded[1:], strict=True):
            table = _DETAIL_KINDS[kind - 1]
            try:
                targets[kind - 1].append(table.record_type.from_dict(_object_or_raise(record)))
            except (TypeError, ValueError) as exc:
                log.warning(
                    "cache: unreadable %s row %s for %s skipped: %s",
                    table.entity,
                    record_id,
                    customer_id,
                    exc,
                )
        return detail

    def pop_row_only(self, customer_id: str) -> bool:
        """True for a customer cached from an online lookup whose records were never fetched or fed."""
        row = self._conn.execute(
            "SELECT detail_fetched_at FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        return row is not None and row[0] == _BASIC_ONLY

    def has_detail(self, customer_id: str) -> bool:
        """True when the cache holds this customer's full detail: fetched on demand (then kept
        current by the feed), or `feed_complete`: every detail record was brought down once (the
        whole feed, or a bootstrap without a detail window). After a windowed bootstrap only the
        window's records are cached, so a customer not fetched on demand is NOT complete: online
        the pop fetches the full detail, offline the card shows the cached window records."""
        row = self._conn.execute(
            "SELECT detail_fetched_at FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        if row is None or row[0] == _BASIC_ONLY:
            return False
        return row[0] is not None or self._state("feed_complete") == "1"

    # ---- writes (worker thread) ------------------------------------------------------------

    def store_detail(self, detail: CustomerDetail) -> None:
        """Cache an on-demand fetch. Older versions never overwrite newer ones."""
        customer_rows = rows.customer_rows(detail.customer.to_dict())
        detail_rows: dict[str, list[tuple]] = {e: [] for e in _DETAIL_TABLES}
        for entity, records in (
            ("order", detail.orders),
            ("points", detail.points),
            ("service", detail.service),
            ("marketing", detail.marketing),
        ):
            for record in records:
                try:
                    detail_rows[entity].append(_DETAIL_TABLES[entity].to_row(record.to_dict()))
                except rows.BadRecord as exc:
                    log.warning("cache: %s %s not stored: %s", entity, getattr(record, "id", "?"), exc)
        with self._transaction():
            self._upsert_customers([customer_rows])
            self._conn.execute(
                "UPDATE customers SET detail_fetched_at = ? WHERE id = ?",
                (rows.now_text(), detail.customer.id),
            )
            for entity, entity_rows in detail_rows.items():
                if entity_rows:
                    self._conn.executemany(_DETAIL_UPSERT[entity], entity_rows)

    def store_customers(self, customers: Iterable[Customer]) -> int:
        """Cache customers found online (e.g. created after the last sync). Returns rows stored."""
        prepared = []
        for customer in customers:
            try:
                prepared.append(rows.customer_rows(customer.to_dict()))
            except rows.BadRecord as exc:
                log.warning("cache: customer %s not stored: %s", customer.id, exc)
        ids = [customer_row[0] for customer_row, _ in prepared]
        with self._transaction():
            known = {
                row[0]
                for chunk in _chunks(ids)
                for row in self._conn.execute(
                    f"SELECT id FROM customers WHERE id IN ({', '.join('?' for _ in chunk)})", chunk
                )
            }
            stored = self._upsert_customers(prepared)
            # pop row only: neither the feed nor a fetch has brought this customer's records yet
            self._conn.executemany(
                "UPDATE customers SET detail_fetched_at = ? WHERE id = ? AND detail_fetched_at IS NULL",
                [(_BASIC_ONLY, i) for i in ids if i not in known],
            )
            return stored

    def apply_changes(self, changes: list[dict], next_since: int | None = None) -> int:
        """Apply one change-feed page; returns the number of valid changes applied."""
        return self.apply_changes_report(changes, next_since).applied

    def apply_changes_report(
        self, changes: list[Any], next_since: int | None = None, feed_complete: bool = False
    ) -> ApplyReport:
        """Upsert/delete one page of changes and store the new `since` in ONE transaction.

        The new `since` is the largest of the stored one, `next_since` and every seq seen (bad
        rows included, so a poisoned change is skipped, not fetched forever). Within a page the
        last change per record wins. Bad rows are logged, counted and skipped.
        """
        max_seq = next_since if isinstance(next_since, int) and not isinstance(next_since, bool) else 0
        latest, skipped, max_seq = self._collapse(changes, max_seq)
        applied = (len(changes) if isinstance(changes, list) else 0) - skipped
        with self._transaction():
            bad = self._write_changes(latest)
            last_seq = max(self._last_seq(), max_seq)
            self._set_state("last_seq", str(last_seq))
            if feed_complete:
                self._set_state("feed_complete", "1")
        return ApplyReport(applied=applied - bad, skipped=skipped + bad, last_seq=last_seq)

    def apply_bootstrap_page(self, changes: list[Any], state: dict[str, str]) -> ApplyReport:
        """One bootstrap page (docs/sync-protocol.md "Bootstrap") and its cursor, in ONE transaction.

        Same validation and version-guarded apply as a feed page, but `last_seq` is left alone:
        the page moves the bootstrap cursor (`state`: sync_state keys -> values) instead. A
        `last_seq` in `state` never moves the stored one backwards."""
        latest, skipped, _ = self._collapse(changes, 0)
        applied = (len(changes) if isinstance(changes, list) else 0) - skipped
        with self._transaction():
            bad = self._write_changes(latest)
            for key, value in state.items():
                if key == "last_seq":
                    value = str(max(self._last_seq(), int(value)))
                self._set_state(key, value)
        return ApplyReport(applied=applied - bad, skipped=skipped + bad, last_seq=self._last_seq())

    def begin_bootstrap(self, state: dict[str, str]) -> None:
        """Store a new bootstrap's state and drop the search indexes it builds once its pop-index
        pages are in (desktop/cache/search_index.py), in ONE transaction."""
        with self._transaction():
            search_index.defer(self._conn)
            for key, value in state.items():
                self._set_state(key, value)

    def search_index_ready(self) -> bool:
        """False while a bootstrap loads without the name, pinyin and phone-suffix indexes:
        `search` then answers exact ids and numbers only."""
        return not search_index.is_deferred(self._conn)

    def build_search_index(self) -> bool:
        """Build the deferred search indexes in ONE transaction; False if nothing was missing."""
        if not search_index.is_deferred(self._conn):
            return False
        with self._transaction():
            search_index.build(self._conn)
        return True

    def bulk_load(self, enabled: bool) -> None:
        """Settings for a bootstrap, back to the defaults when it ends:
        - a page cache big enough for the pop index's working set (the customers and the
          random-order phone index), so pages stay in memory instead of a round trip through
          the operating system at every insert;
        - a checkpoint every 64 MB of write-ahead log instead of every 4 MB: each one copies
          and fsyncs, and the b-tree pages a page of customers touches were mostly touched by
          the pages before it (durability is unchanged: commits never fsync in WAL + NORMAL);
        - SQLite's sorter may use a second thread for the search index build."""
        if enabled:
            self._conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            self._conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
            self._conn.execute("PRAGMA threads = 2")
        else:
            self._conn.execute(f"PRAGMA cache_size = {self._default_cache_size}")
            self._conn.execute(f"PRAGMA wal_autocheckpoint = {self._default_checkpoint}")
            self._conn.execute("PRAGMA threads = 0")
            self._conn.execute("PRAGMA shrink_memory")

    def bootstrap_state(self) -> dict[str, str]:
        """Every sync_state key starting with `bootstrap_` (empty: no bootstrap begun)."""
        return dict(
            self._conn.execute("SELECT key, value FROM sync_state WHERE key LIKE 'bootstrap\\_%' ESCAPE '\\'")
        )

    @staticmethod
    def _collapse(changes: list[Any], max_seq: int) -> tuple[dict[tuple[str, str], _Change], int, int]:
        """(last valid change per record, bad rows skipped, largest seq seen)."""
        latest: dict[tuple[str, str], _Change] = {}
        skipped = 0
        for index, raw in enumerate(changes if isinstance(changes, list) else []):
            seq = raw.get("seq") if isinstance(raw, dict) else None
            if isinstance(seq, int) and not isinstance(seq, bool) and seq > max_seq:
                max_seq = seq
            try:
                change = _parse_change(raw)
            except rows.BadRecord as exc:
                skipped += 1
                log.warning("sync: change #%d (seq %r) skipped: %s", index, seq, exc)
                continue
            latest[(change.entity, change.record_id)] = change
        return latest, skipped, max_seq

    def _write_changes(self, latest: dict[tuple[str, str], _Change]) -> int:
        """Write collapsed changes inside the caller's transaction; returns bad records skipped."""
        bad = 0
        # Read inside the write transaction: a local write committed a moment ago must not
        # be overwritten by the server's older copy.
        held = self._pending_keys() if latest else set()
        generic_upserts: list[tuple[str, str, dict, int | None]] = []
        generic_deletes: list[tuple[str, str]] = []
        customer_upserts: list[tuple[tuple, list[tuple]]] = []
        customer_deletes: list[str] = []
        detail_upserts: dict[str, list[tuple]] = {e: [] for e in _DETAIL_TABLES}
        detail_deletes: dict[str, list[str]] = {e: [] for e in _DETAIL_TABLES}
        for change in latest.values():
            if held and (change.entity, change.record_id) in held:
                self._hold_server_copy(change)
                continue
            if change.entity in outbox.LOCAL_ENTITIES:
                if change.op == "delete":
                    generic_deletes.append((change.entity, change.record_id))
                else:
                    generic_upserts.append((change.entity, change.record_id, change.data, change.version))
                continue
            if change.op == "delete":
                (customer_deletes if change.entity == "customer" else detail_deletes[change.entity]).append(
                    change.record_id
                )
                continue
            try:
                if change.entity == "customer":
                    customer_upserts.append(
                        rows.customer_rows(change.data, change.record_id, change.data_text)
                    )
                else:
                    detail_upserts[change.entity].append(
                        _DETAIL_TABLES[change.entity].to_row(change.data, change.record_id, change.data_text)
                    )
            except rows.BadRecord as exc:
                bad += 1
                log.warning(
                    "sync: %s %s (seq %d) skipped: %s", change.entity, change.record_id, change.seq, exc
                )

        if customer_deletes:
            self._delete_customers(customer_deletes)
        self._upsert_customers(customer_upserts, from_feed=True)
        for entity, table in _DETAIL_TABLES.items():
            if detail_deletes[entity]:
                self._conn.executemany(
                    f"DELETE FROM {table.table} WHERE id = ?", [(i,) for i in detail_deletes[entity]]
                )
            if detail_upserts[entity]:
                _write_rows(self._conn, _DETAIL_UPSERT[entity], detail_upserts[entity])
        if generic_deletes:
            self._conn.executemany("DELETE FROM local_records WHERE entity = ? AND id = ?", generic_deletes)
        if generic_upserts:
            self._upsert_local_records(generic_upserts)
        return bad

    # ---- local writes and the outbox (push side; see desktop/cache/outbox.py) ---------------

    def write_local(
        self, entity: str, record: dict, *, op: str = "upsert", base_version: int | None = None
    ) -> str:
        """Store a local write AND its outbox row in ONE transaction; returns the outbox id.

        `record` is the whole record (to_dict() shape) with its `id`. "customer" goes to the pop
        index, order/points/service/marketing to their tables, anything else (ticket, contact,
        note...) to the generic `local_records` table. `base_version` None means "the server
        version the cache holds for this record" (None too for a record never synced, i.e. a
        create). The record as cached before the write travels along as the merge base.
        """
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
            raise outbox.OutboxError("record must be a dict with a non-empty text 'id'")
        if op not in outbox.OPS:
            raise outbox.OutboxError(f"op must be one of {outbox.OPS}, got {op!r}")
        entity_id = record["id"]
        with self._transaction():
            before, cached_version = self._cached_record(entity, entity_id)
            if base_version is None:
                base_version = cached_version
            self._store_local(entity, record, op, cached_version)
            return outbox.enqueue(
                self._conn, entity, entity_id, op, record, base_version, base_payload=before
            )

    def _cached_record(self, entity: str, entity_id: str) -> tuple[dict | None, int | None]:
        """(record as cached, its server version) or (None, None)."""
        if entity == "customer":
            row = self._conn.execute(
                "SELECT data, version FROM customers WHERE id = ?", (entity_id,)
            ).fetchone()
        elif entity in _DETAIL_TABLES:
            row = self._conn.execute(
                f"SELECT payload, version FROM {_DETAIL_TABLES[entity].table} WHERE id = ?", (entity_id,)
            ).fetchone()
        else:
            row = self._conn.execute(
                "SELECT data, version FROM local_records WHERE entity = ? AND id = ?", (entity, entity_id)
            ).fetchone()
        if row is None:
            return None, None
        version = row[1] if isinstance(row[1], int) and row[1] > 0 else None
        return json.loads(row[0]), version

    def _store_local(self, entity: str, record: dict, op: str, version: int | None) -> None:
        """Write one record (or its deletion) to its cache table, keeping the server version."""
        entity_id = record["id"]
        if op == "delete":
            if entity == "customer":
                self._delete_customers([entity_id])
            elif entity in _DETAIL_TABLES:
                self._conn.execute(f"DELETE FROM {_DETAIL_TABLES[entity].table} WHERE id = ?", (entity_id,))
            else:
                self._conn.execute(
                    "DELETE FROM local_records WHERE entity = ? AND id = ?", (entity, entity_id)
                )
            return
        stored = {**record, "version": version or 0}
        try:
            if entity == "customer":
                self._upsert_customers([rows.customer_rows(stored)])
            elif entity in _DETAIL_TABLES:
                self._conn.execute(_DETAIL_UPSERT[entity], _DETAIL_TABLES[entity].to_row(stored))
            else:
                self._upsert_local_records([(entity, entity_id, record, version)])
        except rows.BadRecord as exc:
            raise outbox.OutboxError(f"{entity} {entity_id}: {exc}") from exc

    def _upsert_local_records(self, items: list[tuple[str, str, dict, int | None]]) -> None:
        self._conn.executemany(
            "INSERT INTO local_records (entity, id, data, version, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(entity, id) DO UPDATE SET data = excluded.data, version = excluded.version,"
            " updated_at = excluded.updated_at WHERE local_records.version IS NULL"
            " OR excluded.version IS NULL OR excluded.version >= local_records.version",
            [
                (entity, entity_id, json.dumps(data, ensure_ascii=False), version, rows.now_text())
                for entity, entity_id, data, version in items
            ],
        )

    def _pending_keys(self) -> set[tuple[str, str]]:
        return set(self._conn.execute("SELECT DISTINCT entity, entity_id FROM outbox"))

    def _hold_server_copy(self, change: _Change) -> None:
        """Keep the server's copy of a record with pending local edits (newest version wins)."""
        self._conn.execute(
            "INSERT INTO server_copies (entity, id, version, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(entity, id) DO UPDATE SET version = excluded.version, data = excluded.data"
            " WHERE excluded.version >= server_copies.version",
            (
                change.entity,
                change.record_id,
                change.version or 0,
                None if change.data is None else json.dumps(change.data, ensure_ascii=False),
            ),
        )

    def _settle(self, entity: str, entity_id: str, candidates: list[tuple[int, dict | None]]) -> None:
        """The record has no outbox rows left: make the cache hold the newest server copy known
        (from push results and copies the pull held back). Without any, the local copy stays."""
        if outbox.has_pending(self._conn, entity, entity_id):
            return
        row = self._conn.execute(
            "SELECT version, data FROM server_copies WHERE entity = ? AND id = ?", (entity, entity_id)
        ).fetchone()
        if row is not None:
            candidates = [*candidates, (row[0], None if row[1] is None else json.loads(row[1]))]
            self._conn.execute("DELETE FROM server_copies WHERE entity = ? AND id = ?", (entity, entity_id))
        if not candidates:
            return
        version, data = max(candidates, key=lambda item: item[0])
        if data is None:
            self._store_local(entity, {"id": entity_id}, "delete", None)
        else:
            self._store_server_copy(entity, {**data, "id": entity_id}, version)

    def _store_server_copy(self, entity: str, record: dict, version: int) -> None:
        record = {**record, "version": version}
        try:
            if entity == "customer":
                self._conn.execute("UPDATE customers SET version = -1 WHERE id = ?", (record["id"],))
                self._upsert_customers([rows.customer_rows(record)])
            elif entity in _DETAIL_TABLES:
                self._conn.execute(_DETAIL_UPSERT[entity], _DETAIL_TABLES[entity].to_row(record))
            else:
                self._conn.execute(
                    "DELETE FROM local_records WHERE entity = ? AND id = ?", (entity, record["id"])
                )
                self._upsert_local_records([(entity, record["id"], record, version)])
        except rows.BadRecord as exc:
            log.warning("push: server copy of %s %s not stored: %s", entity, record.get("id"), exc)

    def _set_cached_version(self, entity: str, entity_id: str, version: int) -> None:
        if entity == "customer":
            self._conn.execute(
                "UPDATE customers SET version = ? WHERE id = ? AND version < ?", (version, entity_id, version)
            )
        elif entity in _DETAIL_TABLES:
            self._conn.execute(
                f"UPDATE {_DETAIL_TABLES[entity].table} SET version = ? WHERE id = ? AND version < ?",
                (version, entity_id, version),
            )
        else:
            self._conn.execute(
                "UPDATE local_records SET version = ? WHERE entity = ? AND id = ?"
                " AND (version IS NULL OR version < ?)",
                (version, entity, entity_id, version),
            )

    def next_push_batch(self, limit: int) -> list[outbox.OutboxEntry]:
        return outbox.next_batch(self._conn, limit)

    def note_push_failure(self, client_ids: list[str], error: str) -> None:
        with self._transaction():
            outbox.note_failure(self._conn, client_ids, error)

    def apply_push_results(self, entries: list[outbox.OutboxEntry], results: object) -> PushReport:
        """Record the server's answers to one push in ONE transaction (see docs/sync-protocol.md).

        A crash before COMMIT leaves every row queued; resending gets the same answers from the
        server (client_id replay), so applying them again is safe. Rows without a usable answer
        stay queued. Entries no longer in the outbox are ignored."""
        answers: dict[str, dict] = {}
        for result in results if isinstance(results, list) else []:
            if isinstance(result, dict) and isinstance(result.get("client_id"), str):
                answers[result["client_id"]] = result
        counts = dict.fromkeys(("applied", "merged", "conflict", "rejected", "unanswered"), 0)
        with self._transaction():
            for entry in entries:
                still_queued = self._conn.execute(
                    "SELECT 1 FROM outbox WHERE id = ?", (entry.client_id,)
                ).fetchone()
                if still_queued is None:
                    continue
                answer = answers.get(entry.client_id)
                status = answer.get("status") if answer else None
                if status not in ("applied", "conflict", "rejected"):
                    counts["unanswered"] += 1
                    if answer is not None:
                        log.warning("push: unusable answer for %s: %r", entry.client_id, answer)
                    continue
                counts[self._apply_answer(entry, status, answer)] += 1
        return PushReport(**counts)

    def _apply_answer(self, entry: outbox.OutboxEntry, status: str, answer: dict) -> str:
        version = answer.get("version")
        version = version if isinstance(version, int) and not isinstance(version, bool) else None
        server = answer.get("server") if isinstance(answer.get("server"), dict) else None
        key = (entry.entity, entry.entity_id)
        if status == "applied":
            outbox.remove(self._conn, entry.client_id)
            if version is not None:
                self._set_cached_version(*key, version)
            outbox.rebase(self._conn, *key, version, server or entry.payload)
            if version is not None:
                self._settle(*key, [(version, server if entry.op == "upsert" else None)])
            return "applied"
        if status == "rejected":
            field = answer.get("field")
            message = str(answer.get("message") or "refused")[:500]
            reason = f"rejected: {field}: {message}" if field else f"rejected: {message}"
            outbox.add_conflict(self._conn, entry, server, reason)
            self._settle(*key, [(version or 0, server)] if server is not None or version else [])
            if server is None and version is None and not outbox.has_pending(self._conn, *key):
                self._store_local(entry.entity, {"id": entry.entity_id}, "delete", None)
            return "rejected"
        # conflict: everything still queued for this record is judged together.
        later = [e for e in outbox.pending(self._conn) if (e.entity, e.entity_id) == key]
        latest = later[-1] if later else entry
        merged = None
        if all(e.op == "upsert" for e in later):
            merged = outbox.merge_fields(entry.base_payload, latest.payload, server)
        if merged is not None:
            new_id = outbox.new_id()
            for other in later:
                self._audit(other, server, f"merged into {new_id}")
            self._conn.execute(
                "UPDATE outbox SET id = ?, payload = ?, base_version = ?, base_payload = ?, last_error = NULL"
                " WHERE id = ?",
                (
                    new_id,
                    json.dumps(merged, ensure_ascii=False),
                    version,
                    json.dumps(server, ensure_ascii=False),
                    entry.client_id,
                ),
            )
            self._conn.executemany(
                "DELETE FROM outbox WHERE id = ?",
                [(e.client_id,) for e in later if e is not entry and e.client_id != entry.client_id],
            )
            self._store_local(entry.entity, merged, "upsert", version)
            return "merged"
        listed = outbox.add_conflict(self._conn, latest, server, "conflict: changed on the server")
        for other in later:
            if other.client_id != latest.client_id:
                self._audit(other, server, f"superseded by conflict #{listed}")
                outbox.remove(self._conn, other.client_id)
        self._settle(*key, [(version or 0, server)])
        return "conflict"

    def _audit(self, entry: outbox.OutboxEntry, server: dict | None, reason: str) -> None:
        """A resolved entry in the conflict table: the trail of a write merged or superseded."""
        conflict_id = outbox.add_conflict(self._conn, entry, server, reason, remove_row=False)
        outbox.resolve_conflict(self._conn, conflict_id)

    def reapply_conflict(self, conflict_id: int) -> str | None:
        """The agent re-applies their copy: it is queued again on the server's current version
        (the record's cached version) and the conflict is marked resolved. Returns the outbox id."""
        with self._transaction():
            found = [c for c in outbox.conflicts(self._conn) if c.id == conflict_id]
            if not found:
                return None
            conflict = found[0]
            before, cached_version = self._cached_record(conflict.entity, conflict.entity_id)
            server_version = conflict.server.get("version") if conflict.server else None
            base_version = cached_version if cached_version is not None else server_version
            op = "upsert"
            self._store_local(conflict.entity, conflict.local, op, cached_version)
            outbox.resolve_conflict(self._conn, conflict_id)
            return outbox.enqueue(
                self._conn,
                conflict.entity,
                conflict.entity_id,
                op,
                conflict.local,
                base_version if before is not None else None,
                base_payload=before,
            )

    def dismiss_conflict(self, conflict_id: int) -> None:
        """The agent keeps the server's copy: the conflict is marked resolved."""
        with self._transaction():
            outbox.resolve_conflict(self._conn, conflict_id)

    def local_records(self, entity: str) -> list[dict]:
        """Every cached record of a generic entity (ticket, contact, note...), oldest write first.
        Each dict is the record as written or pulled, with `version` = the server version
        (None until its first push has landed)."""
        out = []
        for data, version in self._conn.execute(
            "SELECT data, version FROM local_records WHERE entity = ? ORDER BY updated_at, id", (entity,)
        ):
            record = json.loads(data)
            record["version"] = version
            out.append(record)
        return out

    def local_record(self, entity: str, entity_id: str) -> dict | None:
        row = self._conn.execute(
            "SELECT data, version FROM local_records WHERE entity = ? AND id = ?", (entity, entity_id)
        ).fetchone()
        if row is None:
            return None
        record = json.loads(row[0])
        record["version"] = row[1]
        return record

    def outbox_count(self) -> int:
        """Local writes not yet acknowledged by the server."""
        return outbox.count(self._conn)

    def outbox_entries(self) -> list[outbox.OutboxEntry]:
        return outbox.pending(self._conn)

    def conflicts(self) -> list[outbox.ConflictRow]:
        """Unresolved conflicts (refused pushes), oldest first."""
        return outbox.conflicts(self._conn)

    def _upsert_customers(self, prepared: list[tuple[tuple, list[tuple]]], from_feed: bool = False) -> int:
        """Write customers whose incoming version is not older than the cached one."""
        if not prepared:
            return 0
        stored: dict[str, int] = {}
        ids = [customer_row[0] for customer_row, _ in prepared]
        for chunk in _chunks(ids):
            marks = ", ".join("?" for _ in chunk)
            stored.update(
                self._conn.execute(f"SELECT id, version FROM customers WHERE id IN ({marks})", chunk)
            )
        fresh = [(c, p) for c, p in prepared if stored.get(c[0], -1) <= c[10]]
        if not fresh:
            return 0
        _write_rows(
            self._conn, _FEED_CUSTOMER_UPSERT if from_feed else _CUSTOMER_UPSERT, [c for c, _ in fresh]
        )
        replaced = [(c[0],) for c, _ in fresh if c[0] in stored]
        if replaced:
            self._conn.executemany("DELETE FROM phones WHERE customer_id = ?", replaced)
        _write_rows(self._conn, _PHONE_INSERT, [phone for _, phones in fresh for phone in phones])
        if search_index.is_deferred(self._conn):
            return len(fresh)  # a bootstrap is loading: its build cuts every name's pieces at the end
        if replaced:
            self._conn.executemany("DELETE FROM name_grams WHERE customer_id = ?", replaced)
        for chunk in _chunks([c[0] for c, _ in fresh]):
            grams.add_for(self._conn, chunk)
        return len(fresh)

    def _delete_customers(self, ids: list[str]) -> None:
        params = [(i,) for i in ids]
        self._conn.executemany("DELETE FROM customers WHERE id = ?", params)  # phones cascade
        for table in _DETAIL_TABLES.values():
            self._conn.executemany(f"DELETE FROM {table.table} WHERE customer_id = ?", params)

    # ---- sync state and housekeeping -------------------------------------------------------

    def last_seq(self) -> int:
        """The seq of the last applied change (0 for a fresh cache)."""
        return self._last_seq()

    def feed_complete(self) -> bool:
        return self._state("feed_complete") == "1"

    def _last_seq(self) -> int:
        value = self._state("last_seq")
        return int(value) if value and value.isdigit() else 0

    def _state(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_state(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def counts(self) -> dict[str, int]:
        tables = ("customers", "phones", "orders", "points_entries", "service_records", "marketing_touches")
        return {
            t: self._conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (*tables, "outbox", "conflicts")
        }

    def file_size_bytes(self) -> int:
        """Main file plus write-ahead log: what the cache occupies on disk right now."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def journal_mode(self) -> str:
        return self._conn.execute("PRAGMA journal_mode").fetchone()[0]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> CacheStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    # ---- rebuild (desktop/cache/rebuild.py) ------------------------------------------------

    def clear_replica(self) -> dict[str, int]:
        """Empty the replica and the sync state in ONE transaction, keeping pending writes."""
        from desktop.cache.rebuild import clear_replica

        with self._transaction():
            return clear_replica(self._conn)

    def compact(self) -> None:
        """VACUUM and truncate the write-ahead log (no transaction may be open)."""
        from desktop.cache.rebuild import compact

        compact(self._conn)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (the page is then not applied)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")
