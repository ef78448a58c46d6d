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
//   1,000-entry LRU, so evictions during a run cannot change results (§A.1.1 caveat).
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
  ],
  jwks: { keys: [signingKey] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    AuthorizationCode: 60,
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
const server = createServer((req, res) => {
  if (req.url === '/oidc' || req.url.startsWith('/oidc/') || req.url.startsWith('/oidc?')) {
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
