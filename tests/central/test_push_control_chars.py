"""A push mutation carrying NUL or other control characters is refused per item, never a 500
(PostgreSQL cannot store NUL in text or JSON; found by the schemathesis contract test)."""

from __future__ import annotations

from central.db import make_engine
from central.migrate import upgrade
from central.policy import Actor
from central.push import apply_mutation

ACTOR = Actor(1, "admin", "admin", "9000")


def test_nul_in_entity_and_id_is_a_clear_rejection(central_db_url):
    upgrade(central_db_url)
    engine = make_engine(central_db_url)
    try:
        for mutation in (
            {"client_id": "c-1", "entity": "x\x00y", "id": "\x00a", "op": "upsert", "data": {}},
            {"client_id": "c-2", "entity": "note", "id": "n\x00", "op": "upsert", "data": {"id": "n\x00"}},
        ):
            result = apply_mutation(engine, mutation, ACTOR)
            assert result["status"] == "rejected" and result["message"]
            assert apply_mutation(engine, mutation, ACTOR) == result  # the stored answer is replayed
    finally:
        engine.dispose()
