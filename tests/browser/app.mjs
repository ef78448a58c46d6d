// An app signing people in through edgeid, as the browser tests need it: an SPA registered
// through the Management API with a local callback page, the authorization request a Logto SDK
// makes (PKCE S256, state, nonce), and the code exchange whose ID token says who signed in.
// Plus RFC 6238 TOTP codes computed here and QR codes read here, as an authenticator app would.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, createHmac, randomBytes } from 'node:crypto';

import { openPage, ready, freePort, load } from './harness.mjs';

const { createRemoteJWKSet, jwtVerify } = await load('jose');
const jsQR = await load('jsqr');

export const PASSWORD = 'Correct-horse-42';
export const unique = (prefix) => `${prefix}_${randomBytes(4).toString('hex')}`;
/** The screen on show (labels repeat across the hidden ones). */
export const shown = (page) => page.locator('[data-screen]:not([hidden])');

/** Register an SPA whose redirect URI is a local page; returns the helpers to sign in to it. */
export async function createApp(env) {
  const { endpoint } = env;
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>App</title><h1>Back in the app</h1>');
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const callback = `http://127.0.0.1:${port}/callback`;
  const app = await env.admin('POST', '/applications', {
    name: 'Browser test SPA',
    type: 'SPA',
    oidcClientMetadata: { redirectUris: [callback], postLogoutRedirectUris: [] },
  });
  const jwks = createRemoteJWKSet(new URL(`${endpoint}/oidc/jwks`));

  function authorization(extra = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(`${endpoint}/oidc/auth`);
    const auth = { verifier, state: randomBytes(12).toString('base64url'), nonce: randomBytes(12).toString('base64url') };
    url.search = new URLSearchParams({
      client_id: app.id,
      redirect_uri: callback,
      response_type: 'code',
      scope: 'openid profile email',
      state: auth.state,
      nonce: auth.nonce,
      prompt: 'consent',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    return { ...auth, url: url.href };
  }

  return {
    app,
    /**
     * A fresh browser opened on the app's authorization request, showing the sign-in page
     * (`before(context)` runs first, e.g. to route requests; `wait: false` when the page leaves
     * at once).
     */
    async startSignIn(options, extra, { before, wait = true } = {}) {
      const opened = await openPage(env.browser, options);
      if (before) await before(opened.context);
      const auth = authorization(extra);
      await opened.page.goto(auth.url);
      if (wait) await ready(opened.page);
      return { ...opened, auth };
    },
    /** Wait for the app's callback, exchange the code, return the verified ID token claims. */
    async finish(page, auth) {
      await page.waitForURL((url) => url.href.startsWith(callback), { timeout: 15_000 });
      const back = new URL(page.url());
      assert.equal(back.searchParams.get('error'), null, `the app got an error: ${back.search}`);
      assert.equal(back.searchParams.get('state'), auth.state);
      const response = await fetch(`${endpoint}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: back.searchParams.get('code'),
          redirect_uri: callback,
          client_id: app.id,
          code_verifier: auth.verifier,
        }),
      });
      const tokens = await response.json();
      assert.equal(response.status, 200, `token endpoint: ${JSON.stringify(tokens)}`);
      const { payload } = await jwtVerify(tokens.id_token, jwks, { issuer: `${endpoint}/oidc`, audience: app.id });
      assert.equal(payload.nonce, auth.nonce);
      return payload;
    },
    close: () => server.close(),
  };
}

/** Every account center field editable. */
export const EDIT = { name: 'Edit', avatar: 'Edit', profile: 'Edit', username: 'Edit', email: 'Edit', password: 'Edit', mfa: 'Edit' };

/** Open /account in a fresh browser: it sends the person to the sign-in page and back. */
export async function openAccount(env, username, password = PASSWORD, options) {
  const opened = await openPage(env.browser, options);
  const { page } = opened;
  await page.goto(`${env.endpoint}/account`);
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await ready(page);
  assert.equal(new URL(page.url()).searchParams.get('app_id'), 'account-center');
  await shown(page).getByLabel(/username/i).fill(username);
  await shown(page).getByLabel('Password').fill(password);
  await shown(page).getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).search, '', 'the code is gone from the address bar');
  return opened;
}

/** Sign in on the page with a username and password. */
export async function signInWithPassword(page, username, password = PASSWORD) {
  await shown(page).getByLabel(/username/i).fill(username);
  await shown(page).getByLabel('Password').fill(password);
  await shown(page).getByRole('button', { name: 'Sign in' }).click();
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(text) {
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) bits += BASE32.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
}

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) for `secret` now, or `steps` periods later. */
export function totp(secret, steps = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + steps));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A fresh base32 TOTP secret (20 bytes, as Logto's). */
export function totpSecret() {
  const bytes = randomBytes(20);
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  return bits.match(/.{5}/g).map((chunk) => BASE32[parseInt(chunk, 2)]).join('');
}

/** What the QR code shown in the `<img>` at `selector` says (read with jsQR, as a phone would). */
export async function readQr(page, selector) {
  const side = 360;
  const pixels = await page.locator(selector).evaluate(async (img, side) => {
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = side;
    const context = canvas.getContext('2d');
    context.imageSmoothingEnabled = false;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, side, side);
    context.drawImage(img, 0, 0, side, side);
    return Array.from(context.getImageData(0, 0, side, side).data);
  }, side);
  return jsQR(Uint8ClampedArray.from(pixels), side, side)?.data ?? null;
}
