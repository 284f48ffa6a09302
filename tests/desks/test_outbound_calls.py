"""Outbound calls (click-to-dial, call back, the dial pad) on the call bar, end to end: the real
DesktopApp against the real central API, its CTI socket, and the CTI simulator as the PBX. The
connectors report the agent's own dial as `call.ringing` with `extra.direction = "outbound"`
(desktop/cti/ami_dial.py): the bar shows it ringing at the far end (no Answer), times it, and
wrap-up follows when it ends, answered or not."""

from __future__ import annotations

import time

from calls_rig import calls_desk, commands, enabled, wait_until

from calldesk_domain.call_controls import CallPhase, Control

CALL = "out-1"


async def _dial_out(sim, desktop, number: str) -> None:
    await sim.send(
        {
            "type": "call.ringing",
            "call_id": CALL,
            "caller": number,
            "agent": "1001",
            "ts": time.time(),
            "extra": {"direction": "outbound"},
        }
    )
    await wait_until(lambda: desktop.calls.bar.phase is CallPhase.OUTBOUND_RINGING, what="bar outbound")


async def test_an_outbound_call_rings_out_on_the_bar_with_its_timer_then_wraps_up(
    seeded_central_sqlite, tmp_path, qtbot
):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop, sim = rig.desktop, await rig.pbx()
        customer = seeded_central_sqlite.sample_customer()
        await _dial_out(sim, desktop, customer["mobile"])
        bar = desktop.calls.bar
        assert not enabled(bar, Control.ANSWER)  # nothing to answer: it rings at the far end
        assert enabled(bar, Control.HANGUP)
        assert desktop.session.ringing_call_id == ""
        call_bar = desktop.window.call_bar
        assert call_bar.in_call() and "Outbound call" in call_bar.route_text()
        await wait_until(lambda: desktop.window.card.current_customer_id() == customer["id"], what="card")

        await sim.send({"type": "call.answered", "call_id": CALL, "agent": "1001", "ts": time.time()})
        await wait_until(lambda: bar.phase is CallPhase.TALKING, what="talking")
        await sim.send({"type": "call.ended", "call_id": CALL, "agent": "1001", "ts": time.time()})
        await wait_until(lambda: desktop.calls.wrapup.isVisible(), what="wrap-up")
        await wait_until(lambda: len(commands(sim, "pause")) == 1, what="pause acw")
        assert commands(sim, "pause")[0]["reason"] == "acw"
        assert desktop.calls.wrapup.countdown.call_id == CALL
        assert not call_bar.in_call()


async def test_a_failed_outbound_attempt_has_its_wrap_up_too(seeded_central_sqlite, tmp_path, qtbot):
    async with calls_desk(seeded_central_sqlite, tmp_path, qtbot) as rig:
        desktop, sim = rig.desktop, await rig.pbx()
        await _dial_out(sim, desktop, "13900002222")
        await sim.send(
            {
                "type": "call.ended",
                "call_id": CALL,
                "agent": "1001",
                "ts": time.time(),
                "reason": "not_answered",
            }
        )
        await wait_until(lambda: desktop.calls.wrapup.isVisible(), what="wrap-up after a failed attempt")
        await wait_until(lambda: len(commands(sim, "pause")) == 1, what="pause acw")
        assert desktop.calls.bar.phase is CallPhase.IDLE
