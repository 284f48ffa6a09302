"""The one console script: `calldesk [subcommand]`. With no subcommand it starts the desktop.

Each subcommand lives in the module that owns it; this file only dispatches, importing lazily
so that `calldesk cti parse` does not pay for Qt and `calldesk` (the desktop) not for FastAPI.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module, help). Each module exposes `add_arguments(parser)` and `run(args) -> int`.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("desktop.demo", "central API + simulated calls + the desktop, in one command"),
    "central": ("central.cli", "the reference central CRM API: serve | seed | migrate"),
    "cti": ("desktop.cti.cli", "telephony tools: bridge | parse | summarize | stats | simulate"),
    "dial": ("desktop.handoff_cli", "hand a tel: URI to the running desktop (click-to-dial)"),
    "pop": ("desktop.handoff_cli", "bring up a customer's card in the running desktop"),
    "agent": ("desktop.handoff_cli", "set the agent ready / not ready (pause --reason) at the PBX"),
    "wallboard": ("desktop.wallboard_cli", "the supervisor wallboard on its own (a TV PC)"),
    "open": ("desktop.handoff_cli", "a calldesk:// link (the URL handler): pop a card or dial"),
    "support-bundle": ("desktop.support_bundle", "write logs, versions and settings (no secrets) to a zip"),
}


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    from desktop.version import app_version

    parser = argparse.ArgumentParser(prog="calldesk", description="CallDesk call-centre agent desktop")
    parser.add_argument("--version", action="version", version=f"calldesk {app_version()}")
    sub = parser.add_subparsers(dest="command")
    wanted = argv[0] if argv and not argv[0].startswith("-") else None
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text)
        if name == wanted:
            module = importlib.import_module(module_name)
            module.add_arguments(sp, name) if _takes_name(module) else module.add_arguments(sp)
            sp.set_defaults(_module=module)
    app_module = importlib.import_module("desktop.app") if wanted is None else None
    if app_module is not None:
        app_module.add_arguments(parser)
        parser.set_defaults(_module=app_module)
    return parser


def _takes_name(module: object) -> bool:
    return getattr(module, "ADD_ARGUMENTS_TAKES_NAME", False)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    module = getattr(args, "_module", None)
    if module is None:
        parser.print_help()
        return 2
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
