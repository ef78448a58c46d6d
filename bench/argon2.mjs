// The peer's password check on its own, for bench/signin.sh: npm `argon2` (the reference C
// implementation node-oidc-provider deployments use) verifying an Argon2id hash at edgeid's
// parameters, right and wrong password alternating, one at a time, timed by this process's CPU.
//
//   node bench/argon2.mjs "<m KiB> <t> <p>" [seconds]   → one `ARGON2JSON {...}` line
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const argon2 = (await import(pathToFileURL(require.resolve('argon2')).href)).default;
const [memoryCost, timeCost, parallelism] = (process.argv[2] ?? '').split(' ').map(Number);
const seconds = Number(process.argv[3] ?? 10);
const password = 'correct horse battery staple';
const digest = await argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
if (!(await argon2.verify(digest, password)) || (await argon2.verify(digest, 'wrong'))) {
  console.error('argon2.mjs: verify does not accept the right password or rejects a wrong one');
  process.exit(1);
}
const cpuBefore = process.cpuUsage();
const started = performance.now();
let verified = 0;
while (performance.now() - started < seconds * 1000) {
  await argon2.verify(digest, verified % 2 === 0 ? password : 'wrong');
  verified += 1;
}
const wall = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpuBefore);
const cpu = (used.user + used.system) / 1e6;
console.log(
  `ARGON2JSON ${JSON.stringify({ m_kib: memoryCost, t: timeCost, p: parallelism, verifications: verified, wall_s: +wall.toFixed(3), cpu_s: +cpu.toFixed(3), per_core: +(verified / cpu).toFixed(2) })}`,
);
