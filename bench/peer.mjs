// The peer for bench/run.sh: node-oidc-provider (Logto's engine) configured as in
// performance-and-security.md §C, mounted at /oidc exactly as Logto mounts it, so both servers
// answer the same URLs and the wrk scripts are shared.
//
//   node bench/peer.mjs <port> <client_id> <client_secret> <resource>
//
// - issuer http://127.0.0.1:<port>/oidc, plain HTTP, no logging;
// - one confidential client_secret_basic client (authorization_code, refresh_token,
//   client_credentials);
// - one ES256 signing key, JWT access tokens through resource indicators (scope `all`);
// - storage: the provider's own MemoryAdapter logic over a plain Map with expiry instead of its
//   1,000-entry LRU, so evictions during a run cannot change results (§A.1.1 caveat);
// - for bench/signin.sh (authorization code + PKCE flows), when PEER_FLOW_USERNAME,
//   PEER_FLOW_PASSWORD and PEER_FLOW_ARGON2 ("<m KiB> <t> <p>", or "logto") are set: a public SPA client
//   `demo-app` (PKCE, redirect URI <base>/demo-app, as edgeid's seeded app), devInteractions
//   off, and a minimal scripted interaction in place of Logto's Experience API: `GET
//   /interaction/:uid` answers the login prompt's details, `POST /interaction/:uid/login`
//   `{username, password}` checks the one in-memory account's password (npm `argon2`, the
//   reference C implementation, Argon2id at edgeid's parameters; or with "logto" hash-wasm's
//   Argon2i at Logto's m=8192 KiB, t=8, p=1, as Logto verifies passwords) and calls
//   `provider.interactionFinished` with `{login: {accountId}}`; the consent prompt is granted
//   automatically, as Logto's /consent does for first-party apps.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

// The npm cache lives outside the clone (.ci/tools.sh exports NODE_PATH); ESM imports ignore
// NODE_PATH, so resolve through CommonJS resolution and import the file it finds.
const require = createRequire(import.meta.url);
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { default: Provider, errors } = await load('oidc-provider');
const providerRoot = path.dirname(require.resolve('oidc-provider/package.json'));
const { default: MemoryAdapter } = await import(
  pathToFileURL(path.join(providerRoot, 'lib/adapters/memory_adapter.js')).href
);

const [port, clientId, clientSecret, resource] = process.argv.slice(2);
if (!port || !clientId || !clientSecret || !resource) {
  console.error('usage: node bench/peer.mjs <port> <client_id> <client_secret> <resource>');
  process.exit(2);
}

/** The store interface MemoryAdapter expects (get/set(key, value, {maxAge})/delete), unbounded. */
class ExpiringMap {
  #entries = new Map();

  get(key) {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key, value, options) {
    const expiry = options?.maxAge ? Date.now() + options.maxAge : undefined;
    this.#entries.set(key, { value, expiry });
  }

  delete(key) {
    this.#entries.delete(key);
  }
}

const storage = new ExpiringMap();

// The scripted sign-in (bench/signin.sh only).
const flowUser = process.env.PEER_FLOW_USERNAME;
const flowPassword = process.env.PEER_FLOW_PASSWORD;
const flow = flowUser && flowPassword ? await loadFlow() : undefined;

async function loadFlow() {
  // The same password check bench/argon2.mjs times on its own (npm argon2 Argon2id at edgeid's
  // parameters, or "logto": hash-wasm Argon2i as Logto ships it).
  const { passwordCheck } = await import('./argon2.mjs');
  const check = await passwordCheck(process.env.PEER_FLOW_ARGON2, flowPassword);
  return { verify: check.verify, accountId: 'benchuser0001' };
}
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' };

const issuer = `http://127.0.0.1:${port}/oidc`;
const provider = new Provider(issuer, {
  adapter: (model) => new MemoryAdapter(model, storage),
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      id_token_signed_response_alg: 'ES256',
    },
    ...(flow
      ? [
          {
            client_id: 'demo-app',
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            redirect_uris: [`http://127.0.0.1:${port}/demo-app`],
            id_token_signed_response_alg: 'ES256',
          },
        ]
      : []),
  ],
  jwks: { keys: [signingKey] },
  ...(flow && {
    findAccount: (ctx, id) =>
      id === flow.accountId ? { accountId: id, claims: () => ({ sub: id, username: flowUser }) } : undefined,
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    claims: { profile: ['username'] },
  }),
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  // Logto's TTLs (reference §1.11): access 1 h, code 60 s, interaction 1 h, session and grant
  // 14 days, ID token 1 h.
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    IdToken: 3600,
  },
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // Any authenticated client may introspect (what edgeid does); set explicitly to silence
    // the provider's start-up notice.
    introspection: { enabled: true, allowedPolicy: () => true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource parameter → an opaque, audience-less token (used for introspection).
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, indicator) {
        if (indicator !== resource) throw new errors.InvalidTarget();
        return {
          scope: 'all',
          audience: resource,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
});
// Logging off: the provider logs nothing by default; keep Koa's error printer quiet too.
provider.silent = true;

// Mount under /oidc the way Express does (originalUrl = full path, url = path below the mount),
// which is what the provider reads to build its endpoint URLs.
const callback = provider.callback();

/** The scripted interaction: what a sign-in page backend does, reduced to the checks. */
async function interaction(req, res) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET' && details.prompt.name === 'consent') {
      // First-party app: grant what is missing and go on (Logto's koa-auto-consent).
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
      if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'GET') return send(200, { uid: details.uid, prompt: details.prompt.name });
    if (req.method === 'POST' && req.url.endsWith('/login') && details.prompt.name === 'login') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const { username, password } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const ok = username === flowUser && (await flow.verify(String(password)));
      if (!ok) return send(422, { code: 'session.invalid_credentials' });
      await provider.interactionFinished(req, res, { login: { accountId: flow.accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    return send(400, { code: 'unexpected interaction step' });
  } catch (e) {
    return send(400, { code: 'session.not_found', message: String(e?.message ?? e) });
  }
}

/** `POST /password-check {password}`: the login step's password check alone (bench/flow.mjs's
 * `password` mode): 204 when it matches, 422 when not. */
async function passwordCheck(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const { password } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  res.statusCode = (await flow.verify(String(password))) ? 204 : 422;
  res.end();
}

const server = createServer((req, res) => {
  if (flow && req.url.startsWith('/interaction/')) {
    interaction(req, res);
  } else if (flow && req.method === 'POST' && req.url === '/password-check') {
    passwordCheck(req, res);
  } else if (req.url === '/oidc' || req.url.startsWith('/oidc/') || req.url.startsWith('/oidc?')) {
    req.originalUrl = req.url;
    req.url = req.url.slice('/oidc'.length) || '/';
    callback(req, res);
  } else {
    res.statusCode = 404;
    res.end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`peer listening on ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
