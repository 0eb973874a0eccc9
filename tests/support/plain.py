"""A Python with cookiecutter and nothing of slsguard: proves the template works on its own."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

from .paths import REPO

PLAIN_VENV = REPO / ".cache" / "plain-cookiecutter"


def plain_cookiecutter() -> Path:
    """The ``cookiecutter`` command of a venv holding only cookiecutter (created once, then reused)."""
    exe = PLAIN_VENV / "bin" / "cookiecutter"
    if not exe.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(PLAIN_VENV)
        subprocess.run(
            [str(PLAIN_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "cookiecutter>=2.6,<3"],
            check=True,
        )
    probe = subprocess.run([str(PLAIN_VENV / "bin" / "python"), "-c", "import questionary"], capture_output=True)
    assert probe.returncode != 0, "the plain venv must not have slsguard's dependencies"
    return exe


def run_plain(output_dir: Path, *pairs: str) -> subprocess.CompletedProcess[str]:
    """``cookiecutter <repo> --no-input KEY=VALUE ...`` with the plain venv, outside the repo."""
    output_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(plain_cookiecutter()), str(REPO), "--no-input", "-o", str(output_dir), *pairs],
        capture_output=True,
        text=True,
        cwd=output_dir,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(output_dir.parent)},
    )
