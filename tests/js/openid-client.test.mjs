// A client nobody here wrote drives the real server: openid-client v6 (panva) does discovery
// and client_credentials against `edgeid-local`, jose verifies the access token against the
// published JWKS, and the token opens the Management API. Run by `.ci/run` (openid-client tier):
//
//   cargo build -p edgeid-local && node --test tests/js/
//
// EDGEID_LOCAL_BIN overrides the binary (default: $CARGO_TARGET_DIR or ./target, /debug/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { MANAGEMENT_API, load, spawnLocal } from './support/edgeid.mjs';

const client = await load('openid-client');
const { createRemoteJWKSet, jwtVerify } = await load('jose');

// Logto-style ids: 21 lowercase alphanumerics.
const randomId = () => randomBytes(21).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'a').slice(0, 21);
const clientId = randomId();
const clientSecret = randomBytes(24).toString('base64url');

let server;
let issuer;

before(async () => {
  server = await spawnLocal({ EDGEID_BOOTSTRAP_CLIENT_ID: clientId, EDGEID_BOOTSTRAP_CLIENT_SECRET: clientSecret });
  issuer = server.issuer;
});

after(() => {
  server?.stop();
});

async function discover(secret) {
  return client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

test('discovery and client_credentials: the access token verifies against the JWKS', async () => {
  const config = await discover(clientSecret);
  const metadata = config.serverMetadata();
  assert.equal(metadata.issuer, issuer);
  assert.ok(metadata.grant_types_supported?.includes('client_credentials'));

  const tokens = await client.clientCredentialsGrant(config, { resource: MANAGEMENT_API, scope: 'all' });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.scope, 'all');
  assert.ok(tokens.expiresIn() > 0, 'expires_in is positive');

  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
    issuer,
    audience: MANAGEMENT_API,
    typ: 'at+jwt',
  });
  assert.equal(protectedHeader.alg, 'ES256', 'ES256 is the default signing algorithm');
  assert.ok(protectedHeader.kid, 'the header names its key');
  assert.equal(payload.sub, clientId);
  assert.equal(payload.client_id, clientId);
  assert.equal(payload.scope, 'all');
  assert.ok(typeof payload.jti === 'string' && payload.jti.length > 0);
  assert.ok(payload.exp > payload.iat);

  // A token altered after signing is rejected by the same verification.
  const [header, body] = tokens.access_token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...payload, scope: 'all extra' })).toString('base64url');
  await assert.rejects(jwtVerify(`${header}.${forged}.${tokens.access_token.split('.')[2]}`, jwks), {
    code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  });
  assert.notEqual(forged, body);
});

test('the access token is accepted by the Management API, and no token is refused', async () => {
  const config = await discover(clientSecret);
  const tokens = await client.clientCredentialsGrant(config, { resource: MANAGEMENT_API, scope: 'all' });
  const applications = new URL('/api/applications', issuer);

  const response = await client.fetchProtectedResource(config, tokens.access_token, applications, 'GET');
  assert.equal(response.status, 200);
  const list = await response.json();
  assert.ok(Array.isArray(list), 'GET /api/applications returns an array');
  assert.ok(list.some((app) => app.id === clientId), 'the bootstrap application is listed');

  const anonymous = await fetch(applications);
  assert.equal(anonymous.status, 401);
  // Logto's code for a request without an Authorization header.
  assert.equal((await anonymous.json()).code, 'auth.authorization_header_missing');
});

test('introspection through openid-client reports the token active', async () => {
  const config = await discover(clientSecret);
  const tokens = await client.clientCredentialsGrant(config, { resource: MANAGEMENT_API, scope: 'all' });
  const introspection = await client.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspection.active, true);
  assert.equal(introspection.client_id, clientId);
  assert.equal(introspection.scope, 'all');
});

test('a revoked token is inactive and refused by the Management API', async () => {
  const config = await discover(clientSecret);
  const tokens = await client.clientCredentialsGrant(config, { resource: MANAGEMENT_API, scope: 'all' });
  const applications = new URL('/api/applications', issuer);
  assert.equal((await client.fetchProtectedResource(config, tokens.access_token, applications, 'GET')).status, 200);

  // edgeid revokes its JWT access tokens (Logto answers unsupported_token_type): see
  // docs/compatibility.md.
  await client.tokenRevocation(config, tokens.access_token);
  const introspection = await client.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspection.active, false);
  assert.deepEqual(Object.keys(introspection), ['active'], 'an inactive answer says nothing else');
  // Logto's guard answers 401 JSON without a WWW-Authenticate challenge, so openid-client
  // hands back the response.
  const refused = await client.fetchProtectedResource(config, tokens.access_token, applications, 'GET');
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).code, 'auth.unauthorized');
});

test('a wrong secret surfaces as invalid_client (401 with a Basic challenge, as Logto sends)', async () => {
  const config = await discover(`${clientSecret}-wrong`);
  // RFC 6749 §5.2: a client that used HTTP Basic gets 401 + WWW-Authenticate. Logto's engine
  // puts the OAuth error into the challenge (Basic realm=…, error="invalid_client"), and
  // openid-client surfaces that challenge rather than the body.
  const err = await client.clientCredentialsGrant(config, { resource: MANAGEMENT_API, scope: 'all' }).then(
    () => assert.fail('a wrong secret was accepted'),
    (e) => e,
  );
  assert.ok(err instanceof client.WWWAuthenticateChallengeError, `expected a WWW-Authenticate challenge, got ${err}`);
  assert.equal(err.status, 401);
  const [challenge] = err.cause;
  assert.equal(challenge.scheme, 'basic');
  assert.equal(challenge.parameters.error, 'invalid_client');
  assert.equal((await err.response.json()).error, 'invalid_client');
});

test('an unknown resource surfaces as invalid_target', async () => {
  const config = await discover(clientSecret);
  await assert.rejects(
    client.clientCredentialsGrant(config, { resource: 'https://unknown.example.com/api', scope: 'all' }),
    (err) => {
      assert.ok(err instanceof client.ResponseBodyError, `expected ResponseBodyError, got ${err}`);
      assert.equal(err.error, 'invalid_target');
      assert.equal(err.status, 400);
      return true;
    },
  );
});
