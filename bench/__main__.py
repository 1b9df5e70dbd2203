"""`python -m bench`: run every benchmark under bench/, each in its own process (so RSS figures are
its own), printing their JSON lines. Pass names to run a subset: `python -m bench core_submit`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
NOT_BENCHMARKS = {"__init__", "__main__", "common", "synapse"}


def benchmarks() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("_"))


def main() -> int:
    chosen = sys.argv[1:] or benchmarks()
    failed = 0
    for name in chosen:
        print(f"# bench.{name}", file=sys.stderr, flush=True)
        failed += subprocess.call([sys.executable, "-m", f"bench.{name}"]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
