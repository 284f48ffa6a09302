"""Cold start to a usable window, and the desktop's memory, on a given cache file.

A fresh Python process (what an agent double-clicking CallDesk gets) imports the desktop, opens
the cache, builds the lookup, screen pop, controller and main window, shows the window at
1366x768 and processes events until it is painted; then it pops one customer from the cache and
reports. Timed from just before the process is spawned (parent clock) to "usable" (child
clock, same machine, `time.time()` on both sides). Baseline in the same run: a bare
`python -c pass` process start, the cost no Python desktop can avoid.

    .venv/bin/python bench/bench_cold_start.py --cache PATH [--runs 5]

Prints the figures; writes bench/results/cold_start.json (bench_pop_1m.py calls `measure`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import summary_ms, write_result

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
from desktop.cache.store import CacheStore
from desktop.config import Settings
from desktop.desks.customer_desk import CustomerDesk
from desktop.desks.session import AgentSession
from desktop.services.customers import CustomerService
from desktop.services.lookup import LookupService
from desktop.services.screenpop import ScreenPopService
from desktop.views.i18n import install_translator, load_fonts
from desktop.views.main_window import MainWindow
from desktop.views.theme import apply_theme

app = QApplication(sys.argv[:1])
load_fonts(app)
apply_theme(app)
install_translator(app, "zh_CN")
store = CacheStore(Path(sys.argv[1]))
lookup = LookupService(store, None)
screenpop = ScreenPopService(lookup, None)
window = MainWindow()
session = AgentSession("1001")
session.follow(screenpop)
controller = CustomerDesk(window, screenpop, lookup, Settings(), "agent", session, CustomerService(store))
window.resize(1366, 768)
window.show()
window.repaint()
app.processEvents()
usable = time.time()
phone = store._conn.execute("SELECT e164 FROM phones LIMIT 1 OFFSET 1000").fetchone()
if phone:
    from desktop.cti.events import CallEvent, CallEventKind
    screenpop.handle_event(CallEvent(CallEventKind.RINGING, "cold-1", time.time(), phone[0]))
    app.processEvents()
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"usable_at": usable, "max_rss_mb": rss_kb / 1024, "popped": window.card.page()}))
store.close()
"""


def _run_child(cache: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="0")
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(cache)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"cold start child failed: {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["usable_s"] = report["usable_at"] - start
    return report


def _bare_start() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def measure(cache: Path, runs: int = 5) -> dict:
    """Cold-start figures on `cache` (the first run warms the OS file cache and is dropped)."""
    _run_child(cache)
    reports = [_run_child(cache) for _ in range(runs)]
    bare = [_bare_start() for _ in range(runs)]
    usable = summary_ms([r["usable_s"] for r in reports])
    baseline = summary_ms(bare)
    return {
        "cache_bytes": cache.stat().st_size,
        "runs": runs,
        "cold_start_to_usable_window": usable,
        "max_rss_mb": round(max(r["max_rss_mb"] for r in reports), 1),
        "popped_page": reports[-1]["popped"],
        "baseline_bare_python_start": baseline,
        "ratio_cold_start_vs_bare_python_p50": round(usable["p50_ms"] / baseline["p50_ms"], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="a CallDesk cache file")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = measure(args.cache, args.runs)
    fig = result["cold_start_to_usable_window"]
    print(
        f"cold start to usable window p50 {fig['p50_ms']:.0f} ms  max {fig['max_ms']:.0f} ms;"
        f" max RSS {result['max_rss_mb']} MB; bare python start p50"
        f" {result['baseline_bare_python_start']['p50_ms']:.0f} ms"
        f" (ratio {result['ratio_cold_start_vs_bare_python_p50']}x)"
    )
    print("written", write_result("cold_start", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
