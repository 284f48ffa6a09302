"""`calldesk dial tel:...` and `calldesk pop --customer-id ID`: hand a request to the running desktop."""

from __future__ import annotations

import argparse
import sys

ADD_ARGUMENTS_TAKES_NAME = True


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(handoff=name)
    if name == "dial":
        parser.add_argument("uri", help="number to call, e.g. tel:+8613800138000 or 010-12345678")
    else:
        parser.add_argument("--customer-id", required=True, help="customer id to bring up")


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication

    from desktop.services.handoff import HandoffError, send_request, validate

    message = (
        {"cmd": "dial", "uri": args.uri}
        if args.handoff == "dial"
        else {"cmd": "pop", "customer_id": args.customer_id}
    )
    try:
        validate(message)
    except HandoffError as exc:
        print(f"calldesk {args.handoff}: {exc}", file=sys.stderr)
        return 2
    _app = QCoreApplication.instance() or QCoreApplication([])
    answer = send_request(message)
    if answer is None:
        print("calldesk: no CallDesk desktop is running for this user; start it first.", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(f"calldesk {args.handoff}: the desktop refused: {answer.get('error')}", file=sys.stderr)
        return 1
    return 0
