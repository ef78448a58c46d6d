// The storage conformance suite and single-use races, inside workerd (Miniflare as a library),
// against the real SQLite-backed Durable Object. Needs a build with the `conformance` feature:
//   EDGEID_WORKER_BUILD=<dir with index.js + index_bg.wasm> node --test functions/cloudflare/tests/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { createRequire } from "node:module";

// The tools live in a shared cache (.ci/tools.sh sets NODE_PATH), which only CommonJS resolution
// consults.
const { Miniflare } = createRequire(import.meta.url)("miniflare");

const build = process.env.EDGEID_WORKER_BUILD;
if (!build) throw new Error("set EDGEID_WORKER_BUILD to the worker-build output of the conformance build");

let mf;
before(async () => {
  mf = new Miniflare({
    modules: true,
    modulesRoot: path.resolve(build),
    scriptPath: path.resolve(build, "index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-07-01",
    kvNamespaces: ["KV"],
    durableObjects: { STORE: { className: "EdgeidStore", useSQLite: true } },
    bindings: { EDGEID_ENDPOINT: "http://127.0.0.1" },
    cf: false,
  });
  await mf.ready;
});
after(async () => mf?.dispose());

test("storage conformance suite inside workerd", async (t) => {
  const res = await mf.dispatchFetch("http://edgeid.test/__edgeid_test/conformance", { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  const { cases } = await res.json();
  assert.ok(cases.length >= 20, `expected the whole suite, got ${cases.length} cases`);
  for (const c of cases) {
    await t.test(c.name, () => assert.ok(c.ok, `${c.name}: ${c.error}`));
  }
});

for (const callers of [20, 50]) {
  test(`${callers} concurrent consumes of one code over HTTP: exactly one wins`, async () => {
    for (let round = 0; round < 3; round++) {
      const q = `shard=race-${callers}-${round}-${Date.now()}&key=code`;
      const put = await mf.dispatchFetch(`http://edgeid.test/__edgeid_test/put?${q}`, { method: "POST" });
      assert.equal(put.status, 200, await put.text());
      const outcomes = await Promise.all(
        Array.from({ length: callers }, () =>
          mf.dispatchFetch(`http://edgeid.test/__edgeid_test/consume?${q}`, { method: "POST" }).then((r) => r.text()),
        ),
      );
      const first = outcomes.filter((o) => o === "first").length;
      const already = outcomes.filter((o) => o === "already").length;
      assert.equal(first, 1, `round ${round}: ${JSON.stringify(outcomes)}`);
      assert.equal(already, callers - 1, `round ${round}: ${JSON.stringify(outcomes)}`);
    }
  });
}

test("KV serves relaxed reads only: get sees a write at once, the KV copy is bounded by its TTL", async () => {
  const shard = `relaxed-${Date.now()}`;
  const res = await mf.dispatchFetch(`http://edgeid.test/__edgeid_test/relaxed?shard=${shard}`, { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  const r = await res.json();
  assert.equal(r.relaxed_before, "v1");
  assert.equal(r.get_after, "v2", "get must read the object, never the KV copy");
  assert.equal(r.relaxed_after, "v1", "the relaxed read answered from the KV copy filled before the write");
  const kv = await mf.getKVNamespace("KV");
  const copy = JSON.parse(await kv.get(`relaxed/${shard}/public/doc`));
  assert.ok(copy.cached_at > 0 && copy.record.version === 1, JSON.stringify(copy));
});

test("without the Durable Object binding (KV alone) the Worker refuses every request in its wire format", async () => {
  const kvOnly = new Miniflare({
    modules: true,
    modulesRoot: path.resolve(build),
    scriptPath: path.resolve(build, "index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-07-01",
    kvNamespaces: ["KV"],
    bindings: { EDGEID_ENDPOINT: "http://127.0.0.1" },
    cf: false,
  });
  try {
    const oidc = await kvOnly.dispatchFetch("http://edgeid.test/oidc/jwks");
    assert.equal(oidc.status, 500);
    assert.equal((await oidc.json()).error, "server_error");
    const api = await kvOnly.dispatchFetch("http://edgeid.test/api/applications");
    assert.equal(api.status, 500);
    assert.equal((await api.json()).code, "unexpected_error");
  } finally {
    await kvOnly.dispose();
  }
});
