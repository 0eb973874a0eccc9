"""Hostile templates through the real `slsguard audit` and `slsguard cost` processes, under a memory limit.

Every unusable file is exit 2 with one line on stderr naming it and the limit, never a traceback, never exit 1;
every template value a report prints is escaped, so no value can start a line (a forged `::error::` CI
annotation) or send an escape sequence to the terminal. Each process runs under RLIMIT_AS and a generous
timeout: a bomb that expanded would exhaust one or the other.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.printable import UNSAFE
from generator.safe_load import ALIAS_NODES, DEPTH, INT_DIGITS, SIZE
from tests.support.paths import FIXTURES

MEMORY = 512 * 1024 * 1024  # far above what auditing a real template takes (about 40 MB), far below what a bomb takes
TIMEOUT = 60  # seconds; the refusals take well under one (benchmarks are not timing asserts)
COMMANDS = ("audit", "cost")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def slsguard(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        check=False,
    )


def billion_laughs() -> bytes:
    """Nine levels of nine aliases in a function's environment (which the secret rule walks): under 800 bytes that a
    naive reader turns into 9^9 strings."""
    lines = ["Resources:", "  F:", "    Type: AWS::Lambda::Function", "    Properties:", "      Environment:", "        Variables:"]
    lines.append('          a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"          {name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def _deep_json() -> bytes:
    return b'{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}"


def _huge(path: Path) -> None:
    with path.open("wb") as f:  # sparse: 2 GiB that only a reader of the whole file would pay for
        f.truncate(2 * 1024**3)


HOSTILE: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "billion-laughs": ("t.yaml", lambda p: p.write_bytes(billion_laughs()), f"{ALIAS_NODES.what} over the limit of {ALIAS_NODES.value:,}"),
    "deep-json": ("t.json", lambda p: p.write_bytes(_deep_json()), f"nesting depth over the limit of {DEPTH.value}"),
    "deep-yaml-flow": ("t.yaml", lambda p: p.write_bytes(b"Resources: " + b"[" * 100_000 + b"]" * 100_000), "nesting depth over the limit"),
    "deep-yaml-block": (
        "t.yaml",
        lambda p: p.write_text("Resources:\n" + "".join(" " * (2 * i + 2) + "- \n" for i in range(300))),
        f"line {DEPTH.value + 1}: nesting depth over the limit of {DEPTH.value}",
    ),
    "long-int-json": (
        "t.json",
        lambda p: p.write_text('{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Metadata": {"n": ' + "9" * 5000 + "}}}}"),
        f"number length over the limit of {INT_DIGITS.value} characters (5,000 found)",
    ),
    "long-int-yaml": (
        "t.yaml",
        lambda p: p.write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Metadata:\n      n: " + "9" * 5000 + "\n"),
        "line 5: number length over the limit",
    ),
    "sexagesimal-yaml": (
        "t.yaml",
        lambda p: p.write_text("Resources:\n  n: 1" + ":59" * 20_000 + "\n"),
        "line 2: number length over the limit",
    ),
    "huge": ("t.json", _huge, f"larger than the limit of {SIZE.value:,} bytes"),
    "duplicate-json": (
        "t.json",
        lambda p: p.write_text(
            '{\n  "Resources": {\n    "T": {\n      "Type": "AWS::SNS::Topic",\n      "Type": "AWS::S3::Bucket"\n    }\n  }\n}\n'
        ),
        'line 5: the key "Type" is written twice in one object',
    ),
    "duplicate-yaml": (
        "t.yaml",
        lambda p: p.write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n  T:\n    Type: AWS::S3::Bucket\n"),
        'line 4: the key "T" is written twice in one mapping',
    ),
    "nul-yaml": ("t.yaml", lambda p: p.write_bytes(b"Resources:\n  T: {Type: AWS::SNS::Topic}\n  \x00: x\n"), "not valid YAML (line 3"),
    "nul-json": ("t.json", lambda p: p.write_bytes(b'{"Resources": {"T\x00": {"Type": "AWS::SNS::Topic"}}}'), "not valid JSON (line 1"),
    "not-utf8": ("t.json", lambda p: p.write_bytes(b'{"Resources": {"T\xff\xfe": {}}}'), "not UTF-8 text (byte 0xff at line 1)"),
    "fifo": ("t.yaml", lambda p: __import__("os").mkfifo(p), "not a regular file"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", list(HOSTILE))
def test_an_unusable_file_is_one_line_and_exit_2(tmp_path: Path, case: str, command: str) -> None:
    name, write, says = HOSTILE[case]
    write(tmp_path / name)
    done = slsguard(tmp_path, command, name)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.startswith(f"slsguard: {name}: "), done.stderr
    assert says in done.stderr, done.stderr
    assert "Fix:" in done.stderr


def test_the_memory_limit_leaves_room_for_real_templates(tmp_path: Path) -> None:
    # The control: under the same limit an ordinary template is audited and priced (a too-tight limit proves nothing).
    fixtures = FIXTURES
    assert slsguard(fixtures, "audit", "audit/good.yaml").returncode == 0
    assert slsguard(fixtures, "cost", "cost/unbounded.yaml").returncode == 0


def test_the_bomb_is_small() -> None:
    assert len(billion_laughs()) < 800


FORGED = "demo\n::error file=app.py::forged\r\x1b[31mred\x1b[0m\u2028next\u202eevil\x00\x9b2J"


def _function_template(tmp_path: Path) -> Path:
    """A function (no reserved concurrency: a finding names it) whose name and logical id carry control characters."""
    body = {
        "Resources": {
            "Api\n::error::id": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"FunctionName": FORGED, "MemorySize": 1024, "Timeout": 6, "Role": "arn:aws:iam::123456789012:role/x"},
            },
            "FromS3": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Ref": "Api\n::error::id"},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "s3.amazonaws.com",
                },
            },
        }
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(body))
    return path


def _assert_no_raw_controls(text: str) -> None:
    raw = sorted({c for c in text if UNSAFE.match(c)} - {"\n"})
    assert not raw, f"unescaped characters in the output: {raw!r}"
    assert not any(line.lstrip().startswith("::error") for line in text.splitlines())


def test_audit_text_escapes_what_the_template_carries(tmp_path: Path) -> None:
    _function_template(tmp_path)
    done = slsguard(tmp_path, "audit", "t.json")
    assert done.returncode == 1, done.stderr
    _assert_no_raw_controls(done.stdout)
    assert "demo\\n::error file=app.py::forged\\r\\x1b[31mred\\x1b[0m\\u2028next\\u202eevil\\x00\\x9b2J" in done.stdout
    assert "Api\\n::error::id" in done.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_audit_json_and_sarif_escape_and_keep_the_value(tmp_path: Path, fmt: str) -> None:
    _function_template(tmp_path)
    done = slsguard(tmp_path, "audit", "t.json", "--format", fmt)
    assert done.returncode == 1, done.stderr
    _assert_no_raw_controls(done.stdout)
    assert any("Api\n::error::id" in text for text in _strings(json.loads(done.stdout)))  # the value survives, escaped by JSON


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cost_report_escapes_what_the_template_carries(tmp_path: Path, fmt: str) -> None:
    _function_template(tmp_path)
    done = slsguard(tmp_path, "cost", "t.json", "--format", fmt)
    assert done.returncode == 0, done.stderr
    _assert_no_raw_controls(done.stdout)
    if fmt == "text":
        assert "Api\\n::error::id" in done.stdout


def test_a_path_with_control_characters_is_escaped_in_the_error(tmp_path: Path) -> None:
    name = "x\n::error::y\x1b[2J.json"
    (tmp_path / name).write_text("{")
    done = slsguard(tmp_path, "audit", name)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "\x1b" not in done.stderr
    assert done.stderr.startswith("slsguard: x\\n::error::y\\x1b[2J.json: not valid JSON")
