"""Command line: find, verify and unpack Fashion-MNIST (``make lab`` and ``make test`` run it)."""
from __future__ import annotations

import argparse
import sys

from .fashion_mnist import _decode, find_fashion_mnist


def main(argv=None) -> int:
    """``python -m helpers.get_data``: find or fetch the data, print where it is.

    Exit codes: 0 found, 1 not found or corrupt.
    """
    parser = argparse.ArgumentParser(prog="python -m helpers.get_data",
                                     description="Find, verify and unpack Fashion-MNIST.")
    parser.add_argument("--root", help="folder holding the four IDX files")
    parser.add_argument("--no-download", action="store_true",
                        help="only look on this machine, never download")
    args = parser.parse_args(argv)
    try:
        where = find_fashion_mnist(args.root, download=not args.no_download)
        data = _decode(where)
    except (FileNotFoundError, RuntimeError) as err:
        print(err, file=sys.stderr)
        return 1
    print(f"Fashion-MNIST ready in {where}: {len(data.y_train):,} training and "
          f"{len(data.y_test):,} test images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
