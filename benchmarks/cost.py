"""Benchmark: `slsguard cost` of the audit's 500-resource benchmark set (root + 3 nested stacks), whole process.

Reuses benchmarks/audit.py's template builder and timing helpers; runs `python -m generator cost` and a bare
`python -c pass` alternately as fresh processes and reports medians (goal: under the audit's 200 ms).

    python benchmarks/cost.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import REPO, _line, build, timed  # the audit benchmark's builder, shared


def _in_process(folder: Path) -> float:
    sys.path.insert(0, str(REPO))
    from generator.cost import cost

    start = time.perf_counter()
    cost([folder], region="us-east-1")
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ".serverless"
        folder.mkdir()
        total = build(folder)
        command = [sys.executable, "-m", "generator", "cost", str(folder), "--format", "json", "--region", "us-east-1"]
        check = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
        doc = json.loads(check.stdout)
        timed([command], 2)  # warm the page cache and the bytecode cache
        bare, runs = timed([[sys.executable, "-c", "pass"], command], args.runs)
        inproc = [_in_process(folder) for _ in range(args.runs)]
    overhead = [a - b for a, b in zip(runs[0], bare[0], strict=True)]
    print(f"templates: {total} resources in root + 3 nested stacks; {len(doc['items'])} items, ${doc['usd_per_hour']:,.2f}/hour")
    print(_line("python -c pass", *bare))
    print(_line("slsguard cost (whole)", *runs))
    print(f"{'cost over bare python':<24} median {statistics.median(overhead):6.1f} ms (back-to-back differences)")
    print(f"{'cost() in process':<24} median {statistics.median(inproc):6.1f} ms (load, model, formulas; imports excluded)")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"goal < 200 ms for the whole process: {'met' if statistics.median(runs[0]) < 200 else 'NOT met'} (wall median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
