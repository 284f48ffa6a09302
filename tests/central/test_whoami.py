"""GET /api/v1/auth/whoami and the user columns of migration 0007_accounts_users."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from central import auth
from central.db import make_engine
from central.migrate import upgrade
from central.tables import users

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
WHOAMI = "/api/v1/auth/whoami"


def _whoami(seeded, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(seeded.url + WHOAMI, headers=headers, timeout=10)


def test_whoami_answers_the_user_record_of_each_demo_user(seeded_central):
    expected = {
        "1001": ("agent", "1001", "PJSIP/1001", ["sales"]),
        "1002": ("agent", "1002", "PJSIP/1002", ["sales", "service"]),
        "super": ("supervisor", "9001", None, ["sales", "service"]),
        "admin": ("admin", "9000", None, []),
    }
    for username, (role, agent_id, interface, queues) in expected.items():
        response = _whoami(seeded_central, seeded_central.token_for(username))
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {
            "username", "agent_id", "role", "display_name", "pbx_interface", "queues", "team", "expires_at"
        }  # fmt: skip
        assert (body["username"], body["role"], body["agent_id"]) == (username, role, agent_id)
        assert body["pbx_interface"] == interface and body["queues"] == queues
        assert body["team"] is None and body["display_name"]
        assert ISO_UTC.match(body["expires_at"])
        expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert expires > datetime.now(UTC)


def test_whoami_follows_edits_of_the_user_record(seeded_central_sqlite):
    token = seeded_central_sqlite.token_for("1001")
    with seeded_central_sqlite.engine.begin() as conn:
        conn.execute(
            users.update()
            .where(users.c.username == "1001")
            .values(pbx_interface="1001@default", queues=["service"], team="north")
        )
    body = _whoami(seeded_central_sqlite, token).json()
    assert (body["pbx_interface"], body["queues"], body["team"]) == ("1001@default", ["service"], "north")


def test_whoami_refuses_missing_expired_tampered_and_disabled_user_tokens(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    good = seeded.token_for("1001")
    assert _whoami(seeded, good).status_code == 200
    assert _whoami(seeded, None).status_code == 401
    body, signature = good.split(".", 1)
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
    assert _whoami(seeded, tampered).status_code == 401
    assert _whoami(seeded, good[:-3]).status_code == 401

    with seeded.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == "1001")).one()
    principal = auth.Principal(row.id, row.username, row.role, row.agent_id, row.display_name, 0)
    expired = seeded.mint_token(principal, lifetime_s=-5)
    response = _whoami(seeded, expired)
    assert response.status_code == 401 and response.headers["www-authenticate"].lower().startswith("bearer")

    with seeded.engine.begin() as conn:
        conn.execute(users.update().where(users.c.username == "1001").values(active=False))
    response = _whoami(seeded, good)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "invalid_token"


def test_migration_0007_fills_in_the_demo_users_of_an_older_database(central_db_url):
    upgrade(central_db_url, "0006_change_log_entity_seq")
    engine = make_engine(central_db_url)
    try:
        old_users = sa.table(
            "users", *(sa.column(name) for name in
                       ("username", "password_hash", "role", "agent_id", "display_name", "created_at"))
        )  # fmt: skip
        with engine.begin() as conn:
            for username, _password, role, agent_id, name in auth.DEMO_USERS:
                conn.execute(
                    old_users.insert().values(
                        username=username, password_hash="x", role=role, agent_id=agent_id,
                        display_name=name, created_at=datetime.now(UTC),
                    )
                )  # fmt: skip
            conn.execute(
                old_users.insert().values(
                    username="other", password_hash="x", role="agent", agent_id="2001",
                    display_name="other", created_at=datetime.now(UTC),
                )
            )  # fmt: skip
        upgrade(engine)
        with engine.connect() as conn:
            rows = {row.username: row for row in conn.execute(sa.select(users))}
        assert (rows["1001"].pbx_interface, rows["1001"].queues) == ("PJSIP/1001", ["sales"])
        assert (rows["1002"].pbx_interface, rows["1002"].queues) == ("PJSIP/1002", ["sales", "service"])
        assert (rows["super"].pbx_interface, rows["super"].queues) == (None, ["sales", "service"])
        assert (rows["other"].pbx_interface, rows["other"].queues, rows["other"].team) == (None, [], None)
        assert all(row.active is True for row in rows.values())
    finally:
        engine.dispose()
