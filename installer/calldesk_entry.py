"""Entry point of the frozen build: the same dispatcher as the `calldesk` console script."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
