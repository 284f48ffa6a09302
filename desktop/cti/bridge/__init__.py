"""`calldesk cti bridge`: a server desktops connect OUT to. It holds the one PBX login (AMI or
ESL), checks each desktop's central API token, and routes the PBX's events by the interface the
PBX rings (docs/cti-bridge.md).

Modules: config (command line, TOML), server (connections, hello, commands), router (who gets
what), legs (every ring ends once), authorize (who may do what), identity (central API whoami),
adapters (the PBX seam).
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from desktop.cti.bridge.adapters import AmiAdapter, EslAdapter, PbxAdapter, pbx_link_event
from desktop.cti.bridge.config import (
    BridgeConfigError,
    add_arguments,
    build_server,
    parse_host_port,
    read_secret,
)
from desktop.cti.bridge.identity import CentralIdentities, HelloRefused, Identity
from desktop.cti.bridge.server import PROTOCOL_VERSION, BridgeLimits, BridgeServer, BridgeStats

log = logging.getLogger("desktop.cti.bridge")

__all__ = [
    "PROTOCOL_VERSION",
    "AmiAdapter",
    "BridgeConfigError",
    "BridgeLimits",
    "BridgeServer",
    "BridgeStats",
    "CentralIdentities",
    "EslAdapter",
    "HelloRefused",
    "Identity",
    "PbxAdapter",
    "add_arguments",
    "build_server",
    "parse_host_port",
    "pbx_link_event",
    "read_secret",
    "run",
]


def run(args: argparse.Namespace) -> int:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("desktop.cti").setLevel(logging.INFO)
    try:
        server, spec = build_server(args)
    except BridgeConfigError as exc:
        log.error("bridge: %s", exc)
        print(f"calldesk cti bridge: {exc}")
        return 2
    try:
        asyncio.run(server.run(spec.host, spec.port))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"calldesk cti bridge: cannot listen on {spec.host}:{spec.port}: {exc}")
        return 2
    except Exception as exc:  # e.g. a refused PBX password: say so, do not dump a traceback
        log.error("bridge stopped: %s", exc)
        print(f"calldesk cti bridge stopped: {exc}")
        return 1
    return 0
