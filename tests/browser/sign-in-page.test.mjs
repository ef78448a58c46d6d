// The sign-in page in a real browser: Debian's headless Chromium driven by playwright-core
// against the real `edgeid-local` binary. Run by `.ci/run` (browser tier):
//
//   source .ci/tools.sh && cargo build -p edgeid-local && node --test tests/browser/
//
// EDGEID_LOCAL_BIN overrides the binary (default: $CARGO_TARGET_DIR or ./target, /debug/);
// CHROMIUM the browser (default /usr/bin/chromium); EDGEID_SCREENSHOTS=<dir> saves a PNG of
// each screen there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// npm packages live in the CI cache (.ci/tools.sh exports NODE_PATH); resolve them there.
const require = createRequire(import.meta.url);
const playwright = await import(pathToFileURL(require.resolve('playwright-core')).href);
const { chromium } = playwright.default ?? playwright;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary =
  process.env.EDGEID_LOCAL_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'debug', 'edgeid-local');
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshots = process.env.EDGEID_SCREENSHOTS;

let server;
let serverLog = '';
let endpoint;
let browser;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startServer() {
  assert.ok(existsSync(binary), `edgeid-local binary not found at ${binary}: run \`cargo build -p edgeid-local\` first`);
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  server = spawn(binary, [], {
    env: {
      ...process.env,
      EDGEID_STORE: 'memory',
      EDGEID_HOST: '127.0.0.1',
      EDGEID_PORT: String(port),
      EDGEID_ENDPOINT: endpoint,
      // Logto's test mode: `development-user-id` makes a loopback request an admin.
      EDGEID_DEV_ADMIN: '1',
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr.on('data', (chunk) => {
    serverLog += chunk;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgeid-local did not start in 20 s:\n${serverLog}`)), 20_000);
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('edgeid-local listening on ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edgeid-local exited with ${code} during start-up:\n${serverLog}`));
    });
  });
}

before(async () => {
  await startServer();
  if (screenshots) mkdirSync(screenshots, { recursive: true });
  // launch() starts the browser on a fresh temporary profile (user-data-dir) and deletes it on close.
  browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

// A fresh browser context (no cookies) with a page that records CSP violations and errors.
async function openPage({ width = 1024, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

async function snap(page, name) {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

const ready = (page) => page.waitForSelector('body[data-ready="true"]');

test('the page and its assets load under the strict CSP with no errors', async () => {
  const { context, page, problems } = await openPage();
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
  const { context, page, problems } = await openPage();
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
  const { context, page, problems } = await openPage({ width: 320, height: 640 });
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
  const { context, page } = await openPage();
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
