"""slsguard's wheel built from this checkout and installed as pip installs it, into a fresh virtualenv."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from generator import __version__

from .paths import REPO

DIST = REPO / "dist"  # ignored by .gitignore
WHEEL_NAME = f"slsguard-{__version__}-py3-none-any.whl"
# Read at import, before the tests' isolated HOME: download caches only (the packages are the same either way).
DOWNLOAD_CACHES = {"PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"), "npm_config_cache": str(Path.home() / ".npm")}


def run(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """A command that must succeed; its output is in the failure message."""
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def build(out: Path = DIST) -> Path:
    """The wheel of this checkout, built by the backend pyproject.toml names (hatchling)."""
    wheel = out / WHEEL_NAME
    wheel.unlink(missing_ok=True)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", REPO, "-w", out)
    assert wheel.is_file()
    return wheel


def install(wheel: Path, env_dir: Path, env: dict[str, str]) -> Path:
    """Install ``wheel`` into a new virtualenv as a user's ``pip install`` does, compiling every .py file to bytecode
    (pip's default); returns the venv's bin folder. ``env`` must not set PYTHONDONTWRITEBYTECODE."""
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--compile", wheel, env=env)
    return bin_dir


def installed_template(bin_dir: Path) -> Path:
    """The template inside the installed package (where pip put the compiled files)."""
    out = run(bin_dir / "python", "-c", "import generator.new.render as r; print(r.PACKAGED_TEMPLATE)", cwd=bin_dir).stdout.strip()
    return Path(out)
