import json
import os
import subprocess
import sys
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.services.handoff import HandoffError, HandoffServer, send_request, validate


@pytest.fixture
def server(qapp):
    srv = HandoffServer(name=f"calldesk-test-{uuid.uuid4().hex[:8]}")
    assert srv.listen()
    yield srv
    srv.close()


def _send_in_thread(qtbot, message, name):
    """send_request blocks, so run it in a thread while the Qt loop serves the server side."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(send_request, message, name)
        qtbot.waitUntil(future.done, timeout=5000)
        return future.result()


def test_pop_request_reaches_the_running_desktop(qtbot, server):
    with qtbot.waitSignal(server.popRequested, timeout=5000) as blocker:
        answer = _send_in_thread(qtbot, {"cmd": "pop", "customer_id": "C0000042"}, server._name)
    assert answer == {"ok": True}
    assert blocker.args == ["C0000042"]


def test_dial_is_normalised(qtbot, server):
    with qtbot.waitSignal(server.dialRequested, timeout=5000) as blocker:
        answer = _send_in_thread(qtbot, {"cmd": "dial", "uri": "tel:010-12345678"}, server._name)
    assert answer["ok"] is True
    assert blocker.args == ["+861012345678"]


def test_bad_requests_are_refused_with_a_reason(qtbot, server):
    answer = _send_in_thread(qtbot, {"cmd": "dial", "uri": "tel:anonymous"}, server._name)
    assert answer["ok"] is False and "cannot be dialled" in answer["error"]
    answer = _send_in_thread(qtbot, {"cmd": "format-disk"}, server._name)
    assert answer["ok"] is False and "unknown request" in answer["error"]


def test_second_instance_sees_the_first(server):
    other = HandoffServer(name=server._name)
    assert other.listen() is False


def test_cli_without_a_running_desktop_says_so():
    env = dict(os.environ, USER=f"nobody{uuid.uuid4().hex[:6]}", LOGNAME=f"nobody{uuid.uuid4().hex[:6]}")
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "pop", "--customer-id", "C1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "no CallDesk desktop is running" in proc.stderr


def test_cli_rejects_a_bad_number_before_connecting():
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "dial", "tel:hello"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and "cannot be dialled" in proc.stderr


@given(
    st.one_of(
        st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=80), st.integers(), st.none())),
        st.lists(st.integers()),
        st.text(),
    )
)
def test_validate_never_raises_anything_but_handoff_error(message):
    try:
        clean = validate(message)
    except HandoffError:
        return
    assert clean["cmd"] in ("pop", "dial")
    json.dumps(clean)
