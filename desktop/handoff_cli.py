"""`calldesk dial tel:...`, `calldesk pop --customer-id ID` and `calldesk open calldesk://...` (the
calldesk: URL handler the MSI registers): hand a request to the running desktop."""

from __future__ import annotations

import argparse
import sys
from urllib.parse import parse_qs, urlsplit

ADD_ARGUMENTS_TAKES_NAME = True


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(handoff=name)
    if name == "dial":
        parser.add_argument("uri", help="number to call, e.g. tel:+8613800138000 or 010-12345678")
    elif name == "open":
        parser.add_argument("url", help="calldesk://pop?customer=C0000123 or calldesk://dial?number=...")
    else:
        parser.add_argument("--customer-id", required=True, help="customer id to bring up")


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication

    from desktop.services.handoff import HandoffError, send_request, validate

    try:
        message = _message(args)
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


def _message(args: argparse.Namespace) -> dict[str, str]:
    if args.handoff == "dial":
        return {"cmd": "dial", "uri": args.uri}
    if args.handoff == "open":
        return message_from_url(args.url)
    return {"cmd": "pop", "customer_id": args.customer_id}
