"""Benchmark: `slsguard cost` of the audit's 500-resource benchmark set (root + 3 nested stacks), whole process.

Reuses benchmarks/audit.py's template builder and timing helpers; runs `python -m generator cost`, `python -m generator
audit` on the same set, `slsguard cost` on the conditional copy of the set (benchmarks/audit_conditions.py: 50
conditions, every property behind an ``Fn::If``, so every priced number goes through the evaluation layer) and a
bare `python -c pass` alternately as fresh processes (so load from other processes hits them alike) and reports
medians (goal: cost under 200 ms, the audit's goal; the conditional set within 2x of the plain one).

    python benchmarks/cost.py [--runs 15]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import REPO, _line, benchmark_set, build, timed  # the audit benchmark's builder and timers, shared
from audit_conditions import conditional


def _in_process(folder: Path) -> float:
    sys.path.insert(0, str(REPO))
    from generator.cost import cost

    start = time.perf_counter()
    cost([folder], region="us-east-1")
    return (time.perf_counter() - start) * 1000


def main() -> int:
    with benchmark_set(__doc__) as (args, folder, total), tempfile.TemporaryDirectory() as tmp:
        cond = Path(tmp) / ".serverless"
        cond.mkdir()
        build(cond)
        wrapped = conditional(cond)
        command = [sys.executable, "-m", "generator", "cost", str(folder), "--format", "json", "--region", "us-east-1"]
        conditioned = [*command[:4], str(cond), *command[5:]]
        audit = [sys.executable, "-m", "generator", "audit", str(folder), "--format", "json"]
        doc = json.loads(subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout)
        same = json.loads(subprocess.run(conditioned, cwd=REPO, capture_output=True, text=True, check=True).stdout)
        timed([command, conditioned, audit], 2)  # warm the page cache and the bytecode cache
        bare, whole, cond_whole, audited = timed([[sys.executable, "-c", "pass"], command, conditioned, audit], args.runs)
        inproc = [_in_process(folder) for _ in range(args.runs)]
        cond_inproc = [_in_process(cond) for _ in range(args.runs)]
    print(f"templates: {total} resources in root + 3 nested stacks; {len(doc['items'])} items, ${doc['usd_per_hour']:,.2f}/hour")
    verdict = "the same ceiling" if same["usd_per_hour"] == doc["usd_per_hour"] else "A DIFFERENT CEILING"
    print(f"conditional copy: {wrapped} properties behind Fn::If; ${same['usd_per_hour']:,.2f}/hour ({verdict})")
    print(_line("python -c pass", *bare))
    print(_line("slsguard cost (whole)", *whole))
    print(_line("cost, conditional set", *cond_whole))
    print(_line("slsguard audit (whole)", *audited))
    print(f"{'cost() in process':<24} median {statistics.median(inproc):6.1f} ms (load, model, formulas; imports excluded)")
    print(f"{'cost() conditional':<24} median {statistics.median(cond_inproc):6.1f} ms")
    ratio = statistics.median(cond_whole[1]) / statistics.median(whole[1])
    print(f"conditional / plain, CPU medians of the whole process: {ratio:.2f}x (goal within 2x)")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"goal < 200 ms for the whole process: {'met' if statistics.median(whole[0]) < 200 else 'NOT met'} (cost wall median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
