"""Database pool defaults of an API worker (no imports: the CLI reads them for --help).

FastAPI runs sync endpoints on anyio's thread pool, which central.app sizes to the pool: every
request thread keeps a pooled connection. The overflow is for the rare request that holds two
and the background jobs. (With 40 threads on 10 + 30, every burst past 10 requests opened and
closed PostgreSQL connections: 15% of a worker's samples at 2,000 desktops.)
"""

DEFAULT_POOL_SIZE = 20
DEFAULT_MAX_OVERFLOW = 10
