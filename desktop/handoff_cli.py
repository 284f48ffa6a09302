"""`calldesk dial tel:...`, `calldesk pop --customer-id ID`, `calldesk agent ready`,
`calldesk agent pause --reason R` and `calldesk open calldesk://...` (the calldesk: URL handler the
MSI registers): hand a request to the running desktop (or `calldesk demo`).

dial and agent wait for the PBX's answer, print it, and exit 1 when the PBX (or the desktop)
refuses; a request that is malformed (no number, an empty reason, a bad URL) exits 2 before
connecting.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import parse_qs, urlsplit

ADD_ARGUMENTS_TAKES_NAME = True


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(handoff=name)
    if name == "dial":
        parser.add_argument("uri", help="number to call, e.g. tel:+8613800138000 or 010-12345678")
    elif name == "agent":
        states = parser.add_subparsers(dest="state", required=True)
        states.add_parser("ready", help="ready for calls (unpause at the PBX)")
        pause = states.add_parser("pause", help="not ready, with a reason code (sent to the PBX)")
        pause.add_argument("--reason", required=True, help="one of the reason codes configured in Settings")
    elif name == "open":
        parser.add_argument("url", help="calldesk://pop?customer=C0000123 or calldesk://dial?number=...")
    else:
        parser.add_argument("--customer-id", required=True, help="customer id to bring up")


def request_for(args: argparse.Namespace) -> dict[str, str]:
    """The hand-off request for the command line (HandoffError for a bad calldesk: URL)."""
    if args.handoff == "dial":
        return {"cmd": "dial", "uri": args.uri}
    if args.handoff == "open":
        return message_from_url(args.url)
    if args.handoff == "agent":
        request = {"cmd": "agent", "state": args.state}
        if args.state == "pause":
            request["reason"] = args.reason
        return request
    return {"cmd": "pop", "customer_id": args.customer_id}


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication

    from desktop.config import load_settings
    from desktop.services.handoff import PBX_ANSWER_TIMEOUT_MS, HandoffError, send_request, validate

    try:
        message = request_for(args)
        validate(message, load_settings().phone_region)  # the desktop checks it again with its own
    except HandoffError as exc:
        print(f"calldesk {args.handoff}: {exc}", file=sys.stderr)
        return 2
    _app = QCoreApplication.instance() or QCoreApplication([])
    waits_for_pbx = message["cmd"] in ("dial", "agent")
    answer = send_request(message, answer_timeout_ms=PBX_ANSWER_TIMEOUT_MS if waits_for_pbx else None)
    if answer is None:
        print("calldesk: no CallDesk desktop is running for this user; start it first.", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(f"calldesk {args.handoff}: refused: {answer.get('error')}", file=sys.stderr)
        return 1
    if answer.get("message"):
        print(answer["message"])
    return 0


def message_from_url(url: str) -> dict[str, str]:
    """calldesk://pop?customer=ID -> pop; calldesk://dial?number=N -> dial (HandoffError otherwise)."""
    from desktop.services.handoff import HandoffError

    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "calldesk":
        raise HandoffError(f"not a calldesk: URL: {url[:80]!r}")
    action = (parts.netloc or parts.path).strip("/").lower()
    query = parse_qs(parts.query, max_num_fields=5)
    if action == "pop" and query.get("customer"):
        return {"cmd": "pop", "customer_id": query["customer"][0]}
    if action == "dial" and query.get("number"):
        return {"cmd": "dial", "uri": query["number"][0]}
    raise HandoffError("use calldesk://pop?customer=ID or calldesk://dial?number=NUMBER")

