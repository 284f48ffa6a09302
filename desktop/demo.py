"""`calldesk demo`: the whole product on one machine, in one command.

Starts the central API on a temporary SQLite with generated customers, signs in agent 1001,
syncs the desktop cache, and lets the simulator ring calls from real customer numbers (and some
unknown and withheld ones) over the real CTI socket. With no display it runs offscreen, takes
screenshots and stops by itself.

The simulator answers and ends its calls itself, so nobody has to log each contact: the demo's
wrap-up (`--wrapup`) ends by itself and the agent goes Ready. Its PBX rings no call while the agent
is paused (that wrap-up, `calldesk agent pause`) or on a call; the call waits in the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from calldesk_domain.vocabulary import LANGUAGES
from calldesk_domain.wrapup import MAX_WRAPUP_S
from desktop.logging_setup import setup_logging

log = logging.getLogger("calldesk.demo")

HEADLESS_EXIT_AFTER_S = 60.0
SETTLE_TIMEOUT_S = 10.0  # after the last call: longest wait for its detail tabs and screenshot
DEMO_WRAPUP_S = 3  # short, so the demo keeps ringing; the desktop's own default is 30
# The desktop's acw pause reaches the PBX a moment after it sees the call end; the queue offers no
# call in that moment, as an Asterisk queue with a wrapuptime does.
DEMO_WRAPUPTIME_S = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--customers", type=int, default=2000, help="customers to generate (default 2000)")
    parser.add_argument("--calls", type=int, default=0, help="calls to ring, 0 = until exit (default)")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between calls (default 4)")
    parser.add_argument(
        "--unknown-ratio", type=float, default=0.2, help="share of calls from unknown numbers"
    )
    parser.add_argument(
        "--wrapup",
        type=int,
        default=DEMO_WRAPUP_S,
        help=f"seconds of after-call work; no call rings meanwhile (default {DEMO_WRAPUP_S})",
    )
    parser.add_argument("--exit-after", type=float, default=None, help="quit after this many seconds")
    parser.add_argument("--screenshot-dir", type=Path, default=None, help="save a PNG of the window per pop")
    parser.add_argument("--pop-log", type=Path, default=None, help="append one JSON line per pop")
    parser.add_argument("--seed", type=int, default=1, help="data generator seed (default 1)")
    parser.add_argument("--language", choices=LANGUAGES, default=LANGUAGES[0])
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep the demo's files here (default: temp)"
    )


def _headless() -> bool:
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and "QT_QPA_PLATFORM" not in os.environ
    )


def run(args: argparse.Namespace) -> int:
    bad_wrapup = not 0 <= args.wrapup <= MAX_WRAPUP_S
    if args.customers < 1 or args.interval <= 0 or not 0 <= args.unknown_ratio <= 1 or bad_wrapup:
        print(
            "calldesk demo: --customers must be >= 1, --interval > 0, --unknown-ratio in 0..1, "
            f"--wrapup in 0..{MAX_WRAPUP_S}",
            file=sys.stderr,
        )
        return 2
    if _headless():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        if args.exit_after is None:
            args.exit_after = HEADLESS_EXIT_AFTER_S
        if args.screenshot_dir is None:
            args.screenshot_dir = Path("calldesk-demo-screenshots")
        print(
            f"calldesk demo: no display found, running offscreen for {args.exit_after:.0f} s; "
            f"screenshots go to {args.screenshot_dir}/",
            file=sys.stderr,
        )
    setup_logging(to_file=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per sync page drowns the demo
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="calldesk-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.screenshot_dir:
        args.screenshot_dir.mkdir(parents=True, exist_ok=True)

    from central.seed import seed_database
    from central.server import start_in_thread

    db_path = workdir / "central.sqlite3"
    db_url = f"sqlite:///{db_path}"
    started = time.perf_counter()
    if not db_path.exists():
        print(f"calldesk demo: generating {args.customers} customers…", file=sys.stderr)
        seed_database(db_url, customers=args.customers, seed=args.seed)
    log.info("central data ready in %.1f s", time.perf_counter() - started)
    server = start_in_thread(db_url, host="127.0.0.1", port=0)
    log.info("central API on %s", server.url)
    try:
        return _run_desktop(args, workdir, server.url, _demo_numbers(db_path))
    finally:
        server.stop()


def _demo_numbers(db_path: Path, limit: int = 500) -> list[str]:
    """Real customers' numbers to ring from, read straight from the demo's central database."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT e164 FROM customer_phones ORDER BY random() LIMIT ?", (limit,)).fetchall()
    return [r[0] for r in rows]


def _run_desktop(args: argparse.Namespace, workdir: Path, central_url: str, numbers: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop import interpreter
    from desktop.config import Settings
    from desktop.cti.simulator import DEFAULT_PATIENCE_S, CtiSimulator
    from desktop.desks.root import DesktopApp
    from desktop.qt_gc import QtThreadCollector
    from desktop.qt_loop import QtLoop
    from desktop.services.api import CentralApi
    from desktop.services.handoff import HandoffServer
    from desktop.views.i18n import install_translator, load_fonts
    from desktop.views.theme import apply_theme

    interpreter.configure()  # as the desktop does (desktop/app.py)
    instance = QApplication.instance()  # typed as a QCoreApplication
    app = instance if isinstance(instance, QApplication) else QApplication(sys.argv[:1])
    load_fonts()
    apply_theme(app)
    install_translator(app, args.language)
    loop = QtLoop(app)  # qasync's loop, always the running loop (issue #18)
    asyncio.set_event_loop(loop)
    collector = QtThreadCollector(app)
    collector.start()
    settings = Settings(
        central_url=central_url,
        cache_path=str(workdir / "desktop-cache.sqlite3"),
        cti_port=0,
        language=args.language,
        dnis_names={"4008123456": "品牌服务热线" if args.language == "zh_CN" else "Brand hotline"},
        wrapup_seconds=args.wrapup,
        # The simulator answers and ends the calls; no one logs their contacts, so a Ready that
        # waited for the log would hold every later call in the queue for good.
        require_contact_before_ready=False,
    )
    exit_code = 0
    done = asyncio.Event()

    async def main() -> None:
        nonlocal exit_code
        api = CentralApi(central_url)
        session = await api.login("1001", "demo")
        # `calldesk agent ready|pause`, `calldesk dial` reach the demo's simulated PBX through this
        handoff: HandoffServer | None = HandoffServer()
        assert handoff is not None
        if not handoff.listen():
            log.warning("demo: another CallDesk runs for this user: calldesk agent/dial go to it, not here")
            handoff = None
        # Settings saved from the demo's dialog go to its work folder, never the user's own file.
        runtime = DesktopApp(
            settings,
            api,
            session,
            cti_token=secrets.token_urlsafe(24),
            handoff=handoff,
            config_file=workdir / "config.toml",
        )

        def switch_language(lang: str) -> None:
            if install_translator(app, lang):
                runtime.window.set_language(lang)

        runtime.window.languageChangeRequested.connect(switch_language)
        runtime.window.set_language(args.language)
        runtime.window.resize(1366, 768)
        recorder: PopRecorder | None = None
        try:
            await runtime.start()
            collector.settle()
            assert runtime.cti.listener is not None
            recorder = PopRecorder(runtime, args.pop_log, args.screenshot_dir)
            simulator = CtiSimulator(
                host="127.0.0.1",
                port=runtime.cti.listener.port,
                token=runtime.cti_token,
                agent=session.agent_id,
                numbers=numbers,
                unknown_ratio=args.unknown_ratio,
                seed=args.seed,
                wrapuptime_s=DEMO_WRAPUPTIME_S,
                patience_s=DEFAULT_PATIENCE_S,
            )
            await simulator.connect()
            sim_task = asyncio.ensure_future(
                simulator.run(calls=args.calls or 10**9, interval_s=args.interval)
            )
            closed = asyncio.ensure_future(done.wait())
            clock = asyncio.get_running_loop()
            started_at = clock.time()
            await asyncio.wait(
                [sim_task, closed], timeout=args.exit_after, return_when=asyncio.FIRST_COMPLETED
            )
            if sim_task.done() and not done.is_set():
                played = sim_task.result()  # a simulator failure ends the demo with its error
                if args.exit_after:  # all calls played: quit once the last pop is painted and saved
                    left = args.exit_after - (clock.time() - started_at)
                    settled = await recorder.settle(timeout=max(0.0, min(left, SETTLE_TIMEOUT_S)))
                    log.info("demo: %d calls played%s", played, "" if settled else " (last pop unsettled)")
                else:
                    await closed  # keep the window up until the agent closes it
            sim_task.cancel()
            closed.cancel()
            await simulator.close()
        except Exception:
            log.exception("demo failed")
            exit_code = 1
        finally:
            if recorder is not None:
                recorder.flush()
                log.info("demo: %d pops painted", recorder.count)
            await runtime.stop()
            runtime.window.close()

    app.lastWindowClosed.connect(done.set)
    with loop:
        loop.run_until_complete(main())
    return exit_code


class PopRecorder:
    """Writes the pop log and screenshots; both optional."""

    def __init__(self, runtime: Any, pop_log: Path | None, screenshot_dir: Path | None):
        self._runtime = runtime
        self._log = pop_log.open("a", encoding="utf-8") if pop_log else None
        self._shots = screenshot_dir
        self.count = 0
        self._pending: dict[str, dict[str, Any]] = {}
        self._shots_due = 0  # screenshots scheduled, not yet saved
        runtime.customers.popPainted.connect(self._on_pop)
        runtime.customers.detailPainted.connect(self._on_detail)

    def _on_pop(self, painted: Any) -> None:
        self.count += 1
        record = {
            "call_id": painted.call_id,
            "caller": painted.caller,
            "customer_id": painted.customer_id,
            "match": painted.kind,
            "latency_ms": round(painted.card_ms, 3),
            "detail_ms": None,
        }
        if painted.kind == "single":
            self._pending[painted.call_id] = record  # written when the detail tabs are painted
        else:
            self._write(record)

    def _on_detail(self, painted: Any) -> None:
        record = self._pending.pop(painted.call_id, None)
        if record is None:
            return
        record["detail_ms"] = round(painted.detail_ms, 3)
        self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        if self._log:
            self._log.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._log.flush()
        if self._shots:
            path = self._shots / f"pop-{self.count:03d}-{record['match']}.png"
            # after the pending layout pass, so the picture shows what the agent sees a frame later
            from PySide6.QtCore import QTimer

            self._shots_due += 1
            QTimer.singleShot(50, lambda: self._save_shot(path))

    def _save_shot(self, path: Path) -> None:
        self._shots_due -= 1
        if not self._runtime.window.grab().save(str(path)):
            log.warning("demo: could not save screenshot %s", path)

    async def settle(self, timeout: float) -> bool:
        """Wait (up to `timeout` s) until every pop's detail is painted and its screenshot saved."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._pending or self._shots_due:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def flush(self) -> None:
        for record in self._pending.values():
            self._write(record)
        self._pending.clear()
        if self._log:
            self._log.close()
            self._log = None
