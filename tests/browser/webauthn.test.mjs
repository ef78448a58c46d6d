// WebAuthn as a second factor, with real browser ceremonies: Chromium's virtual authenticator
// (CDP `WebAuthn.addVirtualAuthenticator`: CTAP2, internal transport, resident keys, user
// verification) answers `navigator.credentials.create/get` for the options edgeid hands out,
// and edgeid verifies what the browser sends back (attestation, assertion signature, counter).
//
// The endpoint is `http://localhost:<port>`: the RP ID is the endpoint's host, and WebAuthn
// needs a domain (not an IP address); localhost is a secure context over plain HTTP.
//
// 1. Through the sign-in page: MFA is mandatory with WebAuthn as the factor, so a new
//    person's first sign-in creates a passkey, and the next sign-in (same authenticator, a
//    fresh browser) needs it.
// 2. Through the Experience API alone, from a page at edgeid's origin served by this test
//    (request interception): the same ceremonies plus what the page cannot show — a replayed
//    response is refused, the password alone is 403 `session.mfa.require_mfa_verification`.
// Run by `.ci/run` (browser tier).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { start, openPage, snap } from './harness.mjs';
import { createApp, PASSWORD, unique, shown, signInWithPassword } from './app.mjs';

let env;
let client; // the test SPA (app.mjs)

const TEST_PAGE = '/__webauthn-test';

before(async () => {
  env = await start({ host: 'localhost' });
  client = await createApp(env);
  await env.admin('PATCH', '/sign-in-exp', {
    signInMode: 'SignInAndRegister',
    signIn: { methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }] },
    signUp: { identifiers: ['username'], password: true, verify: false },
    mfa: { factors: ['WebAuthn'], policy: 'Mandatory' },
  });
});

after(async () => {
  client?.close();
  await env?.stop();
});

const webAuthnFactor = async (userId) =>
  (await env.admin('GET', `/users/${userId}/mfa-verifications`)).find((f) => f.type === 'WebAuthn');

/** A virtual platform authenticator for `page` (user verification always succeeds). */
async function virtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    add: (credential) => cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
  };
}

test('the sign-in page creates a passkey on the first sign-in and asks for it on the next', async () => {
  const user = await env.admin('POST', '/users', { username: unique('passkey'), password: PASSWORD });

  // First sign-in: MFA is mandatory and there is no factor yet, so the page offers to create one.
  const first = await client.startSignIn();
  const authenticator = await virtualAuthenticator(first.page);
  await signInWithPassword(first.page, user.username);
  const create = shown(first.page).getByRole('button', { name: 'Create a passkey' });
  await create.waitFor();
  await snap(first.page, 'webauthn-bind');
  await create.click();
  assert.equal((await client.finish(first.page, first.auth)).sub, user.id);
  const [credential] = await authenticator.credentials();
  assert.equal(credential.isResidentCredential, true);
  assert.equal(Buffer.from(credential.userHandle, 'base64').toString(), user.id);
  assert.equal(credential.rpId, 'localhost');
  const bound = await webAuthnFactor(user.id);
  assert.ok(bound, 'the user holds a WebAuthn factor');
  assert.equal(bound.lastUsedAt, undefined);
  assert.deepEqual(first.problems, []);
  await first.context.close();

  // Next sign-in, in a fresh browser with the same authenticator: the password is not enough.
  const second = await client.startSignIn();
  const same = await virtualAuthenticator(second.page);
  await same.add(credential);
  await signInWithPassword(second.page, user.username);
  const use = shown(second.page).getByRole('button', { name: 'Use my passkey' });
  await use.waitFor();
  await snap(second.page, 'webauthn-verify');
  await use.click();
  assert.equal((await client.finish(second.page, second.auth)).sub, user.id);
  const [after] = await same.credentials();
  assert.ok(after.signCount > credential.signCount, `the authenticator signed (${after.signCount})`);
  assert.ok((await webAuthnFactor(user.id)).lastUsedAt, 'lastUsedAt is recorded');
  assert.deepEqual(second.problems, []);
  await second.context.close();
});

/** A fresh browser on a blank page at edgeid's origin, inside a new interaction. */
async function ceremonyPage() {
  const opened = await openPage(env.browser);
  const { page } = opened;
  await page.route(`${env.endpoint}${TEST_PAGE}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>WebAuthn</title><p>ceremony</p>' }),
  );
  const authenticator = await virtualAuthenticator(page);
  const url = new URL(`${env.endpoint}/oidc/auth`);
  url.search = new URLSearchParams({
    client_id: client.app.id,
    redirect_uri: client.app.oidcClientMetadata.redirectUris[0],
    response_type: 'code',
    scope: 'openid',
    state: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  await page.goto(url.href); // sets the `_interaction` cookie
  await page.goto(`${env.endpoint}${TEST_PAGE}`);
  return { ...opened, authenticator };
}

/** Same-origin Experience API calls from inside the page (the `_interaction` cookie rides along). */
const api = (page, method, path, body) =>
  page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );

async function expectOk(page, method, path, body, status = 200) {
  const result = await api(page, method, path, body);
  assert.equal(result.status, status, `${method} ${path}: ${JSON.stringify(result.body)}`);
  return result.body;
}

/** Password sign-in up to identification. */
async function identify(page, username) {
  await expectOk(page, 'PUT', '/api/experience', { interactionEvent: 'SignIn' }, 204);
  const { verificationId } = await expectOk(page, 'POST', '/api/experience/verification/password', {
    identifier: { type: 'username', value: username },
    password: PASSWORD,
  });
  await expectOk(page, 'POST', '/api/experience/identification', { verificationId }, 204);
}

// The browser's own JSON codecs (WebAuthn Level 3), so no page code shapes the payloads.
const create = (page, options) =>
  page.evaluate(async (options) => {
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
    return { ...credential.toJSON(), type: 'WebAuthn' };
  }, options);

const get = (page, options) =>
  page.evaluate(async (options) => {
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    return { ...credential.toJSON(), type: 'WebAuthn' };
  }, options);

test('the Experience API verifies what the browser makes, once, and then requires it', async () => {
  const user = await env.admin('POST', '/users', { username: unique('api_passkey'), password: PASSWORD });
  const first = await ceremonyPage();
  await identify(first.page, user.username);

  const registration = await expectOk(first.page, 'POST', '/api/experience/verification/web-authn/registration');
  const options = registration.registrationOptions;
  assert.equal(options.rp.id, 'localhost');
  assert.equal(Buffer.from(options.user.id, 'base64url').toString(), user.id);
  const attestation = await create(first.page, options);
  assert.ok(attestation.response.transports.includes('internal'));
  const verifyRegistration = { verificationId: registration.verificationId, payload: attestation };
  await expectOk(first.page, 'POST', '/api/experience/verification/web-authn/registration/verify', verifyRegistration);
  const replay = await api(first.page, 'POST', '/api/experience/verification/web-authn/registration/verify', verifyRegistration);
  assert.deepEqual([replay.status, replay.body.code], [400, 'session.mfa.pending_info_not_found']);
  await expectOk(first.page, 'POST', '/api/experience/profile/mfa', { type: 'WebAuthn', verificationId: registration.verificationId }, 204);
  assert.ok((await expectOk(first.page, 'POST', '/api/experience/submit')).redirectTo);
  const [credential] = await first.authenticator.credentials();
  await first.context.close();

  // A new interaction: the password alone is refused at submit; the passkey completes it.
  const second = await ceremonyPage();
  await second.authenticator.add(credential);
  await identify(second.page, user.username);
  const refused = await api(second.page, 'POST', '/api/experience/submit');
  assert.deepEqual([refused.status, refused.body.code], [403, 'session.mfa.require_mfa_verification']);
  const authentication = await expectOk(second.page, 'POST', '/api/experience/verification/web-authn/authentication');
  const { authenticationOptions } = authentication;
  assert.equal(authenticationOptions.rpId, 'localhost');
  assert.deepEqual(
    authenticationOptions.allowCredentials.map((c) => c.id),
    [Buffer.from(credential.credentialId, 'base64').toString('base64url')],
  );
  const assertion = await get(second.page, authenticationOptions);
  assert.equal(Buffer.from(assertion.response.userHandle, 'base64url').toString(), user.id);
  const verifyAssertion = { verificationId: authentication.verificationId, payload: assertion };
  await expectOk(second.page, 'POST', '/api/experience/verification/web-authn/authentication/verify', verifyAssertion);
  const again = await api(second.page, 'POST', '/api/experience/verification/web-authn/authentication/verify', verifyAssertion);
  assert.deepEqual([again.status, again.body.code], [400, 'session.mfa.pending_info_not_found']);
  assert.ok((await expectOk(second.page, 'POST', '/api/experience/submit')).redirectTo);
  assert.deepEqual(second.problems, []);
  await second.context.close();
});
