'use strict';

// [SQL] Every runtime requirement is in the zip, checked at package time. The Python packaging plugin
// (serverless-python-requirements) adds requirements.txt to the artifact; without it (osls 4.3.1 documents built-in
// Python packaging but has none), or when a build skips a package, the zip ships without its driver and the first
// request fails on Lambda with an ImportError. This compares requirements.txt with the names in each Python
// artifact (pip leaves `<name>-<version>.dist-info` beside every package it installs) and stops `package` naming
// the missing module. Requirements with environment markers other than python_version are not judged (said so).

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

/** PEP 503 normalisation, with `_` as pip writes it into dist-info folder names. */
function normalize(name) {
  return name.toLowerCase().replace(/[-_.]+/g, '_');
}

function compareVersions(a, b) {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const diff = (left[i] || 0) - (right[i] || 0);
    if (diff) return diff;
  }
  return 0;
}

const OPS = { '==': (d) => d === 0, '!=': (d) => d !== 0, '<': (d) => d < 0, '<=': (d) => d <= 0, '>': (d) => d > 0, '>=': (d) => d >= 0 };

/** true / false for a python_version marker against the runtime's version; undefined when it cannot judge. */
function markerHolds(marker, pythonVersion) {
  const parts = marker.split(/\s+and\s+/);
  let holds = true;
  for (const part of parts) {
    const m = part.trim().match(/^python_version\s*(==|!=|<=|>=|<|>)\s*["']([\d.]+)["']$/);
    if (!m || !pythonVersion) return undefined;
    holds = holds && OPS[m[1]](compareVersions(pythonVersion, m[2]));
  }
  return holds;
}

/** The requirements a Lambda artifact must hold: [{name, key, version (for ==), line}]; `skipped` names the unjudged. */
function parseRequirements(text, pythonVersion) {
  const required = [];
  const skipped = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line || line.startsWith('-')) continue; // options (-r, -c, --index-url, ...) are pip's
    const [spec, marker] = line.split(';').map((s) => s.trim());
    const m = spec.match(NAME);
    if (!m) continue;
    if (marker) {
      const holds = markerHolds(marker, pythonVersion);
      if (holds === false) continue;
      if (holds === undefined) {
        skipped.push(m[1]);
        continue;
      }
    }
    const pinned = (m[3] || '').match(/^===?\s*([0-9][0-9A-Za-z.+!-]*)$/);
    required.push({ name: m[1], key: normalize(m[1]), version: pinned ? pinned[1] : undefined, line });
  }
  return { required, skipped };
}

/** What an artifact holds: installed distributions (name -> versions) and top-level modules. */
function contents(entries) {
  const dists = new Map();
  const modules = new Set();
  for (const entry of entries) {
    const top = entry.split('/')[0];
    const dist = top.match(/^(.+?)-([^-]+)\.dist-info$/);
    if (dist) {
      const key = normalize(dist[1]);
      if (!dists.has(key)) dists.set(key, new Set());
      dists.get(key).add(dist[2]);
    } else if (entry.includes('/')) modules.add(normalize(top));
    else if (top.endsWith('.py')) modules.add(normalize(top.slice(0, -3)));
  }
  return { dists, modules };
}

/** One message per requirement the artifact lacks (or holds at another version than pinned). */
function missing(required, entries) {
  const { dists, modules } = contents(entries);
  const problems = [];
  for (const req of required) {
    const versions = dists.get(req.key);
    if (versions) {
      if (req.version && !versions.has(req.version)) {
        problems.push(`${req.name} ${[...versions].join(', ')} instead of ${req.version} (requirements.txt: ${req.line})`);
      }
    } else if (!modules.has(req.key)) {
      problems.push(`${req.name} (requirements.txt: ${req.line})`);
    }
  }
  return problems;
}

/** Throws when an artifact misses a requirement; returns the lines to print otherwise. */
function check({ requirementsText, pythonVersion, artifacts }) {
  const { required, skipped } = parseRequirements(requirementsText, pythonVersion);
  const lines = [];
  for (const { file, entries } of artifacts) {
    if (entries.includes('.requirements.zip')) {
      lines.push(`requirements: not judged in ${file}: the requirements travel zipped (pythonRequirements.zip)`);
      continue;
    }
    const problems = missing(required, entries);
    if (problems.length) {
      throw new Error(
        `${file} lacks ${problems.length === 1 ? 'a runtime requirement' : `${problems.length} runtime requirements`}: ${problems.join('; ')}. ` +
          'The Python packaging plugin (serverless-python-requirements, listed in serverless.yml plugins) adds them: ' +
          'list it again, or fix the build that skipped the module',
      );
    }
    if (required.length) lines.push(`requirements: ${file} holds all ${required.length} runtime requirement${required.length === 1 ? '' : 's'} of requirements.txt`);
  }
  if (skipped.length) lines.push(`requirements: not judged (environment markers): ${skipped.join(', ')}`);
  return lines;
}

module.exports = { check, parseRequirements, missing, normalize, markerHolds };
