"""Rules about CloudFormation's per-template quotas (seed challenge 5), checked on every template.

The seed's "200 resources per stack" is out of date: the quotas are 500 resources, 200 outputs,
200 parameters and 200 mappings per template, and a template body of 51,200 bytes inline or
1 MB through S3 (the framework always uploads through S3).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import limits
from .model import ERROR, WARNING, Context, Finding, Template, finding

SPLIT_FIX = "Move resources to another service, or let serverless-plugin-split-stacks move them into nested stacks."
NESTED_FIX = (
    "Split the service along its domains (fewer functions and routes per service): this nested stack is already the overflow, "
    "and changing split-stacks settings after a deploy moves resources between stacks."
)


def _fix(tpl: Template) -> str:
    return NESTED_FIX if tpl.parent is not None else SPLIT_FIX


def _count(tpl: Template, section: str, quota: int, what: str) -> Iterator[Finding]:
    count = len(tpl.section(section))
    rule = f"cfn-{section.lower()}"
    if count > quota:
        yield finding(
            rule,
            ERROR,
            tpl,
            None,
            section,
            f"Stack {tpl.name} declares {count} {what}; CloudFormation accepts at most {quota} per template.",
            _fix(tpl),
        )
    elif section == "Resources" and count >= quota * limits.CFN_RESOURCE_WARNING_RATIO:
        yield finding(
            rule,
            WARNING,
            tpl,
            None,
            section,
            f"Stack {tpl.name} declares {count} {what}, {count * 100 // quota}% of CloudFormation's {quota} per template: "
            "a few more functions will block the deployment.",
            _fix(tpl),
        )


def template_quotas(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: resources (warning from 80% of 500), outputs, parameters and mappings (200 each) per template."""
    for tpl in ctx.index.templates:
        yield from _count(tpl, "Resources", limits.CFN_MAX_RESOURCES, "resources")
        yield from _count(tpl, "Outputs", limits.CFN_MAX_OUTPUTS, "outputs")
        yield from _count(tpl, "Parameters", limits.CFN_MAX_PARAMETERS, "parameters")
        yield from _count(tpl, "Mappings", limits.CFN_MAX_MAPPINGS, "mappings")


def template_size(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: a template body is limited to 1 MB through S3 and 51,200 bytes inline."""
    for tpl in ctx.index.templates:
        if tpl.size > limits.CFN_MAX_BODY_S3_BYTES:
            yield finding(
                "cfn-template-size",
                ERROR,
                tpl,
                None,
                "",
                f"Stack {tpl.name} is {tpl.size:,} bytes; CloudFormation accepts at most {limits.CFN_MAX_BODY_S3_BYTES:,} even from S3.",
                _fix(tpl),
            )
        elif not tpl.via_s3 and tpl.size > limits.CFN_MAX_BODY_INLINE_BYTES:
            yield finding(
                "cfn-template-size",
                WARNING,
                tpl,
                None,
                "",
                f"Stack {tpl.name} is {tpl.size:,} bytes: deployed inline (--template-body) CloudFormation accepts at most "
                f"{limits.CFN_MAX_BODY_INLINE_BYTES:,}.",
                "Deploy it through S3 (`aws cloudformation deploy --s3-bucket ...`, as the Serverless Framework does).",
            )


def operation_resources(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: nested stacks raise the per-template limit, not the per-operation one (root plus nested)."""
    for root in ctx.index.roots:
        stacks = list(root.walk())
        total = sum(len(t.resources) for t in stacks)
        if total > limits.CFN_MAX_NESTED_OPERATION_RESOURCES:
            yield finding(
                "cfn-operation-resources",
                ERROR,
                root,
                None,
                "Resources",
                f"Stack {root.name} and its {len(stacks) - 1} nested stacks declare {total:,} resources; one CloudFormation "
                f"operation handles at most {limits.CFN_MAX_NESTED_OPERATION_RESOURCES:,}.",
                "Split the service into several services (stacks) along its domains.",
            )


def nested_unaudited(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: a nested stack whose template is not at hand would escape every other rule."""
    for tpl, lid, name in ctx.unresolved:
        yield finding(
            "nested-unaudited",
            WARNING,
            tpl,
            lid,
            "Properties.TemplateURL",
            f"Nested stack {lid} ({name}) was not audited: its template is not next to {tpl.path.name}.",
            "Audit the whole .serverless/ folder, or give the nested template file as well.",
        )
