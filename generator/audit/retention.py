"""Stateful resources without DeletionPolicy and UpdateReplacePolicy (data): CloudFormation deletes them.

A queue, table, bucket, user pool, database, secret or key is deleted with its data when it leaves the template
(DeletionPolicy) or when a change to a create-only property replaces it (UpdateReplacePolicy), unless the policy
is ``Retain``, ``RetainExceptOnCreate`` or ``Snapshot``. The types are those the rails plugin retains
(``.serverless_plugins/rails/rails/retention.js``, kept equal by a test); log groups are not asked (their data
has its own retention period, and a retained log group with the framework's fixed name blocks the next deploy of
the stage), nor is the framework's deployment bucket (the ``ServerlessDeploymentBucketName`` output: rebuilt
artifacts only). The policy is read through ``cfn.values`` (a language-extensions template may compute it):
every value a deploy can give must keep the data, and a value the template alone cannot pin down fails closed.
A resource the project opted out of the rail (``Metadata.slsguard.retention``, the reason) is reported as info.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..cfn.template import Template
from ..cfn.values import Unknown, possible, why
from .model import INFO, WARNING, Context, Finding, props, rtype
from .rule import Fix, Rule

RETAIN, SNAPSHOT = "Retain", "Snapshot"
KEEPS = frozenset({RETAIN, "RetainExceptOnCreate", SNAPSHOT})
POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")
# Stateful types and the policy the fix suggests (Snapshot where CloudFormation supports it): the rail's table.
STATEFUL: dict[str, str] = {
    "AWS::SQS::Queue": RETAIN,
    "AWS::DynamoDB::Table": RETAIN,
    "AWS::DynamoDB::GlobalTable": RETAIN,
    "AWS::S3::Bucket": RETAIN,
    "AWS::Cognito::UserPool": RETAIN,
    "AWS::RDS::DBCluster": SNAPSHOT,
    "AWS::RDS::DBInstance": SNAPSHOT,
    "AWS::DocDB::DBCluster": SNAPSHOT,
    "AWS::Neptune::DBCluster": SNAPSHOT,
    "AWS::ElastiCache::CacheCluster": SNAPSHOT,
    "AWS::ElastiCache::ReplicationGroup": SNAPSHOT,
    "AWS::Redshift::Cluster": SNAPSHOT,
    "AWS::EC2::Volume": SNAPSHOT,
    "AWS::SecretsManager::Secret": RETAIN,
    "AWS::KMS::Key": RETAIN,
    "AWS::Kinesis::Stream": RETAIN,
    "AWS::EFS::FileSystem": RETAIN,
    "AWS::FSx::FileSystem": RETAIN,
    "AWS::OpenSearchService::Domain": RETAIN,
    "AWS::Elasticsearch::Domain": RETAIN,
    "AWS::Backup::BackupVault": RETAIN,
    "AWS::QLDB::Ledger": RETAIN,
}


def policy_for(resource: dict[str, Any]) -> str | None:
    """The policy a stateful resource should carry (an Aurora member instance cannot snapshot: its cluster does)."""
    policy = STATEFUL.get(rtype(resource))
    if policy == SNAPSHOT and rtype(resource) == "AWS::RDS::DBInstance" and props(resource).get("DBClusterIdentifier") is not None:
        return RETAIN
    return policy


def _deployment_bucket(tpl: Template) -> str | None:
    """The framework's deployment bucket in a root template: the one its ServerlessDeploymentBucketName output names,
    else the framework's logical id ServerlessDeploymentBucket (by which ``Template.source`` knows a serverless.yml)."""
    if tpl.parent is not None:
        return None
    value = tpl.section("Outputs").get("ServerlessDeploymentBucketName")
    ref = value.get("Value") if isinstance(value, dict) else None
    target = ref.get("Ref") if isinstance(ref, dict) else None
    return target if isinstance(target, str) else "ServerlessDeploymentBucket"


def _declined(resource: dict[str, Any]) -> str | None:
    meta = resource.get("Metadata")
    mark = meta.get("slsguard") if isinstance(meta, dict) else None
    value = mark.get("retention") if isinstance(mark, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def _deleting(resource: dict[str, Any], key: str, tpl: Template) -> str | None:
    """Why this policy can delete the data ('' when it is absent), or None when every possible value keeps it."""
    if key not in resource:
        return ""
    for p in possible(resource[key], tpl):
        if isinstance(p.value, Unknown):
            return f"a {key} that cannot be proven to keep the data ({p.value.detail}){why(p.because)}"
        if p.value not in KEEPS:
            return f"a {key} that can be {p.value!r}{why(p.because)}"
    return None


def stateful_retention(ctx: Context) -> Iterator[Finding]:
    """Challenge 5: every stateful resource has DeletionPolicy and UpdateReplacePolicy that keep its data."""
    for tpl in ctx.index.templates:
        bucket = _deployment_bucket(tpl)
        for lid, resource in tpl.resources.items():
            policy = policy_for(resource) if isinstance(resource, dict) else None
            if policy is None or lid == bucket:
                continue
            problems = [(key, text) for key in POLICIES if (text := _deleting(resource, key, tpl)) is not None]
            if not problems:
                continue
            missing = [key for key, text in problems if text == ""]
            said = [text for _key, text in problems if text]
            parts = ([f"no {' and no '.join(missing)}"] if missing else []) + said
            declined = _declined(resource)
            message = (
                f"{rtype(resource)} {lid} has {'; '.join(parts)}: CloudFormation deletes it, with its data, when it leaves the "
                "template or a create-only change replaces it" + (f" (opted out: {declined})." if declined else ".")
            )
            yield STATEFUL_RETENTION.finding(INFO if declined else WARNING, tpl, lid, problems[0][0], message, resource=lid, policy=policy)


STATEFUL_RETENTION = Rule(
    id="stateful-retention",
    challenge="5 CloudFormation",
    severity=WARNING,
    summary="every stateful resource has DeletionPolicy and UpdateReplacePolicy Retain or Snapshot (warning)",
    help="Without them CloudFormation deletes a queue, table, bucket, user pool, database, secret or key, with its data, when it is removed from the template or replaced by a change to a create-only property (a renamed queue). Reported as info where the project opted out with a reason (custom.rails.retention.skip).",
    checks="every stateful resource (SQS, DynamoDB, S3, Cognito user pools, RDS/Aurora, DocumentDB, Neptune, ElastiCache, Redshift, EBS, EFS, FSx, Secrets Manager, KMS, Kinesis, OpenSearch, Backup vaults, QLDB; not log groups nor the framework's deployment bucket) has `DeletionPolicy` and `UpdateReplacePolicy` of `Retain`, `RetainExceptOnCreate` or `Snapshot` in every value a deploy can give them",
    levels="warning; info where the project opted out with a reason",
    fixes={
        "": Fix(
            'Keep the rails plugin (`./.serverless_plugins/rails` in `plugins:`; a generated project has it): it gives every stateful resource, also those of `resources:` and `slsguard add`, `DeletionPolicy` and `UpdateReplacePolicy` {policy}; opt one out with `custom.rails.retention.skip.{resource}: "reason"`.',
            "Add `DeletionPolicy: {policy}` and `UpdateReplacePolicy: {policy}` to {resource} in template.yaml (beside `Type`).",
            "Add `DeletionPolicy: {policy}` and `UpdateReplacePolicy: {policy}` to {resource} (beside `Type`).",
        )
    },
    check=stateful_retention,
)

RULES = (STATEFUL_RETENTION,)
