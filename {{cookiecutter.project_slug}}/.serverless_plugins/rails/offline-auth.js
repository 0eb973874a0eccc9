'use strict';

// serverless-offline's custom authentication provider (custom.offline.customAuthenticationProvider, set by the auth
// rail under `npm run offline`): every route with an authorizer refuses what API Gateway would refuse, with its answers
// (401 {"message":"Unauthorized"}, 403 {"message":"Forbidden"} for a missing scope). serverless-offline alone would
// skip JWT authorizers or accept any token without checking its signature.
//
//   cognito, jwt   a token of the local issuer (local-issuer.js; `npm run token`): signature, issuer, audience,
//                  expiry and the route's scopes checked
//   iam            a SigV4 Authorization header is required (403 "Missing Authentication Token" without); its
//                  signature cannot be checked without AWS, so a signed request passes
//   public routes  (slsguard.public, auth none) pass, as in AWS
//
// Settings come from the rail in SLSGUARD_LOCAL_AUTH ({type, issuer, audience, root}); same process, no file.

const localIssuer = require('./local-issuer');

function settings() {
  return JSON.parse(process.env.SLSGUARD_LOCAL_AUTH || '{}');
}

function reply(h, status, message) {
  return h.response({ message }).code(status).takeover();
}

function authorizerOf(endpoint) {
  const authorizer = endpoint && endpoint.authorizer;
  if (!authorizer) return null;
  if (typeof authorizer === 'string') return authorizer.toLowerCase() === 'aws_iam' ? { type: 'aws_iam' } : { name: authorizer };
  return authorizer;
}

module.exports = function provider(endpoint, functionKey, method, path) {
  const name = `slsguard-local-${functionKey}-${method}-${path}`;
  const authorizer = authorizerOf(endpoint);
  return {
    name,
    scheme: `${name}-scheme`,
    getAuthenticateFunction: () => ({
      authenticate(request, h) {
        if (!authorizer) return h.authenticated({ credentials: {} });
        const header = request.headers.authorization;
        if (String(authorizer.type || '').toLowerCase() === 'aws_iam') {
          if (!header || !header.startsWith('AWS4-HMAC-SHA256 ')) return reply(h, 403, 'Missing Authentication Token');
          return h.authenticated({ credentials: {} });
        }
        const config = settings();
        const publicKey = localIssuer.keys(config.root).publicKey;
        const result = localIssuer.verify(header, { publicKey, issuer: config.issuer, audience: config.audience, scopes: authorizer.scopes || [] });
        if (result.claims) return h.authenticated({ credentials: { claims: result.claims } });
        return result.status === 403 ? reply(h, 403, 'Forbidden') : reply(h, 401, 'Unauthorized');
      },
    }),
  };
};
