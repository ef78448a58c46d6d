// A person signs in through the sign-in page in a real browser (Debian's headless Chromium,
// playwright-core), end to end against the real `edgeid-local`: an app sends the browser to
// `/oidc/auth`, the page registers / signs in / resets the password through the Experience API,
// the browser lands on the app's callback with a code, and the app exchanges it for tokens whose
// ID token names the user. Run by `.ci/run` (browser tier).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { start, snap } from './harness.mjs';
import { createApp, shown, unique, PASSWORD } from './app.mjs';

let env;
let client; // the SPA the test registers, with a local callback page as redirect URI

before(async () => {
  env = await start();
  client = await createApp(env);
  // Logto's mock email connector (writes each message to MOCK_CONNECTOR_MESSAGE_DIR).
  await env.admin('POST', '/connectors', {
    connectorId: 'mock-email-service',
    config: {
      apiKey: 'api-key-value',
      fromEmail: 'noreply@edgeid.test',
      fromName: 'edgeid test',
      templates: ['SignIn', 'Register', 'ForgotPassword', 'Generic', 'BindNewIdentifier', 'MfaVerification', 'BindMfa'].map((usageType) => ({
        usageType,
        type: 'text/plain',
        subject: `${usageType} code`,
        content: `Your code is {{code}}.`,
      })),
    },
  });
  // Sign in with a username or an email and a password; register with username + password.
  await env.admin('PATCH', '/sign-in-exp', {
    signInMode: 'SignInAndRegister',
    signIn: {
      methods: [
        { identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true },
        { identifier: 'email', password: true, verificationCode: false, isPasswordPrimary: true },
      ],
    },
    signUp: { identifiers: ['username'], password: true, verify: false },
    forgotPasswordMethods: ['EmailVerificationCode'],
  });
});

after(async () => {
  client?.close();
  await env?.stop();
});

/** Open the app's authorization request in a fresh browser; it must land on `screen`. */
async function startSignIn(screen = '/sign-in', options, extra) {
  const opened = await client.startSignIn(options, extra);
  assert.equal(new URL(opened.page.url()).pathname, screen, `/oidc/auth led to ${opened.page.url()}`);
  return opened;
}

const finish = (page, auth) => client.finish(page, auth);

async function createUser(fields) {
  return env.admin('POST', '/users', { password: PASSWORD, ...fields });
}

test('register with a username and password: the app gets a code and an ID token for the new user', async () => {
  const { context, page, auth, problems } = await startSignIn();
  await page.getByRole('link', { name: 'Create one' }).click();
  await shown(page).getByLabel('Username').fill(unique('newcomer'));
  const username = await shown(page).getByLabel('Username').inputValue();
  await shown(page).getByLabel('Password').fill(PASSWORD);
  await shown(page).getByRole('button', { name: 'Create account' }).click();
  const claims = await finish(page, auth);
  const user = await env.admin('GET', `/users/${claims.sub}`);
  assert.equal(user.username, username);
  assert.equal(claims.username, username);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a wrong password is explained and focused; the right one signs in', async () => {
  const user = await createUser({ username: unique('walker') });
  const { context, page, auth, problems } = await startSignIn();
  await shown(page).getByLabel(/username/i).fill(user.username);
  await shown(page).getByLabel('Password').fill('not-the-password');
  await shown(page).getByRole('button', { name: 'Sign in' }).click();
  const alert = shown(page).getByRole('alert').filter({ hasText: /incorrect/ });
  await alert.waitFor();
  assert.equal(await alert.textContent(), 'The username, email or password is incorrect.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'sign-in-password');
  await snap(page, 'error');

  await shown(page).getByLabel('Password').fill(PASSWORD);
  await shown(page).getByRole('button', { name: 'Sign in' }).click();
  const claims = await finish(page, auth);
  assert.equal(claims.sub, user.id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('sign in with the email address instead of the username', async () => {
  const email = `${unique('mail')}@example.com`;
  const user = await createUser({ username: unique('mailer'), primaryEmail: email });
  const { context, page, auth } = await startSignIn();
  await shown(page).getByLabel(/email/i).fill(email);
  await shown(page).getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  const claims = await finish(page, auth);
  assert.equal(claims.sub, user.id);
  await context.close();
});

test("forgot password: an administrator's magic link (one-time token), a new password, then sign in with it", async () => {
  const email = `${unique('linked')}@example.com`;
  const user = await createUser({ username: unique('linked'), primaryEmail: email });
  const token = await env.admin('POST', '/one-time-tokens', { email, context: { interactionEvent: 'ForgotPassword' } });
  const { context, page, auth, problems } = await startSignIn('/reset-password', undefined, {
    first_screen: 'reset_password',
    one_time_token: token.token,
    login_hint: email,
  });
  assert.equal(await shown(page).getByLabel('Email').inputValue(), email, 'the email is filled in');
  const lastEmail = () => {
    try {
      return env.lastEmail();
    } catch {
      return null; // nothing sent yet in this run
    }
  };
  const sent = lastEmail();
  await shown(page).getByRole('button', { name: 'Continue' }).click();
  await shown(page).getByLabel('New password').waitFor();
  assert.equal(await page.locator('#forgot-code').isVisible(), false, 'no code is asked for');
  assert.deepEqual(lastEmail(), sent, 'and none was sent');
  await snap(page, 'forgot-password-magic-link');
  await shown(page).getByLabel('New password').fill('Magic-link-pass-88');
  await shown(page).getByRole('button', { name: 'Reset password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password has been reset' }).waitFor();
  assert.equal((await env.admin('GET', `/one-time-tokens/${token.id}`)).status, 'consumed');

  await shown(page).getByLabel('Password').fill('Magic-link-pass-88');
  await shown(page).getByRole('button', { name: 'Sign in' }).click();
  const claims = await finish(page, auth);
  assert.equal(claims.sub, user.id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a sign-in magic link (one-time token) signs its user in, and registers an email nobody has yet', async () => {
  const email = `${unique('invited')}@example.com`;
  const user = await createUser({ username: unique('invited'), primaryEmail: email });
  for (const [address, expected] of [[email, user.id], [`${unique('newcomer')}@example.com`, null]]) {
    const token = await env.admin('POST', '/one-time-tokens', { email: address });
    const { context, page, auth, problems } = await client.startSignIn(
      undefined,
      { one_time_token: token.token, login_hint: address },
      { wait: Boolean(!expected) },
    );
    if (!expected) {
      // The sign-up settings ask for a username and a password: the page asks for them.
      await shown(page).getByLabel('Username').fill(unique('newcomer'));
      await shown(page).getByLabel('New password').fill(PASSWORD);
      await page.keyboard.press('Enter');
    }
    const claims = await finish(page, auth);
    if (expected) assert.equal(claims.sub, expected);
    else assert.equal((await env.admin('GET', `/users/${claims.sub}`)).primaryEmail, address, 'a new user with that email');
    assert.equal((await env.admin('GET', `/one-time-tokens/${token.id}`)).status, 'consumed');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('forgot password: a code by email, a new password, then sign in with it', async () => {
  const email = `${unique('forgetful')}@example.com`;
  const user = await createUser({ username: unique('forgetful'), primaryEmail: email });
  const { context, page, auth, problems } = await startSignIn();
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await shown(page).getByLabel('Email').fill(email);
  await shown(page).getByRole('button', { name: 'Send code' }).click();
  await shown(page).getByLabel('Verification code').waitFor();
  await snap(page, 'forgot-password-code');
  const message = env.lastEmail();
  assert.equal(message.address, email);
  assert.equal(message.type, 'ForgotPassword');

  // A wrong code first: explained, and the code field is focused for another try.
  await shown(page).getByLabel('Verification code').fill('000000' === message.code ? '111111' : '000000');
  await shown(page).getByLabel('New password').fill('Brand-new-pass-77');
  await shown(page).getByRole('button', { name: 'Reset password' }).click();
  await shown(page).getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'forgot-code');

  await shown(page).getByLabel('Verification code').fill(message.code);
  await shown(page).getByRole('button', { name: 'Reset password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password has been reset' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(await shown(page).getByLabel(/email/i).inputValue(), email, 'the email is filled in');

  await shown(page).getByLabel('Password').fill('Brand-new-pass-77');
  await shown(page).getByRole('button', { name: 'Sign in' }).click();
  const claims = await finish(page, auth);
  assert.equal(claims.sub, user.id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('register with a verified email when the sign-up settings ask for one (320 px wide)', async () => {
  await env.admin('PATCH', '/sign-in-exp', {
    signUp: { identifiers: ['email'], password: true, verify: true },
  });
  try {
    const email = `${unique('fresh')}@example.com`;
    const { context, page, auth } = await startSignIn('/sign-in', { width: 320, height: 640 });
    await page.getByRole('link', { name: 'Create one' }).click();
    assert.equal(await shown(page).getByLabel('Username').isVisible(), false, 'no username field when none is asked');
    await shown(page).getByLabel('Email').fill(email);
    await shown(page).getByLabel('Password').fill(PASSWORD);
    await shown(page).getByRole('button', { name: 'Create account' }).click();
    await shown(page).getByLabel('Verification code').waitFor();
    await snap(page, 'register-code-narrow');
    const message = env.lastEmail();
    assert.equal(message.address, email);
    assert.equal(message.type, 'Register');
    await shown(page).getByLabel('Verification code').fill(message.code);
    await shown(page).getByRole('button', { name: 'Verify and create account' }).click();
    const claims = await finish(page, auth);
    const user = await env.admin('GET', `/users/${claims.sub}`);
    assert.equal(user.primaryEmail, email);
    await context.close();
  } finally {
    await env.admin('PATCH', '/sign-in-exp', { signUp: { identifiers: ['username'], password: true, verify: false } });
  }
});

test('signing in to an account the sign-up settings find incomplete asks for the missing email', async () => {
  const user = await createUser({ username: unique('partial') });
  await env.admin('PATCH', '/sign-in-exp', { signUp: { identifiers: ['email'], password: true, verify: true } });
  try {
    const email = `${unique('completed')}@example.com`;
    const { context, page, auth, problems } = await startSignIn();
    await shown(page).getByLabel(/username/i).fill(user.username);
    await shown(page).getByLabel('Password').fill(PASSWORD);
    await shown(page).getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Complete your account' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Complete your account');
    assert.equal(await shown(page).getByLabel('Username').isVisible(), false, 'only what is missing is asked');
    await snap(page, 'continue');
    await shown(page).getByLabel('Email').fill(email);
    await shown(page).getByRole('button', { name: 'Continue' }).click();
    await shown(page).getByLabel('Verification code').waitFor();
    const message = env.lastEmail();
    assert.equal(message.address, email);
    await shown(page).getByLabel('Verification code').fill(message.code);
    await shown(page).getByRole('button', { name: 'Verify and continue' }).click();
    const claims = await finish(page, auth);
    assert.equal(claims.sub, user.id);
    assert.equal((await env.admin('GET', `/users/${user.id}`)).primaryEmail, email);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await env.admin('PATCH', '/sign-in-exp', { signUp: { identifiers: ['username'], password: true, verify: false } });
  }
});

test('first_screen=register opens the register form; a taken username and a rejected password are explained there', async () => {
  const user = await createUser({ username: unique('taken') });
  const { context, page, problems } = await startSignIn('/register', undefined, { first_screen: 'register' });
  await shown(page).getByLabel('Username').fill(user.username);
  await shown(page).getByLabel('Password').fill(PASSWORD);
  await shown(page).getByRole('button', { name: 'Create account' }).click();
  const alert = shown(page).getByRole('alert').filter({ hasText: 'taken' });
  await alert.waitFor();
  assert.equal(await alert.textContent(), 'This username is taken. Please choose another one.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'register-username');
  assert.equal(await shown(page).getByLabel('Username').getAttribute('aria-invalid'), 'true');

  // A password the policy rejects: the reason in words, and the password field focused.
  await shown(page).getByLabel('Username').fill(unique('fresh'));
  await shown(page).getByLabel('Password').fill('short');
  await shown(page).getByRole('button', { name: 'Create account' }).click();
  const rejected = shown(page).getByRole('alert').filter({ hasText: 'another password' });
  await rejected.waitFor();
  assert.match(await rejected.textContent(), /^Please choose another password\. Use at least 8 characters\./);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'register-password');
  assert.equal(await shown(page).getByLabel('Username').getAttribute('aria-invalid'), null, 'the old mark is cleared');
  assert.deepEqual(problems, []);
  await context.close();
});
