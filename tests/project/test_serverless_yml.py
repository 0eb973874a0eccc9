"""One reader of serverless.yml for add, init and the audit: the same bounds, the same refusal wording, edits at
character (not byte) marks."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from generator import cli
from generator.audit import sources
from generator.project import serverless_yml
from tests.support.upgrade import fingerprint

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)
)
BROKEN = "service: x\nfunctions: [a\n"


def run(command: str, project: Path) -> int:
    args = ["add", "mailer", "--trigger", "sqs", "--project", str(project)] if command == "add" else ["init", str(project)]
    return cli.main(args)


@pytest.fixture(params=["add", "init"])
def command(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def service(command: str, generate, tmp_path: Path) -> Path:
    """A generated project for add, a plain service for init."""
    if command == "add":
        return generate()
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "serverless.yml").write_text("service: demo\nprovider:\n  name: aws\nfunctions:\n  api:\n    handler: app.handler\n")
    return folder


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BROKEN, "serverless.yml: not valid YAML (line 3, column 1): "),
        (LAUGHS, "serverless.yml: line 5: nodes built through YAML aliases over the limit of 100,000 nodes."),
        ("- a\n- b\n", "serverless.yml: the top level is a list; a Serverless Framework configuration is a mapping"),
        ("service: x\nfunctions:\n  a: 1\n  a: 2\n", 'serverless.yml: line 4: the key "a" is written twice in one mapping.'),
    ],
    ids=["syntax", "alias-bomb", "not-a-mapping", "duplicate-key"],
)
def test_add_and_init_refuse_a_file_alike(command, service, capsys, text, expected):
    (service / "serverless.yml").write_text(text)
    before = fingerprint(service)
    capsys.readouterr()

    code = run(command, service)

    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and expected in err, err
    assert "Fix: " in err
    assert fingerprint(service) == before
    assert sources.load(service) is None  # the audit only loses its line numbers


@pytest.mark.parametrize(
    ("functions", "found"),
    [("functions: {api: {handler: a.handler}}\n", "a flow mapping ({...})"), ("functions:\n", "empty")],
    ids=["flow", "empty"],
)
def test_add_refuses_a_functions_block_it_cannot_extend_in_one_line(generate, capsys, functions, found):
    project = generate()
    config = project / "serverless.yml"
    text = config.read_text()
    start, end = text.index("\nfunctions:\n") + 1, text.index("\nplugins:\n") + 1
    config.write_text(text[:start] + functions + text[end:])
    before = fingerprint(project)
    capsys.readouterr()

    assert cli.main(["add", "nightly", "--trigger", "schedule", "--project", str(project)]) == 2

    err = capsys.readouterr().err
    assert f"serverless.yml: functions is {found}; `slsguard add` adds to a block mapping with at least one entry" in err
    assert "Fix: write functions as an indented block, then run `slsguard add` again." in err and err.count("\n") == 1
    assert fingerprint(project) == before


def test_text_before_the_insertion_point_may_be_any_unicode(generate):
    """Edits slice the text at the parser's marks: characters, whatever the bytes of the text before them."""
    project = generate()
    config = project / "serverless.yml"
    text = config.read_text().replace("\nfunctions:\n", "\n# Fonctions du café ☕ — 日本語のコメント\nfunctions:\n  # ünïcödé\n", 1)
    config.write_text(text)

    assert cli.main(["add", "mailer", "--trigger", "sqs", "--project", str(project)]) == 0

    after = config.read_text()
    ops = difflib.SequenceMatcher(None, text.splitlines(), after.splitlines(), autojunk=False).get_opcodes()
    assert all(tag in ("equal", "insert") for tag, *_ in ops)
    data = yaml.safe_load(after)
    assert data["functions"]["mailer"]["handler"] == "my_service/mailer.handler"
    assert set(data["resources"]["Resources"]) >= {"MailerQueue", "MailerDeadLetterQueue", "WorkQueue"}


def test_one_key_lookup_for_every_reader():
    root = yaml.compose("provider:\n  timeout: 6\n  tags: {a: 1}\nfunctions: ~\n", Loader=yaml.SafeLoader)

    key, value = serverless_yml.entry(root, "provider")
    assert key.value == "provider" and serverless_yml.child(root, "provider", "timeout").value == "6"
    assert serverless_yml.key_at(root, "provider", "tags").start_mark.line == 2
    assert serverless_yml.entry(root, "missing") == (None, None) and serverless_yml.child(root, "provider", "x", "y") is None
    assert serverless_yml.entry(value.value[0][1], "anything") == (None, None)  # a scalar has no keys
    assert serverless_yml.describe(serverless_yml.child(root, "functions")) == "empty"
    assert serverless_yml.describe(serverless_yml.child(root, "provider", "tags")) == "a flow mapping ({...})"
    assert serverless_yml.describe(serverless_yml.child(root, "provider", "timeout")) == "the value '6'"
