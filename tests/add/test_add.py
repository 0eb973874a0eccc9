"""`slsguard add`: every trigger, every refusal (nothing written), the project's own tests after it, upgrades after it."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import cli
from tests.support.projects import run_project_tests
from tests.support.upgrade import commit_all, fingerprint, git, git_init

FOUR_KEYS = {"handler", "events", "timeout", "reservedConcurrency"}


def add(project: Path, *args: str) -> int:
    return cli.main(["add", *args, "--project", str(project)])


def config(project: Path) -> dict:
    """serverless.yml as data (its CloudFormation long-form intrinsics are plain mappings)."""
    return yaml.safe_load((project / "serverless.yml").read_text())


def only_insertions(before: str, after: str) -> bool:
    """Every line of ``before`` is still there, in order, unchanged: the user's formatting and comments stay."""
    ops = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False).get_opcodes()
    return all(tag in ("equal", "insert") for tag, *_ in ops)


def assert_lint_clean(project: Path) -> None:
    """The added modules pass the project's own ruff settings (its CI lints them)."""
    ruff = Path(sys.executable).parent / "ruff"
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([str(ruff), *args], cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("answers", "database"),
    [
        ({"api": "http", "reserved_concurrency": "10"}, False),
        ({"api": "rest", "database": "postgres", "function_timeout": "20", "reserved_concurrency": "1"}, True),
    ],
    ids=["api:http", "api:rest-db:postgres-reserved:1"],
)
def test_every_trigger_is_added_and_the_project_tests_pass(generate, answers, database):
    # GIVEN a generated project
    project = generate(**answers)
    before = (project / "serverless.yml").read_text()
    package = json.loads((project / ".slsguard/answers.json").read_text())["answers"]["package_name"]
    db = ["--database"] if database else []

    # WHEN a function of every trigger is added
    assert add(project, "pages", "--trigger", "http", "--path", "/pages", *db) == 0
    assert add(project, "mailer", "--trigger", "sqs", *db) == 0
    assert add(project, "nightly", "--trigger", "schedule", "--schedule", "cron(0 3 * * ? *)", *db) == 0

    # THEN each block holds only the four keys (+ slsguard), with the answers' timeout and reserved concurrency
    after = (project / "serverless.yml").read_text()
    assert only_insertions(before, after)
    cfg = config(project)
    timeout, reserved = int(answers.get("function_timeout", 6)), int(answers["reserved_concurrency"])
    for name in ("pages", "mailer", "nightly"):
        fn = cfg["functions"][name]
        assert set(fn) == FOUR_KEYS | ({"slsguard"} if database else set())
        assert fn["handler"] == f"{package}/{name}.handler"
        assert (fn["timeout"], fn["reservedConcurrency"]) == (timeout, reserved)
        assert fn.get("slsguard") == ({"database": True} if database else None)
        for rel in (f"{package}/{name}.py", f"tests/test_{name}.py", f"tests/events/{name}.json"):
            assert (project / rel).is_file(), rel
    http = cfg["functions"]["pages"]["events"][0]
    if answers["api"] == "rest":  # only the method the written handler serves
        assert http == {"http": {"path": "/pages", "method": "get"}}
    else:
        assert http == {"httpApi": {"path": "/pages", "method": "GET"}}
    assert cfg["functions"]["nightly"]["events"] == [{"schedule": "cron(0 3 * * ? *)"}]
    sqs = cfg["functions"]["mailer"]["events"][0]["sqs"]
    assert sqs["arn"] == {"Fn::GetAtt": ["MailerQueue", "Arn"]}
    assert sqs["functionResponseType"] == "ReportBatchItemFailures"
    assert sqs.get("maximumConcurrency") == (reserved if reserved >= 2 else None)
    resources = cfg["resources"]["Resources"]
    queue, dead = resources["MailerQueue"]["Properties"], resources["MailerDeadLetterQueue"]["Properties"]
    assert queue["VisibilityTimeout"] == 6 * timeout
    assert queue["SqsManagedSseEnabled"] is True and dead["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["MailerDeadLetterQueue", "Arn"]}
    assert dead["MessageRetentionPeriod"] == 14 * 24 * 3600

    # AND the project's own tests (the new ones included) and its linter pass
    result = run_project_tests(project)
    assert result.returncode == 0, result.stdout + result.stderr
    collected = run_project_tests(project, "--collect-only", "-q")
    for name in ("pages", "mailer", "nightly"):
        assert f"tests/test_{name}.py" in collected.stdout
    assert_lint_clean(project)


@pytest.mark.parametrize("api", ["rest", "http"])
def test_path_parameters_reach_the_handler_and_only_get_is_wired(generate, capsys, api):
    # GIVEN a project, WHEN functions with a parameter and a greedy parameter are added
    project = generate(api=api)
    assert add(project, "orders", "--trigger", "http", "--path", "/orders/{id}") == 0
    assert add(project, "files", "--trigger", "http", "--path", "/files/{key+}") == 0

    # THEN serverless.yml wires GET only (what the written handler serves) on the parameter route
    events = {name: config(project)["functions"][name]["events"] for name in ("orders", "files")}
    if api == "rest":
        assert events["orders"] == [{"http": {"path": "/orders/{id}", "method": "get"}}]
    else:
        assert events["orders"] == [{"httpApi": {"path": "/orders/{id}", "method": "GET"}}]
    # AND the handler takes the parameter as a keyword argument, its sample event is the route API Gateway matched
    assert "def get(request: Request, id: str)" in (project / "my_service/orders.py").read_text()
    sample = json.loads((project / "tests/events/files.json").read_text())
    assert sample["pathParameters"] == {"key": "example/1"}
    assert (sample["routeKey"] == "GET /files/{key+}") if api == "http" else (sample["resource"] == "/files/{key+}")
    # AND the project's own tests (which check the parameter's value in the answer) and linters pass
    result = run_project_tests(project, "tests/test_orders.py", "tests/test_files.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout  # three tests per function
    assert_lint_clean(project)
    # AND the same route under another parameter name is taken (API Gateway refuses both)
    before = fingerprint(project)
    capsys.readouterr()
    assert add(project, "other", "--trigger", "http", "--path", "/orders/{order_id}") == 2
    assert "--path /orders/{order_id} is taken: function orders already serves /orders/{id}" in capsys.readouterr().err
    assert fingerprint(project) == before


def test_a_parameter_route_that_stops_matching_fails_its_generated_test(generate):
    """The generated test checks the parameter's value: a handler that drops it fails."""
    project = generate(api="http")
    assert add(project, "orders", "--trigger", "http", "--path", "/orders/{order_id}") == 0
    module = project / "my_service/orders.py"
    module.write_text(module.read_text().replace(', "order_id": order_id}', ', "order_id": "7"}'))

    result = run_project_tests(project, "tests/test_orders.py")

    assert result.returncode == 1
    assert "assert '7' == '1'" in result.stdout


def test_the_added_handlers_really_run_through_guard(generate):
    """A broken handler makes its own generated test fail: the tests are not empty shells."""
    project = generate(api="http")
    assert add(project, "pages", "--trigger", "http") == 0
    module = project / "my_service/pages.py"
    module.write_text(module.read_text().replace('{"/pages": {"GET": get}}', '{"/other": {"GET": get}}'))

    result = run_project_tests(project, "tests/test_pages.py")

    assert result.returncode == 1
    assert "FAILED tests/test_pages.py::test_get_answers_with_the_callers_correlation_id" in result.stdout
    assert "assert 404 == 200" in result.stdout


def test_the_block_keeps_the_users_indentation_and_comments(generate):
    project = generate(api="none")
    path = project / "serverless.yml"
    text = path.read_text()
    # A user who indents by 4 and ends the functions with a comment of their own.
    start, end = text.index("functions:\n"), text.index("\nplugins:")
    functions = text[start:end].replace("\n  ", "\n    ").replace("\n      ", "\n        ")
    path.write_text(text[:start] + functions + "\n    # my functions end here\n" + text[end:])
    before = path.read_text()

    assert add(project, "tick", "--trigger", "schedule") == 0

    after = path.read_text()
    assert only_insertions(before, after)
    assert "    tick:\n        handler: my_service/tick.handler\n" in after
    assert config(project)["functions"]["tick"]["events"] == [{"schedule": "rate(1 hour)"}]


REFUSALS = [
    (["report", "--trigger", "cron"], {}, "--trigger cron is not allowed: use one of http, sqs, schedule"),
    (["worker", "--trigger", "sqs"], {}, "serverless.yml already has a function worker"),
    (["api", "--trigger", "http"], {}, "serverless.yml already has a function api"),
    (["guard", "--trigger", "schedule"], {}, "my_service/guard.py already exists"),
    (["db", "--trigger", "schedule"], {"database": "postgres"}, "my_service/db already exists"),
    (["Report", "--trigger", "schedule"], {}, "NAME='Report' is not allowed"),
    (["1report", "--trigger", "schedule"], {}, "NAME='1report' is not allowed"),
    (["send-report", "--trigger", "schedule"], {}, "NAME='send-report' is not allowed"),
    (["class", "--trigger", "schedule"], {}, "NAME='class' is not allowed"),
    (["r" * 43, "--trigger", "schedule"], {}, "within Lambda's 64-character function names"),
    (["pages", "--trigger", "http"], {"api": "none"}, "generated with api=none"),
    (["nightly", "--trigger", "schedule", "--database"], {}, "generated with database=none"),
    (["pages", "--trigger", "http", "--path", "/items/{id"], {}, "--path '/items/{id' is not allowed"),
    (["pages", "--trigger", "http", "--path", "/items/x{id}"], {}, "--path '/items/x{id}' is not allowed"),
    (["pages", "--trigger", "http", "--path", "/items/{key+}/x"], {}, "--path '/items/{key+}/x' is not allowed"),
    (["pages", "--trigger", "http", "--path", "/items/{request}"], {}, "--path '/items/{request}' is not allowed"),
    (["pages", "--trigger", "http", "--path", "/items/{class}"], {}, "--path '/items/{class}' is not allowed"),
    (["pages", "--trigger", "http", "--path", "/a/{x}/b/{x}"], {}, "--path '/a/{x}/b/{x}' is not allowed"),
    (["pages", "--trigger", "http", "--path", "/items/{1st}"], {}, "--path '/items/{1st}' is not allowed"),
    (["pages", "--trigger", "http", "--path", "pages"], {}, "--path 'pages' is not allowed"),
    (["mailer", "--trigger", "sqs", "--path", "/x"], {}, "--path /x applies only to --trigger http"),
    (["nightly", "--trigger", "schedule", "--schedule", "every hour"], {}, "--schedule 'every hour' is not allowed"),
    (["nightly", "--trigger", "schedule", "--schedule", "rate(1 hours)"], {}, "--schedule 'rate(1 hours)' is not allowed"),
]


@pytest.mark.parametrize(("args", "answers", "expected"), REFUSALS, ids=[r[2][:40] for r in REFUSALS])
def test_a_refusal_is_one_line_exit_2_and_writes_nothing(generate, capsys, args, answers, expected):
    project = generate(**answers)
    before = fingerprint(project)

    code = add(project, *args)

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("slsguard: ") and err.count("\n") == 1 and "Fix:" in err, err
    assert expected in err
    assert fingerprint(project) == before


def test_a_taken_name_module_path_or_resource_is_refused(generate, capsys):
    project = generate(api="http")
    assert add(project, "pages", "--trigger", "http", "--path", "/shared") == 0
    (project / "my_service/loose.py").write_text('"""a module of the user\'s."""\n')
    text = (project / "serverless.yml").read_text()
    (project / "serverless.yml").write_text(
        text.replace("    WorkQueue:\n", "    OrdersQueue:\n      Type: AWS::SQS::Queue\n    WorkQueue:\n")
    )
    before = fingerprint(project)
    capsys.readouterr()

    cases = [
        (["pages", "--trigger", "schedule"], "already has a function pages"),
        (["other", "--trigger", "http", "--path", "/shared"], "--path /shared is taken: function pages already serves /shared"),
        (["loose", "--trigger", "schedule"], "my_service/loose.py already exists"),
        (["orders", "--trigger", "sqs"], "resources.Resources already has OrdersQueue"),
    ]
    for args, expected in cases:
        assert add(project, *args) == 2
        assert expected in capsys.readouterr().err
    assert fingerprint(project) == before


def test_outside_a_generated_project_nothing_is_written(tmp_path, capsys):
    (tmp_path / "serverless.yml").write_text("service: x\nfunctions:\n  a:\n    handler: a.handler\n")
    before = fingerprint(tmp_path)

    assert add(tmp_path, "report", "--trigger", "schedule") == 2

    assert "is not a project generated by slsguard" in capsys.readouterr().err
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    ("rel", "old", "args", "expected"),
    [
        ("my_service/guard.py", "def scheduled_handler(", ["nightly", "--trigger", "schedule"], "needs guard.scheduled_handler"),
        (
            ".serverless_plugins/rails/rails/scanner.js",
            "SqsManagedSseEnabled",
            ["mailer", "--trigger", "sqs"],
            "needs the rails' reason for checkov on SSE-SQS queues, which .serverless_plugins/rails/rails/scanner.js does not have",
        ),
    ],
    ids=["guard-without-scheduled-handler", "rails-without-sse-sqs-reason"],
)
def test_a_project_older_than_what_the_trigger_needs_is_refused(generate, capsys, rel, old, args, expected):
    """A trigger needs its guard wrapper, and an added queue (no checkov skip of its own) the rails' SSE-SQS reason."""
    project = generate()
    path = project / rel
    path.write_text(path.read_text().replace(old, "_renamed_"))
    before = fingerprint(project)

    assert add(project, *args) == 2

    err = capsys.readouterr().err
    assert expected in err and "Fix: run slsguard upgrade first" in err
    assert fingerprint(project) == before
    assert add(project, "pages", "--trigger", "http") == 0  # what the other trigger needs is there


def test_a_write_failure_midway_puts_every_file_back(generate, monkeypatch, capsys):
    from generator.project import transaction

    project = generate()
    before = fingerprint(project)
    calls = []

    def failing_move(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(dst))
        return transaction.os.replace(src, dst)

    monkeypatch.setattr(transaction, "_move", failing_move)

    assert add(project, "mailer", "--trigger", "sqs") == 2

    assert "the add could not write the project" in capsys.readouterr().err
    assert fingerprint(project) == before


def test_added_functions_survive_an_upgrade_that_changes_the_cold_start(generate, capsys):
    # GIVEN a git project grown by `slsguard add` and committed
    project = generate(api="http", cold_start="warmer")
    git_init(project)
    for args in (["pages", "--trigger", "http"], ["mailer", "--trigger", "sqs"], ["nightly", "--trigger", "schedule"]):
        assert add(project, *args) == 0
    commit_all(project, "add three functions")
    added = {name: config(project)["functions"][name] for name in ("pages", "mailer", "nightly")}
    queues = {k: config(project)["resources"]["Resources"][k] for k in ("MailerQueue", "MailerDeadLetterQueue")}

    # WHEN the cold-start answer changes
    code = cli.main(["upgrade", str(project), "--set", "cold_start=provisioned", "--no-input"])

    # THEN no conflict, the blocks and queues are as the user left them, and no stale per-function key is left
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    text = (project / "serverless.yml").read_text()
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    cfg = config(project)
    assert {name: cfg["functions"][name] for name in added} == added
    assert {k: cfg["resources"]["Resources"][k] for k in queues} == queues
    assert json.loads((project / ".slsguard/answers.json").read_text())["answers"]["cold_start"] == "provisioned"
    for name, fn in cfg["functions"].items():
        assert "warmup" not in fn, name
    assert "serverless-plugin-warmup" not in cfg["plugins"]
    assert not git(project, "diff", "--name-only", "--diff-filter=U").strip()
    result = run_project_tests(project)
    assert result.returncode == 0, result.stdout + result.stderr

    # AND a change that rewrites the template's last function's own lines still merges around the added ones
    commit_all(project, "upgraded")
    assert cli.main(["upgrade", str(project), "--set", "reserved_concurrency=1", "--no-input"]) == 0
    cfg = config(project)
    assert "maximumConcurrency" not in cfg["functions"]["worker"]["events"][0]["sqs"]
    assert {name: cfg["functions"][name] for name in added} == added


def test_a_serverless_yml_that_is_not_utf8_is_one_line_not_a_traceback(generate, capsys):
    project = generate()
    config = project / "serverless.yml"
    config.write_bytes(config.read_bytes() + b"# caf\xe9 in Latin-1\n")
    before = fingerprint(project)

    assert add(project, "nightly", "--trigger", "schedule") == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not UTF-8 text" in err and "Traceback" not in err
    assert fingerprint(project) == before
