"""The SQS consumer (handler ``{{ cookiecutter.package_name }}/worker.handler``): one function per message.

guard.sqs_handler parses each body as JSON, logs with the message's correlation ID, and reports only
the failed messages back to SQS (batchItemFailures), so one bad message does not retry the whole batch.
"""

from __future__ import annotations

from . import guard
from .guard import logger

# typing is read by type checkers only: importing it costs milliseconds of every cold start (INIT is billed).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def process(body: Any, record: Mapping[str, Any]) -> None:
    """Handle one message; raise to send it back to the queue (and to the DLQ after maxReceiveCount).

    Log extras must not reuse LogRecord attribute names ("name", "message", "msg", ...): logging refuses them.
    """
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise ValueError('a message must be a JSON object with a string "name"')
{%- if cookiecutter.database != "none" %}
    from . import db

    db.execute("INSERT INTO items (name) VALUES (%s)", [body["name"].strip()[:100]])
{%- endif %}
    logger.info("processed a message", extra={"message_id": record.get("messageId"), "item_name": body["name"][:100]})


handler = guard.sqs_handler(process)
