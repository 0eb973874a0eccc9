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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.render import new  # noqa: E402

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


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:4])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed


def time_upgrades(root: Path, runs: int, use_git: bool) -> tuple[list[float], list[float]]:
    """Upgrade timings, each paired with a 'slsguard new' run right after it (the same render, no merge).

    On a shared machine the load moves a lot between runs; the pair's difference is what the
    upgrade itself adds to rendering, and it is far steadier than either number alone.
    """
    upgrades, renders = [], []
    scratch = root.parent / f"{root.name}-new"
    for i in range(runs):
        memory = 2048 if i % 2 == 0 else 1024
        upgrades.append(
            timed([sys.executable, "-m", "generator", "upgrade", str(root), "--no-input", "--set", f"memory_size={memory}"], root)
        )
        if use_git:
            commit(root)
        renders.append(
            timed([sys.executable, "-m", "generator", "new", "--no-input", "--force", "--set", f"memory_size={memory}", str(scratch)], root)
        )
    return upgrades, renders


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env_home = tempfile.mkdtemp(prefix="slsguard-bench-home-")
    os.environ.update(HOME=env_home, GIT_CONFIG_GLOBAL=str(Path(env_home, ".gitconfig")))
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
                name = f"{'default' if not functions else f'{functions} user functions'}, {'git' if use_git else 'plain folder'}"
                results.append((name, upgrades, renders))
    bare = statistics.median(timed([sys.executable, "-c", "pass"], REPO) for _ in range(args.runs))
    load = os.getloadavg()[0]
    print(
        f"slsguard upgrade, whole process, {args.runs} runs each (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load:.1f})"
    )
    for name, upgrades, renders in results:
        median = statistics.median(upgrades)
        extra = statistics.median(u - r for u, r in zip(upgrades, renders, strict=True))
        verdict = "ok" if median < GOAL_S else f"over the {GOAL_S:.0f} s goal"
        runs = " ".join(f"{s:.2f}" for s in upgrades)
        print(
            f"  {name:<32} median {median:.3f} s (min {min(upgrades):.3f}) {verdict}; "
            f"'slsguard new' median {statistics.median(renders):.3f} s; upgrade minus new: median {extra * 1000:+.0f} ms  [{runs}]"
        )
    print(
        f"  floor: a bare interpreter start (python -c pass) takes {bare * 1000:.0f} ms here; an upgrade starts three (the CLI and cookiecutter's two hooks)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
