"""The files ``slsguard add`` writes: the handler module, its test and its sample event.

The handler and its test come from the function skeletons beside the template (``templates/functions/``, Jinja),
which the template's own handlers extend: the generated worker is the SQS skeleton with its example work filled
in, so what ``add --trigger sqs`` writes and the worker cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

from .blocks import SQS, queue_ids
from .checks import DEFAULT_SCHEDULE, PARAM_RE, Request

SKELETONS = "functions"  # under the template's templates/ folder (cookiecutter's include folder)
ACCOUNT = "123456789012"  # the documentation account id AWS's own sample events use
TIME = "2026-11-27T00:00:00Z"
EPOCH_MS = 1795737600000
DB_WORK = '    from . import db\n\n    rows = db.query("SELECT 1 AS ok")\n'
DB_CHECK = '    assert any(call[0] == "query" for call in no_database.calls)\n'


def example_path(req: Request) -> tuple[str, dict[str, str]]:
    """A concrete path for the sample event and the parameters API Gateway decodes from it."""
    values = {name: "example/1" if greedy else "1" for name, greedy in req.params}
    return PARAM_RE.sub(lambda m: values[m.group(1)], req.route), values


def _render(kind: str, values: dict[str, str]) -> str:
    from .blocks import environment

    return environment().get_template(f"{SKELETONS}/{kind}.py.j2").render(values)


def sources(req: Request, package: str) -> dict[str, str]:
    """The handler module and its test, by path relative to the project."""
    queue, dead = queue_ids(req) or ("", "")
    values = {
        "name": req.name,
        "package": package,
        "imports": ", ".join(sorted({req.name, "guard"})),
        "route": req.route,
        "schedule": req.schedule or DEFAULT_SCHEDULE,
        "queue": queue,
        "dead": dead,
        "receives": str(SQS["max_receive_count"]),
        "work": DB_WORK if req.database else "",
        "extra": ', "rows": len(rows)' if req.database else "",
        "check": DB_CHECK if req.database else "",
    }
    if req.database and req.trigger != "http":
        values["work"] = DB_WORK.replace("rows = ", "")
    # Path parameters: keyword arguments of get(), echoed in its answer, checked by its test.
    example = example_path(req)[1]
    values["params"] = "".join(f", {name}: str" for name, _greedy in req.params)
    values["echo"] = "".join(f', "{name}": {name}' for name, _greedy in req.params)
    values["check"] += "".join(f'    assert json.loads(response["body"])["{name}"] == "{example[name]}"\n' for name, _greedy in req.params)
    return {
        f"{package}/{req.name}.py": _render(req.trigger, values),
        f"tests/test_{req.name}.py": _render(f"{req.trigger}_test", values),
    }


def _http(req: Request, api: str, region: str) -> dict[str, Any]:
    """A GET through API Gateway to the route the function is wired to (its parameters decoded, as API Gateway does)."""
    host = f"abcdef1234.execute-api.{region}.amazonaws.com"
    cid = f"{req.name}-corr-0001"
    path, params = example_path(req)
    if api == "http":
        http = {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7", "userAgent": "curl/8.5.0"}
        route_key = f"GET {req.route}"
        return {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": "",
            "headers": {"accept": "application/json", "host": host, "x-correlation-id": cid},
            **({"pathParameters": params} if params else {}),
            "requestContext": {
                **{"accountId": ACCOUNT, "apiId": "abcdef1234", "domainName": host, "http": http},
                **{"requestId": "Gx1AbCdEoAMEVhA=", "routeKey": route_key, "stage": "$default", "timeEpoch": EPOCH_MS},
            },
            "isBase64Encoded": False,
        }
    return {
        "resource": req.route,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "Host": host, "X-Correlation-Id": cid},
        "queryStringParameters": None,
        "pathParameters": params or None,
        "requestContext": {
            **{"accountId": ACCOUNT, "apiId": "abcdef1234", "resourcePath": req.route, "httpMethod": "GET", "stage": "dev"},
            **{"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "requestTimeEpoch": EPOCH_MS},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def _record(n: int, body: str, cid: str, arn: str, region: str) -> dict[str, Any]:
    attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": str(EPOCH_MS), "ApproximateFirstReceiveTimestamp": str(EPOCH_MS + 10)}
    return {
        "messageId": f"0e6b1a8c-59a1-4c5e-9e3f-{n:012d}",
        "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{n}",
        "body": body,
        "attributes": attributes,
        "messageAttributes": {"x-correlation-id": {"stringValue": cid, "dataType": "String"}},
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


def event(req: Request, slug: str, api: str, region: str) -> dict[str, str]:
    """The sample event its test reads, as tests/events/<name>.json."""
    if req.trigger == "http":
        data: dict[str, Any] = _http(req, api, region)
    elif req.trigger == "sqs":
        arn = f"arn:aws:sqs:{region}:{ACCOUNT}:{slug}-dev-{req.name}"
        data = {
            "Records": [
                _record(1, '{"id": 1}', f"{req.name}-corr-0001", arn, region),
                _record(2, "{not json", f"{req.name}-corr-0002", arn, region),
            ]
        }
    else:
        data = {
            "version": "0",
            "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": TIME,
            "region": region,
            "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{slug}-dev-{req.name}"],
            "detail": {},
        }
    return {f"tests/events/{req.name}.json": json.dumps(data, indent=2) + "\n"}
