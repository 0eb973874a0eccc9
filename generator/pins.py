"""Tool versions a generated project pins in its CI and requirements-dev.txt: the ones slsguard itself is tested with.

Written into cookiecutter.json as private variables, so ``slsguard upgrade`` moves a project's pins with slsguard.
tests/test_serverless_config.py keeps them equal to this repository's own CI (.ci/run) and test environment.
"""

from __future__ import annotations

from . import __version__

CFN_LINT = "1.58.0"  # what pyproject.toml's dev extra (cfn-lint>=1.20) installs in the test venv
CHECKOV = "3.3.30"  # .ci/run's isolated checkov venv
MOTO = "5.2.5"  # the local CloudFormation endpoint of offline packaging (split-stacks asks it which stacks exist)

CONTEXT = {
    "_slsguard_version": __version__,
    "_cfn_lint_version": CFN_LINT,
    "_checkov_version": CHECKOV,
    "_moto_version": MOTO,
}
