"""The first hour of a new user, done as they do it: slsguard's wheel installed into a fresh virtualenv, a project
generated with `slsguard new --no-input`, then the generated README's first steps run in order, as written (read
from the README's "First steps" block, comments and all), on a machine with no AWS credentials: HOME is an empty
folder and no AWS_* variable is set. Every step must exit 0, and `slsguard upgrade --check` finds the project
current right after.

Only the download caches of pip and npm are shared with this machine (the packages are the same either way).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from generator import __version__
from tests.support.wheel import DOWNLOAD_CACHES, build, install, run

STEP = re.compile(r"^::rc (\d+) (\d+)$", re.MULTILINE)


def first_steps(readme: str) -> list[str]:
    """The lines of the fenced block under "## First steps", as a user copies them."""
    section = readme.split("\n## First steps\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"^```bash\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert match, "the README's First steps section has no ```bash block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def new_user_env(home: Path) -> dict[str, str]:
    """An empty HOME, no AWS or Serverless settings, no slsguard on PATH (a user activates the venvs), bytecode on;
    the machine's own pip and npm settings (index, certificates) kept, as a user's machine has them."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_", "PYTHON", "VIRTUAL_ENV"))}
    path = [p for p in keep.get("PATH", os.defpath).split(os.pathsep) if p and not (Path(p) / "slsguard").exists()]
    return {**keep, "HOME": str(home), "PATH": os.pathsep.join(path), **DOWNLOAD_CACHES}


def script(project: Path, commands: list[str]) -> str:
    """One bash session (so `. .venv/bin/activate` carries on), recording each command's exit status."""
    lines = ["set -u", f"cd {shlex.quote(str(project))}"]
    for i, command in enumerate(commands):
        lines += [f"echo '::step {i}: '{shlex.quote(command)}", command, f'rc=$?; echo "::rc {i} $rc"; [ "$rc" -eq 0 ] || exit "$rc"']
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_new_user_reaches_a_packaged_grown_service_by_following_the_readme(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = new_user_env(home)
    assert not (home / ".aws").exists() and not any(k.startswith("AWS_") for k in env)

    # GIVEN slsguard's wheel installed into a fresh virtualenv, as pip installs it (bytecode compiled)
    bin_dir = install(build(tmp_path / "dist"), tmp_path / "slsguard-venv", env)

    # WHEN the user generates a project with the recommended answers
    work = tmp_path / "work"
    work.mkdir()
    created = run(bin_dir / "slsguard", "new", "--no-input", cwd=work, env=env).stdout
    project = work / "my-service"
    commands = first_steps((project / "README.md").read_text())
    next_steps = created.split("Next:\n", 1)[1].splitlines()
    assert [line.strip() for line in next_steps[1 : 1 + len(commands)]] == [c.split("  # ", 1)[0].rstrip() for c in commands]

    # AND runs the README's first steps in order, in one shell, without AWS credentials
    log = tmp_path / "first-steps.log"
    with log.open("w") as out:
        done = subprocess.run(
            ["bash", "-c", script(project, commands)], env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=2400
        )
    text = log.read_text(errors="replace")

    # THEN every step exits 0
    statuses = [(int(i), int(rc)) for i, rc in STEP.findall(text)]
    failed = next(((i, rc) for i, rc in statuses if rc != 0), None)
    assert failed is None and done.returncode == 0, (
        f"step {failed[0] if failed else len(statuses)} ({commands[failed[0]] if failed else '?'}) exited "
        f"{failed[1] if failed else done.returncode}:\n{text[-6000:]}"
    )
    assert [i for i, _ in statuses] == list(range(len(commands)))
    # the project is packaged and grown: the added function is in the compiled template, with its rails
    root = (project / ".serverless" / "cloudformation-template-update-stack.json").read_text()
    every = "".join(path.read_text() for path in (project / ".serverless").glob("cloudformation-template-*.json"))
    assert '"ReportLambdaFunction"' in root and '"ReportErrorsAlarm"' in every and '"ReportIamRole"' in every
    assert text.count("slsguard audit: 0 errors") == 2 and text.count("a ceiling, not a bill; typical: ") == 2

    # AND right after, the project is current with the slsguard that generated it
    check = subprocess.run(
        [str(project / ".venv" / "bin" / "slsguard"), "upgrade", "--check"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == f"my-service is up to date with slsguard {__version__} and its answers."
