'use strict';

// `npm run offline` only: serverless-offline hands each handler serverless.yml's environment over the shell's, and
// a CloudFormation reference there (DB_HOST: {Ref: DbHost}, resolved at deploy time) arrives as "[object Object]".
// Locally the shell wins, as it does for `npm run migrate`: a variable set in the shell (e.g. DB_* from .env) is
// taken from there, and a reference nobody can resolve locally is left out. Deploys never run this stage.

function localize(environment, env) {
  if (!environment) return;
  for (const [key, value] of Object.entries(environment)) {
    if (env[key] !== undefined || (value !== null && typeof value === 'object')) delete environment[key];
  }
}

function apply({ service, env }) {
  localize(service.environment, env);
  for (const fn of Object.values(service.functions || {})) localize(fn.environment, env);
}

module.exports = { apply };
