// CPU time per request of edgeid's Worker, per endpoint, two ways.
//
//   node functions/cloudflare/tests/cpu.mjs <base-url> <wrangler-pid> [e2e|handler]
//
// workerd's clock does not advance during CPU work, so the Worker cannot time itself, and its
// inspector's sampling profiler takes about one sample per event (too coarse). So we read the
// kernel's account: user+system CPU of every workerd process under <wrangler-pid>
// (/proc/<pid>/stat) around N sequential requests.
//   e2e:     real requests to the running Worker (Durable Object store). Everything workerd did,
//            minus a baseline request that reaches the Worker and does nothing (a 404). Locally
//            this includes the dev proxy and the loopback HTTP of every Durable Object call
//            (~2 ms each here), which production does not bill to the Worker: an upper bound.
//   handler: needs the `conformance` build. One request runs the endpoint's handler N times
//            in-process on a memory store (`/__edgeid_test/bench`), minus the same request with
//            N = 0: the CPU of edgeid's own code per request (WebCrypto, JSON, hashing), which
//            is what the Workers CPU limit counts. It also reports store operations per request
//            (each is one Durable Object round trip in production: wall time, not CPU).
// Credentials: EDGEID_BOOTSTRAP_CLIENT_ID / EDGEID_BOOTSTRAP_CLIENT_SECRET (the admin M2M client).
import { readFileSync, readdirSync } from "node:fs";

const base = process.argv[2];
const rootPid = Number(process.argv[3]);
const mode = process.argv[4] ?? "e2e";
const N = Number(process.env.EDGEID_CPU_REQUESTS ?? 200);
if (!base || !rootPid) throw new Error("usage: cpu.mjs <base-url> <wrangler-pid> [e2e|handler]");

const id = process.env.EDGEID_BOOTSTRAP_CLIENT_ID ?? "";
const secret = process.env.EDGEID_BOOTSTRAP_CLIENT_SECRET ?? "";
const basic = "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");

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

async function measure(make, n = N) {
  for (let i = 0; i < Math.min(20, n); i++) await (await make()).arrayBuffer(); // warm-up (JIT, caches)
  const cpu0 = cpuMs();
  let status = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await make();
    await res.arrayBuffer();
    status = res.status;
  }
  const wall = (performance.now() - t0) / n;
  const cpu = (cpuMs() - cpu0) / n;
  return { status, wall, cpu };
}

// ---- the endpoints, as request specs -----------------------------------------------------------
const urlencoded = "application/x-www-form-urlencoded";
const spec = (method, path, headers = [], body = "") => ({ method, path, headers, body });
const tokenSpec = spec("POST", "/oidc/token", [["content-type", urlencoded], ["authorization", basic]],
  new URLSearchParams({ grant_type: "client_credentials", resource: "https://default.logto.app/api", scope: "all" }).toString());
const specs = (at) => [
  ["baseline (404)", spec("GET", "/oidc/nothing-here")],
  ["discovery", spec("GET", "/oidc/.well-known/openid-configuration")],
  ["JWKS", spec("GET", "/oidc/jwks")],
  ["token (client_credentials)", tokenSpec],
  ["introspection", spec("POST", "/oidc/token/introspection", [["content-type", urlencoded], ["authorization", basic]], new URLSearchParams({ token: at }).toString())],
  ["revocation", spec("POST", "/oidc/token/revocation", [["content-type", urlencoded], ["authorization", basic]], new URLSearchParams({ token: "not-a-real-token", token_type_hint: "refresh_token" }).toString())],
  ["Management GET /api/applications", spec("GET", "/api/applications", [["authorization", `Bearer ${at}`]])],
  // Creating a user hashes its password with Argon2id: the cost every password sign-in pays
  // once more (verification). Few calls: each one is tens of ms.
  ["POST /api/users (Argon2id hash)", { ...spec("POST", "/api/users", [["authorization", `Bearer ${at}`], ["content-type", "application/json"]],
    JSON.stringify({ password: "correct horse battery staple 1" })), n: Number(process.env.EDGEID_CPU_ARGON2_CALLS ?? 10) }],
];
const send = (s) => fetch(base + s.path, { method: s.method, headers: Object.fromEntries(s.headers), body: s.method === "GET" ? undefined : s.body });
const bench = (s, n) => fetch(`${base}/__edgeid_test/bench?n=${n}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(s) });

const rows = [];
if (mode === "e2e") {
  const at = (await (await send(tokenSpec)).json().catch(() => ({}))).access_token ?? "";
  for (const [name, s] of specs(at)) rows.push([name, await measure(() => send(s), s.n)]);
  const base0 = rows[0][1];
  console.log(`End to end under wrangler dev (Durable Object store; ${N} sequential requests each; workerd pids ${pids.join(",")})`);
  console.log(`${"endpoint".padEnd(34)} ${"status".padStart(6)} ${"workerd cpu".padStart(11)} ${"minus 404".padStart(10)} ${"wall".padStart(8)}  (ms per request)`);
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(34)} ${String(r.status).padStart(6)} ${r.cpu.toFixed(3).padStart(11)} ${(r.cpu - base0.cpu).toFixed(3).padStart(10)} ${r.wall.toFixed(3).padStart(8)}`);
  }
} else {
  const first = await (await bench(tokenSpec, 1)).json();
  const at = JSON.parse(first.body || "{}").access_token ?? "";
  console.log(`Handler CPU per request inside workerd (WebCrypto, memory store; ${N} calls per bench request, minus N = 0)`);
  console.log(`${"endpoint".padEnd(34)} ${"status".padStart(6)} ${"cpu ms".padStart(8)} ${"store ops".padStart(10)}`);
  let failed = false;
  for (const [name, s] of specs(at)) {
    const n = s.n ?? N;
    for (let i = 0; i < 3; i++) await (await bench(s, Math.min(20, n))).arrayBuffer(); // warm-up
    const c0 = cpuMs(); await (await bench(s, 0)).arrayBuffer(); const empty = cpuMs() - c0;
    const c1 = cpuMs(); const out = await (await bench(s, n)).json(); const full = cpuMs() - c1;
    const cpu = (full - empty) / n;
    console.log(`${name.padEnd(34)} ${String(out.status).padStart(6)} ${cpu.toFixed(3).padStart(8)} ${(out.store_ops / n).toFixed(1).padStart(10)}`);
    if (name !== "baseline (404)" && (out.status < 200 || out.status > 299)) failed = true;
  }
  // The password check alone (`domain::password::verify` at PARAMS, right and wrong passwords
  // alternating): what each password sign-in bills, the figure bench/README.md quotes for Workers.
  const verify = async (n) => (await fetch(`${base}/__edgeid_test/argon2?n=${n}`, { method: "POST" })).json();
  const calls = Number(process.env.EDGEID_CPU_VERIFY_CALLS ?? 20);
  await verify(4); // warm-up: compiles the Argon2 code in the optimising tier
  const c0 = cpuMs(); await verify(0); const empty = cpuMs() - c0;
  const c1 = cpuMs(); const out = await verify(calls); const full = cpuMs() - c1;
  const verifyMs = (full - empty) / calls;
  const right = out.valid === Math.ceil(calls / 2) && out.invalid === Math.floor(calls / 2);
  console.log(`${"password verify (Argon2id, PARAMS)".padEnd(34)} ${String(right ? 200 : 500).padStart(6)} ${verifyMs.toFixed(3).padStart(8)} ${"0.0".padStart(10)}`);
  if (!right) {
    console.log(`password verify accepted ${out.valid} and rejected ${out.invalid} of ${calls} (expected every other one)`);
    failed = true;
  }
  if (failed) { console.log("an endpoint did not answer 2xx in the bench"); process.exitCode = 1; }
}
