"""``npm run offline`` in a generated project, as its README tells a user to run it, on free loopback ports."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .projects import clean_env
from .toolchain import ToolchainError, free_port, link_node_modules

READY = "Server ready:"
START_TIMEOUT_S = 300  # osls start-up under a loaded 2-core machine


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, lower-cased headers and the body (JSON-decoded when it is JSON)."""

    status: int
    headers: dict[str, str]
    body: object


@dataclass(frozen=True)
class Offline:
    """A running ``npm run offline``: where it listens and what it printed so far."""

    base: str
    log: list[str]

    def request(self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None) -> Reply:
        """Send one request; HTTP errors are answers too."""
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return _reply(resp.status, resp.headers.items(), resp.read())
        except urllib.error.HTTPError as err:
            return _reply(err.code, err.headers.items(), err.read())


def _reply(status: int, headers: object, raw: bytes) -> Reply:
    lowered = {k.lower(): v for k, v in headers}  # type: ignore[attr-defined]
    try:
        body: object = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return Reply(status, lowered, body)


def offline_env(home: Path, **extra: str) -> dict[str, str]:
    """The user's shell after `. .venv/bin/activate`: this venv's python3 (with Powertools) first on PATH."""
    env = clean_env(**extra)
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.defpath)}",
            "HOME": str(home),
            "SLS_TELEMETRY_DISABLED": "1",
            "SLS_NOTIFICATIONS_MODE": "off",
            "NODE_NO_WARNINGS": "1",
        }
    )
    return {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}


@contextlib.contextmanager
def run_offline(project: Path, home: Path, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Offline]:
    """Start ``npm run offline -- --httpPort P --lambdaPort Q``; yields once it serves; stops it (and its children) after."""
    link_node_modules(project)
    port, lambda_port = free_port(), free_port()
    cmd = ["npm", "run", "offline", "--", "--httpPort", str(port), "--lambdaPort", str(lambda_port), *args]
    process = subprocess.Popen(
        cmd,
        cwd=project,
        env={**offline_env(home), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log: list[str] = []
    ready = threading.Event()
    # One reader for the whole run: it records every line, notices readiness, and keeps the pipe drained (a full
    # pipe would stop the server mid-request). A select() on the pipe cannot be used here: lines already read into
    # the text buffer do not make the descriptor readable again, so "Server ready" could wait there unseen.
    threading.Thread(target=_read, args=(process, log, ready), daemon=True).start()
    try:
        _wait_ready(process, log, ready)
        yield Offline(f"http://127.0.0.1:{port}", log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _read(process: subprocess.Popen[str], log: list[str], ready: threading.Event) -> None:
    for line in process.stdout or ():
        log.append(line.rstrip("\n"))
        if READY in line:
            ready.set()


def _wait_ready(process: subprocess.Popen[str], log: list[str], ready: threading.Event) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        if ready.wait(timeout=0.5):
            return
    if ready.is_set():
        return
    raise ToolchainError("npm run offline did not become ready:\n" + "\n".join(log[-40:]))


def token(project: Path, *args: str) -> str:
    """A token from the project's local issuer, as its README gets one (`npm run --silent token -- ...`)."""
    result = subprocess.run(
        ["npm", "run", "--silent", "token", "--", *args],
        cwd=project,
        env=offline_env(project / ".home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
