'use strict';

// A service and compiled template as the framework leaves them, small enough to write by hand.

const naming = {
  getNormalizedFunctionName: (name) => (name[0].toUpperCase() + name.slice(1)).replace(/-/g, 'Dash').replace(/_/g, 'Underscore'),
  getLambdaLogicalId: (name) => `${naming.getNormalizedFunctionName(name)}LambdaFunction`,
  getLogGroupLogicalId: (name) => `${naming.getNormalizedFunctionName(name)}LogGroup`,
};

function service(functions, extra = {}) {
  return {
    service: 'svc',
    provider: { stage: 'dev', timeout: 6, tracing: { lambda: true }, ...(extra.provider || {}) },
    functions,
    custom: extra.custom || {},
  };
}

// The compiled resources osls writes for each function: the function (shared role) and its log group.
function compiled(functions, extra = {}) {
  const resources = {
    IamRoleLambdaExecution: { Type: 'AWS::IAM::Role', Properties: { Path: '/', Policies: [] } },
    ...(extra.resources || {}),
  };
  for (const [name, fn] of Object.entries(functions)) {
    const id = naming.getLambdaLogicalId(name);
    resources[id] = {
      Type: 'AWS::Lambda::Function',
      DependsOn: [naming.getLogGroupLogicalId(name), 'IamRoleLambdaExecution'],
      Properties: { Timeout: fn.timeout || 6, Role: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] } },
    };
    resources[naming.getLogGroupLogicalId(name)] = { Type: 'AWS::Logs::LogGroup', Properties: {} };
  }
  return { Resources: resources };
}

const FUNCTIONS = {
  api: { handler: 'pkg/api.handler', timeout: 10, events: [{ http: { path: '/', method: 'any' } }] },
  worker: { handler: 'pkg/worker.handler', timeout: 20, events: [{ sqs: { arn: { 'Fn::GetAtt': ['WorkQueue', 'Arn'] } } }] },
  report: { handler: 'pkg/report.handler', timeout: 30, events: [{ schedule: 'rate(1 hour)' }] },
};

module.exports = { naming, service, compiled, FUNCTIONS };
