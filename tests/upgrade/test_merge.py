"""The per-file decision table of a three-way upgrade, and the merge base archive."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from generator.project.snapshot import Entry, pack, unpack
from generator.upgrade.merge import Labels, merge_text, plan_file

A, B, C = Entry(b"a\n"), Entry(b"b\n"), Entry(b"c\n")
X = Entry(b"a\n", executable=True)
L = Labels()

# (ours, base, theirs) -> (action, written content or None); None action: nothing to do or say
CASES = {
    "untouched-by-template": ((B, A, A), (None, None)),
    "deleted-by-you-untouched-by-template": ((None, A, A), (None, None)),
    "template-changed-you-did-not": ((A, A, B), ("updated", B)),
    "both-made-the-same-change": ((B, A, B), (None, None)),
    "new-file": ((None, None, A), ("added", A)),
    "new-file-you-already-have-identical": ((A, None, A), (None, None)),
    "no-longer-generated-unchanged": ((A, A, None), ("removed", None)),
    "no-longer-generated-changed": ((B, A, None), ("kept", None)),
    "no-longer-generated-deleted": ((None, A, None), (None, None)),
    "deleted-by-you-changed-by-template": ((None, A, B), ("not restored", None)),
    "template-made-it-executable": ((A, A, X), ("updated", X)),
    "you-made-it-executable-template-changed-text": ((Entry(b"a\n", True), A, B), ("updated", Entry(b"b\n", True))),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_decision_table(case: str) -> None:
    (ours, base, theirs), (action, entry) = CASES[case]
    change = plan_file("f.txt", ours, base, theirs, L)
    assert (change.action if change else None, change.entry if change else None) == (action, entry)


def test_both_changed_apart_merges() -> None:
    base = b"one\ntwo\nthree\nfour\nfive\n"
    ours = b"ONE\ntwo\nthree\nfour\nfive\n"
    theirs = b"one\ntwo\nthree\nfour\nFIVE\n"
    change = plan_file("f", Entry(ours), Entry(base), Entry(theirs), L)
    assert (change.action, change.entry.data) == ("merged", b"ONE\ntwo\nthree\nfour\nFIVE\n")


def test_both_changed_same_line_conflicts_with_labels() -> None:
    merged, conflicted = merge_text(b"x = 1\ny = ours\n", b"x = 1\ny = 0\n", b"x = 1\ny = theirs\n", Labels("mine", "old", "new"))
    assert conflicted
    assert merged == b"x = 1\n<<<<<<< mine\ny = ours\n||||||| old\ny = 0\n=======\ny = theirs\n>>>>>>> new\n"


def test_insertion_right_after_a_changed_line_conflicts(tmp_path) -> None:
    # git merge-file treats touching hunks as overlapping: a user line glued to a changed generated line is flagged
    from generator.project.transaction import apply

    ours, base, theirs = b"a\nb\nmine\nc\n", b"a\nb\nc\n", b"a\nB\nc\n"
    merged, conflicted = merge_text(ours, base, theirs, L)
    assert conflicted
    assert merged == b"a\n<<<<<<< your project\nb\nmine\n||||||| last generation\nb\n=======\nB\n>>>>>>> this upgrade\nc\n"
    change = plan_file("f.txt", Entry(ours), Entry(base), Entry(theirs), L)
    assert (change.action, change.entry, change.sides) == ("conflict", Entry(merged), (Entry(ours), Entry(base), Entry(theirs)))
    (tmp_path / "f.txt").write_bytes(ours)
    apply(tmp_path, [change])
    assert (tmp_path / "f.txt").read_bytes() == merged  # the markers land in the file, both sides' lines intact


def test_binary_file_changed_on_both_sides_keeps_both_versions() -> None:
    ours, base, theirs = Entry(b"\0ours"), Entry(b"\0base"), Entry(b"\0theirs")
    change = plan_file("logo.png", ours, base, theirs, L)
    assert (change.action, change.entry, change.sides) == ("binary conflict", None, (ours, base, theirs))


CRLF_CASES = {
    # (ours, base, theirs) -> written; the user converted the file to CRLF (or back to LF)
    "template-changed-a-line": (b"a\r\nb\r\nc\r\n", b"a\nb\nc\n", b"a\nB\nc\n", ("merged", b"a\r\nB\r\nc\r\n")),
    "both-changed-apart": (b"A\r\nb\r\nc\r\nd\r\ne\r\n", b"a\nb\nc\nd\ne\n", b"a\nb\nc\nd\nE\n", ("merged", b"A\r\nb\r\nc\r\nd\r\nE\r\n")),
    "converted-back-to-lf": (b"a\nb\nc\n", b"a\r\nb\r\nc\r\n", b"a\r\nB\r\nc\r\n", ("merged", b"a\nB\nc\n")),
    "same-content-other-endings": (b"a\r\nB\r\n", b"a\nb\n", b"a\nB\n", None),
}


@pytest.mark.parametrize("case", list(CRLF_CASES), ids=list(CRLF_CASES))
def test_converted_line_endings_merge_line_by_line(case: str) -> None:
    ours, base, theirs, expected = CRLF_CASES[case]
    change = plan_file("f.txt", Entry(ours), Entry(base), Entry(theirs), L)
    assert (None if change is None else (change.action, change.entry.data)) == expected


def test_converted_line_endings_conflict_in_yours() -> None:
    change = plan_file("f.txt", Entry(b"x = 1\r\ny = ours\r\n"), Entry(b"x = 1\ny = 0\n"), Entry(b"x = 1\ny = theirs\n"), L)
    assert change.action == "conflict"
    assert change.entry.data == (
        b"x = 1\r\n<<<<<<< your project\r\ny = ours\r\n||||||| last generation\r\ny = 0\r\n=======\r\ny = theirs\r\n>>>>>>> this upgrade\r\n"
    )
    assert [side.data.count(b"\r\n") for side in change.sides] == [2, 2, 2]  # git's stages in your endings too


def test_base_archive_is_deterministic_and_round_trips() -> None:
    tree = {"b/x.py": Entry(b"x\n"), "a.txt": Entry("é\n".encode()), "run.sh": Entry(b"#!/bin/sh\n", True)}
    data = pack(tree)
    assert data == pack(dict(reversed(tree.items())))
    assert unpack(data) == dict(sorted(tree.items()))
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        assert [(m.name, m.mtime, m.uid, m.uname, m.mode) for m in tar] == [
            ("a.txt", 0, 0, "", 0o644),
            ("b/x.py", 0, 0, "", 0o644),
            ("run.sh", 0, 0, "", 0o755),
        ]
    assert data[4:8] == b"\0\0\0\0"  # gzip header without a timestamp


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "a/../../b"])
def test_base_archive_refuses_paths_outside_the_project(name: str) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="unsafe path"):
        unpack(gzip.compress(raw.getvalue()))


def test_binary_conflict_is_never_applied_as_a_deletion(tmp_path) -> None:
    from generator.project.transaction import apply

    (tmp_path / "logo.png").write_bytes(b"\0ours")
    change = plan_file("logo.png", Entry(b"\0ours"), Entry(b"\0base"), Entry(b"\0theirs"), L)
    assert not change.writes
    apply(tmp_path, [change])
    assert (tmp_path / "logo.png").read_bytes() == b"\0ours"


def test_unresolved_finds_only_the_last_upgrades_markers_and_side_files(tmp_path) -> None:
    from generator.upgrade.conflicts import labels, unresolved

    lab = labels("0.1.0", "0.2.0")
    merged, conflicted = merge_text(b"x = 1\r\ny = ours\r\n", b"x = 1\r\ny = 0\r\n", b"x = 1\r\ny = theirs\r\n", lab)
    assert conflicted
    (tmp_path / "crlf.py").write_bytes(merged)  # markers in CRLF, labelled by the upgrade to 0.2.0
    older, _ = merge_text(b"a\n", b"b\n", b"c\n", labels("0.0.9", "0.1.0"))
    (tmp_path / "older.py").write_bytes(older)  # markers of an older upgrade: not the last one's
    (tmp_path / "doc.md").write_text("Resolve <<<<<<< your project ... >>>>>>> markers by hand.\n")
    (tmp_path / "logo.png").write_bytes(b"\0ours")
    (tmp_path / "logo.png.slsguard-new").write_bytes(b"\0theirs")
    found = unresolved(tmp_path, "0.2.0", ["crlf.py", "doc.md", "logo.png", "older.py"])
    assert found == [("crlf.py", "conflict markers"), ("logo.png", "new version in logo.png.slsguard-new")]
