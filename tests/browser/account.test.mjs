// The account page `/account` in a real browser (Debian's headless Chromium, playwright-core)
// against the real `edgeid-local`: it signs the person in through the built-in `account-center`
// client (code + PKCE on the real sign-in page), then changes the name and the password (after
// "confirm it is you" with the current one) through the Account API; `mfa.test.mjs` adds an
// authenticator app there. Run by `.ci/run` (browser tier).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { start, openPage, snap, ready } from './harness.mjs';
import { EDIT, openAccount, shown, unique, PASSWORD } from './app.mjs';

let env;

before(async () => {
  env = await start();
  await env.admin('PATCH', '/account-center', { enabled: true, fields: EDIT });
  // Logto's mock email connector (writes each message to MOCK_CONNECTOR_MESSAGE_DIR).
  await env.admin('POST', '/connectors', {
    connectorId: 'mock-email-service',
    config: {
      apiKey: 'api-key-value',
      fromEmail: 'noreply@edgeid.test',
      templates: ['Generic', 'BindNewIdentifier', 'UserPermissionValidation'].map((usageType) => ({
        usageType,
        type: 'text/plain',
        subject: `${usageType} code`,
        content: 'Your code is {{code}}.',
      })),
    },
  });
  await env.admin('PATCH', '/sign-in-exp', {
    signInMode: 'SignInAndRegister',
    signIn: { methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }] },
    signUp: { identifiers: ['username'], password: true, verify: false },
    mfa: { factors: ['Totp', 'BackupCode'], policy: 'NoPrompt' },
  });
});

after(async () => {
  await env?.stop();
});

test('sign in to /account through account-center, change the name and the password', async () => {
  const user = await env.admin('POST', '/users', { username: unique('owner'), password: PASSWORD, name: 'Old Name' });
  const { context, page, problems } = await openAccount(env, user.username);
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Old Name');
  await snap(page, 'account');

  await page.getByLabel('Name', { exact: true }).fill('New Name');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('status').filter({ hasText: 'Your profile is saved.' }).waitFor();
  assert.equal((await env.admin('GET', `/users/${user.id}`)).name, 'New Name');

  // A new password needs the identity confirmed: a wrong password first, then the right one.
  await page.getByLabel('New password').fill('Brand-new-pass-77');
  await page.getByRole('button', { name: 'Change password' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'verify-password');
  await snap(page, 'account-confirm', { fullPage: false });
  await dialog.getByLabel('Current password').fill('not-the-password');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'incorrect' }).waitFor();
  await dialog.getByLabel('Current password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password is changed.' }).waitFor();
  assert.equal(await dialog.isVisible(), false);
  const check = await fetch(`${env.endpoint}/api/users/${user.id}/password/verify`, {
    method: 'POST',
    headers: { 'development-user-id': 'browser-test', 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'Brand-new-pass-77' }),
  });
  assert.equal(check.status, 204, 'the new password works');

  // Signing out ends the session at /oidc/session/end and comes back, signed out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  assert.equal(new URL(page.url()).pathname, '/account');
  assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible());
  assert.deepEqual(problems, []);
  await context.close();
});

test('change the primary email with a code sent to the new address', async () => {
  const user = await env.admin('POST', '/users', { username: unique('mover'), password: PASSWORD, primaryEmail: `${unique('old')}@example.com` });
  const { context, page, problems } = await openAccount(env, user.username);
  assert.match(await page.locator('#email-current').textContent(), new RegExp(user.primaryEmail.replace(/[.]/g, '\\.')));
  const email = `${unique('new')}@example.com`;
  await page.getByLabel('New email').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.locator('#email-part').getByLabel('Verification code').waitFor();
  const message = env.lastEmail();
  assert.equal(message.address, email);
  await snap(page, 'account-email-code');
  await page.locator('#email-part').getByLabel('Verification code').fill(message.code);
  await page.getByRole('button', { name: 'Verify and change email' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  await dialog.waitFor();
  await dialog.getByLabel('Current password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'Your email is changed.' }).waitFor();
  assert.equal((await env.admin('GET', `/users/${user.id}`)).primaryEmail, email);
  assert.equal(await page.locator('#email-current').textContent(), `Your email is ${email}.`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 320 px wide every field is labelled and nothing scrolls sideways', async () => {
  const user = await env.admin('POST', '/users', { username: unique('narrow'), password: PASSWORD });
  const { context, page, problems } = await openAccount(env, user.username, PASSWORD, { width: 320, height: 640 });
  const audit = await page.evaluate(() => {
    const inputs = [...document.querySelectorAll('input')].filter((el) => el.offsetParent !== null);
    return {
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      inputs: inputs.length,
      unlabelled: inputs.filter((i) => !i.labels.length || !i.labels[0].textContent.trim()).map((i) => i.id),
      headings: [...document.querySelectorAll('h1, h2')].filter((el) => el.offsetParent !== null).map((h) => h.textContent),
    };
  });
  assert.ok(audit.overflow <= 0, `overflows by ${audit.overflow}px`);
  assert.ok(audit.inputs >= 5, `${audit.inputs} inputs`);
  assert.deepEqual(audit.unlabelled, []);
  assert.deepEqual(audit.headings, ['Your account', 'Profile', 'Password', 'Email', 'Two-step verification']);
  await snap(page, 'account-narrow');
  assert.deepEqual(problems, []);
  await context.close();
});

test('with the account center off, the page says so instead of failing', async () => {
  const user = await env.admin('POST', '/users', { username: unique('closed'), password: PASSWORD });
  await env.admin('PATCH', '/account-center', { enabled: false });
  try {
    const opened = await openPage(env.browser);
    const { page, context, problems } = opened;
    await page.goto(`${env.endpoint}/account`);
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await ready(page);
    await shown(page).getByLabel(/username/i).fill(user.username);
    await shown(page).getByLabel('Password').fill(PASSWORD);
    await shown(page).getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'turned off' });
    await alert.waitFor();
    assert.equal(await alert.textContent(), 'The account page is turned off. Please contact the administrator.');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await env.admin('PATCH', '/account-center', { enabled: true, fields: EDIT });
  }
});
