"""`calldesk central users ...` as an admin runs them (real subprocesses on the server's database),
and the same operations under /api/v1/admin/users."""

from __future__ import annotations

import httpx
from test_central_cli import calldesk


def _login(seeded, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{seeded.url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10
    )


def test_add_list_passwd_set_role_set_interface(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    db = seeded.db_url
    done = calldesk("users", "add", "li.na", "--role", "agent", "--password", "s3cret-pass", "--db", db,
                    "--interface", "PJSIP/1003", "--queues", "sales,vip", "--team", "north")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _login(seeded, "li.na", "s3cret-pass").status_code == 200
    listed = calldesk("users", "list", "--db", db)
    line = next(row for row in listed.stdout.splitlines() if row.startswith("li.na\t"))
    assert "agent" in line and "PJSIP/1003" in line and "sales,vip" in line and "north" in line

    again = calldesk("users", "add", "li.na", "--role", "agent", "--password", "s3cret-pass", "--db", db)
    assert again.returncode == 2 and "already exists" in again.stderr
    weak = calldesk("users", "add", "x", "--role", "agent", "--password", "short", "--db", db)
    assert weak.returncode == 2 and "password" in weak.stderr
    bad_role = calldesk("users", "add", "y", "--role", "root", "--password", "long-enough", "--db", db)
    assert bad_role.returncode == 2

    token = _login(seeded, "li.na", "s3cret-pass").json()["access_token"]
    assert calldesk("users", "passwd", "li.na", "--password", "another-pass", "--db", db).returncode == 0
    assert _login(seeded, "li.na", "s3cret-pass").status_code == 401
    assert _login(seeded, "li.na", "another-pass").status_code == 200
    whoami = httpx.get(f"{seeded.url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"})
    assert whoami.status_code == 401  # the password change ended the old session

    assert calldesk("users", "set-role", "li.na", "supervisor", "--db", db).returncode == 0
    assert _login(seeded, "li.na", "another-pass").json()["role"] == "supervisor"
    assert (
        calldesk(
            "users", "set-interface", "li.na", "1003@default", "--queues", "service", "--db", db
        ).returncode
        == 0
    )
    token = _login(seeded, "li.na", "another-pass").json()["access_token"]
    me = httpx.get(f"{seeded.url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["pbx_interface"], me["queues"], me["team"]) == ("1003@default", ["service"], "north")
    unknown = calldesk("users", "disable", "nobody", "--db", db)
    assert unknown.returncode == 2 and "no user" in unknown.stderr


def test_disable_stops_the_users_tokens_on_the_next_request_and_enable_restores_sign_in(
    seeded_central_sqlite,
):
    seeded = seeded_central_sqlite
    token = seeded.token_for("1002")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{seeded.url}/api/v1/customers/C0000001", headers=headers).status_code == 200
    assert calldesk("users", "disable", "1002", "--db", seeded.db_url).returncode == 0
    assert httpx.get(f"{seeded.url}/api/v1/customers/C0000001", headers=headers).status_code == 401
    assert _login(seeded, "1002", "demo").status_code == 401
    assert calldesk("users", "enable", "1002", "--db", seeded.db_url).returncode == 0
    assert _login(seeded, "1002", "demo").status_code == 200
    assert (
        httpx.get(f"{seeded.url}/api/v1/customers/C0000001", headers=headers).status_code == 401
    )  # stays ended


def test_admin_users_api(seeded_central_sqlite):
    seeded = seeded_central_sqlite
    admin = {"Authorization": f"Bearer {seeded.token_for('admin')}"}
    url = f"{seeded.url}/api/v1/admin/users"
    created = httpx.post(url, json={"username": "w.j", "password": "pass-word-1", "role": "agent",
                                    "queues": ["sales"]}, headers=admin)  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["user"]["queues"] == ["sales"] and "password_hash" not in created.text
    assert httpx.post(url, json={"username": "w.j", "password": "pass-word-1", "role": "agent"},
                      headers=admin).status_code == 409  # fmt: skip
    assert (
        httpx.post(url, json={"username": "z", "password": "x", "role": "agent"}, headers=admin).status_code
        == 422
    )
    users = httpx.get(url, headers=admin).json()["users"]
    assert {"1001", "1002", "super", "admin", "w.j"} <= {u["username"] for u in users}
    token = _login(seeded, "w.j", "pass-word-1").json()["access_token"]
    changed = httpx.patch(f"{url}/w.j", json={"active": False}, headers=admin)
    assert changed.status_code == 200 and changed.json()["user"]["active"] is False
    assert (
        httpx.get(
            f"{seeded.url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
    assert httpx.patch(f"{url}/nobody", json={"active": True}, headers=admin).status_code == 404
    assert httpx.get(url, headers=seeded.headers).status_code == 403  # an agent
