'use strict';

// The local token issuer `npm run offline` trusts instead of Cognito or your OIDC issuer: an RSA key pair made on first
// use in .local-issuer/ (git-ignored, never deployed), tokens signed with it (RS256, as API Gateway's JWT authorizers
// require), and the check offline-auth.js runs on every protected route: signature, issuer, audience (or client_id),
// expiry, not-before and scopes, the checks of API Gateway's JWT authorizer. Node's own crypto: no dependency.
//
//   npm run --silent token                           a token for subject "local-user", valid 60 minutes
//   npm run --silent token -- --sub alice --scope "orders/read orders/write" --minutes 5
//   npm run --silent token -- --expired | --audience other | --issuer https://elsewhere/ | --unsigned | --foreign-key
//                                                    tokens the local API must refuse (what the tests send)

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const DIR = '.local-issuer';
const KID = 'local-1';

function issuerOf(service) {
  return `https://local-issuer.invalid/${service}`;
}

function audienceOf(service) {
  return `${service}-local`;
}

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

// The key pair, made once (private key readable by its owner only).
function keys(root, fresh = false) {
  const dir = path.join(root, DIR);
  const file = path.join(dir, 'private.pem');
  if (!fresh && fs.existsSync(file)) {
    const privateKey = crypto.createPrivateKey(fs.readFileSync(file));
    return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
  }
  const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (!fresh) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return pair;
}

function sign(claims, privateKey, { unsigned = false } = {}) {
  const header = unsigned ? { alg: 'none', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid: KID };
  const body = `${b64url(header)}.${b64url(claims)}`;
  return `${body}.${unsigned ? '' : crypto.sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
}

// { claims } for a token API Gateway's JWT authorizer would accept, else { status, reason } (401, or 403 for scopes).
function verify(token, { publicKey, issuer, audience, scopes = [], now = Date.now() / 1000 }) {
  const refuse = (reason, status = 401) => ({ status, reason });
  if (typeof token !== 'string' || !token) return refuse('no token');
  const parts = token.replace(/^Bearer\s+/i, '').split('.');
  if (parts.length !== 3) return refuse('not a JWT');
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return refuse('not a JWT');
  }
  if (!header || header.alg !== 'RS256' || header.kid !== KID) return refuse(`unsupported algorithm or key (${header && header.alg})`);
  const signed = crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'));
  if (!signed) return refuse('bad signature');
  if (!claims || typeof claims !== 'object') return refuse('no claims');
  if (claims.iss !== issuer) return refuse('wrong issuer');
  const audiences = [].concat(claims.aud === undefined ? [] : claims.aud, claims.client_id === undefined ? [] : claims.client_id);
  if (!audiences.some((a) => [].concat(audience).includes(a))) return refuse('wrong audience');
  if (typeof claims.exp !== 'number' || claims.exp <= now) return refuse('expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now) return refuse('not yet valid');
  if (scopes.length) {
    const held = [].concat(typeof claims.scope === 'string' ? claims.scope.split(' ') : [], Array.isArray(claims.scp) ? claims.scp : []);
    if (!scopes.some((s) => held.includes(s))) return refuse('missing scope', 403);
  }
  return { claims };
}

function option(args, name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

// `npm run token`: one token on stdout.
function cli(args, root = process.cwd()) {
  const service = option(args, 'service', JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name);
  const now = Math.floor(Date.now() / 1000);
  const minutes = Number(option(args, 'minutes', '60'));
  const claims = {
    sub: option(args, 'sub', 'local-user'),
    iss: option(args, 'issuer', issuerOf(service)),
    aud: option(args, 'audience', audienceOf(service)),
    iat: now,
    exp: args.includes('--expired') ? now - 60 : now + Math.round(minutes * 60),
    token_use: 'access',
  };
  const scope = option(args, 'scope', '');
  if (scope) claims.scope = scope;
  const groups = option(args, 'groups', '');
  if (groups) claims['cognito:groups'] = groups.split(',');
  const { privateKey } = keys(root, args.includes('--foreign-key'));
  return sign(claims, privateKey, { unsigned: args.includes('--unsigned') });
}

if (require.main === module) process.stdout.write(`${cli(process.argv.slice(2))}\n`);

module.exports = { keys, sign, verify, cli, issuerOf, audienceOf, DIR, KID };
