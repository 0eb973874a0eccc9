"""Stateful resources kept, proven on packaged projects: the default set, a project grown with `slsguard add
--trigger sqs`, and one whose own `resources:` declare a DynamoDB table. Every stateful resource of every compiled
template (root and nested stacks) carries DeletionPolicy and UpdateReplacePolicy that keep its data; cfn-lint's
I3011 (stateful resources without them, informational and off by default) names only the types left out on purpose
(log groups, nested stacks); the audit finds nothing; `npm run scan` still exits 0.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator import cli
from generator import new_project as new
from generator.answers.parse import complete
from generator.audit import audit
from generator.audit.retention import KEEPS, STATEFUL
from tests.support.paths import TEMPLATE
from tests.support.projects import run_npm_script
from tests.support.toolchain import MotoServer, cfn_lint_binary, compiled_templates, deployed_resources, moto, package_each, scanner_path  # noqa: F401

pytestmark = pytest.mark.slow

RAIL = TEMPLATE / ".serverless_plugins" / "rails" / "rails" / "retention.js"
USER_TABLE = """\
    # The user's own table, written by hand.
    OrdersTable:
      Type: AWS::DynamoDB::Table
      Metadata:
        checkov:
          skip:
            - id: CKV_AWS_119
              comment: "Encrypted with the DynamoDB-owned key; the table holds no data that needs a key of its own."
      Properties:
        BillingMode: PAY_PER_REQUEST
        PointInTimeRecoverySpecification:
          PointInTimeRecoveryEnabled: true
        SSESpecification:
          SSEEnabled: true
        AttributeDefinitions:
          - AttributeName: id
            AttributeType: S
        KeySchema:
          - AttributeName: id
            KeyType: HASH
"""
# Stateful types cfn-lint's I3011 asks about that the rails leave alone on purpose (see rails/retention.js).
NOT_RETAINED = {"AWS::Logs::LogGroup", "AWS::CloudFormation::Stack"}


def _grow(project: Path) -> None:
    assert cli.main(["add", "ingest", "--trigger", "sqs", "--project", str(project)]) == 0


def _own_table(project: Path) -> None:
    path = project / "serverless.yml"
    text = path.read_text()
    assert text.count("\n  Resources:\n") == 1
    path.write_text(text.replace("\n  Resources:\n", "\n  Resources:\n" + USER_TABLE, 1))


SETS = {"defaults": None, "grown": _grow, "own-table": _own_table}


@pytest.fixture(scope="module")
def packaged(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # noqa: F811
    root = tmp_path_factory.mktemp("retention")
    cache = tmp_path_factory.mktemp("retention-cache")
    projects = {}
    for i, (name, change) in enumerate(SETS.items()):
        project = new(complete({"project_name": f"Keep {i}"}), root)
        if change:
            change(project)
        projects[name] = project
    return package_each(projects, moto, cache)


@pytest.mark.parametrize("name", list(SETS))
def test_every_stateful_resource_keeps_its_data(packaged: dict[str, Path], name: str) -> None:
    resources = deployed_resources(compiled_templates(packaged[name]))
    stateful = {lid: r for lid, r in resources.items() if r["Type"] in STATEFUL and lid != "ServerlessDeploymentBucket"}
    expected = {"WorkQueue", "WorkDeadLetterQueue"} | {"grown": {"IngestQueue"}, "own-table": {"OrdersTable"}}.get(name, set())
    assert expected <= set(stateful), sorted(stateful)
    loose = {lid: (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) for lid, r in stateful.items()}
    assert all(d in KEEPS and u in KEEPS for d, u in loose.values()), loose
    assert not [f for f in audit([packaged[name]]) if f.rule == "stateful-retention"]


@pytest.mark.parametrize("name", list(SETS))
def test_cfn_lint_i3011_names_only_the_types_left_out_on_purpose(packaged: dict[str, Path], name: str) -> None:
    templates = [p for p in compiled_templates(packaged[name]) if "create-stack" not in p.name]
    command = [str(cfn_lint_binary()), "--format", "json", "--include-checks", "I3011", "--", *map(str, templates)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    matches = [m for m in json.loads(result.stdout or "[]") if m["Rule"]["Id"] == "I3011"]
    types = set()
    for m in matches:
        body = json.loads(Path(m["Filename"]).read_text())
        lid = m["Location"]["Path"][1]
        types.add(body["Resources"][lid]["Type"])
    assert types <= NOT_RETAINED, types
    assert "AWS::Logs::LogGroup" in types  # the check ran and saw the log groups


@pytest.mark.parametrize("name", list(SETS))
def test_the_projects_own_scan_still_exits_0(packaged: dict[str, Path], name: str) -> None:
    result = run_npm_script(packaged[name].parent, "scan", path=scanner_path())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_audit_and_the_rail_know_the_same_stateful_types(tmp_path: Path) -> None:
    copy = tmp_path / "retention.js"  # outside the template folder, whose package.json is not JSON until rendered
    copy.write_text(RAIL.read_text())
    script = f"const r = require({json.dumps(str(copy))}); console.log(JSON.stringify(r.STATEFUL));"
    rail = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert rail == STATEFUL
