"""Run a generated project's own tools the way its README tells a user to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HANDLER_SETTINGS = ("POWERTOOLS_", "AWS_LAMBDA_", "DB_")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any setting the generated handlers read, plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(HANDLER_SETTINGS) and k not in ("MAX_BODY_BYTES", "TIME_BUDGET_MARGIN_MS")
    }
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def run_project_tests(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` inside a generated project (its one documented test command)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_npm_script(project: Path, script: str, *, path: list[Path] = (), timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``npm run <script>`` inside a generated project, with ``path`` folders first on PATH (its tools)."""
    search = os.pathsep.join([*(str(p) for p in path), os.environ.get("PATH", os.defpath)])
    return subprocess.run(
        ["npm", "run", "--silent", script],
        cwd=project,
        env={**os.environ, "PATH": search, "BC_SKIP_MAPPING": "TRUE"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
