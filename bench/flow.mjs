// The scripted client of bench/signin.sh: full authorization-code + PKCE flows, as many as
// CONCURRENCY virtual users complete in SECONDS, each flow a fresh browser (own cookie jar,
// own PKCE verifier, own state and nonce), against one server:
//
//   node bench/flow.mjs <edgeid|peer> <base_url> <server_pid> <username> <password> <seconds> <concurrency>
//
// edgeid (Logto's hops, reference §4.11): GET /oidc/auth → 303 /sign-in; PUT /api/experience
// {SignIn}; POST /api/experience/verification/password; POST /api/experience/identification;
// POST /api/experience/submit → redirectTo; GET /oidc/auth/<uid> → 303 /consent; GET /consent →
// 302 /oidc/auth/<uid2>; GET → 303 <redirect_uri>?code; POST /oidc/token (code + verifier).
// peer (node-oidc-provider + bench/peer.mjs's scripted interaction): GET /oidc/auth → 303
// /interaction/<uid>; POST /interaction/<uid>/login; GET /oidc/auth/<uid> → 303
// /interaction/<uid2> (consent, granted automatically); GET → 303 /oidc/auth/<uid2>; GET → 303
// <redirect_uri>?code; POST /oidc/token.
// The first flow is checked end to end (ID token verified against the JWKS, issuer, audience,
// nonce, sub); every later flow must reach a 200 from the token endpoint with an id_token.
// Prints one `FLOWJSON {...}` line: flows, failures, seconds, the server's CPU seconds (from
// /proc/<pid>/stat) and p50/p99 per step.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { createRemoteJWKSet, jwtVerify } = await load('jose');

const [name, base, pid, username, password, secondsArg, concurrencyArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 10);
const concurrency = Number(concurrencyArg ?? 8);
const issuer = `${base}/oidc`;
const clientId = 'demo-app';
const redirectUri = `${base}/demo-app`;
const b64url = (buf) => buf.toString('base64url');

function cpuSeconds() {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A browser's cookie jar for one flow: name → value (paths ignored: one site, one flow). */
class Jar {
  #cookies = new Map();

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const cookie = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attributes.some((a) => {
        const [k, v] = a.trim().split('=');
        return (k.toLowerCase() === 'max-age' && Number(v) <= 0) || (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now());
      });
      if (gone || value === '') this.#cookies.delete(cookie);
      else this.#cookies.set(cookie, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

class FlowError extends Error {}

const timings = new Map(); // step → [ms]
function record(step, ms) {
  if (!timings.has(step)) timings.set(step, []);
  timings.get(step).push(ms);
}

/** One HTTP hop with the jar; `expect` = the status it must answer. */
async function hop(jar, step, url, { method = 'GET', json, form, expect }) {
  const headers = { cookie: jar.header() };
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const started = performance.now();
  const response = await fetch(new URL(url, base), { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  record(step, performance.now() - started);
  jar.store(response);
  if (response.status !== expect) {
    throw new FlowError(`${step}: HTTP ${response.status} (expected ${expect}) ${text.slice(0, 200)}`);
  }
  return { location: response.headers.get('location'), text };
}

function codeFrom(location, state) {
  const url = new URL(location, base);
  if (`${url.origin}${url.pathname}` !== redirectUri) throw new FlowError(`callback to ${location}`);
  if (url.searchParams.get('state') !== state) throw new FlowError('state mismatch');
  const code = url.searchParams.get('code');
  if (!code) throw new FlowError(`no code in ${location}`);
  return code;
}

async function oneFlow() {
  const jar = new Jar();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const authorize = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'consent',
  })) {
    authorize.searchParams.set(k, v);
  }

  let location = (await hop(jar, 'authorize', authorize, { expect: 303 })).location;
  if (name === 'edgeid') {
    await hop(jar, 'experience', '/api/experience', { method: 'PUT', json: { interactionEvent: 'SignIn' }, expect: 204 });
    const { text } = await hop(jar, 'password', '/api/experience/verification/password', {
      method: 'POST',
      json: { identifier: { type: 'username', value: username }, password },
      expect: 200,
    });
    const { verificationId } = JSON.parse(text);
    await hop(jar, 'identification', '/api/experience/identification', { method: 'POST', json: { verificationId }, expect: 204 });
    const submitted = await hop(jar, 'submit', '/api/experience/submit', { method: 'POST', json: {}, expect: 200 });
    location = JSON.parse(submitted.text).redirectTo;
    location = (await hop(jar, 'resume', location, { expect: 303 })).location; // → /consent
    location = (await hop(jar, 'consent', location, { expect: 302 })).location; // → /oidc/auth/<uid2>
    location = (await hop(jar, 'resume_consent', location, { expect: 303 })).location; // → callback
  } else {
    const uid = new URL(location, base).pathname.split('/').pop();
    location = (await hop(jar, 'password', `/interaction/${uid}/login`, {
      method: 'POST',
      json: { username, password },
      expect: 303,
    })).location; // → /oidc/auth/<uid>
    location = (await hop(jar, 'resume', location, { expect: 303 })).location; // → /interaction/<uid2>
    location = (await hop(jar, 'consent', location, { expect: 303 })).location; // → /oidc/auth/<uid2>
    location = (await hop(jar, 'resume_consent', location, { expect: 303 })).location; // → callback
  }
  const code = codeFrom(location, state);
  const { text } = await hop(jar, 'token', `${issuer}/token`, {
    method: 'POST',
    form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId },
    expect: 200,
  });
  const tokens = JSON.parse(text);
  if (!tokens.id_token || !tokens.access_token) throw new FlowError('token response without id_token/access_token');
  return { tokens, nonce };
}

// Correctness gate: one flow, its ID token verified.
try {
  const { tokens, nonce } = await oneFlow();
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
    issuer,
    audience: clientId,
  });
  if (payload.nonce !== nonce) throw new FlowError('id_token nonce mismatch');
  if (!payload.sub) throw new FlowError('id_token without sub');
  console.error(`flow ${name}: first flow OK (id_token for ${payload.sub} verified)`);
} catch (e) {
  console.error(`flow ${name}: the first flow failed: ${e.message}`);
  process.exit(1);
}
timings.clear();

let flows = 0;
let failures = 0;
let firstFailure;
const cpuBefore = cpuSeconds();
const started = performance.now();
const deadline = started + seconds * 1000;
async function user() {
  while (performance.now() < deadline) {
    try {
      await oneFlow();
      flows += 1;
    } catch (e) {
      failures += 1;
      firstFailure ??= e.message;
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, user));
const elapsed = (performance.now() - started) / 1000;
const cpu = cpuSeconds() - cpuBefore;
const percentile = (list, p) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const steps = Object.fromEntries(
  [...timings].map(([step, list]) => [step, { p50_ms: +percentile(list, 50).toFixed(2), p99_ms: +percentile(list, 99).toFixed(2) }]),
);
if (firstFailure) console.error(`flow ${name}: first failure: ${firstFailure}`);
console.log(`FLOWJSON ${JSON.stringify({ server: name, flows, failures, seconds: +elapsed.toFixed(3), server_cpu_s: cpu, concurrency, steps })}`);
