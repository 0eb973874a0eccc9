'use strict';

// Who may call the API (custom.rails.auth): every http (REST) and httpApi (HTTP API) event of every function gets
// the service's authorizer before the framework compiles the events, including functions added later by hand or
// with `slsguard add`. A function is public only with `slsguard: {public: "reason"}`; the reason goes into the
// Metadata of its compiled routes (record, at the template stage), where `slsguard audit` reports it as info.
// `slsguard: {scopes: [...]}` asks for OAuth scopes on the function's routes (cognito and jwt only).
//
//   type      HTTP API (httpApi events)                     REST API (http events)
//   cognito   JWT authorizer: the service's user pool       COGNITO_USER_POOLS authorizer on the user pool
//   jwt       JWT authorizer: issuer + audience (params)    refused: REST has no JWT authorizer (see generator/answers/rules.py)
//   iam       authorizer: {type: aws_iam}                   authorizer: aws_iam
//   api-key   refused: HTTP APIs have no API keys            private: true (an API key: metering, not authentication)
//   none      nothing: every route public, recorded          nothing: every route public, recorded
//
// An event that already names its own authorizer keeps it: that is an explicit choice, not a gap.

const AUTHORIZER = 'serviceAuthorizer'; // provider.httpApi.authorizers.<name>; REST's authorizer name
const OPEN_METHOD_CHECK = 'CKV_AWS_59';
const PUBLIC_BY_ANSWER = 'auth: none in custom.rails (the service was generated public on purpose)';

function cognitoIssuer(userPool) {
  return { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: userPool }]] };
}

// The httpApi authorizer (provider.httpApi.authorizers) the auth settings need, or undefined.
function httpApiAuthorizer(auth) {
  if (auth.type === 'cognito') return { type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl: cognitoIssuer(auth.userPool), audience: [{ Ref: auth.userPoolClient }] };
  if (auth.type === 'jwt') return { type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl: auth.issuer, audience: [].concat(auth.audience) };
  return undefined;
}

// What one event of `kind` gets for a function asking `scopes`; throws with the fix when it cannot work.
function forEvent(auth, kind, scopes, fnName) {
  const withScopes = (authorizer) => (scopes && scopes.length ? { ...authorizer, scopes } : authorizer);
  if (scopes && scopes.length && !['cognito', 'jwt'].includes(auth.type)) {
    throw new Error(`functions.${fnName}.slsguard.scopes needs auth cognito or jwt (custom.rails.auth is ${auth.type}): scopes are OAuth claims of a token; drop them or change auth.`);
  }
  if (kind === 'httpApi') {
    if (auth.type === 'api-key') throw new Error(`functions.${fnName}: an httpApi event cannot require an API key (HTTP APIs have none); set custom.rails.auth to cognito, jwt or iam.`);
    if (auth.type === 'iam') return { authorizer: { type: 'aws_iam' } };
    return { authorizer: withScopes({ name: AUTHORIZER }) };
  }
  if (auth.type === 'jwt') throw new Error(`functions.${fnName}: an http (REST) event has no JWT authorizer; use httpApi events, or custom.rails.auth cognito or iam.`);
  if (auth.type === 'iam') return { authorizer: 'aws_iam' };
  if (auth.type === 'api-key') return { private: true };
  return { authorizer: withScopes({ name: AUTHORIZER, type: 'COGNITO_USER_POOLS', arn: { 'Fn::GetAtt': [auth.userPool, 'Arn'] } }) };
}

// An httpApi event in object form (`httpApi: "*"` and `httpApi: "GET /x"` are shorthands).
function httpApiObject(value) {
  if (typeof value !== 'string') return value;
  if (value.trim() === '*') return { path: '*' };
  const [method, path] = value.trim().split(/\s+/);
  return { method, path };
}

function protectedEvents(fn) {
  return (fn.events || []).filter((event) => event && (event.http || event.httpApi));
}

function apply({ functions, config, service, provider }) {
  const auth = config.auth;
  if (!auth || auth === 'none' || auth.type === 'none') return;
  let httpApiUsed = false;
  for (const record of functions.filter((fn) => fn.http && !fn.public)) {
    const fn = service.functions[record.name];
    fn.events = (fn.events || []).map((event) => {
      const kind = event && event.httpApi ? 'httpApi' : event && event.http ? 'http' : null;
      if (!kind) return event;
      const body = kind === 'httpApi' ? httpApiObject(event.httpApi) : typeof event.http === 'string' ? httpShorthand(event.http) : event.http;
      if (body.authorizer || (kind === 'http' && auth.type === 'api-key' && body.private !== undefined)) return { [kind]: body };
      const added = forEvent(auth, kind, record.scopes, record.name);
      if (kind === 'httpApi' && added.authorizer.name) httpApiUsed = true;
      return { [kind]: { ...body, ...added } };
    });
  }
  const authorizer = httpApiAuthorizer(auth);
  if (httpApiUsed && authorizer) {
    provider.httpApi = provider.httpApi || {};
    provider.httpApi.authorizers = { [AUTHORIZER]: authorizer, ...(provider.httpApi.authorizers || {}) };
  }
}

// `http: "GET /x"` as an object.
function httpShorthand(value) {
  const [method, path] = value.trim().split(/\s+/);
  return { method, path };
}

// The compiled routes (HTTP API) and methods (REST) that invoke a function: by the integration the framework names
// after it (HTTP API) or the function's logical id in the method's integration URI (REST).
function routesOf(template, record) {
  const integration = `HttpApiIntegration${record.prefix}`;
  return Object.values(template.Resources || {}).filter((resource) => {
    if (!resource || !resource.Properties) return false;
    if (resource.Type === 'AWS::ApiGatewayV2::Route') return JSON.stringify(resource.Properties.Target || '').includes(`"${integration}"`);
    if (resource.Type === 'AWS::ApiGateway::Method') return JSON.stringify(resource.Properties.Integration || '').includes(`"${record.functionId}"`);
    return false;
  });
}

// Template stage: the reason a route is public, on the route itself (it travels with it into a nested stack).
function record({ functions, config, template }) {
  const everyone = !config.auth || config.auth === 'none' || config.auth.type === 'none';
  for (const fn of functions.filter((f) => f.http)) {
    const reason = fn.public || (everyone ? PUBLIC_BY_ANSWER : undefined);
    if (!reason) continue;
    for (const route of routesOf(template, fn)) {
      const metadata = (route.Metadata = { ...route.Metadata, slsguard: { ...((route.Metadata || {}).slsguard || {}), public: reason } });
      // checkov's open-method check (CKV_AWS_59) holds for a REST method public on purpose: say why, once.
      if (route.Type !== 'AWS::ApiGateway::Method') continue;
      const skips = ((metadata.checkov = { ...metadata.checkov }).skip = [...((metadata.checkov || {}).skip || [])]);
      if (!skips.some((s) => s.id === OPEN_METHOD_CHECK)) skips.push({ id: OPEN_METHOD_CHECK, comment: `Public on purpose: ${reason}` });
    }
  }
}

// `npm run offline`: the same authorizers on the same events, checked by offline-auth.js against the local issuer
// (local-issuer.js) instead of Cognito or the OIDC issuer, which a laptop cannot reach or sign for.
const OFFLINE_PROVIDER = './.serverless_plugins/rails/offline-auth.js';

function offline(ctx) {
  const auth = ctx.config.auth;
  if (!auth || auth === 'none' || auth.type === 'none') return;
  apply(ctx); // api-key: private: true, which serverless-offline checks itself
  if (auth.type === 'api-key') return;
  const { issuerOf, audienceOf } = require('../local-issuer');
  const custom = ctx.service.custom;
  custom.offline = { ...(custom.offline || {}), customAuthenticationProvider: OFFLINE_PROVIDER };
  process.env.SLSGUARD_LOCAL_AUTH = JSON.stringify({ type: auth.type, issuer: issuerOf(ctx.service.name), audience: audienceOf(ctx.service.name), root: ctx.service.dir });
}

module.exports = { apply, record, offline, offlineRail: { apply: offline }, forEvent, httpApiAuthorizer, protectedEvents, routesOf, AUTHORIZER, PUBLIC_BY_ANSWER, recorder: { apply: record } };
