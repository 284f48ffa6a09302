"""Child process for the kill -9 test: writes notes locally and syncs, until it is killed.

argv: cache_path server_url token customer_id. Prints "ready", then one line per write AFTER
write_local returned (i.e. after COMMIT): "wrote <note id>".
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

from desktop.cache.store import CacheStore
from desktop.services.api import ApiError, CentralApi
from desktop.services.push import PushSync
from desktop.services.sync import PullSync


async def main(cache_path: str, url: str, token: str, customer_id: str) -> None:
    store = CacheStore(cache_path, migrate=False)
    api = CentralApi(url, token=token, max_retries=0, timeout=5)
    print("ready", flush=True)
    parent = os.getppid()
    n = 0
    while os.getppid() == parent:  # a test that died without killing us: stop writing
        note_id = str(uuid.uuid4())
        store.write_local("note", {"id": note_id, "customer_id": customer_id, "text": f"note {n}"})
        print(f"wrote {note_id}", flush=True)
        n += 1
        if n % 3 == 0:
            try:
                await PushSync(api, cache_path, batch_size=2).run()
                await PullSync(api, cache_path).run()
            except ApiError as exc:
                print(f"api error {exc.message}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
