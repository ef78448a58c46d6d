// The peer's password check on its own, for bench/signin.sh, right and wrong password
// alternating, one at a time, timed by this process's CPU:
//
//   node bench/argon2.mjs "<m KiB> <t> <p>" [seconds]   → npm `argon2` (the reference C
//       implementation node-oidc-provider deployments use), Argon2id at edgeid's parameters;
//   node bench/argon2.mjs logto [seconds]               → what Logto ships: hash-wasm's
//       `argon2Verify` (WebAssembly, on the main thread: libraries/user-password-verification.ts)
//       of an Argon2i digest made as workers/tasks/argon2i.ts makes it (m=8192 KiB, t=8, p=1,
//       16-byte salt, 32-byte hash).
// Prints one `ARGON2JSON {...}` line.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const load = (name) => import(pathToFileURL(require.resolve(name)).href);

/** Logto's Argon2i parameters (packages/core/src/workers/tasks/argon2i.ts). */
export const LOGTO_ARGON2I = { iterations: 8, parallelism: 1, memorySize: 8 * 1024, hashLength: 32 };

/** `{m_kib, t, p, variant, digest, verify(password)}` for `spec` ("logto" or "<m> <t> <p>"). */
export async function passwordCheck(spec, password) {
  if (spec === 'logto') {
    const { argon2i, argon2Verify } = await load('hash-wasm');
    const digest = await argon2i({ password, salt: randomBytes(16), ...LOGTO_ARGON2I, outputType: 'encoded' });
    return {
      m_kib: LOGTO_ARGON2I.memorySize,
      t: LOGTO_ARGON2I.iterations,
      p: LOGTO_ARGON2I.parallelism,
      variant: 'argon2i (hash-wasm)',
      digest,
      verify: (candidate) => argon2Verify({ password: candidate, hash: digest }),
    };
  }
  const argon2 = (await load('argon2')).default;
  const [memoryCost, timeCost, parallelism] = (spec ?? '').split(' ').map(Number);
  if (!memoryCost || !timeCost || !parallelism) throw new Error('the spec must be "logto" or "<m KiB> <t> <p>"');
  const digest = await argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
  return {
    m_kib: memoryCost,
    t: timeCost,
    p: parallelism,
    variant: 'argon2id (npm argon2)',
    digest,
    verify: (candidate) => argon2.verify(digest, candidate),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[3] ?? 10);
  const password = 'correct horse battery staple';
  const check = await passwordCheck(process.argv[2], password);
  if (!(await check.verify(password)) || (await check.verify('wrong'))) {
    console.error('argon2.mjs: verify does not accept the right password or rejects a wrong one');
    process.exit(1);
  }
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let verified = 0;
  while (performance.now() - started < seconds * 1000) {
    await check.verify(verified % 2 === 0 ? password : 'wrong');
    verified += 1;
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpuBefore);
  const cpu = (used.user + used.system) / 1e6;
  console.log(
    `ARGON2JSON ${JSON.stringify({ m_kib: check.m_kib, t: check.t, p: check.p, variant: check.variant, verifications: verified, wall_s: +wall.toFixed(3), cpu_s: +cpu.toFixed(3), per_core: +(verified / cpu).toFixed(2) })}`,
  );
}
