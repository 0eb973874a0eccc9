"""How long ``slsguard upgrade`` takes, whole process (interpreter start to exit).

Each run changes an answer (memory_size alternates 1024/2048), so every run re-renders, merges
serverless.yml with the user's edits and rewrites files. Two projects: a default one, and one
whose user added 50 functions (50 blocks in serverless.yml, 50 handler modules); each as a plain
folder and as a committed git repository (the clean-tree check runs git). Goal: median < 1 s.

    python benchmarks/upgrade.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.new.render import new  # noqa: E402

GOAL_S = 1.0


def add_user_functions(root: Path, count: int) -> None:
    """What a growing team does: one serverless.yml block and one module per function."""
    sls = root / "serverless.yml"
    text = sls.read_text()
    blocks = "".join(f"  job{i:02d}:\n    handler: my_service/jobs/job{i:02d}.handler\n    timeout: 10\n" for i in range(count))
    assert "\nfunctions:\n" in text, "serverless.yml has no top-level functions: block"
    sls.write_text(text.replace("\nfunctions:\n", "\nfunctions:\n" + blocks, 1))
    jobs = root / "my_service" / "jobs"
    jobs.mkdir()
    (jobs / "__init__.py").write_text("")
    for i in range(count):
        (jobs / f"job{i:02d}.py").write_text(f"def handler(event, context):\n    return {{'job': {i}}}\n")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def commit(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "state")


def cpu_children() -> float:
    """CPU seconds (user + sys) of every child process waited for so far, grandchildren included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process; CPU is the steadier number on a shared machine."""
    cpu_start, start = cpu_children(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    wall, cpu = time.perf_counter() - start, cpu_children() - cpu_start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:4])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return wall, cpu


Timings = list[tuple[float, float]]  # (wall, CPU) per run


def time_upgrades(root: Path, runs: int, use_git: bool) -> tuple[Timings, Timings]:
    """Upgrade timings, each paired with a 'slsguard new' run right after it (the same render, no merge).

    On a shared machine the load moves a lot between runs; the pair's difference is what the
    upgrade itself adds to rendering, and it is steadier than either number alone.
    """
    upgrades, renders = [], []
    scratch = root.parent / f"{root.name}-new"
    for i in range(runs):
        memory = 2048 if i % 2 == 0 else 1024
        upgrade = [sys.executable, "-m", "generator", "upgrade", str(root), "--no-input", "--set", f"memory_size={memory}"]
        upgrades.append(timed(upgrade, root))
        if use_git:
            commit(root)
        render = [sys.executable, "-m", "generator", "new", "--no-input", "--force", "--set", f"memory_size={memory}", str(scratch)]
        renders.append(timed(render, root))
    return upgrades, renders


def med(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="slsguard-bench-home-")
    os.environ.update(HOME=home, GIT_CONFIG_GLOBAL=str(Path(home, ".gitconfig")))
    os.environ.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid")
    os.environ.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    results = []
    with tempfile.TemporaryDirectory(prefix="slsguard-bench-") as tmp:
        for functions in (0, 50):
            for use_git in (False, True):
                root = new({}, Path(tmp, f"f{functions}-{'git' if use_git else 'plain'}"))
                if functions:
                    add_user_functions(root, functions)
                if use_git:
                    git(root, "init", "-q", "-b", "main")
                    commit(root)
                upgrades, renders = time_upgrades(root, args.runs, use_git)
                name = f"{f'{functions} user functions' if functions else 'default'}, {'git' if use_git else 'plain folder'}"
                results.append((name, upgrades, renders))
    bare = med([timed([sys.executable, "-c", "pass"], REPO)[0] for _ in range(args.runs)])
    load = os.getloadavg()[0]
    print(
        f"slsguard upgrade, whole process, median of {args.runs} runs (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load:.1f})"
    )
    print(f"  {'project':<32} {'wall':>7} {'CPU':>7} | {'new wall':>8} {'new CPU':>8} | {'upgrade - new (wall, CPU)':>26}")
    for name, upgrades, renders in results:
        wall, cpu = med([w for w, _ in upgrades]), med([c for _, c in upgrades])
        extra_wall = med([u[0] - r[0] for u, r in zip(upgrades, renders, strict=True)])
        extra_cpu = med([u[1] - r[1] for u, r in zip(upgrades, renders, strict=True)])
        new_wall, new_cpu = med([w for w, _ in renders]), med([c for _, c in renders])
        flag = "" if wall < GOAL_S else f"  (over the {GOAL_S:.0f} s goal)"
        print(
            f"  {name:<32} {wall:6.3f}s {cpu:6.3f}s | {new_wall:7.3f}s {new_cpu:7.3f}s | "
            f"{extra_wall * 1000:+10.0f} ms {extra_cpu * 1000:+8.0f} ms{flag}"
        )
    print(f"  a bare interpreter start (python -c pass) takes {bare * 1000:.0f} ms here; an upgrade starts three (CLI + two hooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
