'use strict';

// [data] Every stateful resource of the service keeps its data when CloudFormation would delete it: removed from
// the template (DeletionPolicy) or replaced by a change to a create-only property such as a queue's name
// (UpdateReplacePolicy). Without them CloudFormation deletes, and the messages, rows, objects or users are gone.
// Runs on the compiled template once `resources:` are merged (after the other template rails, which add failure
// queues), so it covers the template's resources, those `slsguard add` wrote and the user's own; split-stacks
// moves a resource with its policies.
//
// Snapshot where CloudFormation supports it (a final snapshot, then delete), Retain elsewhere. Not retained:
//   AWS::Logs::LogGroup   logs keep their own retention (logRetentionInDays), and the framework names each log
//                         group; a retained one would make the next deploy of the same stage fail (already exists).
//   the framework's deployment bucket (the ServerlessDeploymentBucketName output): deploy artifacts, rebuilt by
//                         every package; `remove` empties and deletes it.
// A policy the user wrote is kept when it keeps data (Retain, RetainExceptOnCreate, Snapshot); anything else
// stops the package unless custom.rails.retention.skip names the resource with the reason (written to the
// resource's Metadata.slsguard.retention, where the audit reads it).

const RETAIN = 'Retain';
const SNAPSHOT = 'Snapshot';
const KEEPS = new Set([RETAIN, 'RetainExceptOnCreate', SNAPSHOT]);

// Stateful types and the policy each gets (cfn-lint's StatefulResources list, the log groups and nested stacks
// aside; Snapshot where the type supports it).
const STATEFUL = {
  'AWS::SQS::Queue': RETAIN,
  'AWS::DynamoDB::Table': RETAIN,
  'AWS::DynamoDB::GlobalTable': RETAIN,
  'AWS::S3::Bucket': RETAIN,
  'AWS::Cognito::UserPool': RETAIN,
  'AWS::RDS::DBCluster': SNAPSHOT,
  'AWS::RDS::DBInstance': SNAPSHOT,
  'AWS::DocDB::DBCluster': SNAPSHOT,
  'AWS::Neptune::DBCluster': SNAPSHOT,
  'AWS::ElastiCache::CacheCluster': SNAPSHOT,
  'AWS::ElastiCache::ReplicationGroup': SNAPSHOT,
  'AWS::Redshift::Cluster': SNAPSHOT,
  'AWS::EC2::Volume': SNAPSHOT,
  'AWS::SecretsManager::Secret': RETAIN,
  'AWS::KMS::Key': RETAIN,
  'AWS::Kinesis::Stream': RETAIN,
  'AWS::EFS::FileSystem': RETAIN,
  'AWS::FSx::FileSystem': RETAIN,
  'AWS::OpenSearchService::Domain': RETAIN,
  'AWS::Elasticsearch::Domain': RETAIN,
  'AWS::Backup::BackupVault': RETAIN,
  'AWS::QLDB::Ledger': RETAIN,
};
const POLICIES = ['DeletionPolicy', 'UpdateReplacePolicy'];

// The policy a resource gets: an Aurora member instance (DBClusterIdentifier) cannot snapshot, its cluster does.
function policyFor(resource) {
  const policy = STATEFUL[resource.Type];
  if (policy === SNAPSHOT && resource.Type === 'AWS::RDS::DBInstance' && (resource.Properties || {}).DBClusterIdentifier) return RETAIN;
  return policy;
}

// The logical id of the framework's deployment bucket, when the template names it in its output.
function deploymentBucket(template) {
  const output = ((template.Outputs || {}).ServerlessDeploymentBucketName || {}).Value;
  return output && typeof output === 'object' && typeof output.Ref === 'string' ? output.Ref : undefined;
}

function apply({ template, config }) {
  const skip = ((config.retention || {}).skip) || {};
  const resources = template.Resources || {};
  for (const id of Object.keys(skip)) {
    if (!resources[id] || !policyFor(resources[id])) {
      throw new Error(`custom.rails.retention.skip.${id}: ${resources[id] ? `${resources[id].Type} is not a stateful type` : `no resource ${id} in this service`}; name the logical id of a stateful resource.`);
    }
  }
  const bucket = deploymentBucket(template);
  for (const [id, resource] of Object.entries(resources)) {
    if (!resource || typeof resource !== 'object' || id === bucket) continue;
    if (skip[id]) {
      // The audit (stateful-retention) reads the reason here and reports the choice as info.
      const meta = (resource.Metadata = resource.Metadata || {});
      meta.slsguard = { ...(meta.slsguard || {}), retention: skip[id] };
      continue;
    }
    const policy = policyFor(resource);
    if (!policy) continue;
    for (const key of POLICIES) {
      const given = resource[key];
      if (given === undefined) resource[key] = policy;
      else if (!KEEPS.has(given)) {
        throw new Error(
          `${id} (${resource.Type}) has ${key}: ${JSON.stringify(given)}, which deletes its data; write ${policy} (or remove the line: the rails set it), or opt out with custom.rails.retention.skip.${id}: "reason".`
        );
      }
    }
  }
}

module.exports = { apply, STATEFUL, POLICIES, policyFor };
