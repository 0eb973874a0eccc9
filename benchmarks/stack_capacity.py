"""Benchmark: how many HTTP functions fit in one CloudFormation stack (500 resources) for a few answer sets, from the
compiled templates of the project tests/template/test_rails.py grows (default answers + an HTTP, a scheduled and an
SQS function): the resources one more HTTP function costs, how many stay in the root with split-stacks, and what the
rest of the service takes. A count, not a time: the load of the machine does not change it.

    python benchmarks/stack_capacity.py

Needs `npm ci --prefix tests/node` first (osls and the plugins; a moto server stands in for CloudFormation).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import new_project as new  # noqa: E402
from generator.answers.parse import complete  # noqa: E402
from tests.support.toolchain import compiled_templates, moto_server, package  # noqa: E402
from tests.template.test_rails import grow  # noqa: E402

STACK_LIMIT = 500  # CloudFormation resources per stack (generator.answers.limits)
ADDED = ("hook", "report", "mailer")  # the functions grow() adds
ANSWER_SETS = {
    "default (REST + Cognito, canary)": {},
    "api=http (JWT authorizer, canary)": {"api": "http"},
    "rollout=all-at-once": {"rollout": "all-at-once"},
}


def resources(project: Path) -> dict[str, dict[str, str]]:
    """Logical id -> {type, stack} over the root and nested update templates."""
    found = {}
    for path in compiled_templates(project / ".serverless"):
        if "create-stack" in path.name:
            continue
        stack = "root" if "update-stack" in path.name else path.name.removeprefix("cloudformation-template-").split("-")[0]
        for logical, resource in json.loads(path.read_text())["Resources"].items():
            if resource["Type"] != "AWS::CloudFormation::Stack":
                found[logical] = {"type": resource["Type"], "stack": stack}
    return found


def owned(found: dict[str, dict[str, str]], name: str) -> dict[str, dict[str, str]]:
    """Resources whose logical id names the function (osls and the rails prefix them with it)."""
    prefix = name[0].upper() + name[1:]
    return {k: v for k, v in found.items() if prefix in k}


def capacity(project: Path) -> tuple[int, int, int, int, int]:
    """(resources per HTTP function, of them in the root, shared resources, functions per stack, per root with split)."""
    found = resources(project)
    http = owned(found, "hook")
    mine = set().union(*(owned(found, n) for n in ("api", "worker", *ADDED)))  # a hook's API route names both
    shared = len(found) - len(mine)
    in_root = sum(1 for r in http.values() if r["stack"] == "root")
    root_shared = sum(1 for k, r in found.items() if r["stack"] == "root" and k not in mine)
    return len(http), in_root, shared, (STACK_LIMIT - shared) // len(http), (STACK_LIMIT - root_shared) // in_root


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, moto_server() as server:
        root = Path(tmp)
        print("answers | resources per HTTP function (in the root with split-stacks) | one stack | split-stacks")
        for i, (label, given) in enumerate(ANSWER_SETS.items()):
            answers = complete({"project_name": f"Capacity {i}", **given})
            project = new(answers, root)
            grow(project, answers)
            package(project, server, root / "cache")
            each, in_root, _, one, split = capacity(project)
            print(f"{label} | {each} ({in_root}) | about {one} | about {split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
