'use strict';

// What the rails need from the framework beyond the service and its templates: which AWS SDK it offers, an SDK v3
// Lambda client on its credentials, the artifacts it wrote, and the warmup plugin's instance. Kept here so the
// rails in rails/ stay plain functions of their input (tested with node --test, no framework).

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

/** true where the framework offers AWS SDK v3 clients to plugins (osls 3.77.1 and 4: getAwsSdkV3Config, client-lambda). */
function sdkV3Offered(provider) {
  if (typeof provider.getAwsSdkV3Config !== 'function') return false;
  try {
    requireFromFramework('@aws-sdk/client-lambda');
    return true;
  } catch {
    return false;
  }
}

/** A module from the framework's own dependencies (osls 4 ships the AWS SDK v3 clients it uses). */
function requireFromFramework(name) {
  const roots = [require.main && require.main.filename, __filename].filter(Boolean);
  for (const root of roots) {
    try {
      return createRequire(root)(name);
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw new Error(`${name} is not installed beside the framework`);
}

/** invoke(input) sending one Lambda InvokeCommand with the framework's credentials, region and endpoint settings. */
function lambdaInvoker(provider) {
  const { LambdaClient, InvokeCommand } = requireFromFramework('@aws-sdk/client-lambda');
  let client;
  return async (input) => {
    client = client || new LambdaClient(await provider.getAwsSdkV3Config());
    return client.send(new InvokeCommand(input));
  };
}

/** The serverless-plugin-warmup instance the framework loaded, if any. */
function warmupPlugin(serverless) {
  return (serverless.pluginManager.plugins || []).find(
    (plugin) => plugin && typeof plugin.invokeWarmer === 'function' && plugin.constructor && plugin.constructor.name === 'WarmUp',
  );
}

/** The zip of every Python function (the service artifact, or a function's own), each once. */
function pythonArtifacts(serverless) {
  const service = serverless.service;
  const dir = serverless.serviceDir;
  const files = new Set();
  for (const name of service.getAllFunctions()) {
    const fn = service.getFunction(name);
    const runtime = fn.runtime || service.provider.runtime || '';
    if (fn.image || !String(runtime).startsWith('python')) continue;
    const own = fn.package && (fn.package.artifact || (fn.package.individually && path.join('.serverless', `${name}.zip`)));
    const individually = !own && service.package && service.package.individually;
    const file = own || (individually ? path.join('.serverless', `${name}.zip`) : service.package.artifact || path.join('.serverless', `${service.service}.zip`));
    files.add(path.resolve(dir, file));
  }
  return [...files].map((file) => ({ file: path.relative(dir, file) || file, path: file, exists: fs.existsSync(file) }));
}

module.exports = { sdkV3Offered, requireFromFramework, lambdaInvoker, warmupPlugin, pythonArtifacts };
