"""Benchmark: `slsguard cost` of the audit's 500-resource benchmark set (root + 3 nested stacks), whole process.

Reuses benchmarks/audit.py's template builder and timing helpers; runs `python -m generator cost`, `python -m generator
audit` on the same set and a bare `python -c pass` alternately as fresh processes (so load from other processes hits
them alike) and reports medians (goal: cost under 200 ms, the audit's goal).

    python benchmarks/cost.py [--runs 15]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import REPO, _line, benchmark_set, timed  # the audit benchmark's builder and timers, shared


def _in_process(folder: Path) -> float:
    sys.path.insert(0, str(REPO))
    from generator.cost import cost

    start = time.perf_counter()
    cost([folder], region="us-east-1")
    return (time.perf_counter() - start) * 1000


def main() -> int:
    with benchmark_set(__doc__) as (args, folder, total):
        command = [sys.executable, "-m", "generator", "cost", str(folder), "--format", "json", "--region", "us-east-1"]
        audit = [sys.executable, "-m", "generator", "audit", str(folder), "--format", "json"]
        doc = json.loads(subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout)
        timed([command, audit], 2)  # warm the page cache and the bytecode cache
        bare, whole, audited = timed([[sys.executable, "-c", "pass"], command, audit], args.runs)
        inproc = [_in_process(folder) for _ in range(args.runs)]
    print(f"templates: {total} resources in root + 3 nested stacks; {len(doc['items'])} items, ${doc['usd_per_hour']:,.2f}/hour")
    print(_line("python -c pass", *bare))
    print(_line("slsguard cost (whole)", *whole))
    print(_line("slsguard audit (whole)", *audited))
    print(f"{'cost() in process':<24} median {statistics.median(inproc):6.1f} ms (load, model, formulas; imports excluded)")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"goal < 200 ms for the whole process: {'met' if statistics.median(whole[0]) < 200 else 'NOT met'} (cost wall median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
