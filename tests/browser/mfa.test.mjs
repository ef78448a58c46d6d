// Two-step verification on the sign-in page in a real browser (Debian's headless Chromium,
// playwright-core) against the real `edgeid-local`: a person with an authenticator app passes
// the second step with a TOTP code computed here (RFC 6238) or a backup code; a person who must
// set MFA up binds an authenticator app from the QR code / key screen, saves the backup codes
// shown once, and lands in the app; on the account page a person adds an authenticator app
// (read from its QR code) and backup codes. Run by `.ci/run` (browser tier).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { start, snap } from './harness.mjs';
import { EDIT, createApp, openAccount, signInWithPassword, shown, unique, totp, totpSecret, readQr, PASSWORD } from './app.mjs';

let env;
let client;

const mfaPolicy = (policy) => env.admin('PATCH', '/sign-in-exp', { mfa: { factors: ['Totp', 'BackupCode'], policy } });

before(async () => {
  env = await start();
  client = await createApp(env);
  await env.admin('PATCH', '/sign-in-exp', {
    signInMode: 'SignInAndRegister',
    signIn: { methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }] },
    signUp: { identifiers: ['username'], password: true, verify: false },
  });
  // People with a factor must pass it; nobody is asked to set one up.
  await mfaPolicy('NoPrompt');
});

after(async () => {
  client?.close();
  await env?.stop();
});

/** A user with an authenticator app (and backup codes when given) set up by an admin. */
async function userWithTotp(codes) {
  const user = await env.admin('POST', '/users', { username: unique('twostep'), password: PASSWORD });
  const secret = totpSecret();
  await env.admin('POST', `/users/${user.id}/mfa-verifications`, { type: 'Totp', secret });
  if (codes) await env.admin('POST', `/users/${user.id}/mfa-verifications`, { type: 'BackupCode', codes });
  return { user, secret };
}

test('a wrong authenticator code is explained; the right one (computed here) signs in', async () => {
  const { user, secret } = await userWithTotp();
  const { context, page, auth, problems } = await client.startSignIn();
  await signInWithPassword(page, user.username);
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Two-step verification', 'focus moves to the new screen');
  await snap(page, 'mfa-verify');

  const right = totp(secret);
  await shown(page).getByLabel('Code from the app').fill(right === '000000' ? '111111' : '000000');
  await shown(page).getByRole('button', { name: 'Verify' }).click();
  const alert = shown(page).getByRole('alert').filter({ hasText: 'not right' });
  await alert.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'mfa-totp-code');
  await snap(page, 'mfa-verify-error');

  await shown(page).getByLabel('Code from the app').fill(right);
  await shown(page).getByRole('button', { name: 'Verify' }).click();
  const claims = await client.finish(page, auth);
  assert.equal(claims.sub, user.id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a backup code passes the second step once; the same code is refused the next time', async () => {
  const codes = Array.from({ length: 10 }, (_, i) => `0a1b2c3d4${i}`);
  const { user } = await userWithTotp(codes);
  for (const attempt of ['first', 'replay']) {
    const { context, page, auth, problems } = await client.startSignIn();
    await signInWithPassword(page, user.username);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    // The last used factor comes first: the backup code form after the first use.
    if (await page.locator('#mfa-backup-form').isHidden()) {
      await shown(page).getByRole('button', { name: 'Backup code' }).click();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'mfa-backup-code');
    }
    await shown(page).getByLabel('Backup code').fill(codes[3]);
    await shown(page).getByRole('button', { name: 'Verify' }).click();
    if (attempt === 'first') {
      const claims = await client.finish(page, auth);
      assert.equal(claims.sub, user.id);
    } else {
      const alert = shown(page).getByRole('alert').filter({ hasText: 'backup code' });
      await alert.waitFor();
      assert.equal(await alert.textContent(), 'That backup code is not right or was used already.');
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('MFA required: bind an authenticator app from the key on screen, save the backup codes once, land in the app', async () => {
  await mfaPolicy('Mandatory');
  try {
    const user = await env.admin('POST', '/users', { username: unique('newmfa'), password: PASSWORD });
    const { context, page, auth, problems } = await client.startSignIn();
    await signInWithPassword(page, user.username);
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    await page.locator('#totp-secret').filter({ hasText: /\S/ }).waitFor();
    const qr = await page.locator('#totp-qr').evaluate((img) => ({ src: img.src.slice(0, 15), width: img.naturalWidth, visible: !img.hidden }));
    assert.ok(qr.visible && qr.src.startsWith('data:image/') && qr.width > 0, `the QR code shows: ${JSON.stringify(qr)}`);
    assert.equal(await page.locator('#mfa-skip').isVisible(), false, 'Mandatory: no skipping');
    await snap(page, 'mfa-bind-totp');
    const secret = (await page.locator('#totp-secret').textContent()).replace(/\s/g, '');
    const scanned = new URL(await readQr(page, '#totp-qr'));
    assert.equal(scanned.protocol, 'otpauth:');
    assert.equal(scanned.searchParams.get('secret'), secret, 'the QR code carries the key shown');
    await shown(page).getByLabel('Code from the app').fill(totp(secret));
    await shown(page).getByRole('button', { name: 'Verify and continue' }).click();

    await page.getByRole('heading', { name: 'Save your backup codes' }).waitFor();
    const codes = await page.locator('#backup-codes li').allTextContents();
    assert.equal(codes.length, 10);
    await snap(page, 'mfa-backup-codes');
    await shown(page).getByRole('button', { name: 'I saved them, continue' }).click();
    const claims = await client.finish(page, auth);
    assert.equal(claims.sub, user.id);
    const factors = await env.admin('GET', `/users/${user.id}/mfa-verifications`);
    assert.deepEqual(factors.map((f) => f.type).sort(), ['BackupCode', 'Totp']);
    assert.deepEqual(problems, []);
    await context.close();

    // The next sign-in asks for the new app's code (the next period: the first code is spent).
    const next = await client.startSignIn();
    await signInWithPassword(next.page, user.username);
    await next.page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await shown(next.page).getByLabel('Code from the app').fill(totp(secret, 1));
    await shown(next.page).getByRole('button', { name: 'Verify' }).click();
    assert.equal((await client.finish(next.page, next.auth)).sub, user.id);
    await next.context.close();
  } finally {
    await mfaPolicy('NoPrompt');
  }
});

test('MFA suggested: the onboarding screen offers it, and skipping signs in', async () => {
  await mfaPolicy('PromptAtSignInAndSignUp');
  try {
    const user = await env.admin('POST', '/users', { username: unique('optional'), password: PASSWORD });
    const { context, page, auth, problems } = await client.startSignIn();
    await signInWithPassword(page, user.username);
    await page.getByRole('heading', { name: 'Turn on two-step verification?' }).waitFor();
    await snap(page, 'mfa-onboard');
    await page.getByRole('button', { name: 'Skip for now' }).click();
    const claims = await client.finish(page, auth);
    assert.equal(claims.sub, user.id);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await mfaPolicy('NoPrompt');
  }
});

test('add an authenticator app from the account page with a code computed here', async () => {
  const user = await env.admin('POST', '/users', { username: unique('secure'), password: PASSWORD });
  await env.admin('PATCH', '/account-center', { enabled: true, fields: EDIT });
  const { context, page, problems } = await openAccount(env, user.username);
  await page.getByRole('button', { name: 'Add an authenticator app' }).click();
  await page.locator('#totp-secret').filter({ hasText: /\S/ }).waitFor();
  await snap(page, 'account-totp');
  const secret = (await page.locator('#totp-secret').textContent()).replace(/\s/g, '');
  const uri = await page.locator('#totp-link').getAttribute('href');
  assert.match(uri, /^otpauth:\/\/totp\/.+\?secret=[A-Z2-7]+&issuer=/);
  assert.equal(new URL(uri).searchParams.get('secret'), secret);
  assert.equal(await readQr(page, '#totp-qr'), uri, 'the QR code says what the link says');
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Verify and add' }).click();
  // MFA changes need the identity confirmed.
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  await dialog.waitFor();
  await dialog.getByLabel('Current password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'authenticator app is added' }).waitFor();
  assert.match(await page.locator('#mfa-list').textContent(), /Authenticator app/);
  const factors = await env.admin('GET', `/users/${user.id}/mfa-verifications`);
  assert.deepEqual(factors.map((f) => f.type), ['Totp']);

  // Backup codes: shown once, then on.
  await page.getByRole('button', { name: 'Generate backup codes' }).click();
  await page.locator('#backup-codes li').first().waitFor();
  assert.equal(await page.locator('#backup-codes li').count(), 10);
  await snap(page, 'account-backup-codes');
  await page.getByRole('button', { name: 'I saved them, turn them on' }).click();
  await page.getByRole('status').filter({ hasText: 'backup codes are on' }).waitFor();
  assert.equal(await page.locator('#backup-codes li').count(), 0, 'the codes are not kept on screen');
  assert.match(await page.locator('#mfa-list').textContent(), /Backup codes/);
  assert.deepEqual(problems, []);
  await context.close();
});
