"""`calldesk wallboard`: the wallboard on its own, for a TV PC, fed by one CTI source.

    calldesk wallboard --listen 7391            # a CTI source pushes events (protocol v1);
                                                #   token from CALLDESK_WALLBOARD_TOKEN
    calldesk wallboard --replay FILE --format ami|esl [--speed 10]
    calldesk wallboard --demo [--agents 60 --queues 6]

With `--listen`, the wallboard is a loopback CTI socket (docs/cti-protocol.md) that a bridge tunnel
or a PBX-side script connects to; when the last source goes away the figures stay with a "stale
since hh:mm" banner until one connects again. F11 toggles full screen (`--fullscreen` starts so).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop.cti.events import CtiEvent

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer

    from desktop.services.supervisor import SupervisorBoard

log = logging.getLogger(__name__)

TOKEN_ENV = "CALLDESK_WALLBOARD_TOKEN"
DEFAULT_ZONE = "Asia/Shanghai"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--listen", type=int, metavar="PORT", help=f"CTI socket on 127.0.0.1:PORT ({TOKEN_ENV})"
    )
    source.add_argument("--replay", type=Path, metavar="FILE", help="a recorded AMI or ESL session")
    source.add_argument("--demo", action="store_true", help="a simulated floor")
    parser.add_argument("--format", choices=("ami", "esl"), default="ami", help="--replay: what FILE holds")
    parser.add_argument("--speed", type=float, default=1.0, help="--replay: times real time (0: all at once)")
    parser.add_argument("--agents", type=int, default=60, help="--demo: agents on the floor")
    parser.add_argument("--queues", type=int, default=6, help="--demo: queues")
    parser.add_argument("--tz", default=DEFAULT_ZONE, help="the centre's time zone (IANA name)")
    parser.add_argument("--sl-threshold", type=float, default=20.0, help="service-level threshold, seconds")
    parser.add_argument("--cycle", type=float, default=15.0, help="seconds per queue")
    parser.add_argument("--fullscreen", action="store_true")
    parser.add_argument("--language", default="zh_CN", help="zh_CN or en")


def _fail(message: str) -> int:
    print(f"calldesk wallboard: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return _fail(f"unknown time zone {args.tz!r}")
    token = os.environ.get(TOKEN_ENV, "")
    if args.listen is not None and not token:
        return _fail(f"--listen needs the CTI token in the environment variable {TOKEN_ENV}")
    replayed: list[CtiEvent] = []
    if args.replay is not None:
        events = _read_replay(args.replay, args.format)
        if events is None:
            return 2
        replayed = events
    return _show(args, zone, token, replayed)


def _read_replay(path: Path, fmt: str) -> list[CtiEvent] | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
        return None
    if fmt == "ami":
        from desktop.cti.ami import parse_ami_bytes as parse
    else:
        from desktop.cti.esl import parse_esl_bytes as parse
    try:
        events = parse(data)
    except Exception as exc:  # a connector bug must not end in a traceback for the user
        log.exception("parsing %s failed", path)
        _fail(f"{path} could not be read as {fmt}: {exc}")
        return None
    if not events:
        _fail(f"{path} holds no {fmt.upper()} events")
        return None
    return sorted(events, key=lambda e: e.ts)


def _show(args: argparse.Namespace, zone: ZoneInfo, token: str, replayed: list[CtiEvent]) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.qt_loop import QtLoop
    from desktop.services.supervisor import SupervisorBoard
    from desktop.views.i18n import install_translator, load_fonts
    from desktop.views.wallboard import Wallboard

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    load_fonts(app)
    install_translator(app, args.language)
    clock: list[float] = [time.time()]
    live = not replayed
    board = SupervisorBoard(zone, args.sl_threshold, clock=(time.time if live else lambda: clock[0]))
    wall = Wallboard(zone=zone, cycle_ms=int(args.cycle * 1000))
    board.add_view(wall.show_snapshot)  # its own loop turn, after the snapshot's
    wall.resize(1366, 768)
    wall.showFullScreen() if args.fullscreen else wall.show()
    timers: list[QTimer] = []
    if replayed:
        timers.append(_replay(board, replayed, args.speed, clock))
    elif args.demo:
        timers.append(_demo(board, args.agents, args.queues))
    board.start()
    loop = QtLoop(app)  # qasync's loop, always the running loop (issue #18)
    asyncio.set_event_loop(loop)
    with loop:
        if args.listen is not None:
            stop = _listen(board, args.listen, token, loop)
            if stop is None:
                return 2
        done = asyncio.Event()
        app.lastWindowClosed.connect(done.set)
        loop.run_until_complete(done.wait())
    for timer in timers:
        timer.stop()
    return 0


def _replay(board: SupervisorBoard, events: list[CtiEvent], speed: float, clock: list[float]) -> QTimer:
    from PySide6.QtCore import QTimer

    first = events[0].ts
    started = time.monotonic()
    pending = list(events)

    def step() -> None:
        elapsed = (time.monotonic() - started) * speed if speed > 0 else float("inf")
        clock[0] = min(first + elapsed, pending[-1].ts + 1) if pending else clock[0] + 1
        while pending and pending[0].ts <= first + elapsed:
            board.feed(pending.pop(0))

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(step)
    timer.start()
    step()
    return timer


def _demo(board: SupervisorBoard, agents: int, queues: int) -> QTimer:
    from PySide6.QtCore import QTimer

    from desktop.cti.floor import FloorSimulator

    sim = FloorSimulator(agents=agents, queues=queues, calls_per_s=agents / 60, start_ts=time.time() - 1800)
    board.feed_many(sim.events_until(time.time()))
    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(lambda: board.feed_many(sim.events_until(time.time())))
    timer.start()
    return timer


def _listen(
    board: SupervisorBoard, port: int, token: str, loop: asyncio.AbstractEventLoop
) -> Callable[[], None] | None:
    from PySide6.QtCore import QTimer

    from desktop.cti.listener import CtiListener

    listener = CtiListener("127.0.0.1", port, token=token, on_event=lambda event, _agent: board.feed(event))
    try:
        loop.run_until_complete(listener.start())
    except (OSError, ValueError) as exc:
        _fail(f"cannot listen on 127.0.0.1:{port}: {exc}")
        return None
    log.info("wallboard: waiting for a CTI source on 127.0.0.1:%d", listener.port)
    board.source_down()  # nothing live until a source connects
    seen = [False]

    def watch() -> None:
        connected = bool(listener.connected_agents())
        if connected and not seen[0]:
            board.source_up()
        elif not connected and seen[0]:
            log.warning("wallboard: the last CTI source disconnected; figures are stale")
            board.source_down()
        seen[0] = connected

    timer = QTimer(board)
    timer.setInterval(1000)
    timer.timeout.connect(watch)
    timer.start()
    return lambda: loop.run_until_complete(listener.stop())
