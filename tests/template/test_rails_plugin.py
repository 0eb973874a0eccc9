"""The rails plugin in a rendered project: its own node unit tests (``npm run test:plugin``) pass, and the
framework's config schema (``configValidationMode: error``) takes what the plugin declares and refuses typos.

``osls print`` resolves and validates serverless.yml without packaging (a few seconds, no AWS).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.audit import rails as rails_family
from generator.audit.rules import BY_ID
from tests.support.paths import TEMPLATE
from tests.support.projects import run_npm_script
from tests.support.toolchain import MotoServer, moto, run_osls  # noqa: F401  (session fixture)

SCHEDULED = """\
  report:
    handler: {pkg}/report.handler
    timeout: 6
    reservedConcurrency: 1
    events:
      - schedule: rate(1 hour)
{extra}
plugins:
"""


def _add_function(project: Path, extra: str) -> None:
    config = project / "serverless.yml"
    pkg = next(p.name for p in project.iterdir() if (p / "guard.py").exists())
    config.write_text(config.read_text().replace("\nplugins:\n", "\n" + SCHEDULED.format(pkg=pkg, extra=extra), 1))


RAILS_PLUGIN = TEMPLATE / ".serverless_plugins" / "rails"
# The table as node reads it; JSON drops a property the table leaves out, so a rail without `audit` shows as one.
READ_TABLE = (
    "const { RAILS } = require('./rails/table.js');"
    "process.stdout.write(JSON.stringify(RAILS.map((r) => ({ name: r.name, audit: r.audit, unaudited: r.unaudited }))));"
)


def _rails_table(tmp_path: Path) -> list[dict[str, object]]:
    """The rails table's rows, read by node from a copy of the plugin (the template's package.json is Jinja, not JSON)."""
    shutil.copytree(RAILS_PLUGIN, tmp_path / "rails", ignore=shutil.ignore_patterns("test", "node_modules"))
    node = shutil.which("node") or "node"
    result = subprocess.run([node, "-e", READ_TABLE], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_each_rail_names_the_audit_rules_it_satisfies_and_every_rails_rule_has_a_rail(tmp_path: Path) -> None:
    rows = _rails_table(tmp_path)
    assert len(rows) > 10, rows  # the whole table was read
    named: dict[str, list[str]] = {}
    for row in rows:
        name = row["name"]
        assert "audit" in row, f"rail {name} has no `audit` entry: name its rule(s), or null with `unaudited: why`"
        audit = row["audit"]
        ids = [audit] if isinstance(audit, str) else audit
        if ids is None:
            why = row.get("unaudited")
            assert isinstance(why, str) and why.strip(), f"rail {name}: `audit: null` needs `unaudited` saying why no rule judges it"
            continue
        assert isinstance(ids, list) and ids, f"rail {name}: `audit` is a rule id, a non-empty list of them, or null"
        assert row.get("unaudited") is None, f"rail {name} names rules and says it is unaudited"
        for rule_id in ids:
            assert rule_id in BY_ID, f"rail {name} names {rule_id!r}, which is not a rule of the audit (generator/audit/rules.py)"
            named.setdefault(rule_id, []).append(name)
    family = [rule.id for rule in rails_family.RULES]
    assert family, "the rails family declares no rule"
    assert [rule_id for rule_id in family if rule_id not in named] == [], named


def test_the_plugin_unit_tests_pass_in_a_rendered_project(generate) -> None:
    project = generate()
    result = run_npm_script(project, "test:plugin", timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# pass " in result.stdout and "# fail 0" in result.stdout


@pytest.mark.parametrize(
    ("extra", "refused"),
    [
        ("    slsguard:\n      database: true\n      skip:\n        coldStart: nightly batch, nobody waits\n", None),
        (
            "    slsguard:\n      statements:\n        - Effect: Allow\n          Action: s3:GetObject\n          Resource: arn:aws:s3:::b/*\n",
            None,
        ),
        ("    slsguard:\n      statements: []\n", "statements"),
        ("    slsguard:\n      databse: true\n", "databse"),
        ("    slsguard:\n      skip:\n        coldstart: typo\n", "coldstart"),
        ("    slsguard:\n      skip:\n        coldStart: ' '\n", "coldStart"),
    ],
    ids=["valid", "statements", "no-statements", "unknown-key", "unknown-rail", "empty-reason"],
)
def test_config_validation_accepts_the_declared_properties_and_refuses_typos(
    generate,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
    extra: str,
    refused: str | None,
) -> None:
    project = generate(database="postgres")
    _add_function(project, extra)
    result = run_osls(project, moto, tmp_path / "cache", "print", "--stage", "dev", timeout=120)
    output = result.stdout + result.stderr
    if refused is None:
        assert result.returncode == 0, output[-3000:]
    else:
        assert result.returncode != 0 and refused in output, output[-3000:]


def test_a_typo_in_the_rest_stage_throttling_is_refused_before_anything_is_packaged(
    generate,
    tmp_path: Path,
    moto: MotoServer,  # noqa: F811
) -> None:
    project = generate(api="rest")
    config = project / "serverless.yml"
    text = config.read_text()
    assert "\n    burstLimit: " in text
    config.write_text(text.replace("\n    burstLimit: ", "\n    burstLimt: ", 1))
    result = run_osls(project, moto, tmp_path / "cache", "print", "--stage", "dev", timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "burstLimt" in output and "restStageThrottling" in output, output[-3000:]
