'use strict';

// The plain data every rail reads: one record per function (names, logical ids, trigger kinds, timeout,
// VPC, opt-outs) built from serverless.service and the compiled template, so rails never touch the framework.

// Trigger kinds by how Lambda is invoked (AWS Lambda developer guide, "Invoking Lambda functions").
const SYNC_EVENTS = new Set(['http', 'httpApi', 'alb', 'websocket', 'cognitoUserPool', 'alexaSkill', 'alexaSmartHome']);
const POLL_EVENTS = new Set(['sqs', 'stream', 'msk', 'kafka', 'activemq', 'rabbitmq']);
const HTTP_EVENTS = new Set(['http', 'httpApi']);
const DEFAULT_TIMEOUT_S = 6; // the framework's default function timeout
const WARMER_PREFIX = 'warmUpPlugin'; // serverless-plugin-warmup names its functions warmUpPlugin<Warmer>

// An `http` event with `async: true` is invoked asynchronously by API Gateway: it counts as its own kind.
function eventKinds(fn) {
  return (fn.events || [])
    .map((event) => {
      const kind = Object.keys(event || {})[0];
      return kind === 'http' && event.http && event.http.async === true ? 'httpAsync' : kind;
    })
    .filter(Boolean);
}

// Settings for which the framework grants permissions only in the shared role, which the roles rail replaces.
function ownRoleNeeds(fn) {
  const needs = [];
  if (fn.destinations) needs.push('destinations');
  if (fn.onError) needs.push('onError');
  for (const event of fn.events || []) {
    const stream = event && typeof event.stream === 'object' ? event.stream : null;
    if (stream && stream.destinations) needs.push('stream destinations');
    if (stream && stream.consumer) needs.push('Kinesis consumer');
  }
  return needs;
}

function sqsArns(fn) {
  return (fn.events || [])
    .filter((event) => event && event.sqs)
    .map((event) => (typeof event.sqs === 'string' || !event.sqs.arn ? event.sqs : event.sqs.arn));
}

function streamArns(fn) {
  return (fn.events || [])
    .filter((event) => event && event.stream)
    .map((event) => ({
      arn: typeof event.stream === 'string' ? event.stream : event.stream.arn,
      type: typeof event.stream === 'string' ? (event.stream.includes(':kinesis:') ? 'kinesis' : 'dynamodb') : event.stream.type || 'dynamodb',
    }));
}

// In a VPC: what the framework compiled when it did, else what the settings say (empty subnets mean outside).
function inVpc(compiled, settings) {
  const subnets = compiled ? compiled.SubnetIds : settings && settings.subnetIds;
  return Boolean(subnets && (!Array.isArray(subnets) || subnets.length));
}

// kinds -> 'http' (synchronous), 'queue' (polled) or 'async' (anything that may be invoked asynchronously, or
// nothing declared at all: a failure queue costs nothing until something fails).
function triggerOf(kinds) {
  if (kinds.length && kinds.every((kind) => SYNC_EVENTS.has(kind))) return 'http';
  if (kinds.length && kinds.every((kind) => POLL_EVENTS.has(kind))) return 'queue';
  return 'async';
}

/** One record per function of the service; `naming` is the framework's (or a stand-in with the same rules). */
function functionRecords({ service, naming, template }) {
  const provider = service.provider || {};
  const resources = template.Resources || {};
  return Object.entries(service.functions || {}).map(([name, fn]) => {
    const prefix = naming.getNormalizedFunctionName(name);
    const functionId = naming.getLambdaLogicalId(name);
    const compiled = (resources[functionId] || {}).Properties || {};
    const kinds = eventKinds(fn);
    const settings = fn.slsguard || {};
    const vpc = fn.vpc || provider.vpc;
    return {
      name,
      fullName: fn.name || `${service.service}-${provider.stage}-${name}`,
      prefix,
      functionId,
      logGroupId: naming.getLogGroupLogicalId(name),
      warmer: name.startsWith(WARMER_PREFIX),
      kinds,
      trigger: triggerOf(kinds),
      http: kinds.some((kind) => HTTP_EVENTS.has(kind)),
      sqs: sqsArns(fn),
      streams: streamArns(fn),
      timeout: Number(compiled.Timeout || fn.timeout || provider.timeout || DEFAULT_TIMEOUT_S),
      inVpc: inVpc(compiled.VpcConfig, vpc),
      tracing: Boolean(fn.tracing || (provider.tracing && provider.tracing.lambda)),
      database: settings.database === true,
      statements: settings.statements || [],
      skip: settings.skip || {},
      public: settings.public,
      scopes: settings.scopes,
      ownRoleNeeds: ownRoleNeeds(fn),
      ownRole: 'role' in fn || Boolean(provider.iam && provider.iam.role && typeof provider.iam.role === 'string'),
      disableLogs: Boolean(fn.disableLogs),
    };
  });
}

module.exports = { functionRecords, triggerOf, eventKinds, SYNC_EVENTS, POLL_EVENTS, HTTP_EVENTS, WARMER_PREFIX };
