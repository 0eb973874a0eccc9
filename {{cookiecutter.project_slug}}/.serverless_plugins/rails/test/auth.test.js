'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { naming, service, compiled } = require('./helpers');
const { functionRecords } = require('../context');
const auth = require('../rails/auth');
const { RAILS } = require('../table');

const COGNITO = { type: 'cognito', userPool: 'UserPool', userPoolClient: 'UserPoolClient' };
const JWT = { type: 'jwt', issuer: 'https://id.example.com/', audience: 'https://api.example.com' };

function functions(kind) {
  const event = kind === 'http' ? { http: { path: '/', method: 'any' } } : { httpApi: '*' };
  return {
    api: { handler: 'pkg/api.handler', events: [event] },
    orders: { handler: 'pkg/orders.handler', events: [kind === 'http' ? { http: 'GET /orders' } : { httpApi: 'GET /orders' }], slsguard: { scopes: ['orders/read'] } },
    health: { handler: 'pkg/health.handler', events: [kind === 'http' ? { http: { path: '/health', method: 'get' } } : { httpApi: { path: '/health', method: 'GET' } }], slsguard: { public: 'load balancer health checks carry no token' } },
    worker: { handler: 'pkg/worker.handler', events: [{ sqs: { arn: 'arn:aws:sqs:us-east-1:123456789012:q' } }] },
  };
}

function run(kind, config) {
  const fns = functions(kind);
  const svc = service(fns);
  const ctx = { functions: functionRecords({ service: svc, naming, template: compiled(fns) }), config: { auth: config }, service: { functions: fns }, provider: svc.provider };
  auth.apply(ctx);
  return { fns, provider: svc.provider, ctx };
}

const events = (fns, name) => fns[name].events;

test('the auth rail runs before the framework compiles events, and records public routes on the template', () => {
  assert.equal(RAILS.find((r) => r.name === 'auth').stage, 'functions');
  assert.equal(RAILS.find((r) => r.name === 'authRecord').stage, 'template');
});

test('HTTP API + cognito: a JWT authorizer on the user pool, every route but the public one, scopes kept', () => {
  const { fns, provider } = run('httpApi', COGNITO);
  assert.deepEqual(events(fns, 'api'), [{ httpApi: { path: '*', authorizer: { name: auth.AUTHORIZER } } }]);
  assert.deepEqual(events(fns, 'orders'), [{ httpApi: { method: 'GET', path: '/orders', authorizer: { name: auth.AUTHORIZER, scopes: ['orders/read'] } } }]);
  assert.deepEqual(events(fns, 'health'), [{ httpApi: { path: '/health', method: 'GET' } }]);
  assert.deepEqual(events(fns, 'worker'), functions('httpApi').worker.events);
  const authorizer = provider.httpApi.authorizers[auth.AUTHORIZER];
  assert.equal(authorizer.type, 'jwt');
  assert.deepEqual(authorizer.audience, [{ Ref: 'UserPoolClient' }]);
  assert.deepEqual(authorizer.issuerUrl['Fn::Join'][1].at(-1), { Ref: 'UserPool' });
});

test('HTTP API + jwt: the issuer and audience from the settings', () => {
  const { provider } = run('httpApi', JWT);
  const authorizer = provider.httpApi.authorizers[auth.AUTHORIZER];
  assert.equal(authorizer.issuerUrl, JWT.issuer);
  assert.deepEqual(authorizer.audience, [JWT.audience]);
});

test('iam: aws_iam on both API kinds; scopes are refused with the fix', () => {
  assert.throws(() => run('httpApi', { type: 'iam' }), /functions\.orders\.slsguard\.scopes needs auth cognito or jwt/);
  const fns = functions('http');
  delete fns.orders.slsguard;
  const svc = service(fns);
  auth.apply({ functions: functionRecords({ service: svc, naming, template: compiled(fns) }), config: { auth: { type: 'iam' } }, service: { functions: fns }, provider: svc.provider });
  assert.deepEqual(events(fns, 'api'), [{ http: { path: '/', method: 'any', authorizer: 'aws_iam' } }]);
  assert.deepEqual(events(fns, 'orders'), [{ http: { method: 'GET', path: '/orders', authorizer: 'aws_iam' } }]);
  assert.equal(svc.provider.httpApi, undefined);
});

test('REST + cognito: a COGNITO_USER_POOLS authorizer on the pool; the public function stays open', () => {
  const { fns, provider } = run('http', COGNITO);
  const [{ http }] = events(fns, 'orders');
  assert.deepEqual(http.authorizer, { name: auth.AUTHORIZER, type: 'COGNITO_USER_POOLS', arn: { 'Fn::GetAtt': ['UserPool', 'Arn'] }, scopes: ['orders/read'] });
  assert.equal(events(fns, 'health')[0].http.authorizer, undefined);
  assert.equal(provider.httpApi, undefined);
});

test('REST + api-key: private: true; jwt on REST and api-key on an HTTP API are refused', () => {
  const fns = functions('http');
  delete fns.orders.slsguard;
  const svc = service(fns);
  auth.apply({ functions: functionRecords({ service: svc, naming, template: compiled(fns) }), config: { auth: { type: 'api-key' } }, service: { functions: fns }, provider: svc.provider });
  assert.equal(events(fns, 'api')[0].http.private, true);
  assert.equal(events(fns, 'health')[0].http.private, undefined);
  assert.throws(() => run('http', JWT), /no JWT authorizer/);
  assert.throws(() => auth.forEvent({ type: 'api-key' }, 'httpApi', undefined, 'api'), /HTTP APIs have none/);
});

test('an event with its own authorizer keeps it; applying twice changes nothing more', () => {
  const { fns, ctx } = run('httpApi', COGNITO);
  fns.api.events = [{ httpApi: { path: '/mine', method: 'GET', authorizer: { type: 'aws_iam' } } }];
  const before = structuredClone(fns);
  auth.apply(ctx);
  assert.deepEqual(fns, before);
});

test('auth none changes no event; every route is recorded public by the answer', () => {
  const { fns } = run('httpApi', 'none');
  assert.deepEqual(fns, functions('httpApi'));
});

test('record: the public reason lands in the Metadata of the routes and methods that invoke the function', () => {
  const template = {
    Resources: {
      HttpApiRouteGetHealth: { Type: 'AWS::ApiGatewayV2::Route', Properties: { Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationHealth' }]] } } },
      HttpApiRouteDefault: { Type: 'AWS::ApiGatewayV2::Route', Properties: { Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationApi' }]] } } },
      ApiGatewayMethodHealthGet: {
        Type: 'AWS::ApiGateway::Method',
        Properties: { AuthorizationType: 'NONE', Integration: { Uri: { 'Fn::Join': ['', ['arn:', { 'Fn::GetAtt': ['HealthLambdaFunction', 'Arn'] }]] } } },
      },
    },
  };
  const fns = functions('httpApi');
  const records = functionRecords({ service: service(fns), naming, template: compiled(fns) });
  auth.record({ functions: records, config: { auth: COGNITO }, template });
  assert.deepEqual(template.Resources.HttpApiRouteGetHealth.Metadata.slsguard, { public: 'load balancer health checks carry no token' });
  assert.equal(template.Resources.ApiGatewayMethodHealthGet.Metadata.slsguard.public, 'load balancer health checks carry no token');
  assert.equal(template.Resources.ApiGatewayMethodHealthGet.Metadata.checkov.skip[0].id, 'CKV_AWS_59');
  assert.equal(template.Resources.HttpApiRouteDefault.Metadata, undefined);
  auth.record({ functions: records, config: { auth: 'none' }, template });
  assert.equal(template.Resources.HttpApiRouteDefault.Metadata.slsguard.public, auth.PUBLIC_BY_ANSWER);
});

test('the local issuer: API Gateway JWT checks on tokens signed with the local key (what npm run offline trusts)', () => {
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const issuer = require('../local-issuer');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'issuer-'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc' }));
  const token = (...args) => issuer.cli(args, root);
  const { publicKey } = issuer.keys(root);
  const check = (t, scopes) => issuer.verify(t, { publicKey, issuer: issuer.issuerOf('svc'), audience: issuer.audienceOf('svc'), scopes });
  assert.equal(fs.statSync(path.join(root, issuer.DIR, 'private.pem')).mode & 0o777, 0o600);
  const good = check(`Bearer ${token('--sub', 'alice', '--scope', 'orders/read')}`, ['orders/read']);
  assert.equal(good.claims.sub, 'alice');
  assert.deepEqual(check(token(), ['orders/read']), { status: 403, reason: 'missing scope' });
  assert.deepEqual(check(token('--expired')), { status: 401, reason: 'expired' });
  assert.deepEqual(check(token('--audience', 'other')), { status: 401, reason: 'wrong audience' });
  assert.deepEqual(check(token('--issuer', 'https://elsewhere.example/')), { status: 401, reason: 'wrong issuer' });
  assert.equal(check(token('--unsigned')).status, 401);
  assert.deepEqual(check(token('--foreign-key')), { status: 401, reason: 'bad signature' });
  assert.deepEqual(check(undefined), { status: 401, reason: 'no token' });
  assert.equal(check('a.b').status, 401);
});

test('offline: api-key routes get private: true (serverless-offline checks the key); token routes the local provider', () => {
  const fns = functions('http');
  delete fns.orders.slsguard;
  const svc = service(fns);
  const custom = {};
  const ctx = { functions: functionRecords({ service: svc, naming, template: compiled(fns) }), config: { auth: { type: 'api-key' } }, service: { functions: fns, custom, name: 'svc', dir: '/tmp' }, provider: svc.provider };
  auth.offline(ctx);
  assert.equal(events(fns, 'api')[0].http.private, true);
  assert.equal(custom.offline, undefined);
  const { fns: httpFns, ctx: httpCtx } = run('httpApi', COGNITO);
  Object.assign(httpCtx.service, { custom, name: 'svc', dir: '/tmp' });
  auth.offline(httpCtx);
  assert.equal(custom.offline.customAuthenticationProvider, './.serverless_plugins/rails/offline-auth.js');
  assert.equal(JSON.parse(process.env.SLSGUARD_LOCAL_AUTH).issuer, 'https://local-issuer.invalid/svc');
  assert.equal(httpFns.api.events[0].httpApi.authorizer.name, auth.AUTHORIZER);
});
