"""The desktop's update check against the real central API on loopback, and its refusals of
hostile or broken answers."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.services.api import CentralApi
from desktop.services.update_check import (
    UpdateCheckService,
    UpdateNotice,
    UpdatePolicyError,
    notice_for,
    version_key,
)


def _set_policy(central, **policy) -> None:
    headers = {"Authorization": f"Bearer {central.token_for('admin')}"}
    with central.client() as client:
        answer = client.put("/api/v1/update-policy", json=policy, headers=headers)
    assert answer.status_code == 200, answer.text


async def _check(central, installed: str) -> UpdateNotice:
    async with CentralApi(central.url, token=central.token, max_retries=0, timeout=5) as api:
        return await UpdateCheckService(api, installed=installed).check()


async def test_notify_tells_an_older_desktop_and_not_a_current_one(seeded_central_sqlite):
    central = seeded_central_sqlite
    _set_policy(central, mode="notify", current_version="0.3.0", download_url="https://it.example/cd.msi")
    notice = await _check(central, "0.2.9")
    assert notice == UpdateNotice("available", "0.2.9", "0.3.0", "https://it.example/cd.msi", "")
    assert (await _check(central, "0.3.0")).kind == "none"
    assert (await _check(central, "0.10.0")).kind == "none"  # numeric, not text, comparison


async def test_require_and_off(seeded_central_sqlite):
    central = seeded_central_sqlite
    _set_policy(central, mode="require", current_version="1.0", message="本周五前")
    notice = await _check(central, "0.9.1")
    assert (notice.kind, notice.current, notice.message) == ("required", "1.0", "本周五前")
    _set_policy(central, mode="off", current_version="9.0")
    assert (await _check(central, "0.1.0")).kind == "none"


async def test_offline_keeps_the_last_answer(seeded_central_sqlite, dead_url):
    central = seeded_central_sqlite
    _set_policy(central, mode="require", current_version="2.0")
    async with CentralApi(central.url, token=central.token, max_retries=0, timeout=5) as api:
        service = UpdateCheckService(api, installed="1.0")
        assert (await service.check()).kind == "required"
    async with CentralApi(dead_url, token=central.token, max_retries=0, timeout=2) as offline:
        service._api = offline
        assert (await service.check()).kind == "required"


async def test_a_malformed_answer_is_logged_and_ignored(caplog):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"mode": "require", "current_version": "latest; rm -rf"})

    async with CentralApi(
        "http://test",
        token="t",
        max_retries=0,
        transport=httpx.MockTransport(handler),
        allow_insecure_http=True,
    ) as api:
        notice = await UpdateCheckService(api, installed="0.1.0").check()
    assert notice.kind == "none"
    assert "unusable" in caplog.text


@pytest.mark.parametrize(
    "policy",
    [
        [],
        {"mode": "force", "current_version": "1.0"},
        {"mode": "notify", "current_version": 1},
        {"mode": "notify", "current_version": "1.0", "download_url": "file:///c:/x.msi"},
        {"mode": "notify", "current_version": "1.0", "message": 5},
    ],
)
def test_bad_policies_raise_a_clear_error(policy):
    with pytest.raises(UpdatePolicyError):
        notice_for(policy, "0.1.0")


@given(st.dictionaries(st.text(max_size=20), st.one_of(st.text(max_size=30), st.integers(), st.none())))
def test_any_answer_gives_a_notice_or_a_policy_error(policy):
    try:
        notice = notice_for(policy, "0.1.0")
    except UpdatePolicyError:
        return
    assert notice.kind in ("none", "available", "required")
    assert "\n" not in notice.message


def test_version_key():
    assert version_key("0.10.0") > version_key("0.9.9")
    assert version_key("1.0") == version_key("1.0.0.0")
    assert version_key("1.0.0+local") == version_key("1.0")
    assert version_key("v1") is None and version_key("") is None
