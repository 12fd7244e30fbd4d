"""Run every benchmark in turn: ``python -m benchmarks`` (or ``make bench``).

Each benchmark is also runnable alone (``python -m benchmarks.audit --help``). They print
tables and never decide pass or fail.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    for name in names:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=here.parent, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
