"""`slsguard add --trigger sqs` writes what the template writes for its worker: the queue pair's settings, the event
source's, the handler and its test (one source: templates/sqs/queue_pair.yml, templates/functions/, limits.SQS_QUEUE_PAIR)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2 import nodes

from generator import cli
from generator.answers import limits

REPO = Path(__file__).resolve().parents[2]


def renamed(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every string naming a worker resource renamed to the added function's."""
    if isinstance(value, dict):
        return {k: renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def shared_parts(source: str) -> dict[str, str]:
    """What an SQS handler module or its test share whatever their example: imports, the TYPE_CHECKING block, the
    signatures, the handler's construction and the autouse fixture (docstrings and example work left out)."""
    tree = ast.parse(source)
    parts: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.If) or (
            isinstance(node, ast.Assign) and not isinstance(node.value, ast.Constant | ast.Dict)
        ):
            parts[ast.unparse(node)] = "statement"
        elif isinstance(node, ast.FunctionDef):
            body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            node.body = body
            shown = ast.unparse(node)
            parts[node.name] = (
                shown if node.name == "no_database" else f"({ast.unparse(node.args)}) -> {ast.unparse(node.returns or ast.Constant(None))}"
            )
    return parts


@pytest.mark.parametrize(
    "answers",
    [{}, {"database": "postgres", "function_timeout": "20", "reserved_concurrency": "1"}],
    ids=["default", "db:postgres-timeout:20-reserved:1"],
)
def test_add_sqs_writes_the_workers_queue_handler_and_test(generate, answers):
    # GIVEN a generated project and its worker
    project = generate(**answers)
    db = ["--database"] if answers.get("database") else []

    # WHEN an SQS function is added
    assert cli.main(["add", "mailer", "--trigger", "sqs", *db, "--project", str(project)]) == 0

    # THEN its queue pair is the worker's, named after it, with the settings of the one table
    config = yaml.safe_load((project / "serverless.yml").read_text())
    resources = config["resources"]["Resources"]
    names = {"WorkQueue": "MailerQueue", "WorkDeadLetterQueue": "MailerDeadLetterQueue"}
    for worker_id, added_id in names.items():
        assert resources[added_id] == renamed(resources[worker_id], names), added_id
    queue = resources["MailerQueue"]["Properties"]
    timeout = int(answers.get("function_timeout", 6))
    sqs = limits.SQS_QUEUE_PAIR
    assert queue["VisibilityTimeout"] == sqs["visibility_factor"] * timeout
    assert queue["MessageRetentionPeriod"] == sqs["retention_s"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == sqs["max_receive_count"]
    assert resources["MailerDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == sqs["dead_letter_retention_s"]
    assert json.loads((REPO / "cookiecutter.json").read_text())["_sqs"] == sqs  # what plain cookiecutter renders
    # ... its event source and limits are the worker's
    worker, mailer = config["functions"]["worker"], config["functions"]["mailer"]
    assert renamed(worker["events"], names) == mailer["events"]
    assert {k: worker.get(k) for k in ("timeout", "reservedConcurrency", "slsguard")} == {
        k: mailer.get(k) for k in ("timeout", "reservedConcurrency", "slsguard")
    }
    # ... and its handler and test are the worker's skeleton: same imports, signatures, handler and fixture
    package = project / "my_service"
    assert shared_parts((package / "mailer.py").read_text()) == shared_parts((package / "worker.py").read_text())
    added, template = (shared_parts((project / "tests" / name).read_text()) for name in ("test_mailer.py", "test_worker.py"))
    assert added["no_database"] == template["no_database"]
    assert set(added) - {"from my_service import guard, mailer"} <= set(template)


def test_the_template_worker_is_rendered_from_the_skeleton_add_uses():
    """The worker and its test extend the SQS skeletons (so a change to one is a change to both)."""
    from generator.add.blocks import environment

    for kind, worker in (("sqs", "worker.py"), ("sqs_test", "test_worker.py")):
        source = next(REPO.glob(f"{{{{cookiecutter.project_slug}}}}/**/{worker}"))
        extended = environment().parse(source.read_text()).find_all(nodes.Extends)
        assert [getattr(e.template, "value", None) for e in extended] == [f"functions/{kind}.py.j2"], source
