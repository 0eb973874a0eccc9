"""Tool versions a generated project pins in its CI and requirements-dev.txt: the ones slsguard itself is tested with.

Written into cookiecutter.json as private variables, so ``slsguard upgrade`` moves a project's pins with slsguard.
tests/template/test_serverless_config.py keeps them equal to this repository's own CI (.ci/run) and test environment.

The slsguard requirement itself is settled when the project is rendered (``slsguard_requirement``, called by the
post-generation hook, under plain cookiecutter too): ``slsguard==<version>`` when slsguard came from a package index,
else a direct reference to where this render's slsguard came from, so ``pip install -r requirements-dev.txt`` resolves
before any release exists:

- installed from a wheel file or a folder (``pip install slsguard-X.whl``): that file or folder (``file://``);
- run from a git checkout (an editable install, or plain cookiecutter from a clone, whose ``_repo_dir`` cookiecutter
  records) whose commit is on its ``origin`` remote: ``git+<origin>@<commit>``, which a CI runner can fetch too;
- any other checkout (no remote, unpushed commits, local edits): the checkout folder (``file://``), which only this
  machine has; ``slsguard new`` says so, because a CI runner cannot install it.

Standard library only: ``hooks/post_gen_project.py`` imports this module under plain cookiecutter.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from .. import __version__

CFN_LINT = "1.58.0"  # what pyproject.toml's dev extra (cfn-lint>=1.20) installs in the test venv
CHECKOV = "3.3.30"  # .ci/run's isolated checkov venv
MOTO = "5.2.5"  # the local CloudFormation endpoint of offline packaging (split-stacks asks it which stacks exist)

# The framework lines a project can be on (the `framework` answer): the CLI package and version its package.json pins.
# osls 4 is the open-source line's current stable major; osls 3.x gets bug and security fixes only; Serverless v4
# needs a login. tests/node (osls 4) and tests/node-osls3 hold the same pins; a test keeps them equal.
OSLS = "4.3.1"
OSLS3 = "3.77.1"
SERVERLESS = "4.43.0"
OFFLINE = "14.8.5"  # serverless-offline for both osls lines (13.x declares a `serverless ^3` peer)
OFFLINE_SERVERLESS = "14.8.2"

CONTEXT = {
    "_slsguard_version": __version__,
    "_cfn_lint_version": CFN_LINT,
    "_checkov_version": CHECKOV,
    "_moto_version": MOTO,
    "_osls_version": OSLS,
    "_osls3_version": OSLS3,
    "_serverless_version": SERVERLESS,
    "_offline_version": OFFLINE,
    "_offline_serverless_version": OFFLINE_SERVERLESS,
}

DISTRIBUTION = "slsguard"
PINNED = re.compile(rf"^{DISTRIBUTION}==\S+$", re.MULTILINE)  # the line the template writes
_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/].*)$")  # git@host:owner/repo.git


def _git(checkout: Path, *args: str) -> str | None:
    """A git command's output in ``checkout``, or None when git or the answer is missing."""
    try:
        done = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _vcs_url(remote: str) -> str | None:
    """pip's spelling of a git remote: ``git+https://...`` or ``git+ssh://user@host/path``; None for a local remote."""
    if remote.startswith(("https://", "http://", "ssh://")):
        return f"git+{remote}"
    match = _SCP_LIKE.match(remote)
    return f"git+ssh://{match['user']}@{match['host']}/{match['path']}" if match else None


def _from_checkout(checkout: Path) -> str:
    """A pushed, clean commit of ``checkout`` as a VCS reference; otherwise the folder itself."""
    folder = f"{DISTRIBUTION} @ {checkout.resolve().as_uri()}"
    remote = _git(checkout, "remote", "get-url", "origin")
    url = _vcs_url(remote) if remote else None
    if url is None:  # no origin, or a local one: one git call, then the folder (a render stays fast)
        return folder
    commit = _git(checkout, "rev-parse", "HEAD")
    pushed = commit is not None and _git(checkout, "branch", "--remotes", "--contains", commit) is not None
    clean = _git(checkout, "status", "--porcelain", "--untracked-files=no") is None
    return f"{DISTRIBUTION} @ {url}@{commit}" if pushed and clean else folder


def _from_installed() -> str:
    """Where the installed distribution came from (PEP 610 ``direct_url.json``); none means a package index."""
    from importlib import metadata

    try:
        raw = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        raw = None
    try:
        direct = json.loads(raw) if raw else {}
    except ValueError:
        direct = {}
    url = direct.get("url", "") if isinstance(direct, dict) else ""
    vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
    if isinstance(vcs, dict) and vcs.get("commit_id") and not url.startswith("file:"):
        return f"{DISTRIBUTION} @ {vcs.get('vcs', 'git')}+{url}@{vcs['commit_id']}"
    if url.startswith("file:") and _local(url).exists():
        return f"{DISTRIBUTION} @ {url}"
    return f"{DISTRIBUTION}=={__version__}"


def _local(file_url: str) -> Path:
    """The path a ``file://`` URL names."""
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(file_url).path))


def is_checkout(template_root: Path) -> bool:
    """Whether the template is a source checkout of slsguard (else the copy inside an installed wheel)."""
    return (template_root / "pyproject.toml").is_file() and (template_root / "generator" / "__init__.py").is_file()


def slsguard_requirement(template_root: Path) -> str:
    """The requirements line that installs the slsguard this project was rendered with (see the module docstring)."""
    return _from_checkout(template_root) if is_checkout(template_root) else _from_installed()


def machine_only(requirement: str) -> bool:
    """Whether the requirement names a local file or folder: it resolves on this machine, not on a CI runner."""
    return f"{DISTRIBUTION} @ file:" in requirement


def resolve(text: str, template_root: Path) -> str:
    """requirements-dev.txt's text with its ``slsguard==`` line replaced by ``slsguard_requirement``."""
    return PINNED.sub(slsguard_requirement(template_root).replace("\\", "\\\\"), text, count=1)
