"""Run every benchmark module of this package: `make bench` or `python -m bench [name ...]`."""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(selected: list[str]) -> int:
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(BENCH_DIR)])
        if info.name.startswith("bench_") and (not selected or info.name.removeprefix("bench_") in selected)
    )
    if not names:
        print("no benchmarks registered yet")
        return 0
    for name in names:
        module = import_module(f"bench.{name}")
        for line in module.run():
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
