"""What a project remembers of its last generation: answers, slsguard version and the pristine render.

``.slsguard/answers.json`` holds the complete answer set and the version that rendered it;
``.slsguard/base.tar.gz`` holds every generated file exactly as rendered: the merge base of the
next upgrade, so an upgrade never re-renders an old version and never needs the network.
Both are byte-for-byte deterministic (sorted entries, no timestamps, no owners, no absolute paths),
so ``slsguard new`` and plain ``cookiecutter`` produce identical projects.

Standard library only: ``hooks/post_gen_project.py`` imports this module under plain cookiecutter.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import safe_load
from ..answers.questions import BY_NAME, QUESTIONS
from ..answers.text import ANSWERS_MAX_BYTES
from ..errors import UserError
from ..printable import printable
from .recorded import ANSWERS_FILE, RECORD_DIR, read_answers, refuse_link

BASE_FILE = f"{RECORD_DIR}/base.tar.gz"
ADOPTED_FILE = f"{RECORD_DIR}/adopted.json"  # written by 'slsguard init' in a service it adopted (never generated)
RECORDING = frozenset({ANSWERS_FILE, BASE_FILE})  # never part of the merge base itself
SKIPPED_DIRS = frozenset({".git"})
# Made by installing or running Python, never generated: pip compiles the template's .py files into __pycache__ when
# it installs the wheel, and running the tests leaves caches. A render never copies them and the base never records them.
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"})
CACHE_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Entry:
    """One generated file: its bytes and whether it is executable (the only mode bit kept)."""

    data: bytes
    executable: bool = False


Tree = dict[str, Entry]  # POSIX path relative to the project root -> file


@dataclass(frozen=True)
class Record:
    """The recorded state of a project's last generation."""

    version: str
    answers: dict[str, Any]
    base: Tree


def safe_relpath(name: str) -> str:
    """A relative POSIX path that stays inside the project, else ValueError."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or name != path.as_posix():
        raise ValueError(f"unsafe path {name!r}")
    return name


def is_cache(rel: str) -> bool:
    """Whether a relative path is compiled bytecode or a tool cache (see ``CACHE_DIRS``)."""
    path = PurePosixPath(rel)
    return path.suffix in CACHE_SUFFIXES or any(part in CACHE_DIRS for part in path.parts)


def drop_caches(root: Path) -> None:
    """Delete compiled files and caches under ``root`` (a fresh render): they are never part of a project slsguard writes."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [d for d in dirnames if d in CACHE_DIRS]:
            dirnames.remove(name)
            shutil.rmtree(Path(dirpath, name))
        for name in filenames:
            if name.endswith(CACHE_SUFFIXES):
                Path(dirpath, name).unlink()


def read_tree(root: Path) -> Tree:
    """Every regular file under ``root`` except the recording itself, ``.git`` and caches; sorted by path."""
    tree: Tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and d not in CACHE_DIRS)
        for filename in sorted(filenames):
            if filename.endswith(CACHE_SUFFIXES):
                continue
            path = Path(dirpath, filename)
            rel = path.relative_to(root).as_posix()
            if rel in RECORDING or path.is_symlink() or not path.is_file():
                continue
            tree[rel] = Entry(path.read_bytes(), bool(path.stat().st_mode & 0o111))
    return dict(sorted(tree.items()))


def pack(tree: Mapping[str, Entry]) -> bytes:
    """A deterministic tar.gz of ``tree``: same files, same bytes, on every run."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(tree):
            entry = tree[rel]
            info = tarfile.TarInfo(safe_relpath(rel))
            info.size = len(entry.data)
            info.mode = 0o755 if entry.executable else 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(entry.data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


# Bounds of a merge base (a generated project's files, about 1 MB with its CA bundles): the archive is
# decompressed as a stream and given up as soon as it passes one of them, so a gzip bomb costs at most this.
BASE_MAX_BYTES = 64 << 20  # decompressed tar stream, headers included
BASE_MAX_FILES = 20_000


class _Capped(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes have come out of ``source``."""

    def __init__(self, source: Any, limit: int) -> None:
        self.source, self.left = source, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise ValueError(f"it holds more than {BASE_MAX_BYTES >> 20} MB once decompressed (a merge base is about 1 MB)")
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def unpack(source: bytes | Any) -> Tree:
    """The tree inside a base archive (bytes or a binary file), decompressed as a stream within BASE_MAX_BYTES;
    refuses anything but plain files with safe paths."""
    raw = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    tree: Tree = {}
    with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
        stream = io.BufferedReader(_Capped(gz, BASE_MAX_BYTES), buffer_size=64 * 1024)
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                if not info.isfile():
                    raise ValueError(f"{info.name!r} is not a regular file")
                if len(tree) >= BASE_MAX_FILES:
                    raise ValueError(f"it holds more than {BASE_MAX_FILES:,} files")
                handle = tar.extractfile(info)
                assert handle is not None  # a regular file always has a body
                tree[safe_relpath(info.name)] = Entry(handle.read(), bool(info.mode & 0o111))
    return dict(sorted(tree.items()))


def ordered_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Public answers only, typed, in question order (unknown keys after, sorted): one stable form."""
    from ..answers.values import coerce

    public = {k: v for k, v in answers.items() if not k.startswith("_")}
    out = {q.name: coerce(q.name, public[q.name]) for q in QUESTIONS if q.name in public}
    out.update({k: public[k] for k in sorted(public) if k not in BY_NAME})
    return out


def answers_json(answers: Mapping[str, Any], version: str) -> bytes:
    """The text of ``.slsguard/answers.json``."""
    doc = {"slsguard_version": version, "answers": ordered_answers(answers)}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


_NAME_VAR = re.compile(r"\{\{\s*cookiecutter\.(\w+)\s*\}\}")


def template_names(template_root: Path, answers: Mapping[str, Any]) -> set[str] | None:
    """The paths the template can produce with ``answers``; None when a name uses more than plain variables.

    Plain cookiecutter can render over an existing project (``-f``): the recording must then hold
    only what the template generated, never the user's own files.
    """
    folders = [p for p in template_root.iterdir() if p.is_dir() and "cookiecutter" in p.name and "{{" in p.name]
    if len(folders) != 1:
        return None
    names: set[str] = set()
    for path in folders[0].rglob("*"):
        rel = path.relative_to(folders[0]).as_posix()
        if not path.is_file() or is_cache(rel):
            continue
        rendered = _NAME_VAR.sub(lambda m: str(answers.get(m.group(1), m.group(0))), rel)
        if "{{" in rendered or "{%" in rendered:
            return None
        names.add(rendered)
    return names


def record(root: Path, answers: Mapping[str, Any], version: str, template_root: Path | None = None) -> None:
    """Write the answers and the pristine render of ``root``: run last in the post-generation hook."""
    tree = read_tree(root)
    names = template_names(template_root, answers) if template_root is not None else None
    if names is not None:
        tree = {rel: entry for rel, entry in tree.items() if rel in names}
    base = pack(tree)
    (root / RECORD_DIR).mkdir(exist_ok=True)
    (root / ANSWERS_FILE).write_bytes(answers_json(answers, version))
    (root / BASE_FILE).write_bytes(base)


def _adopted_by(path: Path) -> str:
    """`` (slsguard X)`` from ``adopted.json``, or nothing when it does not say."""
    try:
        refuse_link(path)
        version = safe_load.load_json(path, max_bytes=ANSWERS_MAX_BYTES).get("slsguard")
    except (UserError, AttributeError):
        return ""
    return f" (slsguard {printable(version[:40])})" if isinstance(version, str) and version else ""


def read(root: Path) -> Record:
    """The recording of a project; a missing or damaged one is a UserError naming the file."""
    answers_path, base_path = root / ANSWERS_FILE, root / BASE_FILE
    if not answers_path.is_file() and (root / ADOPTED_FILE).is_file():
        raise UserError(
            f"{root} was adopted by 'slsguard init'{_adopted_by(root / ADOPTED_FILE)}, not generated: there is no generated "
            "base to merge, so 'slsguard upgrade' has nothing to do here.",
            "To refresh its bridge plugin (.slsguard/plugin.js), run 'slsguard init' again.",
        )
    if not answers_path.is_file() and not answers_path.is_symlink():
        raise UserError(
            f"{answers_path} not found: {root} was not generated by slsguard, or its recording was deleted.",
            "Fix: run slsguard upgrade in the project folder (the one holding .slsguard/), or restore the file from version control.",
        )
    found = read_answers(root)
    assert found is not None  # the file exists (checked above)
    version, answers = found
    if version is None:
        raise UserError(
            f"{answers_path} is damaged: it does not say which slsguard version wrote it.", "Fix: restore it from version control."
        )
    if not base_path.is_file() or base_path.is_symlink():
        raise UserError(
            f"{base_path} not found (or not a plain file): it is the merge base of every upgrade.",
            "Fix: restore it from version control (it is committed with the project).",
        )
    try:
        with base_path.open("rb") as handle:
            base = unpack(handle)
    except (OSError, ValueError, EOFError, zlib.error, tarfile.TarError) as err:
        raise UserError(f"{base_path} is damaged: {printable(err)}.", "Fix: restore it from version control.") from err
    return Record(version, answers, base)
