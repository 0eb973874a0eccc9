"""The permissions boundary of the service's roles (`<service>-role-boundary` in deploy/bootstrap.yml), derived by
`npm run deploy-policy` from the compiled templates.

Its Allow is the union of the actions the service's own roles are granted: the Allow statements of every
AWS::IAM::Role's inline policies, of every AWS::IAM::Policy, RolePolicy and ManagedPolicy of the templates, and of
the AWS managed policies a role attaches. The AWS managed policies the rails attach are a table here (AWS_MANAGED,
their published documents); any other managed policy ARN stops the command (exit 2) naming the role: its actions
cannot be read from the templates, so they would either be missing from the boundary (the role silently loses
them) or be guessed. Grant those actions in the role's statements instead, or add the policy's document here.
Its Deny (DENIED) is what no role of the service does, whatever is granted: a role granted one of those (or `*`)
stops the command (exit 1). The boundary's actions are on "*": it caps the actions; each role's own policy still
names the resources.

The CloudFormation execution role may then write roles only with this boundary (iam:PermissionsBoundary on the
writes that widen a role, BOUNDED_WRITES), never remove it (iam:DeleteRolePermissionsBoundary is denied) and never
change the boundary policy itself. A permission the boundary lacks needs `npm run deploy-policy` and an
administrator deploying the bootstrap again: the pipeline cannot widen its own roles.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

# AWS managed policies the rails attach, with their documents' actions (IAM console / `aws iam get-policy-version`;
# the version in the comment). Another AWS managed policy: add its actions here with its version, or grant them as
# statements.
AWS_MANAGED = {
    # v3 (2024-01-05): a function in a VPC (the rails' roles, and the framework's)
    "AWSLambdaVPCAccessExecutionRole": (
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ),
    # v1 (2020-08-17): CodeDeploy's role of the rollout rail
    "AWSCodeDeployRoleForLambdaLimited": (
        "cloudwatch:DescribeAlarms",
        "lambda:UpdateAlias",
        "lambda:GetAlias",
        "lambda:GetProvisionedConcurrencyConfig",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "lambda:InvokeFunction",
    ),
    # v1 (2015-04-09)
    "AWSLambdaBasicExecutionRole": ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
    # v2 (2024-02-13)
    "AWSXRayDaemonWriteAccess": (
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ),
}
# What no role of the service does, whatever it is granted: identities and the account (a function that can write
# IAM can give itself anything), other roles' credentials, the audit trail. The rails need none of them.
DENIED = (
    "iam:*",
    "organizations:*",
    "account:*",
    "sts:AssumeRole",
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
)
# The execution role's role writes that can widen a role: only with iam:PermissionsBoundary = the boundary.
BOUNDED_WRITES = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary")
# Never granted to the execution role, and denied: removing the boundary from a role.
NEVER = ("iam:DeleteRolePermissionsBoundary",)
# Denied to the execution role on the boundary policy: changing what it allows.
BOUNDARY_WRITES = ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion")
POLICY_CHARACTERS = 6144  # IAM's limit for one managed policy (whitespace not counted); a role has one boundary
GRANTING = ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy")
AWS_POLICY = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")


class BoundaryError(Exception):
    """Input the boundary cannot be derived from; one line, exit 2."""


def name(service: str) -> str:
    return f"{service}-role-boundary"


def arn(service: str) -> str:
    """The boundary's ARN as an Fn::Sub string."""
    return "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/" + name(service)


def _statements(document: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), (list, dict)):
        raise BoundaryError(f"{where}: its PolicyDocument is not a literal document: write its statements out")
    found = document["Statement"]
    return [found] if isinstance(found, dict) else found


def _actions(statement: Any, where: str) -> list[str]:
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return []  # a Deny only narrows
    if "NotAction" in statement:
        raise BoundaryError(f"{where}: an Allow with NotAction cannot be bounded by its actions: list the actions it needs")
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise BoundaryError(f"{where}: Action is not a literal action or list of actions: write them out")
    return actions


def _managed_arn(value: Any, where: str, resources: dict[str, Any]) -> str | None:
    """The AWS managed policy name an entry of ManagedPolicyArns attaches; None for a policy of the template."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in resources:
        return None  # its statements are read as the template's ManagedPolicy
    text = value
    sub = value.get("Fn::Sub") if isinstance(value, dict) and set(value) == {"Fn::Sub"} else None
    if isinstance(sub, list) and len(sub) == 2 and sub[1] == {}:
        sub = sub[0]  # split-stacks writes [text, {}]
    if isinstance(sub, str):
        text = sub.replace("${AWS::Partition}", "aws")
    elif isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = (value["Fn::Join"] + [None, None])[:2]
        if separator == "" and isinstance(parts, list):
            text = "".join("aws" if part == {"Ref": "AWS::Partition"} else part if isinstance(part, str) else "\0" for part in parts)
    match = AWS_POLICY.fullmatch(text) if isinstance(text, str) else None
    if not match or match.group(1) not in AWS_MANAGED:
        shown = text if isinstance(text, str) else "a computed ARN"
        raise BoundaryError(
            f"{where} attaches {shown}, whose actions deploy-policy cannot read: grant them in the role's statements, "
            "or add the AWS managed policy's actions to AWS_MANAGED in scripts/role_boundary.py"
        )
    return match.group(1)


def grants(templates: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each action the service's roles are granted (as written) with the roles and policies that grant it."""
    found: dict[str, list[str]] = {}

    def add(actions: list[str] | tuple[str, ...], where: str) -> None:
        for action in actions:
            holders = found.setdefault(action, [])
            if where not in holders:
                holders.append(where)

    for body in templates:
        resources = body.get("Resources") or {}
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict):
                continue
            kind, props = resource.get("Type"), resource.get("Properties") or {}
            if kind == "AWS::IAM::Role":
                for policy in props.get("Policies") or []:
                    document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
                    for statement in _statements(document, f"role {logical_id}"):
                        add(_actions(statement, f"role {logical_id}"), f"role {logical_id}")
                for value in props.get("ManagedPolicyArns") or []:
                    managed = _managed_arn(value, f"role {logical_id}", resources)
                    if managed:
                        add(AWS_MANAGED[managed], f"role {logical_id} ({managed})")
            elif kind in GRANTING:
                for statement in _statements(props.get("PolicyDocument"), f"policy {logical_id}"):
                    add(_actions(statement, f"policy {logical_id}"), f"policy {logical_id}")
    return found


def refused(found: dict[str, list[str]]) -> list[str]:
    """One line per granted action that the boundary denies to every role (`*` matches all of them)."""
    lines = []
    for action in sorted(found):
        for denied in DENIED:
            if fnmatchcase(action.lower(), denied.lower()) or fnmatchcase(denied.lower(), action.lower()):
                lines.append(
                    f"{', '.join(found[action])} is granted {action}, which no role of the service may do (the boundary denies {denied})"
                )
                break
    return lines


def covered(action: str, held: set[str]) -> bool:
    """True when a boundary holding ``held`` (actions or patterns) allows ``action``."""
    return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in held)


def unique(found: dict[str, list[str]]) -> list[str]:
    """The granted actions, one spelling each (IAM ignores case), sorted."""
    seen: dict[str, str] = {}
    for action in sorted(found):
        seen.setdefault(action.lower(), action)
    return sorted(seen.values(), key=str.lower)


def block(service: str, found: dict[str, list[str]], quoted: Any) -> list[str]:
    """The YAML lines of the RoleBoundary managed policy."""
    actions = unique(found)
    size = sum(len(a) + 3 for a in (*actions, *DENIED)) + 200
    if size > POLICY_CHARACTERS:
        raise BoundaryError(
            f"the roles are granted {len(actions)} actions, more than one boundary policy holds ({POLICY_CHARACTERS} characters): "
            "use wildcards in the roles' statements (e.g. dynamodb:Get*)"
        )
    lines = [
        "  # The most any role of the service may do (serverless.yml provider.iam.role.permissionsBoundary): what its roles",
        "  # are granted, on any resource (each role's policy names the resources), never what RoleBoundary denies.",
        "  RoleBoundary:",
        "    Type: AWS::IAM::ManagedPolicy",
        "    Metadata:",
        "      checkov:",
        "        skip:",
        *(f"          - id: {check}\n            comment: {quoted(reason)}" for check, reason in SKIPS),
        "    Properties:",
        f"      ManagedPolicyName: {name(service)}",
        f"      Description: {quoted('Permissions boundary of every role of the service: the actions its roles are granted')}",
        "      PolicyDocument:",
        '        Version: "2012-10-17"',
        "        Statement:",
    ]
    if actions:
        lines += ["          - Sid: ServiceRoleActions", "            Effect: Allow", "            Action:"]
        lines += [f"              - {quoted(a)}" for a in actions]
        lines.append('            Resource: "*"')
    lines += ["          - Sid: NoServiceRoleDoes", "            Effect: Deny", "            Action:"]
    lines += [f"              - {quoted(a)}" for a in DENIED]
    lines.append('            Resource: "*"')
    return lines


# checkov reads "*" in a policy as unconstrained; a boundary grants nothing, it caps what the roles' own policies grant.
SKIPS = (
    ("CKV_AWS_108", "A permissions boundary grants nothing: object and secret reads are the roles', on the resources they name."),
    ("CKV_AWS_109", "A permissions boundary grants nothing: each role's own policy names its resources."),
    ("CKV_AWS_110", "A permissions boundary grants nothing: each role's own policy names its resources."),
    ("CKV_AWS_111", "A permissions boundary grants nothing: each role's own policy names its resources."),
)


def held(body: dict[str, Any]) -> set[str] | None:
    """The actions the bootstrap's RoleBoundary allows; None when it has none."""
    resource = (body.get("Resources") or {}).get("RoleBoundary")
    if not isinstance(resource, dict):
        return None
    found: set[str] = set()
    for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
        if statement.get("Effect") == "Allow":
            actions = statement["Action"]
            found |= {str(a) for a in ([actions] if isinstance(actions, str) else actions)}
    return found
