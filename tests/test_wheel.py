"""The wheel: built into dist/ from this checkout, installed into a fresh virtualenv, used as a user would.

Publishing is then one upload away: what the generated CI installs (``slsguard==<version>``) is this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from support.projects import clean_env, run_project_tests

from generator import __version__

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900, env=clean_env())
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_the_wheel_installs_and_runs_new_and_add(tmp_path: Path) -> None:
    # GIVEN a wheel built from this checkout with the build backend pyproject.toml names (hatchling)
    wheel = DIST / f"slsguard-{__version__}-py3-none-any.whl"
    wheel.unlink(missing_ok=True)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", REPO, "-w", DIST)
    assert wheel.is_file()

    # WHEN it is installed into an empty virtualenv (dependencies from the package index)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel)
    slsguard = bin_dir / "slsguard"

    # THEN the installed command works from anywhere: version, a new project, a function added to it
    assert run(slsguard, "--version", cwd=tmp_path).stdout.strip() == f"slsguard {__version__}"
    run(slsguard, "new", "--no-input", "--set", "project_name=Wheel Check", tmp_path, cwd=tmp_path)
    project = tmp_path / "wheel-check"
    recorded = json.loads((project / ".slsguard" / "answers.json").read_text())
    assert recorded["slsguard_version"] == __version__
    assert f"slsguard=={__version__}" in (project / "requirements-dev.txt").read_text().splitlines()
    run(slsguard, "add", "nightly", "--trigger", "schedule", cwd=project)
    run(slsguard, "add", "mailer", "--trigger", "sqs", "--project", project, cwd=tmp_path)
    assert (project / "wheel_check" / "nightly.py").is_file() and (project / "tests" / "events" / "mailer.json").is_file()
    result = run_project_tests(project)
    assert result.returncode == 0, result.stdout + result.stderr
