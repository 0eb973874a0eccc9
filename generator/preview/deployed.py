"""What is deployed: the templates of the root stack and of every nested stack it lists, through CloudFormation
``GetTemplate`` (boto3's usual credentials and endpoint: ``AWS_ENDPOINT_URL`` for a local CloudFormation)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import UserError
from ..safe_load import check_yaml, parse_json

NESTED = "AWS::CloudFormation::Stack"
GONE = ("does not exist",)


def _client(region: str) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise UserError("preview needs boto3.", "Fix: pip install -r requirements-dev.txt (it has boto3).") from None
    config = Config(retries={"max_attempts": 2}, connect_timeout=10, read_timeout=60)
    return boto3.session.Session(region_name=region).client("cloudformation", config=config)


def _body(answer: dict[str, Any], stack: str) -> dict[str, Any]:
    body = answer.get("TemplateBody")
    if isinstance(body, dict):
        return json.loads(json.dumps(body))  # botocore parses a JSON body already (into ordered dicts)
    if isinstance(body, str):
        text = body.strip()
        if text.startswith("{"):
            value = parse_json(text, f"the deployed template of {stack}")
        else:
            import yaml

            from ..cfn.yaml_tags import CfnLoader

            check_yaml(text, f"the deployed template of {stack}", CfnLoader)
            value = yaml.load(text, Loader=CfnLoader)  # CfnLoader: a SafeLoader with CloudFormation's tags
        if isinstance(value, dict):
            return value
    raise UserError(f"The deployed template of {stack} is not a CloudFormation template.", "Fix: check the stack name (--stack).")


def _call(what: str, call: Any, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(**kwargs)
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", str(err))
        if any(g in message for g in GONE):
            return None
        raise UserError(f"CloudFormation refused {what}: {message[:300]}", "Fix: check the credentials, region and stack name.") from None
    except BotoCoreError as err:
        raise UserError(
            f"CloudFormation cannot be reached for {what}: {str(err)[:300]}",
            "Fix: set AWS credentials (or AWS_ENDPOINT_URL for a local CloudFormation) and run it again.",
        ) from None


def deployed_stacks(stack: str, region: str) -> dict[str, dict[str, Any]] | None:
    """The deployed templates: "" = the root, else by the nested stack's logical id; None when the stack does not exist."""
    cfn = _client(region)
    answer = _call(f"GetTemplate {stack}", cfn.get_template, StackName=stack, TemplateStage="Original")
    if answer is None:
        return None
    stacks = {"": _body(answer, stack)}
    listed = _call(f"DescribeStackResources {stack}", cfn.describe_stack_resources, StackName=stack) or {}
    for resource in listed.get("StackResources", []):
        physical = resource.get("PhysicalResourceId")
        if resource.get("ResourceType") == NESTED and physical:
            nested = _call(f"GetTemplate {physical}", cfn.get_template, StackName=physical, TemplateStage="Original")
            if nested is not None:
                stacks[resource["LogicalResourceId"]] = _body(nested, physical)
    return stacks
