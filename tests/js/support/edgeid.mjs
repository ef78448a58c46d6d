// What the tests in tests/js share: the server under test, a Management API helper, and a
// cookie-keeping "browser" that drives the sign-in the way Logto's own integration tests do
// (packages/integration-tests/src/client/index.ts): it never follows redirects by itself, so every
// hop of /oidc/auth → Experience API → /oidc/auth/<uid> → /consent → callback is asserted.
//
// The server is the real edgeid-local binary on a free port (memory store), or, when
// EDGEID_JS_URL is set, an already running host (Workers under wrangler dev, Lambda behind the
// HttpApi routes) with its bootstrap app in EDGEID_JS_CLIENT_ID / EDGEID_JS_CLIENT_SECRET.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The npm packages live in the CI cache (.ci/tools.sh exports NODE_PATH). ESM `import` ignores
// NODE_PATH, CommonJS resolution honours it: resolve there, import the file it finds.
// ESM-only packages (@logto/node exports only an `import` condition) are found by hand there.
const require = createRequire(import.meta.url);
export async function load(name) {
  try {
    return await import(pathToFileURL(require.resolve(name)).href);
  } catch (error) {
    if (error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
    for (const dir of [...(process.env.NODE_PATH ?? '').split(path.delimiter), ...require.resolve.paths(name)]) {
      const manifest = dir && path.join(dir, name, 'package.json');
      if (!manifest || !existsSync(manifest)) continue;
      const { exports } = JSON.parse(readFileSync(manifest, 'utf8'));
      const entry = typeof exports === 'string' ? exports : (exports?.['.']?.import ?? exports?.['.']?.default ?? exports?.import);
      if (entry) return import(pathToFileURL(path.join(dir, name, entry)).href);
    }
    throw error;
  }
}

export const MANAGEMENT_API = 'https://default.logto.app/api';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Lowercase alphanumerics, like Logto's generated ids. */
export const randomId = (length = 21) =>
  Array.from(randomBytes(length), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

/** A TCP port nobody listens on now (bind :0, read it, close). */
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

/**
 * The real edgeid-local binary on a free port with the memory store, `env` on top of the
 * defaults; resolves once it prints that it listens (20 s at most, else rejects with its log).
 * Returns `{ endpoint, issuer, log(), stop() }`. Every JS suite starts its server through this
 * (tests/js via `startServer`, tests/browser/harness.mjs, tests/js/openid-client.test.mjs).
 * EDGEID_LOCAL_BIN overrides the binary (default: $CARGO_TARGET_DIR or ./target, /debug/).
 */
export async function spawnLocal(env = {}, { host = '127.0.0.1' } = {}) {
  const binary =
    process.env.EDGEID_LOCAL_BIN ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'debug', 'edgeid-local');
  assert.ok(existsSync(binary), `edgeid-local binary not found at ${binary}: run \`cargo build -p edgeid-local\` first`);
  const port = await freePort();
  // The server listens on 127.0.0.1; `host` only names it (e.g. `localhost` for WebAuthn).
  const endpoint = `http://${host}:${port}`;
  let log = '';
  const child = spawn(binary, [], {
    env: {
      ...process.env,
      EDGEID_STORE: 'memory',
      EDGEID_HOST: '127.0.0.1',
      EDGEID_PORT: String(port),
      EDGEID_ENDPOINT: endpoint,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  // The server prints one line on stdout once it accepts connections.
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgeid-local did not start in 20 s:\n${log}`)), 20_000);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('edgeid-local listening on ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edgeid-local exited with ${code} during start-up:\n${log}`));
    });
  });
  return { endpoint, issuer: `${endpoint}/oidc`, log: () => log, stop: () => child.kill('SIGTERM') };
}

/**
 * The server under test: `{ endpoint, issuer, admin: {id, secret}, stop() }`.
 * A fresh edgeid-local (memory store) unless EDGEID_JS_URL names a running host.
 */
export async function startServer() {
  if (process.env.EDGEID_JS_URL) {
    const endpoint = process.env.EDGEID_JS_URL.replace(/\/$/, '');
    const id = process.env.EDGEID_JS_CLIENT_ID;
    const secret = process.env.EDGEID_JS_CLIENT_SECRET;
    assert.ok(id && secret, 'EDGEID_JS_URL needs EDGEID_JS_CLIENT_ID and EDGEID_JS_CLIENT_SECRET (the bootstrap app)');
    return { endpoint, issuer: `${endpoint}/oidc`, admin: { id, secret }, stop() {} };
  }
  const admin = { id: randomId(), secret: randomBytes(24).toString('base64url') };
  const server = await spawnLocal({ EDGEID_BOOTSTRAP_CLIENT_ID: admin.id, EDGEID_BOOTSTRAP_CLIENT_SECRET: admin.secret });
  return { ...server, admin };
}

/** A Management API caller holding the bootstrap app's `all` token. */
export async function managementApi(server) {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${server.admin.id}:${server.admin.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: MANAGEMENT_API, scope: 'all' }),
  });
  assert.equal(response.status, 200, `client_credentials for the Management API: ${await response.clone().text()}`);
  const { access_token: token } = await response.json();
  const call = async (method, apiPath, body, expected) => {
    const res = await fetch(`${server.endpoint}/api${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (expected !== undefined) {
      assert.equal(res.status, expected, `${method} /api${apiPath}: ${text}`);
    } else {
      assert.ok(res.ok, `${method} /api${apiPath} answered ${res.status}: ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  };
  return {
    get: (p, expected) => call('GET', p, undefined, expected),
    post: (p, body, expected) => call('POST', p, body, expected),
    patch: (p, body, expected) => call('PATCH', p, body, expected),
    put: (p, body, expected) => call('PUT', p, body, expected),
    delete: (p, expected) => call('DELETE', p, undefined, expected),
  };
}

/** A user with a username, an email and a password, created through the Management API. */
export async function createUser(api, extra = {}) {
  const username = `user_${randomId(10)}`;
  const password = `Pw-${randomBytes(12).toString('base64url')}`;
  const primaryEmail = `${username}@example.com`;
  const user = await api.post('/users', { username, password, primaryEmail, name: `Test ${username}`, ...extra });
  assert.equal(user.username, username);
  assert.equal(user.primaryEmail, primaryEmail);
  assert.ok(!('passwordDigest' in user) || user.passwordDigest === undefined, 'the password digest is never returned');
  return { ...user, password };
}

/** RFC 7636 S256 pair. */
export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

// ---- the browser ----------------------------------------------------------------------------

const cookiePath = (attributes) => {
  for (const attribute of attributes) {
    const [key, value] = attribute.split('=');
    if (key?.trim().toLowerCase() === 'path') return value?.trim() || '/';
  }
  return '/';
};

const pathMatches = (cookie, requestPath) =>
  cookie === '/' ||
  requestPath === cookie ||
  requestPath.startsWith(cookie.endsWith('/') ? cookie : `${cookie}/`);

/**
 * A cookie jar for one origin, keyed like a browser's (name, path); `Max-Age=0`, a past
 * `Expires` or an empty value deletes. It sends the cookies whose path matches, longest first.
 */
export class CookieJar {
  cookies = new Map(); // `${name}|${path}` -> { name, value, path, attributes }

  store(response) {
    for (const raw of response.headers.getSetCookie()) {
      const [nameValue, ...rest] = raw.split(';').map((s) => s.trim());
      const eq = nameValue.indexOf('=');
      if (eq <= 0) continue;
      const name = nameValue.slice(0, eq);
      const value = nameValue.slice(eq + 1);
      const attributes = rest.map((a) => a.toLowerCase());
      const p = cookiePath(rest);
      const key = `${name}|${p}`;
      const expired =
        attributes.some((a) => a === 'max-age=0' || a.startsWith('max-age=-')) ||
        attributes.some((a) => a.startsWith('expires=') && Date.parse(a.slice(8)) < Date.now());
      if (expired || value === '') {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, { name, value, path: p, attributes });
      }
    }
  }

  header(requestPath = '/') {
    return [...this.cookies.values()]
      .filter((c) => pathMatches(c.path, requestPath))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  has(name) {
    return [...this.cookies.values()].some((c) => c.name === name);
  }

  get(name) {
    return [...this.cookies.values()].find((c) => c.name === name);
  }
}

/**
 * A browser profile on one edgeid endpoint: fetch with the jar, never following redirects.
 * `steps` records every request (method, url, status, location) for failure messages.
 */
export class Browser {
  constructor(endpoint) {
    this.endpoint = endpoint;
    this.jar = new CookieJar();
    this.steps = [];
  }

  async request(method, url, { json, form, headers = {} } = {}) {
    const target = new URL(url, this.endpoint);
    const init = { method, redirect: 'manual', headers: { ...headers } };
    const cookie = this.jar.header(target.pathname);
    if (cookie) init.headers.cookie = cookie;
    if (json !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(json);
    } else if (form !== undefined) {
      init.headers['content-type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams(form).toString();
    }
    const response = await fetch(target, init);
    this.jar.store(response);
    const location = response.headers.get('location');
    this.steps.push(`${method} ${target.pathname}${target.search} -> ${response.status}${location ? ` ${location}` : ''}`);
    return response;
  }

  get(url, options) {
    return this.request('GET', url, options);
  }

  /** An Experience API call (`/api/experience…`); asserts the status, returns the JSON body (or null). */
  async experience(method, apiPath, json, expectedStatus) {
    const response = await this.request(method, `/api/experience${apiPath}`, { json });
    const text = await response.text();
    this.assert(
      expectedStatus === undefined ? response.ok : response.status === expectedStatus,
      `${method} /api/experience${apiPath} answered ${response.status} (expected ${expectedStatus ?? '2xx'}): ${text}`,
    );
    return text ? JSON.parse(text) : null;
  }

  assert(condition, message) {
    assert.ok(condition, `${message}\nsteps so far:\n  ${this.steps.join('\n  ')}`);
  }

  /**
   * `authorizationUrl` (what the SDK would navigate to) → 303 to the sign-in page with the
   * interaction cookies, as Logto's `MockClient.initSession` asserts.
   */
  async openAuthorization(authorizationUrl) {
    const response = await this.get(authorizationUrl);
    const location = response.headers.get('location') ?? '';
    this.assert(response.status === 303 && location.startsWith('/sign-in'), 'the authorization endpoint sends the browser to /sign-in');
    this.assert(this.jar.has('_interaction') && this.jar.has('_interaction.sig'), 'the signed _interaction cookie is set');
    return location;
  }

  /**
   * The Experience API sign-in of `signInWithPassword` (Logto's helpers/experience/index.ts):
   * init → password verification → identification → submit. Returns `redirectTo`.
   */
  async signInWithPassword({ identifier, password }) {
    await this.experience('PUT', '', { interactionEvent: 'SignIn' }, 204);
    const { verificationId } = await this.experience('POST', '/verification/password', { identifier, password }, 200);
    this.assert(typeof verificationId === 'string' && verificationId.length > 0, 'password verification returns a verificationId');
    await this.experience('POST', '/identification', { verificationId }, 204);
    const { redirectTo } = await this.experience('POST', '/submit', undefined, 200);
    this.assert(
      typeof redirectTo === 'string' && redirectTo.startsWith(`${this.endpoint}/oidc/auth/`),
      `submit answers {redirectTo: <issuer>/auth/<uid>}, got ${redirectTo}`,
    );
    return redirectTo;
  }

  /**
   * Logto's `processSession` + `consent`: `redirectTo` → 303 `/consent?app_id=<client>` (the
   * `_session` cookie is set) → `/consent` auto-consents → `<issuer>/auth/<uid2>` → 303 to the
   * redirect URI. Returns the callback URL (with `code`, `state`, `iss`).
   *
   * `likeLogtoMockClient`: keep only the cookies the resumed authorization set, as MockClient
   * does (`this.rawCookies = authResponse.headers.getSetCookie()`), so that response must carry
   * every cookie the rest of the flow needs.
   */
  async finishAuthorization(redirectTo, { clientId, redirectUri, likeLogtoMockClient = false }) {
    const resumed = await this.get(redirectTo);
    if (likeLogtoMockClient) {
      this.jar = new CookieJar();
      this.jar.store(resumed);
    }
    const consentAt = resumed.headers.get('location');
    if (resumed.status === 303 && consentAt?.startsWith(redirectUri)) {
      // Consent was already given in this session (prompt without `consent`).
      return consentAt;
    }
    this.assert(
      resumed.status === 303 && consentAt === `/consent?app_id=${clientId}`,
      `the resumed authorization asks for consent (303 /consent?app_id=${clientId})`,
    );
    this.assert(this.jar.has('_session') && this.jar.has('_session.sig'), 'the signed _session cookie is set after sign-in');
    const consent = await this.get('/consent');
    const next = consent.headers.get('location') ?? '';
    this.assert(
      [302, 303].includes(consent.status) && next.startsWith(`${this.endpoint}/oidc/auth/`),
      'a first-party app is consented automatically and sent back to the authorization endpoint',
    );
    const done = await this.get(next);
    const callback = done.headers.get('location') ?? '';
    this.assert(done.status === 303 && callback.startsWith(redirectUri), `the authorization ends with 303 to ${redirectUri}`);
    return callback;
  }

  /**
   * The whole browser part: authorization URL → callback URL, signing in with a password.
   */
  async signIn(authorizationUrl, { identifier, password, clientId, redirectUri }) {
    await this.openAuthorization(authorizationUrl);
    const redirectTo = await this.signInWithPassword({ identifier, password });
    return this.finishAuthorization(redirectTo, { clientId, redirectUri });
  }

  /**
   * RP-initiated logout as a browser does it: the end-session page is a form the page submits
   * by itself (Logto's static/html/logout.html); post it and return the final response.
   */
  async endSession(endSessionUrl) {
    const page = await this.get(endSessionUrl);
    const html = await page.text();
    this.assert(page.status === 200, `the end-session page answers 200 with a form: ${html.slice(0, 300)}`);
    const form = /<form\b[^>]*>/i.exec(html)?.[0] ?? '';
    const attribute = (tag, name) => new RegExp(`\\b${name}=(["'])(.*?)\\1`, 'i').exec(tag)?.[2];
    const action = attribute(form, 'action');
    this.assert(action, `the end-session page has a form with an action: ${html.slice(0, 300)}`);
    const fields = {};
    for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input, 'name');
      if (name) fields[name] = (attribute(input, 'value') ?? '').replaceAll('&amp;', '&');
    }
    return this.request('POST', action.replaceAll('&amp;', '&'), { form: fields });
  }
}
