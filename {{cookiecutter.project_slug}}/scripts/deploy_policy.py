"""`npm run deploy-policy`: write the CloudFormation execution role's permissions into deploy/bootstrap.yml from
what this service deploys, or check them (`-- --check`, as the deploy workflow does after packaging).

The actions are data, not guesses: every resource type of the compiled templates in .serverless/ (the root stack
and its nested stacks; the framework's own deployment bucket left out, deploys from GitHub use the bootstrap's)
is looked up in the CloudFormation resource provider schemas cfn-lint ships (cfnlint/data/schemas), and the
permissions of its create, read, update and delete handlers are what CloudFormation needs to manage it. A custom
resource (Custom::*) adds lambda:InvokeFunction on the service's functions: CloudFormation invokes its function
with the execution role. Resources: CloudFormation actions only on this service's stacks, IAM actions only on the
roles its stacks create (CloudFormation names them after the stack: <service>-<stage>-...), service-linked roles
where a type needs one, object reads on the deployment bucket's artifacts (function code), everything else on "*"
(CloudFormation names the resources; the type list is the limit).

It also writes the permissions boundary every role of the service carries (scripts/role_boundary.py: the union of
the actions the roles are granted, less what no role may do); the execution role writes roles only with it.

Exit codes: 0 written (or covered), 1 `--check` found actions the bootstrap lacks, or a role granted an action the
boundary lacks (run this without --check and deploy deploy/bootstrap.yml again), or a role granted what no role of
the service may do; 2 unusable input (no package, a type without a schema, no markers, a managed policy whose actions
cannot be read).

    python3 scripts/deploy_policy.py [--check] [--build .serverless] [--template deploy/bootstrap.yml]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import role_boundary as boundary  # scripts/ is no package: its folder is on the path
from cfn_schemas import canonical, iam_actions, known, schemas, scoped
from packaged import Unusable, service_of, templates

STAGES = ("dev", "production")  # the stages the deploy workflow deploys (package.json: deploy, deploy:production)
BEGIN, END = "  # BEGIN deploy-policy", "  # END deploy-policy"
HANDLERS = ("create", "read", "update", "delete")
FRAMEWORK_BUCKET = ("ServerlessDeploymentBucket", "ServerlessDeploymentBucketPolicy")
ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9]+")  # schemas carry a few entries that are no IAM action: left out
# Object reads (function code, an API definition): what CloudFormation reads comes from the deployment bucket.
ARTIFACT_READS = ("s3:GetObject", "s3:GetObjectVersion")
SERVICE_LINKED = ("iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:GetServiceLinkedRoleDeletionStatus")
POLICY_CHARACTERS = 5000  # action text per managed policy; IAM allows 6,144 characters without whitespace
PARTITION_ARN = "arn:${AWS::Partition}"


class PolicyError(Exception):
    """Input this command cannot use; one line, exit 2."""


def resource_types(bodies: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each resource type of the packaged stacks with the logical ids that have it."""
    found: dict[str, list[str]] = {}
    for body in bodies:
        for logical_id, resource in body.get("Resources", {}).items():
            if logical_id not in FRAMEWORK_BUCKET and isinstance(resource, dict):
                found.setdefault(str(resource.get("Type", "")), []).append(logical_id)
    return found


def handler_actions(types: dict[str, list[str]], region: str) -> dict[str, list[str]]:
    """The IAM actions CloudFormation needs per resource type (its schema's handler permissions)."""
    root, providers = schemas(region)
    table = iam_actions()
    needed, unknown = {}, []
    for kind in sorted(types):
        if kind.startswith("Custom::"):
            needed[kind] = ["lambda:InvokeFunction"]
            continue
        digest = providers.get(kind)
        if not isinstance(digest, str):
            unknown.append(f"{kind} ({', '.join(types[kind])})")
            continue
        handlers = json.loads((root / "resources" / f"{digest}.json").read_text(encoding="utf-8")).get("handlers", {})
        listed = {a for h in HANDLERS for a in handlers.get(h, {}).get("permissions", []) if isinstance(a, str)}
        actions = {canonical(a) for a in listed if ACTION.fullmatch(a) and known(a, table)} - set(boundary.NEVER)
        needed[kind] = sorted(actions)
    if unknown:
        names = "; ".join(unknown)
        raise PolicyError(f"no resource schema in cfn-lint for {names}: a type CloudFormation does not know, or cfn-lint is too old")
    return needed


def arns(service: str, pattern: str) -> list[str]:
    """``pattern`` (``<arn>``, ``<stack>``) for each stage's stack."""
    return [pattern.replace("<arn>", PARTITION_ARN).replace("<stack>", f"{service}-{stage}") for stage in STAGES]


def resources_for(service: str, action: str, custom: bool, table: dict[str, dict[str, Any]]) -> tuple[str, list[str] | str]:
    """(group name, Resource) an action is granted on."""
    if not scoped(action, table):
        return "ResourceTypes", "*"
    if action.startswith("cloudformation:"):
        stacks = "<arn>:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/<stack>"
        return "ServiceStacks", arns(service, stacks + "/*") + arns(service, stacks + "-*/*")
    if action in SERVICE_LINKED:
        return "ServiceLinkedRoles", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*"
    if action in boundary.BOUNDED_WRITES:
        return "ServiceRolesWithBoundary", arns(service, "<arn>:iam::${AWS::AccountId}:role/<stack>-*")
    if action.startswith("iam:"):
        return "ServiceRoles", arns(service, "<arn>:iam::${AWS::AccountId}:role/<stack>-*")
    if action == "lambda:InvokeFunction" and custom:
        return "ServiceFunctions", arns(service, "<arn>:lambda:${AWS::Region}:${AWS::AccountId}:function:<stack>-*")
    if action in ARTIFACT_READS:
        return "DeploymentArtifacts", "${DeploymentBucket.Arn}/serverless/" + service + "/*"
    return "ResourceTypes", "*"


def statements(service: str, needed: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One statement per resource group, its actions chunked so each managed policy stays under IAM's size limit."""
    custom = any(kind.startswith("Custom::") for kind in needed)
    table = iam_actions()
    groups: dict[str, tuple[Any, set[str]]] = {}
    for action in {a for actions in needed.values() for a in actions}:
        name, resource = resources_for(service, action, custom, table)
        groups.setdefault(name, (resource, set()))[1].add(action)
    found = []
    for name in sorted(groups):
        resource, actions = groups[name]
        extra = {"Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary.arn(service)}}} if name.endswith("WithBoundary") else {}
        chunk: list[str] = []
        for action in sorted(actions):
            if sum(len(a) + 3 for a in chunk) + len(action) > POLICY_CHARACTERS:
                found.append({"Sid": name, "Effect": "Allow", "Action": chunk, "Resource": resource, **extra})
                chunk = []
            chunk.append(action)
        found.append({"Sid": name, "Effect": "Allow", "Action": chunk, "Resource": resource, **extra})
    # the boundary stays on every role and stays as the administrator deployed it
    found.append({"Sid": "KeepRoleBoundary", "Effect": "Deny", "Action": list(boundary.NEVER), "Resource": "*"})
    found.append(
        {"Sid": "KeepBoundaryPolicy", "Effect": "Deny", "Action": list(boundary.BOUNDARY_WRITES), "Resource": boundary.arn(service)}
    )
    return found


def policies(found: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Statements packed into managed policies of at most POLICY_CHARACTERS characters of actions each."""
    packed: list[list[dict[str, Any]]] = [[]]
    size = 0
    for statement in found:
        length = sum(len(a) + 3 for a in statement["Action"]) + 200
        if packed[-1] and size + length > POLICY_CHARACTERS:
            packed.append([])
            size = 0
        packed[-1].append(statement)
        size += length
    return packed


def quoted(text: str) -> str:
    return json.dumps(text)


def block(service: str, needed: dict[str, list[str]], found: list[dict[str, Any]], granted: dict[str, list[str]]) -> str:
    """The YAML between the markers: the roles' boundary, and one AWS::IAM::ManagedPolicy per pack attached to ExecutionRole."""
    lines = [f"{BEGIN}: written by `npm run deploy-policy` from .serverless/ (do not edit by hand)"]
    lines += boundary.block(service, granted, quoted)
    lines.append(f"  # Resource types ({len(needed)}): {', '.join(sorted(needed))}")
    for number, pack in enumerate(policies(found), start=1):
        lines += [
            f"  ExecutionPolicy{number}:",
            "    Type: AWS::IAM::ManagedPolicy",
            "    Metadata:",
            "      checkov:",
            "        skip:",
            *(f"          - id: {check}\n            comment: {quoted(reason)}" for check, reason in SKIPS),
            "    Properties:",
            f"      Description: {quoted(f'CloudFormation execution role, part {number}: the resource types of the templates')}",
            "      Roles:",
            "        - Ref: ExecutionRole",
            "      PolicyDocument:",
            '        Version: "2012-10-17"',
            "        Statement:",
        ]
        for i, statement in enumerate(pack):
            lines += [
                f"          - Sid: {statement['Sid']}{number}{i}",
                f"            Effect: {statement['Effect']}",
                "            Action:",
            ]
            lines += [f"              - {a}" for a in statement["Action"]]
            resource = statement["Resource"]
            if resource == "*":
                lines.append('            Resource: "*"')
            elif isinstance(resource, str):
                lines.append(f"            Resource:\n              Fn::Sub: {quoted(resource)}")
            else:
                lines.append("            Resource:")
                lines += [f"              - Fn::Sub: {quoted(r)}" for r in resource]
            for operator, pairs in statement.get("Condition", {}).items():
                lines += ["            Condition:", f"              {operator}:"]
                lines += [f"                {key}:\n                  Fn::Sub: {quoted(value)}" for key, value in pairs.items()]
    lines.append(END)
    return "\n".join(lines)


# checkov reads a role's actions on "*" as unconstrained; here "*" is what the service's own resource types need,
# and only CloudFormation acting for this service's stacks holds the role.
SKIPS = (
    ("CKV_AWS_109", "IAM actions only on the roles the service's stacks create (and service-linked roles)."),
    ("CKV_AWS_110", "IAM actions only on the roles the service's stacks create; the rest is limited by resource type."),
    ("CKV_AWS_111", "CloudFormation creates resources whose names it generates: limited to the service's resource types."),
)


def current_actions(text: str) -> tuple[set[str], set[str] | None]:
    """Every action the ExecutionPolicy resources now in the bootstrap template allow, and its RoleBoundary's."""
    import yaml

    class Loader(yaml.SafeLoader):
        """Reads CloudFormation's short tags (!Ref, !Sub, ...) as nothing: only the statements written here count."""

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    try:
        body = yaml.load(text, Loader=Loader) or {}  # Loader is a SafeLoader
        found = set()
        for logical_id, resource in (body.get("Resources") or {}).items():
            if str(logical_id).startswith("ExecutionPolicy") and isinstance(resource, dict):
                for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                    if statement.get("Effect") != "Allow":
                        continue
                    actions = statement["Action"]
                    found |= {str(a) for a in ([actions] if isinstance(actions, str) else actions)}
        held = boundary.held(body)
    except (yaml.YAMLError, AttributeError, KeyError, TypeError) as err:
        raise PolicyError(
            f"deploy/bootstrap.yml's ExecutionPolicy and RoleBoundary resources cannot be read ({type(err).__name__}): "
            "run it again without --check"
        ) from None
    return found, held


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="npm run deploy-policy", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when deploy/bootstrap.yml lacks an action the package needs")
    parser.add_argument("--build", type=Path, default=Path(".serverless"), help="the package folder (default: .serverless)")
    parser.add_argument("--template", type=Path, default=Path("deploy/bootstrap.yml"), help="the bootstrap template")
    args = parser.parse_args(argv)
    try:
        service, region = service_of(args.build)
        bodies = templates(args.build)
        types = resource_types(bodies)
        needed = handler_actions(types, region)
        granted = boundary.grants(bodies)
        refused = boundary.refused(granted)
        try:
            text = args.template.read_text(encoding="utf-8")
        except OSError as err:
            raise PolicyError(f"{args.template}: {err.strerror}") from None
        start, end = text.find(BEGIN), text.find(END)
        if start < 0 or end < start:
            raise PolicyError(f"{args.template} has no '{BEGIN.strip()}' ... '{END.strip()}' lines: put them back at the end of Resources")
        for line in refused:
            print(f"deploy-policy: {line}")
        if refused:
            print(f"deploy-policy: remove those grants (DENIED in scripts/role_boundary.py says why); {args.template} is unchanged.")
            return 1
        wanted = block(service, needed, statements(service, needed), granted)
        if args.check:
            have, held = current_actions(text)
            have = {a.lower() for a in have}
            missing = {kind: [a for a in actions if a.lower() not in have] for kind, actions in needed.items()}
            missing = {kind: actions for kind, actions in missing.items() if actions}
            if missing and not have:
                print(f"deploy-policy: {args.template} gives the execution role no resource type yet.")
            elif missing:
                for kind, actions in missing.items():
                    print(f"deploy-policy: {kind} needs {', '.join(actions)}")
            beyond = {action: holders for action, holders in granted.items() if not boundary.covered(action, held or set())}
            if held is None:
                print(f"deploy-policy: {args.template} has no role boundary ({boundary.name(service)}) yet.")
            else:
                for action in sorted(beyond):
                    print(f"deploy-policy: {', '.join(beyond[action])} is granted {action}, which the role boundary does not hold")
            if missing or beyond or held is None:
                print(
                    f"deploy-policy: {args.template} does not cover this package: run `npm run deploy-policy`, commit it and "
                    "deploy the bootstrap again (README.md, Deploy from GitHub)."
                )
                return 1
            print(f"deploy-policy: {args.template} covers the {len(needed)} resource types and {len(granted)} role actions of the package.")
            return 0
        args.template.write_text(text[:start] + wanted + text[end + len(END) :], encoding="utf-8")
        count = len({a for actions in needed.values() for a in actions})
        roles = len(boundary.unique(granted))
        print(
            f"deploy-policy: {count} actions for {len(needed)} resource types and a role boundary of {roles} actions written to "
            f"{args.template}; deploy it again to apply."
        )
        return 0
    except (PolicyError, Unusable, boundary.BoundaryError) as err:
        print(f"deploy-policy: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
