// Correctness gate of bench/run.sh (performance-and-security.md §C.3): before anything is timed,
// send each benchmarked request once, check status and the fields clients read, verify the
// issued JWT against the server's JWKS, and mint the token the introspection run will use.
//
//   node bench/verify.mjs <name> <base_url> <client_id> <client_secret> <resource>
//
// Prints shell assignments (TOKEN_URL=…, INTROSPECTION_URL=…, INTROSPECT_TOKEN=…,
// INTROSPECT_KIND=…) on stdout; exits non-zero with a reason on the first mismatch.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { createLocalJWKSet, jwtVerify, decodeJwt } = await load('jose');

const [name, base, clientId, clientSecret, resource] = process.argv.slice(2);
const issuer = `${base}/oidc`;
const basic = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;

function fail(message) {
  console.error(`verify ${name}: ${message}`);
  process.exit(1);
}

async function call(url, init, what) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== 200) fail(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const type = res.headers.get('content-type') ?? '';
  if (!/^application\/(json|jwk-set\+json)\b/.test(type)) fail(`${what}: content-type ${type}`);
  try {
    return JSON.parse(text);
  } catch {
    return fail(`${what}: body is not JSON`);
  }
}

const form = (fields) => ({
  method: 'POST',
  headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

const discovery = await call(`${issuer}/.well-known/openid-configuration`, {}, 'discovery');
if (discovery.issuer !== issuer) fail(`discovery issuer ${discovery.issuer} != ${issuer}`);
for (const field of ['jwks_uri', 'token_endpoint', 'introspection_endpoint']) {
  if (typeof discovery[field] !== 'string') fail(`discovery lacks ${field}`);
}
if (!discovery.grant_types_supported?.includes('client_credentials')) {
  fail('discovery does not list client_credentials');
}

const jwks = await call(discovery.jwks_uri, {}, 'jwks');
if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) fail('JWKS has no keys');
for (const key of jwks.keys) {
  if (key.d || key.p || key.q) fail('JWKS publishes private key material');
}
if (!jwks.keys.some((k) => k.kty === 'EC' && k.crv === 'P-256')) fail('JWKS has no P-256 key');

const issued = await call(
  discovery.token_endpoint,
  form({ grant_type: 'client_credentials', resource, scope: 'all' }),
  'client_credentials',
);
if (issued.token_type?.toLowerCase() !== 'bearer') fail(`token_type ${issued.token_type}`);
if (issued.scope !== 'all') fail(`scope ${issued.scope}`);
const { payload, protectedHeader } = await jwtVerify(issued.access_token, createLocalJWKSet(jwks), {
  issuer,
  audience: resource,
  algorithms: ['ES256'],
  typ: 'at+jwt',
}).catch((e) => fail(`access token does not verify: ${e.message}`));
if (payload.client_id !== clientId || payload.sub !== clientId) fail('sub/client_id mismatch');
if (payload.scope !== 'all' || !payload.jti || !payload.exp || !payload.iat) fail('claims missing');

// edgeid introspects its JWT access tokens; node-oidc-provider keeps no record of JWT-format
// tokens and answers active:false for them, so the peer introspects an opaque token (a
// client_credentials token without resource), as in §A.1.1.
let introspectToken = issued.access_token;
let introspectKind = 'JWT access token';
if (name === 'peer') {
  const opaque = await call(
    discovery.token_endpoint,
    form({ grant_type: 'client_credentials' }),
    'client_credentials (opaque)',
  );
  try {
    decodeJwt(opaque.access_token);
    fail('expected an opaque token without resource');
  } catch {
    // not a JWT: what we want
  }
  introspectToken = opaque.access_token;
  introspectKind = 'opaque access token';
}
const introspection = await call(
  discovery.introspection_endpoint,
  form({ token: introspectToken }),
  'introspection',
);
if (introspection.active !== true) fail(`introspection active=${introspection.active}`);
if (introspection.client_id !== clientId) fail('introspection client_id mismatch');

console.error(`verify ${name}: discovery, JWKS, client_credentials (${protectedHeader.alg}, kid ${protectedHeader.kid}) and introspection OK`);
const safe = /^[A-Za-z0-9._~:/?&=%+-]+$/;
for (const value of [discovery.token_endpoint, discovery.introspection_endpoint, introspectToken]) {
  if (!safe.test(value)) fail(`unexpected characters in ${value}`);
}
console.log(`TOKEN_URL='${discovery.token_endpoint}'`);
console.log(`INTROSPECTION_URL='${discovery.introspection_endpoint}'`);
console.log(`JWKS_URL='${discovery.jwks_uri}'`);
console.log(`INTROSPECT_TOKEN='${introspectToken}'`);
console.log(`INTROSPECT_KIND='${introspectKind}'`);
