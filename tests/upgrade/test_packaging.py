"""An upgraded project is still a working project: its own tests pass, ``osls package`` succeeds
(split-stacks pointed at a moto server), cfn-lint finds no error and checkov no failed check,
and the user's function is in the compiled template next to the generated ones.

Run alone with ``pytest -m slow tests/upgrade/test_packaging.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.answers.parse import validate
from generator.new.render import new, render
from generator.project import snapshot
from generator.upgrade.regenerate import upgrade
from tests.support.projects import run_project_tests
from tests.support.toolchain import (
    MotoServer,
    cfn_lint,
    checkov,
    compiled_templates,
    deployed_resources,
    moto,  # noqa: F401  (session fixture)
    package,
)
from tests.support.upgrade import insert_lines, quiet_index

pytestmark = pytest.mark.slow

USER_FUNCTION = """\
  report:
    handler: {pkg}/report.handler
    description: Nightly report (added by the team)
    timeout: 6
    reservedConcurrency: 2
"""
USER_LOG_GROUP = """\
    ReportLambdaFunction:
      Metadata:
        checkov:
          skip:
            - id: CKV_AWS_116
              comment: "Scheduled by the team's own tooling and retried there: a Lambda DLQ would stay empty."
            - id: CKV_AWS_117
              comment: "Reaches no private resource, so it runs outside a VPC like the generated functions."
            - id: CKV_AWS_173
              comment: "The environment holds names and ARNs, no secrets; Lambda encrypts it at rest."
    ReportLogGroup:
      Metadata:
        checkov:
          skip:
            - id: CKV_AWS_158
              comment: "CloudWatch Logs encrypts every log group at rest; the report logs row counts only."
"""
USER_MODULE = 'def handler(event, context):\n    return {"rows": 0}\n'


def test_upgraded_project_packages_and_passes_scanners(tmp_path: Path, moto: MotoServer) -> None:  # noqa: F811
    # GIVEN a generated project where the team added a function and its module
    root = new({}, tmp_path / "out")
    pkg = snapshot.read(root).answers["package_name"]
    theirs = snapshot.read_tree(render(validate({"cold_start": "provisioned"}), tmp_path / "theirs"))
    base = snapshot.read(root).base
    sls_base, sls_theirs = base["serverless.yml"].data.decode(), theirs["serverless.yml"].data.decode()
    at = quiet_index(sls_base, sls_theirs, prefer="functions:")
    assert sls_base.splitlines()[at - 1] == "functions:", "the answer change touches the lines right after functions:"
    insert_lines(root / "serverless.yml", at, USER_FUNCTION.format(pkg=pkg))
    # and, following the template's own pattern, the reasons its function and log group skip checkov checks
    sls_ours = (root / "serverless.yml").read_text()
    at = quiet_index(sls_ours, sls_theirs, prefer="  extensions:")
    assert sls_ours.splitlines()[at - 1] == "  extensions:", "the answer change touches the lines right after extensions:"
    insert_lines(root / "serverless.yml", at, USER_LOG_GROUP)
    (root / pkg / "report.py").write_text(USER_MODULE)
    # WHEN it upgrades to provisioned concurrency
    result = upgrade(root, {"cold_start": "provisioned"})
    assert result.conflicts == []
    # THEN its own tests pass, it packages, and the scanners are as happy as with a fresh project
    tests = run_project_tests(root)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    templates = compiled_templates(package(root, moto, tmp_path / "cache"))
    errors = [str(f) for f in cfn_lint(templates) if f.severity == "error"]
    assert not errors, "\n".join(errors)
    scan = checkov(templates)
    assert not scan.failed, "\n".join(scan.failed)
    assert not scan.parsing_errors
    resources = deployed_resources(templates)
    assert resources["ReportLambdaFunction"]["Properties"]["Handler"] == f"{pkg}/report.handler"
    aliases = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    assert any("ProvisionedConcurrencyConfig" in a["Properties"] for a in aliases)
