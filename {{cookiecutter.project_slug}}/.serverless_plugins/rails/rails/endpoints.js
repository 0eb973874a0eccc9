'use strict';

// A deploy never goes to a local emulator by accident. osls 4 sends every AWS call through AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE> (osls 3 honoured them only in plugins using the AWS SDK v3), so a variable left over
// from a local run (a moto server on 127.0.0.1) would deploy, remove or roll back against it; so would an
// endpoint_url in the active profile of ~/.aws/config, which osls 4 always reads. Commands that change AWS refuse
// while such an override points at a loopback address, naming the variable (or the file, section and key). SLSGUARD_LOCAL_DEPLOY=1 is
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

/**
 * endpoint_url settings of the active profile in the shared config file (osls 4 always reads it): the profile's own
 * and those of the `[services <name>]` section it names. `where` names the file as the message should show it.
 */
function configOverrides(text, profile, where) {
  const sections = {};
  let current = null;
  let service = null;
  for (const raw of String(text || '').split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '');
    const header = line.match(/^\s*\[\s*([^\]]+?)\s*\]\s*$/);
    if (header) {
      current = header[1].replace(/\s+/g, ' ');
      sections[current] = sections[current] || [];
      service = null;
      continue;
    }
    const setting = line.match(/^(\s*)([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*$/);
    if (!current || !setting) continue;
    if (!setting[1] && !setting[3]) service = setting[2]; // `cloudformation =` opens a nested block
    else if (!setting[1]) service = null;
    sections[current].push({ key: setting[2], value: setting[3], service: setting[1] ? service : null });
  }
  const name = profile === 'default' ? 'default' : `profile ${profile}`;
  const own = sections[name] || (profile === 'default' ? sections['profile default'] : undefined) || [];
  const found = own.filter((s) => s.key === 'endpoint_url').map((s) => ({ name: `${where} [${name}] endpoint_url`, value: s.value }));
  const services = own.find((s) => s.key === 'services' && s.value);
  if (services) {
    for (const s of sections[`services ${services.value}`] || []) {
      if (s.key === 'endpoint_url' && s.service) found.push({ name: `${where} [services ${services.value}] ${s.service}.endpoint_url`, value: s.value });
    }
  }
  return found.filter((o) => isLoopback(o.value));
}

/**
 * Throws (one line naming the variable) when `command` changes AWS and an override points at this machine.
 * `config` is the shared config file ({text, where}) when there is one; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
 * turns every configured endpoint off, as it does for the SDK.
 */
function guard({ command, env, log, config }) {
  if (!GUARDED.has(command)) return;
  if (String(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).toLowerCase() === 'true') return;
  const fromConfig = config ? configOverrides(config.text, env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default', config.where) : [];
  const overrides = [...loopbackOverrides(env), ...fromConfig];
  if (!overrides.length) return;
  const names = overrides.map(({ name, value }) => `${name}=${value}`).join(', ');
  if (env[ALLOW] === '1') {
    log(`${command} goes to a local emulator (${names}) because ${ALLOW}=1 is set: nothing reaches AWS.`);
    return;
  }
  const variables = overrides.filter((o) => o.name.startsWith('AWS_')).map((o) => o.name);
  const fix = [variables.length ? `run \`unset ${variables.join(' ')}\`` : '', fromConfig.length ? `remove the endpoint_url from ${config.where}` : '']
    .filter(Boolean)
    .join(' and ');
  throw new Error(
    `${command} refused: ${names} points at a loopback address (a local emulator), so nothing would reach AWS; ` +
      `${fix} to ${command} on AWS, or set ${ALLOW}=1 to ${command} to the emulator on purpose`,
  );
}

module.exports = { guard, loopbackOverrides, configOverrides, isLoopback, GUARDED, ALLOW };
