// Logto's own Node SDK (@logto/node) signs a user in against edgeid the way Logto's integration
// tests do it (packages/integration-tests/src/client/index.ts + helpers/experience/index.ts):
// the SDK's `navigate` hands over the authorization URL; a cookie-keeping client opens it, signs
// in through the Experience API (PUT /api/experience → password verification → identification →
// submit), follows redirectTo → /consent → the callback; the SDK exchanges the code, verifies the
// ID token against the JWKS, fetches userinfo, gets an access token for an API resource with the
// refresh token, and signs out. The user, the API resource and the role are created through the
// Management API with the bootstrap M2M app.
//
//   cargo build -p edgeid-local && node --test tests/js/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Browser, createUser, load, managementApi, randomId, startServer } from './support/edgeid.mjs';

const { default: LogtoClient } = await load('@logto/node');

const DEMO_APP = 'demo-app';

let server;
let api;
let resource; // { indicator, scope, roleName }

before(async () => {
  server = await startServer();
  api = await managementApi(server);
  // An API resource with one scope, reachable through a User role: what an app's back end is.
  const indicator = `https://${randomId(8)}.api.example.com`;
  const created = await api.post('/resources', { name: 'Orders', indicator }, 201);
  await api.post(`/resources/${created.id}/scopes`, { name: 'read:orders', description: 'read orders' }, 201);
  const scopes = await api.get(`/resources/${created.id}/scopes`);
  const roleName = `order-reader-${randomId(6)}`;
  await api.post('/roles', { name: roleName, description: 'reads orders', type: 'User', scopeIds: scopes.map((s) => s.id) }, 200);
  resource = { indicator, scope: 'read:orders', roleName };
  // Logto's default sign-in experience signs in by username + password only; allow email +
  // password too, as an admin would in the Console.
  const password = { password: true, verificationCode: false, isPasswordPrimary: true };
  await api.patch('/sign-in-exp', {
    signIn: { methods: [{ identifier: 'username', ...password }, { identifier: 'email', ...password }] },
  });
});

after(() => server?.stop());

/** Logto's MemoryStorage (integration-tests/src/client/storage.ts). */
class MemoryStorage {
  items = { idToken: null, refreshToken: null, accessToken: null, signInSession: null };
  async getItem(key) {
    return this.items[key] ?? null;
  }
  async setItem(key, value) {
    this.items[key] = value;
  }
  async removeItem(key) {
    this.items[key] = null;
  }
}

/** The SDK as MockClient builds it, plus the URL its `navigate` was last given. */
function sdkClient(config = {}) {
  const storage = new MemoryStorage();
  const navigation = { url: undefined };
  const logto = new LogtoClient(
    { endpoint: server.endpoint, appId: DEMO_APP, persistAccessToken: false, ...config },
    { navigate: (url) => (navigation.url = url), storage },
  );
  return { logto, storage, navigation };
}

async function userWithRole() {
  const user = await createUser(api);
  const roles = await api.get(`/roles?search=${encodeURIComponent(resource.roleName)}`);
  const role = roles.find((r) => r.name === resource.roleName);
  assert.ok(role, `role ${resource.roleName} is listed`);
  await api.post(`/users/${user.id}/roles`, { roleIds: [role.id] }, 201);
  return user;
}

test('@logto/node: sign-in through the Experience API, tokens, userinfo, resource token', async () => {
  const user = await userWithRole();
  const redirectUri = `${server.endpoint}/${DEMO_APP}`; // demoAppRedirectUri in Logto's constants
  const { logto, storage, navigation } = sdkClient({
    scopes: ['email', 'roles', resource.scope],
    resources: [resource.indicator],
  });
  const browser = new Browser(server.endpoint);

  // 1. The SDK builds the authorization URL and "navigates" there.
  await logto.signIn({ redirectUri });
  assert.ok(navigation.url?.startsWith(`${server.endpoint}/oidc/auth?`), `navigate got ${navigation.url}`);
  const authorization = new URL(navigation.url);
  assert.equal(authorization.searchParams.get('client_id'), DEMO_APP);
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authorization.searchParams.get('prompt'), 'consent');

  // 2. The browser part, hop by hop (MockClient.initSession, signInWithPassword, processSession).
  await browser.openAuthorization(navigation.url);
  const redirectTo = await browser.signInWithPassword({
    identifier: { type: 'username', value: user.username },
    password: user.password,
  });
  const callback = await browser.finishAuthorization(redirectTo, {
    clientId: DEMO_APP,
    redirectUri,
    likeLogtoMockClient: true,
  });
  const callbackParams = new URL(callback).searchParams;
  assert.ok(callbackParams.get('code'), `the callback carries a code: ${callback}`);
  assert.equal(callbackParams.get('state'), JSON.parse(storage.items.signInSession).state);
  assert.equal(callbackParams.get('iss'), server.issuer, 'RFC 9207 iss in the authorization response');

  // 3. The SDK exchanges the code (PKCE) and verifies the ID token against the JWKS.
  await logto.handleSignInCallback(callback);
  assert.equal(await logto.isAuthenticated(), true);
  const claims = await logto.getIdTokenClaims();
  assert.equal(claims.sub, user.id);
  assert.equal(claims.iss, server.issuer);
  assert.equal(claims.aud, DEMO_APP);
  assert.equal(claims.username, user.username);
  assert.equal(claims.email, user.primaryEmail);
  assert.ok(claims.at_hash, 'the ID token binds the access token (at_hash)');
  assert.ok(await logto.getRefreshToken(), 'offline_access + consent gives a refresh token');

  // 4. userinfo with the opaque access token (no resource).
  const userInfo = await logto.fetchUserInfo();
  assert.equal(userInfo.sub, user.id);
  assert.equal(userInfo.username, user.username);
  assert.equal(userInfo.email, user.primaryEmail);
  assert.equal(userInfo.name, user.name);
  assert.deepEqual(userInfo.roles, [resource.roleName]);

  // 5. An access token for the API resource, minted from the refresh token: a JWT for that
  //    audience with the scope the user's role grants.
  const resourceToken = await logto.getAccessToken(resource.indicator);
  const resourceClaims = await logto.getAccessTokenClaims(resource.indicator);
  assert.equal(resourceToken.split('.').length, 3, 'a resource access token is a JWT');
  assert.equal(resourceClaims.aud, resource.indicator);
  assert.equal(resourceClaims.sub, user.id);
  assert.equal(resourceClaims.client_id, DEMO_APP);
  assert.equal(resourceClaims.scope, resource.scope);
  // The token the SDK holds is cached: a second call does not hit the token endpoint again.
  assert.equal(await logto.getAccessToken(resource.indicator), resourceToken);

});

test('@logto/node: a second app sign-in in the same browser skips the sign-in page', async () => {
  const user = await createUser(api);
  const redirectUri = `${server.endpoint}/${DEMO_APP}`;
  const browser = new Browser(server.endpoint);
  const first = sdkClient();
  await first.logto.signIn({ redirectUri });
  const callback = await browser.signIn(first.navigation.url, {
    identifier: { type: 'email', value: user.primaryEmail },
    password: user.password,
    clientId: DEMO_APP,
    redirectUri,
  });
  await first.logto.handleSignInCallback(callback);
  assert.equal((await first.logto.getIdTokenClaims()).sub, user.id);

  // Same browser, new SDK instance, `prompt=login` not asked: the session signs it in; the SDK's
  // default `prompt=consent` still passes through the consent step.
  const second = sdkClient();
  await second.logto.signIn({ redirectUri });
  const resumed = await browser.get(second.navigation.url);
  const location = resumed.headers.get('location') ?? '';
  assert.equal(resumed.status, 303, browser.steps.join('\n'));
  assert.ok(!location.startsWith('/sign-in'), `an existing session does not go to the sign-in page: ${location}`);
  let next = location;
  for (let hop = 0; hop < 4 && !next.startsWith(redirectUri); hop += 1) {
    const response = await browser.get(next);
    next = response.headers.get('location') ?? '';
    assert.ok([302, 303].includes(response.status), browser.steps.join('\n'));
  }
  await second.logto.handleSignInCallback(next);
  assert.equal((await second.logto.getIdTokenClaims()).sub, user.id);
});

test('@logto/node: a wrong password is refused with Logto\'s error and the interaction can retry', async () => {
  const user = await createUser(api);
  const redirectUri = `${server.endpoint}/${DEMO_APP}`;
  const { logto, navigation } = sdkClient();
  const browser = new Browser(server.endpoint);
  await logto.signIn({ redirectUri });
  await browser.openAuthorization(navigation.url);
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  const wrong = await browser.experience(
    'POST',
    '/verification/password',
    { identifier: { type: 'username', value: user.username }, password: `${user.password}-wrong` },
    422,
  );
  assert.equal(wrong.code, 'session.invalid_credentials');
  // An unknown user gets the same answer (no account enumeration).
  const unknown = await browser.experience(
    'POST',
    '/verification/password',
    { identifier: { type: 'username', value: `nobody_${randomId(8)}` }, password: user.password },
    422,
  );
  assert.equal(unknown.code, 'session.invalid_credentials');
  // Submitting before identification is refused.
  const early = await browser.experience('POST', '/submit', undefined, 404);
  assert.equal(early.code, 'session.identifier_not_found');

  const redirectTo = await browser.signInWithPassword({
    identifier: { type: 'username', value: user.username },
    password: user.password,
  });
  const callback = await browser.finishAuthorization(redirectTo, { clientId: DEMO_APP, redirectUri });
  await logto.handleSignInCallback(callback);
  assert.equal((await logto.getIdTokenClaims()).sub, user.id);
});

test('@logto/node: the Experience API refuses a browser without the interaction cookie', async () => {
  const browser = new Browser(server.endpoint);
  const body = await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 400);
  assert.equal(body.code, 'session.not_found');
});

test('@logto/node: sign-out revokes the refresh token and ends the session', async () => {
  const user = await createUser(api);
  const redirectUri = `${server.endpoint}/${DEMO_APP}`;
  const { logto, navigation } = sdkClient();
  const browser = new Browser(server.endpoint);
  await logto.signIn({ redirectUri });
  const callback = await browser.signIn(navigation.url, {
    identifier: { type: 'username', value: user.username },
    password: user.password,
    clientId: DEMO_APP,
    redirectUri,
  });
  await logto.handleSignInCallback(callback);
  const refreshToken = await logto.getRefreshToken();
  assert.ok(refreshToken);

  // Logto's logoutClient: the SDK revokes the refresh token and navigates to the end-session
  // endpoint with client_id only; the browser submits the page's form.
  await logto.signOut();
  assert.equal(await logto.isAuthenticated(), false);
  const endSession = new URL(navigation.url);
  assert.equal(`${endSession.origin}${endSession.pathname}`, `${server.issuer}/session/end`);
  assert.equal(endSession.searchParams.get('client_id'), DEMO_APP);
  const ended = await browser.endSession(navigation.url);
  assert.ok([200, 302, 303].includes(ended.status), `end-session confirmation: ${browser.steps.join('\n')}`);

  const refreshed = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: DEMO_APP, refresh_token: refreshToken }),
  });
  assert.equal(refreshed.status, 400);
  assert.equal((await refreshed.json()).error, 'invalid_grant');

  // The session is gone: the same browser is asked to sign in again.
  const again = sdkClient();
  await again.logto.signIn({ redirectUri });
  await browser.openAuthorization(again.navigation.url);
});
