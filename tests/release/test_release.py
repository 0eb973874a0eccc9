"""The release path: a version tag publishes only when the tag, generator/__init__.py and CHANGELOG.md agree, after
the whole suite, from a checked build, by trusted publishing, with every third-party action pinned to a commit."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
import yaml

from generator import __version__
from tests.support.paths import REPO

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"


def _check_release():
    spec = importlib.util.spec_from_file_location("check_release", REPO / ".ci" / "check_release.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _repo_copy(tmp_path: Path, changelog: str | None) -> Path:
    (tmp_path / "generator").mkdir()
    shutil.copy(REPO / "generator" / "__init__.py", tmp_path / "generator" / "__init__.py")
    if changelog is not None:
        (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


def test_the_version_is_defined_once_and_the_changelog_has_its_section() -> None:
    check = _check_release()
    assert check.version() == __version__
    assert check.problems(f"v{__version__}") == []


@pytest.mark.parametrize(
    ("tag", "changelog", "expected"),
    [
        ("v9.9.9", f"## [{__version__}] - unreleased\n", f"tag v9.9.9 names 9.9.9, but generator/__init__.py defines {__version__}"),
        (__version__, f"## [{__version__}]\n", f"tag '{__version__}' is not a release tag: use v<version>, e.g. v{__version__}"),
        (f"v{__version__}", "## [0.0.1]\n", f"CHANGELOG.md has no section '## {__version__}'"),
        (f"v{__version__}", None, f"CHANGELOG.md has no section '## {__version__}'"),
    ],
    ids=["other-version", "no-v", "changelog-other-version", "no-changelog"],
)
def test_a_disagreeing_release_is_refused_with_the_reason(tmp_path: Path, tag: str, changelog: str | None, expected: str) -> None:
    found = _check_release().problems(tag, _repo_copy(tmp_path, changelog))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_the_built_files_must_carry_the_version(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    repo = _repo_copy(tmp_path / "repo", f"## [{__version__}]\n")
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "slsguard-0.0.1-py3-none-any.whl").write_bytes(b"")
    found = _check_release().problems(f"v{__version__}", repo, dist)
    assert [f.split(" was not built")[0] for f in found] == [
        f"{dist}/slsguard-{__version__}-py3-none-any.whl",
        f"{dist}/slsguard-{__version__}.tar.gz",
    ]
    assert "found: slsguard-0.0.1-py3-none-any.whl" in found[0]
    (dist / f"slsguard-{__version__}-py3-none-any.whl").write_bytes(b"")
    (dist / f"slsguard-{__version__}.tar.gz").write_bytes(b"")
    assert _check_release().problems(f"v{__version__}", repo, dist) == []


def test_the_workflow_tests_builds_checks_and_publishes_with_oidc_only() -> None:
    text = WORKFLOW.read_text()
    flow = yaml.safe_load(text)
    assert flow[True]["push"] == {"tags": ["v*.*.*"]}  # YAML 1.1 reads the key `on` as true
    assert flow["permissions"] == {"contents": "read"}
    jobs = flow["jobs"]
    assert [jobs[j].get("needs") for j in ("check-version", "test", "build", "publish")] == [None, "check-version", "test", "build"]
    runs = {name: "\n".join(step.get("run", "") for step in job["steps"]) for name, job in jobs.items()}
    assert 'python .ci/check_release.py "$GITHUB_REF_NAME"' in runs["check-version"]
    assert "bash .ci/run" in runs["test"]
    assert "python -m build" in runs["build"] and "twine check --strict dist/*" in runs["build"] and "--dist dist" in runs["build"]
    # only the publishing job may mint an OIDC token, and nothing reads a stored token or password
    assert [name for name, job in jobs.items() if "id-token" in job.get("permissions", {})] == ["publish"]
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert "secrets." not in text and "password:" not in text and "api-token" not in text
    publish = jobs["publish"]["steps"][-1]
    assert publish["uses"].startswith("pypa/gh-action-pypi-publish@") and "with" not in publish


@pytest.mark.parametrize(
    "workflow", [WORKFLOW, REPO / "{{cookiecutter.project_slug}}" / ".github" / "workflows" / "ci.yml"], ids=["release", "generated-ci"]
)
def test_every_action_is_pinned_to_a_commit(workflow: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", workflow.read_text())
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{ref} is not pinned to a commit"
        assert re.search(r"# v\d+\.\d+\.\d+", comment), f"{ref}: say which release the commit is"
