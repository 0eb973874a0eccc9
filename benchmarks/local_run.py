"""Benchmark: the generated project run locally, as its README says: `npm run offline` and `npm run rehearse`.

For the default project (REST API): the time from starting `npm run offline` to the first 200 of
GET /dev/health, then the latency of a warm route (GET /dev/items) over many requests, next to the
same request answered by a bare local HTTP server (the floor of a loopback round trip); and the wall
time of `npm run rehearse` after one `osls package` (moto as split-stacks' CloudFormation).
Medians of several runs.

    python benchmarks/local_run.py [--runs 5] [--requests 50]
"""

from __future__ import annotations

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import new_project as new  # noqa: E402
from tests.support.offline import offline_env, run_offline  # noqa: E402
from tests.support.toolchain import moto_server, package  # noqa: E402


def get(url: str, headers: dict[str, str]) -> tuple[int, float]:
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as resp:
        resp.read()
        return resp.status, (time.perf_counter() - start) * 1000


def bare_floor(requests: int) -> list[float]:
    """A loopback HTTP round trip to Python's own server: what no local runner can beat."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return [get(f"http://127.0.0.1:{server.server_address[1]}/", {})[1] for _ in range(requests)]
    finally:
        server.shutdown()


def offline_runs(project: Path, home: Path, runs: int, requests: int) -> tuple[list[float], list[float]]:
    key = {"x-api-key": "bench-local-dev-default"}
    first, warm = [], []
    for _ in range(runs):
        start = time.perf_counter()
        with run_offline(project, home) as offline:
            while True:
                try:
                    status, _ = get(f"{offline.base}/dev/health", key)
                except OSError:
                    time.sleep(0.05)
                    continue
                if status == 200:
                    break
            first.append((time.perf_counter() - start) * 1000)
            get(f"{offline.base}/dev/items", key)  # the route's first call starts its Python worker
            warm += [get(f"{offline.base}/dev/items", key)[1] for _ in range(requests)]
    return first, warm


def rehearse_runs(project: Path, home: Path, runs: int) -> list[float]:
    env = {k: v for k, v in offline_env(home).items() if not k.startswith("AWS_")}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["npm", "run", "--silent", "rehearse"], cwd=project, env=env, check=True, capture_output=True, timeout=600)
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, values: list[float]) -> str:
    return f"{label:<44} median {statistics.median(values):8.1f} ms  (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = new({"project_name": "Bench Local"}, Path(tmp) / "out")
        home = Path(tmp) / "home"
        first, warm = offline_runs(project, home, args.runs, args.requests)
        floor = bare_floor(args.requests * args.runs)
        with moto_server() as server:
            os.environ.update(server.env())
            package(project, server, Path(tmp) / "cache")
        rehearse = rehearse_runs(project, home, args.runs)
    print(line("npm run offline: start to first 200", first))
    print(line("warm GET /dev/items through offline", warm))
    print(line("bare loopback HTTP round trip (floor)", floor))
    print(line("npm run rehearse (default project)", rehearse))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
