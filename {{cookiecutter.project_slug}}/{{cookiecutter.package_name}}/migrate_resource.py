"""Deploy-time migrations (handler ``{{ cookiecutter.package_name }}/migrate_resource.handler``): a CloudFormation
custom resource, ``Custom::Migrations``, whose ServiceToken is the migrate function (see docs in the README).

Create and Update apply the pending migrations with the function's own network and secret; Delete does
nothing (the schema and the data outlive the stack). The answer goes to the pre-signed ResponseURL: FAILED
with the runner's message as the reason makes the deploy fail, visibly, and roll back. The resource
carries a hash of the migrations folder, so an Update (a run) happens whenever a file is added or changed.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from typing import Any

from . import db, migrate
from .guard import logger

REPLY_RESERVE_S = 15.0  # kept free before the Lambda deadline to send the answer to CloudFormation
REPLY_TIMEOUT_S = 10.0  # one PUT to the ResponseURL
REPLY_ATTEMPTS = 3
REASON_MAX = 1000  # CloudFormation shows the reason in the stack events; the response body is limited to 4 KB


def handler(event: Mapping[str, Any], context: Any) -> None:
    """Run the migrations for Create/Update, nothing for Delete, and always answer CloudFormation."""
    kind = event.get("RequestType")
    physical_id = event.get("PhysicalResourceId") or f"{event.get('LogicalResourceId', 'Migrations')}-schema"
    status, reason, data = "SUCCESS", "", {}
    try:
        asked, carried = (event.get("ResourceProperties") or {}).get("MigrationsHash"), None
        if kind == "Update" and asked:
            carried = migrate.folder_hash(migrate.folder())
        if carried is not None and asked != carried:
            # A rollback: CloudFormation asks for the previous folder's hash while this function still carries the
            # new one (it rolls back after the resource). Running would meet the failed file again and leave the
            # stack in UPDATE_ROLLBACK_FAILED; a migration is never undone, so leave the schema as it is.
            reason = f"MigrationsHash {asked[:12]} is not this function's folder ({carried[:12]}): rollback, schema left as it is"
            data = {"Applied": 0}
        elif kind in ("Create", "Update"):
            budget = context.get_remaining_time_in_millis() / 1000 - REPLY_RESERVE_S
            result = migrate.run(timeout_s=max(1.0, budget), log=lambda line: logger.info(line))
            reason, data = result.summary(), {"Applied": len(result.applied)}
        elif kind == "Delete":
            reason = "nothing to do on Delete: the schema and its data stay"
        else:
            status, reason = "FAILED", f"unknown RequestType {kind!r}"
    except Exception as err:  # any failure must reach CloudFormation, or the stack waits for the timeout
        status, reason = "FAILED", f"{type(err).__name__}: {err}"
        logger.exception("migrations failed")
    finally:
        db.close()
    log_stream = getattr(context, "log_stream_name", "")
    reason = f"{reason} (log stream {log_stream})" if log_stream and status == "FAILED" else reason
    logger.info("custom resource answer", extra={"status": status, "reason": reason, "request_type": kind})
    reply(event, status, reason[:REASON_MAX], physical_id, data)


def reply(event: Mapping[str, Any], status: str, reason: str, physical_id: str, data: Mapping[str, Any]) -> None:
    """PUT the answer to the pre-signed URL; its signature covers an empty Content-Type, so send exactly that."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "Data": dict(data),
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    for attempt in range(1, REPLY_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=REPLY_TIMEOUT_S) as response:
                response.read()
            return
        except OSError as err:
            logger.warning("answer to CloudFormation failed", extra={"attempt": attempt, "error": str(err)})
    raise RuntimeError("could not answer CloudFormation: the stack waits for the custom resource's ServiceTimeout")
