// The sign-in page in a real browser (Debian's headless Chromium, playwright-core) against the
// real `edgeid-local`: it loads under its CSP, is usable by keyboard and screen reader, and fits
// a 320 px screen. Run by `.ci/run` (browser tier):
//
//   source .ci/tools.sh && cargo build -p edgeid-local && node --test 'tests/browser/*.test.mjs'
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { start, openPage, snap, ready } from './harness.mjs';

let env;
let endpoint;

before(async () => {
  env = await start();
  endpoint = env.endpoint;
});

after(async () => {
  await env?.stop();
});

test('the page and its assets load under the strict CSP with no errors', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const response = await page.goto(`${endpoint}/sign-in`);
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  await ready(page);
  assert.equal(await page.title(), 'Sign in');
  assert.ok(await page.getByRole('heading', { name: 'Sign in', level: 1 }).isVisible());
  assert.deepEqual(problems, []);
  await snap(page, 'sign-in');
  await context.close();
});

test('every field has a label, every form a live error region, and the keyboard reaches everything', async () => {
  const { context, page, problems } = await openPage(env.browser);
  for (const [screen, heading] of [
    ['sign-in', 'Sign in'],
    ['register', 'Create your account'],
    ['forgot-password', 'Reset your password'],
  ]) {
    await page.goto(`${endpoint}/${screen}`);
    await ready(page);
    assert.ok(await page.getByRole('heading', { name: heading }).isVisible(), `${screen}: heading`);
    const audit = await page.evaluate(() => {
      const visible = (el) => el.offsetParent !== null;
      const inputs = [...document.querySelectorAll('input')].filter(visible);
      return {
        inputs: inputs.length,
        unlabelled: inputs.filter((i) => i.labels.length === 0 || !i.labels[0].textContent.trim()).map((i) => i.id),
        forms: [...document.querySelectorAll('form')].filter(visible).map((form) => {
          const live = form.querySelector('[role="alert"], [aria-live]');
          return { id: form.id, live: live ? live.getAttribute('aria-live') || live.getAttribute('role') : null };
        }),
        lang: document.documentElement.lang,
      };
    });
    assert.ok(audit.inputs > 0, `${screen}: inputs`);
    assert.deepEqual(audit.unlabelled, [], `${screen}: inputs without a label`);
    for (const form of audit.forms) assert.ok(form.live, `${form.id} has no live error region`);
    assert.equal(audit.lang, 'en');
    if (screen !== 'sign-in') await snap(page, screen);
  }

  // Keyboard only: Tab goes to the first field, a focus ring is visible, Enter submits.
  await page.goto(`${endpoint}/sign-in`);
  await ready(page);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { id: el.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  assert.equal(focused.id, 'sign-in-identifier');
  assert.notEqual(focused.outline, 'none', 'the focused field shows a focus ring');
  assert.ok(focused.width >= 2, `focus ring is ${focused.width}px`);

  // Submitting with an empty password: the message is announced and focus moves to the field.
  await page.keyboard.type('someone');
  await page.keyboard.press('Enter');
  const alert = page.locator('#sign-in-error');
  await alert.filter({ hasText: /password/i }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'sign-in-password');
  assert.equal(await page.locator('#sign-in-password').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(problems, []);
  await context.close();
});

test('at 320 px wide nothing scrolls sideways', async () => {
  const { context, page, problems } = await openPage(env.browser, { width: 320, height: 640 });
  for (const screen of ['sign-in', 'register', 'forgot-password']) {
    await page.goto(`${endpoint}/${screen}`);
    await ready(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${screen} overflows by ${overflow}px at 320 px`);
    const button = await page.locator('button[type=submit]:visible').first().boundingBox();
    assert.ok(button.width >= 200 && button.height >= 40, `${screen}: the button is easy to hit (${button.width}×${button.height})`);
  }
  await page.goto(`${endpoint}/sign-in`);
  await ready(page);
  await snap(page, 'narrow');
  assert.deepEqual(problems, []);
  await context.close();
});

test('links switch screens in place, keep the query and move focus to the new heading', async () => {
  const { context, page } = await openPage(env.browser);
  await page.goto(`${endpoint}/sign-in?app_id=demo-app`);
  await ready(page);
  await page.getByRole('link', { name: 'Create one' }).click();
  assert.equal(new URL(page.url()).pathname, '/register');
  assert.equal(new URL(page.url()).search, '?app_id=demo-app');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Create your account');
  await page.goBack();
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.ok(await page.getByRole('heading', { name: 'Sign in' }).isVisible());
  await context.close();
});

test("an app's authorization request opens the screen it asks for, and the page shows it", async () => {
  const { context, page, problems } = await openPage(env.browser);
  const auth = (extra) =>
    `${endpoint}/oidc/auth?${new URLSearchParams({
      client_id: 'demo-app',
      redirect_uri: `${endpoint}/demo-app`,
      response_type: 'code',
      scope: 'openid profile',
      state: 'state-1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...extra,
    })}`;
  for (const [extra, pathname, heading] of [
    [{}, '/sign-in', 'Sign in'],
    [{ first_screen: 'register' }, '/register', 'Create your account'],
    [{ first_screen: 'reset_password' }, '/reset-password', 'Reset your password'],
    [{ direct_sign_in: 'social:google' }, '/direct/social/google', 'Sign in'],
  ]) {
    await page.goto(auth(extra));
    await ready(page);
    const url = new URL(page.url());
    assert.equal(url.pathname, pathname);
    assert.equal(url.searchParams.get('app_id'), 'demo-app');
    assert.ok(await page.getByRole('heading', { name: heading, level: 1 }).isVisible(), `${pathname}: ${heading}`);
  }
  // The login hint fills the identifier.
  await page.goto(auth({ login_hint: 'someone@example.com' }));
  await ready(page);
  assert.equal(await page.locator('#sign-in-identifier').inputValue(), 'someone@example.com');
  assert.deepEqual(problems, []);
  await context.close();
});

test('without a sign-in session (no /oidc/auth first), submitting explains what to do', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(`${endpoint}/sign-in`);
  await ready(page);
  await page.locator('#sign-in-identifier').fill('someone');
  await page.locator('#sign-in-password').fill('whatever-it-is');
  await page.locator('#sign-in-password').press('Enter');
  const alert = page.locator('#sign-in-error');
  await alert.filter({ hasText: /session/ }).waitFor();
  assert.equal(await alert.textContent(), 'Your sign-in session has expired. Go back to the app and sign in again.');
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), true, 'the button is usable again');
  assert.deepEqual(problems, []);
  await context.close();
});
