"""The update policy endpoint on the real central API (loopback, seeded SQLite)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

POLICY = {
    "mode": "require",
    "current_version": "0.2.0",
    "download_url": "https://intranet.example/calldesk-0.2.0.msi",
    "message": "请在下班后安装",
}


def _as(central, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {central.token_for(username)}"}


def test_default_policy_is_off_and_readable_by_an_agent(seeded_central_sqlite):
    with seeded_central_sqlite.client() as client:
        answer = client.get("/api/v1/update-policy")
    assert answer.status_code == 200
    assert answer.json()["mode"] == "off"


def test_admin_sets_the_policy_and_agents_read_it(seeded_central_sqlite):
    central = seeded_central_sqlite
    with central.client() as client:
        put = client.put("/api/v1/update-policy", json=POLICY, headers=_as(central, "admin"))
        assert put.status_code == 200, put.text
        body = client.get("/api/v1/update-policy").json()
    assert {k: body[k] for k in POLICY} == POLICY
    assert body["updated_by"] == "admin" and body["updated_at"]


def test_agents_and_supervisors_cannot_set_it_and_nothing_changes(seeded_central_sqlite):
    central = seeded_central_sqlite
    with central.client() as client:
        for user in ("1001", "super"):
            answer = client.put("/api/v1/update-policy", json=POLICY, headers=_as(central, user))
            assert answer.status_code == 403
            assert answer.json()["error"]["code"] == "forbidden"
        assert client.get("/api/v1/update-policy").json()["mode"] == "off"
        assert client.get("/api/v1/update-policy", headers={}).status_code == 200
        anonymous = client.get("/api/v1/update-policy", headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_bad_bodies_are_refused_with_a_message(seeded_central_sqlite):
    central = seeded_central_sqlite
    bad = [
        {**POLICY, "mode": "force"},
        {**POLICY, "current_version": "latest"},
        {**POLICY, "download_url": "file:///c:/evil.msi"},
        {**POLICY, "message": "line\nbreak"},
        {"mode": "notify"},
        [1, 2],
    ]
    with central.client() as client:
        for body in bad:
            answer = client.put("/api/v1/update-policy", json=body, headers=_as(central, "admin"))
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["error"]["message"]
        assert client.get("/api/v1/update-policy").json()["mode"] == "off"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(["mode", "current_version", "download_url", "message", "x"]),
        st.one_of(st.text(max_size=40), st.integers(), st.none()),
    )
)
def test_arbitrary_bodies_never_cause_a_server_error(seeded_central_sqlite, body):
    central = seeded_central_sqlite
    with central.client() as client:
        answer = client.put("/api/v1/update-policy", json=body, headers=_as(central, "admin"))
    assert answer.status_code in (200, 422), answer.text
