"""What reading the verified caller costs per request (identity.caller_of), on the events API Gateway sends.

Renders the default project, imports its identity module and times, with timeit (min of 5 repeats of 20,000):
HTTP API JWT claims, REST Cognito claims, REST IAM identity, and a public route (no authorizer). The figure is per
request that reads ``request.caller`` or has ``@requires``; a route that reads neither pays nothing.

    python benchmarks/caller.py
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
import tempfile
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CLAIMS = {
    "sub": "5f1c0e0a-user",
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc",
    "client_id": "app",
    "scope": "orders/read profile",
    "cognito:groups": "[admin editor]",
    "token_use": "access",
    "exp": "1795741200",
}


def main() -> None:
    from generator import new_project as new

    with tempfile.TemporaryDirectory() as tmp:
        project = new({"project_name": "Bench Caller"}, Path(tmp))
        sys.path.insert(0, str(project))
        identity = importlib.import_module("bench_caller.identity")
        events = project / "tests" / "events"
        http = json.loads((events / "http_get_items.json").read_text())
        rest = json.loads((events / "rest_get_items.json").read_text())
        cases = {}
        cases["HTTP API, JWT claims"] = copy.deepcopy(http)
        cases["HTTP API, JWT claims"]["requestContext"]["authorizer"] = {"jwt": {"claims": CLAIMS, "scopes": None}}
        cases["REST, Cognito claims"] = copy.deepcopy(rest)
        cases["REST, Cognito claims"]["requestContext"]["authorizer"] = {"claims": CLAIMS}
        cases["REST, IAM identity"] = copy.deepcopy(rest)
        cases["REST, IAM identity"]["requestContext"].setdefault("identity", {})["userArn"] = "arn:aws:iam::123456789012:role/billing"
        cases["public route (REST)"] = rest
        for name, event in cases.items():
            best = min(timeit.repeat(lambda e=event: identity.caller_of(e), number=20_000, repeat=5)) / 20_000
            print(f"{name:24} {best * 1e6:.2f} µs per request")


if __name__ == "__main__":
    main()
