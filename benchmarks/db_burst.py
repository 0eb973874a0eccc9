"""A Lambda scale-out burst against a database that allows 20 connections: managed db client vs naive ones.

Simulated containers are processes, each with its own copy of the rendered db module (its own module
state, as a Lambda container has). A burst of invocations arrives at once and every container takes
the next one as soon as it is free; each invocation runs one short statement that holds the connection
for a few milliseconds, then ends. Three clients, side by side:

  managed           the generated db module (lazy connect, reuse, retries with jitter, end() decision)
  open-per-request  connect, query, close, no retry (what a handler without a pool usually does)
  keep-open         connect once per container, keep it forever, no retry (a module-level connection)

Reports failed invocations, p50/p99 latency and the peak number of server connections (sampled), the
median of several runs for each client, for MariaDB and PostgreSQL started from the Debian binaries.

With --tls the servers speak TLS (a certificate from a CA made for the run) and every client verifies it: the
managed client with DB_TLS=verify-full and DB_CA_BUNDLE, the naive ones with the drivers' own verify options.
Without it the servers offer no TLS and the managed client runs with DB_TLS=disable, as in 0.1.0's numbers.

    python benchmarks/db_burst.py [--engine mysql|postgres|both] [--containers 80] [--invocations 2000] [--runs 3] [--tls]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.databases import Server, load_db, running  # noqa: E402
from tests.support.tls import TestCA  # noqa: E402

CLIENTS = ("managed", "open-per-request", "keep-open")
FUNCTION_TIMEOUT_S = 6.0  # the generated project's default function timeout


class LambdaContext:
    """A countdown to the function timeout, as Lambda's context object gives it."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - time.monotonic()) * 1000))


def work_sql(server: Server, ms: float) -> str:
    """One statement that keeps its connection busy for ``ms`` milliseconds, like a small real query."""
    seconds = ms / 1000
    return f"SELECT SLEEP({seconds}) AS w" if server.engine == "mysql" else f"SELECT pg_sleep({seconds}) AS w"


def raw_connect(server: Server) -> Any:
    """A driver connection with the same timeout a handler would use; TLS verified when the server has it."""
    if server.engine == "mysql":
        import pymysql

        # With TLS, what a handler verifying it writes: PyMySQL builds a context (loading the CA) on every connect.
        # Without (the server offers none): ssl_disabled, or PyMySQL would still build a TLS context (tens of ms of
        # CPU) per connect, measuring PyMySQL rather than connection management.
        tls = {"ssl_ca": str(server.tls.ca), "ssl_verify_cert": True, "ssl_verify_identity": True} if server.tls else {"ssl_disabled": True}
        return pymysql.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=server.database,
            connect_timeout=5,
            **tls,
        )
    import psycopg

    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=server.database,
        connect_timeout=5,
        autocommit=True,
        **({"sslmode": "verify-full", "sslrootcert": str(server.tls.ca)} if server.tls else {"sslmode": "disable"}),
    )


def raw_query(conn: Any, sql: str) -> None:
    cur = conn.cursor()
    cur.execute(sql)
    cur.fetchall()
    cur.close()


class OpenPerRequest:
    """Connect, query, close; no retry."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def invoke(self, sql: str) -> None:
        conn = raw_connect(self.server)
        try:
            raw_query(conn, sql)
        finally:
            conn.close()

    def close(self) -> None:
        pass


class KeepOpen:
    """A module-level connection opened on first use and never closed; no retry."""

    def __init__(self, server: Server) -> None:
        self.server, self.conn = server, None

    def invoke(self, sql: str) -> None:
        if self.conn is None:
            self.conn = raw_connect(self.server)
        try:
            raw_query(self.conn, sql)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


class Managed:
    """The generated db module, one copy per container."""

    count = 0

    def __init__(self, package: Path) -> None:
        Managed.count += 1
        self.db = load_db(package, f"bench_db_{Managed.count}")
        self.db._get()  # the driver import belongs to the container's init phase (full CPU), not to the burst

    def invoke(self, sql: str) -> None:
        self.db.set_deadline(LambdaContext(FUNCTION_TIMEOUT_S))
        try:
            self.db.query(sql)
        finally:
            self.db.end()

    def close(self) -> None:
        self.db.close()


@dataclass
class Result:
    client: str
    failed: int
    p50_ms: float
    p99_ms: float
    peak_connections: int
    seconds: float
    counters: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _container(instance: Any, sql: str, next_job: Any, invocations: int, start: Any, results: Any) -> None:
    """One simulated container (a forked process): take invocations until none is left, then report."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the managed client's metric lines (EMF) stay written, unseen
    start.wait()
    while True:
        with next_job.get_lock():
            if next_job.value >= invocations:
                break
            next_job.value += 1
        began = time.perf_counter()
        try:
            instance.invoke(sql)
        except Exception as err:
            key = f"{type(err).__name__}: {str(err)[:60]}"
            errors[key] = errors.get(key, 0) + 1
            continue
        latencies.append((time.perf_counter() - began) * 1000)
    counters = dict(instance.db.stats()) if isinstance(instance, Managed) else {}
    instance.close()
    results.put((latencies, errors, counters))


def burst(server: Server, make: Callable[[], Any], name: str, containers: int, invocations: int, work_ms: float) -> Result:
    """Run ``invocations`` through ``containers`` concurrent containers; measure failures, latency, peak connections.

    Each container is a forked process (its own copy of the module state, its own scheduling by the OS),
    so containers do not queue behind one interpreter lock as threads would.
    """
    server.reset()
    ctx = multiprocessing.get_context("fork")
    next_job = ctx.Value("l", 0)
    start = ctx.Barrier(containers + 1)
    results = ctx.Queue()
    stop_sampling = threading.Event()
    peak = [0]
    admin = server.admin()  # before the burst: later even the administrator's spare slot may be taken

    def sample() -> None:
        cur = admin.cursor()
        if server.engine == "mysql":
            counting = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s"
        else:
            counting = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
        while not stop_sampling.is_set():
            cur.execute(counting, (server.user,))
            peak[0] = max(peak[0], int(cur.fetchone()[0]))
            time.sleep(0.02)
        admin.close()

    instance = make()  # loaded once, before any connection: every fork gets its own copy of this state
    procs = [
        ctx.Process(target=_container, args=(instance, work_sql(server, work_ms), next_job, invocations, start, results))
        for _ in range(containers)
    ]
    for p in procs:
        p.start()
    sampler = threading.Thread(target=sample)
    sampler.start()
    start.wait()
    began = time.perf_counter()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counters: dict[str, int] = {}
    for _ in procs:
        lat, errs, count = results.get()
        latencies.extend(lat)
        for key, value in errs.items():
            errors[key] = errors.get(key, 0) + value
        for key, value in count.items():
            counters[key] = counters.get(key, 0) + value
    seconds = time.perf_counter() - began
    for p in procs:
        p.join()
    stop_sampling.set()
    sampler.join()
    failed = sum(errors.values())
    return Result(name, failed, percentile(latencies, 0.5), percentile(latencies, 0.99), peak[0], seconds, counters, errors)


def render(engine: str, workdir: Path) -> Path:
    """The generated project's db package for ``engine`` (direct access), rendered by slsguard itself."""
    from generator import new_project as new

    os.environ["HOME"] = str(workdir)  # no cookiecutter replay in the real HOME
    project = new({"project_name": f"bench {engine}", "database": engine, "database_access": "direct"}, workdir / "out")
    return project / project.name.replace("-", "_") / "db"


def run_engine(engine: str, args: argparse.Namespace, workdir: Path) -> list[Result]:
    package = render(engine, workdir / engine)
    medians = []
    tls = TestCA(workdir / f"{engine}-ca").issue(engine) if args.tls else None
    with running(engine, max_connections=args.max_connections, tls=tls) as server:
        for k, v in server.env().items():
            os.environ[k] = v
        makers = {
            "managed": lambda: Managed(package),
            "open-per-request": lambda: OpenPerRequest(server),
            "keep-open": lambda: KeepOpen(server),
        }
        for client in args.clients:
            runs = [burst(server, makers[client], client, args.containers, args.invocations, args.work_ms) for _ in range(args.runs)]
            for r in runs:
                print(
                    f"  {engine:8} {client:17} failed={r.failed:5d} p50={r.p50_ms:7.1f} ms p99={r.p99_ms:7.1f} ms "
                    f"peak={r.peak_connections:3d} {r.seconds:5.1f} s {dict(r.counters) or ''}",
                    file=sys.stderr,
                )
            medians.append(
                Result(
                    client,
                    int(statistics.median(r.failed for r in runs)),
                    statistics.median(r.p50_ms for r in runs),
                    statistics.median(r.p99_ms for r in runs),
                    int(statistics.median(r.peak_connections for r in runs)),
                    statistics.median(r.seconds for r in runs),
                    runs[-1].counters,
                    runs[-1].errors,
                )
            )
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["mysql", "postgres", "both"], default="both")
    parser.add_argument("--containers", type=int, default=80)
    parser.add_argument("--invocations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-connections", type=int, default=20)
    parser.add_argument("--work-ms", type=float, default=5.0, help="how long each invocation's statement holds its connection")
    parser.add_argument("--clients", nargs="+", choices=CLIENTS, default=list(CLIENTS))
    parser.add_argument("--tls", action="store_true", help="servers with TLS, every client verifying it")
    parser.add_argument("--set", nargs="*", default=[], metavar="DB_KEY=VALUE", help="tuning knobs for the managed client")
    args = parser.parse_args(argv)
    for pair in args.set:
        key, _, value = pair.partition("=")
        os.environ[key] = value
    logging.disable(logging.WARNING)  # the managed client's log lines would drown the table
    engines = ["mysql", "postgres"] if args.engine == "both" else [args.engine]
    print(
        f"{args.containers} containers, {args.invocations} invocations, max_connections={args.max_connections}, "
        f"{args.work_ms:g} ms per statement; TLS {'verified' if args.tls else 'off'}; median of {args.runs} runs {' '.join(args.set)}"
    )
    print("| engine | client | failed | p50 ms | p99 ms | peak connections |")
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="slsguard-db-burst-") as tmp:
        for engine in engines:
            for r in run_engine(engine, args, Path(tmp)):
                print(f"| {engine} | {r.client} | {r.failed} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.peak_connections} |", flush=True)
                if r.errors:
                    top = sorted(r.errors.items(), key=lambda kv: -kv[1])[:2]
                    print(f"|  |  errors (last run): {'; '.join(f'{n}x {k}' for k, n in top)} | | | | |", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
