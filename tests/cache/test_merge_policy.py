"""desktop/cache/merge_policy.py on its own: what each push answer decides for the record
(table-driven), and the three-way field merge's rules as properties (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.cache.merge_policy import (
    CONFLICT_REASON,
    Acknowledge,
    ListConflict,
    Merge,
    Outcome,
    PushAnswer,
    Reject,
    ServerCopy,
    decide,
    merge_fields,
    read_answer,
    read_answers,
    reapply_base_version,
)
from desktop.cache.outbox import ConflictRow, OutboxEntry, OutboxError


def entry(
    client_id: str,
    payload: dict[str, Any],
    base: dict[str, Any] | None = None,
    op: str = "upsert",
    record_id: str = "T1",
) -> OutboxEntry:
    return OutboxEntry(
        client_id=client_id,
        entity="ticket",
        entity_id=record_id,
        op=op,
        payload=payload,
        base_version=None if base is None else base.get("version"),
        base_payload=base,
        created_at="2026-12-01T00:00:00.000000Z",
        attempts=0,
        last_error=None,
    )


BASE = {"id": "T1", "title": "printer", "status": "open", "version": 3}
SERVER = {"id": "T1", "title": "printer", "status": "closed", "version": 4}
MINE = entry("c1", {**BASE, "title": "printer jam"}, BASE)
MINE_LATER = entry("c2", {**BASE, "title": "printer jam, tray 2"}, BASE)
CLASH = entry("c3", {**BASE, "status": "pending"}, BASE)
CREATE = entry("c4", {"id": "T1", "title": "new"}, None)
DELETE = entry("c5", {"id": "T1"}, BASE, op="delete")


APPLIED_4, APPLIED_4_BARE = PushAnswer(Outcome.APPLIED, 4, SERVER), PushAnswer(Outcome.APPLIED, 4, None)
CONFLICT_4 = PushAnswer(Outcome.CONFLICT, 4, SERVER)
AS_SERVER_4 = (ServerCopy(4, SERVER),)

# (why, the answered row, its answer, the rows still queued for the record, the decision)
DECISIONS: list[tuple[str, OutboxEntry, PushAnswer, list[OutboxEntry], object]] = [
    (
        "applied with a copy: rebase on it, settle with it",
        MINE,
        APPLIED_4,
        [],
        Acknowledge(4, SERVER, AS_SERVER_4),
    ),
    (
        "applied, no copy: rebase on what was sent",
        MINE,
        APPLIED_4_BARE,
        [],
        Acknowledge(4, MINE.payload, (ServerCopy(4, None),)),
    ),
    (
        "applied, no version: no settling",
        MINE,
        PushAnswer(Outcome.APPLIED, None, None),
        [],
        Acknowledge(None, MINE.payload, ()),
    ),
    (
        "an applied delete settles on no copy",
        DELETE,
        APPLIED_4,
        [],
        Acknowledge(4, SERVER, (ServerCopy(4, None),)),
    ),
    (
        "rejected on a field: listed with field and message, the server copy settles",
        MINE,
        PushAnswer(Outcome.REJECTED, 4, SERVER, field="title", message="too long"),
        [],
        Reject("rejected: title: too long", AS_SERVER_4, drop_local_if_unqueued=False),
    ),
    (
        "a refused create (no copy, no version): the local copy goes unless other rows are queued",
        CREATE,
        PushAnswer(Outcome.REJECTED, None, None, message="no such customer"),
        [],
        Reject("rejected: no such customer", (), drop_local_if_unqueued=True),
    ),
    (
        "rejected with version 0 and no copy: nothing to settle, not a refused create",
        MINE,
        PushAnswer(Outcome.REJECTED, 0, None),
        [],
        Reject("rejected: refused", (), drop_local_if_unqueued=False),
    ),
    (
        "conflict on other fields: merged, the newest local copy over the server's",
        MINE,
        CONFLICT_4,
        [MINE, MINE_LATER],
        Merge(
            {"id": "T1", "title": "printer jam, tray 2", "status": "closed"},
            4,
            SERVER,
            (MINE, MINE_LATER),
            (MINE_LATER,),
        ),
    ),
    (
        "conflict on the same field: newest listed",
        MINE,
        CONFLICT_4,
        [MINE, CLASH],
        ListConflict(CLASH, CONFLICT_REASON, SERVER, (MINE,), AS_SERVER_4),
    ),
    (
        "a delete queued: never merged",
        MINE,
        CONFLICT_4,
        [MINE, DELETE],
        ListConflict(DELETE, CONFLICT_REASON, SERVER, (MINE,), AS_SERVER_4),
    ),
    (
        "a create (no base): listed",
        CREATE,
        CONFLICT_4,
        [CREATE],
        ListConflict(CREATE, CONFLICT_REASON, SERVER, (), AS_SERVER_4),
    ),
    (
        "conflict with the record deleted on the server: listed, settles on no copy",
        MINE,
        PushAnswer(Outcome.CONFLICT, None, None),
        [MINE],
        ListConflict(MINE, CONFLICT_REASON, None, superseded=(), settle=(ServerCopy(0, None),)),
    ),
]


@pytest.mark.parametrize(
    ("why", "answered", "answer", "queued", "expected"), DECISIONS, ids=[d[0] for d in DECISIONS]
)
def test_decide(
    why: str, answered: OutboxEntry, answer: PushAnswer, queued: list[OutboxEntry], expected: object
) -> None:
    assert decide(answered, answer, queued) == expected


ANSWERS: list[tuple[dict[str, Any] | None, PushAnswer | None]] = [
    (None, None),
    ({"client_id": "c1"}, None),
    ({"client_id": "c1", "status": "maybe"}, None),
    ({"client_id": "c1", "status": 1}, None),
    ({"status": "applied", "version": 7}, PushAnswer(Outcome.APPLIED, 7, None, None, "refused")),
    ({"status": "applied", "version": True, "server": [1]}, PushAnswer(Outcome.APPLIED, None, None)),
    (
        {"status": "conflict", "version": "7", "server": {"id": "x"}},
        PushAnswer(Outcome.CONFLICT, None, {"id": "x"}),
    ),
    (
        {"status": "rejected", "field": "name", "message": "x" * 600},
        PushAnswer(Outcome.REJECTED, None, None, "name", "x" * 500),
    ),
    (
        {"status": "rejected", "field": "", "message": None},
        PushAnswer(Outcome.REJECTED, None, None, None, "refused"),
    ),
]


@pytest.mark.parametrize(("raw", "expected"), ANSWERS)
def test_read_answer(raw: dict[str, Any] | None, expected: PushAnswer | None) -> None:
    assert read_answer(raw) == expected


def test_read_answers_keys_by_client_id_and_drops_the_rest() -> None:
    results = [{"client_id": "a", "status": "applied"}, {"status": "applied"}, "junk", {"client_id": 5}]
    assert read_answers(results) == {"a": {"client_id": "a", "status": "applied"}}
    assert read_answers({"client_id": "a"}) == {}
    assert read_answers(None) == {}


def _conflict(server: dict[str, Any] | None) -> ConflictRow:
    return ConflictRow(1, "c1", "ticket", "T1", {"id": "T1"}, server, CONFLICT_REASON, "t", None)


@pytest.mark.parametrize(
    ("server", "cached", "has_copy", "expected"),
    [
        ({"version": 4}, 6, True, 6),  # the cached version first
        ({"version": 4}, None, True, 4),  # else the conflict's server copy
        (None, None, True, None),
        ({"version": 4}, 6, False, None),  # no cached copy: queued as a create
    ],
)
def test_reapply_base_version(
    server: dict[str, Any] | None, cached: int | None, has_copy: bool, expected: int | None
) -> None:
    assert reapply_base_version(_conflict(server), cached, has_copy) == expected


@pytest.mark.parametrize("version", ["4", True, 4.0])
def test_reapply_refuses_a_server_version_that_is_not_a_whole_number(version: object) -> None:
    with pytest.raises(OutboxError):
        reapply_base_version(_conflict({"version": version}), None, True)


# ---- the field merge as properties -------------------------------------------------------------

KEYS = ("id", "a", "b", "c", "version", "updated_at")
records = st.dictionaries(st.sampled_from(KEYS), st.one_of(st.none(), st.integers(0, 3)), max_size=len(KEYS))
FIELDS = ("id", "a", "b", "c")


def _changed(record: dict[str, Any], base: dict[str, Any]) -> set[str]:
    return {k for k in FIELDS if record.get(k) != base.get(k)}


@given(base=records, local=records, server=records)
def test_merge_is_refused_exactly_when_both_sides_changed_a_field_differently(
    base: dict[str, Any], local: dict[str, Any], server: dict[str, Any]
) -> None:
    clash = any(local.get(k) != server.get(k) for k in _changed(local, base) & _changed(server, base))
    assert (merge_fields(base, local, server) is None) == clash


@given(base=records, local=records, server=records)
def test_merged_record_takes_each_field_from_the_side_that_changed_it(
    base: dict[str, Any], local: dict[str, Any], server: dict[str, Any]
) -> None:
    merged = merge_fields(base, local, server)
    if merged is None:
        return
    assert not set(merged) & {"version", "updated_at"}
    mine = _changed(local, base)
    for key in FIELDS:
        source = local if key in mine else server
        assert merged.get(key) == source.get(key)
        assert (key in merged) == (key in source)


@given(base=records, local=records, server=records)
def test_merge_does_not_depend_on_which_side_is_local(
    base: dict[str, Any], local: dict[str, Any], server: dict[str, Any]
) -> None:
    one, other = merge_fields(base, local, server), merge_fields(base, server, local)
    assert (one is None) == (other is None)
    if one is not None and other is not None:
        assert all(one.get(k) == other.get(k) for k in FIELDS)


@given(base=records, server=records)
def test_an_unchanged_local_copy_merges_to_the_server_copy(
    base: dict[str, Any], server: dict[str, Any]
) -> None:
    assert merge_fields(base, dict(base), server) == {
        k: v for k, v in server.items() if k not in ("version", "updated_at")
    }


@given(local=records, server=records)
def test_no_base_or_no_server_copy_is_never_merged(local: dict[str, Any], server: dict[str, Any]) -> None:
    assert merge_fields(None, local, server) is None
    assert merge_fields(server, local, None) is None
