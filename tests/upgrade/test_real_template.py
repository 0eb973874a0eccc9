"""Recording and upgrading with slsguard's real template.

The template's content keeps evolving, so these tests find their edit spots at run time
(``quiet_index``: lines the answer change does not touch) instead of hard-coding lines.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from generator.answers import pins
from generator.answers.parse import validate
from generator.new.render import new, render
from generator.project import snapshot
from generator.upgrade.regenerate import upgrade
from tests.support.upgrade import (
    REPO,
    commit_all,
    copy_template,
    fingerprint,
    git,
    git_changed,
    git_init,
    insert_lines,
    quiet_index,
    set_version,
    untouched,
)

USER_FN = "  report:\n    handler: {pkg}/report.handler\n"


def rendered_tree(tmp: Path, answers: dict, template: Path | None = None) -> dict[str, snapshot.Entry]:
    return snapshot.read_tree(render(validate(answers), tmp, template=template))


def test_slsguard_new_and_plain_cookiecutter_are_byte_identical(tmp_path: Path) -> None:
    sets = ["database=postgres", "tracing=false", "function_timeout=10", "cold_start=provisioned", "project_name=Billing Svc"]
    flags = [arg for pair in sets for arg in ("--set", pair)]
    subprocess.run([sys.executable, "-m", "generator", "new", "--no-input", *flags, str(tmp_path / "a")], check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(REPO), "--no-input", "-o", str(tmp_path / "b"), *sets], check=True, capture_output=True
    )
    a, b = tmp_path / "a" / "billing-svc", tmp_path / "b" / "billing-svc"
    assert fingerprint(a) == fingerprint(b)
    assert (a / snapshot.ANSWERS_FILE).read_bytes() == (b / snapshot.ANSWERS_FILE).read_bytes()


def test_recording_is_complete_and_portable(tmp_path: Path) -> None:
    given = {"database": "mysql", "database_access": "data-api", "memory_size": "512"}
    root = new(given, tmp_path)
    doc = json.loads((root / snapshot.ANSWERS_FILE).read_text())
    # every answer, typed, in question order, nothing private; the version that rendered it
    assert doc == {"slsguard_version": __version__, "answers": validate(given)}
    assert list(doc["answers"]) == list(validate(given))
    # the merge base is exactly the generated project, without the recording itself
    record = snapshot.read(root)
    assert record.base == snapshot.read_tree(root)
    assert snapshot.ANSWERS_FILE not in record.base and snapshot.BASE_FILE not in record.base
    # no absolute path, user name or timestamp leaks into it; the one exception is the slsguard requirement when
    # slsguard itself is a local folder or wheel, which only this machine has (generator/answers/pins.py)
    local = pins.slsguard_requirement(REPO).encode()
    for blob in ((root / snapshot.ANSWERS_FILE).read_bytes(), gzip.decompress((root / snapshot.BASE_FILE).read_bytes())):
        blob = blob.replace(local, b"")
        assert str(tmp_path).encode() not in blob and str(REPO).encode() not in blob


@pytest.mark.parametrize(
    "change,vcs", [("database=postgres", "plain"), ("cold_start=provisioned", "git")], ids=["database-plain", "provisioned-git"]
)
def test_answer_change_on_real_template(tmp_path: Path, change: str, vcs: str) -> None:
    key, _, value = change.partition("=")
    root = new({}, tmp_path / "out")
    pkg = snapshot.read(root).answers["package_name"]
    theirs = rendered_tree(tmp_path / "theirs", {key: value})
    base = snapshot.read(root).base
    if vcs == "git":
        git_init(root)
    # GIVEN user edits at spots the answer change does not touch
    sls = root / "serverless.yml"
    sls_base, sls_theirs = base["serverless.yml"].data.decode(), theirs["serverless.yml"].data.decode()
    at = quiet_index(sls_base, sls_theirs, prefer="functions:")
    user_sls = USER_FN.format(pkg=pkg) if sls_base.splitlines()[at - 1] == "functions:" else "# team: reviewed by payments\n"
    insert_lines(sls, at, user_sls)
    api = root / pkg / "api.py"
    api_base, api_theirs = base[f"{pkg}/api.py"].data.decode(), theirs[f"{pkg}/api.py"].data.decode()
    insert_lines(api, quiet_index(api_base, api_theirs), "    # team: handler body changed here\n")
    (root / pkg / "report.py").write_text("def handler(event, context):\n    return {}\n")
    deleted = "tests/events/warmup.json" if "tests/events/warmup.json" in base else sorted(base)[0]
    (root / deleted).unlink()
    if vcs == "git":
        commit_all(root, "our work")
    before = fingerprint(root)
    # WHEN the answer changes
    result = upgrade(root, {key: value})
    # THEN every generated file is the new render, plus the user's lines; nothing else moved
    assert result.conflicts == []
    assert sls.read_text().replace(user_sls, "", 1) == sls_theirs
    assert api.read_text().replace("    # team: handler body changed here\n", "", 1) == api_theirs
    assert (root / pkg / "report.py").read_text() == "def handler(event, context):\n    return {}\n"
    assert not (root / deleted).exists()
    for rel, entry in theirs.items():
        if rel not in ("serverless.yml", f"{pkg}/api.py", deleted):
            assert (root / rel).read_bytes() == entry.data, rel
    for rel in set(base) - set(theirs):
        assert not (root / rel).exists(), rel
    touched = {c.path for c in result.changes if c.writes}
    after = fingerprint(root)
    assert untouched(after, touched) == untouched(before, touched)
    assert snapshot.read(root).answers[key] == value and snapshot.read(root).base == theirs
    if vcs == "git":
        assert git_changed(root) == sorted(touched)
        assert git(root, "check-attr", "binary", snapshot.BASE_FILE).strip().endswith("binary: set")  # never merged line by line


def test_new_template_version_on_real_template(tmp_path: Path) -> None:
    # GIVEN slsguard 0.2.0 whose README and serverless.yml templates changed, with a new file
    v2 = copy_template(tmp_path / "v2")
    set_version(v2, "0.2.0")
    project_tpl = v2 / "{{cookiecutter.project_slug}}"
    (project_tpl / "serverless.yml").write_text((project_tpl / "serverless.yml").read_text() + "# slsguard 0.2.0: reviewed defaults\n")
    readme_tpl = (project_tpl / "README.md").read_text().splitlines(keepends=True)
    heading = next(i for i, line in enumerate(readme_tpl) if line.startswith("# "))  # after the Jinja preamble
    readme_tpl[heading] = readme_tpl[heading].rstrip("\n") + " (v2)\n"
    (project_tpl / "README.md").write_text("".join(readme_tpl))
    (project_tpl / "SECURITY.md").write_text("Report issues privately.\n")
    root = new({}, tmp_path / "out")
    git_init(root)
    base = snapshot.read(root).base
    theirs = rendered_tree(tmp_path / "theirs", {}, template=v2)
    # AND a user who edited serverless.yml away from the change, and README's first line too
    sls_base, sls_theirs = base["serverless.yml"].data.decode(), theirs["serverless.yml"].data.decode()
    insert_lines(root / "serverless.yml", quiet_index(sls_base, sls_theirs), "# team: reviewed by payments\n")
    readme = (root / "README.md").read_text().splitlines(keepends=True)
    heading = next(i for i, line in enumerate(readme) if line.startswith("# "))
    readme[heading] = readme[heading].rstrip("\n") + " (payments)\n"
    (root / "README.md").write_text("".join(readme))
    commit_all(root, "our work")
    # WHEN upgrading to it
    result = upgrade(root, template=v2)
    # THEN the far-apart edits merge, the same-line edit conflicts, the new file arrives
    assert result.from_version == __version__
    assert result.to_version == "0.2.0" and snapshot.read(root).version == "0.2.0"
    assert (root / "serverless.yml").read_text().replace("# team: reviewed by payments\n", "", 1) == sls_theirs
    assert (root / "SECURITY.md").read_text() == "Report issues privately.\n"
    assert result.conflicts == ["README.md"]
    text = (root / "README.md").read_text()
    assert text.startswith("<<<<<<< your project\n") and " (payments)\n" in text and " (v2)\n" in text
    assert ">>>>>>> slsguard 0.2.0 (this upgrade)\n" in text
    # requirements-dev.txt too: its slsguard line names the template copy this upgrade came from (generator/answers/pins.py)
    assert git_changed(root) == sorted(
        [".slsguard/answers.json", ".slsguard/base.tar.gz", "README.md", "SECURITY.md", "requirements-dev.txt", "serverless.yml"]
    )


def test_new_question_is_asked_in_a_real_terminal(tmp_path: Path) -> None:
    import pexpect

    # GIVEN a project recorded before "tracing" was a question
    root = new({}, tmp_path)
    path = root / snapshot.ANSWERS_FILE
    doc = json.loads(path.read_text())
    del doc["answers"]["tracing"]
    path.write_text(json.dumps(doc, indent=2) + "\n")
    # WHEN upgrading in a terminal, THEN only that question is asked
    child = pexpect.spawn(sys.executable, ["-m", "generator", "upgrade", str(root)], cwd=str(tmp_path), encoding="utf-8", timeout=60)
    child.expect("1 question\\(s\\) are new in this version")
    child.expect("Enable Lambda active tracing\\?")
    child.send("n")
    child.expect("new      tracing: false \\(your answer\\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert snapshot.read(root).answers["tracing"] is False


def test_rendering_over_an_existing_project_records_only_generated_files(tmp_path: Path) -> None:
    # GIVEN a project with a file of the user's; WHEN plain cookiecutter renders over it (-f)
    root = new({}, tmp_path)
    (root / "notes.txt").write_text("mine\n")
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(REPO), "--no-input", "-f", "-o", str(tmp_path)], check=True, capture_output=True
    )
    # THEN the merge base holds only what the template generated: no upgrade will ever delete notes.txt
    base = snapshot.read(root).base
    assert "notes.txt" not in base
    assert base == rendered_tree(tmp_path / "fresh", {})


def test_shared_events_folder_behind_a_link_is_never_written(tmp_path: Path) -> None:
    # GIVEN tests/events replaced by a link to a folder shared with other services (outside the project)
    import hashlib
    import shutil

    v2 = copy_template(tmp_path / "v2")
    set_version(v2, "0.2.0")
    warmup_tpl = v2 / "{{cookiecutter.project_slug}}" / "tests" / "events" / "warmup.json"
    warmup_tpl.write_text(warmup_tpl.read_text().replace("{", '{\n  "slsguard": "0.2.0",', 1))
    root = new({}, tmp_path / "out")
    shared = tmp_path / "shared-events"
    shutil.move(root / "tests" / "events", shared)
    (root / "tests" / "events").symlink_to(shared)
    outside = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in shared.iterdir()}
    assert "warmup.json" in outside
    # WHEN the template changes warmup.json in it
    result = upgrade(root, template=v2)
    # THEN the shared folder is byte-identical, the link stands, and the path is reported
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in shared.iterdir()} == outside
    assert (root / "tests" / "events").readlink() == shared
    assert [(c.path, c.action, c.note) for c in result.file_changes] == [
        ("requirements-dev.txt", "updated", ""),  # its slsguard line names the template copy (generator/answers/pins.py)
        ("tests/events/warmup.json", "linked", "behind your link tests/events; not followed"),
    ]
