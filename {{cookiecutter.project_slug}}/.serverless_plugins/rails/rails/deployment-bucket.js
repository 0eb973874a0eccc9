'use strict';

// [wallet attack] The deployment bucket's extensions (resources.extensions.ServerlessDeploymentBucket: encryption and
// the reasons for skipped scanner checks) also go into the create-stack template a first deploy creates the bucket
// with, so both templates describe the same bucket. A bucket named in provider.deploymentBucket.name (the one
// deploy/bootstrap.yml creates, hardened there) is not in the stack: its extension is dropped, or the framework
// would stop with "Cannot extend".

const BUCKET = 'ServerlessDeploymentBucket';

function extend(resource, extension) {
  if (!resource) return;
  if (extension.Properties) Object.assign(resource.Properties, structuredClone(extension.Properties));
  if (extension.Metadata) resource.Metadata = { ...(resource.Metadata || {}), ...structuredClone(extension.Metadata) };
}

/** Returns true when the core template changed (the caller writes it again). */
function apply({ service, template, coreTemplate }) {
  const extensions = (service.resources || {}).extensions || {};
  const extension = extensions[BUCKET] || {};
  if (!template.Resources[BUCKET]) {
    delete extensions[BUCKET];
    return false;
  }
  if (!Object.keys(extension).length) return false;
  extend(template.Resources[BUCKET], extension);
  if (!coreTemplate) return false;
  extend(coreTemplate.Resources[BUCKET], extension);
  return true;
}

module.exports = { apply, BUCKET };
