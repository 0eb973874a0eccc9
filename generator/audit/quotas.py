"""Rules about CloudFormation's per-template quotas (seed challenge 5), checked on every template.

The seed's "200 resources per stack" is out of date: the quotas are 500 resources, 200 outputs,
200 parameters and 200 mappings per template, and a template body of 51,200 bytes inline or
1 MB through S3 (the framework always uploads through S3).
"""

from __future__ import annotations

from collections.abc import Iterator

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


def _variant(tpl: Template) -> str:
    return "nested" if tpl.parent is not None else "split"


def _count(tpl: Template, rule: Rule, section: str, quota: int, what: str) -> Iterator[Finding]:
    count = len(tpl.section(section))
    if count > quota:
        message = f"Stack {tpl.name} declares {count} {what}; CloudFormation accepts at most {quota} per template."
        yield rule.finding(ERROR, tpl, None, section, message, variant=_variant(tpl))
    elif section == "Resources" and count >= quota * limits.CFN_RESOURCE_WARNING_RATIO:
        message = (
            f"Stack {tpl.name} declares {count} {what}, {count * 100 // quota}% of CloudFormation's {quota} per template: "
            "a few more functions will block the deployment."
        )
        yield rule.finding(WARNING, tpl, None, section, message, variant=_variant(tpl))


def template_quotas(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: resources (warning from 80% of 500), outputs, parameters and mappings (200 each) per template."""
    for tpl in ctx.index.templates:
        yield from _count(tpl, CFN_RESOURCES, "Resources", limits.CFN_MAX_RESOURCES, "resources")
        yield from _count(tpl, CFN_OUTPUTS, "Outputs", limits.CFN_MAX_OUTPUTS, "outputs")
        yield from _count(tpl, CFN_PARAMETERS, "Parameters", limits.CFN_MAX_PARAMETERS, "parameters")
        yield from _count(tpl, CFN_MAPPINGS, "Mappings", limits.CFN_MAX_MAPPINGS, "mappings")


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


CFN_RESOURCES = Rule(
    id="cfn-resources",
    challenge="5 CloudFormation",
    severity=ERROR,
    summary="at most 500 resources per template (warning from 400)",
    help="CloudFormation allows 500 resources per template; about 60 HTTP functions fill one stack.",
    checks="at most 500 resources per template; warning from 400 (80%)",
    levels="error / warning",
    fixes={"split": SPLIT, "nested": NESTED},
    check=template_quotas,
)

CFN_OUTPUTS = Rule(
    id="cfn-outputs",
    challenge="5 CloudFormation",
    severity=ERROR,
    summary="at most 200 outputs per template",
    help="CloudFormation allows 200 outputs per template.",
    checks="at most 200 outputs per template",
    levels="error",
    fixes={"split": SPLIT, "nested": NESTED},
    check=template_quotas,
)

CFN_PARAMETERS = Rule(
    id="cfn-parameters",
    challenge="5 CloudFormation",
    severity=ERROR,
    summary="at most 200 parameters per template",
    help="CloudFormation allows 200 parameters per template; split stacks pass references as parameters.",
    checks="at most 200 parameters per template",
    levels="error",
    fixes={"split": SPLIT, "nested": NESTED},
    check=template_quotas,
)

CFN_MAPPINGS = Rule(
    id="cfn-mappings",
    challenge="5 CloudFormation",
    severity=ERROR,
    summary="at most 200 mappings per template",
    help="CloudFormation allows 200 mappings per template.",
    checks="at most 200 mappings per template",
    levels="error",
    fixes={"split": SPLIT, "nested": NESTED},
    check=template_quotas,
)

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

RULES = (CFN_RESOURCES, CFN_OUTPUTS, CFN_PARAMETERS, CFN_MAPPINGS, CFN_TEMPLATE_SIZE, CFN_OPERATION_RESOURCES, NESTED_UNAUDITED)
