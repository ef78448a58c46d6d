// What the browser tests share: the real `edgeid-local` binary on a free port (memory store,
// Logto's test mode for admin calls, the mock connectors' message directory) and Debian's
// headless Chromium driven by playwright-core.
//
// EDGEID_LOCAL_BIN overrides the binary (default: $CARGO_TARGET_DIR or ./target, /debug/);
// CHROMIUM the browser (default /usr/bin/chromium); EDGEID_SCREENSHOTS=<dir> saves a PNG of
// each screen there.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { freePort, spawnLocal } from '../js/support/edgeid.mjs';

export { freePort };

// npm packages live in the CI cache (.ci/tools.sh exports NODE_PATH); resolve them there.
const require = createRequire(import.meta.url);
export const load = async (name) => {
  const module = await import(pathToFileURL(require.resolve(name)).href);
  return module.default ?? module;
};
const { chromium } = await load('playwright-core');

const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshots = process.env.EDGEID_SCREENSHOTS;

/**
 * Start edgeid-local and Chromium; `stop()` ends both and removes the temporary files.
 * `host` names the endpoint (the server always listens on 127.0.0.1): WebAuthn needs a domain
 * as its RP ID, so the WebAuthn test uses `localhost` (a secure context over plain HTTP).
 */
export async function start({ host } = {}) {
  const messageDir = mkdtempSync(path.join(tmpdir(), 'edgeid-messages-'));
  const server = await spawnLocal(
    {
      // Logto's test mode: `development-user-id` makes a loopback request an admin.
      EDGEID_DEV_ADMIN: '1',
      // Logto's mock email/SMS connectors write each message here.
      MOCK_CONNECTOR_MESSAGE_DIR: messageDir,
    },
    { host },
  );
  const { endpoint } = server;

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
    serverLog: server.log,
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
      server.stop();
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

/** A PNG of the whole page (`{ fullPage: false }`: the viewport, e.g. for a modal dialog). */
export async function snap(page, name, { fullPage = true } = {}) {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage });
}

/** The page has read the sign-in experience and shown its first screen. */
export const ready = (page) => page.waitForSelector('body[data-ready="true"]');
