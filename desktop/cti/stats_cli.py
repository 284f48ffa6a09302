"""Argument checks for `calldesk cti stats` (kept out of cli.py, which only dispatches)."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calldesk_domain.metrics import DEFAULT_SL_THRESHOLD_S
from desktop.cti.events import CtiEvent
from desktop.cti.stats import queue_stats

DEFAULT_ZONE = "Asia/Shanghai"  # the config's default centre time zone (desktop/config.py)


def centre_zone(name: str | None) -> ZoneInfo | None:
    """The named IANA zone, or None (with a message on stderr) when there is no such zone."""
    wanted = name or DEFAULT_ZONE
    try:
        return ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"calldesk cti stats: unknown time zone {wanted!r} (use an IANA name like Asia/Shanghai)",
            file=sys.stderr,
        )
        return None


def stats_lines(events: list[CtiEvent], args: argparse.Namespace) -> list[dict[str, Any]] | None:
    zone = centre_zone(args.tz)
    threshold = DEFAULT_SL_THRESHOLD_S if args.sl_threshold is None else args.sl_threshold
    if not math.isfinite(threshold) or threshold < 0:
        print(
            f"calldesk cti stats: --sl-threshold must be 0 or more seconds, not {threshold}",
            file=sys.stderr,
        )
        return None
    if zone is None:
        return None
    return queue_stats(events, zone, sl_threshold_s=threshold)
