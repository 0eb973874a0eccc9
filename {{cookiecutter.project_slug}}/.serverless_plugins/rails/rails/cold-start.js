'use strict';

// [cold start] The cold-start answer (custom.rails.coldStart) applied to every HTTP-triggered function that does not
// opt out (slsguard.skip.coldStart: "reason"). Runs before the framework and serverless-plugin-warmup read the
// function settings, so they compile it as if serverless.yml said it.

// The warmer keeps what the function's own warmup block says (concurrency, payload) and enables it.
const SETTINGS = {
  warmer: (config, fn) => ({ warmup: { ...fn.warmup, default: { ...(fn.warmup || {}).default, enabled: true } } }),
  provisioned: (config) => ({ provisionedConcurrency: config.provisionedConcurrency || 1 }),
  snapstart: () => ({ snapStart: true }),
  none: () => ({}),
};

function targets(functions) {
  return functions.filter((fn) => fn.http && !fn.warmer && !fn.skip.coldStart);
}

function apply({ functions, config, service }) {
  const setting = SETTINGS[config.coldStart || 'none'];
  for (const fn of targets(functions)) Object.assign(service.functions[fn.name], setting(config, service.functions[fn.name]));
}

module.exports = { apply, targets, SETTINGS };
