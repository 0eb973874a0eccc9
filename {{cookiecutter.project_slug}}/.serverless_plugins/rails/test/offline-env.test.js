'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const offlineEnv = require('../rails/offline-env');

test('offline: the shell wins, deploy-time references are left out, the rest stays', () => {
  const environment = { DB_ENGINE: 'postgres', DB_NAME: 'svc', DB_HOST: { Ref: 'DbHost' }, DB_SECRET_ARN: { Ref: 'DbSecretArn' }, LOG: 'DEBUG' };
  const functions = { api: { environment: { TABLE: { Ref: 'Table' }, MODE: 'x' } }, worker: {} };
  offlineEnv.apply({ service: { environment, functions }, env: { DB_NAME: 'app', DB_HOST: '127.0.0.1' } });
  assert.deepEqual(environment, { DB_ENGINE: 'postgres', LOG: 'DEBUG' });
  assert.deepEqual(functions.api.environment, { MODE: 'x' });
});
