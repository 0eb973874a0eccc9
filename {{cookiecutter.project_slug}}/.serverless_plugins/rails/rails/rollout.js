'use strict';

// [observability] Gradual rollout: every HTTP function's traffic moves to a new version through CodeDeploy
// (custom.rails.rollout.deployment: Canary10Percent5Minutes by default: 10 % for 5 minutes, then all; or a Linear
// configuration), and the function's own errors and duration alarms (the alarms rail) stop it and roll back.
// A rail rather than serverless-plugin-canary-deployments 0.8.0, which packages on osls 4 but needs a
// `deploymentSettings` block written on each function (one added later without it deploys all at once) and gives
// CodeDeploy's role AWSLambda_FullAccess; here CodeDeploy gets AWSCodeDeployRoleForLambdaLimited only.
//
// Needs published versions (provider.versionFunctions: true; osls 4 prunes them with provider.pruneFunctionVersions).
// API Gateway invokes the alias `live` (its integration and permission are rewired from the function to the
// alias); a function that already has an alias (provisioned concurrency, SnapStart) keeps it and that alias shifts.
// With the warmer, each rolled-out function is pinged through `live` (its warmup alias), where the traffic goes.
// Opt one function out with slsguard.skip.rollout: "reason". Logical ids: CodeDeployApplication,
// CodeDeployServiceRole, <Prefix>LiveAlias, <Prefix>DeploymentGroup.

const ALIAS = 'live';
const APP = 'CodeDeployApplication';
const ROLE = 'CodeDeployServiceRole';
const API_TYPES = new Set(['AWS::ApiGateway::Method', 'AWS::ApiGatewayV2::Integration']);

function rolledOut(fn) {
  return fn.http && !fn.warmer && !fn.skip.rollout;
}

// functions stage: the warmer pings the alias that takes the traffic.
function warmAlias({ config, functions, service }) {
  if (!config.rollout || config.coldStart !== 'warmer') return;
  for (const fn of functions.filter(rolledOut)) {
    const block = service.functions[fn.name];
    block.warmup = { ...block.warmup, default: { ...(block.warmup || {}).default, alias: ALIAS } };
  }
}

function refersTo(value, id) {
  if (!value || typeof value !== 'object') return false;
  if (value.Ref === id) return true;
  const att = value['Fn::GetAtt'];
  return Array.isArray(att) && att[0] === id && att[1] === 'Arn';
}

// Every Ref / GetAtt Arn of the function inside value, replaced by a Ref of the alias (its ARN).
function rewire(value, id, alias) {
  if (Array.isArray(value)) return value.map((item) => rewire(item, id, alias));
  if (refersTo(value, id)) return { Ref: alias };
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewire(v, id, alias)]));
  return value;
}

function find(resources, type, functionId) {
  return Object.keys(resources).find((id) => resources[id].Type === type && refersTo((resources[id].Properties || {}).FunctionName, functionId));
}

function group(fn, alarms, deployment) {
  return {
    Type: 'AWS::CodeDeploy::DeploymentGroup',
    Properties: {
      ApplicationName: { Ref: APP },
      ServiceRoleArn: { 'Fn::GetAtt': [ROLE, 'Arn'] },
      DeploymentConfigName: `CodeDeployDefault.Lambda${deployment}`,
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      AlarmConfiguration: { Enabled: true, Alarms: alarms.map((id) => ({ Name: { Ref: id } })) },
    },
  };
}

const SHARED = {
  [APP]: { Type: 'AWS::CodeDeploy::Application', Properties: { ComputePlatform: 'Lambda' } },
  [ROLE]: {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['codedeploy.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      // Alias updates, alarm reads and its own notifications: nothing else (no hooks are invoked).
      ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited' }],
    },
  },
};

// The warmer pings `live` (warmAlias): a qualified invoke needs the alias ARN in its role, beside the function's.
function warmerMayInvoke(resources, config, aliases) {
  const role = resources[config.warmerRole];
  const policies = (role && (role.Properties || {}).Policies) || [];
  const statement = policies
    .flatMap((p) => ((p.PolicyDocument || {}).Statement) || [])
    .find((st) => st.Effect === 'Allow' && [].concat(st.Action).includes('lambda:InvokeFunction'));
  if (statement && aliases.length) statement.Resource = [].concat(statement.Resource, aliases.map((id) => ({ Ref: id })));
}

function apply({ template, config, functions, warmed = [] }) {
  const rollout = config.rollout;
  if (!rollout) return;
  const resources = template.Resources;
  const chosen = functions.filter(rolledOut);
  if (!chosen.length) return;
  Object.assign(resources, structuredClone(SHARED));
  const warmedAliases = [];
  for (const fn of chosen) {
    const version = find(resources, 'AWS::Lambda::Version', fn.functionId);
    if (!version) throw new Error(`custom.rails.rollout needs published versions of ${fn.name}: set provider.versionFunctions: true (or slsguard.skip.rollout: "reason" on the function).`);
    const alarms = [`${fn.prefix}ErrorsAlarm`, `${fn.prefix}DurationAlarm`];
    const missing = alarms.filter((id) => !resources[id]);
    if (missing.length) throw new Error(`custom.rails.rollout rolls ${fn.name} back on ${missing.join(', ')}, which the alarms rail did not write.`);
    const groupId = `${fn.prefix}DeploymentGroup`;
    resources[groupId] = group(fn, alarms, rollout.deployment);
    let alias = find(resources, 'AWS::Lambda::Alias', fn.functionId);
    if (!alias) {
      alias = `${fn.prefix}LiveAlias`;
      resources[alias] = {
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: { Ref: fn.functionId }, FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] }, Name: ALIAS },
      };
      for (const resource of Object.values(resources)) {
        const apiPermission = resource.Type === 'AWS::Lambda::Permission' && (resource.Properties || {}).Principal === 'apigateway.amazonaws.com';
        if (API_TYPES.has(resource.Type) || apiPermission) resource.Properties = rewire(resource.Properties, fn.functionId, alias);
      }
    }
    resources[alias].UpdatePolicy = { CodeDeployLambdaAliasUpdate: { ApplicationName: { Ref: APP }, DeploymentGroupName: { Ref: groupId } } };
    if (config.coldStart === 'warmer' && warmed.some((w) => w.name === fn.name)) warmedAliases.push(alias);
  }
  if (config.warmerRole) warmerMayInvoke(resources, config, warmedAliases);
}

module.exports = { apply, warmAlias, rewire, ALIAS };
