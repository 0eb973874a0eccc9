"""Connection setup time of the generated db module: verified TLS against plain, on the same local server.

One MariaDB and one PostgreSQL speak TLS (a certificate from a CA made for the run) and still accept plain
logins. Two containers (copies of the rendered db module) reach the same server: one with DB_TLS=verify-full
and DB_CA_BUNDLE=the run's CA, one with DB_TLS=disable. Each sample closes the container's connection and
times the next ``SELECT 1`` (connect, TLS handshake when on, login, one round trip); the two containers
alternate, the first of each pair switching every round, and the paired differences give the TLS cost.
Also printed: what loading the shipped RDS bundle costs, which libpq pays on every connect and PyMySQL (through
the container's SSLContext) once per container.

    python benchmarks/db_tls_connect.py [--runs 41] [--engine mysql|postgres|both]
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.databases import Server, load_db, running  # noqa: E402
from tests.support.tls import TestCA  # noqa: E402

RDS_BUNDLE = REPO / "{{cookiecutter.project_slug}}" / "{{cookiecutter.package_name}}" / "db" / "certs" / "rds-global-bundle.pem"


def container(package: Path, server: Server, alias: str, **env: str) -> Any:
    """A fresh copy of the db module configured for ``server`` (settings are read on its first statement)."""
    for key, value in {**server.env(), **env}.items():
        os.environ[key] = value
    db = load_db(package, alias)
    db.query("SELECT 1")  # driver import, settings and (with TLS) the SSLContext: a container's first use
    return db


def timed_connect(db: Any) -> float:
    """Milliseconds to open a new connection and run one statement on it."""
    db.close()
    started = time.perf_counter()
    db.query("SELECT 1")
    return (time.perf_counter() - started) * 1000


def measure(engine: str, runs: int, workdir: Path) -> dict[str, float]:
    from generator import new_project as new

    os.environ["HOME"] = str(workdir)
    project = new({"project_name": f"tls {engine}", "database": engine, "database_access": "direct"}, workdir / engine)
    package = project / project.name.replace("-", "_") / "db"
    with running(engine, tls=TestCA(workdir / f"{engine}-ca").issue(engine)) as server:
        sides = {
            "tls": container(package, server, f"tls_{engine}"),  # env(): DB_TLS=verify-full, DB_CA_BUNDLE=the CA
            "plain": container(package, server, f"plain_{engine}", DB_TLS="disable"),
        }
        samples: dict[str, list[float]] = {"tls": [], "plain": []}
        for i in range(runs):
            order = ("tls", "plain") if i % 2 == 0 else ("plain", "tls")
            for side in order:
                samples[side].append(timed_connect(sides[side]))
        for side, db in sides.items():
            assert db.stats()["connects"] == runs + 1, f"{side}: every sample must open a new connection"
            db.close()
    diffs = [t - p for t, p in zip(samples["tls"], samples["plain"], strict=True)]
    return {"tls": statistics.median(samples["tls"]), "plain": statistics.median(samples["plain"]), "diff": statistics.median(diffs)}


def bundle_load_ms(rounds: int = 21) -> float:
    """Median ms to build an SSL context from the shipped RDS bundle (87 certificates)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        ssl.create_default_context(cafile=str(RDS_BUNDLE))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41, help="connections per side (default 41)")
    parser.add_argument("--engine", choices=["mysql", "postgres", "both"], default="both")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # DB_TLS=disable's warning, once per container
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.runs} connections per side, alternating, medians; load average {load}")
    print("| engine | plain ms | verified TLS ms | TLS cost (paired) ms |")
    print("|---|---:|---:|---:|")
    engines = ["mysql", "postgres"] if args.engine == "both" else [args.engine]
    with tempfile.TemporaryDirectory(prefix="slsguard-tls-connect-") as tmp:
        for engine in engines:
            m = measure(engine, args.runs, Path(tmp))
            print(f"| {engine} | {m['plain']:.1f} | {m['tls']:.1f} | {m['diff']:+.1f} |", flush=True)
    print(f"building an SSLContext from the shipped RDS bundle: {bundle_load_ms():.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
