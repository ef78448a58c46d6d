// Social sign-in end to end against a real OpenID Connect provider: node-oidc-provider (panva's,
// the library Logto itself is built on) runs in this process as the "social" IdP, with a client
// registered for edgeid's callback URL and test accounts; edgeid-local uses its generic `oidc`
// connector (code + PKCE + state + nonce, ID token checked against the IdP's JWKS).
//
// A cookie-keeping browser walks both sides: edgeid's /oidc/auth → Experience API
// (authorization-uri) → the IdP's login and consent → the IdP redirects to edgeid's callback →
// verify → identification (register a new user, sign in again, link by email) → submit →
// tokens. Then what must be refused: a tampered state, a nonce that is not this sign-in's, the
// user cancelling at the IdP (access_denied), and the IdP being down.
//
//   cargo build -p edgeid-local && node --test tests/js/social-oidc.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { Browser, createUser, freePort, load, managementApi, pkcePair, randomId, startServer } from './support/edgeid.mjs';

const { default: Provider } = await load('oidc-provider');

let server; // edgeid-local
let api; // its Management API
let idp; // { issuer, provider, close() }
let connectorId;
let webApp; // an edgeid Traditional app the "relying party" signs in to

/** The IdP's accounts: login name → claims. */
const accounts = new Map();

async function startIdp(port, redirectUri) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'edgeid',
        client_secret: 'edgeid-secret',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    // Claims in the ID token (Logto's OIDC connector reads only the ID token).
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    scopes: ['openid', 'email', 'profile'],
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    async findAccount(_ctx, sub) {
      const claims = accounts.get(sub) ?? {};
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
  });
  const listener = await new Promise((resolve) => {
    const http = provider.listen(port, '127.0.0.1', () => resolve(http));
  });
  return {
    issuer,
    provider,
    close: () => new Promise((resolve) => listener.close(resolve)),
  };
}

before(async () => {
  server = await startServer();
  api = await managementApi(server);
  const rp = 'https://rp.example.com/callback';
  const created = await api.post('/applications', {
    name: 'social RP',
    type: 'Traditional',
    oidcClientMetadata: { redirectUris: [rp], postLogoutRedirectUris: [] },
  });
  webApp = { id: created.id, secret: created.secret, redirectUri: rp };

  const idpPort = await freePort();
  const issuer = `http://127.0.0.1:${idpPort}`;
  const connector = await api.post('/connectors', {
    connectorId: 'oidc',
    metadata: { target: 'test-idp', name: { en: 'Test IdP' } },
    config: {
      authorizationEndpoint: `${issuer}/auth`,
      tokenEndpoint: `${issuer}/token`,
      clientId: 'edgeid',
      clientSecret: 'edgeid-secret',
      scope: 'openid profile email',
      idTokenVerificationConfig: { jwksUri: `${issuer}/jwks`, issuer },
    },
  });
  connectorId = connector.id;
  idp = await startIdp(idpPort, `${server.endpoint}/callback/${connectorId}`);
});

after(async () => {
  await idp?.close();
  server?.stop();
});

/** edgeid's /oidc/auth for the RP app → the browser is at the sign-in page with an interaction. */
async function openEdgeid() {
  const browser = new Browser(server.endpoint);
  const { verifier, challenge } = pkcePair();
  const url = new URL(`${server.issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: webApp.id,
    redirect_uri: webApp.redirectUri,
    response_type: 'code',
    scope: 'openid profile email',
    state: randomId(),
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(k, v);
  }
  await browser.openAuthorization(url.href);
  return { browser, verifier };
}

/** POST .../authorization-uri: the IdP URL and the social verification record. */
async function startSocial(browser, state = randomId()) {
  const redirectUri = `${server.endpoint}/callback/${connectorId}`;
  const { authorizationUri, verificationId } = await browser.experience(
    'POST',
    `/verification/social/${connectorId}/authorization-uri`,
    { state, redirectUri },
    200,
  );
  const url = new URL(authorizationUri);
  assert.equal(`${url.origin}${url.pathname}`, `${idp.issuer}/auth`);
  assert.equal(url.searchParams.get('state'), state);
  assert.equal(url.searchParams.get('redirect_uri'), redirectUri);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(url.searchParams.get('nonce'), 'a nonce is sent');
  assert.ok(url.searchParams.get('scope').split(' ').includes('openid'));
  return { url, verificationId, state };
}

/** The person at the IdP: log in as `login`, consent; returns the callback URL edgeid gets. */
async function atIdp(authorizationUrl, { login, abort = false }) {
  const browser = new Browser(idp.issuer);
  const start = await browser.get(authorizationUrl.href);
  const loginAt = start.headers.get('location');
  browser.assert(start.status === 303 && loginAt?.includes('/interaction/'), 'the IdP asks the user to log in');
  if (abort) {
    const aborted = await browser.get(`${loginAt}/abort`);
    return followToCallback(browser, aborted);
  }
  const afterLogin = await browser.request('POST', loginAt, { form: { prompt: 'login', login, password: 'any' } });
  const resumed = await browser.get(afterLogin.headers.get('location'));
  const consentAt = resumed.headers.get('location');
  if (consentAt?.includes('/interaction/')) {
    const afterConsent = await browser.request('POST', consentAt, { form: { prompt: 'consent' } });
    return followToCallback(browser, afterConsent);
  }
  return new URL(consentAt);
}

async function followToCallback(browser, response) {
  let current = response;
  for (let hops = 0; hops < 5; hops += 1) {
    const location = current.headers.get('location');
    browser.assert([302, 303].includes(current.status) && location, 'the IdP redirects');
    if (location.startsWith(`${server.endpoint}/callback/`)) return new URL(location);
    current = await browser.get(location);
  }
  throw new Error(`no callback after 5 hops:\n${browser.steps.join('\n')}`);
}

const dataOf = (callback) => Object.fromEntries(callback.searchParams);

/** Submit → finish the authorization → exchange the code at edgeid → ID token claims. */
async function finish(browser, verifier) {
  const { redirectTo } = await browser.experience('POST', '/submit', undefined, 200);
  const callback = new URL(
    await browser.finishAuthorization(redirectTo, { clientId: webApp.id, redirectUri: webApp.redirectUri }),
  );
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${webApp.id}:${webApp.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code'),
      redirect_uri: webApp.redirectUri,
      code_verifier: verifier,
    }),
  });
  const tokens = await response.json();
  assert.equal(response.status, 200, JSON.stringify(tokens));
  const [, payload] = tokens.id_token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

async function verify(browser, verificationId, connectorData, expectedStatus = 200) {
  return browser.experience(
    'POST',
    `/verification/social/${connectorId}/verify`,
    { verificationId, connectorData },
    expectedStatus,
  );
}

test('social OIDC: register through the IdP, sign in again, link an existing user by email', async () => {
  const login = `idp-${randomId(8)}`;
  accounts.set(login, { email: `${login}@idp.example`, email_verified: true, name: 'Idp Person', picture: 'https://idp.example/p.png' });

  // 1. First visit: unknown identity → register.
  let { browser, verifier } = await openEdgeid();
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  let { url, verificationId } = await startSocial(browser);
  let callback = await atIdp(url, { login });
  assert.ok(callback.searchParams.get('code'), 'the IdP sends a code');
  await verify(browser, verificationId, dataOf(callback));
  const notYet = await browser.experience('POST', '/identification', { verificationId }, 404);
  assert.equal(notYet.code, 'user.identity_not_exist');
  await browser.experience('PUT', '/interaction-event', { interactionEvent: 'Register' }, 204);
  const missing = await browser.experience('POST', '/identification', { verificationId }, 422);
  assert.deepEqual(missing.data, { missingProfile: ['username'] }, 'the default sign-up still wants a username');
  const username = `social_${randomId(8)}`;
  await browser.experience('POST', '/profile', { type: 'username', value: username }, 204);
  await browser.experience('POST', '/identification', {}, 201);
  const first = await finish(browser, verifier);
  const user = await api.get(`/users/${first.sub}`);
  assert.equal(user.username, username);
  assert.equal(user.primaryEmail, `${login}@idp.example`, 'the verified email comes along');
  assert.equal(user.name, 'Idp Person');
  assert.equal(user.identities['test-idp'].userId, login);

  // 2. Second visit: the same identity signs the same user in.
  ({ browser, verifier } = await openEdgeid());
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  ({ url, verificationId } = await startSocial(browser));
  callback = await atIdp(url, { login });
  await verify(browser, verificationId, dataOf(callback));
  await browser.experience('POST', '/identification', { verificationId }, 204);
  const second = await finish(browser, verifier);
  assert.equal(second.sub, first.sub);

  // 3. An existing edgeid user with the same (verified) email: offered, then linked.
  const existing = await createUser(api);
  const other = `idp-${randomId(8)}`;
  accounts.set(other, { email: existing.primaryEmail, email_verified: true, name: 'Same Person' });
  ({ browser, verifier } = await openEdgeid());
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  ({ url, verificationId } = await startSocial(browser));
  callback = await atIdp(url, { login: other });
  await verify(browser, verificationId, dataOf(callback));
  const related = await browser.experience('POST', '/identification', { verificationId }, 404);
  assert.equal(related.code, 'user.identity_not_exist');
  assert.deepEqual(related.data, { relatedUser: { type: 'email', value: existing.primaryEmail } });
  await browser.experience('POST', '/identification', { verificationId, linkSocialIdentity: true }, 204);
  const linked = await finish(browser, verifier);
  assert.equal(linked.sub, existing.id);
  const after = await api.get(`/users/${existing.id}`);
  assert.equal(after.identities['test-idp'].userId, other);
});

test('social OIDC: a tampered state, a foreign nonce and a cancelled sign-in are refused', async () => {
  const login = `idp-${randomId(8)}`;
  accounts.set(login, { email: `${login}@idp.example`, email_verified: true });

  // Tampered state: the callback does not belong to this sign-in.
  let { browser } = await openEdgeid();
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  let { url, verificationId } = await startSocial(browser);
  let callback = await atIdp(url, { login });
  const tampered = { ...dataOf(callback), state: 'forged-state' };
  let refused = await verify(browser, verificationId, tampered, 401);
  assert.equal(refused.code, 'connector.authorization_failed');
  // The connector session is spent: the genuine callback cannot be replayed after that.
  refused = await verify(browser, verificationId, dataOf(callback), 400);
  assert.equal(refused.code, 'session.connector_validation_session_not_found');
  let shown = await browser.experience('GET', '/interaction', undefined, 200);
  assert.equal(shown.verificationRecords[0].socialUserInfo, undefined, 'nothing was verified');

  // A nonce that is not this sign-in's: the IdP signs an ID token for another request.
  ({ browser } = await openEdgeid());
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  ({ url, verificationId } = await startSocial(browser));
  url.searchParams.set('nonce', 'someone-elses-nonce');
  callback = await atIdp(url, { login });
  refused = await verify(browser, verificationId, dataOf(callback), 401);
  assert.equal(refused.code, 'connector.social_invalid_id_token');

  // The user cancels at the IdP: error=access_denied comes back.
  ({ browser } = await openEdgeid());
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  ({ url, verificationId } = await startSocial(browser));
  callback = await atIdp(url, { login, abort: true });
  assert.equal(callback.searchParams.get('error'), 'access_denied');
  refused = await verify(browser, verificationId, dataOf(callback), 401);
  assert.equal(refused.code, 'connector.authorization_failed');

  // A form_post callback is turned into a GET with the same fields.
  const posted = await new Browser(server.endpoint).request('POST', `/callback/${connectorId}`, {
    form: { code: 'c', state: 's' },
  });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), `/callback/${connectorId}?code=c&state=s`);
});

test('social OIDC: the IdP being down is a clear 400, not a 5xx', async () => {
  const { browser } = await openEdgeid();
  await browser.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
  const { verificationId, state } = await startSocial(browser);
  await idp.close();
  idp = undefined;
  const refused = await verify(browser, verificationId, { code: 'any', state }, 400);
  assert.equal(refused.code, 'connector.general');
  assert.match(refused.message, /could not be reached/);
});
