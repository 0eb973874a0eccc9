"""`npm run rehearse`: create the packaged stacks (root and nested) in a local CloudFormation, then delete them.

It does what a first `deploy` does, against an emulator instead of AWS: create the stack from
cloudformation-template-create-stack.json, upload the artifacts and the nested templates to its deployment
bucket under the same keys the framework uses, update the stack with cloudformation-template-update-stack.json,
report every stack's final status (or the failing resource and reason) and which resource types the emulator
only records without creating them (and the custom resources it does not wait for), and delete everything.
Exit 1 when a stack does not reach *_COMPLETE. A package for a bucket named in provider.deploymentBucket.name
(deploy/bootstrap.yml's, when SLSGUARD_DEPLOYMENT_BUCKET is set) has no create-stack template: the rehearsal makes
that bucket in the emulator, uploads, and creates the stack from the update template, as such a first deploy does.

By default it starts moto (from requirements-dev.txt) in this process on a free 127.0.0.1 port, with four
documented shims for moto 5.2 gaps: it does not create AWS::Lambda::Alias nor answer a version's `Fn::GetAtt
Version` (the canary rollout's `live` alias; the shims create it with moto's Lambda backend, so a Ref to it is
its ARN), it cannot resolve `Fn::GetAtt [<NestedStack>, Outputs.<Name>]` (which serverless-plugin-split-stacks
writes; the shim answers it from the nested stack's outputs), and deleting a stack whose exports an update
re-registered raises KeyError (the shim lets the second removal pass). Set
AWS_ENDPOINT_URL to use another emulator instead (no shims, and no list of emulated types).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from packaged import Unusable, read_json, templates  # scripts/ is no package: its folder is on the path

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
SSM_TYPE = "AWS::SSM::Parameter::Value<"
# Stand-in values for the SSM parameters the templates read at deploy time, by the parameter's value type.
SSM_STAND_INS = {
    "List<AWS::EC2::Subnet::Id>": "subnet-0rehearsal000001,subnet-0rehearsal000002",
    "List<AWS::EC2::SecurityGroup::Id>": "sg-0rehearsal000001",
}
DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE")


class RehearsalError(Exception):
    """A rehearsal that cannot start (no package, bad input): one line, exit 2."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[str, Any]:
    """moto in this process (so the shims apply), on the loopback interface only, without its request log."""
    import logging
    import warnings

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"moto\.")
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.cloudformation.models import CloudFormationBackend, Stack
    from moto.server import ThreadedMotoServer

    def nested_output(self: Any, attribute: str) -> Any:
        name = attribute.removeprefix("Outputs.")
        for output in self.output_map.values():
            if output is not None and output.key == name and attribute != name:
                return output.value
        raise UnformattedGetAttTemplateException()

    class Exports(dict):  # type: ignore[type-arg]
        def pop(self, key: Any, *default: Any) -> Any:
            return super().pop(key, None)

    original_delete = CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name: str) -> None:
        self.exports = Exports(self.exports)
        original_delete(self, name)

    from moto.awslambda.models import LambdaVersion, lambda_backends
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    class LambdaAliasShim(CloudFormationModel):
        __module__ = "moto.awslambda.models"  # moto's model registry reads the service from the module name

        def __init__(self, arn: str) -> None:
            self.arn = arn

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @classmethod
        def create_from_cloudformation_json(cls, name: str, spec: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
            p = spec["Properties"]
            backend = lambda_backends[account_id][region_name]
            alias = backend.create_alias(p["Name"], p["FunctionName"], str(p["FunctionVersion"]), p.get("Description", ""), None)
            return cls(alias.arn)

        @classmethod
        def update_from_cloudformation_json(cls, original: Any, name: str, spec: Any, account_id: str, region_name: str) -> Any:
            return original

        @classmethod
        def delete_from_cloudformation_json(cls, name: str, spec: Any, account_id: str, region_name: str) -> None:
            return None

    def version_attribute(self: Any, attribute: str) -> Any:
        if attribute == "Version":
            return self.version
        raise UnformattedGetAttTemplateException()

    LambdaVersion.get_cfn_attribute = version_attribute  # Fn::GetAtt [<Version>, Version], the alias's FunctionVersion
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    Stack.get_cfn_attribute = nested_output  # the shims: see the module docstring
    CloudFormationBackend.delete_stack = delete_stack
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return f"http://127.0.0.1:{port}", server


def recorded_only(types: set[str]) -> list[str]:
    """Resource types moto's CloudFormation accepts but does not create (it skips them with a warning)."""
    from moto.cloudformation.parsing import get_model_map

    known = set(get_model_map()) | {"AWS::CloudFormation::Stack"}
    return sorted(t for t in types if t not in known and not t.startswith("Custom::"))


def stand_in(parameter_type: str, name: str) -> str:
    inner = parameter_type[len(SSM_TYPE) : -1]
    if inner in SSM_STAND_INS:
        return SSM_STAND_INS[inner]
    if name.endswith("arn"):
        return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:rehearsal-{name.rsplit('/', 2)[-2]}"
    return f"rehearsal.{name.strip('/').replace('/', '.')}.internal"


class Rehearsal:
    """One rehearsal of one packaged service against one CloudFormation endpoint."""

    def __init__(self, build: Path, endpoint: str) -> None:
        import boto3
        from botocore.config import Config

        self.build = build
        state = read_json(build / "serverless-state.json")
        service = state["service"]
        self.region = service["provider"]["region"]
        self.stack_name = f"{service['service']}-{service['provider']['stage']}"
        self.prefix = state["package"]["artifactDirectoryName"]
        bucket = service["provider"].get("deploymentBucket")
        self.named_bucket = bucket if isinstance(bucket, str) else None
        session = boto3.session.Session(
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "rehearsal"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "rehearsal"),
            region_name=self.region,
        )
        config = Config(retries={"max_attempts": 1})  # an emulator's 500 is an answer, not a reason to wait
        self.cfn = session.client("cloudformation", endpoint_url=endpoint, config=config)
        self.s3 = session.client("s3", endpoint_url=endpoint, config=config)
        self.ssm = session.client("ssm", endpoint_url=endpoint, config=config)
        # With a named bucket the framework writes no create-stack template: the stack is created from the update one.
        self.create = {} if self.named_bucket else read_json(build / "cloudformation-template-create-stack.json")
        self.update, *self.nested = templates(build)  # read once: the root and the nested templates

    def say(self, line: str) -> None:
        print(line, flush=True)

    def templates(self) -> list[dict[str, Any]]:
        return [self.update, *self.nested]

    def put_ssm_parameters(self) -> None:
        for template in self.templates():
            for spec in template.get("Parameters", {}).values():
                kind, name = spec.get("Type", ""), spec.get("Default")
                if kind.startswith(SSM_TYPE) and isinstance(name, str):
                    self.ssm.put_parameter(Name=name, Value=stand_in(kind, name), Type="String", Overwrite=True)

    def bucket(self) -> str:
        if self.named_bucket:  # provider.deploymentBucket.name (deploy/bootstrap.yml's bucket): made here as bootstrap would
            self.s3.create_bucket(Bucket=self.named_bucket)
            return self.named_bucket
        for resource in self.cfn.describe_stack_resources(StackName=self.stack_name)["StackResources"]:
            if resource["LogicalResourceId"] == "ServerlessDeploymentBucket":
                return resource["PhysicalResourceId"]
        # Serverless Framework v4 deploys to a shared bucket outside the stack: make one for the rehearsal.
        name = f"rehearsal-{self.stack_name}".lower()[:63]
        self.s3.create_bucket(Bucket=name)
        return name

    def upload(self, bucket: str) -> None:
        for path in sorted(self.build.iterdir()):
            if path.suffix in (".zip", ".json") and path.name != "serverless-state.json":
                self.s3.upload_file(str(path), bucket, f"{self.prefix}/{path.name}")

    def run(self) -> bool:
        """Create, report, delete; True when every stack completed."""
        from botocore.exceptions import ClientError

        ok = True
        try:
            self.put_ssm_parameters()
            if self.named_bucket:
                self.upload(self.bucket())
                self.cfn.create_stack(StackName=self.stack_name, TemplateBody=json.dumps(self.update), Capabilities=CAPABILITIES)
                ok = self.settle("create") and ok
            else:
                self.cfn.create_stack(StackName=self.stack_name, TemplateBody=json.dumps(self.create), Capabilities=CAPABILITIES)
                ok = self.settle("create") and ok
                self.upload(self.bucket())
                self.cfn.update_stack(StackName=self.stack_name, TemplateBody=json.dumps(self.update), Capabilities=CAPABILITIES)
                ok = self.settle("update") and ok
        except ClientError as err:
            self.say(f"FAILED  {self.stack_name}: {err.response['Error'].get('Message', err)}")
            ok = False
        finally:
            self.delete()
        return ok

    def settle(self, step: str) -> bool:
        """Wait for the final status of the root stack and of every nested stack; report each."""
        from botocore.exceptions import WaiterError

        waiter = self.cfn.get_waiter(f"stack_{step}_complete")
        with contextlib.suppress(WaiterError):  # the statuses below say what went wrong
            waiter.wait(StackName=self.stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 600})
        ok = True
        for stack in self.cfn.describe_stacks()["Stacks"]:
            status = stack["StackStatus"]
            good = status in DONE
            ok = ok and good
            nested = stack.get("ParentId") or stack["StackName"] != self.stack_name
            label = f"  nested {stack['StackName']}" if nested else stack["StackName"]
            self.say(f"{status:<16} {label} ({step})" + ("" if good else f": {self.failure(stack['StackName'])}"))
        return ok

    def failure(self, stack: str) -> str:
        for event in self.cfn.describe_stack_events(StackName=stack)["StackEvents"]:
            if event["ResourceStatus"].endswith("FAILED"):
                return f"{event['LogicalResourceId']} ({event['ResourceType']}): {event.get('ResourceStatusReason', '')}"
        return "no failed resource reported"

    def delete(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.cfn.delete_stack(StackName=self.stack_name)
            self.cfn.get_waiter("stack_delete_complete").wait(StackName=self.stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
            self.say(f"DELETE_COMPLETE  {self.stack_name} (clean-up)")
        except ClientError as err:
            self.say(f"not deleted      {self.stack_name}: {err.response['Error'].get('Message', err)}")
        except BotoCoreError as err:
            self.say(f"not deleted      {self.stack_name}: the emulator failed ({err.__class__.__name__})")

    def types(self) -> set[str]:
        return {r.get("Type", "") for t in [self.create, *self.templates()] for r in t.get("Resources", {}).values()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="npm run rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default=".serverless", type=Path, help="the package folder (default: .serverless)")
    args = parser.parse_args(argv)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    server = None
    try:
        if not endpoint:
            endpoint, server = start_moto()
        rehearsal = Rehearsal(args.build, endpoint)
        ok = rehearsal.run()
    except (RehearsalError, Unusable) as err:
        print(f"rehearse: {err}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
    if server is not None:
        skipped = recorded_only(rehearsal.types())
        if skipped:
            print("moto records but does not create: " + ", ".join(skipped))
        custom = sorted(t for t in rehearsal.types() if t.startswith("Custom::"))
        if custom:
            # moto invokes the ServiceToken function (in Docker, if any) and completes the stack without its answer.
            print("moto does not wait for custom resources (their functions did not run here): " + ", ".join(custom))
    print(f"rehearse: {'every stack completed' if ok else 'a stack failed'} against {'moto (in process)' if server else endpoint}.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
