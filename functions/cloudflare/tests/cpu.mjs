// CPU time per request of the `all` Worker under `wrangler dev`, per endpoint.
//
//   node functions/cloudflare/tests/cpu.mjs <base-url> <wrangler-pid>
//
// workerd's clock does not advance during CPU work, so the Worker cannot time itself, and its
// inspector's sampling profiler takes about one sample per event (too coarse). So we read the
// kernel's account instead: user+system CPU of every workerd process under <wrangler-pid>
// (/proc/<pid>/stat) before and after N sequential requests. That is all the runtime did for
// them — HTTP parsing, the dev proxy, the Worker, the store's Durable Object — so the figure
// that matters is the difference to a baseline request that reaches the Worker and does
// nothing (a 404 on an unknown /oidc path): the CPU the endpoint's own code costs.
// Credentials: EDGEID_BOOTSTRAP_CLIENT_ID / EDGEID_BOOTSTRAP_CLIENT_SECRET (an M2M client
// allowed the Management API). Endpoints that do not answer 2xx are reported with their
// status, not skipped silently.
import { readFileSync, readdirSync } from "node:fs";

const base = process.argv[2];
const rootPid = Number(process.argv[3]);
const N = Number(process.env.EDGEID_CPU_REQUESTS ?? 200);
if (!base || !rootPid) throw new Error("usage: cpu.mjs <base-url> <wrangler-pid>");

const id = process.env.EDGEID_BOOTSTRAP_CLIENT_ID ?? "";
const secret = process.env.EDGEID_BOOTSTRAP_CLIENT_SECRET ?? "";
const basic = "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
const form = (o) => ({ "content-type": "application/x-www-form-urlencoded", authorization: basic, body: new URLSearchParams(o).toString() });

async function token() {
  const res = await fetch(`${base}/oidc/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: "https://default.logto.app/api", scope: "all" }),
  });
  const body = await res.json().catch(() => ({}));
  return body.access_token ?? "";
}

// ---- CPU of the workerd processes -------------------------------------------------------------
const TICK_MS = 10; // USER_HZ is 100 on Linux
function stat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]), comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")) };
}
function workerdPids() {
  const all = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try { all.set(Number(d), stat(d)); } catch { /* gone */ }
  }
  const under = (pid) => { for (let p = pid; p > 1; p = all.get(p)?.ppid ?? 0) if (p === rootPid) return true; return false; };
  return [...all.entries()].filter(([pid, s]) => s.comm === "workerd" && under(pid)).map(([pid]) => pid);
}
const pids = workerdPids();
if (pids.length === 0) throw new Error(`no workerd process under pid ${rootPid}`);
const cpuMs = () => pids.reduce((sum, pid) => sum + stat(pid).cpu, 0) * TICK_MS;

async function measure(make) {
  for (let i = 0; i < 20; i++) await (await make()).arrayBuffer(); // warm-up (JIT, caches)
  const cpu0 = cpuMs();
  let status = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const res = await make();
    await res.arrayBuffer();
    status = res.status;
  }
  const wall = (performance.now() - t0) / N;
  const cpu = (cpuMs() - cpu0) / N;
  return { status, wall, cpu };
}

const at = await token();
const bearer = { authorization: `Bearer ${at}` };
const endpoints = [
  ["baseline (404)", () => fetch(`${base}/oidc/nothing-here`)],
  ["discovery", () => fetch(`${base}/oidc/.well-known/openid-configuration`)],
  ["JWKS", () => fetch(`${base}/oidc/jwks`)],
  ["token (client_credentials)", () => { const f = form({ grant_type: "client_credentials", resource: "https://default.logto.app/api", scope: "all" }); return fetch(`${base}/oidc/token`, { method: "POST", headers: { "content-type": f["content-type"], authorization: f.authorization }, body: f.body }); }],
  ["introspection", () => { const f = form({ token: at }); return fetch(`${base}/oidc/token/introspection`, { method: "POST", headers: { "content-type": f["content-type"], authorization: f.authorization }, body: f.body }); }],
  ["revocation", () => { const f = form({ token: "not-a-real-token-" + Math.random(), token_type_hint: "refresh_token" }); return fetch(`${base}/oidc/token/revocation`, { method: "POST", headers: { "content-type": f["content-type"], authorization: f.authorization }, body: f.body }); }],
  ["Management GET /api/applications", () => fetch(`${base}/api/applications`, { headers: bearer })],
];

const rows = [];
for (const [name, make] of endpoints) rows.push([name, await measure(make)]);
const base0 = rows[0][1];
console.log(`CPU per request under workerd (wrangler dev; ${N} sequential requests each; workerd processes ${pids.join(",")})`);
console.log(`${"endpoint".padEnd(34)} ${"status".padStart(6)} ${"workerd cpu".padStart(11)} ${"minus 404".padStart(10)} ${"wall".padStart(8)}  (ms per request)`);
for (const [name, r] of rows) {
  console.log(`${name.padEnd(34)} ${String(r.status).padStart(6)} ${r.cpu.toFixed(3).padStart(11)} ${(r.cpu - base0.cpu).toFixed(3).padStart(10)} ${r.wall.toFixed(3).padStart(8)}`);
}
