"""Thread and database pool defaults of an API worker (no imports: the CLI reads them for --help).

FastAPI runs sync endpoints on anyio's thread pool, which central.app sizes to `threads`: the
requests a worker runs at once. Few: a worker is one interpreter, so its request threads and its
event loop (every notification stream, every request's HTTP) take turns on one GIL, and each
database round trip hands the GIL over twice. With 20 threads on a busy 2-core host each hand-over
waited for a CPU and the GIL: at 2,000 desktops and 50 writes/s a push spent ~200 ms on its
thread and the loop answered finished threads ~150 ms late; with 4, 12 ms and 1 ms
(docs/deployment.md "Sizing"). Requests past `threads` wait their turn in the worker.

The pool keeps a connection for each request thread plus the background jobs (sign-in re-checks,
escalation, purges); the overflow is for the rare request that holds two. (With 40 threads on
10 + 30, every burst past 10 requests opened and closed PostgreSQL connections: 15% of a
worker's samples at 2,000 desktops.)
"""

DEFAULT_THREADS = 4
DEFAULT_POOL_SIZE = 8
DEFAULT_MAX_OVERFLOW = 10
# Load shedding (central/admission.py): a request waits at most this long for one of its worker's
# slots (twice `threads`), well under the 10 s a desktop waits for an answer; at most this many
# wait per worker. Past either: 503 with Retry-After.
DEFAULT_QUEUE_WAIT_S = 3.0
DEFAULT_MAX_QUEUE = 1000
