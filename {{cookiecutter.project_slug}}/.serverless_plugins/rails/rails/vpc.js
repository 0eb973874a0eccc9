'use strict';

// [SQL] The database's VPC (custom.rails.database.vpc) only for functions that declare slsguard.database: true;
// set before the framework compiles functions and roles.

function apply({ functions, config, service }) {
  const vpc = (config.database || {}).vpc;
  if (!vpc) return;
  for (const fn of functions.filter((f) => f.database && !service.functions[f.name].vpc)) {
    service.functions[fn.name].vpc = structuredClone(vpc);
  }
}

module.exports = { apply };
