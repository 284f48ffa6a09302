"""The update policy endpoint on the real central API (loopback, seeded SQLite)."""

from __future__ import annotations

import re

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


# Characters that JSON Schema's `\s` (ECMA-262), Python's and Rust's disagree on, and neighbours.
_EDGES = "\x1f\x20\x7f\x80\x85\x9f\xa0\xa1\u1680\u180e\u2000\u200b\u2028\u2029\u202f\u3000\ufeff例"


def _published_url_pattern(client) -> str:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    return schemas["UpdatePolicyBody"]["properties"]["download_url"]["pattern"]


def test_a_download_url_with_u0085_is_refused_by_the_schema_and_the_server_alike(seeded_central_shared):
    # schemathesis seed 77637746914213997056855708109163614024: the schema's `\s` (ECMA-262) let
    # U+0085 through, the server's regex refused it
    central = seeded_central_shared
    with central.client() as client:
        pattern = _published_url_pattern(client)
        assert not re.search(r"\\[sSwWdDbB]", pattern)  # shortcuts mean different sets per engine
        url = "https://intranet.example/a\x85b.msi"
        assert re.fullmatch(pattern, url) is None
        answer = client.put(
            "/api/v1/update-policy", json={**POLICY, "download_url": url}, headers=_as(central, "admin")
        )
        assert answer.status_code == 422 and answer.json()["error"]["field"]


_ONCE: dict[str, tuple[str, dict[str, str]]] = {}  # server url -> (published pattern, admin headers)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.text(alphabet=st.sampled_from(_EDGES) | st.characters(exclude_categories=("Cs",)), max_size=6))
def test_the_published_url_rule_and_the_server_agree(seeded_central_shared, tail):
    central = seeded_central_shared
    url = f"https://intranet.example/{tail}"
    with central.client() as client:
        if central.url not in _ONCE:
            _ONCE[central.url] = (_published_url_pattern(client), _as(central, "admin"))
        pattern, admin = _ONCE[central.url]
        schema_says = re.fullmatch(pattern, url) is not None
        answer = client.put("/api/v1/update-policy", json={**POLICY, "download_url": url}, headers=admin)
    assert answer.status_code == (200 if schema_says else 422), (url, answer.text)
