'use strict';

// [SQL] Deploy-time migrations: every Custom::Migrations resource gets MigrationsHash, the hash of the migrations
// folder (custom.rails.database.migrations) computed exactly as `python -m <package>.migrate --hash` does, so a
// new or edited file changes the resource and CloudFormation sends the Update that runs it. Every other function
// with slsguard.database: true goes live only after the migrations succeeded (DependsOn), so new code never
// meets an old schema; the function serving the resource (its ServiceToken) is the one that runs them.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const TYPE = 'Custom::Migrations';
const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/; // migrate.FILE_NAME

/** sha256 over `name NUL sha256(file) LF` for each .sql file in byte order: migrate.folder_hash, refusing what it refuses. */
function migrationsHash(dir) {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`no migrations folder at ${dir}: create it, or fix custom.rails.database.migrations`);
  }
  const names = fs.readdirSync(dir).filter((name) => path.extname(name) === '.sql').sort();
  const wrong = names.filter((name) => !FILE_NAME.test(name));
  if (wrong.length) throw new Error(`${wrong.join(', ')} in ${dir}: name migrations NNNN_what.sql (4 digits, lower case, underscores)`);
  const numbers = names.map((name) => name.slice(0, 4));
  const twice = [...new Set(numbers.filter((n, i) => numbers.indexOf(n) !== i))].sort();
  if (twice.length) throw new Error(`two migrations share the number ${twice.join(', ')} in ${dir}: renumber one after the last file`);
  const outer = crypto.createHash('sha256');
  for (const name of names) {
    const inner = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, name))).digest('hex');
    outer.update(`${name}\0${inner}\n`);
  }
  return outer.digest('hex');
}

// The logical id a ServiceToken's Fn::GetAtt names (the function serving the resource), if any.
function tokenTarget(token) {
  const getAtt = token && token['Fn::GetAtt'];
  if (!getAtt) return undefined;
  return Array.isArray(getAtt) ? getAtt[0] : String(getAtt).split('.')[0];
}

function apply({ functions, template, config, service }) {
  const resources = template.Resources;
  const ids = Object.keys(resources).filter((id) => resources[id].Type === TYPE);
  if (!ids.length) return;
  const folder = (config.database || {}).migrations;
  if (!folder) throw new Error(`${ids.join(', ')} (${TYPE}) needs custom.rails.database.migrations: the folder its hash is computed from`);
  const hash = migrationsHash(path.resolve(service.dir || '.', folder));
  const servers = new Set();
  for (const id of ids) {
    resources[id].Properties = { ...resources[id].Properties, MigrationsHash: hash };
    servers.add(tokenTarget(resources[id].Properties.ServiceToken));
  }
  for (const fn of functions.filter((f) => f.database && !servers.has(f.functionId) && resources[f.functionId])) {
    const resource = resources[fn.functionId];
    resource.DependsOn = [...new Set([...[].concat(resource.DependsOn || []), ...ids])];
  }
}

module.exports = { apply, migrationsHash, TYPE };
