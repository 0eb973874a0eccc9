"""``slsguard upgrade`` never writes outside the project, never drops a template change, and ``--check``
sees conflicts: symlinks, binary conflicts, unresolved markers, converted line endings, adopted projects.

Each case runs in a git repository (committed) and in a plain folder, through the real command line.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import cli
from generator.new import render
from generator.project import snapshot
from tests.support import paths
from tests.support.snapshots import snapshot_check
from tests.support.upgrade import PROJECT_DIR, commit_all, fingerprint, git, git_init, mini_template, set_version, write_files

SNAPSHOTS = paths.SNAPSHOTS / "upgrade"
LOGO_V1 = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR generated 0.1.0"
LOGO_V2 = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR generated 0.2.0"
LOGO_OURS = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR our own logo"
API_LINE = 'name = event.get("name", "world")'


@pytest.fixture(scope="module")
def v1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small template plus a binary file and a second doc."""
    tpl = mini_template(tmp_path_factory.mktemp("tpl") / "v1")
    (tpl / PROJECT_DIR / "assets").mkdir()
    (tpl / PROJECT_DIR / "assets" / "logo.png").write_bytes(LOGO_V1)
    write_files(tpl / PROJECT_DIR, {"docs/old.md": "Old page.\n"})
    return tpl


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory, v1: Path) -> Path:
    """The next version: every kind of change, in every place a user may have linked or converted."""
    tpl = tmp_path_factory.mktemp("tpl") / "v2"
    shutil.copytree(v1, tpl)
    set_version(tpl, "0.2.0")
    project = tpl / PROJECT_DIR
    (project / "assets" / "logo.png").write_bytes(LOGO_V2)
    api = project / "{{cookiecutter.package_name}}" / "api.py"
    api.write_text(api.read_text().replace(API_LINE, 'name = event.get("name") or "world"'))
    worker = project / "{{cookiecutter.package_name}}" / "worker.py"
    worker.write_text(worker.read_text().replace("    return {", "    # failed ids go here; SQS retries only those\n    return {"))
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("npx osls deploy", "npx osls deploy --stage dev"))
    (project / "docs" / "notes.md").write_text("Notes, revised.\n")
    (project / "docs" / "old.md").unlink()
    (project / "docs" / "guide.md").write_text("A new guide.\n")
    return tpl


@pytest.fixture(params=["git", "plain"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def generate(tmp_path: Path, v1: Path, kind: str) -> Path:
    root = render.new({}, tmp_path / "out", template=v1)
    if kind == "git":
        git_init(root)
    return root


def settle(root: Path, kind: str, message: str) -> None:
    """What the user does after editing: commit (in git)."""
    if kind == "git":
        commit_all(root, message)


def upgrade_cli(monkeypatch: pytest.MonkeyPatch, template: Path, *args: str) -> int:
    monkeypatch.setattr(render, "template_dir", lambda: template)
    return cli.main(["upgrade", *args])


def outside(tmp_path: Path, project: Path) -> dict[str, str]:
    """sha256 of every file and link outside the project (links not followed), and every folder."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(tmp_path):
        here = Path(dirpath)
        if here == project:
            dirnames[:] = filenames[:] = []
        for name in dirnames + filenames:
            path = here / name
            if path == project:
                continue
            rel = path.relative_to(tmp_path).as_posix()
            if path.is_symlink():
                out[rel] = "link -> " + os.readlink(path)
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return out


def files_table(out: str) -> dict[str, tuple[str, str]]:
    """The summary's Files lines: path -> (action, note)."""
    rows = re.findall(r"(?m)^  (\S+(?: \S+)?)\s{2,}(\S+)(?:\s{2,}(.*))?$", out[out.index("Files:") :])
    return {path: (action, note) for action, path, note in rows}


def test_links_are_never_followed(tmp_path: Path, v1: Path, v2: Path, kind: str, monkeypatch, capsys) -> None:
    # GIVEN docs/ replaced by a link to a folder shared with other services, and README.md by a link to a shared file
    root = generate(tmp_path, v1, kind)
    shared = tmp_path / "shared"
    shutil.copytree(root / "docs", shared / "docs")
    (shared / "docs" / "other-service.md").write_text("Not yours.\n")
    shutil.copy(root / "README.md", shared / "README.md")
    shutil.rmtree(root / "docs")
    (root / "docs").symlink_to(shared / "docs")
    (root / "README.md").unlink()
    (root / "README.md").symlink_to(shared / "README.md")
    settle(root, kind, "shared docs")
    before = outside(tmp_path, root)
    # WHEN slsguard 0.2.0 changes, removes and adds files there
    code = upgrade_cli(monkeypatch, v2, str(root), "--no-input")
    out = capsys.readouterr().out
    # THEN nothing outside the project changed, the links stand, and each path is reported
    assert outside(tmp_path, root) == before
    assert os.readlink(root / "docs") == str(shared / "docs") and os.readlink(root / "README.md") == str(shared / "README.md")
    assert code == 0
    table = files_table(out)
    assert table["README.md"] == ("linked", "replaced by a link; not followed")
    for rel in ("docs/guide.md", "docs/notes.md", "docs/old.md"):
        assert table[rel] == ("linked", "behind your link docs; not followed")
    assert "you deleted it" not in out
    assert snapshot.read(root).version == "0.2.0"


def test_record_folder_behind_a_link_is_refused(tmp_path: Path, v1: Path, v2: Path, kind: str, monkeypatch, capsys) -> None:
    root = generate(tmp_path, v1, kind)
    shutil.move(root / ".slsguard", tmp_path / "elsewhere")
    (root / ".slsguard").symlink_to(tmp_path / "elsewhere")
    settle(root, kind, "recording elsewhere")
    before, inside = outside(tmp_path, root), fingerprint(root)
    assert upgrade_cli(monkeypatch, v2, str(root), "--no-input") == 2
    err = capsys.readouterr().err
    assert "lies behind the symbolic link .slsguard: an upgrade never writes through a link" in err
    assert len(err.strip().splitlines()) == 1
    assert outside(tmp_path, root) == before and fingerprint(root) == inside


def git_stages(root: Path, rel: str) -> dict[str, bytes]:
    """Stage number -> blob bytes of an unmerged path (``git ls-files -u``)."""
    out: dict[str, bytes] = {}
    for line in git(root, "ls-files", "-u", "--", rel).splitlines():
        _mode, sha, stage = line.split("\t")[0].split()
        out[stage] = subprocess.run(["git", "-C", str(root), "cat-file", "blob", sha], check=True, capture_output=True).stdout
    return out


def test_binary_conflict_keeps_both_versions(tmp_path: Path, v1: Path, v2: Path, kind: str, monkeypatch, capsys) -> None:
    # GIVEN the team replaced a generated binary file; WHEN slsguard 0.2.0 changes it too
    root = generate(tmp_path, v1, kind)
    logo = root / "assets" / "logo.png"
    logo.write_bytes(LOGO_OURS)
    settle(root, kind, "our logo")
    code = upgrade_cli(monkeypatch, v2, str(root), "--no-input")
    out, err = capsys.readouterr()
    # THEN yours stays in place, the new version is kept where you can pick it, and no markers are mentioned
    assert code == 1
    assert logo.read_bytes() == LOGO_OURS
    assert files_table(out)["assets/logo.png"][0] == "binary conflict"
    assert "1 binary file changed on both sides: assets/logo.png. Fix: " in err
    assert "marker" not in out + err
    snapshot_check(SNAPSHOTS / f"binary_conflict_{kind}.txt", out.rstrip("\n") + "\n")
    side = root / "assets" / "logo.png.slsguard-new"
    if kind == "git":
        assert git_stages(root, "assets/logo.png") == {"1": LOGO_V1, "2": LOGO_OURS, "3": LOGO_V2}
        assert "'git checkout --theirs assets/logo.png' takes the new version" in err
        assert not side.exists()
    else:
        assert side.read_bytes() == LOGO_V2
        assert "take the new one (move assets/logo.png.slsguard-new over assets/logo.png)" in err
    # --check fails and names the file; a second upgrade refuses and writes nothing
    assert upgrade_cli(monkeypatch, v2, str(root), "--check") == 1
    expected = "unmerged in git" if kind == "git" else "new version in assets/logo.png.slsguard-new"
    out = capsys.readouterr().out
    assert f"  - assets/logo.png: {expected}\n" in out
    snapshot_check(SNAPSHOTS / f"check_unresolved_binary_{kind}.txt", out.rstrip("\n") + "\n")
    before = fingerprint(root)
    assert upgrade_cli(monkeypatch, v2, str(root), "--no-input", "--allow-dirty") == 2
    assert "1 unresolved conflict from the last upgrade: assets/logo.png" in capsys.readouterr().err
    assert fingerprint(root) == before
    # WHEN the user takes the new version, THEN --check passes and the next upgrade has nothing to do
    if kind == "git":
        git(root, "checkout", "--theirs", "assets/logo.png")
        commit_all(root, "take the new logo")
    else:
        os.replace(side, logo)
    assert logo.read_bytes() == LOGO_V2
    assert upgrade_cli(monkeypatch, v2, str(root), "--check") == 0
    assert upgrade_cli(monkeypatch, v2, str(root), "--no-input") == 0
    assert "is up to date: nothing to do." in capsys.readouterr().out


def test_check_fails_until_conflict_markers_are_resolved(tmp_path: Path, v1: Path, v2: Path, kind: str, monkeypatch, capsys) -> None:
    root = generate(tmp_path, v1, kind)
    api = root / "my_service" / "api.py"
    api.write_text(api.read_text().replace(API_LINE, 'name = event.get("name", "team")'))
    settle(root, kind, "our greeting")
    assert upgrade_cli(monkeypatch, v2, str(root), "--no-input") == 1
    assert "<<<<<<< your project" in api.read_text()
    capsys.readouterr()
    # WHEN markers are still there, THEN --check exits 1 and names the file
    assert upgrade_cli(monkeypatch, v2, str(root), "--check") == 1
    how = "conflict markers, unmerged in git" if kind == "git" else "conflict markers"
    assert f"my-service has unresolved conflicts from the last upgrade:\n  - my_service/api.py: {how}\n" in capsys.readouterr().out
    # a second upgrade goes on over markers alone (text the user owns) and says so; git refuses unmerged paths
    code = upgrade_cli(monkeypatch, v2, str(root), "--no-input", "--allow-dirty")
    out, err = capsys.readouterr()
    if kind == "git":
        assert code == 2 and "1 unresolved conflict from the last upgrade: my_service/api.py (conflict markers, unmerged in git)" in err
    else:
        assert code == 0 and out.endswith(
            "is up to date: nothing to do.\nStill unresolved from the last upgrade: my_service/api.py (conflict markers).\n"
        )
    # WHEN the user resolves the markers
    text = api.read_text()
    api.write_text(
        text[: text.index("<<<<<<<")] + '    name = event.get("name") or "team"\n' + text[text.index(">>>>>>>") :].split("\n", 1)[1]
    )
    if kind == "git":
        assert upgrade_cli(monkeypatch, v2, str(root), "--check") == 1  # not yet 'git add'ed
        assert "  - my_service/api.py: unmerged in git\n" in capsys.readouterr().out
        commit_all(root, "resolved")
    # THEN --check passes
    assert upgrade_cli(monkeypatch, v2, str(root), "--check") == 0
    assert capsys.readouterr().out == "my-service is up to date with slsguard 0.2.0 and its answers.\n"


def test_crlf_file_merges_in_your_line_endings(tmp_path: Path, v1: Path, v2: Path, kind: str, monkeypatch, capsys) -> None:
    # GIVEN a generated file the team converted to CRLF and edited
    root = generate(tmp_path, v1, kind)
    worker = root / "my_service" / "worker.py"
    generated = worker.read_text()
    ours = generated.replace('"""SQS handler."""', '"""SQS handler (ours)."""')
    worker.write_bytes(ours.replace("\n", "\r\n").encode())
    settle(root, kind, "crlf")
    # WHEN slsguard 0.2.0 changes another line of it
    assert upgrade_cli(monkeypatch, v2, str(root), "--no-input") == 0
    # THEN both changes are kept line by line, in CRLF
    new_line = "    # failed ids go here; SQS retries only those\n"
    expected = ours.replace("    return {", new_line + "    return {").replace("\n", "\r\n")
    assert worker.read_bytes() == expected.encode()
    assert files_table(capsys.readouterr().out)["my_service/worker.py"] == ("merged", "your changes kept")


def test_adopted_project_says_what_upgrade_can_do(tmp_path: Path, kind: str, capsys) -> None:
    # GIVEN a service adopted by 'slsguard init' (never generated): adopted.json, no answers.json
    root = tmp_path / "svc"
    write_files(root, {"serverless.yml": "service: svc\n", "handler.py": "def handler(e, c):\n    return 1\n"})
    write_files(root, {snapshot.ADOPTED_FILE: json.dumps({"slsguard": "0.1.0"}) + "\n", ".slsguard/plugin.js": "module.exports = {};\n"})
    if kind == "git":
        git_init(root)
    before = fingerprint(root)
    for args in ([], ["--check"], ["--dry-run"]):
        assert cli.main(["upgrade", str(root), *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"{root} was adopted by 'slsguard init' (slsguard 0.1.0), not generated: there is no generated base to merge" in err
        assert "run 'slsguard init' again" in err and "not found" not in err
    assert fingerprint(root) == before


@pytest.mark.parametrize("module", ["report", "result"])
def test_report_takes_plain_data(module: str) -> None:
    """Dependencies point one way: upgrade -> report -> result, never back."""
    source = (Path(cli.__file__).parent / "upgrade" / f"{module}.py").read_text()
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert imported and not imported & {"regenerate", "generator.upgrade.regenerate"}


def test_binary_conflict_falls_back_to_a_side_file_when_git_cannot_register_it(
    tmp_path: Path, v1: Path, v2: Path, monkeypatch, capsys
) -> None:
    # GIVEN a git project whose index cannot take the conflict (another git process holds index.lock, say)
    from generator.upgrade import regenerate as upgrade_module

    root = generate(tmp_path, v1, "git")
    (root / "assets" / "logo.png").write_bytes(LOGO_OURS)
    settle(root, "git", "our logo")
    monkeypatch.setattr(upgrade_module, "mark_unmerged", lambda root, changes: False)
    # WHEN upgrading, THEN the new version still lands beside yours, and the report says where
    assert upgrade_cli(monkeypatch, v2, str(root), "--no-input") == 1
    out, err = capsys.readouterr()
    assert (root / "assets" / "logo.png.slsguard-new").read_bytes() == LOGO_V2
    assert "take the new one (move assets/logo.png.slsguard-new over assets/logo.png)" in err
    assert "git checkout" not in out + err
