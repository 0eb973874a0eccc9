"""Benchmark: `osls package --stage dev` of generated projects, whole process, median of several runs.

Renders each representative answer set of tests/template/test_packaging.py once, links tests/node's
node_modules into it, starts a moto server for serverless-plugin-split-stacks and times
`osls package` RUNS times per project (the first run of a database project also downloads its
driver wheels; the median shows the steady state). With --scan it also prints what cfn-lint and
checkov say about the compiled templates. Needs `npm ci --prefix tests/node` first.

    python benchmarks/package_time.py [--runs 3] [--only defaults,api:http] [--scan]
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

from generator import new_project as new  # noqa: E402
from generator.answers.parse import complete  # noqa: E402
from tests.support.toolchain import cfn_lint, checkov, compiled_templates, moto_server, package  # noqa: E402
from tests.template.test_packaging import REPRESENTATIVE  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated combination ids (default: all)")
    parser.add_argument("--scan", action="store_true", help="also run cfn-lint and checkov on the templates")
    args = parser.parse_args()
    names = [n for n in REPRESENTATIVE if not args.only or n in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp, moto_server() as server:
        root, cache = Path(tmp) / "projects", Path(tmp) / "cache"
        print(
            f"{'combination':32} {'median s':>9}  runs (s)"
            + ("  | templates, cfn-lint errors/warnings, checkov passed/failed/skipped" if args.scan else "")
        )
        for i, name in enumerate(names):
            project = new(complete({"project_name": f"Bench {i}", **REPRESENTATIVE[name]}), root)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                package(project, server, cache)
                times.append(time.perf_counter() - started)
            line = f"{name:32} {statistics.median(times):9.1f}  " + " ".join(f"{t:.1f}" for t in times)
            if args.scan:
                templates = compiled_templates(project / ".serverless")
                lint = [f.severity for f in cfn_lint(templates)]
                report = checkov(templates)
                line += f"  | {len(templates)}, {lint.count('error')}/{lint.count('warning')}, "
                line += f"{report.passed}/{len(report.failed)}/{len(report.skipped)}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
