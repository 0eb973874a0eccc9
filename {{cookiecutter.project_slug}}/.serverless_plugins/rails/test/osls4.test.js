'use strict';

// The rails that meet the framework lines (osls 4 and 3.x): the deploy guard on endpoint overrides, the SDK v3
// prewarm, and the package-time requirements check with its zip reader.

const test = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const endpoints = require('../rails/endpoints');
const prewarm = require('../rails/prewarm');
const requirements = require('../rails/requirements-in-zip');
const { zipEntries } = require('../rails/zip-entries');

test('endpoints: deploy refuses a loopback override, naming the variable', () => {
  const env = { AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_S3: 'https://s3.example.com' };
  assert.throws(() => endpoints.guard({ command: 'deploy', env, log: () => {} }), /^Error: deploy refused: AWS_ENDPOINT_URL_CLOUDFORMATION=http:\/\/127\.0\.0\.1:5000 .*unset AWS_ENDPOINT_URL_CLOUDFORMATION/);
  assert.throws(() => endpoints.guard({ command: 'remove', env: { AWS_ENDPOINT_URL: 'http://localhost:4566' }, log: () => {} }), /AWS_ENDPOINT_URL=http:\/\/localhost:4566/);
  endpoints.guard({ command: 'package', env, log: () => assert.fail('package is not guarded') });
  endpoints.guard({ command: 'deploy', env: { AWS_ENDPOINT_URL_S3: 'https://s3.example.com' }, log: () => assert.fail() });
});

test('endpoints: SLSGUARD_LOCAL_DEPLOY=1 deploys to the emulator on purpose, and says so', () => {
  const said = [];
  endpoints.guard({ command: 'deploy', env: { AWS_ENDPOINT_URL: 'http://[::1]:5000', SLSGUARD_LOCAL_DEPLOY: '1' }, log: (l) => said.push(l) });
  assert.match(said[0], /deploy goes to a local emulator \(AWS_ENDPOINT_URL=http:\/\/\[::1\]:5000\) because SLSGUARD_LOCAL_DEPLOY=1/);
  assert.throws(() => endpoints.guard({ command: 'deploy', env: { AWS_ENDPOINT_URL: 'http://127.0.0.1', SLSGUARD_LOCAL_DEPLOY: 'yes' }, log: () => {} }));
});

test('endpoints: what counts as loopback', () => {
  for (const url of ['http://127.0.0.1:1', 'http://127.9.9.9', 'http://localhost', 'http://LOCALHOST:9', 'http://[::1]:9', 'http://0.0.0.0:5000', 'http://moto.localhost']) {
    assert.equal(endpoints.isLoopback(url), true, url);
  }
  for (const url of ['https://cloudformation.us-east-1.amazonaws.com', 'http://10.0.0.5:5000', 'http://128.0.0.1', 'not a url', '']) {
    assert.equal(endpoints.isLoopback(url), false, url);
  }
});

test('prewarm: each function invoked concurrency times as the warmer does (payload, client context, alias)', async () => {
  const calls = [];
  const invoke = async (input) => {
    calls.push(input);
    return { StatusCode: 200 };
  };
  const payload = JSON.stringify({ source: 'serverless-plugin-warmup' });
  const functions = [
    { name: 'svc-dev-api', config: { payload, concurrency: 2 } },
    { name: 'svc-dev-admin', config: { payload, concurrency: 1, alias: 'live', clientContext: '{"a":1}' } },
  ];
  const outcome = await prewarm.prewarm({ functions, invoke, alias: undefined });
  assert.deepEqual(outcome, { invoked: 2, failed: [] });
  assert.deepEqual(calls.map((c) => c.FunctionName).sort(), ['svc-dev-admin', 'svc-dev-api', 'svc-dev-api']);
  const api = calls.find((c) => c.FunctionName === 'svc-dev-api');
  assert.equal(api.InvocationType, 'RequestResponse');
  assert.equal(Buffer.from(api.Payload).toString(), payload);
  assert.equal(Buffer.from(api.ClientContext, 'base64').toString(), `{"custom":${payload}}`);
  assert.equal(api.Qualifier, undefined);
  const admin = calls.find((c) => c.FunctionName === 'svc-dev-admin');
  assert.equal(admin.Qualifier, 'live');
  assert.equal(Buffer.from(admin.ClientContext, 'base64').toString(), '{"custom":{"a":1}}');
});

test('prewarm: a failed ping is reported by function, never thrown (the stack is already updated)', async () => {
  const invoke = async (input) => {
    if (input.FunctionName === 'b') throw new Error('AccessDeniedException: not allowed');
    if (input.FunctionName === 'c') return { StatusCode: 200, FunctionError: 'Unhandled' };
    return { StatusCode: 200 };
  };
  const functions = ['a', 'b', 'c'].map((name) => ({ name, config: { payload: '{}', concurrency: 1 } }));
  const outcome = await prewarm.prewarm({ functions, invoke });
  assert.equal(outcome.invoked, 1);
  assert.deepEqual(outcome.failed.map((f) => f.name).sort(), ['b', 'c']);
  const lines = prewarm.report('default', 3, outcome);
  assert.match(lines[0], /^WarmUp: warmer "default" prewarmed 1 of 3 functions/);
  assert.ok(lines.some((l) => /prewarming b failed: AccessDeniedException/.test(l)));
});

// A zip with stored (uncompressed) entries, written the way zip tools write the central directory.
function zip(names) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const name of names) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(`data of ${name}`);
    const crc = zlib.crc32 ? zlib.crc32(data) : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

test('zip entries: every name from the central directory; a file that is not a zip is refused', () => {
  const names = ['svc/api.py', 'psycopg/__init__.py', 'psycopg-3.3.9.dist-info/METADATA', 'six.py'];
  assert.deepEqual(zipEntries(zip(names)), names);
  assert.deepEqual(zipEntries(zip([])), []);
  assert.throws(() => zipEntries(Buffer.from('not a zip at all, just some text that is long enough')), /not a zip file/);
});

test('requirements: a zip without the packaged driver stops package, naming the module', () => {
  const text = '# runtime\npsycopg[binary]==3.3.9\n';
  const artifact = (names) => [{ file: '.serverless/svc.zip', entries: names }];
  const ok = requirements.check({ requirementsText: text, pythonVersion: '3.13', artifacts: artifact(['svc/api.py', 'psycopg/__init__.py', 'psycopg-3.3.9.dist-info/RECORD']) });
  assert.match(ok[0], /holds all 1 runtime requirement/);
  assert.throws(
    () => requirements.check({ requirementsText: text, pythonVersion: '3.13', artifacts: artifact(['svc/api.py']) }),
    /\.serverless\/svc\.zip lacks a runtime requirement: psycopg \(requirements.txt: psycopg\[binary\]==3\.3\.9\)\. The Python packaging plugin/,
  );
  assert.throws(
    () => requirements.check({ requirementsText: text, pythonVersion: '3.13', artifacts: artifact(['psycopg/__init__.py', 'psycopg-3.2.0.dist-info/RECORD']) }),
    /psycopg 3\.2\.0 instead of 3\.3\.9/,
  );
});

test('requirements: zipped requirements (pythonRequirements.zip) are said to be not judged, not refused', () => {
  const lines = requirements.check({ requirementsText: 'PyMySQL==1.2.4\n', pythonVersion: '3.13', artifacts: [{ file: 'a.zip', entries: ['.requirements.zip', 'unzip_requirements.py'] }] });
  assert.deepEqual(lines, ['requirements: not judged in a.zip: the requirements travel zipped (pythonRequirements.zip)']);
});

test('requirements: names normalised as pip writes them, options and comments ignored, markers judged by python_version', () => {
  const text = [
    '--index-url https://example.invalid/simple',
    '-r other.txt',
    'PyMySQL==1.2.4  # driver',
    'typing-extensions>=4',
    'tomli==2.0.1; python_version < "3.11"',
    'backports.zoneinfo; sys_platform == "win32"',
    '',
  ].join('\n');
  const { required, skipped } = requirements.parseRequirements(text, '3.13');
  assert.deepEqual(required.map((r) => [r.key, r.version]), [['pymysql', '1.2.4'], ['typing_extensions', undefined]]);
  assert.deepEqual(skipped, ['backports.zoneinfo']);
  const entries = ['PyMySQL-1.2.4.dist-info/METADATA', 'pymysql/__init__.py', 'typing_extensions.py'];
  assert.deepEqual(requirements.missing(required, entries), []);
  assert.equal(requirements.markerHolds('python_version >= "3.12" and python_version < "3.14"', '3.13'), true);
  assert.equal(requirements.markerHolds('python_version < "3.11"', '3.13'), false);
});

test('endpoints: an endpoint_url of the active profile in ~/.aws/config counts too, and is named', () => {
  const text = [
    '[default]',
    'region = us-east-1',
    '[profile local]',
    'endpoint_url = http://localhost:4566  # an emulator',
    '[profile dev]',
    'services = dev-endpoints',
    '[services dev-endpoints]',
    'cloudformation =',
    '  endpoint_url = http://127.0.0.1:5000',
    's3 =',
    '  endpoint_url = https://s3.example.com',
  ].join('\n');
  assert.deepEqual(endpoints.configOverrides(text, 'default', '~/.aws/config'), []);
  assert.deepEqual(endpoints.configOverrides(text, 'local', '~/.aws/config'), [
    { name: '~/.aws/config [profile local] endpoint_url', value: 'http://localhost:4566' },
  ]);
  assert.deepEqual(endpoints.configOverrides(text, 'dev', '~/.aws/config'), [
    { name: '~/.aws/config [services dev-endpoints] cloudformation.endpoint_url', value: 'http://127.0.0.1:5000' },
  ]);
  const config = { text, where: '~/.aws/config' };
  assert.throws(
    () => endpoints.guard({ command: 'deploy', env: { AWS_PROFILE: 'dev' }, log: () => {}, config }),
    /deploy refused: ~\/\.aws\/config \[services dev-endpoints\] cloudformation\.endpoint_url=http:\/\/127\.0\.0\.1:5000 .*remove the endpoint_url from ~\/\.aws\/config/,
  );
  endpoints.guard({ command: 'deploy', env: { AWS_PROFILE: 'dev', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, log: () => assert.fail(), config });
  endpoints.guard({ command: 'deploy', env: {}, log: () => assert.fail(), config });
});
