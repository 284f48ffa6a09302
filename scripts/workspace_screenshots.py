"""Render the agent-workspace views offscreen at 1366x768 and save PNGs under docs/screenshots/.

    .venv/bin/python scripts/workspace_screenshots.py [--out docs/screenshots]

Per language (zh_CN, en): workspace_<lang>.png (call-control bar while consulting on Asterisk,
agent-state box with a pending change, wrap-up countdown, missed calls and calls today) and
workspace_dialpad_<lang>.png (idle, call back opened the dial pad), workspace_transfer_<lang>.png (the
transfer picker).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication, QHBoxLayout, QVBoxLayout, QWidget

from calldesk_domain.agent_intervals import AgentState
from calldesk_domain.call_controls import CallPhase, Control
from calldesk_domain.missed_calls import MissedCalls
from calldesk_domain.wrapup import WrapupCountdown
from desktop.cti.ami_commands import UNSUPPORTED as AMI_UNSUPPORTED
from desktop.views.agent_state_panel import AgentStatePanel
from desktop.views.call_controls import CallControlBar
from desktop.views.calls_today import CallsTodayTable, Direction, TodayCall
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.missed_calls_view import MissedCallsCount, MissedCallsView
from desktop.views.theme import apply_theme
from desktop.views.transfer_picker import TargetKind, TransferTarget
from desktop.views.wrapup_panel import WrapupPanel

ROOT = Path(__file__).resolve().parents[1]
NOW = time.time()
TRACE = [
    {"type": "queue.join", "queue": "售后服务", "call_id": "a1", "caller": "13800138000", "ts": NOW - 900},
    {"type": "queue.abandon", "queue": "售后服务", "call_id": "a1", "wait_s": 48.0, "ts": NOW - 852},
    {"type": "queue.join", "queue": "售后服务", "call_id": "t1", "ts": NOW - 700},
    {"type": "queue.timeout", "queue": "售后服务", "call_id": "t1", "reason": "timeout", "ts": NOW - 400},
    {
        "type": "queue.abandon",
        "queue": "VIP",
        "call_id": "a2",
        "caller": "02161234567",
        "wait_s": 12,
        "ts": NOW - 90,
    },
]
TODAY = [
    TodayCall("k", NOW - 3000, Direction.INBOUND, "13800138000", "C1", "张伟", 1, 245, "resolved"),
    TodayCall("n", NOW - 2400, Direction.OUTBOUND, "13900000000", duration_s=62),
    TodayCall("m", NOW - 1800, Direction.INBOUND, "02100000000", matches=3, duration_s=130),
    TodayCall("w", NOW - 600, Direction.INBOUND, None, duration_s=33),
]
TARGETS = [
    TransferTarget(TargetKind.AGENT, "李雷", "1002", "ready"),
    TransferTarget(TargetKind.AGENT, "王芳", "1003", "talking"),
    TransferTarget(TargetKind.AGENT, "Chen Jie", "1004", "logged_out"),
    TransferTarget(TargetKind.QUEUE, "售后服务", "600"),
    TransferTarget(TargetKind.FAVOURITE, "总部前台 Head office", "+862150000000"),
]


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)


def workspace() -> tuple[QWidget, CallControlBar]:
    page = QWidget()
    page.resize(1366, 768)
    bar = CallControlBar(page)
    bar.set_pbx_limits(AMI_UNSUPPORTED)
    state = AgentStatePanel(page)
    wrapup = WrapupPanel(page)
    missed = MissedCallsView(MissedCalls(), page)
    for event in TRACE:
        missed.missed.feed(event)
    count = MissedCallsCount(page)
    missed.unseenCountChanged.connect(count.set_count)
    missed.refresh()
    today = CallsTodayTable(page)
    today.set_calls(TODAY)
    lists = QHBoxLayout()
    lists.addWidget(missed, 1)
    lists.addWidget(today, 1)
    status = QHBoxLayout()
    status.addWidget(state, 1)
    status.addWidget(count)
    layout = QVBoxLayout(page)
    layout.addWidget(bar)
    layout.addWidget(wrapup)
    layout.addLayout(lists, 1)
    layout.addLayout(status)
    state.show_pbx_state(AgentState.WRAPUP, since=NOW - 12)
    state.reason_box.setCurrentIndex(1)
    state.pause_button.click()
    wrapup.start(WrapupCountdown.start("c9", 45, time.time, log_required=True))
    bar.set_call(CallPhase.CONSULTING, "c9")
    bar.actions_by_control[Control.CONSULT_SWAP].trigger()
    bar.show_result(Control.CONSULT_SWAP, "refused", "the PBX refused consult.swap: No active transfer")
    return page, bar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    load_fonts(app)
    apply_theme(app)
    for language in ("zh_CN", "en"):
        install_translator(app, language)
        page, bar = workspace()
        page.show()
        settle(app)
        page.grab().save(str(args.out / f"workspace_{language}.png"))
        bar.set_call(CallPhase.IDLE, None)
        bar.call_back("13800138000")
        settle(app)
        page.grab().save(str(args.out / f"workspace_dialpad_{language}.png"))
        bar.set_call(CallPhase.TALKING, "c9")
        bar.picker.set_entries(TARGETS)
        bar.actions_by_control[Control.TRANSFER].trigger()
        settle(app)
        bar.picker.grab().save(str(args.out / f"workspace_transfer_{language}.png"))
        bar.picker.reject()
        page.close()
        page.deleteLater()
        settle(app)
    install_translator(app, "en")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
