"""The deploy identity of a generated project (deploy/bootstrap.yml, `npm run deploy-policy`), proven on packaged
projects: the default answers, api=http, a database (mysql, Data API: a custom resource), and a project grown with
`slsguard add --trigger schedule` after its bootstrap was written.

For each, the test derives on its own what a deploy needs: every resource type of the compiled templates (root and
nested; not the framework's deployment bucket, which a deploy from GitHub replaces with the bootstrap's) and the
permissions of each type's create, update and delete handlers in the CloudFormation resource schemas cfn-lint ships.
The bootstrap is created in moto and the policies read back from moto's IAM, intrinsics resolved: the execution role
allows each needed action and nothing that no used type's handlers list; CloudFormation and IAM actions only on this
service's stacks and roles; the deploy role acts only on the service's stacks, its execution role, its bucket and its
functions, and only this repository's main branch and production environment can assume it. cfn-lint and checkov
pass the bootstrap templates. Packaging with the bootstrap's bucket and role named (as the deploy workflow does) and
`npm run rehearse` of that package work offline too.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from generator import cli
from generator import new_project as new
from generator.answers.parse import complete
from tests.support.toolchain import (
    MotoServer,
    cfn_lint,
    checkov_per_file,
    compiled_templates,
    moto,  # noqa: F401  (session fixture)
    package,
)

pytestmark = pytest.mark.slow

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's
FRAMEWORK_BUCKET = {"ServerlessDeploymentBucket", "ServerlessDeploymentBucketPolicy"}
SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "api:http": {"api": "http"},
    "db:mysql-data-api": {"database": "mysql", "database_access": "data-api"},
    "grown": {"cold_start": "none"},  # no warmer: the schedule added later brings AWS::Events::Rule
}
# Checks the bootstrap skips, each with its reason in the template (checkov reads the Metadata).
BOOTSTRAP_SKIPS = {"CKV_AWS_18", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111", "CKV_AWS_108"}  # 108: RoleBoundary only
# The account's provider exists already (one per URL and account): moto's CloudFormation does not create
# AWS::IAM::OIDCProvider (nor AWS::S3::BucketPolicy), so the role's principal is checked on this path; the created
# provider's path is checked on the template (test_the_provider_is_created_or_reused).
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SUBJECTS = {"repo:my-org/{slug}:ref:refs/heads/main", "repo:my-org/{slug}:environment:production"}
# Packaged as the deploy workflow does for the roles (SLSGUARD_ROLE_BOUNDARY): every role must carry it.
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/ship-role-boundary"
# What no role of the service may do, whatever it is granted (the boundary's Deny).
NEVER = {"iam:*", "organizations:*", "account:*", "sts:AssumeRole"}
# The grown project's nightly function is given one more action than any role had (its slsguard.statements).
GROWN_GRANT = "ssm:GetParameter"


@dataclass
class Identity:
    """One packaged project, the actions its deploy needs, and its bootstrap as created in moto."""

    project: Path
    slug: str
    types: set[str]
    build: Path
    check_before: subprocess.CompletedProcess[str] | None = None  # grown: --check right after `slsguard add`
    deploy_role: dict[str, Any] | None = None  # {"trust": ..., "statements": [...]}
    execution_role: dict[str, Any] | None = None
    boundary: list[dict[str, Any]] | None = None  # RoleBoundary's statements as moto's IAM holds them


def _npm(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`npm run <args>` in the project, with this Python (cfn-lint, PyYAML) first on PATH as its venv would be."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)])
    return subprocess.run(
        ["npm", "run", "--silent", *args], cwd=project, env={**os.environ, "PATH": path}, capture_output=True, text=True, timeout=300
    )


def _types(serverless_dir: Path) -> set[str]:
    found = set()
    for path in compiled_templates(serverless_dir):
        if "create-stack" in path.name:
            continue
        for logical_id, resource in json.loads(path.read_text())["Resources"].items():
            if logical_id not in FRAMEWORK_BUCKET:
                found.add(resource["Type"])
    return found


def _schemas() -> tuple[Any, dict[str, str]]:
    root = resources.files("cfnlint.data.schemas")
    return root, json.loads((root / "providers" / f"{REGION}.json").read_text())


def _iam_table() -> dict[str, dict[str, Any]]:
    spec = json.loads((resources.files("cfnlint.data.AdditionalSpecs") / "Policies.json").read_text())
    return {service: value.get("Actions", {}) for service, value in spec.items()}


def handler_permissions(kind: str, handlers: tuple[str, ...]) -> set[str]:
    """What the CloudFormation schema of ``kind`` lists for these handlers (a custom resource: invoking its function)."""
    if kind.startswith("Custom::"):
        return {"lambda:invokefunction"}
    root, providers = _schemas()
    schema = json.loads((root / "resources" / f"{providers[kind]}.json").read_text())
    return {a.lower() for h in handlers for a in schema["handlers"].get(h, {}).get("permissions", [])}


def iam_knows(action: str) -> bool:
    service, _, name = action.lower().partition(":")
    table = _iam_table()
    return service not in table or name in table[service]


def _statements(document: Any) -> list[dict[str, Any]]:
    # boto3 decodes IAM's URL-encoded JSON; moto stores an inline policy created by CloudFormation as a Python repr
    body = (
        (json.loads(document) if document.lstrip().startswith('{"') else ast.literal_eval(document))
        if isinstance(document, str)
        else document
    )
    statements = body["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _create_bootstrap(server: MotoServer, identity: Identity) -> None:
    """Create deploy/bootstrap.yml in moto and read both roles' resolved policies back from its IAM."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    cfn = session.client("cloudformation", endpoint_url=server.endpoint)
    iam = session.client("iam", endpoint_url=server.endpoint)
    name = f"{identity.slug}-bootstrap"
    cfn.create_stack(
        StackName=name,
        TemplateBody=(identity.project / "deploy" / "bootstrap.yml").read_text(),
        Parameters=[
            {"ParameterKey": "GitHubRepository", "ParameterValue": f"my-org/{identity.slug}"},
            {"ParameterKey": "ExistingOidcProviderArn", "ParameterValue": PROVIDER},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    created = cfn.describe_stack_resources(StackName=name)["StackResources"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in created if "LogicalResourceId" in r}

    def role(logical_id: str) -> dict[str, Any]:
        role_name = physical[logical_id]
        statements = []
        for policy in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            statements += _statements(iam.get_role_policy(RoleName=role_name, PolicyName=policy)["PolicyDocument"])
        for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
            statements += _statements(document)
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        return {"name": role_name, "trust": _statements(trust), "statements": statements}

    identity.deploy_role = role("GitHubDeployRole")
    identity.execution_role = role("ExecutionRole")
    identity.execution_role["policies"] = [lid for lid in physical if lid.startswith("ExecutionPolicy")]
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/{identity.slug}-role-boundary"
    version = iam.get_policy(PolicyArn=boundary)["Policy"]["DefaultVersionId"]
    identity.boundary = _statements(iam.get_policy_version(PolicyArn=boundary, VersionId=version)["PolicyVersion"]["Document"])


def _grow(project: Path) -> None:
    """`slsguard add` a scheduled function, given one action of its own (slsguard.statements)."""
    assert cli.main(["add", "nightly", "--trigger", "schedule", "--project", str(project)]) == 0
    config = project / "serverless.yml"
    added = "      - schedule: rate(1 hour)\n"
    own = (
        "    slsguard:\n      statements:\n        - Effect: Allow\n"
        f"          Action: [{GROWN_GRANT}]\n          Resource: arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/nightly\n"
    )
    assert config.read_text().count(added) == 1
    config.write_text(config.read_text().replace(added, added + own))


@pytest.fixture(scope="module")
def identities(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Identity]:  # noqa: F811
    """Package every set (two at a time), write its bootstrap's policy with `npm run deploy-policy`; the grown set is
    grown after that and packaged again, its check run before the policy is written anew; then create each in moto."""
    root = tmp_path_factory.mktemp("deploy-identity")
    cache = tmp_path_factory.mktemp("deploy-identity-cache")
    projects = {name: new(complete({"project_name": f"Ship {i}", **given}), root) for i, (name, given) in enumerate(SETS.items())}
    with pytest.MonkeyPatch.context() as env, ThreadPoolExecutor(max_workers=2) as pool:
        env.setenv("SLSGUARD_ROLE_BOUNDARY", BOUNDARY)
        built = dict(zip(projects, pool.map(lambda p: package(p, moto, cache), projects.values()), strict=True))
        found = {}
        for name, project in projects.items():
            written = _npm(project, "deploy-policy")
            assert written.returncode == 0, written.stdout + written.stderr
            found[name] = Identity(project, project.name, _types(built[name]), built[name])
        grown = found["grown"]
        _grow(grown.project)
        grown.types = _types(package(grown.project, moto, cache))
    grown.check_before = _npm(grown.project, "deploy-policy", "--", "--check")
    assert _npm(grown.project, "deploy-policy").returncode == 0
    for identity in found.values():
        _create_bootstrap(moto, identity)
    return found


def allowed(statements: list[dict[str, Any]], effect: str = "Allow") -> dict[str, list[Any]]:
    """Each allowed (or denied) action (lower case: IAM ignores case) with the resources it is allowed on."""
    grants: dict[str, list[Any]] = {}
    for statement in statements:
        assert statement["Effect"] in ("Allow", "Deny") and "NotAction" not in statement and "NotResource" not in statement, statement
        if statement["Effect"] != effect:
            continue
        for action in _listed(statement["Action"]):
            grants.setdefault(action.lower(), []).extend(_listed(statement["Resource"]))
    return grants


@pytest.mark.parametrize("name", list(SETS))
def test_the_execution_role_allows_every_action_a_deploy_needs(identities: dict[str, Identity], name: str) -> None:
    identity = identities[name]
    grants = allowed(identity.execution_role["statements"])
    assert identity.execution_role["policies"], "no ExecutionPolicy: npm run deploy-policy wrote nothing"
    for kind in sorted(identity.types):
        needed = handler_permissions(kind, ("create", "update", "delete")) - {"iam:deleterolepermissionsboundary"}  # denied
        missing = sorted(a for a in needed if a not in grants and iam_knows(a))
        assert not missing, f"{kind}: {missing}"
    # the sets differ where the answers differ: the derivation sees them
    expected = {"defaults": "AWS::ApiGateway::RestApi", "api:http": "AWS::ApiGatewayV2::Api", "grown": "AWS::Events::Rule"}
    expected["db:mysql-data-api"] = "Custom::Migrations"
    assert expected[name] in identity.types


@pytest.mark.parametrize("name", list(SETS))
def test_the_execution_role_allows_nothing_outside_the_services_types(identities: dict[str, Identity], name: str) -> None:
    identity = identities[name]
    used = set().union(*(handler_permissions(kind, ("create", "read", "update", "delete")) for kind in identity.types))
    slug = identity.slug
    bucket_objects = f"arn:aws:s3:::{slug}-{ACCOUNT}-{REGION}/serverless/{slug}/*"
    for action, where in allowed(identity.execution_role["statements"]).items():
        if action in ("s3:getobject", "s3:getobjectversion") and bucket_objects in where:
            assert action in used or where == [bucket_objects], (action, where)  # the artifacts: templates and code
            continue
        assert action in used, f"{action} is in no handler of {sorted(identity.types)}"
        for resource in where:
            if action.startswith("cloudformation:") and resource != "*":
                assert re.fullmatch(rf"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{slug}-(dev|production)(-\*)?/\*", resource), (
                    resource
                )
            elif action.startswith("iam:") and resource != "*":
                assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/({slug}-(dev|production)-\*|aws-service-role/\*)", resource), resource
    # the IAM actions that could make any role are limited to the service's roles
    for action in ("iam:createrole", "iam:putrolepolicy", "iam:attachrolepolicy", "iam:passrole"):
        where = allowed(identity.execution_role["statements"]).get(action, [])
        assert where and "*" not in where, (action, where)
    trust = identity.execution_role["trust"]
    assert [s["Principal"] for s in trust] == [{"Service": "cloudformation.amazonaws.com"}]


def _covered(resource: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(resource, p) for p in patterns)


@pytest.mark.parametrize("name", list(SETS))
def test_the_deploy_role_reaches_only_the_services_stacks_bucket_and_functions(identities: dict[str, Identity], name: str) -> None:
    identity = identities[name]
    slug = identity.slug
    stacks = [
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{slug}-{stage}{nested}/*"
        for stage in ("dev", "production")
        for nested in ("", "-*")
    ]
    bucket = f"arn:aws:s3:::{slug}-{ACCOUNT}-{REGION}"
    functions = [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{slug}-{stage}-*" for stage in ("dev", "production")]
    execution_role = f"arn:aws:iam::{ACCOUNT}:role/{slug}-cloudformation"
    within = {
        "cloudformation": stacks,
        "s3": [bucket, f"{bucket}/serverless/{slug}/*"],
        "iam": [execution_role],
        "lambda": functions,
    }
    for statement in identity.deploy_role["statements"]:
        actions = _listed(statement["Action"])
        where = _listed(statement["Resource"])
        if where == ["*"]:
            assert actions == ["cloudformation:ValidateTemplate"], statement
            continue
        for action in actions:
            service = action.split(":")[0]
            assert all(_covered(r, within[service]) for r in where), (action, where)
        condition = statement.get("Condition", {})
        if "iam:PassRole" in actions:
            assert condition == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}
        if {"cloudformation:CreateStack", "cloudformation:UpdateStack"} & set(actions):
            assert condition == {"StringEquals": {"cloudformation:RoleArn": execution_role}}
        if any(a.startswith("s3:") for a in actions):
            assert condition == {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}
    # creating and updating stacks only ever with the execution role, never DeleteStack
    grants = allowed(identity.deploy_role["statements"])
    assert "cloudformation:deletestack" not in grants and not any("*" in a for a in grants)
    preview = {"cloudformation:gettemplate", "cloudformation:describestacks", "cloudformation:describestackresources"}
    assert preview <= set(grants)
    (trust,) = identity.deploy_role["trust"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"] == {"Federated": PROVIDER}
    assert list(trust["Condition"]) == ["StringEquals"]
    claims = trust["Condition"]["StringEquals"]
    assert claims["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert sorted(_listed(claims["token.actions.githubusercontent.com:sub"])) == sorted(s.format(slug=slug) for s in SUBJECTS)
    assert set(claims) == {"token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"}


def test_the_bootstrap_templates_pass_cfn_lint_and_checkov(identities: dict[str, Identity]) -> None:
    templates = [identity.project / "deploy" / "bootstrap.yml" for identity in identities.values()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        lint, scans = pool.submit(cfn_lint, templates, (REGION,)), pool.submit(checkov_per_file, templates)
        findings, reports = lint.result(), scans.result()
    assert not findings, "\n".join(map(str, findings))
    for path in templates:
        report = reports[path.resolve()]
        assert report.passed > 20 and not report.failed and not report.parsing_errors, (path, report)
        assert {check for check, _, _ in report.skipped} <= BOOTSTRAP_SKIPS, report.skipped
        assert all(reason for _, _, reason in report.skipped), report.skipped
        assert {where for check, where, _ in report.skipped if check == "CKV_AWS_108"} <= {"AWS::IAM::ManagedPolicy.RoleBoundary"}


def test_a_function_added_later_is_covered_once_the_policy_is_written_again(identities: dict[str, Identity]) -> None:
    # GIVEN the grown project's bootstrap as written before `slsguard add nightly --trigger schedule`
    before = identities["grown"].check_before
    # THEN the deploy workflow's check stops, naming the new type, and after `npm run deploy-policy` the role covers it
    assert before.returncode == 1, before.stdout + before.stderr
    assert re.search(r"^deploy-policy: AWS::Events::Rule needs .*\bevents:PutRule\b", before.stdout, re.MULTILINE), before.stdout
    assert "AWS::Lambda::Function" not in before.stdout  # the types the bootstrap had are still covered
    assert "events:putrule" in allowed(identities["grown"].execution_role["statements"])
    again = _npm(identities["grown"].project, "deploy-policy", "--", "--check")
    assert again.returncode == 0 and "covers the" in again.stdout, again.stdout + again.stderr


def test_the_provider_is_created_or_reused(identities: dict[str, Identity]) -> None:
    body = yaml.safe_load((identities["defaults"].project / "deploy" / "bootstrap.yml").read_text())
    provider = body["Resources"]["GitHubOidcProvider"]
    assert provider["Condition"] == "CreateOidcProvider" and provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert body["Conditions"]["CreateOidcProvider"] == {"Fn::Equals": [{"Ref": "ExistingOidcProviderArn"}, ""]}
    (trust,) = body["Resources"]["GitHubDeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"]["Federated"] == {
        "Fn::If": ["CreateOidcProvider", {"Ref": "GitHubOidcProvider"}, {"Ref": "ExistingOidcProviderArn"}]
    }
    repository = body["Parameters"]["GitHubRepository"]
    assert "Default" not in repository
    pattern = re.compile(repository["AllowedPattern"])
    assert pattern.fullmatch("my-org/ship-0") and pattern.fullmatch("a/b.c_d")
    for hostile in ("my-org/*", "*/*", "my-org/repo:ref:refs/heads/*", "my-org", "my-org/repo/x", ""):
        assert not pattern.fullmatch(hostile), hostile
    branch = re.compile(body["Parameters"]["DeployBranch"]["AllowedPattern"])
    assert body["Parameters"]["DeployBranch"]["Default"] == "main" and branch.fullmatch("release/2026")
    for hostile in ("*", "main*", "main:environment:production", ""):
        assert not branch.fullmatch(hostile), hostile


def test_a_package_for_the_bootstraps_bucket_and_role_packages_and_rehearses(
    moto: MotoServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the names the deploy workflow sets (split-stacks asks S3 for a named bucket's region over the network: off)
    project = new(complete({"project_name": "Named Bucket", "split_stacks": False}), tmp_path)
    bucket, role = f"named-bucket-{ACCOUNT}-{REGION}", f"arn:aws:iam::{ACCOUNT}:role/named-bucket-cloudformation"
    monkeypatch.setenv("SLSGUARD_DEPLOYMENT_BUCKET", bucket)
    monkeypatch.setenv("SLSGUARD_EXECUTION_ROLE", role)
    # WHEN it is packaged
    built = package(project, moto, tmp_path / "cache")
    # THEN no bucket of its own, the artifacts point at the bootstrap's, the framework is given the execution role
    state = json.loads((built / "serverless-state.json").read_text())["service"]["provider"]
    assert state["deploymentBucket"] == bucket and state["iam"]["deploymentRole"] == role
    update = json.loads((built / "cloudformation-template-update-stack.json").read_text())["Resources"]
    assert not FRAMEWORK_BUCKET & set(update)
    codes = [r["Properties"]["Code"]["S3Bucket"] for r in update.values() if r["Type"] == "AWS::Lambda::Function"]
    assert codes and set(codes) == {bucket}
    # AND the rehearsal makes that bucket and creates the stack
    rehearsal = _npm(project, "rehearse")
    assert rehearsal.returncode == 0, rehearsal.stdout[-3000:] + rehearsal.stderr[-3000:]
    assert "CREATE_COMPLETE  named-bucket-dev (create)" in rehearsal.stdout


def test_the_deployment_bucket_is_private_encrypted_versioned_tls_only_and_kept(identities: dict[str, Identity]) -> None:
    resources = yaml.safe_load((identities["defaults"].project / "deploy" / "bootstrap.yml").read_text())["Resources"]
    bucket = resources["DeploymentBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(properties["PublicAccessBlockConfiguration"].values()) and len(properties["PublicAccessBlockConfiguration"]) == 4
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (deny,) = resources["DeploymentBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and len(deny["Resource"]) == 2


def _arn_text(value: Any) -> str:
    """A managed policy ARN as the rails and the framework write it (a string, Fn::Sub or Fn::Join with the partition)."""
    if isinstance(value, str):
        return value
    if "Fn::Sub" in value:
        return value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]  # split-stacks: [text, {}]
    return "".join(part if isinstance(part, str) else "aws" for part in value["Fn::Join"][1])


def _role_grants(build: Path) -> dict[str, set[str]]:
    """Derived here on its own: each role of the packaged templates -> the actions it is granted (lower case), from its
    inline policies, the policy resources naming it, and the AWS managed policies it attaches (their documents as
    moto's copy of IAM's managed policies holds them)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    managed = json.loads(aws_managed_policies_data)
    found: dict[str, set[str]] = {}
    for path in compiled_templates(build):
        resources = json.loads(path.read_text())["Resources"]
        for logical_id, resource in resources.items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::Role":
                documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
                for arn in properties.get("ManagedPolicyArns", []):
                    documents.append(managed[_arn_text(arn).rsplit("/", 1)[-1]]["Document"])
                targets = [logical_id]
            elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                documents, targets = [properties["PolicyDocument"]], [r["Ref"] for r in properties.get("Roles", [])]
            else:
                continue
            actions = {
                a.lower() for d in documents for st in _listed(d["Statement"]) if st["Effect"] == "Allow" for a in _listed(st["Action"])
            }
            for target in targets:
                found.setdefault(target, set()).update(actions)
    return found


@pytest.mark.parametrize("name", list(SETS))
def test_every_role_of_the_package_carries_the_boundary(identities: dict[str, Identity], name: str) -> None:
    roles = {}
    for path in compiled_templates(identities[name].build):
        for logical_id, resource in json.loads(path.read_text())["Resources"].items():
            if resource["Type"] == "AWS::IAM::Role":
                roles[logical_id] = resource["Properties"].get("PermissionsBoundary")
    assert roles and roles == dict.fromkeys(roles, BOUNDARY), roles
    # the rails' roles are among them: each function's, and CodeDeploy's (the rollout is on by default)
    assert any(r.endswith("IamRole") for r in roles), roles
    if name == "defaults":
        assert "CodeDeployServiceRole" in roles, roles


@pytest.mark.parametrize("name", list(SETS))
def test_the_boundary_holds_every_action_the_roles_are_granted_and_denies_what_no_role_may_do(
    identities: dict[str, Identity], name: str
) -> None:
    identity = identities[name]
    held, denied = allowed(identity.boundary), allowed(identity.boundary, "Deny")
    granted = _role_grants(identity.build)
    assert granted, "no role in the package"
    for role, actions in granted.items():
        missing = sorted(a for a in actions if a not in held)
        assert not missing, f"{role}: {missing}"
    assert set(held) == set().union(*granted.values())  # nothing no role is granted
    assert {a.lower() for a in NEVER} <= set(denied) and all(where == ["*"] for where in held.values())
    if name == "grown":
        assert GROWN_GRANT.lower() in granted["NightlyIamRole"]


@pytest.mark.parametrize("name", list(SETS))
def test_the_execution_role_writes_roles_only_with_the_boundary(identities: dict[str, Identity], name: str) -> None:
    identity = identities[name]
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/{identity.slug}-role-boundary"
    widening = {"iam:createrole", "iam:putrolepolicy", "iam:attachrolepolicy", "iam:putrolepermissionsboundary"}
    seen = set()
    for statement in identity.execution_role["statements"]:
        actions = {a.lower() for a in _listed(statement["Action"])}
        if statement["Effect"] == "Allow" and actions & widening:
            assert actions <= widening, actions  # nothing else rides on the condition
            assert statement["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary}}, statement
            seen |= actions
    assert seen == widening
    grants, denies = allowed(identity.execution_role["statements"]), allowed(identity.execution_role["statements"], "Deny")
    assert "iam:deleterolepermissionsboundary" not in grants and denies["iam:deleterolepermissionsboundary"] == ["*"]
    for action in ("iam:createpolicyversion", "iam:deletepolicy", "iam:deletepolicyversion", "iam:setdefaultpolicyversion"):
        assert denies[action] == [boundary], action


def test_a_role_granted_more_than_the_boundary_stops_the_deploy_until_the_bootstrap_is_written_again(
    identities: dict[str, Identity],
) -> None:
    before = identities["grown"].check_before
    assert before.returncode == 1, before.stdout + before.stderr
    line = f"deploy-policy: role NightlyIamRole is granted {GROWN_GRANT}, which the role boundary does not hold"
    assert line in before.stdout.splitlines(), before.stdout
    assert "role ApiIamRole" not in before.stdout  # what the other roles had is held
