'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const retention = require('../rails/retention');

function template(resources) {
  return {
    Resources: { ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket', Properties: {} }, ...resources },
    Outputs: { ServerlessDeploymentBucketName: { Value: { Ref: 'ServerlessDeploymentBucket' } } },
  };
}

const STATEFUL = {
  WorkQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
  Orders: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  Uploads: { Type: 'AWS::S3::Bucket', Properties: {} },
  Users: { Type: 'AWS::Cognito::UserPool', Properties: {} },
  Aurora: { Type: 'AWS::RDS::DBCluster', Properties: {} },
  AuroraWriter: { Type: 'AWS::RDS::DBInstance', Properties: { DBClusterIdentifier: { Ref: 'Aurora' } } },
  Postgres: { Type: 'AWS::RDS::DBInstance', Properties: {} },
  DbSecret: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
  DataKey: { Type: 'AWS::KMS::Key', Properties: {} },
};

test('every stateful resource is retained, or snapshotted where the type can be', () => {
  const tpl = template({ ...structuredClone(STATEFUL), ApiLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: {} }, Topic: { Type: 'AWS::SNS::Topic' } });
  retention.apply({ template: tpl, config: {} });
  const r = tpl.Resources;
  for (const id of ['WorkQueue', 'Orders', 'Uploads', 'Users', 'AuroraWriter', 'DbSecret', 'DataKey']) {
    assert.equal(r[id].DeletionPolicy, 'Retain', id);
    assert.equal(r[id].UpdateReplacePolicy, 'Retain', id);
  }
  for (const id of ['Aurora', 'Postgres']) {
    assert.equal(r[id].DeletionPolicy, 'Snapshot', id);
    assert.equal(r[id].UpdateReplacePolicy, 'Snapshot', id);
  }
  // log groups keep their own retention period; the deployment bucket holds rebuilt artifacts only
  for (const id of ['ApiLogGroup', 'Topic', 'ServerlessDeploymentBucket']) assert.equal(r[id].DeletionPolicy, undefined, id);
});

test('a policy that keeps data is kept; one that deletes stops the package with the fix', () => {
  const tpl = template({ Q: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'RetainExceptOnCreate' } });
  retention.apply({ template: tpl, config: {} });
  assert.equal(tpl.Resources.Q.DeletionPolicy, 'RetainExceptOnCreate');
  assert.equal(tpl.Resources.Q.UpdateReplacePolicy, 'Retain');
  const bad = template({ Q: { Type: 'AWS::SQS::Queue', UpdateReplacePolicy: 'Delete' } });
  assert.throws(() => retention.apply({ template: bad, config: {} }), /Q \(AWS::SQS::Queue\) has UpdateReplacePolicy: "Delete".*custom\.rails\.retention\.skip\.Q/);
});

test('an opt-out names a stateful resource of the service, and that one is left alone', () => {
  const tpl = template({ Scratch: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Delete' }, Work: { Type: 'AWS::SQS::Queue' } });
  retention.apply({ template: tpl, config: { retention: { skip: { Scratch: 'rebuilt from the orders table on every deploy' } } } });
  assert.equal(tpl.Resources.Scratch.DeletionPolicy, 'Delete');
  assert.equal(tpl.Resources.Scratch.UpdateReplacePolicy, undefined);
  assert.equal(tpl.Resources.Scratch.Metadata.slsguard.retention, 'rebuilt from the orders table on every deploy');
  assert.equal(tpl.Resources.Work.DeletionPolicy, 'Retain');
  assert.throws(() => retention.apply({ template: template({}), config: { retention: { skip: { Nope: 'x' } } } }), /skip\.Nope: no resource Nope/);
  const topic = template({ T: { Type: 'AWS::SNS::Topic' } });
  assert.throws(() => retention.apply({ template: topic, config: { retention: { skip: { T: 'x' } } } }), /AWS::SNS::Topic is not a stateful type/);
});
