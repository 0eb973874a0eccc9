"""`npm run deploy-policy` (scripts/deploy_policy.py in a generated project) on small packages written here: what it
writes for each resource type (its schema's handler permissions, IAM's unknown entries left out, the framework's own
bucket left out, a custom resource's function), what `--check` says when a type is new, and one line with exit 2 for
input it cannot use. The packaged projects themselves: deploy/test_identity.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import new_project as new
from generator.answers.parse import complete


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new(complete({"project_name": "Policy Made"}), tmp_path_factory.mktemp("deploy-policy"))


def write_package(project: Path, resources: dict[str, Any], *, service: Any = "policy-made") -> Path:
    build = project / ".serverless"
    build.mkdir(exist_ok=True)
    for old in build.glob("*.json"):
        old.unlink()
    (build / "serverless-state.json").write_text(json.dumps({"service": {"service": service, "provider": {"region": "eu-west-1"}}}))
    (build / "cloudformation-template-update-stack.json").write_text(json.dumps({"Resources": resources}))
    return build


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "scripts/deploy_policy.py", *args], cwd=project, capture_output=True, text=True, timeout=120)


def policy(project: Path, effect: str = "Allow") -> dict[str, list[Any]]:
    """Action -> resources over every ExecutionPolicy statement of ``effect`` the script wrote."""
    body = yaml.safe_load((project / "deploy" / "bootstrap.yml").read_text())
    grants: dict[str, list[Any]] = {}
    for logical_id, resource in body["Resources"].items():
        if logical_id.startswith("ExecutionPolicy"):
            assert resource["Properties"]["Roles"] == [{"Ref": "ExecutionRole"}]
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Effect"] == effect:
                    for action in statement["Action"]:
                        grants.setdefault(action, []).append(statement["Resource"])
    return grants


def conditions(project: Path) -> dict[str, Any]:
    """Action -> the Condition of the ExecutionPolicy Allow statement granting it."""
    body = yaml.safe_load((project / "deploy" / "bootstrap.yml").read_text())
    found = {}
    for logical_id, resource in body["Resources"].items():
        if logical_id.startswith("ExecutionPolicy"):
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Effect"] == "Allow":
                    found.update(dict.fromkeys(statement["Action"], statement.get("Condition")))
    return found


def role_boundary(project: Path) -> dict[str, Any]:
    """The RoleBoundary managed policy the script wrote: its properties, Allow actions and Deny actions."""
    resource = yaml.safe_load((project / "deploy" / "bootstrap.yml").read_text())["Resources"]["RoleBoundary"]
    statements = resource["Properties"]["PolicyDocument"]["Statement"]
    allow = [a for st in statements if st["Effect"] == "Allow" for a in st["Action"]]
    deny = [a for st in statements if st["Effect"] == "Deny" for a in st["Action"]]
    assert all(st["Resource"] == "*" for st in statements)
    return {"properties": resource["Properties"], "allow": allow, "deny": deny}


def role(statements: list[dict[str, Any]], *managed: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]}
    if managed:
        properties["ManagedPolicyArns"] = list(managed)
    return {"Type": "AWS::IAM::Role", "Properties": properties}


VPC = {"Fn::Sub": ["arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", {}]}  # as split-stacks leaves it
LOGS = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}


def test_written_from_the_types_and_checked_when_one_is_new(project: Path) -> None:
    write_package(
        project,
        {
            "ServerlessDeploymentBucket": {"Type": "AWS::S3::Bucket"},  # the framework's: a GitHub deploy uses the bootstrap's
            "WorkQueue": {"Type": "AWS::SQS::Queue"},
            "Fn": {"Type": "AWS::Lambda::Function"},
            "Role": {"Type": "AWS::IAM::Role"},
            "Migrations": {"Type": "Custom::Migrations"},
            "HttpApi": {"Type": "AWS::ApiGatewayV2::Api"},  # its schema spells s3:getObject
        },
    )
    check = run(project, "--check")
    assert check.returncode == 1 and "gives the execution role no resource type yet" in check.stdout, check.stdout + check.stderr
    written = run(project)
    assert written.returncode == 0 and "for 5 resource types and a role boundary of 0 actions written" in written.stdout, (
        written.stdout + written.stderr
    )
    grants = policy(project)
    assert "sqs:CreateQueue" in grants and "lambda:CreateFunction" in grants and "iam:CreateRole" in grants
    assert "s3:CreateBucket" not in grants  # the framework's bucket is not deployed from GitHub
    # one spelling per action (IAM ignores case), and object reads only on the deployment bucket's artifacts
    assert len({a.lower() for a in grants}) == len(grants) and "s3:getObject" not in grants
    assert grants["s3:GetObject"] == [{"Fn::Sub": "${DeploymentBucket.Arn}/serverless/policy-made/*"}]
    assert "lambda:AssociateRuntimeAlias" not in grants  # listed by the Lambda schema, unknown to IAM: grants nothing
    assert grants["iam:CreateRole"] == [
        [{"Fn::Sub": f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/policy-made-{s}-*"} for s in ("dev", "production")]
    ]
    assert grants["lambda:InvokeFunction"][0][0]["Fn::Sub"].endswith(":function:policy-made-dev-*")  # the custom resource's function
    assert run(project, "--check").returncode == 0
    # GIVEN a type the bootstrap does not have yet
    write_package(project, {"WorkQueue": {"Type": "AWS::SQS::Queue"}, "Alarms": {"Type": "AWS::SNS::Topic"}})
    check = run(project, "--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert check.stdout.startswith("deploy-policy: AWS::SNS::Topic needs ") and "sqs:" not in check.stdout
    assert "npm run deploy-policy" in check.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no package", "run `npm run package` first"),
        ("unknown type", "no resource schema in cfn-lint for AWS::Nope::Thing (Weird)"),
        ("markers gone", "has no '# BEGIN deploy-policy' ... '# END deploy-policy' lines"),
        ("hostile service name", "is not a lowercase service name"),
        ("resources not a mapping", "Resources is not a mapping"),
        ("properties not a mapping", "resource R or its Properties is not a mapping"),
        ("state without service", "names no service and region"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(tmp_path: Path, case: str, expected: str) -> None:
    project = new(complete({"project_name": "Bad Input"}), tmp_path)
    if case == "unknown type":
        write_package(project, {"Weird": {"Type": "AWS::Nope::Thing"}}, service="bad-input")
    elif case == "markers gone":
        write_package(project, {"Q": {"Type": "AWS::SQS::Queue"}}, service="bad-input")
        bootstrap = project / "deploy" / "bootstrap.yml"
        bootstrap.write_text(bootstrap.read_text().replace("# END deploy-policy", ""))
    elif case == "hostile service name":
        write_package(project, {"Q": {"Type": "AWS::SQS::Queue"}}, service='x"\n  Evil: {"Type": "AWS::IAM::User"}')
    elif case == "resources not a mapping":
        build = write_package(project, {}, service="bad-input")
        (build / "cloudformation-template-update-stack.json").write_text('{"Resources": ["Q"]}')
    elif case == "properties not a mapping":
        write_package(project, {"R": {"Type": "AWS::IAM::Role", "Properties": ["x"]}}, service="bad-input")
    elif case == "state without service":
        build = write_package(project, {}, service="bad-input")
        (build / "serverless-state.json").write_text('{"service": []}')
    before = (project / "deploy" / "bootstrap.yml").read_text()
    for args in ((), ("--check",)):
        result = run(project, *args)
        assert result.returncode == 2 and result.stdout == "", (case, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (project / "deploy" / "bootstrap.yml").read_text() == before  # nothing half-written


def test_the_role_boundary_holds_what_the_roles_are_granted_and_the_execution_role_writes_roles_only_with_it(project: Path) -> None:
    # GIVEN roles granted statements (one also a Deny, which only narrows), an AWS managed policy, and a policy resource
    write_package(
        project,
        {
            "FnIamRole": role([LOGS, {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}], VPC),
            "WorkerIamRole": role([{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:eu-west-1:1:q"}]),
            "Extra": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "WorkerIamRole"}],
                    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]},
                },
            },
        },
    )
    written = run(project)
    assert written.returncode == 0 and "a role boundary of 11 actions" in written.stdout, written.stdout + written.stderr
    boundary = role_boundary(project)
    assert boundary["properties"]["ManagedPolicyName"] == "policy-made-role-boundary"
    vpc = {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
    assert vpc | {"logs:PutLogEvents", "sqs:ReceiveMessage", "dynamodb:GetItem"} <= set(boundary["allow"])
    assert "s3:DeleteBucket" not in boundary["allow"] and not any(a.startswith("iam:") for a in boundary["allow"])
    assert {"iam:*", "organizations:*", "account:*", "sts:AssumeRole"} <= set(boundary["deny"])
    # the execution role: the role writes that widen a role only with the boundary, never its removal, never the boundary itself
    arn = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/policy-made-role-boundary"}
    when = conditions(project)
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"):
        assert when[action] == {"StringEquals": {"iam:PermissionsBoundary": arn}}, action
    assert when["iam:DeleteRole"] is None and "iam:DeleteRolePermissionsBoundary" not in when
    denied = policy(project, "Deny")
    assert denied["iam:DeleteRolePermissionsBoundary"] == ["*"]
    assert denied["iam:CreatePolicyVersion"] == denied["iam:SetDefaultPolicyVersion"] == [arn]
    assert run(project, "--check").returncode == 0
    # WHEN a role is granted one more action (a function's slsguard.statements), THEN --check names it and the role
    write_package(
        project,
        {
            "FnIamRole": role([LOGS, {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"}], VPC),
            "WorkerIamRole": role([{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]),
        },
    )
    check = run(project, "--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "deploy-policy: role FnIamRole is granted sns:Publish, which the role boundary does not hold" in check.stdout
    assert "sqs:ReceiveMessage" not in check.stdout and "logs:" not in check.stdout


@pytest.mark.parametrize(
    ("grant", "expected"),
    [
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            "role FnIamRole is granted iam:PassRole, which no role of the service may do (the boundary denies iam:*)",
        ),
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, "role FnIamRole is granted *, which no role of the service may do"),
        ({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}, "the boundary denies sts:AssumeRole"),
    ],
)
def test_a_role_granted_what_no_role_may_do_stops_with_exit_1_and_nothing_written(
    project: Path, grant: dict[str, Any], expected: str
) -> None:
    write_package(project, {"FnIamRole": role([LOGS, grant])})
    before = (project / "deploy" / "bootstrap.yml").read_text()
    for args in ((), ("--check",)):
        result = run(project, *args)
        assert result.returncode == 1 and expected in result.stdout, result.stdout + result.stderr
    assert (project / "deploy" / "bootstrap.yml").read_text() == before


@pytest.mark.parametrize(
    ("managed", "expected"),
    [
        (
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "role FnIamRole attaches arn:aws:iam::aws:policy/AdministratorAccess, whose actions",
        ),
        ("arn:aws:iam::123456789012:policy/mine", "role FnIamRole attaches arn:aws:iam::123456789012:policy/mine, whose actions"),
        ({"Fn::ImportValue": "x"}, "role FnIamRole attaches a computed ARN"),
    ],
)
def test_a_managed_policy_whose_actions_cannot_be_read_is_refused(project: Path, managed: Any, expected: str) -> None:
    write_package(project, {"FnIamRole": role([LOGS], managed)})
    result = run(project)
    assert result.returncode == 2 and expected in result.stderr and result.stderr.count("\n") == 1, result.stderr
