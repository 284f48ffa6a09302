"""`calldesk cti parse | summarize | simulate | bridge`.

parse:     a recorded PBX stream (AMI or FreeSWITCH ESL) -> normalised events, one JSON line each
summarize: the same stream -> one JSON line per queue call and per agent pause change
stats:     the same stream -> one JSON line per queue and 15-minute interval, then a total per queue
simulate:  desktop.cti.simulator (scripted/random calls into a desktop's CTI socket)
bridge:    desktop.cti.bridge (one PBX connection fanned out to desktops)

simulate and bridge belong to their own modules; their arguments are parsed by those modules
(imported only when asked for), so `calldesk cti parse` never loads them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from desktop.cti.events import CtiEvent, to_wire

log = logging.getLogger(__name__)

FORMATS = ("ami", "esl")
DELEGATED = {
    "simulate": ("desktop.cti.simulator", "scripted or random call traffic into a desktop's CTI socket"),
    "bridge": ("desktop.cti.bridge", "one PBX connection fanned out to many desktops"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="cti_command")
    for name, help_text in (
        ("parse", "print a recorded PBX stream as normalised events (JSON lines)"),
        ("summarize", "print one JSON line per queue call and per agent pause change"),
    ):
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("--format", choices=FORMATS, default="ami", help="what the file holds (default: ami)")
        sp.add_argument("file", type=Path, help="a recorded AMI or ESL session")
    sp = sub.add_parser("stats", help="print queue statistics per 15-minute interval (JSON lines)")
    sp.add_argument("--format", choices=FORMATS, default="ami", help="what the file holds (default: ami)")
    sp.add_argument("file", type=Path, help="a recorded AMI or ESL session")
    sp.add_argument(
        "--sl-threshold", type=float, default=None, metavar="S",
        help="service-level threshold in seconds (default: the queue's, 20)",
    )
    sp.add_argument(
        "--tz", default=None, metavar="ZONE", help="the centre's time zone (default: Asia/Shanghai)"
    )
    wanted = _wanted_from_argv()
    for name, (module_name, help_text) in DELEGATED.items():
        if name == wanted:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                module = None
            if module is not None:
                sp = sub.add_parser(name, help=help_text)
                module.add_arguments(sp)
                sp.set_defaults(_delegate=module)
                continue
        sp = sub.add_parser(name, help=help_text, add_help=False)
        sp.add_argument("rest", nargs=argparse.REMAINDER)


def _wanted_from_argv() -> str | None:
    """The word after `cti` on the command line: only that delegate module gets imported."""
    argv = sys.argv[1:]
    for index, word in enumerate(argv[:-1]):
        if word == "cti":
            return argv[index + 1]
    return None


def _parser_for(fmt: str) -> Callable[[bytes], list[CtiEvent]]:
    if fmt == "ami":
        from desktop.cti.ami import parse_ami_bytes

        return parse_ami_bytes
    module = importlib.import_module("desktop.cti.esl")
    return module.parse_esl_bytes


def _read_events(args: argparse.Namespace) -> list[CtiEvent] | None:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"calldesk cti {args.cti_command}: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None
    try:
        parse = _parser_for(args.format)
    except (ImportError, AttributeError) as exc:
        print(f"calldesk cti: the {args.format} connector is not available ({exc})", file=sys.stderr)
        return None
    try:
        events = parse(data)
    except Exception as exc:  # a connector bug must not end in a traceback for the user
        log.exception("parsing %s as %s failed", path, args.format)
        print(f"calldesk cti: {path} could not be read as {args.format}: {exc}", file=sys.stderr)
        return None
    if data.strip() and not events and not _looks_like(data, args.format):
        print(
            f"calldesk cti: {path} does not look like an {args.format.upper()} recording "
            f"(no {args.format.upper()} messages found); check --format",
            file=sys.stderr,
        )
        return None
    return events


def _looks_like(data: bytes, fmt: str) -> bool:
    head = data[:65536]
    if fmt == "ami":
        return b"Asterisk Call Manager" in head or b"Event:" in head or b"Response:" in head
    return b"Content-Type:" in head or b"Event-Name:" in head


def _print_lines(rows: list[dict[str, object]]) -> None:
    out = sys.stdout
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "cti_command", None)
    if command is None:
        print("calldesk cti: choose one of parse, summarize, simulate, bridge (see --help)", file=sys.stderr)
        return 2
    delegate = getattr(args, "_delegate", None)
    if delegate is not None:
        return int(delegate.run(args) or 0)
    if command in DELEGATED:
        return _run_delegated(command, list(args.rest))
    events = _read_events(args)
    if events is None:
        return 2
    try:
        if command == "parse":
            _print_lines([to_wire(event) for event in events])
        elif command == "stats":
            from desktop.cti.stats_cli import stats_lines

            rows = stats_lines(events, args)
            if rows is None:
                return 2
            _print_lines(rows)
        else:
            from desktop.cti.summary import summarize

            _print_lines(summarize(events))
    except BrokenPipeError:
        return 0
    return 0


def _run_delegated(command: str, rest: list[str]) -> int:
    module_name, help_text = DELEGATED[command]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        print(f"calldesk cti {command}: not available in this build ({exc})", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"calldesk cti {command}", description=help_text)
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(rest)) or 0)
