'use strict';

// A deploy never goes to a local emulator by accident. osls 4 sends every AWS call through AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE> (osls 3 honoured them only in plugins using the AWS SDK v3), so a variable left over
// from a local run (a moto server on 127.0.0.1) would deploy, remove or roll back against it. Commands that change
// AWS refuse while such an override points at a loopback address, naming the variable. SLSGUARD_LOCAL_DEPLOY=1 is
// the named choice for deploying to an emulator on purpose (the output says so).

const GUARDED = new Set(['deploy', 'remove', 'rollback']);
const ALLOW = 'SLSGUARD_LOCAL_DEPLOY';

function isLoopback(value) {
  let host;
  try {
    host = new URL(String(value)).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false; // not a URL: the SDK refuses it anyway
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || host === '::') return true;
  if (/^127(\.\d{1,3}){3}$/.test(host)) return true;
  return /^::ffff:127\./.test(host) || /^0:0:0:0:0:0:0:1$/.test(host);
}

/** Every AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variable whose URL is a loopback address, by name. */
function loopbackOverrides(env) {
  return Object.keys(env)
    .filter((name) => (name === 'AWS_ENDPOINT_URL' || name.startsWith('AWS_ENDPOINT_URL_')) && isLoopback(env[name]))
    .sort()
    .map((name) => ({ name, value: env[name] }));
}

/** Throws (one line naming the variable) when `command` changes AWS and an override points at this machine. */
function guard({ command, env, log }) {
  if (!GUARDED.has(command)) return;
  const overrides = loopbackOverrides(env);
  if (!overrides.length) return;
  const names = overrides.map(({ name, value }) => `${name}=${value}`).join(', ');
  if (env[ALLOW] === '1') {
    log(`${command} goes to a local emulator (${names}) because ${ALLOW}=1 is set: nothing reaches AWS.`);
    return;
  }
  throw new Error(
    `${command} refused: ${names} points at a loopback address (a local emulator), so nothing would reach AWS; ` +
      `run \`unset ${overrides.map((o) => o.name).join(' ')}\` to ${command} on AWS, or set ${ALLOW}=1 to ${command} to the emulator on purpose`,
  );
}

module.exports = { guard, loopbackOverrides, isLoopback, GUARDED, ALLOW };
