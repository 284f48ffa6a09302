"""Schemathesis contract test: generated requests for every operation of /openapi.json against
the real server; responses must match the published schemas, never 5xx, and errors keep shape.

Drives schemathesis through its Python API with plain hypothesis (its pytest plugin does not
work with pytest 9).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")


def contract_check(operation, headers: dict[str, str]):
    # A schema cannot say which strings are dialable numbers: the contract answers 422 for an
    # unusable phone, so only the lookup may reject schema-valid input.
    # Nor can it say which body matches X-Content-SHA256: an attachment upload refuses the others.
    refuses_valid = operation.path.endswith("/lookup") or operation.path.startswith("/api/v1/attachments/")
    excluded = [schemathesis.checks.positive_data_acceptance] if refuses_valid else []

    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "field"}

    return run


# Operations that end or change the caller's own sign-in run with a throwaway admin's token, so
# the rest of the run keeps a live one (every operation is allowed to an admin: widest coverage).
_SESSION_CHANGING = ("/api/v1/auth/logout", "/api/v1/admin/users/{username}")


def test_every_operation_honours_its_schema(seeded_central_shared):
    from central.users import add_user

    seeded = seeded_central_shared
    with seeded.engine.begin() as conn:
        if "throwaway" not in {row[0] for row in conn.exec_driver_sql("SELECT username FROM users")}:
            add_user(conn, "throwaway", "throwaway-pass", "admin")
    schema = schemathesis.openapi.from_url(f"{seeded.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8  # 7 read endpoints + push (+ tickets)
    admin = {"Authorization": f"Bearer {seeded.token_for('admin')}"}
    for operation in operations:
        if operation.path in _SESSION_CHANGING:
            contract_check(operation, {"Authorization": f"Bearer {seeded.token_for('throwaway')}"})()
        else:
            contract_check(operation, admin)()
