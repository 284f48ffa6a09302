"""`calldesk central serve`: the API in one or several uvicorn worker processes on one port.

With `--workers N` (N > 1) uvicorn's supervisor binds the socket once and starts N processes
that each build the app through `app_from_env` (the options travel in an environment variable:
worker processes are spawned, not forked). Each worker has its own connection pool
(`--pool-size` + `--max-overflow`), its own notification hub and LISTEN connection. TLS
(`--cert/--key`) is set on every worker. SIGTERM or Ctrl+C: stop accepting, end notification
streams, let requests in flight (pushes) finish for up to `--shutdown-timeout` seconds.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass

from fastapi import FastAPI

from central.pool_defaults import DEFAULT_MAX_QUEUE, DEFAULT_QUEUE_WAIT_S, DEFAULT_THREADS

log = logging.getLogger(__name__)

ENV = "CALLDESK_CENTRAL_SERVE"
GIL_SWITCH_S = 0.0005  # (Python's default is 5 ms)
GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)
# How long an idle keep-alive connection stays open. Longer than a desktop keeps one
# (desktop/services/api.py KEEPALIVE_S): the client always closes first, so it never sends a
# request on a connection the server is closing (a reset, a failed push); and a desktop pushing
# every few tens of seconds reuses its connection instead of a new TCP (and TLS) handshake.
IDLE_KEEPALIVE_S = 75
LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    db: str
    push_retention_days: float
    escalation_interval_s: float
    pool_size: int
    max_overflow: int
    notify_interval_s: float = 0.5
    log_level: str = "info"
    threads: int = DEFAULT_THREADS
    queue_wait_s: float = DEFAULT_QUEUE_WAIT_S
    max_queue: int = DEFAULT_MAX_QUEUE


def app_from_env() -> FastAPI:
    """The app of one worker, from the options its supervisor put in the environment."""
    from central.app import create_app

    raw = os.environ.get(ENV)
    if not raw:
        raise RuntimeError(f"{ENV} is not set: start workers with `calldesk central serve`")
    options = ServeOptions(**json.loads(raw))
    logging.basicConfig(level=options.log_level.upper(), format=LOG_FORMAT)
    app = create_app(
        options.db,
        push_retention_days=options.push_retention_days,
        escalation_interval_s=options.escalation_interval_s,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        notify_interval_s=options.notify_interval_s,
        threads=options.threads,
        queue_wait_s=options.queue_wait_s,
        max_queue=options.max_queue,
    )
    tune_worker_runtime()
    return app


def tune_worker_runtime() -> None:
    """A worker's interpreter, tuned for many streams and short database round trips.

    - The GIL switch interval: a request thread waiting on PostgreSQL gets the GIL back only
      when the event loop thread (writing to a thousand streams) gives it up, by default after
      5 ms. A push is ~10 round trips, so it waited up to 50 ms for nothing while its
      transaction sat "idle in transaction" holding its row locks.
    - The collector: the app's objects (routes, metadata, compiled statements) are moved out of
      the generations it scans (gc.freeze), and young collections run less often.
    """
    sys.setswitchinterval(GIL_SWITCH_S)
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    log.debug("worker runtime: switch interval %.4f s, gc %s", sys.getswitchinterval(), gc.get_threshold())


def run(
    options: ServeOptions,
    *,
    host: str,
    port: int,
    workers: int,
    cert: str | None,
    key: str | None,
    shutdown_timeout_s: float,
) -> None:
    """Serve until stopped (blocks). Raises OSError when the port cannot be bound."""
    import uvicorn

    os.environ[ENV] = json.dumps(asdict(options))
    log.info(
        "central API on %s:%d with %d worker(s), %d request threads, pool %d+%d and a %g s queue "
        "wait (at most %d waiting) each",
        host,
        port,
        workers,
        options.threads,
        options.pool_size,
        options.max_overflow,
        options.queue_wait_s,
        options.max_queue,
    )
    uvicorn.run(
        "central.serving:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=options.log_level,
        access_log=False,  # central.access_log writes one structured line per request instead
        ssl_certfile=cert,
        ssl_keyfile=key,
        timeout_graceful_shutdown=int(max(1, shutdown_timeout_s)),
        backlog=4096,  # thousands of desktops reconnecting at once after a restart
        timeout_keep_alive=IDLE_KEEPALIVE_S,
        lifespan="on",
    )
