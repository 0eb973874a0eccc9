'use strict';

// [wallet attack] The warmer gets reserved concurrency too; serverless-plugin-warmup has no setting for it.

const WARMER_RESERVED_CONCURRENCY = 1; // generator.answers.rules.WARMER_RESERVED_CONCURRENCY

function apply({ functions, template }) {
  for (const fn of functions.filter((f) => f.warmer && template.Resources[f.functionId])) {
    template.Resources[fn.functionId].Properties.ReservedConcurrentExecutions = WARMER_RESERVED_CONCURRENCY;
  }
}

module.exports = { apply, WARMER_RESERVED_CONCURRENCY };
