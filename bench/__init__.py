"""Benchmarks: each module in this package with a `run() -> list[str]` prints `bench <name> ratio=<r> ...`."""
