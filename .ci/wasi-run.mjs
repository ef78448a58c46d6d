#!/usr/bin/env -S node --no-warnings
// Cargo's runner for wasm32-wasip1 (.cargo/config.toml): runs a test or bench binary under
// node's WASI in V8, the engine Cloudflare Workers run edgeid's wasm in, so `cargo test
// --target wasm32-wasip1` checks what the host tests check (Argon2 digests with SIMD) there.
//   .ci/wasi-run.mjs <file.wasm> [args…]   → exits with the program's status
// Preopened: the working directory as `.`, and `/proc`, where bench/src/bin/argon2.rs reads
// its CPU time (so the figure is CPU, not wall time on a busy machine).
import { readFile } from "node:fs/promises";
import { argv, env, exit } from "node:process";
import { WASI } from "node:wasi";

const [file, ...args] = argv.slice(2);
if (!file) {
  console.error("usage: wasi-run.mjs <file.wasm> [args…]");
  exit(2);
}
const wasi = new WASI({ version: "preview1", args: [file, ...args], env, preopens: { ".": ".", "/proc": "/proc" }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
