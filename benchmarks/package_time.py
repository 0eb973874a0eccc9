"""Benchmark: `osls package --stage dev` of generated projects, whole process, median of several runs.

Renders each representative answer set of tests/test_packaging.py once, links tests/node's
node_modules into it, starts a moto server for serverless-plugin-split-stacks and times
`osls package` RUNS times per project (the first run of a database project also downloads its
driver wheels; the median shows the steady state). Needs `npm ci --prefix tests/node` first.

    python benchmarks/package_time.py [--runs 3] [--only defaults,api:http]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import new  # noqa: E402
from generator.answers import complete  # noqa: E402
from tests.support.toolchain import moto_server, package  # noqa: E402
from tests.test_packaging import REPRESENTATIVE  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated combination ids (default: all)")
    args = parser.parse_args()
    names = [n for n in REPRESENTATIVE if not args.only or n in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp, moto_server() as server:
        root, cache = Path(tmp) / "projects", Path(tmp) / "cache"
        print(f"{'combination':32} {'median s':>9}  runs (s)")
        for i, name in enumerate(names):
            project = new(complete({"project_name": f"Bench {i}", **REPRESENTATIVE[name]}), root)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                package(project, server, cache)
                times.append(time.perf_counter() - started)
            runs = " ".join(f"{t:.1f}" for t in times)
            print(f"{name:32} {statistics.median(times):9.1f}  {runs}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
