"""Hostile files and events around the answers: links under ``new --force``, a gzip-bomb merge base, billion-laughs
answers files and serverless.yml, oversized and deeply nested recordings, signals during ``new``, ``upgrade`` and
``add``, and an internal error. Each runs the real ``slsguard`` command; the bombs run under an address-space
limit (``RLIMIT_AS``), so reading one whole would fail the test with a MemoryError instead of passing slowly.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from generator import new_project as new
from tests.support.hostile import SLSGUARD, one_line, slsguard, tree
from tests.support.paths import FIXTURES


def billion_laughs(key: str) -> str:
    """``key`` holding 10^9 x's through 9 levels of anchors (430 bytes): what a loader that expands aliases builds."""
    levels = ["  - &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"  - &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    return "\n".join([f"{key}:", *levels]) + "\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new({}, tmp_path_factory.mktemp("gen"))


@pytest.fixture
def project(tmp_path: Path, generated: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(generated, copy, symlinks=True)
    return copy


# -- new --force never writes through a link ------------------------------------------------------------------------


@pytest.mark.parametrize("linked", ["README.md", "tests", "."], ids=["file", "folder", "project-folder"])
def test_new_force_never_writes_through_a_link(tmp_path: Path, linked: str) -> None:
    # GIVEN a project whose README.md, tests/ folder or whole folder is a link to something outside it
    out = tmp_path / "out"
    new({}, out)
    outside = tmp_path / "outside"
    target = out / "my-service" / linked if linked != "." else out / "my-service"
    shutil.move(target, outside)
    target.symlink_to(outside, target_is_directory=outside.is_dir())
    if linked == "README.md":
        outside.write_text("mine\n")
    before_out, before_outside = tree(out), tree(outside) if outside.is_dir() else outside.read_bytes()
    # WHEN rendering over it with --force
    proc = slsguard("new", "--no-input", "--force", str(out), cwd=tmp_path)
    # THEN one line, exit 2, and neither the project nor the link's target changed
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "symbolic link" in line and "Fix:" in line
    assert tree(out) == before_out
    assert (tree(outside) if outside.is_dir() else outside.read_bytes()) == before_outside


# -- bounded inputs -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gzip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 MB base.tar.gz that decompresses to 4 GiB: one tar member of zeros, as 64 concatenated gzip members."""
    chunk = 64 << 20
    info = tarfile.TarInfo("huge.txt")
    info.size = 64 * chunk
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    zeros = gzip.compress(bytes(chunk), compresslevel=9, mtime=0)
    path = tmp_path_factory.mktemp("bomb") / "base.tar.gz"
    with path.open("wb") as out:
        out.write(gzip.compress(header + bytes(chunk - len(header)), compresslevel=9, mtime=0))
        for _ in range(63):
            out.write(zeros)
    assert path.stat().st_size < 5 << 20
    return path


@pytest.mark.parametrize("argv", [["upgrade", "--check", "."], ["upgrade", "--no-input", "--allow-dirty", "."]], ids=["check", "upgrade"])
def test_a_gzip_bomb_merge_base_fails_fast_in_bounded_memory(project: Path, gzip_bomb: Path, argv: list[str]) -> None:
    shutil.copy(gzip_bomb, project / ".slsguard" / "base.tar.gz")
    before = tree(project)
    proc = slsguard(*argv, cwd=project, limit_memory=True, timeout=120)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "base.tar.gz is damaged" in line and "64 MB" in line, proc.stderr
    assert tree(project) == before


def test_add_never_reads_the_merge_base(project: Path, gzip_bomb: Path) -> None:
    """add needs only the answers: a bomb as the base costs it nothing."""
    shutil.copy(gzip_bomb, project / ".slsguard" / "base.tar.gz")
    proc = slsguard("add", "job", "--trigger", "sqs", cwd=project, limit_memory=True)
    assert proc.returncode == 0, proc.stderr
    assert (project / "my_service" / "job.py").is_file()


def test_a_billion_laughs_answers_file_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    answers = tmp_path / "laughs.yml"
    answers.write_text(billion_laughs("project_name"))
    proc = slsguard("new", "--no-input", "--answers", str(answers), "out", cwd=tmp_path, limit_memory=True, timeout=60)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "laughs.yml" in line and "aliases" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laughs.yml"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nesting depth"),
        ('{"answers": {}, "pad": "' + "x" * (2 << 20) + '"}', "larger than"),
        ('{"answers": {"memory_size": ' + "9" * 5000 + "}}", "number length"),
        ('{"answers": {}, "answers": {"project_name": "x"}}', "written twice"),
    ],
    ids=["deep", "huge", "long-number", "duplicate-key"],
)
@pytest.mark.parametrize(
    "argv", [["upgrade", "--check", "."], ["add", "job", "--trigger", "sqs"], ["audit", "."]], ids=["upgrade", "add", "audit"]
)
def test_unusable_recorded_answers_are_one_line(project: Path, content: str, words: str, argv: list[str]) -> None:
    (project / ".slsguard" / "answers.json").write_text(content)
    if argv[0] == "audit":
        shutil.copytree(FIXTURES / "audit" / "nested", project / ".serverless")
    before = tree(project)
    proc = slsguard(*argv, cwd=project, limit_memory=True)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "answers.json" in line and words in line, proc.stderr
    assert tree(project) == before


def test_recorded_answers_are_never_read_through_a_link(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "secret.json"
    elsewhere.write_text(json.dumps({"slsguard_version": "0.1.0", "answers": {"project_name": "s3cr3t"}}))
    (project / ".slsguard" / "answers.json").unlink()
    (project / ".slsguard" / "answers.json").symlink_to(elsewhere)
    proc = slsguard("upgrade", "--check", ".", cwd=project)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "symbolic link" in line and "s3cr3t" not in line


@pytest.mark.parametrize("argv", [["add", "job", "--trigger", "sqs"], ["init", "."]], ids=["add", "init"])
def test_a_billion_laughs_serverless_yml_is_refused_in_bounded_memory(project: Path, argv: list[str]) -> None:
    if argv[0] == "init":  # a service slsguard did not generate
        shutil.rmtree(project / ".slsguard")
    config = project / "serverless.yml"
    config.write_text(billion_laughs("laughs") + config.read_text())
    before = tree(project)
    proc = slsguard(*argv, cwd=project, limit_memory=True, timeout=60)
    line = one_line(proc.stderr)
    assert proc.returncode == 2 and "serverless.yml" in line and "aliases" in line, proc.stderr
    assert tree(project) == before


# -- signals leave nothing behind -----------------------------------------------------------------------------------


def _signal_when(proc: subprocess.Popen[str], appeared, sig: int, timeout: float = 60) -> bool:
    """Send ``sig`` as soon as ``appeared()`` holds (the command is mid-work); False if it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if appeared():
            proc.send_signal(sig)
            return True
        time.sleep(0.005)
    return False


def _start(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SLSGUARD), *argv], cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_new_leaves_nothing(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "out"
    proc = _start("new", "--no-input", str(out), cwd=tmp_path)
    assert _signal_when(proc, lambda: any(out.glob(".slsguard-render-*/*/*")), sig), "new finished before the render was seen"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (128 + sig if sig != signal.SIGINT else 130), err
    line = one_line(err)
    assert "nothing" in line
    assert not out.exists(), tree(out)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_upgrade_leaves_the_project_as_it_was(project: Path, tmp_path: Path, sig: int) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = tree(project)
    proc = _start("upgrade", "--no-input", "--allow-dirty", "--set", "memory_size=512", ".", cwd=project, env={"TMPDIR": str(scratch)})
    assert _signal_when(proc, lambda: any(scratch.glob("slsguard-upgrade-*/.slsguard-render-*/*/*")), sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (143 if sig == signal.SIGTERM else 130), err
    assert ("stopped by SIGTERM" if sig == signal.SIGTERM else "interrupted") in one_line(err)
    assert tree(project) == before
    assert list(scratch.iterdir()) == [], "the upgrade's temporary render is removed"


def test_a_signal_at_any_moment_of_add_leaves_all_or_nothing(project: Path) -> None:
    """add is quick: signals sent across its run either stop it with the project untouched or come after it."""
    before = tree(project)
    outcomes = set()
    for delay in (0.05, 0.15, 0.25, 0.35, 0.45, 0.6, 0.8):
        proc = _start("add", "job", "--trigger", "sqs", cwd=project)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        after = tree(project)
        if after == before:
            outcomes.add("untouched")
            assert proc.returncode in (143, -signal.SIGTERM), err
            continue
        outcomes.add("added")
        assert (project / "my_service" / "job.py").is_file() and not list(project.glob(".slsguard-upgrade-*"))
        break  # added whole: later delays would find the name taken
    assert "untouched" in outcomes


def test_a_signal_in_the_middle_of_a_transaction_puts_every_file_back(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic: SIGTERM arrives between two renames of the swap; the handler holds it, the swap is undone."""
    from generator import signals
    from generator.project import transaction
    from generator.project.change import UPDATED, Change
    from generator.project.snapshot import Entry

    before = tree(project)
    moves = []
    real_move = transaction._move

    def move_then_signal(src: Path, dst: Path) -> None:
        real_move(src, dst)
        moves.append(dst)
        if len(moves) == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    handled = [getattr(signal, name) for name in signals.HANDLED]
    previous = {sig: signal.getsignal(sig) for sig in handled}
    signals.install()
    try:
        monkeypatch.setattr(transaction, "_move", move_then_signal)
        changes = [Change(rel, UPDATED, Entry(b"new\n")) for rel in ("README.md", "serverless.yml", "package.json")]
        with pytest.raises(signals.Terminated):
            transaction.apply(project, changes, command="add")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert len(moves) > 2, "the swap went on to its end before stopping"
    assert tree(project) == before


# -- exit codes ---------------------------------------------------------------------------------------------------


INTERNAL_BUG = (
    "import sys, generator.audit as audit\n"
    "def bug(args):\n    raise ZeroDivisionError('division by zero in a rule')\n"
    "audit.run_cli = bug\n"
    "from generator.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("debug", ["", "env", "flag"])
def test_an_internal_error_is_one_line_and_its_own_exit_code(tmp_path: Path, debug: str) -> None:
    argv = ["audit", "--debug", "."] if debug == "flag" else ["audit", "."]
    env = {**os.environ, "SLSGUARD_DEBUG": "1" if debug == "env" else ""}
    proc = subprocess.run([sys.executable, "-c", INTERNAL_BUG, *argv], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 70, proc.stderr
    last = proc.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("slsguard: internal error in `slsguard audit`: ZeroDivisionError: division by zero in a rule")
    if debug:
        assert "Traceback (most recent call last)" in proc.stderr and "def bug" not in last
    else:
        one_line(proc.stderr)
        assert "--debug" in last and "SLSGUARD_DEBUG=1" in last


def test_a_closed_output_pipe_is_not_an_internal_error() -> None:
    """``slsguard audit ... | head`` where the reader has gone: exit 141 (SIGPIPE's code), no traceback."""
    fixtures = FIXTURES / "audit" / "nested"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [str(SLSGUARD), "audit", "--format", "json", str(fixtures)], stdout=write_end, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 141


def test_gzip_bomb_fixture_really_is_one(gzip_bomb: Path) -> None:
    """The bomb decompresses past any merge base (read in bounded chunks here, to prove the fixture, not the code)."""
    total = 0
    with gzip.open(gzip_bomb, "rb") as stream:
        while total <= 1 << 30 and (block := stream.read(1 << 24)):
            total += len(block)
    assert total > 1 << 30
    with gzip.open(gzip_bomb, "rb") as stream:
        assert tarfile.TarInfo.frombuf(stream.read(512), "utf-8", "surrogateescape").size == 4 << 30
