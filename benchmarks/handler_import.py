"""Cold import time of the generated handlers over a bare interpreter (goal: under 100 ms).

Renders projects, then times fresh interpreters, interleaved so machine load hits both sides alike:
``python -c pass`` against ``python -c "import <package>.api"`` run from the project root (where
Lambda imports the handler from the zip root). The project's own modules are compiled on every run
(no __pycache__, PYTHONDONTWRITEBYTECODE=1) because Lambda's /var/task is read-only, as it is for
the zip. Prints the median wall time of each and the overhead (median of the back-to-back
differences), and the same for CPU time (user + system of the child), which a busy shared machine
disturbs less than wall time.

    python benchmarks/handler_import.py [--runs 15] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_MS = 100.0
PROJECTS = {
    "default (api=rest)": {},
    "api=http, database=postgres": {"api": "http", "database": "postgres", "database_access": "rds-proxy"},
}


def env() -> dict[str, str]:
    """The current environment minus anything the handlers read, with bytecode writing off."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_LAMBDA_"))}
    return {**clean, "PYTHONDONTWRITEBYTECODE": "1"}


def timed(code: str, cwd: Path) -> tuple[float, float]:
    """Wall and CPU time in ms of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env(), check=True, stdout=subprocess.DEVNULL)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def render(workdir: Path, answers: dict[str, str]) -> Path:
    """Render one project with slsguard's library API, with HOME pointed at the scratch folder."""
    from generator import new

    return new(answers, workdir / ("p" + str(len(list(workdir.iterdir())))))


def measure(project: Path, code: str, runs: int) -> dict[str, float]:
    """Median wall and CPU ms of a bare interpreter and of running ``code`` (an import), interleaved."""
    samples: dict[str, list[float]] = {"bare_wall": [], "bare_cpu": [], "wall": [], "cpu": []}
    timed(code, project)  # warm the OS file cache and the site-packages bytecode once
    for _ in range(runs):
        for cache in project.rglob("__pycache__"):
            shutil.rmtree(cache)
        wall, cpu = timed("pass", project)
        samples["bare_wall"].append(wall)
        samples["bare_cpu"].append(cpu)
        wall, cpu = timed(code, project)
        samples["wall"].append(wall)
        samples["cpu"].append(cpu)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    # overhead: the median of back-to-back differences, which load drifting during the run shifts least
    medians["overhead_wall"] = statistics.median(h - b for h, b in zip(samples["wall"], samples["bare_wall"], strict=True))
    medians["overhead_cpu"] = statistics.median(h - b for h, b in zip(samples["cpu"], samples["bare_cpu"], strict=True))
    return medians


def top_imports(project: Path, module: str, count: int = 8) -> list[str]:
    """The slowest imports (cumulative µs) from ``python -X importtime``, to see where the time goes."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=project, env=env(), capture_output=True, text=True, check=True
    )
    rows = [line.split("|") for line in run.stderr.splitlines() if line.startswith("import time:") and "cumulative" not in line]
    rows.sort(key=lambda r: int(r[1]), reverse=True)
    return [f"{int(r[1]) / 1000:7.1f} ms  {r[2].rstrip()}" for r in rows[:count]]


def report(label: str, m: dict[str, float]) -> None:
    """One line: wall and CPU medians of both sides and the overhead."""
    print(
        f"{label}  wall: bare {m['bare_wall']:5.1f}  import {m['wall']:5.1f}  overhead {m['overhead_wall']:5.1f} ms"
        f"  |  cpu: bare {m['bare_cpu']:5.1f}  import {m['cpu']:5.1f}  overhead {m['overhead_cpu']:5.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per side (default 15)")
    parser.add_argument("--importtime", action="store_true", help="also list the slowest imports")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]} ({sys.executable}), {args.runs} runs per side, medians; load average {load}")
    with tempfile.TemporaryDirectory(prefix="slsguard-bench-") as scratch:
        work = Path(scratch)
        os.environ["HOME"] = str(work)  # cookiecutter's replay files stay in the scratch folder
        worst = 0.0
        for label, answers in PROJECTS.items():
            project = render(work, answers)
            package = next(p.parent.name for p in project.glob("*/guard.py"))
            for handler in ("api", "worker"):
                module = f"{package}.{handler}"
                m = measure(project, f"import {module}", args.runs)
                worst = max(worst, m["overhead_wall"])
                report(f"{label:28s} {handler:6s}", m)
                if args.importtime and handler == "api":
                    print("\n".join("    " + line for line in top_imports(project, module)))
        # for scale: what the Powertools Logger alone costs (the layer's share of the overhead)
        report(f"{'Powertools Logger alone':35s}", measure(project, "from aws_lambda_powertools import Logger", args.runs))
    verdict = "within" if worst < GOAL_MS else "OVER"
    print(f"worst wall-time overhead {worst:.1f} ms: {verdict} the {GOAL_MS:.0f} ms goal")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
