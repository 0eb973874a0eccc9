"""One loaded CloudFormation template (a root stack or a nested one) and the two accessors every reader of a
resource needs; shared by the audit, ``slsguard cost`` and ``slsguard init``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

SERVERLESS, SAM, CLOUDFORMATION = "serverless", "sam", "cloudformation"  # where a template came from: fixes speak its language


class Template:
    """One CloudFormation template: a root stack or a nested stack of one."""

    def __init__(self, name: str, path: Path, body: dict[str, Any], size: int, via_s3: bool) -> None:
        self.name = name
        self.path = path
        self.body = body
        self.size = size
        self.via_s3 = via_s3  # deployed through an S3 TemplateURL (the framework does that), so 1 MB applies, not 51,200 B
        self.parent: Template | None = None
        self.parent_id: str | None = None  # logical id of the AWS::CloudFormation::Stack resource in the parent
        self.children: dict[str, Template] = {}
        resources = body.get("Resources")
        self.resources: dict[str, Any] = resources if isinstance(resources, dict) else {}
        self.sam = False  # transformed from a SAM template (AWS::Serverless-2016-10-31) by the loader

    def __repr__(self) -> str:
        return f"Template({self.name!r}, {str(self.path)!r})"

    def section(self, name: str) -> dict[str, Any]:
        """A top-level mapping section such as Outputs or Parameters (empty when absent)."""
        value = self.body.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def root(self) -> Template:
        """The top of this template's stack tree."""
        tpl = self
        while tpl.parent is not None:
            tpl = tpl.parent
        return tpl

    @property
    def source(self) -> str:
        """What the user wrote: ``serverless`` (serverless.yml), ``sam`` (template.yaml) or ``cloudformation``."""
        root = self.root
        if root.sam:
            return SAM
        outputs = root.section("Outputs")
        if "ServerlessDeploymentBucket" in root.resources or "ServerlessDeploymentBucketName" in outputs:
            return SERVERLESS
        return CLOUDFORMATION

    def walk(self) -> Iterator[Template]:
        """This template, then its nested stacks depth first."""
        yield self
        for child in self.children.values():
            yield from child.walk()


def props(resource: Any) -> dict[str, Any]:
    """A resource's Properties (empty when absent or malformed)."""
    if isinstance(resource, dict):
        value = resource.get("Properties")
        if isinstance(value, dict):
            return value
    return {}


def rtype(resource: Any) -> str:
    """A resource's Type, or '' when malformed."""
    return resource.get("Type", "") if isinstance(resource, dict) else ""
