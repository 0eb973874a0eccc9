"""A failed upgrade leaves the project byte-identical: disk errors, Ctrl-C, half-applied changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import UserError
from generator.new.render import new
from generator.project import transaction
from generator.upgrade.regenerate import upgrade
from tests.support.upgrade import fingerprint, git_init, mini_template

CHANGE = {"database": "postgres", "memory_size": "2048"}  # writes serverless.yml, adds db.py, records


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mini_template(tmp_path_factory.mktemp("tpl") / "mini")


@pytest.fixture
def project(tmp_path: Path, mini: Path) -> Path:
    root = new({}, tmp_path / "out", template=mini)
    git_init(root)
    (root / "serverless.yml").write_text((root / "serverless.yml").read_text() + "# ours\n")
    (root / "my_service" / "legacy.py").chmod(0o600)  # modes must survive a rollback too
    return root


def fail_on_call(n: int, real, exc: BaseException):
    """A stand-in for ``real`` that raises ``exc`` on its n-th call."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise exc
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("n", [1, 4, 7], ids=lambda n: f"move-{n}")
def test_failure_while_swapping_files_in_rolls_back(project: Path, mini: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    # GIVEN the n-th rename into the project fails (some files already swapped in)
    before = fingerprint(project)
    monkeypatch.setattr(transaction, "_move", fail_on_call(n, transaction._move, OSError(28, "No space left on device")))
    # WHEN upgrading, THEN one clear error and a byte-identical tree (modes and folders included)
    with pytest.raises(UserError, match="every file was put back as it was"):
        upgrade(project, CHANGE, allow_dirty=True, template=mini)
    assert fingerprint(project) == before


def test_disk_full_while_staging_changes_nothing(project: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(project)
    monkeypatch.setattr(transaction, "_write", fail_on_call(2, transaction._write, OSError(28, "No space left on device")))
    with pytest.raises(UserError, match="No space left on device"):
        upgrade(project, CHANGE, allow_dirty=True, template=mini)
    assert fingerprint(project) == before


def test_ctrl_c_mid_apply_rolls_back_and_propagates(project: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(project)
    monkeypatch.setattr(transaction, "_move", fail_on_call(4, transaction._move, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        upgrade(project, CHANGE, allow_dirty=True, template=mini)
    assert fingerprint(project) == before


def test_removal_of_a_folder_rolls_back(tmp_path: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # database off removes db.py; the last step fails after the removal: the file comes back
    root = new({"database": "postgres"}, tmp_path, template=mini)
    before = fingerprint(root)
    monkeypatch.setattr(transaction, "_move", fail_on_call(4, transaction._move, OSError(5, "Input/output error")))
    with pytest.raises(UserError, match="Input/output error"):
        upgrade(root, {"database": "none"}, template=mini)
    assert fingerprint(root) == before


def test_success_leaves_no_staging_folder(project: Path, mini: Path) -> None:
    upgrade(project, CHANGE, allow_dirty=True, template=mini)
    assert not [p for p in project.iterdir() if p.name.startswith(transaction.STAGING_PREFIX)]
    assert (project / "my_service" / "legacy.py").stat().st_mode & 0o777 == 0o600
