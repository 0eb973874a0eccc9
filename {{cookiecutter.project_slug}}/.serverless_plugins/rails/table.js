'use strict';

// The rails, in the order they run within a stage. `stage` says when:
//   functions  before the framework and other plugins read function settings (before:package:initialize)
//   core       on the create-stack template, once the framework wrote it (after:package:initialize)
//   template   on the compiled template once `resources` are merged, before split-stacks moves anything
//              (after:aws:package:finalize:mergeCustomProviderResources)
//   offline    `npm run offline` only, before serverless-offline reads the functions (before:offline:start)
//   final      on the finished root template, after split-stacks (before:aws:package:finalize:stripNullProps...)
// `optOut: true` rails can be skipped per function with slsguard.skip.<name>: "reason".
// `audit` names the rule(s) of `slsguard audit` (generator/audit) a rail satisfies: a function the rail did not
// reach (a template built without the plugin) is reported by them. `audit: null` with `unaudited`: why no rule
// judges it. tests/test_rails_plugin.py checks every id against the audit's registry, and that every rule of the
// audit's rails family (generator/audit/rails.py) is named here.

const RAILS = [
  { name: 'coldStart', stage: 'functions', optOut: true, rail: require('./rails/cold-start'), gives: 'HTTP functions: warmer, provisioned concurrency or SnapStart', audit: null, unaudited: "how to meet a cold start is the project's answer (custom.rails.coldStart), none included" },
  { name: 'rolloutWarmer', stage: 'functions', rail: { apply: require('./rails/rollout').warmAlias }, gives: 'with a rollout and the warmer: pings go to the alias that takes the traffic', audit: null, unaudited: 'which version the warmer pings; that it may invoke it is the roles rail (warmer-permission)' },
  { name: 'auth', stage: 'functions', rail: require('./rails/auth'), gives: "HTTP functions: the service's authorizer on every route (public only with slsguard.public: reason)", audit: ['rest-unauthenticated', 'http-api-unauthenticated'] },
  { name: 'databaseVpc', stage: 'functions', rail: require('./rails/vpc'), gives: "slsguard.database: true functions: the database's VPC", audit: 'vpc-without-need' },
  { name: 'deploymentBucket', stage: 'core', rail: require('./rails/deployment-bucket'), gives: 'the deployment bucket as hardened in both templates', audit: null, unaudited: 'the create-stack template is not audited; the compiled one gets the extensions from the framework' },
  { name: 'unshare', stage: 'template', rail: require('./rails/unshare'), gives: 'each resource its own objects, so split-stacks rewrites only what it moves', audit: null, unaudited: 'keeps the references split-stacks rewrites correct (cfn-lint E1020): nothing an audit rule judges' },
  { name: 'failureQueue', stage: 'template', rail: require('./rails/failure-queues'), gives: 'asynchronous functions: a failure queue (DeadLetterConfig)', audit: 'async-failure-destination' },
  { name: 'roles', stage: 'template', rail: require('./rails/roles'), gives: 'one least-privilege role per function; the warmer may invoke what it pings', audit: 'warmer-permission' },
  { name: 'alarms', stage: 'template', rail: require('./rails/alarms'), gives: 'errors, throttles, duration alarms; dead-letter queue alarms', audit: 'errors-alarm' },
  { name: 'logQueries', stage: 'template', rail: require('./rails/queries'), gives: 'saved Logs Insights queries over every log group', audit: null, unaudited: 'saved queries help people read the logs; no rule asks for them' },
  { name: 'scannerReasons', stage: 'template', rail: require('./rails/scanner'), gives: 'checkov skips with the reason that holds for each function', audit: null, unaudited: "checkov's skips with reasons; the audit has exemptions of its own" },
  { name: 'warmerLimits', stage: 'template', rail: require('./rails/warmer-limits'), gives: 'reserved concurrency for the warmer', audit: 'reserved-concurrency' },
  { name: 'restThrottling', stage: 'template', rail: require('./rails/rest-throttling'), gives: 'REST stage-wide throttling', audit: 'api-throttling' },
  { name: 'waf', stage: 'template', rail: require('./rails/waf'), gives: 'the REST API: a web ACL with a per-IP rate rule, AWS managed rules and logging', audit: 'rest-api-waf' },
  { name: 'migrations', stage: 'template', rail: require('./rails/migrations'), gives: 'Custom::Migrations: the hash of the migrations folder; database functions wait for it', audit: null, unaudited: 'deploy order (database functions wait for the migrations): nothing in a template to judge' },
  { name: 'budget', stage: 'template', rail: require('./rails/budget'), gives: 'a monthly cost budget notifying the alarm topic (and e-mail)', audit: null, unaudited: 'an account-wide cost budget; the audit judges what the template lets run up a bill' },
  { name: 'retention', stage: 'template', rail: require('./rails/retention'), gives: 'stateful resources: DeletionPolicy and UpdateReplacePolicy Retain (Snapshot where supported)', audit: 'stateful-retention' },
  { name: 'authRecord', stage: 'template', rail: require('./rails/auth').recorder, gives: 'public routes: the reason in their Metadata, for the audit', audit: ['rest-unauthenticated', 'http-api-unauthenticated'] },
  { name: 'rollout', stage: 'template', optOut: true, rail: require('./rails/rollout'), gives: 'HTTP functions: traffic shifted by CodeDeploy, rolled back on their errors or duration alarm', audit: null, unaudited: 'how new code reaches traffic; no rule judges a deployment strategy' },
  { name: 'boundary', stage: 'template', rail: require('./rails/boundary'), gives: "every IAM role: the service's permissions boundary (provider.iam.role.permissionsBoundary), rails' roles and resources: alike", audit: null, unaudited: "which boundary an account requires is the account's; the bootstrap's execution role refuses a role without it" },
  { name: 'dependsOn', stage: 'final', rail: require('./rails/depends-on'), gives: 'no DependsOn that a Ref or GetAtt already implies (cfn-lint W3005)', audit: null, unaudited: 'template hygiene (cfn-lint W3005)' },
  { name: 'authOffline', stage: 'offline', rail: require('./rails/auth').offlineRail, gives: 'npm run offline: every protected route checks tokens of the local issuer as API Gateway would', audit: null, unaudited: 'npm run offline only: nothing is packaged' },
  { name: 'offlineEnv', stage: 'offline', rail: require('./rails/offline-env'), gives: 'npm run offline: the shell (.env) wins over serverless.yml; deploy-time references left out', audit: null, unaudited: 'npm run offline only: nothing is packaged' },
];

const OPT_OUTS = RAILS.filter((r) => r.optOut).map((r) => r.name);

module.exports = { RAILS, OPT_OUTS };
