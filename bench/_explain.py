"""What ran before the worst UI loop stalls (a benchmark's `--explain`).

`Explainer` records spans (start, end, what, detail) of the work that runs on the Qt thread:
every garbage collection with its generation (`gc.callbacks`), every timer's slot and every
repaint / layout pass (an application event filter that runs the event itself, timed), and any
callable the benchmark wraps (`wrap`) or method it patches (`patch`). `worst()` then pairs the
worst lag samples of a `LagMeter` with the spans that overlap the late interval. Each span and
each late interval also gets the CPU time the UI thread spent in it (`cpu_ms`): on a shared
machine a span's wall time includes the time other processes had the CPU, its CPU time does not
(a late interval with little CPU time was the machine, not this process). Costs a few
microseconds per event: diagnostic runs only, never the figures a target is judged on.
"""

from __future__ import annotations

import gc
import time
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject

Span = tuple[float, float, str, dict[str, Any], float]  # start, end, what, detail, CPU s
TIMED_EVENTS = {
    QEvent.Type.Timer: "timer",
    QEvent.Type.UpdateRequest: "paint",
    QEvent.Type.LayoutRequest: "layout",
    QEvent.Type.MetaCall: "queued call",
}


class _Filter(QObject):
    def __init__(self, owner: Explainer) -> None:
        super().__init__()
        self.owner = owner
        self._depth = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = TIMED_EVENTS.get(event.type())
        if kind is None or self._depth:
            return False
        self._depth += 1
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            obj.event(event)
        finally:
            self._depth -= 1
            name = self.owner.names.get(id(obj)) or obj.objectName() or type(obj).__name__
            if name not in self.owner.quiet:
                used = time.thread_time() - cpu
                self.owner.spans.append((start, time.perf_counter(), f"{kind}:{name}", {}, used))
        return True


class Explainer:
    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.names: dict[int, str] = {}  # id(QObject) -> a name for its timer / paint spans
        self._gc_start = self._gc_cpu = 0.0
        self._filter: _Filter | None = None
        self.quiet: set[str] = set()  # span names not worth recording (the lag meter's own tick)

    # ---- recording -------------------------------------------------------------------------
    def install(self, app: QObject) -> None:
        gc.callbacks.append(self._gc)
        self._filter = _Filter(self)
        app.installEventFilter(self._filter)

    def uninstall(self, app: QObject) -> None:
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        if self._filter is not None:
            app.removeEventFilter(self._filter)

    def name(self, obj: QObject, name: str) -> None:
        self.names[id(obj)] = name

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if phase == "start":
            self._gc_start, self._gc_cpu = now, cpu
            return
        detail = {"gen": info["generation"], "collected": info["collected"]}
        self.spans.append((self._gc_start, now, "gc", detail, cpu - self._gc_cpu))

    def wrap(
        self, name: str, fn: Callable[..., Any], detail: Callable[[], dict[str, Any]] | None = None
    ) -> Callable[..., Any]:
        spans = self.spans

        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                used = time.thread_time() - cpu
                spans.append((start, time.perf_counter(), name, detail() if detail else {}, used))

        return timed

    def patch(
        self, obj: object, attr: str, name: str, detail: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        """Time `obj.attr` where its owner calls it (an instance attribute shadows the method)."""
        setattr(obj, attr, self.wrap(name, getattr(obj, attr), detail))

    def mark(self, name: str, **detail: Any) -> None:
        now = time.perf_counter()
        self.spans.append((now, now, name, detail, 0.0))

    # ---- reading ---------------------------------------------------------------------------
    def clear(self) -> None:
        self.spans.clear()

    def span_summary(self) -> dict[str, dict[str, float]]:
        """Per kind of work: how often it ran, the 99th percentile and the longest of its CPU time
        (ms), and the longest wall time (preemption included)."""
        by_name: dict[str, list[tuple[float, float]]] = {}
        for start, end, name, detail, cpu in self.spans:
            key = f"gc gen{detail['gen']}" if name == "gc" else name
            by_name.setdefault(key, []).append((cpu * 1000, (end - start) * 1000))
        out = {}
        for name, runs in sorted(by_name.items()):
            ms = sorted(cpu for cpu, _ in runs)
            out[name] = {
                "n": len(ms),
                "cpu_p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3),
                "cpu_max_ms": round(ms[-1], 3),
                "wall_max_ms": round(max(wall for _, wall in runs), 3),
            }
        return out

    def gc_summary(self) -> dict[str, dict[str, float]]:
        by_gen: dict[int, list[float]] = {}
        for _start, _end, name, detail, cpu in self.spans:
            if name == "gc":
                by_gen.setdefault(detail["gen"], []).append(cpu * 1000)
        return {
            f"gen{gen}": {
                "n": len(ms),
                "cpu_max_ms": round(max(ms), 3),
                "cpu_mean_ms": round(sum(ms) / len(ms), 3),
            }
            for gen, ms in sorted(by_gen.items())
        }

    def worst(
        self,
        ticks: list[float],
        cpu_ticks: list[float],
        lags: list[float],
        phase_start: float,
        clock_at: Callable[[float], dict[str, Any]],
        count: int = 10,
        by_cpu: bool = False,
    ) -> list[dict[str, Any]]:
        """The `count` worst lag samples (`by_cpu`: the late intervals in which the UI thread itself
        used the most CPU): when (seconds into the phase, the board's clock), the UI thread's CPU
        time in the late interval, and the spans that overlap it (the most CPU time first, nested
        spans included)."""
        spans = sorted(self.spans)
        starts = [s[0] for s in spans]

        def used(i: int) -> float:
            return cpu_ticks[i] - cpu_ticks[i - 1] if i else 0.0

        key = used if by_cpu else lags.__getitem__
        order = sorted(range(len(lags)), key=key, reverse=True)[:count]
        out: list[dict[str, Any]] = []
        for i in order:
            tick = ticks[i]
            since = ticks[i - 1] if i else phase_start
            # spans that began before the tick and ended after the previous one
            cut = bisect_right(starts, tick)
            overlapping = [s for s in spans[max(0, cut - 400) : cut] if s[1] >= since]
            overlapping.sort(key=lambda s: s[4], reverse=True)
            ran = [
                {
                    "what": name,
                    "cpu_ms": round(cpu * 1000, 3),
                    "wall_ms": round((end - start) * 1000, 3),
                    "at_ms": round((start - since) * 1000, 2),
                    **detail,
                }
                for start, end, name, detail, cpu in overlapping[:8]
            ]
            gcs = [r for r in ran if r["what"] == "gc"]
            out.append(
                {
                    "lag_ms": round(lags[i] * 1000, 3),
                    "cpu_ms": round(used(i) * 1000, 3),
                    "at_s": round(tick - phase_start, 3),
                    **clock_at(tick),
                    "gc_cpu_ms": round(sum(r["cpu_ms"] for r in gcs), 3),
                    "gen": max((r["gen"] for r in gcs), default=None),
                    "ran": ran,
                }
            )
        return out
