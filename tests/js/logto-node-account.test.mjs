// Logto's Account API as Logto's docs show it ("Account settings by Account API"), driven by a
// real client: @logto/node signs the user in (the browser part as in logto-node.test.mjs), the
// app takes the SDK's opaque access token (`getAccessToken()` without a resource) and calls
// /api/my-account and /api/verifications/password with plain fetch, then the SDK's own userinfo
// call sees the changes. An admin enables the account center first through the Management API,
// as the Console does. Runs against edgeid-local, or the host in EDGEID_JS_URL (Workers, Lambda).
//
//   cargo build -p edgeid-local && node --test tests/js/logto-node-account.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Browser, createUser, load, managementApi, randomId, startServer } from './support/edgeid.mjs';

const { default: LogtoClient, UserScope } = await load('@logto/node');

const DEMO_APP = 'demo-app';
const ORIGIN = 'https://account.example.com';

let server;
let api;

before(async () => {
  server = await startServer();
  api = await managementApi(server);
  // The same settings as the black-box suite (tests/src/harness/account.rs), since both may run
  // against one host: enabled, every field editable but the avatar, which is read-only.
  const settings = await api.patch('/account-center', {
    enabled: true,
    fields: {
      name: 'Edit', avatar: 'ReadOnly', profile: 'Edit', username: 'Edit', email: 'Edit', phone: 'Edit',
      password: 'Edit', social: 'Edit', customData: 'Edit', mfa: 'Edit',
    },
  });
  assert.equal(settings.enabled, true);
});

after(() => server?.stop());

class MemoryStorage {
  items = {};
  async getItem(key) {
    return this.items[key] ?? null;
  }
  async setItem(key, value) {
    this.items[key] = value;
  }
  async removeItem(key) {
    delete this.items[key];
  }
}

/** @logto/node signed in as `identifier` with the scopes Logto's docs list for the Account API. */
async function signedInSdk(identifier, password) {
  const navigation = { url: undefined };
  const logto = new LogtoClient(
    {
      endpoint: server.endpoint,
      appId: DEMO_APP,
      scopes: [UserScope.Email, UserScope.Phone, UserScope.CustomData, UserScope.Identities],
    },
    { navigate: (url) => (navigation.url = url), storage: new MemoryStorage() },
  );
  const redirectUri = `${server.endpoint}/${DEMO_APP}`;
  await logto.signIn({ redirectUri });
  const callback = await new Browser(server.endpoint).signIn(navigation.url, {
    identifier,
    password,
    clientId: DEMO_APP,
    redirectUri,
  });
  await logto.handleSignInCallback(callback);
  return logto;
}

/** The Account API the way the docs' curl examples call it. */
function accountApi(accessToken) {
  return async (method, path, { json, verificationId, origin } = {}) => {
    const headers = { authorization: `Bearer ${accessToken}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (verificationId) headers['logto-verification-id'] = verificationId;
    if (origin) headers.origin = origin;
    const response = await fetch(`${server.endpoint}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
}

test('@logto/node access token: read and update the account, verify the password, change it', async () => {
  const user = await createUser(api);
  const logto = await signedInSdk({ type: 'username', value: user.username }, user.password);

  // The access token without a resource is the opaque one the Account API takes.
  const accessToken = await logto.getAccessToken();
  assert.ok(accessToken && accessToken.split('.').length !== 3, `an opaque token, not a JWT: ${accessToken}`);
  const call = accountApi(accessToken);

  // GET /api/my-account: what the scopes and the account center allow.
  const read = await call('GET', '/api/my-account', { origin: ORIGIN });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.ok(['*', ORIGIN].includes(read.headers.get('access-control-allow-origin')), 'any origin may call the Account API');
  assert.equal(read.body.id, user.id);
  assert.equal(read.body.username, user.username);
  assert.equal(read.body.primaryEmail, user.primaryEmail);
  assert.deepEqual(read.body.customData, {}, 'custom_data scope: customData is returned');
  assert.ok(!('passwordDigest' in read.body));

  // A browser app sends a preflight before PATCH with the verification header.
  const preflight = await fetch(`${server.endpoint}/api/my-account`, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type,logto-verification-id',
    },
  });
  assert.ok([200, 204].includes(preflight.status), `preflight answered ${preflight.status}`);
  assert.ok(['*', ORIGIN].includes(preflight.headers.get('access-control-allow-origin')));
  const allowedHeaders = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  assert.ok(
    allowedHeaders === '*' || allowedHeaders.includes('logto-verification-id'),
    `the preflight allows the verification header: ${allowedHeaders}`,
  );

  // Name, custom data and profile need no verification.
  const name = `Jo ${randomId(6)}`;
  const patched = await call('PATCH', '/api/my-account', { json: { name, customData: { plan: 'pro' } } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.name, name);
  assert.deepEqual(patched.body.customData, { plan: 'pro' });
  const profile = await call('PATCH', '/api/my-account/profile', { json: { givenName: 'Jo', familyName: 'Doe' } });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  assert.equal(profile.body.givenName, 'Jo');
  assert.equal(profile.body.familyName, 'Doe');

  // The read-only avatar is refused.
  const avatar = await call('PATCH', '/api/my-account', { json: { avatar: 'https://example.com/a.png' } });
  assert.equal(avatar.status, 400);
  assert.equal(avatar.body.code, 'account_center.field_not_editable');

  // Username and password: first POST /api/verifications/password, then the record's id in the
  // logto-verification-id header.
  const newUsername = `renamed_${randomId(10)}`;
  const unverified = await call('PATCH', '/api/my-account', { json: { username: newUsername } });
  assert.equal(unverified.status, 401);
  assert.equal(unverified.body.code, 'verification_record.permission_denied');
  const wrong = await call('POST', '/api/verifications/password', { json: { password: `${user.password}-no` } });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.body.code, 'session.invalid_credentials');
  const verification = await call('POST', '/api/verifications/password', { json: { password: user.password } });
  assert.equal(verification.status, 201, JSON.stringify(verification.body));
  const { verificationRecordId, expiresAt } = verification.body;
  assert.ok(verificationRecordId);
  const ttl = Date.parse(expiresAt) - Date.now();
  assert.ok(ttl > 8 * 60_000 && ttl <= 10 * 60_000 + 5_000, `a record lives 10 minutes: expiresAt ${expiresAt}`);

  const renamed = await call('PATCH', '/api/my-account', {
    json: { username: newUsername },
    verificationId: verificationRecordId,
  });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  assert.equal(renamed.body.username, newUsername);
  const newPassword = `${user.password}-2`;
  const changed = await call('POST', '/api/my-account/password', {
    json: { password: newPassword },
    verificationId: verificationRecordId,
  });
  assert.equal(changed.status, 204, JSON.stringify(changed.body));

  // The SDK's userinfo (/oidc/me, another group) sees the new name and username.
  const userInfo = await logto.fetchUserInfo();
  assert.equal(userInfo.name, name);
  assert.equal(userInfo.username, newUsername);
  assert.deepEqual(userInfo.custom_data, { plan: 'pro' });

  // The next sign-in takes the new username and password.
  const again = await signedInSdk({ type: 'username', value: newUsername }, newPassword);
  assert.equal((await again.getIdTokenClaims()).sub, user.id);
});

test('@logto/node access token: another user\'s verification record does not verify me', async () => {
  const alice = await createUser(api);
  const bob = await createUser(api);
  const aliceCall = accountApi(await (await signedInSdk({ type: 'username', value: alice.username }, alice.password)).getAccessToken());
  const bobCall = accountApi(await (await signedInSdk({ type: 'username', value: bob.username }, bob.password)).getAccessToken());
  const bobs = await bobCall('POST', '/api/verifications/password', { json: { password: bob.password } });
  assert.equal(bobs.status, 201);
  const refused = await aliceCall('POST', '/api/my-account/password', {
    json: { password: 'Stolen-password-1' },
    verificationId: bobs.body.verificationRecordId,
  });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, 'verification_record.permission_denied');
  // Alice's password is unchanged.
  const check = await aliceCall('POST', '/api/verifications/password', { json: { password: alice.password } });
  assert.equal(check.status, 201);
});

test('the Account API refuses calls without a user\'s opaque token', async () => {
  const missing = await fetch(`${server.endpoint}/api/my-account`);
  assert.equal(missing.status, 401);
  assert.equal((await missing.json()).code, 'auth.authorization_header_missing');
  const bogus = await accountApi('not-a-real-token')('GET', '/api/my-account');
  assert.equal(bogus.status, 401);
  assert.equal(bogus.body.code, 'auth.unauthorized');
});
