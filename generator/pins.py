"""Tool versions a generated project pins in its CI and requirements-dev.txt: the ones slsguard itself is tested with.

Written into cookiecutter.json as private variables, so ``slsguard upgrade`` moves a project's pins with slsguard.
tests/test_serverless_config.py keeps them equal to this repository's own CI (.ci/run) and test environment.
"""

from __future__ import annotations

from . import __version__

CFN_LINT = "1.58.0"  # what pyproject.toml's dev extra (cfn-lint>=1.20) installs in the test venv
CHECKOV = "3.3.30"  # .ci/run's isolated checkov venv
MOTO = "5.2.5"  # the local CloudFormation endpoint of offline packaging (split-stacks asks it which stacks exist)

# The framework lines a project can be on (the `framework` answer): the CLI package and version its package.json pins.
# osls 4 is the open-source line's current stable major; osls 3.x gets bug and security fixes only; Serverless v4
# needs a login. tests/node (osls 4) and tests/node-osls3 hold the same pins; a test keeps them equal.
OSLS = "4.3.1"
OSLS3 = "3.77.1"
SERVERLESS = "4.43.0"
OFFLINE = "14.8.5"  # serverless-offline for both osls lines (13.x declares a `serverless ^3` peer)
OFFLINE_SERVERLESS = "14.8.2"

CONTEXT = {
    "_slsguard_version": __version__,
    "_cfn_lint_version": CFN_LINT,
    "_checkov_version": CHECKOV,
    "_moto_version": MOTO,
    "_osls_version": OSLS,
    "_osls3_version": OSLS3,
    "_serverless_version": SERVERLESS,
    "_offline_version": OFFLINE,
    "_offline_serverless_version": OFFLINE_SERVERLESS,
}
