// The scripted client of bench/signin.sh: full authorization-code + PKCE flows, as many as
// CONCURRENCY virtual users complete in SECONDS, each flow a fresh browser (own cookie jar,
// own PKCE verifier, own state and nonce), against one server:
//
//   node bench/flow.mjs <edgeid|peer|peer-logto> <base_url> <server_pid> <username> <password> <seconds> <concurrency> [signin|sso|password]
//
// `signin` (default) counts full sign-ins. `sso` counts the same authorization-code + PKCE flow
// for a browser that is already signed in (each virtual user signs in once, untimed, and keeps
// its session cookie): authorize → (the server's own hops, followed as redirects) → callback →
// token exchange, no password and no sign-in page: the protocol work alone, on both servers.
// `password` counts one password check through the running server per iteration, the same
// check a sign-in makes, so its CPU can be taken out of a sign-in flow's measured inside the
// server (same process, same allocator and cache state) rather than from a separate loop:
// edgeid `POST /api/users/<id>/password/verify` (Management API; FLOW_ADMIN_TOKEN and
// FLOW_USER_ID from bench/signin.sh), the peers `POST /password-check` (bench/peer.mjs).
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
// /proc/<pid>/stat), this client's CPU seconds and p50/p99 per step.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { createRemoteJWKSet, jwtVerify } = await load('jose');

const [name, base, pid, username, password, secondsArg, concurrencyArg, modeArg] = process.argv.slice(2);
const mode = modeArg ?? 'signin';
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
    for (const line of response.setCookie) {
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

// node:http with keep-alive rather than fetch (undici): about a third of the client CPU per
// request, and the client shares one core with nothing else but must outpace the servers.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          location: res.headers.location ?? null,
          setCookie: res.headers['set-cookie'] ?? [],
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

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
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  const started = performance.now();
  const response = await request(new URL(url, base), { method, headers, body });
  record(step, performance.now() - started);
  jar.store(response);
  if (response.status !== expect) {
    throw new FlowError(`${step}: HTTP ${response.status} (expected ${expect}) ${response.text.slice(0, 200)}`);
  }
  return { location: response.location, text: response.text };
}

function codeFrom(location, state) {
  const url = new URL(location, base);
  if (`${url.origin}${url.pathname}` !== redirectUri) throw new FlowError(`callback to ${location}`);
  if (url.searchParams.get('state') !== state) throw new FlowError('state mismatch');
  const code = url.searchParams.get('code');
  if (!code) throw new FlowError(`no code in ${location}`);
  return code;
}

function authorizeRequest(prompt) {
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
    ...(prompt && { prompt }),
  })) {
    authorize.searchParams.set(k, v);
  }
  return { authorize, verifier, state, nonce };
}

async function exchange(jar, code, verifier) {
  const { text } = await hop(jar, 'token', `${issuer}/token`, {
    method: 'POST',
    form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId },
    expect: 200,
  });
  const tokens = JSON.parse(text);
  if (!tokens.id_token || !tokens.access_token) throw new FlowError('token response without id_token/access_token');
  return tokens;
}

/** A full sign-in (SDKs send prompt=consent), in `jar`'s browser. */
async function oneFlow(jar = new Jar()) {
  const { authorize, verifier, state, nonce } = authorizeRequest('consent');
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
  const tokens = await exchange(jar, codeFrom(location, state), verifier);
  return { tokens, nonce };
}

/** One password check through the server (right password; 204). */
async function passwordCheck() {
  const jar = new Jar();
  if (name === 'edgeid') {
    const url = `/api/users/${process.env.FLOW_USER_ID}/password/verify`;
    const body = JSON.stringify({ password });
    const started = performance.now();
    const response = await request(new URL(url, base), {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env.FLOW_ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      body,
    });
    record('password', performance.now() - started);
    if (response.status !== 204) throw new FlowError(`password check: HTTP ${response.status} ${response.text.slice(0, 200)}`);
    return;
  }
  await hop(jar, 'password', '/password-check', { method: 'POST', json: { password }, expect: 204 });
}

/** The flow of a browser that holds a session: no prompt, the server's redirects followed. */
async function ssoFlow(jar) {
  const { authorize, verifier, state } = authorizeRequest(undefined);
  let { location } = await hop(jar, 'authorize', authorize, { expect: 303 });
  for (let hops = 0; !location.startsWith(redirectUri); hops += 1) {
    const path = new URL(location, base).pathname;
    if (hops === 4 || path.startsWith('/sign-in') || path.startsWith('/interaction/')) {
      throw new FlowError(`signed-in browser sent to ${location}`);
    }
    const step = path.startsWith('/consent') ? 'consent' : 'resume';
    const started = performance.now();
    const response = await request(new URL(location, base), { headers: { cookie: jar.header() } });
    record(step, performance.now() - started);
    jar.store(response);
    if (response.status !== 302 && response.status !== 303) throw new FlowError(`${step}: HTTP ${response.status}`);
    location = response.location;
  }
  await exchange(jar, codeFrom(location, state), verifier);
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

// One browser per virtual user; in `sso` mode each signs in once before the clock starts.
const jars = Array.from({ length: concurrency }, () => new Jar());
if (mode === 'sso') await Promise.all(jars.map((jar) => oneFlow(jar)));
timings.clear();

let flows = 0;
let failures = 0;
let firstFailure;
const cpuBefore = cpuSeconds();
const clientBefore = process.cpuUsage();
const started = performance.now();
const deadline = started + seconds * 1000;
async function user(jar) {
  while (performance.now() < deadline) {
    try {
      if (mode === 'sso') await ssoFlow(jar);
      else if (mode === 'password') await passwordCheck();
      else await oneFlow();
      flows += 1;
    } catch (e) {
      failures += 1;
      firstFailure ??= e.message;
    }
  }
}
await Promise.all(jars.map(user));
const elapsed = (performance.now() - started) / 1000;
const cpu = cpuSeconds() - cpuBefore;
const clientUsage = process.cpuUsage(clientBefore);
const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
const percentile = (list, p) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const steps = Object.fromEntries(
  [...timings].map(([step, list]) => [step, { p50_ms: +percentile(list, 50).toFixed(2), p99_ms: +percentile(list, 99).toFixed(2) }]),
);
if (firstFailure) console.error(`flow ${name}: first failure: ${firstFailure}`);
console.log(`FLOWJSON ${JSON.stringify({ server: name, mode, flows, failures, seconds: +elapsed.toFixed(3), server_cpu_s: cpu, client_cpu_s: +clientCpu.toFixed(3), concurrency, steps })}`);
