"""POST /api/v1/sync/push: local writes from desktops (contract: docs/central-api.md "Push").

Each mutation is applied in its OWN transaction through `central.writes` (so it gets a version
and a change-feed seq like any other write). Exactly-once is kept by two stores:

- `push_results`: every mutation's `client_id` with its result, written in the same transaction
  as the write. A known `client_id` is answered from here and never applied again.
- `idempotency_keys`: the whole response per `Idempotency-Key`; a replayed key gets it back.

Both are kept for a retention (default 7 days, `calldesk central serve --push-retention-days`)
and purged at most once an hour from inside push handling. A retry later than that is still
applied at most once: records have client-made ids and every write names the version it was
based on, so a late replay meets the record it already made and is answered `conflict`.

Entities are pluggable: `register_entity(name, table, validate)` adds one (other modules
register "ticket" and "contact"; this module registers "customer" and "note").
"""

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import sqlalchemy as sa
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine

from calldesk_domain.models import Tier, format_ts, parse_ts
from calldesk_domain.phone import normalize
from central import audit_push, policy, pop_key, writes
from central.route_deps import Caller, RouteDeps
from central.tables import (
    ENTITY_TABLES,
    audit_events,
    change_log,
    customers,
    idempotency_keys,
    notes,
    push_results,
)

log = logging.getLogger(__name__)

Validator = Callable[[dict[str, Any]], list[tuple[str, str]]]
Preparer = Callable[[dict[str, Any]], dict[str, Any]]

MAX_MUTATIONS = 500
DEFAULT_RETENTION_DAYS = 7.0
PURGE_INTERVAL_S = 3600.0
# 1..64 characters, no control characters, not only spaces (a UUID in practice).
_KEY_PATTERN = r"^[^\x00-\x1f]{0,63}[^\x00-\x20][^\x00-\x1f]{0,63}$"
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True, slots=True)
class _Entity:
    name: str
    table: sa.Table
    validate: Validator
    prepare: Preparer | None
    id_width: int


_REGISTRY: dict[str, _Entity] = {}
# Entities applied by a function of their own, outside versions and the change feed
# (central/history_push.py): handler(conn, mutation, actor) -> result.
Handler = Callable[[Connection, dict[str, Any], policy.Actor], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def register_entity(
    name: str, table: sa.Table, validate: Validator, *, prepare: Preparer | None = None
) -> None:
    """Make `name` pushable. `validate(record)` returns (field, message) pairs, empty if valid;
    `prepare(record)` (optional) normalises a valid record before it is written. The table
    also becomes the entity's record table for `central.writes` and the change feed."""
    width = getattr(table.c.id.type, "length", None) or 64
    _REGISTRY[name] = _Entity(name, table, validate, prepare, width)
    ENTITY_TABLES.setdefault(name, table)


def register_handler(name: str, handler: Handler) -> None:
    """Make `name` pushable through `handler`, which checks and writes one mutation in the
    push's transaction and returns its result (`answer(...)`); client_id replay is kept here."""
    _HANDLERS[name] = handler


def registered_entities() -> list[str]:
    return sorted(set(_REGISTRY) | set(_HANDLERS))


# ---- validators ----------------------------------------------------------------------------


def _text(record: dict, key: str, *, max_len: int, required: bool) -> list[tuple[str, str]]:
    value = record.get(key)
    if value is None or value == "":
        return [(key, f"{key} is required")] if required else []
    if not isinstance(value, str):
        return [(key, f"{key} must be text")]
    if len(value) > max_len:
        return [(key, f"{key} is longer than {max_len} characters")]
    if required and not value.strip():
        return [(key, f"{key} is required")]
    return []


def _timestamp(record: dict, key: str) -> list[tuple[str, str]]:
    value = record.get(key)
    if value is None:
        return []
    try:
        if not isinstance(value, str):
            raise TypeError(key)
        parse_ts(value)
    except (TypeError, ValueError):
        return [(key, f"{key} must be an ISO 8601 time")]
    return []


def validate_customer(record: dict[str, Any]) -> list[tuple[str, str]]:
    errors = _text(record, "name", max_len=64, required=True)
    if isinstance(record.get("name"), str) and _CONTROL.search(record["name"]):
        errors.append(("name", "name must not contain control characters"))
    for key, width in (("email", 128), ("shop_member_id", 32), ("city", 32), ("membership_level", 32)):
        errors += _text(record, key, max_len=width, required=False)
    tier = record.get("tier", Tier.ORDINARY.value)
    if not isinstance(tier, str) or tier not in {t.value for t in Tier}:
        errors.append(("tier", f"tier must be one of {sorted(t.value for t in Tier)}"))
    for key in ("points_balance", "lifetime_value_fen"):
        value = record.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**53:
            errors.append((key, f"{key} must be a whole number"))
    churn = record.get("churn_risk", 0.0)
    if isinstance(churn, bool) or not isinstance(churn, int | float) or not 0.0 <= churn <= 1.0:
        errors.append(("churn_risk", "churn_risk must be a number from 0 to 1"))
    for key in ("tags", "churn_reasons"):
        value = record.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 64 for v in value):
            errors.append((key, f"{key} must be a list of short texts"))
    phones = record.get("phones", [])
    if not isinstance(phones, list) or len(phones) > 20:
        errors.append(("phones", "phones must be a list of at most 20 numbers"))
    else:
        for phone in phones:
            raw = phone.get("e164") if isinstance(phone, dict) else None
            if not isinstance(raw, str) or normalize(raw) is None:
                errors.append(("phones", f"not a usable phone number: {raw!r}"))
                break
            for key, width in (("kind", 16), ("label", 32)):
                errors += [("phones", msg) for _, msg in _text(phone, key, max_len=width, required=False)]
    for key in ("created_at", "updated_at"):
        errors += _timestamp(record, key)
    return errors


def prepare_customer(record: dict[str, Any]) -> dict[str, Any]:
    """Phones to E.164 (duplicates dropped), so lookups by number find the new customer."""
    phones, seen = [], set()
    for phone in record.get("phones") or []:
        e164 = normalize(phone["e164"])
        if e164 and e164 not in seen:
            seen.add(e164)
            phones.append({**phone, "e164": e164})
    return {**record, "phones": phones}


def validate_note(record: dict[str, Any]) -> list[tuple[str, str]]:
    errors = _text(record, "customer_id", max_len=16, required=True)
    errors += _text(record, "text", max_len=4000, required=True)
    errors += _text(record, "author", max_len=64, required=False)
    errors += _timestamp(record, "created_at")
    return errors


register_entity("customer", customers, validate_customer, prepare=prepare_customer)
register_entity("note", notes, validate_note)
# Pushable but not a record (no change feed, no versions): central.audit_push writes it.
_AUDIT = _Entity(audit_push.ENTITY, audit_events, lambda _record: [], None, 64)


# ---- applying a push -----------------------------------------------------------------------


def _result(
    client_id: str,
    status: str,
    *,
    version: int | None = None,
    seq: int | None = None,
    server: dict | None = None,
    message: str = "",
    field: str | None = None,
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "status": status,
        "version": version,
        "seq": seq,
        "server": server,
        "message": message,
        "field": field,
    }


answer = _result  # the result shape, for handlers


def _live(conn: Connection, entity: str, entity_id: str) -> tuple[dict | None, int | None, int | None]:
    """(server copy or None if absent/deleted, its version, its seq) from the change log."""
    row = conn.execute(
        sa.select(change_log.c.op, change_log.c.version, change_log.c.seq, change_log.c.data).where(
            change_log.c.entity == entity, change_log.c.entity_id == entity_id
        )
    ).first()
    if row is None:
        return None, None, None
    if row.op == "delete":
        return None, row.version, row.seq
    data = dict(row.data or {})
    data["version"] = row.version
    return data, row.version, row.seq


def _check_shape(mutation: dict[str, Any]) -> tuple[str, str] | None:
    """(field, message) if the mutation itself (not its record) is unusable."""
    entity = _REGISTRY.get(mutation.get("entity", ""))
    if mutation.get("entity") == audit_push.ENTITY:
        entity = _AUDIT
    if entity is None:
        return "entity", f"unknown entity {mutation.get('entity')!r}; expected one of {registered_entities()}"
    if mutation.get("op") not in ("upsert", "delete"):
        return "op", f"op must be 'upsert' or 'delete', got {mutation.get('op')!r}"
    record_id = mutation.get("id")
    if not isinstance(record_id, str) or not record_id or len(record_id) > entity.id_width:
        return "id", f"id must be 1..{entity.id_width} characters"
    if _CONTROL.search(record_id):
        return "id", "id must not contain control characters"
    if mutation["op"] == "upsert":
        data = mutation.get("data")
        if not isinstance(data, dict):
            return "data", "an upsert needs the record in 'data'"
        if data.get("id", record_id) != record_id:
            return "id", "data.id differs from the mutation id"
    return None


def _authorize(
    conn: Connection, actor: policy.Actor, mutation: dict[str, Any], server: dict | None
) -> policy.Decision:
    parent = None
    data = mutation.get("data")
    if mutation["entity"] == "attachment" and isinstance(data, dict):
        parent, _, _ = _live(conn, "ticket", str(data.get("ticket_id") or ""))
    return policy.authorize(actor, mutation["entity"], mutation["op"], data, server, parent)


def _apply_one(
    conn: Connection, mutation: dict[str, Any], actor: policy.Actor, pop_index_key: bytes | None
) -> dict[str, Any]:
    result = _apply_unminimised(conn, mutation, actor, pop_index_key)
    if mutation["entity"] == "customer" and pop_index_key is not None and result.get("server"):
        # the server copy goes back to the pusher: as their role may see it
        result = {**result, "server": pop_key.minimise_customer(result["server"], actor.role, pop_index_key)}
    return result


def _apply_unminimised(
    conn: Connection, mutation: dict[str, Any], actor: policy.Actor, pop_index_key: bytes | None
) -> dict[str, Any]:
    client_id = mutation["client_id"]
    entity_name, record_id, op = mutation["entity"], mutation["id"], mutation["op"]
    base_version = mutation.get("base_version")
    server, version, _seq = _live(conn, entity_name, record_id)
    if (
        entity_name == "customer"
        and pop_index_key is not None
        and isinstance(mutation.get("data"), dict)
        and not policy.can_see_phones(actor.role)
    ):
        # the pusher was given masked numbers: put back the full ones they stand for
        data, problem = pop_key.unmask_phones(mutation["data"], server, pop_index_key)
        if problem is not None:
            return _result(client_id, "rejected", message=problem, field="phones")
        mutation = {**mutation, "data": data}
    decision = _authorize(conn, actor, mutation, server)
    if not decision.allowed:
        log.warning(
            "push: %s %s %s %s refused for %s (%s): forbidden",
            op, entity_name, record_id, decision.field, actor.username, actor.role,
        )  # fmt: skip
        return _result(client_id, "rejected", message=policy.FORBIDDEN, field=decision.field)
    if entity_name == audit_push.ENTITY:  # not a record: an append-only audit row
        answer = audit_push.apply(conn, actor, record_id, decision.data or {})
        return _result(client_id, answer["status"], message=answer["message"], field=answer["field"])
    entity = _REGISTRY[entity_name]
    if decision.data is not None:
        mutation = {**mutation, "data": decision.data}
    if op == "delete":
        if server is None:
            return _result(client_id, "applied", message="already deleted")
        if base_version != version:
            return _result(client_id, "conflict", server=server, version=version, message="record changed")
    elif server is not None and base_version != version:
        message = "record already exists" if base_version is None else "record changed on the server"
        return _result(client_id, "conflict", server=server, version=version, message=message)
    elif server is None and base_version is not None:
        return _result(client_id, "conflict", server=None, message="record was deleted on the server")
    if op == "delete":
        versions = writes.delete_records(conn, entity_name, [record_id])
        _, new_version, new_seq = _live(conn, entity_name, record_id)
        return _result(client_id, "applied", version=versions.get(record_id, new_version), seq=new_seq)
    data = {**mutation["data"], "id": record_id}
    errors = entity.validate(data)
    if errors:
        field, message = errors[0]
        return _result(client_id, "rejected", server=server, version=version, message=message, field=field)
    if entity.prepare is not None:
        data = entity.prepare(data)
    # the record is locked (`_lock_keys`) and its version was read above: not read again
    writes.apply_changes(
        conn, entity_name, upserts=[data], last_versions={} if version is None else {record_id: version}
    )
    stored, new_version, new_seq = _live(conn, entity_name, record_id)
    return _result(client_id, "applied", version=new_version, seq=new_seq, server=stored)


def _lock_keys(mutation: dict[str, Any]) -> list[str]:
    """What a mutation locks before it reads anything: its client_id (so two concurrent pushes
    of it cannot both miss push_results), its record (versions) and, for an attachment, the
    ticket whose owner authorises it. Ids are bounded and only hashed (`writes.lock_records`)."""
    keys = [_client_key(mutation["client_id"])]
    entity, record_id, data = mutation.get("entity"), mutation.get("id"), mutation.get("data")
    if isinstance(entity, str) and isinstance(record_id, str):
        keys.append(writes.record_key(entity[:32], record_id[:256]))
        if entity == "attachment" and isinstance(data, dict) and isinstance(data.get("ticket_id"), str):
            keys.append(writes.record_key("ticket", data["ticket_id"][:256]))
    return keys


def _client_key(client_id: str) -> str:
    return f"push {client_id}"


def _result_row(mutation: dict[str, Any], result: dict[str, Any], actor: policy.Actor) -> dict[str, Any]:
    return {
        "client_id": mutation["client_id"],
        "user_id": actor.user_id,
        # bookkeeping columns only: a refused mutation may carry NULs PostgreSQL cannot store
        "entity": _CONTROL.sub("", str(mutation.get("entity")))[:32],
        "entity_id": _CONTROL.sub("", str(mutation.get("id")))[:64],
        "result": result,
        "created_at": datetime.now(UTC),
    }


def _store_result(
    conn: Connection, mutation: dict[str, Any], result: dict[str, Any], actor: policy.Actor
) -> None:
    conn.execute(push_results.insert().values(_result_row(mutation, result, actor)))


def _apply_locked(
    conn: Connection,
    mutation: dict[str, Any],
    actor: policy.Actor,
    pop_index_key: bytes | None,
    stored: Any,
    pending: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], bool]:
    """(result, new): one mutation in `conn`, whose transaction holds its locks (`_lock_keys`);
    `stored` is its push_results row if the client_id was pushed before (then nothing is
    applied: the stored result, or a refusal when another user pushed that client_id). A new
    result is stored now, or added to `pending` for the caller to store before it commits."""
    client_id = mutation["client_id"]
    if stored is not None:
        if stored.user_id is not None and stored.user_id != actor.user_id:
            return _result(client_id, "rejected", message=policy.FORBIDDEN, field="client_id"), False
        return stored.result, False
    handler = _HANDLERS.get(str(mutation.get("entity")))
    problem = None if handler is not None else _check_shape(mutation)
    if problem is not None:
        result = _result(client_id, "rejected", message=problem[1], field=problem[0])
    elif handler is not None:
        result = handler(conn, mutation, actor)
    else:
        result = _apply_one(conn, mutation, actor, pop_index_key)
    if pending is None:
        _store_result(conn, mutation, result, actor)
    else:
        pending.append(_result_row(mutation, result, actor))
    return result, True


def _results_of(client_ids: Sequence[str]) -> sa.Select[Any]:
    """The push_results rows (client_id, result, user_id) of `client_ids`."""
    return sa.select(push_results.c.client_id, push_results.c.result, push_results.c.user_id).where(
        push_results.c.client_id.in_(list(client_ids))
    )


def _stored_results(conn: Connection, client_ids: list[str]) -> dict[str, Any]:
    return {row.client_id: row for row in conn.execute(_results_of(client_ids))}


def _settled(conn: Connection, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results with each applied write's committed seq, in one query. On PostgreSQL a change
    row takes its final seq when its transaction commits (migration 0014): a seq read inside the
    write is provisional. The answer is the record's committed seq (this write's, or a later
    write's of the same record: this write is in the feed by then), found through the
    client_id's push_results row (which names the record)."""
    if conn.dialect.name != "postgresql":
        return results
    client_ids = [r["client_id"] for r in results if isinstance(r, dict) and r.get("seq") is not None]
    if not client_ids:
        return results
    rows = conn.execute(
        sa.select(push_results.c.client_id, change_log.c.seq)
        .join(
            change_log,
            sa.and_(
                change_log.c.entity == push_results.c.entity,
                change_log.c.entity_id == push_results.c.entity_id,
            ),
        )
        .where(push_results.c.client_id.in_(client_ids))
    )
    seqs = {row.client_id: row.seq for row in rows}
    return [
        {**result, "seq": seqs[result["client_id"]]}
        if isinstance(result, dict) and result.get("seq") is not None and result.get("client_id") in seqs
        else result
        for result in results
    ]


def _settled_after_commit(conn: Connection, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`_settled` on a connection whose transaction committed: read in autocommit (one round
    trip, no BEGIN and ROLLBACK). The connection stays in autocommit until it goes back to the
    pool, which resets it: call this last."""
    if conn.dialect.name == "postgresql" and not conn.in_transaction():
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return _settled(conn, results)


def apply_mutation(
    engine: Engine, mutation: dict[str, Any], actor: policy.Actor, pop_index_key: bytes | None = None
) -> dict[str, Any]:
    """Apply one mutation in its own transaction as `actor`; a client_id the same user pushed
    before returns its stored result (another user's client_id is refused, never answered)."""
    client_id = mutation["client_id"]
    try:
        with engine.begin() as conn:
            writes.lock_records(conn, _lock_keys(mutation))
            stored = _stored_results(conn, [client_id]).get(client_id)
            result, new = _apply_locked(conn, mutation, actor, pop_index_key, stored)
            if not new:
                return _settled(conn, [result])[0]
        if result.get("seq") is None or engine.dialect.name != "postgresql":
            return result
        with engine.connect() as conn:
            return _settled_after_commit(conn, [result])[0]
    except _REFUSED as exc:
        # The record could not be written (e.g. a value the table refuses): refuse it for good.
        log.warning("push: %s %s rejected: %s", mutation.get("entity"), mutation.get("id"), exc)
        result = _result(client_id, "rejected", message=f"record refused by the server: {exc}"[:300])
        with engine.begin() as conn:
            writes.lock_records(conn, [_client_key(client_id)])
            _store_result(conn, mutation, result, actor)
        return result


_REFUSED = (ValueError, TypeError, sa.exc.IntegrityError, sa.exc.DataError)


def scoped_key(user_id: int, key: str) -> str:
    """The stored form of an Idempotency-Key: per user, so one user's key never answers
    another's push (and a stored key tells nothing about the client's)."""
    return hashlib.sha256(f"{user_id}\x00{key}".encode()).hexdigest()


def _idempotency_lock(key: str) -> str:
    return f"idempotency {key}"


def _stored(
    conn: Connection, key: str, client_ids: Sequence[str]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the response stored under `key` or None, the push_results rows of `client_ids`), in
    one statement."""
    by_key = sa.select(
        sa.literal("").label("client_id"),
        idempotency_keys.c.response.label("result"),
        sa.cast(sa.null(), sa.Integer).label("user_id"),
    ).where(idempotency_keys.c.key == key)
    query = sa.union_all(by_key, _results_of(client_ids)) if client_ids else by_key
    response, results = None, {}
    for row in conn.execute(query):
        if row.client_id == "":  # (a client_id is never empty: MutationIn)
            response = row.result
        else:
            results[row.client_id] = row
    return response, results


MakeResults = Callable[[dict[str, Any]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def _respond_once(
    conn: Connection, key: str, locks: list[str], make_results: MakeResults, client_ids: Sequence[str] = ()
) -> tuple[dict[str, Any], bool]:
    """(response, replayed), in one transaction on `conn` (the one it is in, else a new one): `locks`
    and the key's own taken at once (sorted, so concurrent pushes cannot deadlock on them); a key
    stored before is answered from the store, else `make_results(stored push_results rows of
    client_ids)` gives (results, push_results rows to store), and they are stored with the
    response under the key (one statement on PostgreSQL)."""
    with conn.get_transaction() or conn.begin():
        writes.lock_records(conn, [_idempotency_lock(key), *locks])
        first, stored = _stored(conn, key, client_ids)
        if first is not None:  # a replay, or the same key raced us: answers agree per client_id
            return {**first, "results": _settled(conn, first.get("results") or [])}, True
        results, rows = make_results(stored)
        response = {"results": results, "server_time": format_ts(datetime.now(UTC))}
        keep = idempotency_keys.insert().values(key=key, response=response, created_at=datetime.now(UTC))
        if rows and conn.dialect.name == "postgresql":
            conn.execute(keep.add_cte(push_results.insert().values(rows).cte("stored_results")))
        else:
            if rows:
                conn.execute(push_results.insert().values(rows))
            conn.execute(keep)
    return response, False


def _push_in_one_transaction(
    conn: Connection,
    key: str,
    mutations: list[dict[str, Any]],
    actor: policy.Actor,
    pop_index_key: bytes | None,
) -> tuple[dict[str, Any], bool]:
    """The usual push: the mutations, their results and the idempotency record in ONE
    transaction: a few round trips instead of two transactions per mutation. Raises what a
    mutation raised (the caller then applies them one transaction each, so one bad record
    refuses only itself)."""

    def apply_all(stored: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        pending: list[dict[str, Any]] = []
        results = [
            _apply_locked(conn, mutation, actor, pop_index_key, stored.get(mutation["client_id"]), pending)[0]
            for mutation in mutations
        ]
        return results, pending

    locks = [lock for mutation in mutations for lock in _lock_keys(mutation)]
    client_ids = [mutation["client_id"] for mutation in mutations]
    response, replayed = _respond_once(conn, key, locks, apply_all, client_ids)
    if replayed:
        return response, True
    return {**response, "results": _settled_after_commit(conn, response["results"])}, False


def push(
    engine: Engine,
    key: str,
    mutations: list[dict[str, Any]],
    actor: policy.Actor,
    pop_index_key: bytes | None = None,
) -> tuple[dict[str, Any], bool]:
    """(response, replayed). A key this user sent before returns the stored response and
    applies nothing."""
    with engine.connect() as conn:
        return push_on(conn, engine, key, mutations, actor, pop_index_key)


def push_on(
    conn: Connection,
    engine: Engine,
    key: str,
    mutations: list[dict[str, Any]],
    actor: policy.Actor,
    pop_index_key: bytes | None = None,
) -> tuple[dict[str, Any], bool]:
    """`push` on a connection the caller already holds: the route reads the caller's actor on it
    first, in the transaction the push then goes on in, so a push checks out one pooled
    connection, not three, and makes no round trip to end the read."""
    key = scoped_key(actor.user_id, key)
    try:
        return _push_in_one_transaction(conn, key, mutations, actor, pop_index_key)
    except (*_REFUSED, sa.exc.OperationalError) as exc:
        # A record the table refuses, or a deadlock the database broke (a customer's delete
        # locking its orders while a push holds one): nothing of the push was written.
        log.info("push: applying %d mutation(s) one by one after: %s", len(mutations), exc)
        if conn.in_transaction():
            conn.rollback()
    # each result is settled by its own transaction already
    results = [apply_mutation(engine, mutation, actor, pop_index_key) for mutation in mutations]
    return _respond_once(conn, key, [], lambda _stored: (results, []))


# ---- retention -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PurgeReport:
    idempotency_keys: int
    push_results: int


def purge_push_records(engine: Engine, older_than: timedelta, *, now: datetime | None = None) -> PurgeReport:
    """Delete idempotency keys and per-mutation results created before `now - older_than`."""
    cutoff = (now or datetime.now(UTC)) - older_than
    with engine.begin() as conn:
        keys = conn.execute(idempotency_keys.delete().where(idempotency_keys.c.created_at < cutoff))
        results = conn.execute(push_results.delete().where(push_results.c.created_at < cutoff))
    report = PurgeReport(keys.rowcount or 0, results.rowcount or 0)
    if report.idempotency_keys or report.push_results:
        log.info(
            "push: purged %d idempotency keys and %d push results older than %s",
            report.idempotency_keys,
            report.push_results,
            cutoff.isoformat(timespec="seconds"),
        )
    return report


@dataclass
class PushRetention:
    """Runs `purge_push_records` at most once per `interval_s` (the first push after start
    purges at once). Cheap: both tables are indexed on created_at."""

    engine: Engine
    days: float = DEFAULT_RETENTION_DAYS
    interval_s: float = PURGE_INTERVAL_S
    clock: Callable[[], float] = time.monotonic
    last_run: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def maybe_purge(self) -> PurgeReport | None:
        with self._lock:
            now = self.clock()
            if self.last_run is not None and now - self.last_run < self.interval_s:
                return None
            self.last_run = now
        try:
            return purge_push_records(self.engine, timedelta(days=self.days))
        except sa.exc.SQLAlchemyError as exc:  # never fail a push because housekeeping did
            log.warning("push: purge of old idempotency records failed: %s", exc)
            return None


# ---- HTTP route ----------------------------------------------------------------------------


class MutationIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]*$")
    entity: str = Field(min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=64)
    op: str = Field(min_length=1, max_length=16)
    base_version: int | None = Field(default=None, ge=0, le=2**31)
    data: dict[str, Any] | None = None


class PushRequest(BaseModel):
    mutations: list[MutationIn] = Field(max_length=MAX_MUTATIONS)


def install_routes(
    app: FastAPI,
    deps: RouteDeps,
    *,
    retention_days: float = DEFAULT_RETENTION_DAYS,
    pop_index_key: bytes | None = None,
) -> None:
    """Add POST /api/v1/sync/push to `app` (called by central.app.create_app). `pop_index_key`:
    masked numbers pushed by roles that may not see numbers are put back (central/pop_key.py)."""
    if TYPE_CHECKING:
        signed_caller: TypeAlias = Caller  # deps.caller is Annotated[Caller, Depends(...)]
    else:
        signed_caller = deps.caller
    retention = PushRetention(deps.engine, retention_days)
    app.state.push_retention = retention

    @app.post("/api/v1/sync/push", response_model=None, responses=deps.errors)
    def sync_push(
        caller: signed_caller,
        body: PushRequest,
        idempotency_key: Annotated[
            str, Header(alias="Idempotency-Key", min_length=1, max_length=64, pattern=_KEY_PATTERN)
        ],
    ) -> JSONResponse:
        key = idempotency_key.strip()
        with deps.engine.connect() as conn:
            # the sign-in and the actor read begin the push's transaction: no round trip to end it
            actor = deps.load_actor(conn, caller.signed_in(conn))
            seen: set[str] = set()
            for mutation in body.mutations:
                if mutation.client_id in seen:
                    raise deps.api_error(
                        422, "validation_error", f"client_id {mutation.client_id} appears twice", "client_id"
                    )
                seen.add(mutation.client_id)
            mutations = [m.model_dump() for m in body.mutations]
            response, replayed = push_on(conn, deps.engine, key, mutations, actor, pop_index_key)
        retention.maybe_purge()
        headers = {"Idempotent-Replayed": "true"} if replayed else None
        return JSONResponse(response, headers=headers)
