"""The generated requirements-dev.txt names slsguard so that it resolves before a release is on an index
(generator/answers/pins.py): an index pin, a pushed git commit, or the local wheel or folder it was generated from."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator import __version__
from generator.answers import pins
from generator.new.summary import requirement_note
from tests.support.paths import REPO


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout shaped like slsguard's (pyproject.toml and generator/), one commit, no remote."""
    repo = tmp_path / "slsguard"
    (repo / "generator").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[project]\nname = 'slsguard'\n")
    (repo / "generator" / "__init__.py").write_text(f'__version__ = "{__version__}"\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    return repo


def test_a_checkout_without_a_remote_is_named_by_its_folder(checkout: Path) -> None:
    assert pins.slsguard_requirement(checkout) == f"slsguard @ {checkout.resolve().as_uri()}"
    assert pins.machine_only(pins.slsguard_requirement(checkout))


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("https://example.invalid/acme/slsguard.git", "git+https://example.invalid/acme/slsguard.git"),
        ("git@example.invalid:acme/slsguard.git", "git+ssh://git@example.invalid/acme/slsguard.git"),
    ],
    ids=["https", "scp-like"],
)
def test_a_pushed_clean_commit_is_a_git_reference_a_ci_runner_can_fetch(checkout: Path, remote: str, url: str) -> None:
    git(checkout, "remote", "add", "origin", remote)
    git(checkout, "update-ref", "refs/remotes/origin/main", "HEAD")  # as a clone or a push leaves it
    commit = git(checkout, "rev-parse", "HEAD")
    requirement = pins.slsguard_requirement(checkout)
    assert requirement == f"slsguard @ {url}@{commit}"
    assert not pins.machine_only(requirement)


@pytest.mark.parametrize("change", ["unpushed commit", "edited file"])
def test_a_commit_the_remote_lacks_or_local_edits_fall_back_to_the_folder(checkout: Path, change: str) -> None:
    git(checkout, "remote", "add", "origin", "https://example.invalid/acme/slsguard.git")
    git(checkout, "update-ref", "refs/remotes/origin/main", "HEAD")
    (checkout / "generator" / "__init__.py").write_text(f'__version__ = "{__version__}"\n# edited\n')
    if change == "unpushed commit":
        git(checkout, "commit", "-q", "-am", "two")
    assert pins.slsguard_requirement(checkout) == f"slsguard @ {checkout.resolve().as_uri()}"


class Installed:
    """What importlib.metadata returns for an installed slsguard: only its PEP 610 record is read."""

    def __init__(self, direct_url: dict | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        assert name == "direct_url.json"
        return json.dumps(self.direct_url) if self.direct_url is not None else None


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, f"slsguard=={__version__}"),
        ({"url": "https://example.invalid/acme/slsguard.git", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}}, None),
        ({"url": "file:///nowhere/slsguard-0.1.0-py3-none-any.whl", "archive_info": {}}, f"slsguard=={__version__}"),
    ],
    ids=["from-an-index", "from-git", "wheel-since-deleted"],
)
def test_an_installed_slsguard_is_named_by_where_pip_got_it(monkeypatch: pytest.MonkeyPatch, direct_url, expected) -> None:
    from importlib import metadata

    monkeypatch.setattr(metadata, "distribution", lambda name: Installed(direct_url))
    got = pins.slsguard_requirement(Path("/nonexistent/generator/_template"))
    assert got == (expected or f"slsguard @ git+https://example.invalid/acme/slsguard.git@{'a' * 40}")


def test_an_installed_wheel_that_still_exists_is_named_by_its_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from importlib import metadata

    wheel = tmp_path / f"slsguard-{__version__}-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    monkeypatch.setattr(metadata, "distribution", lambda name: Installed({"url": wheel.as_uri(), "archive_info": {}}))
    assert pins.slsguard_requirement(tmp_path / "_template") == f"slsguard @ {wheel.as_uri()}"


def test_resolve_replaces_only_the_pin_line(checkout: Path) -> None:
    text = "# slsguard audits every package; slsguard==9 in a comment stays\nslsguard==0.1.0\ncfn-lint==1.58.0\n"
    assert pins.resolve(text, checkout).splitlines() == [
        "# slsguard audits every package; slsguard==9 in a comment stays",
        f"slsguard @ {checkout.resolve().as_uri()}",
        "cfn-lint==1.58.0",
    ]


def test_a_generated_project_names_this_checkout_and_new_says_ci_cannot_reach_it(generate) -> None:
    # GIVEN this repository as the template (a checkout with no pushed origin here)
    project = generate()
    lines = (project / "requirements-dev.txt").read_text().splitlines()
    expected = pins.slsguard_requirement(REPO)
    assert expected in lines and not any(line.startswith("slsguard==") for line in lines)
    note = requirement_note(project)
    if pins.machine_only(expected):
        assert note[0].startswith(f"Note: requirements-dev.txt installs slsguard from {expected.split(' @ ')[1]},")
        assert "the generated CI cannot install it yet" in note[1]
    else:
        assert note == []


def test_a_built_wheel_is_never_committed_with_the_project_or_this_repository(generate) -> None:
    project = generate()
    git(project, "init", "-q")
    (project / "dist").mkdir()
    wheel = project / "dist" / f"slsguard-{__version__}-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    assert git(project, "check-ignore", str(wheel)) == str(wheel)
    repo = REPO
    ignored = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", f"dist/slsguard-{__version__}-py3-none-any.whl"], check=False)
    assert ignored.returncode == 0
