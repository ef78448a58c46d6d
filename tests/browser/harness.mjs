// What the browser tests share: the real `edgeid-local` binary on a free port (memory store,
// Logto's test mode for admin calls, the mock connectors' message directory) and Debian's
// headless Chromium driven by playwright-core.
//
// EDGEID_LOCAL_BIN overrides the binary (default: $CARGO_TARGET_DIR or ./target, /debug/);
// CHROMIUM the browser (default /usr/bin/chromium); EDGEID_SCREENSHOTS=<dir> saves a PNG of
// each screen there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// npm packages live in the CI cache (.ci/tools.sh exports NODE_PATH); resolve them there.
const require = createRequire(import.meta.url);
export const load = async (name) => {
  const module = await import(pathToFileURL(require.resolve(name)).href);
  return module.default ?? module;
};
const { chromium } = await load('playwright-core');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary =
  process.env.EDGEID_LOCAL_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'debug', 'edgeid-local');
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshots = process.env.EDGEID_SCREENSHOTS;

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Start edgeid-local and Chromium; `stop()` ends both and removes the temporary files. */
export async function start() {
  assert.ok(existsSync(binary), `edgeid-local binary not found at ${binary}: run \`cargo build -p edgeid-local\` first`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const messageDir = mkdtempSync(path.join(tmpdir(), 'edgeid-messages-'));
  let log = '';
  const server = spawn(binary, [], {
    env: {
      ...process.env,
      EDGEID_STORE: 'memory',
      EDGEID_HOST: '127.0.0.1',
      EDGEID_PORT: String(port),
      EDGEID_ENDPOINT: endpoint,
      // Logto's test mode: `development-user-id` makes a loopback request an admin.
      EDGEID_DEV_ADMIN: '1',
      // Logto's mock email/SMS connectors write each message here.
      MOCK_CONNECTOR_MESSAGE_DIR: messageDir,
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr.on('data', (chunk) => {
    log += chunk;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgeid-local did not start in 20 s:\n${log}`)), 20_000);
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
      reject(new Error(`edgeid-local exited with ${code} during start-up:\n${log}`));
    });
  });

  if (screenshots) mkdirSync(screenshots, { recursive: true });
  // launch() runs the browser on a fresh temporary profile (user-data-dir), deleted on close.
  const browser = await chromium.launch({
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

  return {
    endpoint,
    browser,
    serverLog: () => log,
    /** The last message Logto's mock email connector wrote (`{address, code, type, …}`). */
    lastEmail() {
      return JSON.parse(readFileSync(path.join(messageDir, 'mock_email_record.txt'), 'utf8'));
    },
    /** A Management API call as Logto's integration tests make it (test-mode admin header). */
    async admin(method, apiPath, body) {
      const response = await fetch(`${endpoint}/api${apiPath}`, {
        method,
        headers: { 'development-user-id': 'browser-test', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} /api${apiPath} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
      rmSync(messageDir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context (no cookies) with a page that records CSP violations and errors. */
export async function openPage(browser, { width = 1024, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

export async function snap(page, name) {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** The page has read the sign-in experience and shown its first screen. */
export const ready = (page) => page.waitForSelector('body[data-ready="true"]');
