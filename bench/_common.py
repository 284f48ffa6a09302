"""Helpers shared by the benchmarks: the command line, percentiles, the JSON result file and the
UI loop lag meter."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """A bench's command line, its module docstring as the help, laid out as written."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 4),
        "p99_ms": round(percentile(ms, 99), 4),
        "max_ms": round(max(ms), 4) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 4) if ms else float("nan"),
    }


def write_result(name: str, payload: dict[str, Any], path: Path | None = None) -> Path:
    """bench/results/<name>.json, or `path` when given (a benchmark's --out)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        **payload,
    }
    path = path or RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


LAG_TIMER_MS = 5


class LagMeter:
    """A 5 ms precise QTimer on the Qt loop; lag = how late each tick fires. (Qt is imported
    here, not at the top: the benchmarks without a window import this module too.)"""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.lags: list[float] = []
        self.ticks: list[float] = []  # perf_counter() of each tick: when a lag happened
        self.cpu_ticks: list[float] = []  # thread_time() of each tick: was the loop busy, or preempted
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(LAG_TIMER_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.lags.clear()
        self.ticks.clear()
        self.cpu_ticks.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return list(self.lags)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, now - self._last - LAG_TIMER_MS / 1000))
        self.ticks.append(now)
        self.cpu_ticks.append(time.thread_time())
        self._last = now
