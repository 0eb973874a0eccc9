'use strict';

// The migrations rail: MigrationsHash follows the folder's files, and database functions wait for the migrations.
// (slsguard's own tests compare the hash with `python -m <package>.migrate --hash` on the same folders.)

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { naming, service, compiled, FUNCTIONS } = require('./helpers');
const { functionRecords } = require('../context');
const migrations = require('../rails/migrations');
const { DEFAULTS } = require('../schema');

function folder(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function context(dir, { functions = structuredClone(FUNCTIONS), migrationsConfig = dir } = {}) {
  functions.migrate = { handler: 'pkg/migrate_resource.handler', timeout: 900, slsguard: { database: true } };
  functions.api.slsguard = { database: true };
  functions.worker.slsguard = { database: true };
  const svc = service(functions);
  const template = compiled(functions, {
    resources: {
      Migrations: {
        Type: 'Custom::Migrations',
        Properties: { ServiceToken: { 'Fn::GetAtt': ['MigrateLambdaFunction', 'Arn'] }, ServiceTimeout: 960, MigrationsHash: 'placeholder' },
      },
    },
  });
  return {
    functions: functionRecords({ service: svc, naming, template }),
    template,
    config: { ...DEFAULTS, alarmTopic: 'AlarmTopic', database: migrationsConfig ? { migrations: migrationsConfig } : {} },
    service: { name: 'svc', stage: 'dev', dir: os.tmpdir(), functions, custom: {}, resources: {} },
  };
}

test('the hash is set on Custom::Migrations and changes when a file is edited or added', () => {
  const dir = folder({ '0001_create_items.sql': 'CREATE TABLE items (id int);\n' });
  const ctx = context(dir);
  migrations.apply(ctx);
  const first = ctx.template.Resources.Migrations.Properties.MigrationsHash;
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(ctx.template.Resources.Migrations.Properties.ServiceTimeout, 960, 'the other properties stay');
  fs.writeFileSync(path.join(dir, '0001_create_items.sql'), 'CREATE TABLE items (id bigint);\n');
  const edited = migrations.migrationsHash(dir);
  fs.writeFileSync(path.join(dir, '0002_add_name.sql'), 'ALTER TABLE items ADD name text;\n');
  const added = migrations.migrationsHash(dir);
  assert.equal(new Set([first, edited, added]).size, 3);
  fs.writeFileSync(path.join(dir, 'README.md'), 'not a migration');
  assert.equal(migrations.migrationsHash(dir), added, 'files other than .sql do not count');
});

test('the hash depends on names and contents, not on the order files were written', () => {
  const a = folder({ '0001_a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 2;' });
  const b = folder({ '0002_b.sql': 'SELECT 2;', '0001_a.sql': 'SELECT 1;' });
  const renamed = folder({ '0001_a.sql': 'SELECT 1;', '0003_b.sql': 'SELECT 2;' });
  assert.equal(migrations.migrationsHash(a), migrations.migrationsHash(b));
  assert.notEqual(migrations.migrationsHash(a), migrations.migrationsHash(renamed));
});

test('database functions depend on the migrations; the function serving them and the others do not', () => {
  const ctx = context(folder({ '0001_a.sql': 'SELECT 1;' }));
  migrations.apply(ctx);
  const r = ctx.template.Resources;
  assert.ok(r.ApiLambdaFunction.DependsOn.includes('Migrations'));
  assert.ok(r.WorkerLambdaFunction.DependsOn.includes('Migrations'));
  assert.ok(r.ApiLambdaFunction.DependsOn.includes('ApiLogGroup'), 'existing entries stay');
  assert.ok(!r.MigrateLambdaFunction.DependsOn.includes('Migrations'), 'no cycle through the ServiceToken');
  assert.ok(!r.ReportLambdaFunction.DependsOn.includes('Migrations'), 'report does not use the database');
  migrations.apply(ctx);
  assert.equal(r.ApiLambdaFunction.DependsOn.filter((d) => d === 'Migrations').length, 1, 'applied twice, listed once');
});

test('what the runner refuses stops packaging too, naming the file or folder', () => {
  assert.throws(() => migrations.migrationsHash(path.join(os.tmpdir(), 'no-such-folder-xyz')), /no migrations folder at .*no-such-folder-xyz/);
  assert.throws(() => migrations.migrationsHash(folder({ '0001_a.sql': '', '2_b.sql': '' })), /2_b\.sql in .*NNNN_what\.sql/);
  assert.throws(() => migrations.migrationsHash(folder({ '0001_a.sql': '', '0001_b.sql': '' })), /share the number 0001/);
  assert.throws(() => migrations.apply(context(folder({}), { migrationsConfig: '' })), /Migrations \(Custom::Migrations\) needs custom\.rails\.database\.migrations/);
});

test('no Custom::Migrations resource: nothing to do, no folder needed', () => {
  const ctx = context(undefined, { migrationsConfig: '' });
  delete ctx.template.Resources.Migrations;
  migrations.apply(ctx);
  assert.ok(!ctx.template.Resources.ApiLambdaFunction.DependsOn.includes('Migrations'));
});
