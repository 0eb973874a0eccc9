"""``slsguard upgrade`` end to end on a small template whose every line the tests know.

The template copy keeps slsguard's real cookiecutter.json, hooks and rules; only the project
folder is replaced (tests/support/upgrade.py MINI_FILES), so these tests do not move when the
real template's content changes. tests/upgrade/test_real_template.py runs the same ideas on the real one.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator import cli
from generator.answers.questions import QUESTIONS
from generator.errors import UserError
from generator.new import render
from generator.new.render import new
from generator.project import snapshot
from generator.upgrade.regenerate import upgrade
from generator.upgrade.report import check_report, summary
from tests.support import paths
from tests.support.snapshots import snapshot_check
from tests.support.upgrade import (
    MINI_FILES,
    commit_all,
    fingerprint,
    git,
    git_changed,
    git_init,
    mini_template,
    set_version,
    untouched,
    write_files,
)

SNAPSHOTS = paths.SNAPSHOTS / "upgrade"

REPORT_FN = """\
  report:
    handler: my_service/report.handler
"""
WORKER_LAST = "    handler: my_service/worker.handler\n    reservedConcurrency: 10\n"


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mini_template(tmp_path_factory.mktemp("tpl") / "mini")


@pytest.fixture(scope="module")
def mini_v2(tmp_path_factory: pytest.TempPathFactory, mini: Path) -> Path:
    """The next slsguard version: edits, a removed file, new files."""
    v2 = mini_template(tmp_path_factory.mktemp("tpl") / "v2")
    set_version(v2, "0.2.0")
    pkg = v2 / "{{cookiecutter.project_slug}}" / "{{cookiecutter.package_name}}"
    api = pkg / "api.py"
    api.write_text(api.read_text().replace('event.get("name", "world")', 'event.get("name") or "world"'))
    worker = pkg / "worker.py"
    worker.write_text(worker.read_text().replace("    return {", "    # failed ids go here; SQS retries only those\n    return {"))
    sls = v2 / "{{cookiecutter.project_slug}}" / "serverless.yml"
    sls.write_text(sls.read_text() + "  slsguard:\n    audit: true\n")
    readme = v2 / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text().replace("npx osls deploy", "npx osls deploy --stage dev"))
    notes = v2 / "{{cookiecutter.project_slug}}" / "docs" / "notes.md"
    notes.write_text("Notes, revised.\n")
    (pkg / "legacy.py").unlink()
    (pkg / "compat.py").unlink()
    write_files(v2 / "{{cookiecutter.project_slug}}", {"NEW.md": "New in 0.2.0.\n", "CHANGELOG.md": "# Changelog\n\n- 0.2.0\n"})
    return v2


def user_edits(project: Path) -> None:
    """What a team does after generating: a function in serverless.yml, a changed handler, a new file, a deletion."""
    sls = project / "serverless.yml"
    sls.write_text(sls.read_text().replace(WORKER_LAST, WORKER_LAST + REPORT_FN))
    api = project / "my_service" / "api.py"
    api.write_text(api.read_text().replace('event.get("name", "world")', 'event.get("name", "team")'))
    (project / "my_service" / "report.py").write_text("def handler(event, context):\n    return 'report'\n")
    (project / "docs" / "notes.md").unlink()
    compat = project / "my_service" / "compat.py"
    compat.write_text(compat.read_text() + "OLD_NAME = 'x'\n")
    (project / "README.md").write_text((project / "README.md").read_text().replace("# My Service", "# My Service (team payments)"))
    (project / "CHANGELOG.md").write_text("# Our changes\n\n- first release\n")


@pytest.fixture(params=["git", "plain"])
def project(request: pytest.FixtureRequest, tmp_path: Path, mini: Path) -> Path:
    """A generated project with the user's edits, in a git repository (committed) or a plain folder."""
    root = new({}, tmp_path / "out", template=mini)
    if request.param == "git":
        git_init(root)
    user_edits(root)
    if request.param == "git":
        commit_all(root, "our work")
    return root


def test_answer_change_keeps_user_edits_and_brings_new_content(project: Path, mini: Path) -> None:
    # GIVEN a project with user edits; WHEN an answer changes
    sls_before = (project / "serverless.yml").read_text()
    before = fingerprint(project)
    result = upgrade(project, {"database": "postgres", "memory_size": "2048"}, template=mini)
    # THEN the user's function survives and the new generated lines arrive
    expected = sls_before.replace("memorySize: 1024", "memorySize: 2048").replace(
        "timeout: 6\n", "timeout: 6\n  environment:\n    DB_ENGINE: postgres\n"
    )
    assert (project / "serverless.yml").read_text() == expected
    assert REPORT_FN in expected
    assert (project / "my_service" / "db.py").read_text() == '"""Database access (postgres)."""\n\nENGINE = "postgres"\n'
    assert 'event.get("name", "team")' in (project / "my_service" / "api.py").read_text()
    assert not (project / "docs" / "notes.md").exists()
    assert result.conflicts == []
    # nothing else touched
    written = {"serverless.yml", "my_service/db.py", snapshot.ANSWERS_FILE, snapshot.BASE_FILE}
    after = fingerprint(project)
    assert untouched(after, written) == untouched(before, written)
    if (project / ".git").exists():
        assert git_changed(project) == sorted(written)
    # the recording now describes this render: next time it is the merge base
    record = snapshot.read(project)
    assert (record.answers["database"], record.answers["memory_size"]) == ("postgres", 2048)
    assert "DB_ENGINE: postgres" in record.base["serverless.yml"].data.decode()
    assert "report:" not in record.base["serverless.yml"].data.decode()
    assert "docs/notes.md" in record.base
    snapshot_check(SNAPSHOTS / "answer_change.txt", summary(result) + "\n")


def test_new_template_version_merges_and_conflicts(project: Path, mini_v2: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    # GIVEN a project with user edits; WHEN slsguard 0.2.0 changes the same handler line, among others
    monkeypatch.setattr(render, "template_dir", lambda: mini_v2)
    before = fingerprint(project)
    sls_before = (project / "serverless.yml").read_text()
    code = cli.main(["upgrade", str(project)])
    out, err = capsys.readouterr()
    # THEN a non-zero exit names the conflicted files, which hold labelled markers
    assert code == 1
    assert "2 files have conflict markers: CHANGELOG.md, my_service/api.py" in err
    api = (project / "my_service" / "api.py").read_text()
    assert api.count("<<<<<<< your project\n") == 1
    assert '    name = event.get("name", "team")\n||||||| slsguard 0.1.0 (last generation)\n' in api
    assert '    name = event.get("name", "world")\n=======\n    name = event.get("name") or "world"\n' in api
    assert ">>>>>>> slsguard 0.2.0 (this upgrade)\n" in api
    changelog = (project / "CHANGELOG.md").read_text()
    assert "<<<<<<< your project" in changelog and "# Our changes" in changelog and "- 0.2.0" in changelog
    # one-sided changes are taken silently, both sides' changes elsewhere are merged
    assert (project / "serverless.yml").read_text() == sls_before + "  slsguard:\n    audit: true\n"
    assert "# failed ids go here" in (project / "my_service" / "worker.py").read_text()
    readme = (project / "README.md").read_text()
    assert readme.startswith("# My Service (team payments)\n") and "npx osls deploy --stage dev" in readme
    assert (project / "NEW.md").read_text() == "New in 0.2.0.\n"
    assert not (project / "my_service" / "legacy.py").exists()  # unchanged by the user: removed
    assert "OLD_NAME" in (project / "my_service" / "compat.py").read_text()  # changed by the user: kept
    assert not (project / "docs" / "notes.md").exists()  # deleted by the user: stays deleted
    assert not list(project.rglob("*.rej")) and not list(project.glob(".slsguard-upgrade-*"))
    written = {
        "CHANGELOG.md",
        "NEW.md",
        "README.md",
        "my_service/api.py",
        "my_service/legacy.py",
        "my_service/worker.py",
        "serverless.yml",
        snapshot.ANSWERS_FILE,
        snapshot.BASE_FILE,
    }
    after = fingerprint(project)
    assert untouched(after, written) == untouched(before, written)
    in_git = (project / ".git").exists()
    if in_git:
        assert git_changed(project) == sorted(written)
        # conflicts are unmerged in git's index, as after 'git merge': git commit refuses them until 'git add'
        stages = sorted((line.split("\t")[1], line.split()[2]) for line in git(project, "ls-files", "-u").splitlines())
        assert stages == [
            ("CHANGELOG.md", "2"),
            ("CHANGELOG.md", "3"),
            ("my_service/api.py", "1"),
            ("my_service/api.py", "2"),
            ("my_service/api.py", "3"),
        ]
    assert snapshot.read(project).version == "0.2.0"
    snapshot_check(SNAPSHOTS / ("new_version_git.txt" if in_git else "new_version.txt"), out.rstrip("\n") + "\n")
    # WHEN the user resolves the conflicts, THEN the next upgrade has nothing left to do
    (project / "my_service" / "api.py").write_text(textwrap.dedent(MINI_FILES["{{cookiecutter.package_name}}/api.py"]))
    (project / "CHANGELOG.md").write_text("# Our changes\n")
    if (project / ".git").exists():
        commit_all(project, "resolved")
    again = upgrade(project, template=mini_v2)
    assert again.changes == [] and not again.behind


def test_check_exit_codes(tmp_path: Path, mini: Path, mini_v2: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    root = new({}, tmp_path, template=mini)
    monkeypatch.setattr(render, "template_dir", lambda: mini)
    assert cli.main(["upgrade", str(root), "--check"]) == 0
    assert cli.main(["upgrade", str(root), "--check", "--set", "database=mysql"]) == 1
    assert "  - answer database: none -> mysql\n" in capsys.readouterr().out
    monkeypatch.setattr(render, "template_dir", lambda: mini_v2)
    assert cli.main(["upgrade", str(root), "--check", "--set", "memory_size=2048"]) == 1
    snapshot_check(SNAPSHOTS / "check_behind.txt", capsys.readouterr().out.rstrip("\n") + "\n")
    assert cli.main(["upgrade", str(root)]) == 0
    assert cli.main(["upgrade", str(root), "--check"]) == 0
    assert capsys.readouterr().out.endswith("my-service is up to date with slsguard 0.2.0 and its answers.\n")


def test_dry_run_prints_diff_and_writes_nothing(tmp_path: Path, mini: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    root = new({}, tmp_path, template=mini)
    user_edits(root)
    before = fingerprint(root)
    monkeypatch.setattr(render, "template_dir", lambda: mini)
    assert cli.main(["upgrade", str(root), "--dry-run", "--set", "database=postgres"]) == 0
    out = capsys.readouterr().out
    assert fingerprint(root) == before
    assert "--- a/serverless.yml\n+++ b/serverless.yml\n" in out
    assert "+  environment:\n+    DB_ENGINE: postgres\n" in out
    assert "--- /dev/null\n+++ b/my_service/db.py\n" in out
    assert '-    "database": "none",\n+    "database": "postgres",\n' in out
    snapshot_check(SNAPSHOTS / "dry_run_summary.txt", out[out.index("Dry run, nothing written") :].rstrip("\n") + "\n")


def test_git_dirty_tree_is_refused_unless_allowed(tmp_path: Path, mini: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    root = new({}, tmp_path, template=mini)
    git_init(root)
    (root / "scratch.txt").write_text("wip\n")
    before = fingerprint(root)
    monkeypatch.setattr(render, "template_dir", lambda: mini)
    assert cli.main(["upgrade", str(root), "--set", "database=postgres"]) == 2
    err = capsys.readouterr().err
    assert "has uncommitted changes (1: scratch.txt)" in err
    assert "review exactly what it changed with 'git diff'" in err and "pass --allow-dirty" in err
    assert fingerprint(root) == before
    assert cli.main(["upgrade", str(root), "--set", "database=postgres", "--allow-dirty"]) == 0
    assert (root / "my_service" / "db.py").exists()


def test_new_and_removed_questions(tmp_path: Path, mini: Path) -> None:
    # GIVEN answers recorded by a version that lacked log_retention_days and had a since-removed option
    root = new({}, tmp_path, template=mini)
    path = root / snapshot.ANSWERS_FILE
    doc = json.loads(path.read_text())
    del doc["answers"]["log_retention_days"]
    del doc["answers"]["tracing"]
    doc["answers"]["xray_sdk"] = True
    path.write_text(json.dumps(doc, indent=2))
    # WHEN upgrading interactively (keys typed into the wizard's prompts): tracing "n", retention 30
    with create_pipe_input() as keys:
        keys.send_text("n")
        keys.send_text("\x1530\r")  # Ctrl-U clears the default first
        result = upgrade(root, no_input=False, input=keys, output=DummyOutput(), template=mini)
    # THEN only the new questions were asked; the removed answer is dropped and reported
    recorded = snapshot.read(root).answers
    assert recorded["log_retention_days"] == 30 and "xray_sdk" not in recorded
    assert list(recorded) == [q.name for q in QUESTIONS]  # complete, in question order
    assert result.dropped == [("xray_sdk", True)]
    text = summary(result)
    assert "  new      log_retention_days: 30 (your answer)\n" in text
    assert "  new      tracing: false (your answer)\n" in text
    assert "  dropped  xray_sdk: true (no longer asked by slsguard)\n" in text
    # --no-input takes defaults
    doc = json.loads(path.read_text())
    del doc["answers"]["log_retention_days"]
    path.write_text(json.dumps(doc, indent=2))
    result = upgrade(root, template=mini)
    assert ("log_retention_days", 14, False) in result.new


def test_user_file_where_new_file_arrives_conflicts(tmp_path: Path, mini: Path) -> None:
    # GIVEN the user wrote their own db.py; WHEN database=postgres makes slsguard generate one
    root = new({}, tmp_path, template=mini)
    (root / "my_service" / "db.py").write_text("ENGINE = 'sqlite'\n")
    result = upgrade(root, {"database": "postgres"}, template=mini)
    # THEN both are kept inside markers, never overwritten
    assert result.conflicts == ["my_service/db.py"]
    text = (root / "my_service" / "db.py").read_text()
    assert "ENGINE = 'sqlite'" in text and 'ENGINE = "postgres"' in text and text.startswith("<<<<<<< your project\n")


def test_answer_rollback_removes_unchanged_files(tmp_path: Path, mini: Path) -> None:
    # database on, then off again: db.py goes (unchanged) and empty folders with it; serverless.yml loses the block
    root = new({"database": "postgres"}, tmp_path, template=mini)
    result = upgrade(root, {"database": "none"}, template=mini)
    assert [(c.path, c.action) for c in result.file_changes] == [("my_service/db.py", "removed"), ("serverless.yml", "updated")]
    assert not (root / "my_service" / "db.py").exists()
    assert "DB_ENGINE" not in (root / "serverless.yml").read_text()


@pytest.mark.parametrize(
    "given",
    [{"database": "oracle"}, {"reserved_concurrency": "0"}, {"nope": "1"}],
    ids=["bad-choice", "below-minimum", "unknown-key"],
)
def test_bad_answers_change_nothing(tmp_path: Path, mini: Path, given: dict) -> None:
    root = new({}, tmp_path, template=mini)
    before = fingerprint(root)
    with pytest.raises(UserError) as err:
        upgrade(root, given, template=mini)
    assert next(iter(given)) in str(err.value)
    assert fingerprint(root) == before


def test_render_error_changes_nothing(tmp_path: Path, mini: Path) -> None:
    broken = mini_template(tmp_path / "broken")
    (broken / "{{cookiecutter.project_slug}}" / "README.md").write_text("{{ cookiecutter.no_such_answer }}\n")
    root = new({}, tmp_path / "out", template=mini)
    before = fingerprint(root)
    with pytest.raises(UserError, match="rendering failed"):
        upgrade(root, template=broken)
    assert fingerprint(root) == before


def test_missing_or_newer_recording_is_refused(tmp_path: Path, mini: Path) -> None:
    root = new({}, tmp_path, template=mini)
    path = root / snapshot.ANSWERS_FILE
    doc = json.loads(path.read_text())
    doc["slsguard_version"] = "9.0.0"
    path.write_text(json.dumps(doc))
    with pytest.raises(UserError, match=r"last generated by slsguard 9\.0\.0, newer than this slsguard 0\.1\.0"):
        upgrade(root, template=mini)
    path.unlink()
    with pytest.raises(UserError, match=r"answers\.json not found: .* was not generated by slsguard"):
        upgrade(root, template=mini)


def test_up_to_date_report(tmp_path: Path, mini: Path) -> None:
    root = new({}, tmp_path, template=mini)
    result = upgrade(root, template=mini)
    assert result.changes == [] and not result.behind
    assert summary(result) == "Upgrade of my-service: slsguard 0.1.0\nmy-service is up to date: nothing to do."
    assert check_report(result) == "my-service is up to date with slsguard 0.1.0 and its answers."


@pytest.mark.parametrize(("api", "kept"), [("rest", "api-key"), ("http", "none")])
def test_a_project_recorded_before_auth_keeps_its_clients(tmp_path: Path, mini: Path, api: str, kept: str) -> None:
    # GIVEN answers recorded before the auth question existed
    root = new({"api": api}, tmp_path, template=mini)
    path = root / snapshot.ANSWERS_FILE
    doc = json.loads(path.read_text())
    for name in ("auth", "jwt_issuer", "jwt_audience"):
        del doc["answers"][name]
    path.write_text(json.dumps(doc, indent=2))
    # WHEN upgrading without input
    result = upgrade(root, template=mini, allow_dirty=True)
    # THEN auth keeps today's behaviour (not the new default, cognito) and the summary says why
    assert snapshot.read(root).answers["auth"] == kept
    text = summary(result)
    assert f"  new      auth: {kept} (kept what this project did before auth existed" in text
    # and an explicit --set still chooses real authentication
    doc["answers"].pop("auth", None)
    path.write_text(json.dumps(doc, indent=2))
    assert snapshot.read(root).answers.get("auth") is None
    upgrade(root, {"auth": "cognito"}, template=mini, allow_dirty=True)
    assert snapshot.read(root).answers["auth"] == "cognito"
