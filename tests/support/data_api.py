"""data-api-local (npm, in tests/data_api_local): a Data API emulator in front of the session's PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from .databases import free_port
from .paths import TESTS

EMULATOR = TESTS / "data_api_local"
CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:app"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
AWS_ENV = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def emulator(postgres_server) -> Iterator[str]:
    """data-api-local on a free port, in front of the session's PostgreSQL; yields its endpoint URL."""
    if not (EMULATOR / "node_modules" / "data-api-local").is_dir():
        raise RuntimeError(f"data-api-local is not installed: npm ci --prefix {EMULATOR} (.ci/run does this)")
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PGPORT": str(postgres_server.port),
        "PGUSER": postgres_server.user,
        "PGPASSWORD": postgres_server.password,
        "PGDATABASE": postgres_server.database,
    }
    process = subprocess.Popen([shutil.which("node") or "node", str(EMULATOR / "serve.js")], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("data-api-local did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
