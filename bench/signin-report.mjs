// Turns bench/signin.sh's result lines into its tables: password verifications per core, and
// authorization-code + PKCE flows per second with CPU per flow, for edgeid and the two peers
// (`peer`: node-oidc-provider with an Argon2id check equal to edgeid's; `peer-logto`: the same
// with Logto's own password check, hash-wasm Argon2i at Logto's parameters).
//
//   node bench/signin-report.mjs <results.jsonl>
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (list, key) => {
  const sorted = [...list].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)];
};
const ARGON2_TARGET = 45;
const FLOW_TARGET = 5;

const argon = (server) => {
  const runs = rows.filter((r) => r.kind === 'argon2' && r.server === server);
  if (runs.length === 0) return undefined;
  const m = median(runs, (r) => r.per_core);
  return { ...m, msPerVerify: (1e3 * m.cpu_s) / m.verifications, spread: runs.map((r) => r.per_core.toFixed(1)).join(', ') };
};
const flow = (server, mode) => {
  const runs = rows.filter((r) => r.kind === 'flow' && r.server === server && (r.mode ?? 'signin') === mode);
  if (runs.length === 0) return undefined;
  const m = median(runs, (r) => r.flows / r.seconds);
  return {
    ...m,
    rate: m.flows / m.seconds,
    cpuMs: (1e3 * m.server_cpu_s) / m.flows,
    cpuShare: m.server_cpu_s / m.seconds,
    clientShare: (m.client_cpu_s ?? 0) / m.seconds,
    failures: runs.reduce((n, r) => n + r.failures, 0),
    spread: runs.map((r) => (r.flows / r.seconds).toFixed(1)).join(', '),
  };
};

const ours = argon('edgeid');
const theirs = argon('peer');
const logtos = argon('peer-logto');
console.log('### Password verifications per core');
console.log('');
console.log('| implementation | parameters | ms CPU / verify | verifications/s/core | target |');
console.log('|---|---|---:|---:|---|');
for (const [label, a, target] of [
  ['edgeid `domain::password::verify` (edgeid-argon2, Argon2id, release)', ours, true],
  ['peer: npm `argon2` (reference C, Argon2id at edgeid\'s parameters, Node 22)', theirs, false],
  ['peer-logto: Logto as shipped, hash-wasm `argon2Verify` (Argon2i, WebAssembly, Node 22)', logtos, false],
]) {
  if (!a) continue;
  const verdict = target ? `≥ ${ARGON2_TARGET}/s/core ${a.per_core >= ARGON2_TARGET ? 'met' : 'MISSED'}` : '';
  console.log(`| ${label} | m=${a.m_kib} KiB, t=${a.t}, p=${a.p} | ${a.msPerVerify.toFixed(1)} | ${a.per_core.toFixed(1)} (runs: ${a.spread}) | ${verdict} |`);
}
console.log('');

const LOAD_BOUND = 0.9;
const flag = (f) => (f.clientShare >= LOAD_BOUND ? ' (load-bound)' : f.cpuShare < 0.85 && f.clientShare < LOAD_BOUND ? ' (starved)' : '');
const notes = (servers) => {
  for (const [name, f] of servers) {
    if (!f) continue;
    const steps = Object.entries(f.steps)
      .map(([step, t]) => `${step} ${t.p50_ms}/${t.p99_ms}`)
      .join(', ');
    console.log(`- ${name}: runs ${f.spread} flows/s, server CPU ${(100 * f.cpuShare).toFixed(0)} % of its core, client CPU ${(100 * f.clientShare).toFixed(0)} % of its core, ${f.concurrency} virtual users; per step p50/p99 ms: ${steps}`);
  }
  console.log('');
};

const e = flow('edgeid', 'signin');
const peers = [
  ['peer (equal Argon2id)', 'peer', theirs],
  ['peer-logto (Logto\'s Argon2i)', 'peer-logto', logtos],
]
  .map(([label, server, a]) => [label, flow(server, 'signin'), a, flow(server, 'password')])
  .filter(([, f]) => f);
if (e && peers.length > 0) {
  // The protocol work of a sign-in: its CPU minus one password check through the same running
  // server (the `password` kind: one request doing only the check; that request's own HTTP
  // work is taken out too, so this slightly understates both sides). The standalone verify
  // (table above) gives the same estimate from outside the server, for comparison.
  const check = flow('edgeid', 'password');
  const proto = (f, c) => (c ? f.cpuMs - c.cpuMs : NaN);
  const protoE = proto(e, check);
  console.log('### Sign-in flows: authorization code + PKCE with one password check per flow');
  console.log('');
  console.log('| server | password check | flows/s | failures | server CPU ms / flow | one password check through the server, ms | protocol ms / flow (difference) | edgeid ratio flows/s | edgeid ratio CPU / flow | edgeid ratio protocol | target (flows/s) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(`| edgeid | Argon2id m=${ours?.m_kib} t=${ours?.t} | ${e.rate.toFixed(1)}${flag(e)} | ${e.failures} | ${e.cpuMs.toFixed(2)} | ${check ? check.cpuMs.toFixed(2) : 'n/a'} | ${protoE.toFixed(2)} | | | | |`);
  for (const [label, p, a, c] of peers) {
    const ratio = e.rate / p.rate;
    const met = ratio >= FLOW_TARGET && e.failures === 0 && p.failures === 0;
    const protoP = proto(p, c);
    const kind = a ? `${a.variant.split(' ')[0]} m=${a.m_kib} t=${a.t}` : '';
    console.log(`| ${label} | ${kind} | ${p.rate.toFixed(1)}${flag(p)} | ${p.failures} | ${p.cpuMs.toFixed(2)} | ${c ? c.cpuMs.toFixed(2) : 'n/a'} | ${protoP.toFixed(2)} | ${ratio.toFixed(2)}× | ${(p.cpuMs / e.cpuMs).toFixed(2)}× | ${(protoP / protoE).toFixed(1)}× | ≥ ${FLOW_TARGET}× ${met ? 'met' : 'MISSED'} |`);
  }
  console.log('');
  const outside = [['edgeid', e, ours], ...peers.map(([label, p, a]) => [label, p, a])]
    .map(([label, f, a]) => `${label} ${a ? (f.cpuMs - a.msPerVerify).toFixed(2) : 'n/a'} ms`)
    .join(', ');
  console.log(`The same protocol estimate with the standalone verify of the first table instead: ${outside}.`);
  console.log('');
  console.log(`Whole sign-ins through the running server per CPU-second of it (= 1000 / CPU ms per flow): edgeid ${(1e3 / e.cpuMs).toFixed(1)}/s/core (target ≥ ${ARGON2_TARGET} ${1e3 / e.cpuMs >= ARGON2_TARGET ? 'met' : 'MISSED'}), ${peers.map(([label, p]) => `${label} ${(1e3 / p.cpuMs).toFixed(1)}/s/core`).join(', ')}.`);
  console.log('');
  notes([['edgeid', e], ...peers.map(([label, p]) => [label, p])]);
  notes([['edgeid password check', check], ...peers.map(([label, , , c]) => [`${label} password check`, c])]);
}

const se = flow('edgeid', 'sso');
const sp = flow('peer', 'sso');
if (se && sp) {
  const ratio = se.rate / sp.rate;
  const cpuRatio = sp.cpuMs / se.cpuMs;
  console.log('### Signed-in (SSO) flows: authorization code + PKCE for a browser with a session, no password');
  console.log('');
  console.log('| server | flows/s | failures | server CPU ms / flow | ratio flows/s | ratio CPU / flow |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| edgeid | ${se.rate.toFixed(0)}${flag(se)} | ${se.failures} | ${se.cpuMs.toFixed(3)} | ${ratio.toFixed(1)}× | ${cpuRatio.toFixed(1)}× |`);
  console.log(`| peer | ${sp.rate.toFixed(0)}${flag(sp)} | ${sp.failures} | ${sp.cpuMs.toFixed(3)} | | |`);
  console.log('');
  notes([['edgeid', se], ['peer', sp]]);
}
console.log('load-bound = the Node client used ≥ 90 % of its core; starved = neither the server (< 85 %) nor the client was busy (waiting on wake-ups or other processes): compare CPU per flow.');
