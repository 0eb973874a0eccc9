"""``slsguard preview``: what a deploy of the packaged service would add, change, replace and remove.

Compares the stacks as deployed (their current templates, read with CloudFormation ``GetTemplate``: the root stack
and every nested stack it lists) with what ``package`` just wrote to ``.serverless/`` (the update template and the
nested templates split-stacks wrote beside it), and prints, per stack:

- ``+`` added, ``-`` removed, ``~`` changed (the properties that differ), ``!`` replaced: a change to a property the
  resource type's schema lists under ``createOnlyProperties`` (cfn-lint's copy of the CloudFormation registry
  schemas, ``cfnlint/data/schemas``: ``providers/<region>.json`` names each type's schema file under
  ``resources/``), or a change of ``Type``; ``Custom::`` resources and types without a schema are updated in place;
- a change of only where this package uploaded its artifacts (a function's code, a nested template): one line per
  kind, saying for function code whether the code changed (the published versions' ``CodeSha256``);
- ``IAM widening``: an Allow statement (effect, actions, resources, condition) of a role or policy that the deployed
  one does not have;
- stateful resources (the types ``slsguard audit``'s stateful-retention rule knows) that would be replaced or removed
  are marked: exit 1 unless each is named with ``--accept LOGICAL_ID`` (the data would be left behind in a retained
  resource, or deleted with it).

Exit 0 when nothing stateful is lost (or all of it accepted), 1 otherwise, 2 for unusable input (no package, no
credentials, an endpoint that does not answer). A stack that does not exist yet is a first deploy: everything added.

AWS is reached with boto3's usual configuration (credentials, ``AWS_ENDPOINT_URL`` for a local CloudFormation such
as the one ``npm run rehearse`` starts). Changes in cascade are followed (a resource referring to a replaced one:
``cascade.py``). What it does not predict: a nested stack's outputs back into the root, values only known at deploy
time (a parameter, an SSM value: compared as written), and changes the stack's drift hides (compared with the
template, not the resources).
"""

from __future__ import annotations

import argparse

from ..errors import FINDINGS


def run_cli(args: argparse.Namespace) -> int:
    """Read both sides, compare, print; the exit code (0, or 1 when a stateful resource would be lost unaccepted)."""
    from .deployed import deployed_stacks
    from .diff import compare
    from .packaged import read_package
    from .report import lines, lost

    package = read_package(args.build)
    stack = args.stack or package.stack_name
    deployed = deployed_stacks(stack, package.region)
    changes = compare(deployed, package.stacks, package.region)
    for line in lines(stack, changes, set(args.accept), first=deployed is None):
        print(line)
    return FINDINGS if lost(changes, set(args.accept)) else 0
