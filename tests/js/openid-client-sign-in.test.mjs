// openid-client v6 (panva), a generic OIDC relying party nobody here wrote, signs a user in with
// the authorization code flow + PKCE: it builds the authorization URL and exchanges the code;
// the browser part (sign-in page → Experience API → consent) is the cookie-keeping client of
// support/edgeid.mjs. Then userinfo, refresh, and what must be refused (code replay, a wrong
// code_verifier, a missing PKCE challenge, a reused rotated refresh token).
//
//   cargo build -p edgeid-local && node --test tests/js/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { Browser, createUser, load, managementApi, pkcePair, startServer } from './support/edgeid.mjs';

const client = await load('openid-client');

let server;
let api;
let webApp; // a Traditional (confidential) app: { id, secret, redirectUri }

before(async () => {
  server = await startServer();
  api = await managementApi(server);
  const redirectUri = 'https://rp.example.com/callback';
  const created = await api.post('/applications', {
    name: 'openid-client RP',
    type: 'Traditional',
    oidcClientMetadata: { redirectUris: [redirectUri], postLogoutRedirectUris: ['https://rp.example.com/'] },
  });
  assert.ok(created.secret, 'the create response carries the plaintext secret once');
  webApp = { id: created.id, secret: created.secret, redirectUri };
});

after(() => server?.stop());

const insecure = { execute: [client.allowInsecureRequests] };
const discoverWebApp = () =>
  client.discovery(new URL(server.issuer), webApp.id, undefined, client.ClientSecretBasic(webApp.secret), insecure);
const discoverDemoApp = () => client.discovery(new URL(server.issuer), 'demo-app', undefined, client.None(), insecure);

/** Authorization URL → (browser signs in) → callback URL, plus what the RP must remember. */
async function authorize(config, user, { redirectUri, clientId, scope = 'openid profile email offline_access' }) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    prompt: 'consent',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const browser = new Browser(server.endpoint);
  const callback = await browser.signIn(url.href, {
    identifier: { type: 'username', value: user.username },
    password: user.password,
    clientId,
    redirectUri,
  });
  return { callback: new URL(callback), verifier, state, nonce, browser };
}

test('openid-client: authorization code + PKCE (confidential client), userinfo, refresh', async () => {
  const user = await createUser(api);
  const config = await discoverWebApp();
  const metadata = config.serverMetadata();
  assert.equal(metadata.authorization_endpoint, `${server.issuer}/auth`);
  assert.ok(metadata.code_challenge_methods_supported?.includes('S256'));
  assert.ok(metadata.grant_types_supported?.includes('authorization_code'));
  assert.ok(metadata.grant_types_supported?.includes('refresh_token'));

  const { callback, verifier, state, nonce } = await authorize(config, user, { redirectUri: webApp.redirectUri, clientId: webApp.id });
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.refresh_token, 'offline_access with consent gives a refresh token');
  assert.ok(tokens.expiresIn() > 0);
  const claims = tokens.claims();
  assert.equal(claims.sub, user.id);
  assert.equal(claims.aud, webApp.id);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.username, user.username);
  assert.equal(claims.email, user.primaryEmail);
  assert.equal(typeof claims.auth_time, 'number');

  // userinfo with the opaque access token; openid-client checks `sub` against the ID token's.
  const userInfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(userInfo.email, user.primaryEmail);
  assert.equal(userInfo.name, user.name);

  // Refresh: a new access token that works for userinfo; the ID token keeps the subject.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  if (refreshed.id_token) assert.equal(refreshed.claims().sub, user.id);
  const again = await client.fetchUserInfo(config, refreshed.access_token, user.id);
  assert.equal(again.sub, user.id);

  // The code was single use: replaying it fails, and what it issued is revoked.
  await assert.rejects(
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
    (err) => err instanceof client.ResponseBodyError && err.error === 'invalid_grant',
  );
  await assert.rejects(client.fetchUserInfo(config, tokens.access_token, user.id), (err) => err.status === 401);
  await assert.rejects(
    client.refreshTokenGrant(config, refreshed.refresh_token ?? tokens.refresh_token),
    (err) => err instanceof client.ResponseBodyError && err.error === 'invalid_grant',
  );
});

test('openid-client: a wrong code_verifier is invalid_grant', async () => {
  const user = await createUser(api);
  const config = await discoverWebApp();
  const { callback, state, nonce } = await authorize(config, user, { redirectUri: webApp.redirectUri, clientId: webApp.id });
  await assert.rejects(
    client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pkcePair().verifier,
      expectedState: state,
      expectedNonce: nonce,
    }),
    (err) => err instanceof client.ResponseBodyError && err.error === 'invalid_grant',
  );
});

test('openid-client: public SPA (demo-app) must use PKCE; refresh tokens rotate, and a reuse revokes the grant', async () => {
  const user = await createUser(api);
  const config = await discoverDemoApp();
  const redirectUri = `${server.endpoint}/demo-app`;

  // Without a code challenge the authorization endpoint refuses, at the (valid) redirect URI.
  const noPkce = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', state: 'no-pkce' });
  const refused = await new Browser(server.endpoint).get(noPkce.href);
  assert.equal(refused.status, 303);
  const error = new URL(refused.headers.get('location'));
  assert.equal(`${error.origin}${error.pathname}`, redirectUri);
  assert.equal(error.searchParams.get('error'), 'invalid_request');
  assert.equal(error.searchParams.get('state'), 'no-pkce');

  const { callback, verifier, state, nonce } = await authorize(config, user, { redirectUri, clientId: 'demo-app' });
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  assert.equal(tokens.claims().sub, user.id);
  assert.ok(tokens.refresh_token);

  // Public clients rotate: each refresh hands out a new refresh token.
  const first = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(first.refresh_token && first.refresh_token !== tokens.refresh_token, 'the refresh token rotated');
  const second = await client.refreshTokenGrant(config, first.refresh_token);
  assert.ok(second.refresh_token && second.refresh_token !== first.refresh_token);

  // Reusing a rotated token after the 3 s grace is a theft signal: refused, and the whole grant
  // (including the newest refresh token) is revoked.
  await sleep(3_500);
  await assert.rejects(
    client.refreshTokenGrant(config, tokens.refresh_token),
    (err) => err instanceof client.ResponseBodyError && err.error === 'invalid_grant',
  );
  await assert.rejects(
    client.refreshTokenGrant(config, second.refresh_token),
    (err) => err instanceof client.ResponseBodyError && err.error === 'invalid_grant',
  );
});
