"""`calldesk central import | backup | restore`: getting data in, and keeping it safe."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from central.importing.rows import PARSERS

if TYPE_CHECKING:
    from central.backup import BackupResult
    from central.importing.run import Rejected


def add_arguments(sub: argparse._SubParsersAction, db_help: str, default_db: str) -> None:
    imp = sub.add_parser(
        "import",
        help="stream customers, orders or points from CSV / JSON lines into the change feed",
        description="Rejected rows are reported with line number and reason and do not fail the "
        "import; a re-run of the same file adds nothing; an interrupted import resumes.",
    )
    imp.add_argument("kind", choices=sorted(PARSERS), help="what the file holds")
    imp.add_argument("file", type=Path, help="CSV (header line) or JSON lines (.jsonl)")
    imp.add_argument("--db", default=default_db, help=db_help)
    imp.add_argument("--format", choices=("csv", "jsonl"), default=None, help="default: by file suffix")
    imp.add_argument("--state", type=Path, default=None, help="resume file (default FILE.import-state.json)")
    imp.add_argument("--rejects", type=Path, default=None, help="also write rejected and review rows here")
    imp.add_argument("--quiet", action="store_true", help="no progress line")

    backup = sub.add_parser("backup", help="a consistent copy of the database (SQLite file or pg_dump)")
    backup.add_argument("--db", default=default_db, help=db_help)
    backup.add_argument("--out", type=Path, required=True, help="the backup file to write (must not exist)")

    restore = sub.add_parser("restore", help="restore a backup into an EMPTY database")
    restore.add_argument("--db", default=default_db, help=db_help)
    restore.add_argument("backup", type=Path, help="a file written by `calldesk central backup`")


def run(command: str, args: argparse.Namespace) -> int:
    if command == "import":
        return _import(args)
    if command == "backup":
        return _backup(args)
    return _restore(args)


def _import(args: argparse.Namespace) -> int:
    from central.db import make_engine
    from central.importing.run import Progress, run_import
    from central.migrate import upgrade

    upgrade(args.db)
    engine = make_engine(args.db)
    rejects = args.rejects.open("w", encoding="utf-8") if args.rejects else None

    def reporter(label: str) -> Callable[[Rejected], None]:
        def report(row: Rejected) -> None:
            print(f"{label} {row.text()}", file=sys.stderr)
            if rejects is not None:
                rejects.write(f"{label} {row.text()}\n")

        return report

    try:
        size = args.file.stat().st_size if args.file.is_file() else 0
        result = run_import(
            engine,
            args.kind,
            args.file,
            file_format=args.format,
            state_path=args.state,
            progress=None if args.quiet else Progress(size),
            on_rejected=reporter("rejected"),
            on_review=reporter("review"),
        )
    except (ValueError, OSError) as exc:
        print(f"calldesk central import: error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
        if rejects is not None:
            rejects.close()
    print(result.summary())
    return 0


def _backup(args: argparse.Namespace) -> int:
    from central.backup import backup

    return _report(
        "backup",
        lambda: backup(args.db, args.out),
        lambda r: f"backup written to {r.path} ({r.bytes} bytes, schema {r.revision})",
    )


def _restore(args: argparse.Namespace) -> int:
    from central.backup import restore

    return _report(
        "restore",
        lambda: restore(args.db, args.backup),
        lambda r: f"restored {r.path} (schema {r.revision}); the change feed has a new epoch",
    )


def _report(command: str, run: Callable[[], BackupResult], done: Callable[[BackupResult], str]) -> int:
    """Run a backup or restore: its summary and 0, or the error on stderr and 1."""
    from central.backup import BackupError

    try:
        result = run()
    except BackupError as exc:
        print(f"calldesk central {command}: error: {exc}", file=sys.stderr)
        return 1
    print(done(result))
    return 0
