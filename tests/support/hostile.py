"""Shared pieces of the hostile-input suites: the real ``slsguard`` command, payloads and a tree fingerprint."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from pathlib import Path

SLSGUARD = Path(sys.executable).with_name("slsguard")  # the console script pip installed, as a user runs it
MEMORY_LIMIT = 1 << 30  # address space of a child under test: a bomb read whole would need several GB


def code_payloads(marker: Path) -> dict[str, str]:
    """Values that run ``touch marker`` if anything renders them as Jinja (or resolves them as Serverless variables)."""
    touch = f"touch {marker}"
    return {
        "jinja-expression": '{{ cycler.__init__.__globals__.os.popen("' + touch + '").read() }}',
        "jinja-statement": '{% set x = cycler.__init__.__globals__.os.popen("' + touch + '").read() %}ok',
        "jinja-comment": "before {# hidden #} after",
        "jinja-closer": "a }} b",
        "serverless-variable": "${file(/etc/hostname)}",
    }


BROKEN_TEXT = {
    "newline-yaml-injection": "x\nprovider:\n  name: evil",
    "trailing-newline": "My Service\n",
    "carriage-return": "a\rb",
    "nul": "a\x00b",
    "escape-sequence": "a\x1b[2Jb",
    "tab": "a\tb",
    "bidi-override": "abc\u202edcba",
    "line-separator": "a\u2028b",
    "too-long": "x" * 300,
}

# Accepted as they are: each must reach every file it is written into exactly, as data.
ROUND_TRIP = {
    "python-string-breakout": 'x"""; import os; os.system("touch MARKER"); """',
    "quotes-and-backslashes": 'it\'s "quoted" \\ back\\slash \\n',
    "yaml-syntax": "key: value # not a comment - [a, b] {c: d} &x *x !tag | > '",
    "markdown-and-html": "*bold* _it_ [link](javascript:alert(1)) <img src=x onerror=alert(1)> `code` # | ~~s~~ &amp; $x$",
    "unicode": "Café ☕ 日本語 Ünïcödé",
    "spaces": "  padded  ",
}


def slsguard(*args: str, cwd: Path, env: dict[str, str] | None = None, limit_memory: bool = False, timeout: float = 180):
    """Run the real ``slsguard`` command; ``limit_memory`` caps the child's address space at MEMORY_LIMIT."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [str(SLSGUARD), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap if limit_memory else None,
        check=False,
    )


def one_line(stderr: str) -> str:
    """The single line slsguard printed: no traceback, nothing else."""
    assert "Traceback" not in stderr, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("slsguard: "), stderr
    return stderr


def tree(root: Path) -> dict[str, str]:
    """Every path under ``root`` (not following links) with its content hash, link target or 'dir', and mode."""
    out: dict[str, str] = {}
    if not root.exists() and not root.is_symlink():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            st = path.lstat()
            if path.is_symlink():
                what = "link:" + os.readlink(path)
            elif path.is_dir():
                what = "dir"
            else:
                what = hashlib.sha256(path.read_bytes()).hexdigest()
            out[path.relative_to(root).as_posix()] = f"{what} {st.st_mode:o}"
    return out
