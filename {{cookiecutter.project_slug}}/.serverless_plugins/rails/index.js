'use strict';

// slsguard rails: rules every function of this service gets at package time, including functions added later.
// A function block needs only handler, events, timeout and reservedConcurrency; the rails add the rest.
// What each rail gives, and when it runs, is the table in table.js; one module per rail in rails/.
//
// custom.rails (declared below; configValidationMode: error rejects unknown keys):
//   alarmTopic: AlarmTopic          logical id of the SNS topic every alarm notifies (required)
//   durationAlarmPercent: 80        duration alarm at this % of each function's own timeout
//   coldStart: warmer               warmer | provisioned | snapstart | none, for every HTTP-triggered function
//   provisionedConcurrency: 1       with coldStart: provisioned
//   logQueries: true                saved Logs Insights queries over every function's log group
//   warmerRole: WarmerRole          logical id of the warmer's role (custom.warmup.<warmer>.role)
//   waf: {rateLimit: 1000} | none   REST API: a web ACL blocking a client IP above rateLimit requests per 5 minutes
//   auth: {type: cognito, userPool, userPoolClient} | {type: jwt, issuer, audience} | {type: iam | api-key} | none
//                                   the authorizer every http/httpApi route gets (rails/auth.js)
//   budget: {monthlyUsd: 50}        a monthly AWS Budgets cost budget notifying alarmTopic (and the alarm e-mail)
//   rollout: {deployment: Canary10Percent5Minutes}   HTTP functions shift traffic through CodeDeploy (rails/rollout.js)
//   retention: {skip: {Id: reason}} stateful resources are retained (rails/retention.js); skip names one that is not
//   database:                       only when the service has a database
//     statements: [...]             IAM statements a `slsguard.database: true` function gets
//     vpc: {subnetIds, securityGroupIds}   only when reaching the database needs the VPC
//     migrations: migrations/postgres      the folder Custom::Migrations' MigrationsHash is computed from
//
// Per function (functions.<name>.slsguard):
//   database: true                  the function uses the database (its statements, and its VPC if any)
//   skip: { coldStart: "reason" }   opt out of an optional rail, with the reason
//   public: "reason"                no authorizer on this function's routes; the reason goes into their Metadata
//   scopes: [orders/read]           OAuth scopes a token must carry on this function's routes (cognito, jwt)
//
// Logical ids (<Prefix> = the framework's normalized function name, e.g. SendEmail): <Prefix>IamRole,
// <Prefix>ErrorsAlarm, <Prefix>ThrottlesAlarm, <Prefix>DurationAlarm, <Prefix>FailureQueue,
// <Prefix>FailureQueueAlarm, <QueueId>Alarm for dead-letter queues, OneCorrelationIdQuery, ErrorsQuery,
// ColdStartsQuery, SlowestRequestsQuery. The shared IamRoleLambdaExecution is removed when unused.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { functionRecords } = require('./context');
const framework = require('./framework');
const endpoints = require('./rails/endpoints');
const prewarm = require('./rails/prewarm');
const requirementsInZip = require('./rails/requirements-in-zip');
const { zipEntries } = require('./rails/zip-entries');
const { RAILS } = require('./table');
const schema = require('./schema');

const HOOKS = {
  functions: 'before:package:initialize',
  core: 'after:package:initialize',
  template: 'after:aws:package:finalize:mergeCustomProviderResources',
  final: 'before:aws:package:finalize:stripNullPropsFromTemplateResources',
  // `osls offline` runs offline:start, `osls offline start` offline:start:init; the rail is idempotent.
  offline: ['before:offline:start', 'before:offline:start:init'],
};

// A function is warmed by warmer `name` when its own `enabled` (else the warmer's) says so for this stage: the
// rule of serverless-plugin-warmup 8 (getFunctionsByWarmer), whose pings the warmer's role must allow.
function warmedBy(fn, name, defaults, stage) {
  const own = (fn.warmup || {})[name] || {};
  const enabled = own.enabled !== undefined ? own.enabled : (defaults || {}).enabled;
  return enabled === true || enabled === 'true' || enabled === stage || (Array.isArray(enabled) && enabled.includes(stage));
}

// The shared AWS config file the SDK reads (AWS_CONFIG_FILE or ~/.aws/config), if there is one.
function sharedConfig(env) {
  const file = env.AWS_CONFIG_FILE || path.join(os.homedir(), '.aws', 'config');
  try {
    return { text: fs.readFileSync(file, 'utf8'), where: env.AWS_CONFIG_FILE ? file : '~/.aws/config' };
  } catch {
    return undefined;
  }
}

class Rails {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    const log = (utils && utils.log) || {};
    this.say = (line) => (log.notice ? log.notice(line) : console.log(line));
    this.warn = (line) => (log.warning ? log.warning(line) : console.warn(line));
    const schemas = serverless.configSchemaHandler;
    schemas.defineCustomProperties({ properties: { rails: schema.CUSTOM, restStageThrottling: schema.REST_THROTTLING } });
    schemas.defineFunctionProperties('aws', { properties: { slsguard: schema.FUNCTION } });
    const hooks = Object.entries(HOOKS).flatMap(([stage, names]) => [].concat(names).map((hook) => [hook, () => this.run(stage)]));
    this.hooks = Object.fromEntries(hooks);
    // Beyond the templates: the command guard and the prewarm takeover (initialize, every command), and the
    // requirements check once the artifacts are written (before:package:finalize, also inside deploy).
    this.hooks.initialize = () => this.initialize();
    this.hooks['before:package:finalize'] = () => this.checkRequirements();
  }

  fail(name, error) {
    throw new this.serverless.classes.Error(`rails (${name}): ${error.message}`, 'SLSGUARD_RAILS');
  }

  initialize() {
    const command = ((this.serverless.processedInput || {}).commands || [])[0];
    try {
      endpoints.guard({ command, env: process.env, log: this.say, config: sharedConfig(process.env) });
    } catch (error) {
      this.fail('endpoints', error);
    }
    const provider = this.serverless.getProvider('aws');
    const warmup = framework.warmupPlugin(this.serverless);
    if (warmup && framework.sdkV3Offered(provider)) this.takeOverPrewarm(warmup, provider);
  }

  // serverless-plugin-warmup's invokeWarmer calls the AWS SDK v2 request API, gone in osls 4: wherever the framework
  // offers SDK v3 clients (osls 4 and 3.77.1; one code path on both lines) its prewarm (after deploy, and
  // `osls warmup prewarm`) goes through rails/prewarm.js and the SDK v3 Lambda client instead.
  takeOverPrewarm(warmup, provider) {
    const invoke = framework.lambdaInvoker(provider);
    warmup.invokeWarmer = async (warmerName, warmerConfig) => {
      const functions = warmerConfig.functions || [];
      if (!functions.length) return;
      const warmer = (this.serverless.service.functions || {})[`warmUpPlugin${warmerName[0].toUpperCase()}${warmerName.slice(1)}`];
      const alias = ((warmer || {}).environment || {}).SERVERLESS_ALIAS;
      const [summary, ...failures] = prewarm.report(warmerName, functions.length, await prewarm.prewarm({ functions, invoke, alias }));
      this.say(summary);
      failures.forEach(this.warn);
    };
  }

  checkRequirements() {
    const service = this.serverless.service;
    const file = ((service.custom || {}).pythonRequirements || {}).fileName || 'requirements.txt';
    const requirementsPath = path.join(this.serverless.serviceDir, file);
    if (!fs.existsSync(requirementsPath)) return;
    try {
      const artifacts = framework.pythonArtifacts(this.serverless).map((artifact) => {
        if (!artifact.exists) throw new Error(`${artifact.file} was not written: nothing to compare with ${file}`);
        return { file: artifact.file, entries: zipEntries(fs.readFileSync(artifact.path)) };
      });
      const runtime = String(service.provider.runtime || '').replace(/^python/, '');
      const lines = requirementsInZip.check({ requirementsText: fs.readFileSync(requirementsPath, 'utf8'), pythonVersion: runtime, artifacts });
      lines.forEach(this.say);
    } catch (error) {
      this.fail('requirements', error);
    }
  }

  context() {
    const service = this.serverless.service;
    const provider = service.provider;
    const aws = this.serverless.getProvider('aws');
    const template = provider.compiledCloudFormationTemplate || { Resources: {} };
    const config = { ...schema.DEFAULTS, ...((service.custom || {}).rails || {}) };
    const stage = aws.getStage();
    const functions = functionRecords({ service: { ...service, provider: { ...provider, stage } }, naming: aws.naming, template });
    const warmDefaults = ((service.custom || {}).warmup || {}).default;
    return {
      env: process.env,
      functions,
      template,
      coreTemplate: provider.coreCloudFormationTemplate,
      provider,
      config,
      iam: (provider.iam && typeof provider.iam.role === 'object' && provider.iam.role) || {},
      warmed: functions.filter((fn) => !fn.warmer && warmedBy(service.functions[fn.name], 'default', warmDefaults, stage)),
      service: {
        name: service.service,
        dir: this.serverless.serviceDir,
        stage,
        functions: service.functions,
        environment: provider.environment,
        custom: service.custom || {},
        resources: service.resources,
        apiGatewayTracing: Boolean((provider.tracing || {}).apiGateway),
        logRetentionInDays: provider.logRetentionInDays,
      },
    };
  }

  run(stage) {
    const ctx = this.context();
    for (const { name, rail } of RAILS.filter((r) => r.stage === stage)) {
      let changedCore;
      try {
        changedCore = rail.apply(ctx);
      } catch (error) {
        throw new this.serverless.classes.Error(`rails (${name}): ${error.message}`, 'SLSGUARD_RAILS');
      }
      if (changedCore === true) this.writeCoreTemplate(ctx.coreTemplate);
    }
  }

  writeCoreTemplate(core) {
    const name = this.serverless.getProvider('aws').naming.getCoreTemplateFileName();
    this.serverless.utils.writeFileSync(path.join(this.serverless.serviceDir, '.serverless', name), core);
  }
}

module.exports = Rails;
module.exports.warmedBy = warmedBy;
