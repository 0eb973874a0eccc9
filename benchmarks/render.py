"""Benchmark: `slsguard new --no-input` vs plain `cookiecutter --no-input`, same template and answers.

Whole processes, as a user runs them: each run starts a fresh interpreter and writes a new project
into an empty folder (HOME points at a scratch folder, so cookiecutter's replay file lands there).
Runs alternate between the two commands so both see the same machine load. Reports the median wall
time and the median CPU time (user + system of the child, steadier on a busy machine) per answer set,
and slsguard's overhead against cookiecutter. Goal: slsguard adds at most 20% and stays under 0.5 s.

    python benchmarks/render.py [--runs 15] [--importtime]
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
ANSWER_SETS = {
    "defaults": [],
    "database=postgres": ["database=postgres"],
    "mysql+data-api+http": ["database=mysql", "database_access=data-api", "api=http", "tracing=false"],
}
OVERHEAD_GOAL = 0.20
WALL_GOAL_S = 0.5


def _tool(name: str) -> list[str]:
    """The console script installed beside this interpreter (what a user's shell runs)."""
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "generator" if name == "slsguard" else name]


def commands(pairs: list[str], out: Path) -> dict[str, list[str]]:
    flags = [arg for pair in pairs for arg in ("--set", pair)]
    return {
        "slsguard": [*_tool("slsguard"), "new", "--no-input", *flags, str(out)],
        "cookiecutter": [*_tool("cookiecutter"), str(REPO), "--no-input", "-o", str(out), *pairs],
    }


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench(pairs: list[str], runs: int, scratch: Path, env: dict[str, str]) -> dict[str, dict[str, float]]:
    samples: dict[str, dict[str, list[float]]] = {"slsguard": {"wall": [], "cpu": []}, "cookiecutter": {"wall": [], "cpu": []}}
    for i in range(runs + 1):  # run 0 warms the file cache and is discarded
        order = ["slsguard", "cookiecutter"] if i % 2 else ["cookiecutter", "slsguard"]
        for tool in order:
            out = scratch / f"{tool}-{i}"
            wall, cpu = timed(commands(pairs, out)[tool], env)
            shutil.rmtree(out)
            if i:
                samples[tool]["wall"].append(wall)
                samples[tool]["cpu"].append(cpu)
    return {tool: {k: statistics.median(v) for k, v in s.items()} for tool, s in samples.items()}


OWN_WORK = """
import sys, time
import cookiecutter.main  # shared with plain cookiecutter (it brings jinja2 and yaml): not slsguard's cost
start = time.perf_counter()
from generator import cli
from generator.new import render, summary
from generator.answers.parse import complete, parse_set, validate
given = parse_set(sys.argv[1:])
answers = validate(given)
summary.next_commands(complete(given), render.target_dir("/nonexistent", answers["project_slug"]))
print(time.perf_counter() - start)
"""


def own_work(pairs: list[str], runs: int, env: dict[str, str]) -> float:
    """What slsguard does besides cookiecutter, in process: import its modules, validate, plan the next commands."""
    samples = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", OWN_WORK, *pairs], env=env, check=True, capture_output=True, text=True)
        samples.append(float(result.stdout))
    return statistics.median(samples)


def import_profile(scratch: Path, env: dict[str, str], top: int = 12) -> str:
    """The slowest cumulative imports of one `slsguard new --no-input` (python -X importtime)."""
    out = scratch / "importtime"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "generator", "new", "--no-input", str(out)], env=env, capture_output=True, text=True
    )
    rows = []
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            rows.append((int(cumulative), name))
    gui = [name for _, name in rows if name.split(".")[0] in ("questionary", "prompt_toolkit")]
    lines = [f"  {us / 1000:7.1f} ms  {name}" for us, name in sorted(rows, reverse=True)[:top]]
    lines.append(f"  prompt libraries imported on the --no-input path: {gui or 'none'}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--importtime", action="store_true", help="also print the slowest imports of slsguard's --no-input path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slsguard-bench-") as tmp:
        scratch = Path(tmp)
        env = {**os.environ, "HOME": str(scratch / "home")}
        (scratch / "home").mkdir()
        bare = statistics.median(timed([sys.executable, "-c", "pass"], env)[0] for _ in range(5))
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; bare interpreter start {bare * 1000:.0f} ms"
        )
        print(
            f"{'answers':<22} {'slsguard wall':>14} {'cookiecutter wall':>18} {'overhead':>9} {'slsguard cpu':>13} {'cookiecutter cpu':>17} {'overhead':>9}"
        )
        verdicts, own = [], []
        for label, pairs in ANSWER_SETS.items():
            m = bench(pairs, args.runs, scratch, env)
            s, c = m["slsguard"], m["cookiecutter"]
            wall_over, cpu_over = s["wall"] / c["wall"] - 1, s["cpu"] / c["cpu"] - 1
            print(
                f"{label:<22} {s['wall'] * 1000:>11.0f} ms {c['wall'] * 1000:>15.0f} ms {wall_over:>+8.0%} "
                f"{s['cpu'] * 1000:>10.0f} ms {c['cpu'] * 1000:>14.0f} ms {cpu_over:>+8.0%}"
            )
            verdicts.append(wall_over <= OVERHEAD_GOAL and s["wall"] < WALL_GOAL_S)
            own.append(own_work(pairs, args.runs, env))
        print(f"medians of {args.runs} runs each, alternating; load average now {os.getloadavg()[0]:.2f}")
        print(
            f"slsguard's own work in process (its modules, validation, next commands; cookiecutter preloaded): {', '.join(f'{o * 1000:.0f} ms' for o in own)}"
        )
        print(f"goal (<= +{OVERHEAD_GOAL:.0%} and < {WALL_GOAL_S} s median wall): {'met' if all(verdicts) else 'NOT met'}")
        if args.importtime:
            print("slowest imports of `slsguard new --no-input` (cumulative):")
            print(import_profile(scratch, env))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
