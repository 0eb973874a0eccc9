"""Benchmark: `slsguard audit` of each real service in tests/fixtures/corpus, whole process, median per service.

Runs each audit as a fresh process, alternating with a bare interpreter start-up (the reference), and
prints wall medians; SAM templates include the SAM translator's transform.

    python benchmarks/corpus.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import timed  # the sibling benchmark's paired timer, importable once its folder is on the path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    targets = []
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        sam = folder / "template.yaml"
        targets.append((folder.name, sam if sam.is_file() else folder))
    cmds = [[sys.executable, "-c", "pass"]] + [[sys.executable, "-m", "generator", "audit", str(t), "--format", "json"] for _, t in targets]
    timed(cmds, 1)  # warm the page and bytecode caches
    results = timed(cmds, args.runs)
    bare, bare_cpu = statistics.median(results[0][0]), statistics.median(results[0][1])
    print(f"{'python -c pass':<28} wall median {bare:6.1f} ms; CPU median {bare_cpu:6.1f} ms; {args.runs} runs")
    for (name, _), (wall, cpu) in zip(targets, results[1:], strict=True):
        print(
            f"{name:<28} wall median {statistics.median(wall):6.1f} ms (max {max(wall):.1f}); "
            f"CPU median {statistics.median(cpu):6.1f} ms; wall over bare python {statistics.median(wall) - bare:6.1f} ms"
        )
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
