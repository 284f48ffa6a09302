"""ESL parse rate: desktop.cti.esl_parser against a naive parser on the same bytes.

The stream is the real FreeSWITCH 1.10 recordings (tests/traces/freeswitch-1.10) and our
hand-made traces (tests/traces/esl), events only, repeated up to --events events and fed in 64 KiB
reads as a socket would deliver them. Baseline: the obvious implementation (bytes.split on the
blank line, decode, `urllib.parse.unquote` on every value, no incremental buffering: it is handed
the whole stream at once, which flatters it). Also reported: parser + normaliser (bytes to CTI
events), the bridge's real per-event work.

    .venv/bin/python bench/bench_esl_parse.py                 # 50k events (about 30 s, best of 3 runs each)
    .venv/bin/python bench/bench_esl_parse.py --events 500000
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_result  # noqa: E402

from desktop.cti.esl import EslNormalizer  # noqa: E402
from desktop.cti.esl_parser import EslParser  # noqa: E402

SHARED = REPO / "tests" / "traces" / "freeswitch-1.10"  # real recordings (tests/traces/README.md)
CHUNK = 65536


def event_frames(data: bytes) -> list[bytes]:
    """The text/event-plain frames of a recording, as raw bytes (session greeting left out)."""
    out, parser, pos = [], EslParser(), 0
    for frame in parser.feed(data):
        size = len(frame.body)
        if frame.content_type == "text/event-plain":
            out.append(f"Content-Length: {size}\nContent-Type: text/event-plain\n\n".encode() + frame.body)
        pos += size
    return out


def naive_parse(data: bytes) -> int:
    count, pos = 0, 0
    while True:
        end = data.find(b"\n\n", pos)
        if end < 0:
            return count
        head = dict(line.split(": ", 1) for line in data[pos:end].decode().split("\n"))
        pos = end + 2
        length = int(head.get("Content-Length", "0"))
        body = data[pos : pos + length].decode()
        pos += length
        text = body.split("\n\n", 1)[0]
        headers = {
            k: unquote(v) for k, v in (line.split(": ", 1) for line in text.split("\n") if ": " in line)
        }
        count += "Event-Name" in headers


def ours(data: bytes, normalise: bool) -> int:
    parser, normalizer, count = EslParser(), EslNormalizer(), 0
    for start in range(0, len(data), CHUNK):
        for frame in parser.feed(data[start : start + CHUNK]):
            if frame.event is not None:
                count += 1
                if normalise:
                    normalizer.feed(frame.event)
    return count


def timed(fn, *args, repeat: int = 3) -> tuple[float, int]:
    """Best of `repeat` runs (the first run pays for warming caches)."""
    best, n = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        n = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    frames = []
    for path in sorted(SHARED.glob("*.esl")) + sorted((REPO / "tests" / "traces" / "esl").glob("*.esl")):
        frames.extend(event_frames(path.read_bytes()))
    reps = max(1, args.events // len(frames))
    data = b"".join(frames) * reps
    n_events = len(frames) * reps
    base_s, base_n = timed(naive_parse, data)
    parse_s, parse_n = timed(ours, data, False)
    norm_s, norm_n = timed(ours, data, True)
    assert base_n == parse_n == norm_n == n_events, (base_n, parse_n, norm_n, n_events)
    mb = len(data) / 1e6
    result = {
        "events": n_events,
        "megabytes": round(mb, 2),
        "baseline_naive_events_per_s": round(n_events / base_s),
        "parser_events_per_s": round(n_events / parse_s),
        "parser_plus_normaliser_events_per_s": round(n_events / norm_s),
        "parser_vs_baseline": round(base_s / parse_s, 2),
        "parser_plus_normaliser_vs_baseline": round(base_s / norm_s, 2),
    }
    print(f"{n_events} ESL events, {mb:.1f} MB in 64 KiB reads")
    print(f"  baseline (naive, whole buffer): {result['baseline_naive_events_per_s']:>9} events/s")
    print(
        f"  EslParser (incremental):        {result['parser_events_per_s']:>9} events/s"
        f"  ratio {result['parser_vs_baseline']}x baseline"
    )
    print(
        f"  EslParser + EslNormalizer:      {result['parser_plus_normaliser_events_per_s']:>9} events/s"
        f"  ratio {result['parser_plus_normaliser_vs_baseline']}x baseline"
    )
    print("wrote", write_result("esl_parse", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
