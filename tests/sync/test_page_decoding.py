"""Decoding a bootstrap page in pieces (desktop.services.api._loads_in_pieces) gives exactly what
one json.loads gives, and keeps each change's `data` text only when it is certainly that text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cache.store import DATA_TEXT_KEY
from desktop.services.page_decoding import loads_in_pieces as _loads_in_pieces


def _page(changes: list[dict], tail: dict) -> bytes:
    """The central API's layout: one change per line, `data` last."""
    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in changes]
    return ('{"changes":[\n' + ",\n".join(lines) + "\n]," + json.dumps(tail)[1:]).encode()


def _change(n: int, data: dict | None) -> dict:
    return {
        "seq": n,
        "entity": "customer",
        "id": f"C{n}",
        "op": "upsert" if data else "delete",
        "version": 1,
        "data": data,
    }


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
records = st.dictionaries(texts, st.one_of(texts, st.integers(), st.lists(texts, max_size=3)), max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(records, st.none()), max_size=450))
def test_pieces_equal_one_decode_and_texts_are_the_data(datas: list[dict | None]) -> None:
    changes = [_change(n, d) for n, d in enumerate(datas)]
    body = _page(changes, {"next_since": 9, "has_more": False})
    decoded = _loads_in_pieces(body)
    whole = json.loads(body)
    assert {k: v for k, v in decoded.items() if k != "changes"} == {
        k: v for k, v in whole.items() if k != "changes"
    }
    assert [{k: v for k, v in c.items() if k != DATA_TEXT_KEY} for c in decoded["changes"]] == whole[
        "changes"
    ]
    for change in decoded["changes"]:
        if change["data"] is None:
            assert DATA_TEXT_KEY not in change
        else:
            assert json.loads(change[DATA_TEXT_KEY]) == change["data"]


def test_another_layout_is_decoded_whole_and_keeps_no_text() -> None:
    body = json.dumps({"changes": [_change(1, {"id": "C1", "name": "王"})], "next_since": 1}).encode()
    decoded = _loads_in_pieces(body)
    assert decoded == json.loads(body)


def test_a_line_whose_data_is_not_last_keeps_no_text() -> None:
    odd = '{"seq":1,"entity":"customer","id":"C1","op":"upsert","data":{"id":"C1"},"version":1}'
    nested = '{"seq":2,"entity":"customer","id":"C2","op":"upsert","version":{"data":1},"data":{"id":"C2"}}'
    body = ('{"changes":[\n' + odd + ",\n" + nested + '\n],"next_since":2}').encode()
    decoded = _loads_in_pieces(body)
    assert [DATA_TEXT_KEY in c for c in decoded["changes"]] == [False, False]
    assert [c["data"] for c in decoded["changes"]] == [{"id": "C1"}, {"id": "C2"}]
