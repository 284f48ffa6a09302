"""Entry point of the frozen build: the same dispatcher as the `calldesk` console script."""

import sys

from desktop.std_streams import ensure_std_streams

ensure_std_streams()

from desktop.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
