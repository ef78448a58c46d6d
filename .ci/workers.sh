#!/usr/bin/env bash
# The Cloudflare Workers tier (called by .ci/run when present; runs on its own too):
#   1. the storage conformance suite + single-use races inside workerd (Miniflare, node --test),
#      against the real SQLite Durable Object, from a build with the test-only `conformance` feature;
#   2. each group's Worker built alone via `wrangler deploy --dry-run --env <group>` (offline),
#      with index_bg.wasm sizes raw and gzipped (target: < 1 MB gzipped each);
#   3. the production layout: those four group Workers together under one `wrangler dev`, behind
#      a router Worker that applies wrangler.toml's routes (.ci/workers/split.py), sharing the
#      oidc Worker's Durable Object as deployed; the black-box HTTP suite (sign-in and Account
#      API journeys: every hop crosses Workers) and the real clients (tests/js, EDGEID_JS_URL);
#   4. the `all` Worker under `wrangler dev` (local KV + Durable Object) with the same suites,
#      and CPU-per-request measurements against it.
# Exits non-zero on the first failure; prints each runner's summary lines.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
source .ci/tools.sh >/dev/null
CACHE="${EDGEID_CACHE:-$HOME/.cache/edgeid}"
# Its own target dir: the wasm profile must not evict the host builds' artefacts (or wait on their lock).
export CARGO_TARGET_DIR="$CACHE/target-wasm"
CRATE=functions/cloudflare
WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgeid-workers.XXXXXX")"
DEV_PID=""
cleanup() {
  if [ -n "$DEV_PID" ] && kill -0 "$DEV_PID" 2>/dev/null; then
    kill -- "-$DEV_PID" 2>/dev/null || kill "$DEV_PID" 2>/dev/null || true
    wait "$DEV_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

step() { echo; echo "---- workers: $*"; }

# ---- 1. storage conformance inside workerd ---------------------------------------------------
step "conformance build (features all,conformance)"
(cd "$CRATE" && worker-build --profile wasm-release --out-dir build/test --features all,conformance >"$WORK/build-test.log" 2>&1) ||
  { tail -n 40 "$WORK/build-test.log"; exit 1; }
step "storage conformance suite + single-use races inside workerd"
EDGEID_WORKER_BUILD="$CRATE/build/test" \
  timeout --foreground 5m node --test --test-reporter=spec "$CRATE/tests/store.test.mjs" | tee "$WORK/store.log"

# ---- 2. per-group artefacts -------------------------------------------------------------------
declare -a SIZES=()
for env in oidc management experience account; do
  step "wrangler deploy --dry-run --env $env"
  timeout --foreground 10m wrangler deploy --dry-run --env "$env" --outdir "$WORK/dry-$env" >"$WORK/dry-$env.log" 2>&1 ||
    { tail -n 40 "$WORK/dry-$env.log"; exit 1; }
  grep -E '^(Total Upload|env\.)' "$WORK/dry-$env.log" || true
  wasm="$CRATE/build/$env/index_bg.wasm"
  raw=$(stat -c %s "$wasm")
  gz=$(gzip -9c "$wasm" | wc -c)
  SIZES+=("$(printf '%-11s %10d %10d' "$env" "$raw" "$gz")")
  if [ "$gz" -ge 1048576 ]; then
    echo "!! $env: index_bg.wasm is $gz bytes gzipped, over the 1 MB budget"
    exit 1
  fi
done

# A Worker built for one group carries no other group's code (fat LTO drops what its routes
# never reach): spot-check with a string only the other group's code contains.
if grep -q 'protected_app_not_configured' "$CRATE/build/oidc/index_bg.wasm"; then
  echo "!! the oidc Worker contains Management API code"; exit 1
fi
if grep -q 'token/introspection' "$CRATE/build/management/index_bg.wasm"; then
  echo "!! the management Worker contains OIDC provider code"; exit 1
fi
if grep -q 'token/introspection' "$CRATE/build/account/index_bg.wasm"; then
  echo "!! the account Worker contains OIDC provider code"; exit 1
fi
echo "group isolation: the oidc Worker has no Management code, the management and account Workers no OIDC routes"

# ---- 3. the four group Workers as deployed, under one wrangler dev ----------------------------
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
export EDGEID_BOOTSTRAP_CLIENT_ID="${EDGEID_BOOTSTRAP_CLIENT_ID:-ci-bootstrap}"
export EDGEID_BOOTSTRAP_CLIENT_SECRET="${EDGEID_BOOTSTRAP_CLIENT_SECRET:-ci-bootstrap-secret-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')}"

# wrangler dev on a free port with fresh local KV + Durable Object state, serving the worker-build
# output in $1 (already built, so the config copy drops [build]). Sets URL and DEV_PID.
start_dev() { # build-dir name
  local build="$1" name="$2" port inspector
  port="$(free_port)"; inspector="$(free_port)"
  URL="http://127.0.0.1:$port"
  sed '/^\[build\]/,/^$/d' wrangler.toml >"$WORK/wrangler.$name.toml"
  sed -i "s|^main = \"functions/cloudflare/build/all/|main = \"$ROOT/$build/|" "$WORK/wrangler.$name.toml"
  step "wrangler dev ($name build) on $URL, state in $WORK/state-$name"
  setsid wrangler dev -c "$WORK/wrangler.$name.toml" --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" \
    --persist-to "$WORK/state-$name" --show-interactive-dev-session=false \
    --var "EDGEID_ENDPOINT:$URL" \
    --var "EDGEID_BOOTSTRAP_CLIENT_ID:$EDGEID_BOOTSTRAP_CLIENT_ID" \
    --var "EDGEID_BOOTSTRAP_CLIENT_SECRET:$EDGEID_BOOTSTRAP_CLIENT_SECRET" \
    >"$WORK/wrangler-dev-$name.log" 2>&1 &
  DEV_PID=$!
  wait_dev "$name"
}

# The four group Workers built in step 2 in one wrangler dev session behind a router Worker that
# applies wrangler.toml's routes (.ci/workers/split.py); sets URL and DEV_PID.
start_split() {
  local port inspector args
  port="$(free_port)"; inspector="$(free_port)"
  URL="http://127.0.0.1:$port"
  args="$(python3 .ci/workers/split.py "$WORK/split" "$URL" "$EDGEID_BOOTSTRAP_CLIENT_ID" "$EDGEID_BOOTSTRAP_CLIENT_SECRET")"
  step "wrangler dev: the oidc, management, experience and account Workers behind wrangler.toml's routes on $URL"
  # shellcheck disable=SC2086 # one `-c <file>` pair per Worker
  setsid wrangler dev $args --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" \
    --persist-to "$WORK/state-split" --show-interactive-dev-session=false >"$WORK/wrangler-dev-split.log" 2>&1 &
  DEV_PID=$!
  wait_dev split
}

# Waits until the dev session on $URL serves discovery.
wait_dev() { # name
  for _ in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/oidc/.well-known/openid-configuration" 2>/dev/null)" = 200 ]; then
      echo "wrangler dev (pid $DEV_PID) answers on $URL"
      return 0
    fi
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.2
  done
  cat "$WORK/wrangler-dev-$1.log"
  echo "wrangler dev did not come up"
  return 1
}

# Each path reaches the Worker wrangler.toml routes it to, which answers in its wire format.
smoke_worker() { # path worker body-regex
  local headers status
  headers="$(curl -s -D - -o "$WORK/smoke.body" "$URL$1")"
  status="$(printf '%s' "$headers" | awk 'NR == 1 { print $2 }')"
  if ! printf '%s' "$headers" | grep -qi "^x-edgeid-worker: $2" || [ "$status" -ge 500 ] || ! grep -Eq "$3" "$WORK/smoke.body"; then
    printf 'GET %s: expected the %s Worker and a body matching /%s/, got:\n%s\n' "$1" "$2" "$3" "$headers"
    cat "$WORK/smoke.body"; echo
    tail -n 40 "$WORK/wrangler-dev-split.log"
    return 1
  fi
  echo "GET $1 -> $status from the $2 Worker"
}

# The black-box suite and the real clients against the host on $URL; logs go to $WORK/<name>-*.log.
run_suites() { # name
  step "black-box HTTP suite against the $1 deployment"
  # The same suite edgeid-local runs (tests/src/blackbox). Host builds use the shared host target
  # dir, where another checkout may rebuild the test binary between cargo's build and its run:
  # bin.lock is held for both, as every build-and-run there does.
  EDGEID_BLACKBOX_URL="$URL" \
  EDGEID_BLACKBOX_CLIENT_ID="$EDGEID_BOOTSTRAP_CLIENT_ID" EDGEID_BLACKBOX_CLIENT_SECRET="$EDGEID_BOOTSTRAP_CLIENT_SECRET" \
  CARGO_TARGET_DIR="$CACHE/target" timeout --foreground 15m flock "$CACHE/bin.lock" \
    cargo test --locked -p edgeid-tests --test it blackbox:: \
    2>&1 | tee "$WORK/$1-blackbox.log"
  grep -q '^test result: ok' "$WORK/$1-blackbox.log" || { echo "black-box suite failed against the $1 deployment"; exit 1; }

  step "Logto's @logto/node and openid-client against the $1 deployment"
  EDGEID_JS_URL="$URL" EDGEID_JS_CLIENT_ID="$EDGEID_BOOTSTRAP_CLIENT_ID" EDGEID_JS_CLIENT_SECRET="$EDGEID_BOOTSTRAP_CLIENT_SECRET" \
    timeout --foreground 5m node --test --test-reporter=spec --test-timeout=60000 \
    "${JS_FILES[@]}" 2>&1 | tee "$WORK/$1-js.log"
}

# The real-client files that take EDGEID_JS_URL.
JS_FILES=(tests/js/logto-node.test.mjs tests/js/openid-client-sign-in.test.mjs tests/js/logto-node-account.test.mjs tests/js/social-oidc.test.mjs)

start_split
smoke_worker /oidc/.well-known/openid-configuration oidc '"issuer"'
smoke_worker /api/applications management '"code":"auth\.'
smoke_worker /api/experience experience '"code"'
smoke_worker /api/my-account account '"code":"auth\.authorization_header_missing"'
smoke_worker /api/verifications/password account '"code"'
run_suites split
cleanup
DEV_PID=""

# ---- 4. the `all` Worker under wrangler dev ---------------------------------------------------
step "build the all-groups Worker"
(cd "$CRATE" && worker-build --profile wasm-release --out-dir build/all --features all >"$WORK/build-all.log" 2>&1) ||
  { tail -n 40 "$WORK/build-all.log"; exit 1; }
wasm="$CRATE/build/all/index_bg.wasm"
SIZES+=("$(printf '%-11s %10d %10d' all "$(stat -c %s "$wasm")" "$(gzip -9c "$wasm" | wc -c)")")

start_dev "$CRATE/build/all" all

run_suites all

step "CPU per request, end to end (upper bound: includes local Durable Object plumbing)"
EDGEID_CPU_REQUESTS="${EDGEID_CPU_REQUESTS:-300}" timeout --foreground 5m node "$CRATE/tests/cpu.mjs" "$URL" "$DEV_PID" e2e | tee "$WORK/cpu-e2e.log"
cleanup

start_dev "$CRATE/build/test" test
step "CPU per request of edgeid's handlers inside workerd"
EDGEID_CPU_REQUESTS="${EDGEID_BENCH_CALLS:-1000}" timeout --foreground 5m node "$CRATE/tests/cpu.mjs" "$URL" "$DEV_PID" handler | tee "$WORK/cpu-handler.log"
cleanup
DEV_PID=""

# ---- summary ----------------------------------------------------------------------------------
echo
echo "==== workers: per-group index_bg.wasm (bytes) ===="
printf '%-11s %10s %10s\n' worker raw gzip-9
printf '%s\n' "${SIZES[@]}"
echo "==== workers: CPU per request (ms) ===="
cat "$WORK/cpu-handler.log"
echo "==== workers: runners ===="
grep -E '^ℹ (tests|pass|fail) ' "$WORK/store.log" | sed 's/^/conformance: /'
for deployment in split all; do
  what="$([ $deployment = split ] && echo 'four group Workers' || echo 'all Worker')"
  grep -E '^test result: ' "$WORK/$deployment-blackbox.log" | sed "s/^/black-box ($what): /"
  grep -E '^ℹ (tests|pass|fail) ' "$WORK/$deployment-js.log" | sed "s/^/tests\/js ($what): /"
done
grep -E '^✔ ' "$WORK/split-js.log" | sed 's/^/  /' || true
echo "workers tier passed"
