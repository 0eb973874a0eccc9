"""Benchmark: `slsguard cost` of the audit's 500-resource benchmark set (root + 3 nested stacks), whole process.

Reuses benchmarks/audit.py's template builder and timing helpers; runs `python -m generator cost` and a bare
`python -c pass` alternately as fresh processes and reports medians (goal: under the audit's 200 ms).

    python benchmarks/cost.py [--runs 15]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import REPO, benchmark_set, paired  # the audit benchmark's builder, shared


def _in_process(folder: Path) -> float:
    sys.path.insert(0, str(REPO))
    from generator.cost import cost

    start = time.perf_counter()
    cost([folder], region="us-east-1")
    return (time.perf_counter() - start) * 1000


def main() -> int:
    with benchmark_set(__doc__) as (args, folder, total):
        command = [sys.executable, "-m", "generator", "cost", str(folder), "--format", "json", "--region", "us-east-1"]
        doc = json.loads(subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout)
        lines = paired("cost", command, args.runs, lambda: _in_process(folder), "load, model, formulas")
    print(f"templates: {total} resources in root + 3 nested stacks; {len(doc['items'])} items, ${doc['usd_per_hour']:,.2f}/hour")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
