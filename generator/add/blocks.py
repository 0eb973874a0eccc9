"""The text ``slsguard add`` inserts into serverless.yml: the function's four keys and, for SQS, its queue pair.

Only what a user would write by hand: handler, events, timeout, reservedConcurrency (and the optional
``slsguard:`` block). Alarms, roles, failure queues, warm-up and the scanners' reasons come from the project's
rails plugin.

The queue pair is the template's own: this module renders the macro the template's serverless.yml renders for its
WorkQueue (``templates/sqs/queue_pair.yml``, from the template this slsguard ships), with the settings table both
read (``limits.SQS_QUEUE_PAIR``, cookiecutter.json's ``_sqs`` under plain cookiecutter). Chosen over reading the
generated template at run time: the macro needs no answers but the timeout, and plain ``cookiecutter`` on the
repository keeps working, the generated project byte for byte as before. No checkov skip is written: the rails give
every SSE-SQS queue the scanner's reason (``rails/scanner.js``), the user's own queues included.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ..answers import limits
from .checks import DEFAULT_SCHEDULE, HANDLER_METHODS, Request

QUEUE_TYPE = "AWS::SQS::Queue"
SQS = limits.SQS_QUEUE_PAIR
QUEUE_PAIR_MACRO = "sqs/queue_pair.yml"  # under the template's templates/ folder (cookiecutter's include folder)
MACRO_STEP = 2  # the macro's indentation step


def camel(name: str) -> str:
    """``send_report`` -> ``SendReport``: the prefix of the queue pair's logical ids."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def queue_ids(req: Request) -> list[str]:
    """Logical ids of the resources the function needs in resources.Resources."""
    return [f"{camel(req.name)}Queue", f"{camel(req.name)}DeadLetterQueue"] if req.trigger == "sqs" else []


def _lines(pairs: list[tuple[int, str]], indent: int, step: int) -> str:
    return "".join(f"{' ' * (indent + depth * step)}{text}\n" for depth, text in pairs)


def _event(req: Request, api: str, reserved: int) -> list[tuple[int, str]]:
    """The event's lines by level: 0 the list item, 1 the keys under its trigger, 2 one level deeper."""
    if req.trigger == "schedule":
        expr = req.schedule or DEFAULT_SCHEDULE
        return [(0, f"- schedule: {expr if expr.startswith('rate(') else json.dumps(expr)}")]
    if req.trigger == "http" and api == "rest":
        # Only the methods the written handler serves; who may call them (an authorizer, or the API key with
        # auth=api-key) is the rails' auth rail, the same for every function.
        return [line for m in HANDLER_METHODS for line in [(0, "- http:"), (1, f"path: {req.route}"), (1, f"method: {m.lower()}")]]
    if req.trigger == "http":
        return [line for m in HANDLER_METHODS for line in [(0, "- httpApi:"), (1, f"path: {req.route}"), (1, f"method: {m}")]]
    queue = queue_ids(req)[0]
    out = [(0, "- sqs:"), (1, "arn:"), (2, f"Fn::GetAtt: [{queue}, Arn]"), (1, f"batchSize: {SQS['batch_size']}")]
    out.append((1, "functionResponseType: ReportBatchItemFailures"))
    if reserved >= 2:  # never more pollers than the function may run
        out.append((1, f"maximumConcurrency: {reserved}"))
    return out


def function_block(req: Request, package: str, api: str, timeout: int, reserved: int, indent: int, step: int) -> str:
    """The function's entry under ``functions:``."""
    pairs = [
        (0, f"{req.name}:"),
        (1, f"handler: {package}/{req.name}.handler"),
        (1, f"timeout: {timeout}"),
        (1, f"reservedConcurrency: {reserved}"),
        (1, "events:"),
    ]
    out = _lines(pairs, indent, step)
    dash = indent + 2 * step  # list items one step under `events:`; the trigger's key two columns right of its dash
    for level, text in _event(req, api, reserved):
        out += " " * (dash + (2 + level * step if level else 0)) + text + "\n"
    if req.database:
        out += _lines([(1, "slsguard:"), (2, "database: true")], indent, step)
    return out


@functools.cache
def environment() -> Any:
    """Jinja over the template's templates/ folder, as cookiecutter sees it (a sandbox; a missing value is an error)."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from ..new.render import template_dir

    loader = FileSystemLoader(str(template_dir() / "templates"))
    return SandboxedEnvironment(loader=loader, undefined=StrictUndefined, keep_trailing_newline=True)


def queue_pair(req: Request, timeout: int, indent: int, step: int) -> str:
    """The function's queue and its dead-letter queue, as the template writes its WorkQueue, at the file's indentation."""
    queue, dead = queue_ids(req)
    out = []
    for line in str(environment().get_template(QUEUE_PAIR_MACRO).module.queue_pair(queue, dead, timeout, SQS)).splitlines():
        text = line.lstrip(" ")
        depth = (len(line) - len(text)) // MACRO_STEP
        out.append(f"{' ' * (indent + depth * step)}{text}\n" if text else "\n")
    return "".join(out)
