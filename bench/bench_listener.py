"""End-to-end CTI ingest: simulator process -> CTI socket -> listener on the qasync loop -> QLabel.

Two phases against one listener running in a Qt (qasync) event loop, the way the desktop runs it:
  paced:    a simulator in a separate process sends --rate events/s (default 2,000) for --seconds
            (default 10); a 5 ms QTimer measures event-loop lag (p50/p99/max) while the callback
            counts events and a 16 ms QTimer paints the count into a QLabel (one update per frame).
  flat out: the simulator sends --burst events (default 50,000) as fast as it can; events/s
            delivered to the callback.
Baseline, same run, same events: plain `json.loads` over the lines in a loop (events/s), and
`json.loads` + `from_wire` (what parsing alone costs). Prints the ratios; writes
bench/results/listener.json.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_listener.py [--seconds 10] [--rate 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LagMeter, bench_parser, summary_ms, write_result

from desktop.cti import simulator as simulator_cli
from desktop.cti.events import CtiEvent, from_wire
from desktop.cti.listener import CtiListener
from desktop.cti.simulator import CtiSimulator

FRAME_MS = 16


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the paced phase")
    parser.add_argument("--rate", type=float, default=2000.0, help="events per second in the paced phase")
    parser.add_argument("--burst", type=int, default=50_000, help="events in the flat-out phase")
    return parser.parse_args(argv)


class IngestProbe:
    """The listener's callback plus the UI side: a QLabel painted at most once per frame."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QLabel

        self.count = 0
        self.first_at = 0.0
        self.last_at = 0.0
        self.last_event: CtiEvent | None = None
        self.label = QLabel("0")
        self.label.resize(400, 40)
        self.label.show()
        self.painted = 0
        self._shown = -1
        self.frame_timer = QTimer()
        self.frame_timer.setInterval(FRAME_MS)
        self.frame_timer.timeout.connect(self._paint)
        self.frame_timer.start()

    def on_event(self, event: CtiEvent, agent: str) -> None:
        now = time.perf_counter()
        if not self.count:
            self.first_at = now
        self.last_at = now
        self.count += 1
        self.last_event = event

    def reset(self) -> None:
        self.count, self.first_at, self.last_at = 0, 0.0, 0.0

    def _paint(self) -> None:
        if self.count != self._shown:
            self._shown = self.count
            self.label.setText(f"{self.count} events · {getattr(self.last_event, 'call_id', '')}")
            self.painted += 1


async def run_sender(port: int, token: str, *extra: str) -> dict:
    """The simulator in its own process (its CPU is not charged to the desktop's loop)."""
    cmd = [sys.executable, __file__, "--sender", "--port", str(port), "--token", token, "--seed", "1", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        await asyncio.sleep(0.02)
    out = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode != 0:
        raise RuntimeError(f"sender failed ({proc.returncode}): {out}")
    return json.loads(out.strip().splitlines()[-1])


async def wait_for_count(probe: IngestProbe, expected: int, timeout_s: float = 60) -> None:
    deadline = time.perf_counter() + timeout_s
    while probe.count < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)


def baseline_lines(n: int) -> list[bytes]:
    sim = CtiSimulator(agent="1001", numbers=["+8613800138000", "+861062345678"], seed=1)
    lines: list[bytes] = []
    while len(lines) < n:
        lines += [CtiSimulator._line(e) for e in sim.call_events(abandon=False)]
    return lines[:n]


def measure_baselines(n: int) -> dict[str, float]:
    lines = baseline_lines(n)
    started = time.perf_counter()
    for raw in lines:
        json.loads(raw)
    loads_rate = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for raw in lines:
        from_wire(json.loads(raw))
    decode_rate = n / (time.perf_counter() - started)
    return {
        "json_loads_events_per_s": round(loads_rate),
        "json_loads_from_wire_events_per_s": round(decode_rate),
    }


async def bench(args: argparse.Namespace) -> dict:
    token = secrets.token_urlsafe(16)
    probe = IngestProbe()
    listener = CtiListener(port=0, token=token, on_event=probe.on_event)
    await listener.start()
    meter = LagMeter()
    try:
        meter.start()
        await asyncio.sleep(1.0)
        idle_lag = meter.stop()

        meter.start()
        paced = await run_sender(
            listener.port, token, "--rate", str(args.rate), "--duration", str(args.seconds)
        )
        await wait_for_count(probe, paced["events_sent"])
        paced_lag = meter.stop()
        paced_received = probe.count
        paced_rate = paced_received / max(probe.last_at - probe.first_at, 1e-9)

        probe.reset()
        flat = await run_sender(listener.port, token, "--burst", str(args.burst))
        await wait_for_count(probe, flat["events_sent"])
        flat_received = probe.count
        flat_rate = flat_received / max(probe.last_at - probe.first_at, 1e-9)
    finally:
        await listener.stop()
    baselines = measure_baselines(args.burst)
    return {
        "paced": {
            "target_events_per_s": args.rate,
            "seconds": args.seconds,
            "events_sent": paced["events_sent"],
            "events_delivered": paced_received,
            "delivered_events_per_s": round(paced_rate),
            "loop_lag": summary_ms(paced_lag),
        },
        "idle_loop_lag": summary_ms(idle_lag),
        "flat_out": {
            "events_sent": flat["events_sent"],
            "events_delivered": flat_received,
            "delivered_events_per_s": round(flat_rate),
        },
        "label_paints": probe.painted,
        "listener_stats": listener.stats.as_dict(),
        "baseline": baselines,
        "ratio_flat_out_vs_json_loads": round(flat_rate / baselines["json_loads_events_per_s"], 3),
        "ratio_flat_out_vs_json_loads_from_wire": round(
            flat_rate / baselines["json_loads_from_wire_events_per_s"], 3
        ),
        "ratio_paced_p99_lag_vs_idle_p99_lag": round(
            summary_ms(paced_lag)["p99_ms"] / max(summary_ms(idle_lag)["p99_ms"], 1e-3), 2
        ),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--sender"]:
        parser = argparse.ArgumentParser()
        simulator_cli.add_arguments(parser)
        return simulator_cli.run(parser.parse_args(argv[1:]))
    args = parse_args(argv)
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    with loop:
        result = loop.run_until_complete(bench(args))
    path = write_result("listener", result)
    paced, flat, base = result["paced"], result["flat_out"], result["baseline"]
    lag = paced["loop_lag"]
    print(
        f"paced {paced['target_events_per_s']:.0f}/s for {paced['seconds']:.0f} s: "
        f"{paced['events_delivered']}/{paced['events_sent']} delivered "
        f"at {paced['delivered_events_per_s']}/s; "
        f"5 ms timer lag p50 {lag['p50_ms']:.2f} ms, p99 {lag['p99_ms']:.2f} ms, max {lag['max_ms']:.2f} ms "
        f"(idle p99 {result['idle_loop_lag']['p99_ms']:.2f} ms)"
    )
    print(
        f"flat out: {flat['events_delivered']}/{flat['events_sent']} delivered at "
        f"{flat['delivered_events_per_s']}/s over the socket into the Qt loop"
    )
    print(
        f"baseline json.loads: {base['json_loads_events_per_s']}/s; json.loads+from_wire: "
        f"{base['json_loads_from_wire_events_per_s']}/s"
    )
    print(
        f"ratio flat-out socket ingest / json.loads = {result['ratio_flat_out_vs_json_loads']}; "
        f"/ json.loads+from_wire = {result['ratio_flat_out_vs_json_loads_from_wire']}"
    )
    print(f"wrote {path}")
    ok = paced["events_delivered"] == paced["events_sent"] and flat["events_delivered"] == flat["events_sent"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
