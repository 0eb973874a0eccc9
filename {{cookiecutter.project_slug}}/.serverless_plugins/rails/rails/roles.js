'use strict';

// [wallet attack] One IAM role per function in place of the framework's shared IamRoleLambdaExecution: its own log
// group, X-Ray writes when tracing, the queues/streams it consumes, its failure queue, the database only with
// slsguard.database: true, VPC ENIs only in a VPC, what provider.iam.role says (framework semantics: every role), and
// the function's own slsguard.statements (that role only).
// No RoleName: CloudFormation names it, so no 64-character limit. The shared role goes when nothing uses it.
// The warmer gets WarmerRole: its logs and lambda:InvokeFunction on exactly the functions it pings.

const SHARED = 'IamRoleLambdaExecution';
const VPC_POLICY = 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';
const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const SQS_CONSUME = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
const STREAM_READ = {
  dynamodb: ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams'],
  kinesis: ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:ListStreams'],
};
// Triggers that need role permissions these rails do not grant: such a function needs its own `role`.
// Event kinds whose permissions (or trust: CloudFront needs edgelambda.amazonaws.com) the rails do not grant.
const UNSUPPORTED = new Set(['msk', 'kafka', 'activemq', 'rabbitmq', 'cloudFront']);

const roleId = (fn) => `${fn.prefix}IamRole`;
const logArn = (group, suffix) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${group}${suffix}`,
});

function assumeLambda() {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
  };
}

/** The statements one function's role holds. */
function statements(fn, { iam, database, failureQueue }) {
  const group = `/aws/lambda/${fn.fullName}`;
  const list = [];
  if (!fn.disableLogs) {
    list.push({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'], Resource: [logArn(group, ':*')] });
    list.push({ Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: [logArn(group, ':*:*')] });
  }
  if (fn.tracing) list.push({ Effect: 'Allow', Action: XRAY, Resource: ['*'] });
  if (fn.sqs.length) list.push({ Effect: 'Allow', Action: SQS_CONSUME, Resource: structuredClone(fn.sqs) });
  for (const type of Object.keys(STREAM_READ)) {
    const arns = fn.streams.filter((s) => s.type === type).map((s) => s.arn);
    if (arns.length) list.push({ Effect: 'Allow', Action: STREAM_READ[type], Resource: structuredClone(arns) });
  }
  if (failureQueue) list.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [{ 'Fn::GetAtt': [failureQueue, 'Arn'] }] });
  list.push(...structuredClone(iam.statements || []));
  if (fn.database) list.push(...structuredClone((database || {}).statements || []));
  list.push(...structuredClone(fn.statements || []));
  return list;
}

// What the framework's shared role carried from provider.iam.role (path, permissions boundary, tags) goes to every
// role that replaces it, the warmer's too: an account whose SCPs demand a boundary refuses a role without one.
const INHERITED = ['Path', 'PermissionsBoundary', 'Tags'];

function inherit(props, shared) {
  for (const key of INHERITED) if (shared && shared.Properties[key] !== undefined) props[key] = structuredClone(shared.Properties[key]);
  return props;
}

function functionRole(fn, settings, shared) {
  const managed = [...(settings.iam.managedPolicies || [])];
  if (fn.inVpc) managed.push({ 'Fn::Sub': VPC_POLICY });
  const props = {
    AssumeRolePolicyDocument: assumeLambda(),
    Policies: [{ PolicyName: `${fn.name}-rails`, PolicyDocument: { Version: '2012-10-17', Statement: statements(fn, settings) } }],
  };
  if (managed.length) props.ManagedPolicyArns = managed;
  return { Type: 'AWS::IAM::Role', Properties: inherit(props, shared) };
}

function mentions(value, id) {
  if (Array.isArray(value)) return value.some((item) => mentions(item, id));
  if (!value || typeof value !== 'object') return false;
  if (value.Ref === id || (value['Fn::GetAtt'] && value['Fn::GetAtt'][0] === id)) return true;
  return Object.values(value).some((item) => mentions(item, id));
}

function dependsOn(resource) {
  return [].concat(resource.DependsOn || []);
}

// Point a function's resources at its own role: the function's Role (a GetAtt, so no DependsOn: cfn-lint W3005)
// and its event source mappings' DependsOn (they need the role's queue permissions before they are created).
function rewire(resources, fn, id) {
  const lambda = resources[fn.functionId];
  lambda.Properties.Role = { 'Fn::GetAtt': [id, 'Arn'] };
  lambda.DependsOn = dependsOn(lambda).filter((dep) => dep !== SHARED && dep !== id);
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping' || !mentions(resource.Properties.FunctionName, fn.functionId)) continue;
    resource.DependsOn = [...new Set(dependsOn(resource).map((dep) => (dep === SHARED ? id : dep)).concat(id))];
  }
}

function warmerRole(warmer, warmed, shared) {
  const group = `/aws/lambda/${warmer.fullName}`;
  return {
    Type: 'AWS::IAM::Role',
    Properties: inherit({
      AssumeRolePolicyDocument: assumeLambda(),
      Policies: [
        {
          PolicyName: 'warmer',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logArn(group, ':*')] },
              { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: warmed.map((fn) => ({ 'Fn::GetAtt': [fn.functionId, 'Arn'] })) },
            ],
          },
        },
      ],
    }, shared),
  };
}

function apply({ functions, template, config, iam, warmed }) {
  const resources = template.Resources;
  const shared = resources[SHARED];
  for (const fn of functions.filter((f) => f.ownRole && (f.statements || []).length)) {
    throw new Error(`functions.${fn.name}: slsguard.statements go into the role the rails build, but its role is not theirs (\`role\`, or provider.iam.role naming one); put them there.`);
  }
  for (const fn of functions.filter((f) => !f.warmer && !f.ownRole && resources[f.functionId])) {
    const unsupported = [...fn.kinds.filter((kind) => UNSUPPORTED.has(kind)).map((kind) => `${kind} event`), ...(fn.ownRoleNeeds || [])];
    if (unsupported.length) {
      const verb = unsupported.length === 1 ? 'needs' : 'need';
      throw new Error(`functions.${fn.name}: its ${unsupported.join(', ')} ${verb} permissions the rails do not grant; give it its own \`role\`.`);
    }
    const target = (resources[fn.functionId].Properties.DeadLetterConfig || {}).TargetArn;
    const failureQueue = target && target['Fn::GetAtt'] ? target['Fn::GetAtt'][0] : undefined;
    resources[roleId(fn)] = functionRole(fn, { iam: iam || {}, database: config.database, failureQueue }, shared);
    rewire(resources, fn, roleId(fn));
  }
  const warmer = functions.find((f) => f.warmer && resources[f.functionId]);
  if (warmer && config.warmerRole) {
    resources[config.warmerRole] = warmerRole(warmer, warmed || [], shared);
    rewire(resources, warmer, config.warmerRole);
  }
  if (shared) {
    const rest = Object.entries(resources).filter(([id]) => id !== SHARED);
    if (!rest.some(([, resource]) => mentions(resource, SHARED) || dependsOn(resource).includes(SHARED))) delete resources[SHARED];
  }
}

module.exports = { apply, statements, roleId, SHARED, VPC_POLICY };
