'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const rollout = require('../rails/rollout');

function fn(name, extra = {}) {
  const prefix = name[0].toUpperCase() + name.slice(1);
  return { name, prefix, functionId: `${prefix}LambdaFunction`, http: true, warmer: false, skip: {}, ...extra };
}

function template(names) {
  const resources = {};
  for (const name of names) {
    const prefix = name[0].toUpperCase() + name.slice(1);
    resources[`${prefix}LambdaFunction`] = { Type: 'AWS::Lambda::Function', Properties: {} };
    resources[`${prefix}LambdaVersionAbc`] = { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: `${prefix}LambdaFunction` } } };
    resources[`${prefix}ErrorsAlarm`] = { Type: 'AWS::CloudWatch::Alarm', Properties: {} };
    resources[`${prefix}DurationAlarm`] = { Type: 'AWS::CloudWatch::Alarm', Properties: {} };
  }
  resources.ApiGatewayMethodAny = {
    Type: 'AWS::ApiGateway::Method',
    Properties: { Integration: { Uri: { 'Fn::Join': ['', ['arn:', { 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] }, '/invocations']] } } },
  };
  resources.ApiLambdaPermissionApiGateway = {
    Type: 'AWS::Lambda::Permission',
    Properties: { FunctionName: { 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] }, Principal: 'apigateway.amazonaws.com' },
  };
  resources.ApiLambdaPermissionEvents = {
    Type: 'AWS::Lambda::Permission',
    Properties: { FunctionName: { 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] }, Principal: 'events.amazonaws.com' },
  };
  resources.WarmerRole = {
    Type: 'AWS::IAM::Role',
    Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [{ 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] }] }] } }] },
  };
  return { Resources: resources };
}

const CONFIG = { rollout: { deployment: 'Canary10Percent5Minutes' }, coldStart: 'warmer', warmerRole: 'WarmerRole' };

test('every HTTP function gets an alias shifted by its deployment group, rolled back on its own alarms', () => {
  const tpl = template(['api', 'pages']);
  const functions = [fn('api'), fn('pages'), fn('worker', { http: false })];
  rollout.apply({ template: tpl, config: CONFIG, functions, warmed: [functions[0]] });
  const r = tpl.Resources;
  for (const prefix of ['Api', 'Pages']) {
    const group = r[`${prefix}DeploymentGroup`].Properties;
    assert.equal(group.DeploymentConfigName, 'CodeDeployDefault.LambdaCanary10Percent5Minutes');
    assert.deepEqual(group.AlarmConfiguration.Alarms, [{ Name: { Ref: `${prefix}ErrorsAlarm` } }, { Name: { Ref: `${prefix}DurationAlarm` } }]);
    assert.deepEqual(group.AutoRollbackConfiguration.Events, ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']);
    assert.equal(r[`${prefix}LiveAlias`].Properties.Name, 'live');
    assert.deepEqual(r[`${prefix}LiveAlias`].UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName, { Ref: `${prefix}DeploymentGroup` });
  }
  assert.equal(r.WorkerDeploymentGroup, undefined);
  assert.deepEqual(r.CodeDeployServiceRole.Properties.ManagedPolicyArns, [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited' }]);
  // API Gateway invokes the alias; other permissions keep the function
  assert.deepEqual(r.ApiGatewayMethodAny.Properties.Integration.Uri['Fn::Join'][1][1], { Ref: 'ApiLiveAlias' });
  assert.deepEqual(r.ApiLambdaPermissionApiGateway.Properties.FunctionName, { Ref: 'ApiLiveAlias' });
  assert.deepEqual(r.ApiLambdaPermissionEvents.Properties.FunctionName, { 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] });
  // the warmer pings the alias of what it warms
  assert.deepEqual(r.WarmerRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource.at(-1), { Ref: 'ApiLiveAlias' });
});

test('an existing alias (provisioned concurrency) shifts instead of a new one; an opt-out and all-at-once add nothing', () => {
  const tpl = template(['api']);
  tpl.Resources.ApiProvConcLambdaAlias = { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'ApiLambdaFunction' } } };
  rollout.apply({ template: tpl, config: { ...CONFIG, coldStart: 'provisioned' }, functions: [fn('api')] });
  assert.ok(tpl.Resources.ApiProvConcLambdaAlias.UpdatePolicy);
  assert.equal(tpl.Resources.ApiLiveAlias, undefined);
  const skipped = template(['api']);
  rollout.apply({ template: skipped, config: CONFIG, functions: [fn('api', { skip: { rollout: 'internal tool' } })] });
  assert.equal(skipped.Resources.CodeDeployApplication, undefined);
  const off = template(['api']);
  rollout.apply({ template: off, config: {}, functions: [fn('api')] });
  assert.equal(off.Resources.CodeDeployApplication, undefined);
});

test('without published versions the package stops with the fix', () => {
  const tpl = template(['api']);
  delete tpl.Resources.ApiLambdaVersionAbc;
  assert.throws(() => rollout.apply({ template: tpl, config: CONFIG, functions: [fn('api')] }), /provider\.versionFunctions: true/);
});

test('with the warmer, every rolled-out function is pinged through its alias', () => {
  const service = { functions: { api: { warmup: { default: { enabled: true } } }, worker: {} } };
  rollout.warmAlias({ config: CONFIG, functions: [fn('api'), fn('worker', { http: false })], service });
  assert.deepEqual(service.functions.api.warmup.default, { enabled: true, alias: 'live' });
  assert.equal(service.functions.worker.warmup, undefined);
});
