"""`calldesk central serve | seed | migrate`: run, fill and upgrade the reference central API."""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from calldesk_domain.loopback import is_loopback
from central import cli_data
from central.db import DEFAULT_DB_URL, DatabaseUrlError, check_connection, make_engine, parse_db_url
from central.pool_defaults import (
    DEFAULT_MAX_OVERFLOW,
    DEFAULT_MAX_QUEUE,
    DEFAULT_POOL_SIZE,
    DEFAULT_QUEUE_WAIT_S,
    DEFAULT_THREADS,
)
from central.push import DEFAULT_RETENTION_DAYS

log = logging.getLogger(__name__)

EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = "{serve,seed,migrate,purge-push,users,import,backup,restore}"
    sub = parser.add_subparsers(dest="central_command", metavar=commands)
    db_help = f"database URL: sqlite:///file.db or postgresql://user:pw@host/db (default {DEFAULT_DB_URL})"

    serve = sub.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--db", default=DEFAULT_DB_URL, help=db_help)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    serve.add_argument("--cert", help="TLS certificate (PEM) to serve HTTPS; needs --key")
    serve.add_argument("--key", help="TLS private key (PEM) of --cert")
    serve.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="listen beyond loopback WITHOUT TLS (only behind a TLS-terminating reverse proxy)",
    )
    retention_help = (
        f"keep push idempotency keys and results this many days (default {DEFAULT_RETENTION_DAYS:g})"
    )
    serve.add_argument(
        "--push-retention-days", type=float, default=DEFAULT_RETENTION_DAYS, help=retention_help
    )
    serve.add_argument(
        "--escalation-interval",
        type=float,
        default=30.0,
        metavar="S",
        help="escalate overdue hand-offs every S seconds (default 30; 0 turns the job off)",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes behind the one port (default 1)"
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"requests each worker runs at once (default {DEFAULT_THREADS}; more threads share one "
        "GIL and slow a busy worker down: raise it only for a slow database link)",
    )
    serve.add_argument(
        "--queue-wait",
        type=float,
        default=DEFAULT_QUEUE_WAIT_S,
        metavar="S",
        help=f"answer 503 with Retry-After to a request that gets no slot within S seconds "
        f"(default {DEFAULT_QUEUE_WAIT_S:g}; keep it under the desktops' 10 s timeout)",
    )
    serve.add_argument(
        "--max-queue",
        type=int,
        default=DEFAULT_MAX_QUEUE,
        help=f"requests that may wait for a slot in each worker; more are answered 503 at once "
        f"(default {DEFAULT_MAX_QUEUE})",
    )
    serve.add_argument(
        "--pool-size",
        type=int,
        default=DEFAULT_POOL_SIZE,
        help=f"database connections each worker keeps open (default {DEFAULT_POOL_SIZE})",
    )
    serve.add_argument(
        "--max-overflow",
        type=int,
        default=DEFAULT_MAX_OVERFLOW,
        help=f"extra connections a worker may open under load (default {DEFAULT_MAX_OVERFLOW})",
    )
    serve.add_argument(
        "--notify-interval",
        type=float,
        default=0.5,
        metavar="S",
        help="tell desktops the feed moved at most every S seconds (default 0.5; each notice "
        "makes every desktop pull: raise it for thousands of desktops)",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="on SIGTERM, let requests in flight finish for up to S seconds (default 30)",
    )

    seed = sub.add_parser("seed", help="fill the database with realistic demo customers and users")
    seed.add_argument("--db", default=DEFAULT_DB_URL, help=db_help)
    seed.add_argument("--customers", type=int, default=1000, help="how many customers (default 1000)")
    seed.add_argument("--seed", type=int, default=1, help="random seed; same seed, same data (default 1)")
    seed.add_argument("--append", action="store_true", help="add customers to a non-empty database")

    migrate = sub.add_parser("migrate", help="upgrade the database schema to the latest version")
    migrate.add_argument("--db", default=DEFAULT_DB_URL, help=db_help)

    from central.users_cli import add_parser as add_users_parser

    add_users_parser(sub, db_help)

    purge = sub.add_parser("purge-push", help="delete push idempotency keys and results older than N days")
    purge.add_argument("--db", default=DEFAULT_DB_URL, help=db_help)
    purge.add_argument("--days", type=float, default=DEFAULT_RETENTION_DAYS, help=retention_help)

    cli_data.add_arguments(sub, db_help, DEFAULT_DB_URL)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    log.error(message)
    print(f"calldesk central: error: {message}", file=sys.stderr)
    return code


def _check_db(db_url: str) -> str | None:
    """None if the database is reachable, else the message to show."""
    try:
        engine = make_engine(parse_db_url(db_url))
    except DatabaseUrlError as exc:
        return str(exc)
    try:
        check_connection(engine)
    except OperationalError as exc:
        return f"cannot open database {db_url!r}: {str(exc.orig or exc).strip().splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command = getattr(args, "central_command", None)
    if command is None:
        return _fail("choose a command: calldesk central serve | seed | migrate | purge-push | users")
    problem = _check_db(args.db)
    if problem:
        return _fail(problem)
    try:
        if command == "migrate":
            return _migrate(args)
        if command == "seed":
            return _seed(args)
        if command == "purge-push":
            return _purge_push(args)
        if command in ("import", "backup", "restore"):
            return cli_data.run(command, args)
        if command == "users":
            from central.users_cli import run as run_users

            return run_users(args)
        return _serve(args)
    except SQLAlchemyError as exc:
        return _fail(f"database error: {exc}", 1)


def _migrate(args: argparse.Namespace) -> int:
    from central.migrate import upgrade

    revision = upgrade(args.db)
    print(f"database is at schema revision {revision}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from central.seed import DatabaseNotEmptyError, seed_database

    if args.customers < 0:
        return _fail("--customers must be 0 or more")
    try:
        summary = seed_database(args.db, args.customers, args.seed, append=args.append)
    except DatabaseNotEmptyError as exc:
        return _fail(str(exc), 1)
    print(
        f"seeded {summary.customers} customers ({summary.first_customer_id}..{summary.last_customer_id}), "
        f"{summary.phones} phones, {summary.orders} orders, {summary.points} points entries, "
        f"{summary.service} service records, {summary.marketing} marketing touches, "
        f"{summary.users_created} demo users in {summary.seconds:.1f} s "
        f"({summary.customers_per_second:.0f} customers/s)"
    )
    return 0


def _retention_problem(days: float, option: str) -> str | None:
    if not days > 0 or days == float("inf"):
        return f"{option} must be a number of days above 0, not {days:g}"
    return None


def _purge_push(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from central.migrate import upgrade
    from central.push import purge_push_records

    problem = _retention_problem(args.days, "--days")
    if problem:
        return _fail(problem)
    upgrade(args.db)
    engine = make_engine(args.db)
    try:
        report = purge_push_records(engine, timedelta(days=args.days))
    finally:
        engine.dispose()
    print(
        f"purged {report.idempotency_keys} idempotency keys and {report.push_results} push results "
        f"older than {args.days:g} days"
    )
    return 0


def transport_problem(host: str, cert: str | None, key: str | None, allow_insecure: bool) -> str | None:
    """Why this serve command must not start, or None (logging a warning for plain HTTP off
    loopback when explicitly allowed)."""
    from pathlib import Path

    if bool(cert) != bool(key):
        return "--cert and --key go together"
    for option, path in (("--cert", cert), ("--key", key)):
        if path and not Path(path).is_file():
            return f"{option}: no such file {path}"
    if cert or is_loopback(host):
        return None
    if not allow_insecure:
        return (
            f"refusing to serve plain HTTP on {host}: tokens and customer data would cross the network "
            "in clear. Give --cert/--key, or put a TLS reverse proxy in front and pass --allow-insecure-http"
        )
    log.warning("serving plain HTTP on %s (--allow-insecure-http): only safe behind a TLS proxy", host)
    return None


def _serve(args: argparse.Namespace) -> int:
    from central import serving
    from central.migrate import upgrade

    if not 0 < args.port < 65536:
        return _fail(f"--port must be 1..65535, not {args.port}")
    problem = transport_problem(args.host, args.cert, args.key, args.allow_insecure_http)
    if problem:
        return _fail(problem)
    problem = _retention_problem(args.push_retention_days, "--push-retention-days")
    if problem:
        return _fail(problem)
    if not 0 <= args.escalation_interval < 86400:
        return _fail(f"--escalation-interval must be 0..86399 seconds, not {args.escalation_interval}")
    if not 1 <= args.workers <= 64:
        return _fail(f"--workers must be 1..64, not {args.workers}")
    if not 1 <= args.pool_size <= 500 or not 0 <= args.max_overflow <= 500:
        return _fail("--pool-size must be 1..500 and --max-overflow 0..500")
    if not 1 <= args.threads <= args.pool_size + args.max_overflow:
        return _fail(
            f"--threads must be 1..{args.pool_size + args.max_overflow} (--pool-size + --max-overflow: "
            f"each request thread needs a database connection), not {args.threads}"
        )
    if not 0 < args.shutdown_timeout <= 3600:
        return _fail(f"--shutdown-timeout must be above 0 and at most 3600, not {args.shutdown_timeout}")
    if not 0 <= args.notify_interval <= 60:
        return _fail(f"--notify-interval must be 0..60 seconds, not {args.notify_interval}")
    if not 0 <= args.queue_wait <= 60:
        return _fail(f"--queue-wait must be 0..60 seconds, not {args.queue_wait}")
    if not 0 <= args.max_queue <= 100_000:
        return _fail(f"--max-queue must be 0..100000, not {args.max_queue}")
    upgrade(args.db)
    options = serving.ServeOptions(
        args.db,
        args.push_retention_days,
        args.escalation_interval,
        args.pool_size,
        args.max_overflow,
        args.notify_interval,
        threads=args.threads,
        queue_wait_s=args.queue_wait,
        max_queue=args.max_queue,
    )
    try:
        serving.run(
            options,
            host=args.host,
            port=args.port,
            workers=args.workers,
            cert=args.cert,
            key=args.key,
            shutdown_timeout_s=args.shutdown_timeout,
        )
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc}", 1)
    return 0
