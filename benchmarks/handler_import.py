"""Cold import and warm request time of the generated handlers, against a bare interpreter and a Powertools handler.

Goals (issue 18): the generated API handler imports in < 50 ms over a bare interpreter (default and postgres
projects), and guard's warm cost per request, its JSON access line included, is at most 25 µs over a bare
handler, where the idiomatic Powertools handler (Logger with a correlation id + APIGatewayRestResolver, written
below) writing the same access line costs ~85 µs. Init is billed since 1 Aug 2025: these milliseconds are money.

Cold: fresh interpreters, interleaved (bare, handler, Powertools handler, bare, ...) so machine load hits all
alike, each run from the project root (where Lambda imports the handler from the zip root). The project's own
modules are compiled on every run (no __pycache__, PYTHONDONTWRITEBYTECODE=1) because Lambda's /var/task is
read-only. Reported: medians of wall and CPU time (user + system of the child, which a busy shared machine
disturbs less), and the overheads as medians of the back-to-back differences.

Warm: one process imports every handler (a bare one that only returns a response dict, slsguard's, Powertools'
with and without the access line), answers a few hundred requests each to warm up, then runs rounds of one
block of 50 requests per handler, interleaved (REST GET /health, the project's sample event). Reported: median
per-request CPU time of each, and guard's cost as the median of the per-round differences slsguard - bare.

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
GOALS_MS = {"default (api=rest)": 50.0, "api=http, database=postgres": 50.0}
WARM_GOAL_US = 25.0  # guard's cost per warm request over a bare handler, access line included
PROJECTS = {
    "default (api=rest)": {},
    "api=http, database=postgres": {"api": "http", "database": "postgres", "database_access": "rds-proxy"},
}
POWERTOOLS_MODULE = "powertools_handler"
POWERTOOLS_HANDLER = '''"""The idiomatic Powertools REST handler: Logger with a correlation id and APIGatewayRestResolver."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths

logger = Logger(service="powertools-bench")
app = APIGatewayRestResolver()


@app.get("/health")
def health():
    return {"status": "ok", "service": "powertools-bench"}


@app.post("/items")
def create_item():
    return {"name": app.current_event.json_body["name"]}, 201


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):
    return app.resolve(event, context)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler_with_access_line(event, context):
    """The same, plus the one line per request that slsguard's guard writes ("request done", status, duration)."""
    response = app.resolve(event, context)
    logger.info("request done", extra={"status": response["statusCode"], "method": "GET", "path": "/health", "duration_ms": 0.1})
    return response
'''
WARM_SCRIPT = """
import json, statistics, sys, time, uuid, importlib
class Context:
    function_name = "bench"; memory_limit_in_mb = 1024; invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    def __init__(self): self.aws_request_id = str(uuid.uuid4()); self._end = time.monotonic() + 6
    def get_remaining_time_in_millis(self): return int((self._end - time.monotonic()) * 1000)
def bare(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"status":"ok"}', "isBase64Encoded": False}
event = json.load(open("tests/events/rest_get_items.json"))
event.update(path="/health", resource="/health")  # a route that touches nothing behind the function
pt = importlib.import_module(sys.argv[2])
handlers = {"bare": bare, "slsguard": importlib.import_module(sys.argv[1]).handler, "powertools": pt.handler, "powertools+line": pt.handler_with_access_line}
for name, h in handlers.items():
    for _ in range(300):
        assert h(event, Context())["statusCode"] == 200, name
blocks = {name: [] for name in handlers}
for _ in range(int(sys.argv[3])):
    for name, h in handlers.items():
        contexts = [Context() for _ in range(50)]  # made outside the timed block: the same for every handler
        started = time.process_time()  # CPU time of this process: what Lambda bills, and what load disturbs least
        for context in contexts:
            h(event, context)
        blocks[name].append((time.process_time() - started) / 50 * 1e6)
out = {name: statistics.median(v) for name, v in blocks.items()}
for name in ("slsguard", "powertools", "powertools+line"):
    out[name + "-bare"] = statistics.median(a - b for a, b in zip(blocks[name], blocks["bare"]))
print(json.dumps(out), file=sys.stderr)
"""


def env() -> dict[str, str]:
    """The current environment minus anything the handlers read, with bytecode writing off."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_LAMBDA_", "DB_"))}
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
    """Render one project with slsguard's library API, plus the Powertools handler next to its package."""
    from generator import new_project as new

    project = new(answers, workdir / ("p" + str(len(list(workdir.iterdir())))))
    (project / f"{POWERTOOLS_MODULE}.py").write_text(POWERTOOLS_HANDLER)
    return project


def measure(project: Path, module: str, runs: int) -> dict[str, float]:
    """Medians (ms) of bare, handler and Powertools-handler interpreters, interleaved, and the paired overheads."""
    sides = {"bare": "pass", "handler": f"import {module}", "powertools": f"import {POWERTOOLS_MODULE}"}
    samples: dict[str, list[float]] = {f"{side}_{kind}": [] for side in sides for kind in ("wall", "cpu")}
    for code in sides.values():
        timed(code, project)  # warm the OS file cache and the site-packages bytecode once
    for _ in range(runs):
        for cache in project.rglob("__pycache__"):
            shutil.rmtree(cache)
        for side, code in sides.items():
            wall, cpu = timed(code, project)
            samples[f"{side}_wall"].append(wall)
            samples[f"{side}_cpu"].append(cpu)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    # overheads: the median of back-to-back differences, which load drifting during the run shifts least
    for kind in ("wall", "cpu"):
        bare = samples[f"bare_{kind}"]
        for side in ("handler", "powertools"):
            medians[f"{side}_over_{kind}"] = statistics.median(h - b for h, b in zip(samples[f"{side}_{kind}"], bare, strict=True))
        medians[f"handler_minus_powertools_{kind}"] = statistics.median(
            h - p for h, p in zip(samples[f"handler_{kind}"], samples[f"powertools_{kind}"], strict=True)
        )
    return medians


def warm(project: Path, module: str, blocks: int) -> dict[str, float]:
    """Median µs per warm request of the slsguard handler and the Powertools handler, in one process."""
    run = subprocess.run(
        [sys.executable, "-c", WARM_SCRIPT, module, POWERTOOLS_MODULE, str(blocks)],
        cwd=project,
        env=env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    import json

    return json.loads(run.stderr.strip().splitlines()[-1])


def top_imports(project: Path, module: str, count: int = 8) -> list[str]:
    """The slowest imports (cumulative µs) from ``python -X importtime``, to see where the time goes."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=project, env=env(), capture_output=True, text=True, check=True
    )
    rows = [line.split("|") for line in run.stderr.splitlines() if line.startswith("import time:") and "cumulative" not in line]
    rows.sort(key=lambda r: int(r[1]), reverse=True)
    return [f"{int(r[1]) / 1000:7.1f} ms  {r[2].rstrip()}" for r in rows[:count]]


def report(label: str, m: dict[str, float]) -> None:
    """Two lines: wall and CPU medians of the three sides and the overheads."""
    for kind in ("wall", "cpu"):
        print(
            f"{label}  {kind:4s}: bare {m[f'bare_{kind}']:5.1f}  handler {m[f'handler_{kind}']:5.1f}  powertools {m[f'powertools_{kind}']:5.1f}"
            f"  | over bare: handler {m[f'handler_over_{kind}']:5.1f}  powertools {m[f'powertools_over_{kind}']:5.1f}"
            f"  | handler - powertools {m[f'handler_minus_powertools_{kind}']:+5.1f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per side (default 15)")
    parser.add_argument("--warm-blocks", type=int, default=40, help="alternating blocks of 50 warm requests (default 40)")
    parser.add_argument("--importtime", action="store_true", help="also list the slowest imports")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]} ({sys.executable}), {args.runs} runs per side, medians; load average {load}")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="slsguard-bench-") as scratch:
        work = Path(scratch)
        os.environ["HOME"] = str(work)  # cookiecutter's replay files stay in the scratch folder
        for label, answers in PROJECTS.items():
            project = render(work, answers)
            package = next(p.parent.name for p in project.glob("*/guard.py"))
            module = f"{package}.api"
            m = measure(project, module, args.runs)
            report(f"{label:28s} api", m)
            if args.importtime:
                print("\n".join("    " + line for line in top_imports(project, module)))
            w = warm(project, module, args.warm_blocks)
            print(
                f"{label:28s} warm request CPU: bare {w['bare']:5.1f} µs  slsguard {w['slsguard']:6.1f} µs"
                f"  powertools {w['powertools']:6.1f} µs  powertools + the access line {w['powertools+line']:6.1f} µs"
                f"  | over bare: slsguard {w['slsguard-bare']:5.1f} µs  powertools + line {w['powertools+line-bare']:5.1f} µs"
            )
            goal = GOALS_MS[label]
            verdicts.append(
                f"{label}: over bare {m['handler_over_wall']:.1f} ms wall / {m['handler_over_cpu']:.1f} ms CPU (goal < {goal:.0f}: "
                f"{'met' if m['handler_over_wall'] < goal else 'wall NOT met'}{'' if m['handler_over_cpu'] < goal else ', CPU NOT met'}); "
                f"against Powertools {m['handler_minus_powertools_wall']:+.1f} ms wall ({'met' if m['handler_minus_powertools_wall'] <= 0 else 'NOT met'}); "
                f"warm guard cost {w['slsguard-bare']:.1f} µs CPU (goal <= {WARM_GOAL_US:.0f}: "
                f"{'met' if w['slsguard-bare'] <= WARM_GOAL_US else 'NOT met'}; Powertools + line {w['powertools+line-bare']:.1f} µs)"
            )
        print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
