"""The rails plugin in a rendered project: its own node unit tests (``npm run test:plugin``) pass, and the
framework's config schema (``configValidationMode: error``) takes what the plugin declares and refuses typos.

``osls print`` resolves and validates serverless.yml without packaging (a few seconds, no AWS).
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
