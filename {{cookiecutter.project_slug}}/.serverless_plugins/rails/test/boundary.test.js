'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const boundary = require('../rails/boundary');

const ARN = 'arn:aws:iam::123456789012:policy/svc-role-boundary';
const role = (extra = {}) => ({ Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {}, ...extra } });

function template() {
  return {
    Resources: {
      ApiIamRole: role(),
      WarmerRole: role(),
      CodeDeployServiceRole: role({ ManagedPolicyArns: ['x'] }),
      IamRoleCustomResourcesLambdaExecution: role(),
      UserRole: role({ PermissionsBoundary: ARN }),
      WorkQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  };
}

test('every role of the template carries the boundary; other resources are left alone', () => {
  const tpl = template();
  boundary.apply({ template: tpl, iam: { permissionsBoundary: ARN } });
  for (const [id, resource] of Object.entries(tpl.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') assert.equal(resource.Properties.PermissionsBoundary, ARN, id);
    else assert.equal(resource.Properties.PermissionsBoundary, undefined, id);
  }
});

test('unset (offline package, a laptop) nothing changes', () => {
  for (const iam of [{}, { permissionsBoundary: null }, undefined]) {
    const tpl = template();
    boundary.apply({ template: tpl, iam });
    assert.equal(tpl.Resources.ApiIamRole.Properties.PermissionsBoundary, undefined);
  }
});

test('a role naming another boundary stops the package, naming it', () => {
  const tpl = template();
  tpl.Resources.UserRole.Properties.PermissionsBoundary = 'arn:aws:iam::123456789012:policy/other';
  assert.throws(() => boundary.apply({ template: tpl, iam: { permissionsBoundary: ARN } }), /resources\.UserRole: PermissionsBoundary "arn:aws:iam::123456789012:policy\/other" is not the service's/);
});
