'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const Rails = require('..');
const { RAILS, OPT_OUTS } = require('../table');

test('the plugin declares custom.rails and the function property slsguard with every opt-out of the table', () => {
  const declared = {};
  const serverless = {
    configSchemaHandler: {
      defineCustomProperties: (schema) => Object.assign(declared, { custom: schema }),
      defineFunctionProperties: (provider, schema) => Object.assign(declared, { [provider]: schema }),
    },
  };
  const plugin = new Rails(serverless);
  assert.ok(declared.custom.properties.rails.properties.alarmTopic);
  assert.equal(declared.custom.properties.rails.additionalProperties, false);
  assert.equal(declared.custom.properties.restStageThrottling.additionalProperties, false);
  const skip = declared.aws.properties.slsguard.properties.skip;
  assert.deepEqual(Object.keys(skip.properties), OPT_OUTS);
  assert.ok(OPT_OUTS.includes('coldStart'));
  assert.equal(skip.additionalProperties, false);
  assert.deepEqual(Object.keys(plugin.hooks).sort(), [
    'after:aws:package:finalize:mergeCustomProviderResources',
    'after:package:initialize',
    'before:aws:package:finalize:stripNullPropsFromTemplateResources',
    'before:offline:start',
    'before:offline:start:init',
    'before:package:finalize', // the runtime requirements are in the zip
    'before:package:initialize',
    'initialize', // the deploy guard on endpoint overrides, the SDK v3 prewarm where the framework has no SDK v2
  ]);
  assert.ok(RAILS.every((r) => typeof r.rail.apply === 'function' && r.gives));
});
