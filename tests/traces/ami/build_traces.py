"""Writes the hand-made AMI recordings in this folder (run it after editing a scenario).

The scenarios follow what Asterisk sends (manager_channels.c channel snapshots, app_queue.c
queue events, manager_bridges.c / stasis transfer events; Asterisk 11's older names where said).
The facts each file must summarise to are written by hand in <name>.expect.json, from the
scenario's timeline, not from the connector's output.
"""

from __future__ import annotations

from scenarios_current import (
    abandon_pause,
    answered,
    concurrent,
    queue_status,
    reconnect_mid_call,
    transfers,
    withheld,
)
from scenarios_older import asterisk11, bare_lf, queue_timeout
from trace_parts import HERE

SCENARIOS = {
    "answered": answered,
    "abandon_pause": abandon_pause,
    "transfers": transfers,
    "withheld": withheld,
    "concurrent": concurrent,
    "queue_status": queue_status,
    "reconnect_mid_call": reconnect_mid_call,
    "asterisk11": asterisk11,
    "queue_timeout": queue_timeout,
    "bare_lf": bare_lf,
}

if __name__ == "__main__":
    for name, build in SCENARIOS.items():
        (HERE / f"{name}.ami").write_bytes(build().encode("utf-8"))
        print("wrote", name)
