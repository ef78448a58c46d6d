// Social sign-in through the sign-in page in a real browser (Debian's headless Chromium,
// playwright-core) against the real `edgeid-local`, with Logto's mock-social-connector: the
// "provider" at http://mock-social/ is played by the test, which sends the browser back to
// `/callback/<connectorId>` with the code, the state and the profile the mock connector reads.
// A new person registers, a person whose email has an account links to it, a tampered state is
// refused. Run by `.ci/run` (browser tier).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { start, snap } from './harness.mjs';
import { createApp, shown, unique, PASSWORD } from './app.mjs';

let env;
let client;
let connector;

before(async () => {
  env = await start();
  client = await createApp(env);
  connector = await env.admin('POST', '/connectors', {
    connectorId: 'mock-social-connector',
    config: { clientId: 'client_id_value', clientSecret: 'client_secret_value' },
    syncProfile: true,
  });
  await env.admin('PATCH', '/sign-in-exp', {
    signInMode: 'SignInAndRegister',
    signIn: { methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }] },
    signUp: { identifiers: [], password: false, verify: false },
    socialSignInConnectorTargets: ['mock-social'],
  });
});

after(async () => {
  client?.close();
  await env?.stop();
});

/**
 * Play the provider: every request to http://mock-social/ is answered with a redirect back to
 * its `redirect_uri` carrying a code, the state (or `tamper(state)`) and the given profile.
 */
async function provider(context, profile, tamper = (state) => state) {
  const seen = [];
  await context.route('http://mock-social/**', (route) => {
    const asked = new URL(route.request().url());
    seen.push(asked);
    const back = new URL(asked.searchParams.get('redirect_uri'));
    back.search = new URLSearchParams({ code: 'mock-code', state: tamper(asked.searchParams.get('state')), ...profile }).toString();
    return route.fulfill({ status: 302, headers: { location: back.href } });
  });
  return seen;
}

test('the sign-in page offers the social connector; a new person registers through it', async () => {
  const { context, page, auth, problems } = await client.startSignIn();
  const button = page.getByRole('button', { name: 'Continue with Mock Social' });
  assert.ok(await button.first().isVisible(), 'a social button');
  await snap(page, 'sign-in-social');
  const socialId = unique('social-sub');
  const seen = await provider(context, { userId: socialId, email: `${unique('new')}@example.com`, name: 'Social Newcomer' });
  await button.first().click();
  const claims = await client.finish(page, auth);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].searchParams.get('redirect_uri'), `${env.endpoint}/callback/${connector.id}`);
  const user = await env.admin('GET', `/users/${claims.sub}`);
  assert.equal(user.identities['mock-social']?.userId, socialId);
  assert.equal(user.name, 'Social Newcomer');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an account with the same email: the page offers to link, and linking signs in as that account', async () => {
  const email = `${unique('known')}@example.com`;
  const existing = await env.admin('POST', '/users', { username: unique('known'), password: PASSWORD, primaryEmail: email });
  const { context, page, auth, problems } = await client.startSignIn();
  await provider(context, { userId: unique('social-sub'), email });
  await page.getByRole('button', { name: 'Continue with Mock Social' }).first().click();
  await page.getByRole('heading', { name: 'Link your account' }).waitFor();
  assert.match(await page.locator('#link-text').textContent(), new RegExp(email.replace(/[.]/g, '\\.')));
  assert.equal(new URL(page.url()).search, '', 'the code and state are gone from the address bar');
  await snap(page, 'social-link');
  await shown(page).getByRole('button', { name: 'Link and sign in' }).click();
  const claims = await client.finish(page, auth);
  assert.equal(claims.sub, existing.id);
  const user = await env.admin('GET', `/users/${existing.id}`);
  assert.ok(user.identities['mock-social'], 'the social identity is linked');
  assert.deepEqual(problems, []);
  await context.close();
});

test("an app's direct_sign_in=social:<target> goes straight to the provider and back into the app", async () => {
  const socialId = unique('social-sub');
  let seen;
  const { context, page, auth, problems } = await client.startSignIn(undefined, { direct_sign_in: 'social:mock-social' }, {
    before: async (context) => (seen = await provider(context, { userId: socialId })),
    wait: false,
  });
  const claims = await client.finish(page, auth);
  assert.equal(seen.length, 1, 'the provider was asked once');
  assert.equal((await env.admin('GET', `/users/${claims.sub}`)).identities['mock-social']?.userId, socialId);
  assert.deepEqual(problems, []);
  await context.close();
});

test('registering through a social account asks for the username the sign-up settings require', async () => {
  await env.admin('PATCH', '/sign-in-exp', { signUp: { identifiers: ['username'], password: false, verify: false } });
  try {
    const { context, page, auth, problems } = await client.startSignIn();
    await provider(context, { userId: unique('social-sub'), name: 'Needs A Name' });
    await page.getByRole('button', { name: 'Continue with Mock Social' }).first().click();
    await page.getByRole('heading', { name: 'Complete your account' }).waitFor();
    assert.equal(await shown(page).getByLabel('Email').isVisible(), false, 'only the username is asked');
    const username = unique('socialite');
    await shown(page).getByLabel('Username').fill(username);
    await shown(page).getByRole('button', { name: 'Continue' }).click();
    const claims = await client.finish(page, auth);
    const user = await env.admin('GET', `/users/${claims.sub}`);
    assert.equal(user.username, username);
    assert.ok(user.identities['mock-social'], 'the new account carries the social identity');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await env.admin('PATCH', '/sign-in-exp', { signUp: { identifiers: [], password: false, verify: false } });
  }
});

test('a state that does not match the one this tab sent is refused before the Experience API sees it', async () => {
  const { context, page, problems } = await client.startSignIn();
  await provider(context, { userId: unique('social-sub') }, (state) => `${state}x`);
  const verifies = [];
  page.on('request', (request) => {
    if (request.url().includes('/verify')) verifies.push(request.url());
  });
  await page.getByRole('button', { name: 'Continue with Mock Social' }).first().click();
  const alert = shown(page).getByRole('alert').filter({ hasText: 'does not match' });
  await alert.waitFor();
  assert.deepEqual(verifies, []);
  await snap(page, 'social-callback-error');
  // Back to sign in, in place.
  await shown(page).getByRole('link', { name: 'Back to sign in' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
