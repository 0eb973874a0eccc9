'use strict';

// The config schema the rails plugin declares: custom.rails and the per-function `slsguard` property.
// With configValidationMode: error, a typo in either stops the command.

const { OPT_OUTS } = require('./table');

const reason = { type: 'string', pattern: '\\S' };

const CUSTOM = {
  type: 'object',
  properties: {
    alarmTopic: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
    durationAlarmPercent: { type: 'integer', minimum: 1, maximum: 100 },
    coldStart: { enum: ['warmer', 'provisioned', 'snapstart', 'none'] },
    provisionedConcurrency: { type: 'integer', minimum: 1 },
    logQueries: { type: 'boolean' },
    warmerRole: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
    // generator.answers.limits.WAF_RATE_LIMIT_MIN / _MAX
    waf: {
      anyOf: [
        { const: 'none' },
        {
          type: 'object',
          properties: { rateLimit: { type: 'integer', minimum: 10, maximum: 2000000000 } },
          required: ['rateLimit'],
          additionalProperties: false,
        },
      ],
    },
    // Who may call the API (rails/auth.js): none, or the authorizer every http/httpApi route gets.
    auth: {
      anyOf: [
        { const: 'none' },
        {
          type: 'object',
          properties: {
            type: { enum: ['cognito', 'jwt', 'iam', 'api-key', 'none'] },
            userPool: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
            userPoolClient: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
            // An issuer over plain http would let anyone on the path swap its signing keys.
            issuer: { type: 'string', pattern: '^https://\\S+$' },
            audience: { anyOf: [{ type: 'string', pattern: '\\S' }, { type: 'array', minItems: 1, items: { type: 'string', pattern: '\\S' } }] },
          },
          required: ['type'],
          additionalProperties: false,
          allOf: [
            { if: { properties: { type: { const: 'cognito' } } }, then: { required: ['userPool', 'userPoolClient'] } },
            { if: { properties: { type: { const: 'jwt' } } }, then: { required: ['issuer', 'audience'] } },
          ],
        },
      ],
    },
    budget: {
      type: 'object',
      properties: { monthlyUsd: { type: 'number', exclusiveMinimum: 0 } },
      required: ['monthlyUsd'],
      additionalProperties: false,
    },
    // rails/rollout.js: CodeDeploy's predefined Lambda configurations (CodeDeployDefault.Lambda<deployment>).
    rollout: {
      type: 'object',
      properties: {
        deployment: {
          enum: [
            'Canary10Percent5Minutes',
            'Canary10Percent10Minutes',
            'Canary10Percent15Minutes',
            'Canary10Percent30Minutes',
            'Linear10PercentEvery1Minute',
            'Linear10PercentEvery2Minutes',
            'Linear10PercentEvery3Minutes',
            'Linear10PercentEvery10Minutes',
          ],
        },
      },
      required: ['deployment'],
      additionalProperties: false,
    },
    // rails/retention.js: {skip: {LogicalId: "reason"}} leaves a stateful resource's deletion to CloudFormation.
    retention: {
      type: 'object',
      properties: { skip: { type: 'object', additionalProperties: reason } },
      additionalProperties: false,
    },
    database: {
      type: 'object',
      properties: {
        statements: { type: 'array', items: { type: 'object' } },
        vpc: { type: 'object' },
        migrations: { type: 'string', pattern: '\\S' },
      },
      additionalProperties: false,
    },
  },
  required: ['alarmTopic'],
  additionalProperties: false,
};

const FUNCTION = {
  type: 'object',
  properties: {
    database: { type: 'boolean' },
    // IAM statements for this function's role only (provider.iam.role.statements go into every role).
    statements: { type: 'array', minItems: 1, items: { type: 'object', required: ['Effect'] } },
    // This function's routes stay public (no authorizer), with the reason the audit reports.
    public: reason,
    // OAuth scopes a token must carry on this function's routes (auth cognito or jwt).
    scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^\\S+$' } },
    skip: {
      type: 'object',
      properties: Object.fromEntries(OPT_OUTS.map((name) => [name, reason])),
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

// custom.restStageThrottling (requests/s and burst), read by rails/rest-throttling.js.
const REST_THROTTLING = {
  type: 'object',
  properties: { rateLimit: { type: 'integer', minimum: 1 }, burstLimit: { type: 'integer', minimum: 1 } },
  required: ['rateLimit', 'burstLimit'],
  additionalProperties: false,
};

const DEFAULTS = { durationAlarmPercent: 80, coldStart: 'none', provisionedConcurrency: 1, logQueries: true };

module.exports = { CUSTOM, FUNCTION, REST_THROTTLING, DEFAULTS };
