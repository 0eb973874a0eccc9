'use strict';

// The framework may put one object into two resources (an HTTP API integration and its Lambda permission share the
// alias ARN expression); serverless-plugin-split-stacks rewrites references in place when it moves one of them to a
// nested stack, and the other, left in the root, then names a parameter the root does not have (cfn-lint E1020).
// Every resource gets its own copy before anything moves.

function apply({ template }) {
  for (const [id, resource] of Object.entries(template.Resources)) template.Resources[id] = JSON.parse(JSON.stringify(resource));
}

module.exports = { apply };
