"""Whatever a desktop pushes as a history record, the server's validators either give the row to
store or refuse it naming a field; nothing else escapes (no 500, no half-written row)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from central.history_push import Refused, call_row, interval_row, queue_call_row

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=80),
    st.sampled_from(["2026-12-01T09:00:00+08:00", "ready", "not_ready", "answered", "inbound", 1.8e9]),
)  # fmt: skip
KEYS = ["id", "start", "end", "state", "reason", "call_id", "ended_ts", "direction", "caller", "queue",
        "join_ts", "outcome", "wait_s", "handle_s", "wrap_s", "answered_ts", "started_ts"]  # fmt: skip
records = st.dictionaries(
    st.sampled_from(KEYS), st.one_of(scalars, st.lists(scalars, max_size=2)), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(records)
def test_validators_store_or_refuse_with_a_field(record):
    for validate in (interval_row, call_row, queue_call_row):
        try:
            row = validate(record)
        except Refused as exc:
            assert exc.field and str(exc)
            continue
        for value in row.values():
            if isinstance(value, float):
                assert math.isfinite(value)
