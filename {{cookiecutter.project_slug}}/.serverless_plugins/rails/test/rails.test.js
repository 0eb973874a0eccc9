'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { naming, service, compiled, FUNCTIONS } = require('./helpers');
const { functionRecords } = require('../context');
const alarms = require('../rails/alarms');
const queries = require('../rails/queries');
const coldStart = require('../rails/cold-start');
const failureQueues = require('../rails/failure-queues');
const roles = require('../rails/roles');
const scanner = require('../rails/scanner');
const vpc = require('../rails/vpc');
const dependsOn = require('../rails/depends-on');
const unshare = require('../rails/unshare');
const { DEFAULTS } = require('../schema');

function context(functions = structuredClone(FUNCTIONS), { config = {}, provider = {}, resources = {} } = {}) {
  const svc = service(functions, { provider });
  const template = compiled(functions, { resources });
  const records = functionRecords({ service: svc, naming, template });
  return {
    functions: records,
    template,
    config: { ...DEFAULTS, alarmTopic: 'AlarmTopic', ...config },
    iam: {},
    warmed: [],
    service: { name: 'svc', stage: 'dev', functions, custom: {}, resources: {} },
  };
}

test('trigger kinds: http is synchronous, sqs is polled, schedule is asynchronous', () => {
  const byName = Object.fromEntries(context().functions.map((fn) => [fn.name, fn]));
  assert.equal(byName.api.trigger, 'http');
  assert.equal(byName.worker.trigger, 'queue');
  assert.equal(byName.report.trigger, 'async');
  assert.deepEqual(byName.worker.sqs, [{ 'Fn::GetAtt': ['WorkQueue', 'Arn'] }]);
});

test('every function gets errors, throttles and a duration alarm at 80 % of its own timeout', () => {
  const ctx = context();
  alarms.apply(ctx);
  const r = ctx.template.Resources;
  assert.equal(r.ApiDurationAlarm.Properties.Threshold, 8000);
  assert.equal(r.WorkerDurationAlarm.Properties.Threshold, 16000);
  assert.equal(r.ReportDurationAlarm.Properties.Threshold, 24000);
  for (const prefix of ['Api', 'Worker', 'Report']) {
    assert.equal(r[`${prefix}ErrorsAlarm`].Properties.MetricName, 'Errors');
    assert.equal(r[`${prefix}ThrottlesAlarm`].Properties.MetricName, 'Throttles');
    assert.deepEqual(r[`${prefix}ErrorsAlarm`].Properties.AlarmActions, [{ Ref: 'AlarmTopic' }]);
  }
});

test('a queue that is some queue redrive target gets an alarm; the source queue does not', () => {
  const resources = {
    WorkQueue: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['WorkDlq', 'Arn'] } } } },
    WorkDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
  };
  const ctx = context(undefined, { resources });
  alarms.apply(ctx);
  assert.ok(ctx.template.Resources.WorkDlqAlarm);
  assert.equal(ctx.template.Resources.WorkQueueAlarm, undefined);
});

test('saved queries cover every function log group, not the warmer', () => {
  const functions = { ...structuredClone(FUNCTIONS), warmUpPluginDefault: { handler: '.warmup/default/index.warmUp' } };
  const ctx = context(functions);
  queries.apply(ctx);
  const groups = ctx.template.Resources.ErrorsQuery.Properties.LogGroupNames;
  assert.deepEqual(groups, ['/aws/lambda/svc-dev-api', '/aws/lambda/svc-dev-worker', '/aws/lambda/svc-dev-report']);
  assert.equal(Object.keys(queries.QUERIES).length, 4);
});

test('cold start reaches every HTTP function except one that opts out with a reason', () => {
  const functions = {
    ...structuredClone(FUNCTIONS),
    hook: { handler: 'pkg/hook.handler', events: [{ httpApi: 'POST /hook' }], slsguard: { skip: { coldStart: 'called once a day' } } },
  };
  for (const [answer, key, value] of [
    ['warmer', 'warmup', { default: { enabled: true } }],
    ['provisioned', 'provisionedConcurrency', 2],
    ['snapstart', 'snapStart', true],
  ]) {
    const copy = structuredClone(functions);
    const ctx = context(copy, { config: { coldStart: answer, provisionedConcurrency: 2 } });
    coldStart.apply(ctx);
    assert.deepEqual(copy.api[key], value, answer);
    assert.equal(copy.hook[key], undefined, answer);
    assert.equal(copy.worker[key], undefined, answer);
  }
});

test('an asynchronous function gets a failure queue as its DeadLetterConfig, and its alarm', () => {
  const ctx = context();
  failureQueues.apply(ctx);
  alarms.apply(ctx);
  const r = ctx.template.Resources;
  assert.deepEqual(r.ReportLambdaFunction.Properties.DeadLetterConfig, { TargetArn: { 'Fn::GetAtt': ['ReportFailureQueue', 'Arn'] } });
  assert.equal(r.ReportFailureQueue.Properties.SqsManagedSseEnabled, true);
  assert.equal(r.ReportFailureQueue.Properties.MessageRetentionPeriod, 1209600);
  assert.ok(r.ReportFailureQueueAlarm);
  assert.equal(r.ApiFailureQueue, undefined);
  assert.equal(r.WorkerFailureQueue, undefined);
});

test('one role per function: its log group, X-Ray, its queue only, the database only when declared', () => {
  const functions = structuredClone(FUNCTIONS);
  functions.report.slsguard = { database: true };
  const database = { statements: [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [{ Ref: 'DbSecretArn' }] }] };
  const ctx = context(functions, { config: { database } });
  ctx.template.Resources.WorkerEventSourceMapping = {
    Type: 'AWS::Lambda::EventSourceMapping',
    DependsOn: ['IamRoleLambdaExecution'],
    Properties: { FunctionName: { 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] } },
  };
  failureQueues.apply(ctx);
  roles.apply(ctx);
  const r = ctx.template.Resources;
  const actions = (id) => r[id].Properties.Policies[0].PolicyDocument.Statement.flatMap((s) => s.Action);
  assert.equal(r.IamRoleLambdaExecution, undefined, 'the shared role is gone once unused');
  assert.ok(actions('ApiIamRole').includes('xray:PutTraceSegments'));
  assert.ok(!actions('ApiIamRole').some((a) => a.startsWith('sqs:')));
  assert.ok(actions('WorkerIamRole').includes('sqs:ReceiveMessage'));
  assert.ok(!actions('WorkerIamRole').includes('secretsmanager:GetSecretValue'));
  assert.ok(actions('ReportIamRole').includes('secretsmanager:GetSecretValue'));
  assert.ok(actions('ReportIamRole').includes('sqs:SendMessage'));
  assert.deepEqual(r.ApiLambdaFunction.Properties.Role, { 'Fn::GetAtt': ['ApiIamRole', 'Arn'] });
  assert.deepEqual(r.ApiLambdaFunction.DependsOn, ['ApiLogGroup'], 'no DependsOn next to the GetAtt (cfn-lint W3005)');
  assert.deepEqual(r.WorkerEventSourceMapping.DependsOn, ['WorkerIamRole']);
  assert.equal(r.ApiIamRole.Properties.RoleName, undefined);
});

test('provider.iam.role.statements go into every role; VPC functions get the ENI policy', () => {
  const ctx = context(undefined, { provider: { vpc: { subnetIds: ['s'] } } });
  ctx.iam = { statements: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] }] };
  roles.apply(ctx);
  for (const id of ['ApiIamRole', 'WorkerIamRole', 'ReportIamRole']) {
    const statements = ctx.template.Resources[id].Properties.Policies[0].PolicyDocument.Statement;
    assert.ok(statements.some((s) => s.Action.includes('s3:GetObject')), id);
    assert.deepEqual(ctx.template.Resources[id].Properties.ManagedPolicyArns, [{ 'Fn::Sub': roles.VPC_POLICY }]);
  }
});

test('slsguard.statements go into that function role only; with its own role they are refused', () => {
  const functions = structuredClone(FUNCTIONS);
  const send = { Effect: 'Allow', Action: ['ses:SendEmail'], Resource: ['arn:aws:ses:us-east-1:1:identity/example.com'] };
  functions.report.slsguard = { statements: [send] };
  const ctx = context(functions);
  roles.apply(ctx);
  const has = (id) => ctx.template.Resources[id].Properties.Policies[0].PolicyDocument.Statement.some((s) => s.Action.includes('ses:SendEmail'));
  assert.deepEqual(['ApiIamRole', 'WorkerIamRole', 'ReportIamRole'].filter(has), ['ReportIamRole']);
  const own = structuredClone(FUNCTIONS);
  own.report.role = 'arn:aws:iam::1:role/reporting';
  own.report.slsguard = { statements: [send] };
  assert.throws(() => roles.apply(context(own)), /functions\.report: slsguard\.statements go into the role the rails build/);
});

test('a function is warmed as serverless-plugin-warmup decides: its own enabled, else the warmer default', () => {
  const { warmedBy } = require('..');
  assert.equal(warmedBy({ warmup: { default: { concurrency: 2 } } }, 'default', { enabled: false }, 'dev'), false);
  assert.equal(warmedBy({ warmup: { default: { concurrency: 2 } } }, 'default', { enabled: ['dev'] }, 'dev'), true);
  assert.equal(warmedBy({ warmup: { default: { enabled: 'true' } } }, 'default', undefined, 'dev'), true);
  assert.equal(warmedBy({ warmup: { default: { enabled: 'production' } } }, 'default', { enabled: true }, 'dev'), false);
  assert.equal(warmedBy({}, 'default', { enabled: 'dev' }, 'dev'), true);
});

test('the warmer rail keeps a function own warmup settings and enables it', () => {
  const functions = structuredClone(FUNCTIONS);
  functions.api.warmup = { default: { concurrency: 2 } };
  const ctx = context(functions, { config: { coldStart: 'warmer' } });
  coldStart.apply(ctx);
  assert.deepEqual(ctx.service.functions.api.warmup, { default: { concurrency: 2, enabled: true } });
});

test('the warmer role may invoke exactly the warmed functions', () => {
  const functions = { ...structuredClone(FUNCTIONS), warmUpPluginDefault: { handler: 'w', role: 'WarmerRole' } };
  const ctx = context(functions, { config: { warmerRole: 'WarmerRole' } });
  ctx.warmed = ctx.functions.filter((fn) => fn.name === 'api');
  roles.apply(ctx);
  const statements = ctx.template.Resources.WarmerRole.Properties.Policies[0].PolicyDocument.Statement;
  const invoke = statements.find((s) => s.Action.includes('lambda:InvokeFunction'));
  assert.deepEqual(invoke.Resource, [{ 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] }]);
});

test('the permissions boundary, path and tags of provider.iam.role reach every role, the warmer role too', () => {
  const functions = { ...structuredClone(FUNCTIONS), warmUpPluginDefault: { handler: 'w', role: 'WarmerRole' } };
  const ctx = context(functions, { config: { warmerRole: 'WarmerRole' } });
  const boundary = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary' };
  Object.assign(ctx.template.Resources.IamRoleLambdaExecution.Properties, { PermissionsBoundary: boundary, Path: '/apps/' });
  ctx.warmed = ctx.functions.filter((fn) => fn.name === 'api');
  roles.apply(ctx);
  for (const id of ['ApiIamRole', 'WorkerIamRole', 'ReportIamRole', 'WarmerRole']) {
    assert.deepEqual(ctx.template.Resources[id].Properties.PermissionsBoundary, boundary, id);
    assert.equal(ctx.template.Resources[id].Properties.Path, '/apps/', id);
  }
});

test('a function whose trigger needs permissions the rails do not grant is refused with its name', () => {
  const ctx = context({ stream: { handler: 'h', events: [{ msk: { arn: 'arn', topic: 't' } }] } });
  assert.throws(() => roles.apply(ctx), /functions\.stream: its msk event/);
  const edge = context({ edge: { handler: 'h', events: [{ cloudFront: { eventType: 'viewer-request' } }] } });
  assert.throws(() => roles.apply(edge), /functions\.edge: its cloudFront event/);
  const destinations = context({ notify: { handler: 'h', destinations: { onSuccess: 'arn:aws:sqs:us-east-1:1:q' } } });
  assert.throws(() => roles.apply(destinations), /functions\.notify: its destinations needs permissions/);
  const consumer = context({ reader: { handler: 'h', events: [{ stream: { arn: 'arn:aws:kinesis:us-east-1:1:stream/s', consumer: true } }] } });
  assert.throws(() => roles.apply(consumer), /functions\.reader: its Kinesis consumer needs/);
});

test('an http event with async: true is an asynchronous trigger, not a synchronous one', () => {
  const ctx = context({ hook: { handler: 'h', events: [{ http: { path: '/hook', method: 'post', async: true } }] } });
  assert.equal(ctx.functions[0].trigger, 'async');
  assert.equal(context({ api: FUNCTIONS.api }).functions[0].trigger, 'http');
});

test('scanner reasons follow the trigger kind and the VPC', () => {
  const ctx = context();
  scanner.apply(ctx);
  const ids = (id) => ctx.template.Resources[id].Metadata.checkov.skip.map((s) => s.id);
  assert.deepEqual(ids('ApiLambdaFunction'), ['CKV_AWS_116', 'CKV_AWS_173', 'CKV_AWS_117']);
  assert.deepEqual(ids('ReportLambdaFunction'), ['CKV_AWS_173', 'CKV_AWS_117'], 'asynchronous: a real DLQ, no skip');
  assert.deepEqual(ids('WorkerLogGroup'), ['CKV_AWS_158']);
  const queues = context(undefined, {
    resources: {
      Sse: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } },
      Plain: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  });
  scanner.apply(queues);
  assert.deepEqual(queues.template.Resources.Sse.Metadata.checkov.skip.map((s) => s.id), ['CKV_AWS_27']);
  assert.equal(queues.template.Resources.Plain.Metadata, undefined, 'an unencrypted queue keeps failing the scan');
  const inVpc = context(undefined, { provider: { vpc: { subnetIds: ['s'] } } });
  scanner.apply(inVpc);
  assert.ok(!inVpc.template.Resources.ApiLambdaFunction.Metadata.checkov.skip.some((s) => s.id === 'CKV_AWS_117'));
});

test('the database VPC goes only to functions that declare the database', () => {
  const functions = structuredClone(FUNCTIONS);
  functions.worker.slsguard = { database: true };
  const ctx = context(functions, { config: { database: { vpc: { subnetIds: ['s'], securityGroupIds: ['g'] } } } });
  vpc.apply(ctx);
  assert.deepEqual(functions.worker.vpc, { subnetIds: ['s'], securityGroupIds: ['g'] });
  assert.equal(functions.api.vpc, undefined);
});

test('a DependsOn already implied by a Ref or GetAtt is dropped, others stay', () => {
  const template = {
    Resources: {
      Nested: {
        Type: 'AWS::CloudFormation::Stack',
        DependsOn: ['AlarmTopic', 'ApiLambdaFunction', 'Other'],
        Properties: { Parameters: { A: { Ref: 'AlarmTopic' }, B: { 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] } } },
      },
      Lone: { Type: 'X', DependsOn: 'AlarmTopic', Properties: { Name: { 'Fn::Sub': '${AlarmTopic.TopicName}-x' } } },
    },
  };
  dependsOn.apply({ template });
  assert.deepEqual(template.Resources.Nested.DependsOn, ['Other']);
  assert.equal(template.Resources.Lone.DependsOn, undefined);
});

test('resources that share one object get their own copies', () => {
  const shared = { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['ApiLambdaFunction', 'Arn'] }, 'provisioned']] };
  const template = { Resources: { Integration: { Type: 'I', Properties: { IntegrationUri: shared } }, Permission: { Type: 'P', Properties: { FunctionName: shared } } } };
  unshare.apply({ template });
  template.Resources.Permission.Properties.FunctionName['Fn::Join'][1][0] = { Ref: 'ApiLambdaFunctionArnParameter' };
  assert.deepEqual(template.Resources.Integration.Properties.IntegrationUri, shared);
  assert.notEqual(template.Resources.Integration.Properties.IntegrationUri, shared);
});

const waf = require('../rails/waf');
const budget = require('../rails/budget');

function restApi(resources = {}) {
  return {
    ApiGatewayRestApi: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
    ApiGatewayDeployment123: { Type: 'AWS::ApiGateway::Deployment', Properties: {} },
    ...resources,
  };
}

test('waf: a web ACL with a per-IP rate rule answering 429, managed rules, logging and the stage association', () => {
  const ctx = context(undefined, { config: { waf: { rateLimit: 1000 } }, resources: restApi() });
  ctx.service.logRetentionInDays = 30;
  waf.apply(ctx);
  const r = ctx.template.Resources;
  const [rate, common, badInputs] = r.WebAcl.Properties.Rules;
  assert.equal(rate.Statement.RateBasedStatement.Limit, 1000);
  assert.equal(rate.Statement.RateBasedStatement.AggregateKeyType, 'IP');
  assert.equal(rate.Action.Block.CustomResponse.ResponseCode, 429);
  assert.deepEqual([common.Name, badInputs.Name], ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']);
  assert.equal(r.WebAclLogGroup.Properties.RetentionInDays, 30);
  assert.match(r.WebAclLogGroup.Properties.LogGroupName, /^aws-waf-logs-/);
  assert.deepEqual(r.WebAclAssociation.DependsOn, ['ApiGatewayDeployment123']);
  assert.deepEqual(r.WebAclAssociation.Properties.ResourceArn['Fn::Sub'][1], { RestApi: { Ref: 'ApiGatewayRestApi' } });
  assert.match(r.WebAclAssociation.Properties.ResourceArn['Fn::Sub'][0], /\/stages\/dev$/);
});

test('waf: none is recorded on the REST API for the audit; a web ACL without a REST API is refused', () => {
  const declined = context(undefined, { config: { waf: 'none' }, resources: restApi() });
  waf.apply(declined);
  assert.equal(declined.template.Resources.WebAcl, undefined);
  assert.match(declined.template.Resources.ApiGatewayRestApi.Metadata.slsguard.waf, /waf=none/);
  const noRest = context(undefined, { config: { waf: { rateLimit: 100 } } });
  assert.throws(() => waf.apply(noRest), /needs exactly one REST API/);
});

test('budget: ACTUAL 80 % and FORECASTED 100 % to the alarm topic, e-mail when the template has it, topic policy for Budgets', () => {
  const ctx = context(undefined, { config: { budget: { monthlyUsd: 50 } }, resources: { AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: {} } } });
  ctx.template.Parameters = { AlarmEmail: { Type: 'String' } };
  ctx.template.Conditions = { HasAlarmEmail: {} };
  budget.apply(ctx);
  const b = ctx.template.Resources.SpendBudget.Properties;
  assert.equal(b.Budget.BudgetLimit.Amount, 50);
  assert.deepEqual(
    b.NotificationsWithSubscribers.map((n) => [n.Notification.NotificationType, n.Notification.Threshold]),
    [['ACTUAL', 80], ['FORECASTED', 100]]
  );
  assert.deepEqual(b.NotificationsWithSubscribers[0].Subscribers[0], { SubscriptionType: 'SNS', Address: { Ref: 'AlarmTopic' } });
  assert.equal(b.NotificationsWithSubscribers[0].Subscribers[1]['Fn::If'][0], 'HasAlarmEmail');
  const statements = ctx.template.Resources.AlarmTopicPolicy.Properties.PolicyDocument.Statement;
  assert.ok(statements.some((s) => s.Principal.Service === 'budgets.amazonaws.com' && s.Action === 'sns:Publish'));
  const noTopic = context(undefined, { config: { budget: { monthlyUsd: 5 }, alarmTopic: 'Missing' } });
  assert.throws(() => budget.apply(noTopic), /not a resource of this service/);
});

test('the deployment bucket is hardened in both templates, or its extension dropped when the bucket is named', () => {
  const deploymentBucket = require('../rails/deployment-bucket');
  const extension = { Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [] } }, Metadata: { checkov: {} } };
  const inStack = () => ({ Resources: { ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket', Properties: {} } } });
  const owned = { service: { resources: { extensions: { ServerlessDeploymentBucket: extension } } }, template: inStack(), coreTemplate: inStack() };
  assert.equal(deploymentBucket.apply(owned), true);
  assert.ok(owned.coreTemplate.Resources.ServerlessDeploymentBucket.Properties.BucketEncryption);
  assert.ok(owned.service.resources.extensions.ServerlessDeploymentBucket);
  // provider.deploymentBucket.name (deploy/bootstrap.yml's bucket): no bucket in the stack, the framework must not extend one
  const named = { service: { resources: { extensions: { ServerlessDeploymentBucket: extension, Other: {} } } }, template: { Resources: {} } };
  assert.equal(deploymentBucket.apply(named), false);
  assert.deepEqual(Object.keys(named.service.resources.extensions), ['Other']);
});
