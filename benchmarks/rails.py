"""Benchmark: what the rails plugin costs. `osls package` of a 5-function project (the default answers grown by
an HTTP, a scheduled and a second SQS function, as tests/template/test_rails.py grows them) rendered from this template
against the same project rendered from a reference template (0.1.0: no rails plugin), paired, alternating order,
whole process; then the resources each function costs after the change, from the compiled templates.

    git -C <repo> worktree add /tmp/v010 b17f732   # the 0.1.0 template
    python benchmarks/rails.py --reference /tmp/v010 [--runs 7]

Needs `npm ci --prefix tests/node` first (osls and the plugins; a moto server stands in for CloudFormation).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cookiecutter.main import cookiecutter  # noqa: E402
from stack_capacity import ADDED, capacity, owned, resources  # noqa: E402

from generator import new_project as new  # noqa: E402
from generator.answers.parse import complete  # noqa: E402
from tests.support.toolchain import moto_server, package  # noqa: E402
from tests.template.test_rails import grow  # noqa: E402


def render_reference(reference: Path, answers: dict, output: Path) -> Path:
    """The same answers rendered with the reference template, through plain cookiecutter (its hooks included)."""
    context = {k: v for k, v in answers.items() if not k.startswith("_")}
    return Path(cookiecutter(str(reference), no_input=True, extra_context=context, output_dir=str(output)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="checkout of the reference template (0.1.0)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, moto_server() as server:
        root, cache = Path(tmp), Path(tmp) / "cache"
        answers = complete({"project_name": "Bench Rails"})
        ours = new(answers, root / "ours")
        theirs = render_reference(args.reference.resolve(), answers, root / "theirs")
        for project in (ours, theirs):
            grow(project, answers)
        package(ours, server, cache), package(theirs, server, cache)  # warm the pip and node caches
        times: dict[str, list[float]] = {"rails": [], "reference": []}
        for i in range(args.runs):
            order = [("rails", ours), ("reference", theirs)]
            for label, project in order if i % 2 == 0 else reversed(order):
                started = time.perf_counter()
                package(project, server, cache)
                times[label].append(time.perf_counter() - started)
        rails, reference = statistics.median(times["rails"]), statistics.median(times["reference"])
        pairs = statistics.median(a / b for a, b in zip(times["rails"], times["reference"], strict=True))
        print(f"osls package, 5 functions, {args.runs} paired runs (load {os.getloadavg()[0]:.1f}):")
        print(
            f"  rails plugin {rails:.1f} s, reference {reference:.1f} s: ratio of medians {rails / reference:.2f}, median of pair ratios {pairs:.2f}"
        )
        print("  runs rails:     " + " ".join(f"{t:.1f}" for t in times["rails"]))
        print("  runs reference: " + " ".join(f"{t:.1f}" for t in times["reference"]))
        for label, project in (("rails", ours), ("reference", theirs)):
            found = resources(project)
            print(f"{label}: {len(found)} resources, root stack {sum(1 for r in found.values() if r['stack'] == 'root')}")
            for name in ("api", "worker", *ADDED):
                mine = owned(found, name)
                in_root = sum(1 for r in mine.values() if r["stack"] == "root")
                print(f"  {name:7} {len(mine):3} resources ({in_root} in the root stack): {', '.join(sorted(mine))}")
        each, in_root, shared, one, split = capacity(ours)
        print(
            f"one stack (split_stacks=false): about {one} HTTP functions ({each} resources each, {shared} shared); "
            f"with split-stacks the root keeps {in_root} of them: about {split} HTTP functions"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
