'use strict';

// The rails, in the order they run within a stage. `stage` says when:
//   functions  before the framework and other plugins read function settings (before:package:initialize)
//   core       on the create-stack template, once the framework wrote it (after:package:initialize)
//   template   on the compiled template once `resources` are merged, before split-stacks moves anything
//              (after:aws:package:finalize:mergeCustomProviderResources)
//   offline    `npm run offline` only, before serverless-offline reads the functions (before:offline:start)
//   final      on the finished root template, after split-stacks (before:aws:package:finalize:stripNullProps...)
// `optOut: true` rails can be skipped per function with slsguard.skip.<name>: "reason".

const RAILS = [
  { name: 'coldStart', stage: 'functions', optOut: true, rail: require('./rails/cold-start'), gives: 'HTTP functions: warmer, provisioned concurrency or SnapStart' },
  { name: 'rolloutWarmer', stage: 'functions', rail: { apply: require('./rails/rollout').warmAlias }, gives: 'with a rollout and the warmer: pings go to the alias that takes the traffic' },
  { name: 'auth', stage: 'functions', rail: require('./rails/auth'), gives: "HTTP functions: the service's authorizer on every route (public only with slsguard.public: reason)" },
  { name: 'databaseVpc', stage: 'functions', rail: require('./rails/vpc'), gives: "slsguard.database: true functions: the database's VPC" },
  { name: 'deploymentBucket', stage: 'core', rail: require('./rails/deployment-bucket'), gives: 'the deployment bucket as hardened in both templates' },
  { name: 'unshare', stage: 'template', rail: require('./rails/unshare'), gives: 'each resource its own objects, so split-stacks rewrites only what it moves' },
  { name: 'failureQueue', stage: 'template', rail: require('./rails/failure-queues'), gives: 'asynchronous functions: a failure queue (DeadLetterConfig)' },
  { name: 'roles', stage: 'template', rail: require('./rails/roles'), gives: 'one least-privilege role per function; the warmer may invoke what it pings' },
  { name: 'alarms', stage: 'template', rail: require('./rails/alarms'), gives: 'errors, throttles, duration alarms; dead-letter queue alarms' },
  { name: 'logQueries', stage: 'template', rail: require('./rails/queries'), gives: 'saved Logs Insights queries over every log group' },
  { name: 'scannerReasons', stage: 'template', rail: require('./rails/scanner'), gives: 'checkov skips with the reason that holds for each function' },
  { name: 'warmerLimits', stage: 'template', rail: require('./rails/warmer-limits'), gives: 'reserved concurrency for the warmer' },
  { name: 'restThrottling', stage: 'template', rail: require('./rails/rest-throttling'), gives: 'REST stage-wide throttling' },
  { name: 'waf', stage: 'template', rail: require('./rails/waf'), gives: 'the REST API: a web ACL with a per-IP rate rule, AWS managed rules and logging' },
  { name: 'migrations', stage: 'template', rail: require('./rails/migrations'), gives: 'Custom::Migrations: the hash of the migrations folder; database functions wait for it' },
  { name: 'budget', stage: 'template', rail: require('./rails/budget'), gives: 'a monthly cost budget notifying the alarm topic (and e-mail)' },
  { name: 'retention', stage: 'template', rail: require('./rails/retention'), gives: 'stateful resources: DeletionPolicy and UpdateReplacePolicy Retain (Snapshot where supported)' },
  { name: 'authRecord', stage: 'template', rail: require('./rails/auth').recorder, gives: 'public routes: the reason in their Metadata, for the audit' },
  { name: 'rollout', stage: 'template', optOut: true, rail: require('./rails/rollout'), gives: 'HTTP functions: traffic shifted by CodeDeploy, rolled back on their errors or duration alarm' },
  { name: 'dependsOn', stage: 'final', rail: require('./rails/depends-on'), gives: 'no DependsOn that a Ref or GetAtt already implies (cfn-lint W3005)' },
  { name: 'authOffline', stage: 'offline', rail: require('./rails/auth').offlineRail, gives: 'npm run offline: every protected route checks tokens of the local issuer as API Gateway would' },
  { name: 'offlineEnv', stage: 'offline', rail: require('./rails/offline-env'), gives: 'npm run offline: the shell (.env) wins over serverless.yml; deploy-time references left out' },
];

const OPT_OUTS = RAILS.filter((r) => r.optOut).map((r) => r.name);

module.exports = { RAILS, OPT_OUTS };
