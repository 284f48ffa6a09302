"""`calldesk central users add|disable|enable|passwd|set-role|set-interface|list --db URL`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from central.db import DEFAULT_DB_URL, make_engine
from central.users import UserError, add_user, list_users, update_user

USERS_COMMANDS = "{add,disable,enable,passwd,set-role,set-interface,list}"


def add_parser(sub: Any, db_help: str) -> None:
    users = sub.add_parser("users", help="create, disable, enable and change user accounts")
    commands = users.add_subparsers(dest="users_command", metavar=USERS_COMMANDS)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--db", default=DEFAULT_DB_URL, help=db_help)
        if name != "list":
            parser.add_argument("name", help="the user's sign-in name")
        return parser

    add = command("add", "create a user")
    add.add_argument("--role", required=True, choices=("agent", "supervisor", "admin"))
    add.add_argument("--password", help="the password (default: asked for on the terminal)")
    add.add_argument("--agent-id", help="agent id on the PBX and in records (default: the name)")
    add.add_argument("--display-name", help="name shown in the desktop (default: the name)")
    add.add_argument("--interface", help="PBX interface, e.g. PJSIP/1001 or 1001@default")
    add.add_argument("--queues", default="", help="comma-separated queue names")
    add.add_argument("--team", help="team name (a supervisor acts on their team)")
    command("disable", "disable a user: their tokens stop working on their next request")
    command("enable", "enable a disabled user")
    passwd = command("passwd", "set a new password (ends the user's sign-in sessions)")
    passwd.add_argument("--password", help="the new password (default: asked for on the terminal)")
    role = command("set-role", "change a user's role (ends their sign-in sessions)")
    role.add_argument("role", choices=("agent", "supervisor", "admin"))
    interface = command("set-interface", "set a user's PBX interface, queues and team")
    interface.add_argument("interface", help="PBX interface, e.g. PJSIP/1001 or 1001@default; '-' for none")
    interface.add_argument("--queues", help="comma-separated queue names (default: unchanged)")
    interface.add_argument("--team", help="team name; '-' for none (default: unchanged)")
    command("list", "list the users")


def _queues(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def _password(given: str | None) -> str:
    if given is not None:
        return given
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the passwords differ", "password")
    return first


def run(args: argparse.Namespace) -> int:
    """Run one users command; returns the exit code (2 usage/refused, 0 done)."""
    name = getattr(args, "users_command", None)
    if name is None:
        print(f"calldesk central users: error: choose a command: {USERS_COMMANDS}", file=sys.stderr)
        return 2
    from central.migrate import upgrade

    upgrade(args.db)
    engine = make_engine(args.db)
    try:
        with engine.begin() as conn:
            if name == "list":
                for user in list_users(conn):
                    state = "active" if user["active"] else "DISABLED"
                    queues = ",".join(user["queues"]) or "-"
                    interface, team = user["pbx_interface"] or "-", user["team"] or "-"
                    print(
                        f"{user['username']}\t{user['role']}\t{state}\tagent={user['agent_id']}\t"
                        f"interface={interface}\tqueues={queues}\tteam={team}"
                    )
                return 0
            result = _change(conn, name, args)
        print(
            f"{name}: {result['username']} ({result['role']}, {'active' if result['active'] else 'disabled'})"
        )
        return 0
    except UserError as exc:
        print(f"calldesk central users {name}: error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _change(conn: Any, name: str, args: argparse.Namespace) -> dict[str, Any]:
    if name == "add":
        return add_user(
            conn,
            args.name,
            _password(args.password),
            args.role,
            agent_id=args.agent_id,
            display_name=args.display_name,
            pbx_interface=args.interface,
            queues=_queues(args.queues),
            team=args.team,
        )
    if name in ("disable", "enable"):
        return update_user(conn, args.name, active=name == "enable")
    if name == "passwd":
        return update_user(conn, args.name, password=_password(args.password))
    if name == "set-role":
        return update_user(conn, args.name, role=args.role)
    changes: dict[str, Any] = {"pbx_interface": None if args.interface == "-" else args.interface}
    if args.queues is not None:
        changes["queues"] = _queues(args.queues)
    if args.team is not None:
        changes["team"] = None if args.team == "-" else args.team
    return update_user(conn, args.name, **changes)
