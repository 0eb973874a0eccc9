'use strict';

// slsguard bridge: after every `package` (and so every `deploy`), run `slsguard audit` on the
// compiled templates (root and every nested stack) and stop with an error when it finds one.
// Adds `serverless slsguard audit` and `serverless slsguard upgrade`, which call the Python tool.
// In a service adopted with `slsguard init` (.slsguard/adopted.json), findings recorded in
// .slsguard/baseline.json are reported but do not fail; without a baseline it reports only, and
// `serverless slsguard upgrade` is not offered (the service was not generated from the template).
//
// custom.slsguard:
//   warnOnly: true            report errors but let package/deploy go on
//   showAccepted: true        list the findings .slsguard/baseline.json accepts (default: one line sums them up)
//   maxHourly: 5              stop when `slsguard cost` (printed after the audit) is above 5 USD per hour
//   command: slsguard         how to run the tool (a string split on spaces, or a list)
//   exempt:                   per function (its key or FunctionName), API (logical id, deployed name, or the
//     worker:                 service name for the framework's API), logical id, or `stack` for the whole
//       vpc-without-need: "reaches the on-premises API over the VPN"    stack: rule id -> why it is safe here
//
// The exemptions and the functions whose timeout serverless.yml leaves to a default are written
// into the compiled template as Metadata.slsguard, so `slsguard audit .serverless` alone gives the
// same answer later (in CI, or for a package built elsewhere).

const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const INSTALL_HINT =
  'install it with `pip install -r requirements-dev.txt` in the virtualenv on PATH (it pins slsguard), ' +
  'or `pip install slsguard`, or point custom.slsguard.command at it';
// An adopted service has no requirements-dev.txt of slsguard's.
const ADOPTED_INSTALL_HINT = 'install it with `pip install slsguard` in the virtualenv on PATH, or point custom.slsguard.command at it';
const RULE_ID = /^[a-z][a-z0-9-]*$/;
const API_TYPES = ['AWS::ApiGateway::RestApi', 'AWS::ApiGatewayV2::Api'];
const SUMMARY = /^slsguard audit: .*$/m;
const ADOPTED = path.join('.slsguard', 'adopted.json');
const BASELINE = path.join('.slsguard', 'baseline.json');
const WRITE_BASELINE = `slsguard audit .serverless --write-baseline ${BASELINE}`;

class SlsguardBridge {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    this.defaulted = new Set();
    const ServerlessError = (serverless.classes && serverless.classes.Error) || Error;
    this.fail = (message) => new ServerlessError(message, 'SLSGUARD');

    if (serverless.configSchemaHandler && serverless.configSchemaHandler.defineCustomProperties) {
      serverless.configSchemaHandler.defineCustomProperties({
        properties: {
          slsguard: {
            type: 'object',
            properties: {
              warnOnly: { type: 'boolean' },
              showAccepted: { type: 'boolean' },
              maxHourly: { type: 'number', minimum: 0 },
              command: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
              exempt: {
                type: 'object',
                additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
            additionalProperties: false,
          },
        },
      });
    }

    this.adopted = fs.existsSync(path.join(this.serviceDir(), ADOPTED));
    this.commands = {
      slsguard: {
        usage: 'Run slsguard (the Python tool that generated this project)',
        commands: {
          audit: {
            usage: 'Audit the templates in .serverless/ (run `package` first)',
            lifecycleEvents: ['run'],
          },
          upgrade: {
            usage: 'Re-render this project with the installed slsguard, merging your changes',
            lifecycleEvents: ['run'],
            options: {
              'set': { usage: 'Change an answer: KEY=VALUE (repeatable)', type: 'multiple' },
              'dry-run': { usage: 'Print what would change; write nothing', type: 'boolean' },
              'check': { usage: 'Exit non-zero when the project is behind', type: 'boolean' },
              // `--no-input` reaches plugins as input=false: the framework reads `--no-X` as the negation of X.
              'input': { usage: 'Ask questions new in this version (--no-input: take their defaults)', type: 'boolean' },
              'allow-dirty': { usage: 'Upgrade a git project with uncommitted changes', type: 'boolean' },
            },
          },
        },
      },
    };

    if (this.adopted) delete this.commands.slsguard.commands.upgrade;

    this.hooks = {
      // Before the framework spends time packaging: is the tool there at all?
      'before:package:cleanup': () => this.checkInstalled(),
      'before:package:compileFunctions': () => this.recordDefaults(),
      'before:package:finalize': () => this.markTemplate(),
      'after:package:finalize': () => this.audit(this.packageDir(), 'package stopped').then(() => this.cost(this.packageDir())),
      // `deploy --package DIR` skips packaging: audit what is about to be deployed.
      'before:deploy:deploy': () => (this.options.package ? this.audit(path.resolve(this.options.package), 'deploy stopped') : undefined),
      'slsguard:audit:run': () => this.audit(this.packageDir(), 'errors found'),
      ...(this.adopted ? {} : { 'slsguard:upgrade:run': () => this.upgrade() }),
    };
  }

  async checkInstalled() {
    const result = await this.run(['--version'], { capture: true });
    if (result.code !== 0) throw this.fail(`\`${this.command().join(' ')} --version\` exited with ${result.code}: ${this.installHint()}.`);
  }

  installHint() {
    return this.adopted ? ADOPTED_INSTALL_HINT : INSTALL_HINT;
  }

  config() {
    const custom = this.serverless.service.custom || {};
    return custom.slsguard || {};
  }

  serviceDir() {
    return this.serverless.serviceDir || this.serverless.config.servicePath || process.cwd();
  }

  packageDir() {
    const service = this.serverless.service;
    return path.resolve(this.options.package || (service.package && service.package.path) || path.join(this.serviceDir(), '.serverless'));
  }

  command() {
    const configured = this.config().command || 'slsguard';
    const parts = Array.isArray(configured) ? configured.map(String) : String(configured).trim().split(/\s+/);
    if (!parts.length || !parts[0]) throw this.fail('custom.slsguard.command is empty: set it to `slsguard` or leave it out.');
    return parts;
  }

  // Before compilation the function objects still hold what serverless.yml says.
  recordDefaults() {
    const service = this.serverless.service;
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      if (fn.timeout === undefined || fn.timeout === null || fn.timeout === '') this.defaulted.add(name);
    }
  }

  markTemplate() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const naming = this.serverless.getProvider('aws').naming;
    for (const name of this.defaulted) {
      const resource = template.Resources[naming.getLambdaLogicalId(name)];
      if (resource) slsguardMetadata(resource).implicit = ['Timeout'];
    }
    const exempt = this.config().exempt || {};
    const userResources = (this.serverless.service.resources && this.serverless.service.resources.Resources) || {};
    for (const [key, rules] of Object.entries(exempt)) {
      const where = `custom.slsguard.exempt.${key}`;
      if (!rules || typeof rules !== 'object' || Array.isArray(rules)) {
        throw this.fail(`${where} must map rule ids to reasons, e.g. tracing: "why it is safe here".`);
      }
      for (const [rule, reason] of Object.entries(rules)) {
        if (!RULE_ID.test(rule)) throw this.fail(`${where}.${rule} is not a rule id (see \`slsguard audit --help\`).`);
        if (typeof reason !== 'string' || !reason.trim()) throw this.fail(`${where}.${rule} needs a reason: say why the rule does not apply here.`);
      }
      const holders = this.exemptHolders(key, template, userResources);
      if (!holders.length) {
        const near = nearest(key, this.exemptNames(template, userResources));
        const meant = near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?` : '';
        throw this.fail(
          `${where} names no function, API or resource of this service (use a function name, an API name, a logical id or \`stack\`).${meant}`
        );
      }
      for (const holder of holders) {
        const meta = slsguardMetadata(holder);
        meta.exempt = { ...(meta.exempt || {}), ...rules };
        meta.exemptFrom = { ...(meta.exemptFrom || {}), ...Object.fromEntries(Object.keys(rules).map((rule) => [rule, `${where}.${rule}`])) };
      }
    }
  }

  // What a key of custom.slsguard.exempt names, in this order: `stack`; a function (its serverless.yml key or its
  // deployed FunctionName); a logical id; an API by its deployed name; the service name: every API the framework made.
  exemptHolders(key, template, userResources) {
    if (key === 'stack') return [template];
    const naming = this.serverless.getProvider('aws').naming;
    const service = this.serverless.service;
    if (service.functions && service.functions[key]) return [template.Resources[naming.getLambdaLogicalId(key)]].filter(Boolean);
    const resources = Object.values(template.Resources || {});
    const byFunctionName = resources.find((r) => r && r.Type === 'AWS::Lambda::Function' && (r.Properties || {}).FunctionName === key);
    if (byFunctionName) return [byFunctionName];
    const byId = template.Resources[key] || userResources[key];
    if (byId) return [byId];
    const apis = resources.filter((r) => r && API_TYPES.includes(r.Type));
    const byApiName = apis.filter((r) => (r.Properties || {}).Name === key);
    if (byApiName.length) return byApiName;
    return key === service.service ? apis : [];
  }

  exemptNames(template, userResources) {
    const service = this.serverless.service;
    const resources = Object.values(template.Resources || {});
    return [
      ...Object.keys(service.functions || {}),
      ...resources.filter((r) => r && r.Type === 'AWS::Lambda::Function').map((r) => (r.Properties || {}).FunctionName),
      ...resources.filter((r) => r && API_TYPES.includes(r.Type)).map((r) => (r.Properties || {}).Name),
      ...Object.keys(template.Resources || {}),
      ...Object.keys(userResources),
      service.service,
    ].filter((n) => typeof n === 'string');
  }

  async audit(dir, outcome) {
    const args = ['audit', dir];
    const baseline = fs.existsSync(path.join(this.serviceDir(), BASELINE));
    if (baseline) args.push('--baseline', BASELINE);
    const reportOnly = this.adopted && !baseline; // adopted, no baseline yet: today's findings must not stop the first package
    if (this.config().warnOnly || reportOnly) args.push('--warn-only');
    if (this.config().showAccepted) args.push('--show-accepted');
    const result = await this.run(args, { capture: true });
    if (result.stdout) process.stdout.write(result.stdout);
    if (reportOnly && result.code === 0) {
      process.stdout.write(`slsguard: no baseline yet, so nothing fails; record today's findings with \`${WRITE_BASELINE}\`.\n`);
    }
    if (result.code === 0) return;
    const summary = (result.stdout.match(SUMMARY) || [])[0];
    if (result.code === 1 && summary) {
      throw this.fail(
        `${summary.replace(/\.$/, '')}: ${outcome}. Fix the errors above, exempt one with a reason ` +
          '(custom.slsguard.exempt), or set custom.slsguard.warnOnly: true.'
      );
    }
    const line = lastLine(result.stderr) || `exit code ${result.code}`;
    throw this.fail(line.startsWith('slsguard') ? line : `slsguard audit failed: ${line}`);
  }

  // After the audit: the most a flood can cost per hour (`slsguard cost`); custom.slsguard.maxHourly (USD) makes it a gate.
  async cost(dir) {
    const max = this.config().maxHourly;
    const args = ['cost', dir];
    if (max !== undefined && max !== null) args.push('--max-hourly', String(max));
    const result = await this.run(args, { capture: true });
    const summary = costSummary(result.stdout);
    if (summary) process.stdout.write(`slsguard cost: ${summary}\n`);
    if (result.code === 0) return;
    const line = lastLine(result.stderr) || `exit code ${result.code}`;
    if (max === undefined || max === null) {
      process.stdout.write(`slsguard cost: no ceiling computed (${line}); package goes on, set custom.slsguard.maxHourly to require one.\n`);
      return;
    }
    if (result.code === 1) {
      throw this.fail(`${line.replace(/\.$/, '')}: package stopped. Lower reserved concurrency, memory or the throttle, or raise custom.slsguard.maxHourly.`);
    }
    throw this.fail(line.startsWith('slsguard') ? line : `slsguard cost failed: ${line}`);
  }

  async upgrade() {
    const args = ['upgrade', this.serviceDir()];
    for (const value of [].concat(this.options.set || [])) args.push('--set', String(value));
    for (const flag of ['dry-run', 'check', 'allow-dirty']) if (this.options[flag]) args.push(`--${flag}`);
    if (this.options.input === false) args.push('--no-input');
    const result = await this.run(args, { capture: false });
    if (result.code !== 0) throw this.fail(`slsguard upgrade exited with code ${result.code} (see its message above).`);
  }

  // Resolves with the exit code (and output when captured); never leaves the child running.
  run(args, { capture }) {
    const [cmd, ...pre] = this.command();
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(cmd, [...pre, ...args], { cwd: this.serviceDir(), stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
      } catch (error) {
        reject(this.fail(`slsguard could not be started (${error.message}): ${this.installHint()}.`));
        return;
      }
      const out = [];
      const err = [];
      if (capture) {
        child.stdout.on('data', (chunk) => out.push(chunk));
        child.stderr.on('data', (chunk) => err.push(chunk));
      }
      child.on('error', (error) => {
        const missing = error.code === 'ENOENT';
        reject(this.fail(missing ? `slsguard was not found (no \`${cmd}\` on PATH): ${this.installHint()}.` : `slsguard could not be started (${error.message}).`));
      });
      child.on('close', (code, signal) => {
        resolve({
          code: code === null ? `signal ${signal}` : code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
    });
  }
}

function slsguardMetadata(holder) {
  holder.Metadata = holder.Metadata || {};
  holder.Metadata.slsguard = holder.Metadata.slsguard || {};
  return holder.Metadata.slsguard;
}

// The ceiling line and what only the account limits, from `slsguard cost`'s table (the whole table is one command away).
function costSummary(text) {
  const lines = String(text || '').split(/\r?\n/);
  const ceiling = lines.find((l) => l.startsWith('Ceiling: '));
  if (!ceiling) return '';
  const start = lines.findIndex((l) => l.startsWith('Limited only by the account'));
  const flagged = [];
  for (let i = start + 1; start >= 0 && i < lines.length && lines[i].trim(); i += 1) flagged.push(lines[i]);
  const more = '(`slsguard cost .serverless` shows the table and its assumptions)';
  const typical = lines.find((l) => l.startsWith('Typical: '));
  const beside = typical ? [`  a ceiling, not a bill; typical: ${typical.slice('Typical: '.length).replace(/\.$/, '')}`] : [];
  return [`${ceiling.slice('Ceiling: '.length).replace(/\.$/, '')} ${more}`, ...beside, ...(flagged.length ? [lines[start], ...flagged] : [])].join('\n');
}

// Up to three names closest to what was written (case-insensitive edit distance), for a key that names nothing.
function nearest(key, names) {
  const distance = (a, b) => {
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i += 1) {
      const next = [i];
      for (let j = 1; j <= b.length; j += 1) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
      row = next;
    }
    return row[b.length];
  };
  const wanted = key.toLowerCase();
  const scored = [...new Set(names)].map((n) => [distance(wanted, n.toLowerCase()), n]);
  const close = scored.filter(([d, n]) => d <= Math.max(2, Math.floor(n.length / 3)) || n.toLowerCase().includes(wanted) || wanted.includes(n.toLowerCase()));
  return close.sort((a, b) => a[0] - b[0]).slice(0, 3).map(([, n]) => n);
}

function lastLine(text) {
  const lines = String(text || '').trim().split(/\r?\n/);
  return lines[lines.length - 1].trim();
}

module.exports = SlsguardBridge;
