"""Reads for a screen pop (UI thread): the pop index by phone and by id, search, and a
customer's whole cached card. Each is an indexed read, well under a millisecond on a million
customers (bench/bench_pop_1m.py)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from calldesk_domain.models import Customer, CustomerDetail
from calldesk_domain.phone import DEFAULT_REGION, normalize, phone_key
from calldesk_domain.popcard import PopCard
from desktop.cache import grams, rows, search_index
from desktop.cache.pinyin import search_key
from desktop.cache.statements import feed_complete, marks
from desktop.cache.tables import BASIC_ONLY, DETAIL_KINDS

log = logging.getLogger(__name__)

# The customer row (kind 0) and its four record lists (kind 1..4, DETAIL_KINDS), newest first
_DETAIL_QUERY = (
    " UNION ALL ".join(
        (
            "SELECT 0 AS kind, NULL AS t, id, data FROM customers WHERE id = :id",
            *(
                f"SELECT {kind} AS kind, {t.time_column}, id, payload FROM {t.table} WHERE customer_id = :id"
                for kind, t in enumerate(DETAIL_KINDS, start=1)
            ),
        )
    )
    + " ORDER BY kind, t DESC, id DESC"
)


class _CardRow(NamedTuple):
    """A row of _CARD_QUERY: the pop index columns of a card and its latest order and contact."""

    id: str
    name: str
    tier: str
    membership_level: str
    points_balance: int
    churn_risk: float
    churn_reasons: str
    tags: str
    last_order_at: str | None
    last_contact_at: str | None


_CARD_QUERY = (
    f"SELECT {', '.join(_CardRow._fields[:-2])},"
    " (SELECT max(placed_at) FROM orders o WHERE o.customer_id = c.id),"
    " (SELECT max(ts) FROM service_records s WHERE s.customer_id = c.id)"
    " FROM customers c WHERE id IN ({marks})"
)


def phone_keys(e164: str, pop_key: bytes | None) -> tuple[str, str]:
    """What the phones.e164 column holds for this number: the number itself, or (a number the
    server sent masked) "#" + its keyed hash. Both are looked for: a cache may hold both kinds
    (a customer the agent created here keeps the number they typed until the server's copy)."""
    return e164, ("#" + phone_key(pop_key, e164)) if pop_key is not None else e164


def lookup_phone(conn: sqlite3.Connection, e164: str, pop_key: bytes | None = None) -> list[PopCard]:
    """Every customer who has this E.164 number (a shared landline gives several)."""
    # the matching customers' phones in one read: the rows of this number name the customers
    # (in phone-row order, as the e164 index gives them), all rows give each card's phones
    phones: dict[str, list[str]] = {}
    ids: list[str] = []
    keys = phone_keys(e164, pop_key)
    for customer_id, number, shown in conn.execute(
        "SELECT customer_id, e164, masked FROM phones WHERE customer_id IN"
        " (SELECT customer_id FROM phones WHERE e164 IN (?, ?)) ORDER BY id",
        keys,
    ):
        phones.setdefault(customer_id, []).append(shown or number)
        if number in keys:
            ids.append(customer_id)
    return cards(conn, ids, phones)


def pop_card(conn: sqlite3.Connection, customer_id: str) -> PopCard | None:
    found = cards(conn, [customer_id])
    return found[0] if found else None


def cards(
    conn: sqlite3.Connection, ids: Sequence[str], phones: dict[str, list[str]] | None = None
) -> list[PopCard]:
    """The pop cards of `ids` in that order (each once); `phones` when the caller read them."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    if phones is None:
        phones = {}
        for customer_id, e164 in conn.execute(
            f"SELECT customer_id, coalesce(masked, e164) FROM phones WHERE customer_id IN ({marks(unique)})"
            " ORDER BY id",
            unique,
        ):
            phones.setdefault(customer_id, []).append(e164)
    found: dict[str, PopCard] = {}
    for read in conn.execute(_CARD_QUERY.format(marks=marks(unique)), unique):
        row = _CardRow._make(read)
        found[row.id] = PopCard(
            customer_id=row.id,
            name=row.name,
            tier=row.tier,
            membership_level=row.membership_level,
            points_balance=row.points_balance,
            churn_risk=row.churn_risk,
            churn_reasons=_text_list(row.churn_reasons, row.id),
            tags=_text_list(row.tags, row.id),
            phones=tuple(phones.get(row.id, ())),
            last_order_at=rows.text_ts(row.last_order_at),
            last_contact_at=rows.text_ts(row.last_contact_at),
        )
    return [found[i] for i in unique if i in found]


def search(
    conn: sqlite3.Connection,
    text: str,
    limit: int = 20,
    region: str = DEFAULT_REGION,
    pop_key: bytes | None = None,
) -> list[PopCard]:
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
        for (customer_id,) in conn.execute(query, params):
            if customer_id not in ids:
                ids.append(customer_id)
                if len(ids) >= limit:
                    return True
        return False

    for candidate in dict.fromkeys((text, text.upper())):
        add("SELECT id FROM customers WHERE id = ?", (candidate,))
    e164 = normalize(text, region)
    if e164:
        add(
            "SELECT customer_id FROM phones WHERE e164 IN (?, ?) LIMIT ?", (*phone_keys(e164, pop_key), limit)
        )
    add("SELECT customer_id FROM orders WHERE order_no = ? LIMIT ?", (text, limit))
    for candidate in dict.fromkeys((text, text.upper())):  # ticket number (工单号), e.g. T3f9a…
        add(
            "SELECT json_extract(data, '$.customer_id') FROM local_records WHERE entity = 'ticket'"
            " AND id = ? AND json_extract(data, '$.customer_id') IS NOT NULL",
            (candidate,),
        )
    if ids or search_index.is_deferred(conn):  # no index to search the rest with yet
        return cards(conn, ids[:limit])
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if digits and all(ch.isdigit() or ch in " -+()" for ch in text):
        if len(digits) >= 4:
            reversed_digits = digits[::-1]
            add(
                "SELECT customer_id FROM phones WHERE digits_reversed >= ? AND digits_reversed < ?"
                " ORDER BY digits_reversed LIMIT ?",
                (reversed_digits, reversed_digits + ":", limit),
            )
            # a masked number keeps only its last 4 digits: a longer suffix matches on those
            add(
                "SELECT customer_id FROM phones WHERE digits_reversed = ? AND masked IS NOT NULL LIMIT ?",
                (reversed_digits[:4], limit),
            )
        return cards(conn, ids)
    if add(
        "SELECT id FROM customers WHERE name >= ? AND name < ? ORDER BY name LIMIT ?",
        (text, text + "\U0010ffff", limit),
    ):
        return cards(conn, ids)
    key = search_key(text)
    if key and all(ch.isascii() and (ch.isalpha() or ch in " '-") for ch in text):
        for column in ("name_initials", "name_pinyin"):
            if add(
                f"SELECT id FROM customers WHERE {column} >= ? AND {column} < ?"
                f" ORDER BY {column}, name LIMIT ?",
                (key, key + "\x7f", limit),
            ):
                return cards(conn, ids)
    if not ids:
        _add_substring_matches(text, add)
    return cards(conn, ids[:limit])


def _add_substring_matches(text: str, add: Callable[[str, Sequence[Any]], bool]) -> None:
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


def customer_detail(conn: sqlite3.Connection, customer_id: str) -> CustomerDetail | None:
    """The cached card for one customer, each list newest first; None if not cached.

    One statement reads the customer and all four record lists (a pop is on the UI thread:
    one round through SQLite instead of five)."""
    found = conn.execute(_DETAIL_QUERY, {"id": customer_id}).fetchall()
    if not found or found[0][0] != 0:
        return None
    decoded = _decode_objects([payload for _kind, _time, _id, payload in found])
    try:
        customer = Customer.from_dict(_object_or_raise(decoded[0]))
    except (TypeError, ValueError) as exc:
        log.warning("cache: unreadable customer row %s, treated as not cached: %s", customer_id, exc)
        return None
    detail = CustomerDetail(customer=customer)
    targets: tuple[list[Any], ...] = (detail.orders, detail.points, detail.service, detail.marketing)
    for (kind, _time, record_id, _payload), record in zip(found[1:], decoded[1:], strict=True):
        table = DETAIL_KINDS[kind - 1]
        try:
            targets[kind - 1].append(table.record_type.from_dict(_object_or_raise(record)))
        except (TypeError, ValueError) as exc:
            log.warning(
                "cache: unreadable %s row %s for %s skipped: %s", table.entity, record_id, customer_id, exc
            )
    return detail


def pop_row_only(conn: sqlite3.Connection, customer_id: str) -> bool:
    """True for a customer cached from an online lookup whose records were never fetched or fed."""
    row = conn.execute("SELECT detail_fetched_at FROM customers WHERE id = ?", (customer_id,)).fetchone()
    return row is not None and row[0] == BASIC_ONLY


def has_detail(conn: sqlite3.Connection, customer_id: str) -> bool:
    """True when the cache holds this customer's full detail: fetched on demand (then kept
    current by the feed), or `feed_complete`: every detail record was brought down once (the
    whole feed, or a bootstrap without a detail window). After a windowed bootstrap only the
    window's records are cached, so a customer not fetched on demand is NOT complete: online
    the pop fetches the full detail, offline the card shows the cached window records."""
    row = conn.execute("SELECT detail_fetched_at FROM customers WHERE id = ?", (customer_id,)).fetchone()
    if row is None or row[0] == BASIC_ONLY:
        return False
    return row[0] is not None or feed_complete(conn)


def _decode_objects(texts: list[str]) -> list[dict[str, Any] | ValueError]:
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


def _object_or_raise(decoded: dict[str, Any] | ValueError) -> dict[str, Any]:
    if isinstance(decoded, ValueError):
        raise decoded
    return decoded


def _decode_object(text: str) -> dict[str, Any] | ValueError:
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
