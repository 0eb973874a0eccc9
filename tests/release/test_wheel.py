"""The wheel: built into dist/ from this checkout, installed into a fresh virtualenv the way pip installs it
(every .py file compiled to bytecode, the template's too), used as a user would.

What the generated CI installs is this file until a release is on an index: the generated requirements-dev.txt
names it (generator/answers/pins.py)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from generator import __version__
from tests.support.projects import clean_env, run_project_tests
from tests.support.wheel import build, install, installed_template, run


def user_env(**extra: str) -> dict[str, str]:
    """A user's environment: bytecode written as usual (clean_env turns it off for the tests' own runs)."""
    env = clean_env(**extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def caches(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.name == "__pycache__" or p.suffix in (".pyc", ".pyo"))


@pytest.mark.slow
def test_the_wheel_installs_and_runs_new_and_add_without_copying_bytecode(tmp_path: Path) -> None:
    # GIVEN a wheel built from this checkout, installed as pip does: the template's .py files compiled into __pycache__
    wheel = build()
    bin_dir = install(wheel, tmp_path / "venv", user_env())
    slsguard = bin_dir / "slsguard"
    assert caches(installed_template(bin_dir)), "pip compiled nothing: this test would not see the bug it guards against"

    # WHEN it generates a project from anywhere
    assert run(slsguard, "--version", cwd=tmp_path, env=user_env()).stdout.strip() == f"slsguard {__version__}"
    run(slsguard, "new", "--no-input", "--set", "project_name=Wheel Check", tmp_path, cwd=tmp_path, env=user_env())
    project = tmp_path / "wheel-check"

    # THEN no compiled file or cache reaches the project or its recorded base, and upgrade --check finds it current
    assert caches(project) == []
    with tarfile.open(fileobj=io.BytesIO((project / ".slsguard" / "base.tar.gz").read_bytes())) as base:
        assert [n for n in base.getnames() if "__pycache__" in n or n.endswith(".pyc")] == []
    current = f"wheel-check is up to date with slsguard {__version__} and its answers."
    assert run(slsguard, "upgrade", "--check", cwd=project, env=user_env()).stdout.strip() == current
    # and from another installation of the same wheel, as a CI job installs it afresh (pip stamps the bytecode it
    # compiles with the install time, so copied .pyc files differed between installations)
    other = install(wheel, tmp_path / "ci-venv", user_env())
    assert run(other / "slsguard", "upgrade", "--check", cwd=project, env=user_env()).stdout.strip() == current
    recorded = json.loads((project / ".slsguard" / "answers.json").read_text())
    assert recorded["slsguard_version"] == __version__
    # the wheel is not on an index: requirements-dev.txt names the installed wheel, which pip can install again
    assert f"slsguard @ {wheel.resolve().as_uri()}" in (project / "requirements-dev.txt").read_text().splitlines()

    # AND functions added to it work, and the project's own tests pass (leaving their own caches, which are not generated)
    run(slsguard, "add", "nightly", "--trigger", "schedule", cwd=project, env=user_env())
    run(slsguard, "add", "mailer", "--trigger", "sqs", "--project", project, cwd=tmp_path, env=user_env())
    assert (project / "wheel_check" / "nightly.py").is_file() and (project / "tests" / "events" / "mailer.json").is_file()
    result = run_project_tests(project, env=user_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert caches(project), "the project's tests wrote no bytecode: the check below would prove nothing"
    assert run(slsguard, "upgrade", "--check", cwd=project, env=user_env()).stdout.strip() == current
