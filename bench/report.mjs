// Turns bench/run.sh's result lines (one JSON object per timed wrk run) into one table per
// pipelining depth: endpoint, edgeid req/s, p99, non-2xx, peer req/s, p99, non-2xx, ratio,
// CPU µs/request, target. With pipelining (depth > 1) wrk times whole batches and its
// coordinated-omission correction assumes one request per connection, so latency columns are
// left out of those tables: read latency from the depth-1 table.
//
//   node bench/report.mjs <results.jsonl>
import { readFileSync } from 'node:fs';

const allRows = readFileSync(process.argv[2], 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .map((r) => ({ pipeline: 1, ...r }));
let rows = allRows;
const endpoints = [
  ['discovery', 10],
  ['jwks', 10],
  ['client_credentials', 8],
  ['introspection', 5],
];
const LOAD_BOUND = 0.9; // wrk using ≥ 90 % of its core: the figure is the load generator's limit
// Neither the server nor wrk using its whole core means something else took the CPU (other
// processes on a shared machine): req/s then understates both servers, and CPU per request is
// the figure to compare.
const STARVED = 0.85;

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
const verdicts = [];
const depths = [...new Set(allRows.map((r) => r.pipeline))];
for (const depth of depths) {
rows = allRows.filter((r) => r.pipeline === depth);
const latency = depth === 1;
const lines = [];
console.log(depth === 1 ? `### No pipelining (one request in flight on each of ${rows[0]?.connections ?? 32} connections)` : `### HTTP/1.1 pipelining, depth ${depth} on each of ${rows[0]?.connections ?? '?'} connections (both servers)`);
console.log('');
lines.push(latency
  ? '| endpoint | edgeid req/s | p99 | non-2xx | peer req/s | p99 | non-2xx | ratio | CPU µs/req edgeid / peer (ratio) | target |'
  : '| endpoint | edgeid req/s | non-2xx | peer req/s | non-2xx | ratio | CPU µs/req edgeid / peer (ratio) | target |');
lines.push(latency ? '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|' : '|---|---:|---:|---:|---:|---:|---:|---|');
const notes = [];
let allMet = true;
for (const [endpoint, target] of endpoints) {
  const ours = summarise('edgeid', endpoint);
  const peer = summarise('peer', endpoint);
  if (!ours || !peer) {
    const gap = latency ? ' | |' : ' |';
    lines.push(`| ${endpoint} | ${ours ? fmt(ours.rps) : 'n/a'} |${gap} | ${peer ? fmt(peer.rps) : 'n/a'} |${gap} | | | ≥ ${target}× |`);
    allMet = false;
    continue;
  }
  const ratio = ours.rps / peer.rps;
  const cpuRatio = peer.cpuUsPerReq / ours.cpuUsPerReq;
  const loadBound = ours.wrkCpu >= LOAD_BOUND;
  const starved = (s) => s.serverCpu < STARVED && s.wrkCpu < LOAD_BOUND;
  const flag = (s) => (s.wrkCpu >= LOAD_BOUND ? ' (load-bound)' : starved(s) ? ' (starved)' : '');
  const met = ratio >= target && ours.failures === 0 && peer.failures === 0;
  if (!met) allMet = false;
  let verdict = met ? 'met' : 'MISSED';
  if (!met && cpuRatio >= target) verdict += ` on req/s; met on CPU/req`;
  if (!met && loadBound) verdict += ' (load-bound)';
  const p99 = (s) => (latency ? ` ${ms(s.p99)} |` : '');
  lines.push(
    `| ${endpoint} | ${fmt(ours.rps)}${flag(ours)} |${p99(ours)} ${ours.failures} | ${fmt(peer.rps)}${flag(peer)} |${p99(peer)} ${peer.failures} | ${ratio.toFixed(1)}× | ${ours.cpuUsPerReq.toFixed(1)} / ${peer.cpuUsPerReq.toFixed(1)} (${cpuRatio.toFixed(1)}×) | ≥ ${target}× ${verdict} |`,
  );
  notes.push(
    `${endpoint}: edgeid ${ours.runs} runs ${ours.spread} req/s${latency ? `, p50 ${ms(ours.p50)}` : ''}, server CPU ${(100 * ours.serverCpu).toFixed(0)} % of its core, ${ours.cpuUsPerReq.toFixed(1)} µs CPU/req, wrk ${(100 * ours.wrkCpu).toFixed(0)} % of its core; ` +
      `peer ${peer.runs} runs ${peer.spread} req/s${latency ? `, p50 ${ms(peer.p50)}` : ''}, server CPU ${(100 * peer.serverCpu).toFixed(0)} %, ${peer.cpuUsPerReq.toFixed(1)} µs CPU/req, wrk ${(100 * peer.wrkCpu).toFixed(0)} %`,
  );
}
console.log(lines.join('\n'));
console.log('');
for (const note of notes) console.log(`- ${note}`);
console.log('');
verdicts.push(`depth ${depth}: ${allMet ? 'all targets met' : 'some targets missed'}`);
}
console.log(`load-bound = wrk used ≥ ${LOAD_BOUND * 100} % of its own core in the median run, so the true server limit is higher than shown.`);
console.log(`starved = neither the server (< ${STARVED * 100} % of its core) nor wrk was busy: time went to waiting (other processes on the cores, cross-core wake-ups under KVM), so req/s understates the server; compare CPU µs/req.`);
console.log(`${verdicts.join('; ')} (see the target columns)`);
