"""Issues #14 and #15 on the REAL Asterisk 22 of ../shared/pbx-lab: real desktops (DesktopApp, real
widgets) on the real `calldesk cti bridge` process, SIP phones played by sipp. Skipped unless
CALLDESK_PBX_LAB names a built lab folder (see tests/lab/lab_rig.py); one lab user at a time:

    CALLDESK_PBX_LAB=/work/lab/pbx-lab QT_QPA_PLATFORM=offscreen nice -n 19 \
        .venv/bin/python -m pytest -q -p no:xdist -o faulthandler_timeout=900 tests/lab -x

Each test writes what every step got to docs/lab-results/workspace.json before it asserts, so a
failing run still leaves the PBX's answers behind.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from calldesk_domain.call_controls import CallPhase, Control

from .lab_rig import LAB, Lab, calldesk_cli, desktop, record_result, recorder, start_bridge, until

pytestmark = [
    pytest.mark.skipif(
        not LAB or not (Path(LAB) / "ast" / "sbin" / "asterisk").exists(), reason="no PBX lab"
    ),
    pytest.mark.timeout(900),
]
TRACES = Path(os.environ.get("CALLDESK_LAB_TRACES") or tempfile.mkdtemp(prefix="calldesk-lab-traces-"))
PSTN = "+8615900001111"


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    the_lab = Lab(Path(LAB))
    the_lab.start()
    yield the_lab
    the_lab.stop()


@pytest.fixture
def bridge(seeded_central_sqlite: Any, tmp_path: Path, lab: Lab) -> Iterator[int]:
    proc, port = start_bridge(seeded_central_sqlite.url, tmp_path / "bridge.log")
    yield port
    proc.terminate()
    proc.wait(10)
    print((tmp_path / "bridge.log").read_text(errors="replace")[-4000:])


class Steps:
    """What each step expected and got, kept for docs/lab-results/workspace.json."""

    def __init__(self, section: str) -> None:
        self.section = section
        self.entries: list[dict[str, Any]] = []

    def note(self, step: str, ok: bool, **got: Any) -> bool:
        self.entries.append({"step": step, "ok": ok, **got})
        record_result(self.section, self.entries)
        print(("OK  " if ok else "BAD ") + step, got, flush=True)
        return ok


def bar_state(runtime: Any) -> dict[str, Any]:
    bar = runtime.window.call_bar
    controls = runtime.calls.bar
    return {
        "call_bar": " | ".join(t for t in (bar._state.text(), bar.caller_text(), bar._route.text()) if t),
        "phase": controls.phase.value,
        "controls_status": controls.status.text(),
    }


async def watch_phases(runtime: Any, timeout: float) -> list[str]:
    """The call bar's phases (in order, no repeats) until the session has no call left."""
    seen: list[str] = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        phase = runtime.calls.bar.phase.value
        if not seen or seen[-1] != phase:
            seen.append(phase)
        if not runtime.session.calls():
            break
        await asyncio.sleep(0.05)
    return seen


async def wait_quietly(runtime: Any, lab: Lab, iface: str) -> None:
    """Between steps: no call, wrap-up ended, agent unpaused at the PBX."""
    await until(lambda: not runtime.session.calls(), 60, "calls ended")
    if runtime.calls.wrapup.isVisible():
        runtime.calls.wrapup.end_button.click()
        # the desktop's own unpause must land first: arriving after the next step's pause of
        # this agent (the lab's AMI), it would unpause them again (seen: 1002 rang for 1001)
        await until(lambda: runtime.session.agent_state != "acw", 10, "wrap-up ended at the PBX")
    lab.ami("QueuePause", f"Interface={iface}", "Paused=false")
    await until(lambda: "paused" not in lab.member_line("sales", iface), 10, "unpaused")


async def test_agent_workspace(
    seeded_central_sqlite: Any, bridge: int, lab: Lab, tmp_path: Path, qtbot: Any
) -> None:
    steps = Steps("agent_workspace")
    extra = {"require_contact_before_ready": False, "wrapup_seconds": 60}
    d1 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1001", **extra)
    d2 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1002", **extra)
    rec = recorder(TRACES, "workspace")
    try:
        bar = d1.calls.bar
        # -- click-to-dial from the dial pad: an outbound call on the call bar ------------------
        lab.phone("pstn", 5090, 1500, "--mode", "hangup", "--talk-ms", "4000")
        bar.call_back(PSTN)
        bar.dial_pad.call_button.click()
        await until(lambda: bool(d1.session.calls()), 20, "the dialled call on the bar")
        first_state = {"direction": d1.session.calls()[0].direction, **bar_state(d1)}
        phases = await watch_phases(d1, 40)
        steps.note(
            "click-to-dial shows an outbound call on the call bar",
            "outbound_ringing" in phases and "talking" in phases,
            phases_seen=phases,
            **first_state,
        )
        wrap = d1.calls.wrapup.isVisible()
        await until(lambda: "paused" in lab.member_line("sales", "PJSIP/1001"), 5, "acw pause")
        steps.note(
            "wrap-up after the dialled call, paused acw at the PBX",
            wrap and "acw" in lab.member_line("sales", "PJSIP/1001"),
            wrapup_visible=wrap,
            queue_member=lab.member_line("sales", "PJSIP/1001"),
            agent_state=d1.session.agent_state,
        )
        d1.calls.wrapup.end_button.click()
        await until(lambda: "paused" not in lab.member_line("sales", "PJSIP/1001"), 10, "ready unpauses")
        steps.note(
            "end early: ready unpauses at the PBX",
            True,
            queue_member=lab.member_line("sales", "PJSIP/1001"),
            agent_state=d1.session.agent_state,
        )
        # -- a failed attempt: nobody answers at the far end ----------------------------------
        lab.live("agent-stop", "pstn")
        bar.call_back(PSTN)
        bar.dial_pad.call_button.click()
        seen: list[str] = []
        deadline = time.time() + 40
        while time.time() < deadline and not d1.calls.wrapup.isVisible():
            seen += [c.state for c in d1.session.calls()]
            await asyncio.sleep(0.1)
        steps.note(
            "failed attempt: on the call bar, then wrap-up",
            bool(seen) and d1.calls.wrapup.isVisible(),
            states_seen=sorted(set(seen)),
            wrapup_visible=d1.calls.wrapup.isVisible(),
            controls_status=bar.status.text(),
            queue_member=lab.member_line("sales", "PJSIP/1001"),
        )
        lab.phone("pstn", 5090, 1500)
        await wait_quietly(d1, lab, "PJSIP/1001")
    finally:
        rec.stop(1.0)
        await d1.stop()
        await d2.stop()
    assert all(e["ok"] for e in steps.entries), [e for e in steps.entries if not e["ok"]]


async def test_cli_pause_and_ready(
    seeded_central_sqlite: Any, bridge: int, lab: Lab, tmp_path: Path, qtbot: Any
) -> None:
    steps = Steps("agent_cli")
    d1 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1001")
    try:
        code, out = await calldesk_cli("1001", "agent", "pause", "--reason", "lunch")
        await until(lambda: d1.session.agent_state == "lunch", 5, "box follows")
        member = lab.member_line("sales", "PJSIP/1001")
        steps.note(
            "agent pause --reason lunch",
            code == 0 and "paused:lunch" in member,
            exit=code,
            printed=out,
            queue_member=member,
            agent_state=d1.session.agent_state,
        )
        code, out = await calldesk_cli("1001", "agent", "ready")
        await until(lambda: d1.session.agent_state == "", 5, "box follows")
        member = lab.member_line("sales", "PJSIP/1001")
        steps.note(
            "agent ready",
            code == 0 and "paused" not in member,
            exit=code,
            printed=out,
            queue_member=member,
            agent_state=d1.session.agent_state,
        )
        code, out = await calldesk_cli("1001", "agent", "pause", "--reason", "nap")
        steps.note(
            "agent pause --reason nap (not configured)",
            code != 0,
            exit=code,
            printed=out,
            queue_member=lab.member_line("sales", "PJSIP/1001"),
        )
    finally:
        await d1.stop()
    assert all(e["ok"] for e in steps.entries), [e for e in steps.entries if not e["ok"]]


async def inbound_to_1001(lab: Lab, runtime: Any, hold_ms: int, ring_ms: int = 2000, *mode: str) -> str:
    """A customer call into `sales` that 1001 answers (1002 paused for it); its call id."""
    lab.ami("QueuePause", "Queue=sales", "Interface=PJSIP/1002", "Paused=true", "Reason=break")
    lab.phone("1001", 5071, ring_ms, *mode)
    lab.call("13800138000", hold_ms)
    await until(lambda: bool(runtime.session.calls()), 20, "1001 rings")
    call_id = str(runtime.session.calls()[0].call_id)
    await until(lambda: runtime.calls.bar.phase is CallPhase.TALKING, 20, "1001 talking")
    return call_id


async def test_wrapup_pause_and_call_controls(
    seeded_central_sqlite: Any, bridge: int, lab: Lab, tmp_path: Path, qtbot: Any
) -> None:
    steps = Steps("call_controls")
    extra = {"require_contact_before_ready": False, "wrapup_seconds": 60}
    d1 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1001", **extra)
    d2 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1002", **extra)
    rec = recorder(TRACES, "call_controls")
    bar = d1.calls.bar
    try:
        # -- an answered queue call ends: wrap-up pauses 1001 with acw; the next call rings 1002
        await inbound_to_1001(lab, d1, 6000)
        await until(lambda: not d1.session.calls(), 30, "call ended")
        await until(lambda: "paused" in lab.member_line("sales", "PJSIP/1001"), 5, "acw")
        member = lab.member_line("sales", "PJSIP/1001")
        lab.ami("QueuePause", "Queue=sales", "Interface=PJSIP/1002", "Paused=false")
        lab.call("13900139000", 5000)
        await until(lambda: bool(d2.session.calls()) or bool(d1.session.calls()), 20, "next call rings")
        rang_1001 = bool(d1.session.calls())
        steps.note(
            "wrap-up: paused acw at the PBX, the next queue call rings 1002, not 1001",
            "paused:acw" in member and not rang_1001,
            queue_member=member,
            wrapup_visible=d1.calls.wrapup.isVisible(),
            rang_1001=rang_1001,
            agent_state=d1.session.agent_state,
        )
        await until(lambda: not d2.session.calls(), 30, "1002's call ended")
        d1.calls.wrapup.end_button.click()
        await until(lambda: "paused" not in lab.member_line("sales", "PJSIP/1001"), 10, "unpaused")
        steps.note("end early: unpaused", True, queue_member=lab.member_line("sales", "PJSIP/1001"))
        await wait_quietly(d2, lab, "PJSIP/1002")
        # -- hang up from the bar ------------------------------------------------------------
        await inbound_to_1001(lab, d1, 60000)
        bar.buttons[Control.HANGUP].click()
        await until(lambda: not d1.session.calls(), 15, "hung up")
        steps.note("hangup from the bar", True, **bar_state(d1))
        await wait_quietly(d1, lab, "PJSIP/1001")
        # -- DTMF -----------------------------------------------------------------------------
        await inbound_to_1001(lab, d1, 60000)
        bar.buttons[Control.DTMF].click()
        bar.dtmf_pad.digitPressed.emit("5")
        await until(lambda: "DTMF" in bar.status.text() and "waiting" not in bar.status.text(), 10, "dtmf")
        steps.note("dtmf 5 from the keypad", "done" in bar.status.text(), **bar_state(d1))
        bar.buttons[Control.DTMF].click()
        # -- blind transfer to 2001 (1002 answers) ---------------------------------------------
        bar.buttons[Control.TRANSFER].click()
        bar.picker.targetChosen.emit("2001")
        await until(lambda: not d1.session.calls(), 20, "transferred away")
        await until(lambda: bool(d2.session.calls()), 20, "1002 has the caller")
        steps.note("blind transfer to 2001", True, desk_1001=bar_state(d1), desk_1002=bar_state(d2))
        lab.live("stop")
        lab.hang_up_all()
        lab.phones()
        await wait_quietly(d1, lab, "PJSIP/1001")
        await wait_quietly(d2, lab, "PJSIP/1002")
        # -- attended transfer: consult 2001, cancel; consult again, complete --------------------
        await inbound_to_1001(lab, d1, 90000)
        for ending in (Control.CONSULT_CANCEL, Control.CONSULT_COMPLETE):
            bar.buttons[Control.CONSULT].click()
            bar.picker.targetChosen.emit("2001")
            try:
                await until(lambda: bar.phase is CallPhase.CONSULTING, 20, "consulting")
                await until(lambda: any(c.startswith("PJSIP/1002") for c in lab.channels()), 20, "2001 rings")
                await asyncio.sleep(4)  # 1002 rings 2 s, answers
                before = lab.channels()
                bar.buttons[ending].click()
                await asyncio.sleep(4)
                steps.note(
                    f"consult 2001 then {ending.value}",
                    "done" in bar.status.text(),
                    channels_before=before,
                    channels_after=lab.channels(),
                    **bar_state(d1),
                )
            except AssertionError as exc:
                steps.note(
                    f"consult 2001 then {ending.value}",
                    False,
                    error=str(exc),
                    channels=lab.channels(),
                    **bar_state(d1),
                )
                break
        lab.live("stop")
        lab.hang_up_all()
        lab.phones()
        await wait_quietly(d1, lab, "PJSIP/1001")
        await wait_quietly(d2, lab, "PJSIP/1002")
        # -- conference: consult 2001, then conference ------------------------------------------
        await inbound_to_1001(lab, d1, 90000)
        bar.buttons[Control.CONSULT].click()
        bar.picker.targetChosen.emit("2001")
        try:
            await until(lambda: bar.phase is CallPhase.CONSULTING, 20, "consulting")
            await asyncio.sleep(5)
            bar.buttons[Control.CONFERENCE].click()
            await asyncio.sleep(4)
            bridges = lab.cli("bridge show all")
            on_call = bar.phase is CallPhase.CONFERENCE and bool(d1.session.calls())
            steps.note(
                "conference after a consult: the agent stays on the call",
                "done" in bar.status.text() and on_call,
                bridges=bridges,
                **bar_state(d1),
            )
        except AssertionError as exc:
            steps.note("conference after a consult", False, error=str(exc), **bar_state(d1))
        lab.live("stop")
        lab.hang_up_all()
        lab.phones()
        await wait_quietly(d1, lab, "PJSIP/1001")
    finally:
        rec.stop(1.0)
        await d1.stop()
        await d2.stop()
    assert all(e["ok"] for e in steps.entries), [e for e in steps.entries if not e["ok"]]


async def test_missed_calls(
    seeded_central_sqlite: Any, bridge: int, lab: Lab, tmp_path: Path, qtbot: Any
) -> None:
    steps = Steps("missed_calls")
    d1 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1001")
    d2 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1002")
    rec = recorder(TRACES, "missed_calls")
    try:
        # the caller hangs up while 1001 rings (1002 paused)
        lab.ami("QueuePause", "Queue=sales", "Interface=PJSIP/1002", "Paused=true", "Reason=break")
        lab.phone("1001", 5071, 30000)
        lab.call("15900001111", 3000)
        await until(lambda: bool(d1.missed.missed.calls()), 20, "abandon listed on 1001")
        await until(lambda: bool(d2.missed.missed.calls()), 5, "abandon listed on 1002")
        listed = [(m.queue, m.cause.value, m.caller, round(m.wait_s, 1)) for m in d1.missed.missed.calls()]
        steps.note(
            "abandon while ringing: in missed calls",
            bool(listed),
            desk_1001=listed,
            desk_1002=[(m.queue, m.cause.value, m.caller) for m in d2.missed.missed.calls()],
            count_1001=d1.missed.count.text(),
        )
        # ring no answer until the queue gives up (Queue(sales,t,,,120)): both phones ring unanswered
        lab.phone("1001", 5071, 300000)
        lab.phone("1002", 5072, 300000)
        lab.ami("QueuePause", "Queue=sales", "Interface=PJSIP/1002", "Paused=false")
        lab.call("02087654321", 200000)
        await until(lambda: len(d1.missed.missed.calls()) >= 2, 160, "timeout listed")
        listed = [(m.queue, m.cause.value, m.caller, round(m.wait_s, 1)) for m in d1.missed.missed.calls()]
        steps.note(
            "ring-no-answer until the queue timeout: in missed calls",
            True,
            desk_1001=listed,
            desk_1002=[(m.queue, m.cause.value, m.caller) for m in d2.missed.missed.calls()],
        )
    finally:
        rec.stop(1.0)
        lab.live("stop")
        lab.hang_up_all()
        lab.phones()
        await d1.stop()
        await d2.stop()
    assert all(e["ok"] for e in steps.entries), [e for e in steps.entries if not e["ok"]]


async def test_supervisor_actions(
    seeded_central_sqlite: Any, bridge: int, lab: Lab, tmp_path: Path, qtbot: Any
) -> None:
    from PySide6.QtCore import Qt

    from central.tables import users

    steps = Steps("supervisor")
    with seeded_central_sqlite.engine.begin() as conn:  # the supervisor's phone: the lab's 1002
        conn.execute(users.update().where(users.c.username == "super").values(pbx_interface="PJSIP/1002"))
    d1 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1001")
    sup = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "super")
    rec = recorder(TRACES, "supervisor")
    try:
        assert sup.supervisor is not None
        grid = sup.supervisor.page.agent_grid
        actions = grid.agent_actions
        await inbound_to_1001(lab, d1, 120000)
        await until(
            lambda: any(r.agent == "1001" and r.call_since_ts for r in grid.model.rows), 15, "grid call"
        )
        rect = grid.view.visualRect(grid.proxy.index(grid.visible_agents().index("1001"), 0))
        qtbot.mouseClick(grid.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        for name in ("listen", "whisper", "barge"):
            actions.result_label.setText("")
            qtbot.mouseClick(actions.buttons[name], Qt.MouseButton.LeftButton)
            await until(
                lambda: "waiting" not in actions.result_label.text() and bool(actions.result_label.text()),
                20,
                name,
            )
            await asyncio.sleep(3)  # the supervisor's phone rings 2 s and answers
            spies = lab.cli("core show channels verbose")
            spy_lines = [line for line in spies.splitlines() if "ChanSpy" in line]
            steps.note(
                f"{name} on 1001's call",
                "done" in actions.result_label.text() and bool(spy_lines),
                panel=actions.result_label.text(),
                chanspy=spy_lines,
            )
            for channel in lab.channels():
                if channel.startswith("PJSIP/1002"):
                    lab.ami("Hangup", f"Channel={channel}")
            await asyncio.sleep(1)
        actions.reason_box.setCurrentIndex(actions.reason_box.findData("meeting"))
        qtbot.mouseClick(actions.buttons["force.pause"], Qt.MouseButton.LeftButton)
        await until(lambda: "paused" in lab.member_line("sales", "PJSIP/1001"), 10, "forced pause")
        await until(lambda: d1.session.agent_state == "meeting", 10, "1001's box follows")
        steps.note(
            "force not ready (meeting)",
            True,
            panel=actions.result_label.text(),
            queue_member=lab.member_line("sales", "PJSIP/1001"),
            agent_1001=d1.session.agent_state,
        )
        qtbot.mouseClick(actions.buttons["force.ready"], Qt.MouseButton.LeftButton)
        await until(lambda: "paused" not in lab.member_line("sales", "PJSIP/1001"), 10, "forced ready")
        await until(lambda: d1.session.agent_state == "", 10, "1001's box follows")
        steps.note(
            "force ready",
            True,
            panel=actions.result_label.text(),
            queue_member=lab.member_line("sales", "PJSIP/1001"),
            agent_1001=d1.session.agent_state,
        )
    finally:
        rec.stop(1.0)
        lab.live("stop")
        lab.hang_up_all()
        lab.phones()
        await d1.stop()
        await sup.stop()
    assert all(e["ok"] for e in steps.entries), [e for e in steps.entries if not e["ok"]]


async def test_pbx_restart(
    seeded_central_sqlite: Any, bridge: int, lab: Lab, tmp_path: Path, qtbot: Any
) -> None:
    steps = Steps("pbx_restart")
    d1 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1001")
    d2 = await desktop(seeded_central_sqlite, bridge, tmp_path, qtbot, "1002")
    rec = recorder(TRACES, "pbx_restart")
    try:
        code, out = await calldesk_cli("1001", "agent", "pause", "--reason", "lunch")
        await until(lambda: d1.session.agent_state == "lunch", 10, "1001 on lunch")
        lab.call("13800138000", 120000)
        await until(lambda: d2.calls.bar.phase is CallPhase.TALKING, 30, "1002 talking")
        await asyncio.to_thread(lab.restart)
        await until(lambda: not d2.session.calls(), 30, "1002's call ended")
        await until(lambda: d1.session.pbx_link.up is True and d2.session.pbx_link.up is True, 60, "PBX back")
        await asyncio.sleep(3)
        lab.phones()
        steps.note(
            "PBX restart: call ended, link back, the forgotten pause is gone",
            d1.session.agent_state == "" and not d2.session.calls(),
            agent_1001=d1.session.agent_state,
            queue_member=lab.member_line("sales", "PJSIP/1001"),
            banners_1001=d1.window.banners.texts(),
            banners_1002=d2.window.banners.texts(),
            cli_pause=[code, out],
            **bar_state(d2),
        )
        lab.call("13800138000", 5000)
        await until(
            lambda: bool(d1.session.calls()) or bool(d2.session.calls()), 30, "a call pops after restart"
        )
        steps.note("a call pops after the restart", True, desk_1001=bar_state(d1), desk_1002=bar_state(d2))
    finally:
        rec.stop(1.0)
        lab.live("stop")
        lab.hang_up_all()
        lab.phones()
        await d1.stop()
        await d2.stop()
    assert all(e["ok"] for e in steps.entries), [e for e in steps.entries if not e["ok"]]
