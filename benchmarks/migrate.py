"""What `npm run migrate` costs: a first run (fresh database) and a no-op run, against one statement.

For each engine, starts a real server (tests/support/databases.py), renders a project, then runs fresh
interpreters from the project root, interleaved so machine load hits every side alike:
  reference  python -c "from <package> import db; db.query('SELECT 1')"   (interpreter, driver, one connect)
  first      python -m <package>.migrate on a new, empty database (creates schema_migrations and items)
  no-op      python -m <package>.migrate again on that database
Prints the median wall time of each and the medians of the back-to-back differences over the reference.

    python benchmarks/migrate.py [--runs 9]
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

from tests.support.databases import running  # noqa: E402
from tests.support.migrations import fresh_database  # noqa: E402


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time in ms of one command that must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def measure(engine: str, runs: int, workdir: Path) -> dict[str, list[float]]:
    """Interleaved samples of the three commands for one engine."""
    from generator import new_project as new

    project = new({"project_name": f"bench {engine}", "database": engine}, workdir)
    package = project.name.replace("-", "_")
    samples: dict[str, list[float]] = {"reference": [], "first": [], "no-op": []}
    with running(engine) as server:
        for _ in range(runs):
            env = {**os.environ, **server.env(), "DB_NAME": fresh_database(server), "PYTHONDONTWRITEBYTECODE": "1"}
            reference = [sys.executable, "-c", f"from {package} import db; db.query('SELECT 1')"]
            samples["reference"].append(timed(reference, project, env))
            samples["first"].append(timed([sys.executable, "-m", f"{package}.migrate"], project, env))
            samples["no-op"].append(timed([sys.executable, "-m", f"{package}.migrate"], project, env))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.1f}, {args.runs} runs each, medians")
    with tempfile.TemporaryDirectory(prefix="slsguard-bench-migrate-") as tmp:
        os.environ["HOME"] = tmp  # the render leaves no cookiecutter replay in the real HOME
        for engine in ("postgres", "mysql"):
            samples = measure(engine, args.runs, Path(tmp))
            ref = samples["reference"]
            line = [f"{engine:<9} reference {statistics.median(ref):6.0f} ms"]
            for name in ("first", "no-op"):
                overhead = statistics.median(b - a for a, b in zip(ref, samples[name], strict=True))
                line.append(f"{name} {statistics.median(samples[name]):6.0f} ms (+{overhead:.0f})")
            print(",  ".join(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
