"""Expand a SAM template (``Transform: AWS::Serverless-2016-10-31``) into the CloudFormation it deploys, with the
SAM project's own translator (the optional extra ``slsguard[sam]``), so every rule sees the real resources.

Offline: pseudo parameters get fixed placeholder values and managed policy names resolve from the
translator's bundled list; nothing calls AWS.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
from pathlib import Path
from typing import Any

from ..errors import UserError

TRANSFORM = "AWS::Serverless-2016-10-31"
ARTIFACT_KEYS = frozenset({"CodeUri", "ContentUri", "DefinitionUri"})
ARTIFACT_BUCKET = "sam-local-artifacts"  # stands in for the bucket `sam package` uploads local code to
SAM_FIX = "Fix: check the template with `sam validate`, or audit the CloudFormation that `sam package` writes."
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sam-local:latest"  # stands in for the image `sam build` pushes
INSTALL = "Fix: pip install 'slsguard[sam]' (it adds aws-sam-translator), then run the audit again."
# Pseudo parameters for an offline transform: only names and ARNs are built from them, never looked up.
PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::StackName": "sam-app",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/sam-app/00000000-0000-0000-0000-000000000000",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}


def is_sam(body: Any) -> bool:
    """Whether a template asks for the SAM transform (alone or in a list of transforms)."""
    transform = body.get("Transform") if isinstance(body, dict) else None
    return transform == TRANSFORM or (isinstance(transform, list) and TRANSFORM in transform)


def available() -> bool:
    """Whether the optional translator is installed (checked without importing it)."""
    try:
        return importlib.util.find_spec("samtranslator") is not None
    except (ImportError, ValueError):
        return False


def _artifacts(body: dict[str, Any]) -> dict[str, Any]:
    """Local code paths (``CodeUri: src/``) as the S3 URIs ``sam package`` would upload them to; the translator wants S3."""
    out = copy.deepcopy(body)
    holders = [r.get("Properties") for r in out.get("Resources", {}).values() if isinstance(r, dict)]
    globals_ = out.get("Globals")
    holders += list(globals_.values()) if isinstance(globals_, dict) else []
    for p in holders:
        for key in ARTIFACT_KEYS & set(p if isinstance(p, dict) else ()):
            value = p[key]
            if isinstance(value, str) and not value.startswith("s3://"):
                p[key] = f"s3://{ARTIFACT_BUCKET}/{value.strip('./') or 'code'}"
    shared = globals_.get("Function") if isinstance(globals_, dict) else None
    shared = shared if isinstance(shared, dict) else {}
    for r in out.get("Resources", {}).values():
        p = r.get("Properties") if isinstance(r, dict) and r.get("Type") == "AWS::Serverless::Function" else None
        if not isinstance(p, dict):
            continue
        merged = {**shared, **p}
        if merged.get("PackageType") == "Image":
            p.setdefault("ImageUri", IMAGE)  # `sam build` fills it from the function's Dockerfile metadata
        elif not {"CodeUri", "InlineCode"} & set(merged):
            p["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/code"  # SAM CLI's default: the template's folder
    return out


def _parameters(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = dict(PSEUDO)
    params = body.get("Parameters")
    for name, spec in (params if isinstance(params, dict) else {}).items():
        if isinstance(spec, dict) and "Default" in spec:
            values[name] = spec["Default"]
    return values


def transform(body: dict[str, Any], path: Path) -> dict[str, Any]:
    """The CloudFormation template SAM would deploy for ``body``; UserError when it cannot be translated."""
    if not available():
        raise UserError(f"{path}: a SAM template (Transform: {TRANSFORM}) needs the SAM translator to be audited.", INSTALL)
    from boto3.session import Session
    from samtranslator.metrics.metrics import Metrics
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # A session that only names the region: the translator reads it for pseudo parameters and never calls AWS with it.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its feature-toggle notices are not the user's problem
    metrics = Metrics()  # published (to nowhere) after the transform, so the translator does not warn about it on exit
    translator = Translator(None, Parser(), boto_session=Session(region_name=str(PSEUDO["AWS::Region"])), metrics=metrics)
    try:
        # No managed policy map: the translator falls back to its bundled list of AWS managed policies.
        return dict(translator.translate(_artifacts(body), parameter_values=_parameters(body), get_managed_policy_map=dict))
    except InvalidDocumentException as err:
        causes = "; ".join(str(getattr(c, "message", c)) for c in getattr(err, "causes", [])) or str(err)
        raise UserError(
            f"{path}: the SAM translator rejects this template: {causes}", "Fix: correct the template (`sam validate` says the same)."
        ) from err
    except Exception as err:  # the translator's own failures on odd input: one line, never a traceback
        raise UserError(f"{path}: the SAM translator cannot expand this template ({type(err).__name__}: {err}).", SAM_FIX) from err
    finally:
        metrics.publish()
