"""The shortest path from a fresh project to a packaged, grown service: one table for two views.

``slsguard new`` prints it as its "Next:" steps and the post-generation hook writes it into the generated
README's first section (under plain cookiecutter too), so both say the same commands in the same order;
tests/release/test_first_hour.py runs the README's block as a new user would. Standard library only: the hook imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

README_MARK = "<!-- slsguard:first-steps -->"

# (command, what it does): run in the project folder, in this order, on a machine without AWS credentials.
STEPS = (
    ("python3 -m venv .venv && . .venv/bin/activate", "a virtualenv for the tests and tools"),
    ("pip install -r requirements-dev.txt", "slsguard, cfn-lint, checkov, moto and the handlers' packages, pinned"),
    ("npm ci", "{cli} and the plugins, exact versions from package-lock.json"),
    ("python -m pytest", "the handlers' tests with the sample events: no AWS account, no network"),
    ("npm run package", "the zip and CloudFormation templates in .serverless/; slsguard audits them"),
    ('slsguard add report --trigger schedule --schedule "rate(1 hour)"', "grow it: a function, its test and its serverless.yml block"),
    ("python -m pytest && npm run package", "the new function tested and packaged with every rail"),
)


def _cli(answers: Mapping[str, Any]) -> str:
    return "serverless" if answers.get("framework") == "serverless" else "osls"


def commands(answers: Mapping[str, Any]) -> list[str]:
    """The commands alone, in order (the CLI's "Next:" lines)."""
    return [command for command, _ in STEPS]


def readme_block(answers: Mapping[str, Any]) -> str:
    """The fenced block of the generated README's first section: each command with what it does."""
    lines = [f"{command:<46}  # {what.format(cli=_cli(answers))}" for command, what in STEPS]
    return "```bash\n" + "\n".join(lines) + "\n```"
