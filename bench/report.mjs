// Turns bench/run.sh's result lines (one JSON object per timed wrk run) into the table:
// endpoint, edgeid req/s, p99, non-2xx, peer req/s, p99, non-2xx, ratio, target.
//
//   node bench/report.mjs <results.jsonl>
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const endpoints = [
  ['discovery', 10],
  ['jwks', 10],
  ['client_credentials', 8],
  ['introspection', 5],
];
const LOAD_BOUND = 0.9; // wrk using ≥ 90 % of its core: the figure is the load generator's limit

function summarise(server, endpoint) {
  const runs = rows.filter((r) => r.server === server && r.endpoint === endpoint);
  if (runs.length === 0) return undefined;
  const withRate = runs.map((r) => ({ ...r, rps: r.requests / (r.duration_us / 1e6) }));
  withRate.sort((a, b) => a.rps - b.rps);
  const median = withRate[Math.floor(withRate.length / 2)];
  const failures = runs.reduce(
    (n, r) => n + r.non2xx + r.connect + r.read + r.write + r.timeout,
    0,
  );
  const wall = median.duration_us / 1e6;
  return {
    rps: median.rps,
    p50: median.p50_us / 1000,
    p99: median.p99_us / 1000,
    failures,
    runs: runs.length,
    spread: `${Math.round(withRate[0].rps)}–${Math.round(withRate[withRate.length - 1].rps)}`,
    wrkCpu: median.wrk_cpu_s / wall,
    serverCpu: median.server_cpu_s / wall,
    cpuUsPerReq: (median.server_cpu_s * 1e6) / median.requests,
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n.toFixed(2)} ms`;
const lines = [];
lines.push('| endpoint | edgeid req/s | p99 | non-2xx | peer req/s | p99 | non-2xx | ratio | target |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
const notes = [];
let allMet = true;
for (const [endpoint, target] of endpoints) {
  const ours = summarise('edgeid', endpoint);
  const peer = summarise('peer', endpoint);
  if (!ours || !peer) {
    lines.push(`| ${endpoint} | ${ours ? fmt(ours.rps) : 'n/a'} | | | ${peer ? fmt(peer.rps) : 'n/a'} | | | | ≥ ${target}× |`);
    allMet = false;
    continue;
  }
  const ratio = ours.rps / peer.rps;
  const loadBound = ours.wrkCpu >= LOAD_BOUND;
  const met = ratio >= target && ours.failures === 0 && peer.failures === 0;
  if (!met) allMet = false;
  const verdict = met ? 'met' : loadBound ? 'MISSED (load-bound)' : 'MISSED';
  lines.push(
    `| ${endpoint} | ${fmt(ours.rps)}${loadBound ? ' (load-bound)' : ''} | ${ms(ours.p99)} | ${ours.failures} | ${fmt(peer.rps)} | ${ms(peer.p99)} | ${peer.failures} | ${ratio.toFixed(1)}× | ≥ ${target}× ${verdict} |`,
  );
  notes.push(
    `${endpoint}: edgeid ${ours.runs} runs ${ours.spread} req/s, p50 ${ms(ours.p50)}, server CPU ${(100 * ours.serverCpu).toFixed(0)} % of its core, ${ours.cpuUsPerReq.toFixed(1)} µs CPU/req, wrk ${(100 * ours.wrkCpu).toFixed(0)} % of its core; ` +
      `peer ${peer.runs} runs ${peer.spread} req/s, p50 ${ms(peer.p50)}, server CPU ${(100 * peer.serverCpu).toFixed(0)} %, ${peer.cpuUsPerReq.toFixed(1)} µs CPU/req, wrk ${(100 * peer.wrkCpu).toFixed(0)} %`,
  );
}
console.log(lines.join('\n'));
console.log('');
for (const note of notes) console.log(`- ${note}`);
console.log('');
console.log(`load-bound = wrk used ≥ ${LOAD_BOUND * 100} % of its own core in the median run, so the true server limit is higher than shown.`);
console.log(allMet ? 'all targets met' : 'some targets missed (see the target column)');
