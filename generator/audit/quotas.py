"""Rules about CloudFormation's per-template quotas (seed challenge 5), checked on every template.

The seed's "200 resources per stack" is out of date: the quotas are 500 resources, 200 outputs,
200 parameters and 200 mappings per template, and a template body of 51,200 bytes inline or
1 MB through S3 (the framework always uploads through S3).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..answers import limits
from .model import ERROR, WARNING, Context, Finding, Template
from .rule import Fix, Rule

SPLIT = Fix(
    "Move resources to another service, or let serverless-plugin-split-stacks move them into nested stacks.",
    "Move resources to another template, or into a nested application (AWS::Serverless::Application) in template.yaml.",
    "Move resources to another stack, or into a nested stack (AWS::CloudFormation::Stack).",
)
NESTED = Fix(
    "Split the service along its domains (fewer functions and routes per service): this nested stack is already the overflow, "
    "and changing split-stacks settings after a deploy moves resources between stacks.",
    "Split the application along its domains (fewer functions and routes per template): this nested stack is already the overflow.",
    "Split the stack along its domains: this nested stack is already the overflow.",
)


class Quota(NamedTuple):
    """One per-template count CloudFormation limits: a row of the table the four ``cfn-<section>`` rules are built from."""

    section: str  # the template section counted: its rule is cfn-<section, lower case>
    most: int  # CloudFormation's quota per template (generator/limits.py)
    warn_from: float | None  # a warning from this share of the quota, or none
    note: str  # what the rule's help adds after the quota


QUOTAS = (
    Quota("Resources", limits.CFN_MAX_RESOURCES, limits.CFN_RESOURCE_WARNING_RATIO, "about 60 HTTP functions fill one stack"),
    Quota("Outputs", limits.CFN_MAX_OUTPUTS, None, ""),
    Quota("Parameters", limits.CFN_MAX_PARAMETERS, None, "split stacks pass references as parameters"),
    Quota("Mappings", limits.CFN_MAX_MAPPINGS, None, ""),
)


def _variant(tpl: Template) -> str:
    return "nested" if tpl.parent is not None else "split"


def _count(tpl: Template, rule: Rule, quota: Quota) -> Iterator[Finding]:
    count, most, what = len(tpl.section(quota.section)), quota.most, quota.section.lower()
    if count > most:
        message = f"Stack {tpl.name} declares {count} {what}; CloudFormation accepts at most {most} per template."
        yield rule.finding(ERROR, tpl, None, quota.section, message, variant=_variant(tpl))
    elif quota.warn_from is not None and count >= most * quota.warn_from:
        message = (
            f"Stack {tpl.name} declares {count} {what}, {count * 100 // most}% of CloudFormation's {most} per template: "
            "a few more functions will block the deployment."
        )
        yield rule.finding(WARNING, tpl, None, quota.section, message, variant=_variant(tpl))


def template_quotas(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: resources (warning from 80% of 500), outputs, parameters and mappings (200 each) per template."""
    for tpl in ctx.index.templates:
        for quota, rule in zip(QUOTAS, QUOTA_RULES, strict=True):
            yield from _count(tpl, rule, quota)


def template_size(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: a template body is limited to 1 MB through S3 and 51,200 bytes inline."""
    for tpl in ctx.index.templates:
        if tpl.size > limits.CFN_MAX_BODY_S3_BYTES:
            message = (
                f"Stack {tpl.name} is {tpl.size:,} bytes; CloudFormation accepts at most {limits.CFN_MAX_BODY_S3_BYTES:,} even from S3."
            )
            yield CFN_TEMPLATE_SIZE.finding(ERROR, tpl, None, "", message, variant=_variant(tpl))
        elif not tpl.via_s3 and tpl.size > limits.CFN_MAX_BODY_INLINE_BYTES:
            message = (
                f"Stack {tpl.name} is {tpl.size:,} bytes: deployed inline (--template-body) CloudFormation accepts at most "
                f"{limits.CFN_MAX_BODY_INLINE_BYTES:,}."
            )
            yield CFN_TEMPLATE_SIZE.finding(WARNING, tpl, None, "", message, variant="inline")


def operation_resources(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: nested stacks raise the per-template limit, not the per-operation one (root plus nested)."""
    for root in ctx.index.roots:
        stacks = list(root.walk())
        total = sum(len(t.resources) for t in stacks)
        if total > limits.CFN_MAX_NESTED_OPERATION_RESOURCES:
            message = (
                f"Stack {root.name} and its {len(stacks) - 1} nested stacks declare {total:,} resources; one CloudFormation "
                f"operation handles at most {limits.CFN_MAX_NESTED_OPERATION_RESOURCES:,}."
            )
            yield CFN_OPERATION_RESOURCES.finding(ERROR, root, None, "Resources", message)


def nested_unaudited(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: a nested stack whose template is not at hand would escape every other rule."""
    for tpl, lid, name in ctx.unresolved:
        message = f"Nested stack {lid} ({name}) was not audited: its template is not next to {tpl.path.name}."
        yield NESTED_UNAUDITED.finding(WARNING, tpl, lid, "Properties.TemplateURL", message)


def _quota_rule(quota: Quota) -> Rule:
    """The rule of one row of QUOTAS: its texts say the quota (and the warning's threshold) from the table."""
    what = quota.section.lower()
    warn = "" if quota.warn_from is None else f"{int(quota.most * quota.warn_from)}"
    return Rule(
        id=f"cfn-{what}",
        challenge="5 CloudFormation",
        severity=ERROR,
        summary=f"at most {quota.most} {what} per template" + (f" (warning from {warn})" if warn else ""),
        help=f"CloudFormation allows {quota.most} {what} per template" + (f"; {quota.note}." if quota.note else "."),
        checks=f"at most {quota.most} {what} per template" + (f"; warning from {warn} ({quota.warn_from:.0%})" if warn else ""),
        levels="error / warning" if warn else "error",
        fixes={"split": SPLIT, "nested": NESTED},
        check=template_quotas,
    )


QUOTA_RULES = tuple(_quota_rule(quota) for quota in QUOTAS)

CFN_TEMPLATE_SIZE = Rule(
    id="cfn-template-size",
    challenge="5 CloudFormation",
    severity=ERROR,
    summary="template body within 1 MB (S3), warning above 51,200 bytes when inline",
    help="A template body may be 1 MB from S3 and 51,200 bytes inline.",
    checks="template body at most 1 MB; above 51,200 bytes a warning for template files (deployed inline they would fail; the framework uploads through S3)",
    levels="error / warning",
    fixes={
        "split": SPLIT,
        "nested": NESTED,
        "inline": Fix(
            "Deploy it through S3 (`aws cloudformation deploy --s3-bucket ...`, as the Serverless Framework does).",
            "Deploy it through S3 (`sam deploy --s3-bucket ...` or `--resolve-s3`).",
            "Deploy it through S3 (`aws cloudformation deploy --s3-bucket ...`).",
        ),
    },
    check=template_size,
)

CFN_OPERATION_RESOURCES = Rule(
    id="cfn-operation-resources",
    challenge="5 CloudFormation",
    severity=ERROR,
    summary="at most 2,500 resources in the root and nested stacks together",
    help="One stack operation may touch at most 2,500 resources across the root and its nested stacks.",
    checks="at most 2,500 resources in the root and its nested stacks together",
    levels="error",
    fixes={
        "": Fix(
            "Split the service into several services (stacks) along its domains.",
            "Split the application into several templates (stacks) along its domains.",
            "Split the stacks into several independent stacks along their domains.",
        )
    },
    check=operation_resources,
)

NESTED_UNAUDITED = Rule(
    id="nested-unaudited",
    challenge="5 CloudFormation",
    severity=WARNING,
    summary="every nested stack's template was found and audited (warning)",
    help="A nested stack whose template was not found locally was not audited: its resources are unchecked.",
    checks="every nested stack's template was found and audited",
    levels="warning",
    fixes={
        "": Fix(
            "Audit the whole .serverless/ folder, or give the nested template file as well.",
            "Give the nested template file as well (the folder `sam build` wrote holds it).",
            "Give the nested template file as well, next to its parent under the name its TemplateURL ends with.",
        )
    },
    check=nested_unaudited,
)

RULES = (*QUOTA_RULES, CFN_TEMPLATE_SIZE, CFN_OPERATION_RESOURCES, NESTED_UNAUDITED)
