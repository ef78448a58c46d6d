#!/usr/bin/env bash
# Issue 5 item 8, beside bench/run.sh: (1) password verifications per second per core — the real
# `domain::password::verify` in a release binary (bench/src/bin/argon2.rs), the peer's npm
# `argon2` at the same parameters, and Logto's own check (hash-wasm Argon2i, Logto's parameters;
# bench/argon2.mjs); (2) full authorization-code + PKCE flows per second, edgeid-local (sign-in
# through the Experience API, Logto's hops) against node-oidc-provider 9.11.4 with a scripted
# interaction (bench/peer.mjs), one scripted client (bench/flow.mjs), servers side by side, runs
# alternating; and the same flow for a browser that is already signed in (SSO: no password, no
# sign-in page), the protocol work alone.
#
# Two peers for the sign-in flows, labelled apart in the tables:
# - `peer`: node-oidc-provider verifying an Argon2id hash at edgeid's parameters (npm argon2,
#   reference C) — the same password work on both sides, so the ratio is about everything else;
# - `peer-logto`: the same server verifying passwords exactly as Logto ships (hash-wasm's
#   `argon2Verify` of an Argon2i digest at m=8192 KiB, t=8, p=1, on the main thread:
#   packages/core/src/libraries/user-password-verification.ts, workers/tasks/argon2i.ts) —
#   the ratio against Logto's engine as deployed.
#
# - servers pinned to core BENCH_SERVER_CORE (0), the client (Node, CONCURRENCY virtual users)
#   to BENCH_LOAD_CORE (1); nice -10 when run as root;
# - per server: one warm-up of BENCH_WARMUP (3) s, then BENCH_ROUNDS (3) × BENCH_DURATION (10) s;
#   the table shows the median run; CPU per flow comes from the server process's utime+stime.
# Not a test: run it by hand (`bash bench/signin.sh`) and read the tables at the end.
# Environment: BENCH_SERVERS="edgeid peer peer-logto" (sign-in flows; SSO flows run edgeid and
# peer), EDGEID_LOCAL_BIN + EDGEID_ARGON2_BIN to skip the build, BENCH_DURATION, BENCH_ROUNDS,
# BENCH_WARMUP, BENCH_CONCURRENCY, BENCH_SSO_CONCURRENCY.
set -euo pipefail
BENCH_NAME=signin
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CONCURRENCY="${BENCH_CONCURRENCY:-8}"
# Signed-in (SSO) flows need no password: more users keep both sides busy.
SSO_CONCURRENCY="${BENCH_SSO_CONCURRENCY:-32}"
SERVERS="${BENCH_SERVERS:-edgeid peer peer-logto}"
USERNAME_="benchuser"
PASSWORD_="correct horse battery staple"

if [ -z "${EDGEID_LOCAL_BIN:-}" ] || [ -z "${EDGEID_ARGON2_BIN:-}" ]; then
  echo "== building edgeid-local and edgeid-bench-argon2 (release)"
  cargo build --release --quiet -p edgeid-local -p edgeid-bench
fi
LOCAL_BIN="${EDGEID_LOCAL_BIN:-$CARGO_TARGET_DIR/release/edgeid-local}"
ARGON2_BIN="${EDGEID_ARGON2_BIN:-$CARGO_TARGET_DIR/release/edgeid-bench-argon2}"
ARGON2_PARAMS="$("$ARGON2_BIN" --params)"

machine
echo "   Argon2id parameters (edgeid's domain::password::PARAMS, m KiB / t / p): $ARGON2_PARAMS"

argon2_round() { # server round command...
  local server="$1" round="$2" line
  shift 2
  line="$("${PRIO[@]}" taskset -c "$SERVER_CORE" "$@" | grep '^ARGON2JSON ' | sed 's/^ARGON2JSON //')"
  echo "{\"kind\":\"argon2\",\"server\":\"$server\",\"round\":$round,${line#\{}" >>"$RESULTS"
  echo "   $server round $round: $line"
}
echo "== password verifications per core (pinned to core $SERVER_CORE, ${DURATION} s each, alternating)"
for round in $(seq 1 "$ROUNDS"); do
  argon2_round edgeid "$round" "$ARGON2_BIN" "$DURATION"
  argon2_round peer "$round" node bench/argon2.mjs "$ARGON2_PARAMS" "$DURATION"
  argon2_round peer-logto "$round" node bench/argon2.mjs logto "$DURATION"
done

# edgeid: memory store, the bootstrap admin client creates the account through the Management API.
start_edgeid_bin "$LOCAL_BIN"
admin_token="$(curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" \
  --data-urlencode grant_type=client_credentials --data-urlencode resource="$RESOURCE" \
  --data-urlencode scope=all "${BASE[edgeid]}/oidc/token" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))')"
user_id="$(curl -fsS -H "authorization: Bearer $admin_token" -H 'content-type: application/json' \
  --data "$(node -e 'console.log(JSON.stringify({username: process.argv[1], password: process.argv[2]}))' "$USERNAME_" "$PASSWORD_")" \
  "${BASE[edgeid]}/api/users" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')" ||
  { echo "signin: could not create the account on edgeid" >&2; exit 1; }
# bench/flow.mjs's `password` mode checks the password through the Management API as this app.
export FLOW_ADMIN_TOKEN="$admin_token" FLOW_USER_ID="$user_id"

start_peer_as peer PEER_FLOW_USERNAME="$USERNAME_" PEER_FLOW_PASSWORD="$PASSWORD_" PEER_FLOW_ARGON2="$ARGON2_PARAMS"
case " $SERVERS " in
  *" peer-logto "*)
    start_peer_as peer-logto PEER_FLOW_USERNAME="$USERNAME_" PEER_FLOW_PASSWORD="$PASSWORD_" PEER_FLOW_ARGON2=logto ;;
esac

run_flows() { # name seconds record round mode
  local name="$1" seconds="$2" record="$3" round="$4" mode="$5" line users="$CONCURRENCY"
  if [ "$mode" = sso ]; then users="$SSO_CONCURRENCY"; fi
  line="$("${PRIO[@]}" taskset -c "$LOAD_CORE" node bench/flow.mjs "$name" "${BASE[$name]}" "${PID[$name]}" \
    "$USERNAME_" "$PASSWORD_" "$seconds" "$users" "$mode" | grep '^FLOWJSON ' | sed 's/^FLOWJSON //')" ||
    { echo "signin: the $name flow failed (see above)" >&2; exit 1; }
  [ "$record" = 1 ] || return 0
  echo "{\"kind\":\"flow\",\"round\":$round,${line#\{}" >>"$RESULTS"
  echo "   $name $mode round $round: $(node -e 'const r=JSON.parse(process.argv[1]);console.log(`${(r.flows/r.seconds).toFixed(1)} flows/s, ${(1e3*r.server_cpu_s/r.flows).toFixed(2)} ms server CPU/flow, failures ${r.failures}, client CPU ${(100*r.client_cpu_s/r.seconds).toFixed(0)} %`)' "$line")"
}

echo "== flows on core $LOAD_CORE: sign-in ($CONCURRENCY virtual users) and signed-in/SSO ($SSO_CONCURRENCY);" \
  "warm-up ${WARMUP} s, then $ROUNDS × ${DURATION} s per server and kind, alternating"
# Kinds: sign-in flows; the password check alone through the same running server (taken out of
# a sign-in's CPU for the protocol work); SSO flows, which never check a password, so
# peer-logto would only repeat peer's figures there.
servers_for() { # mode
  local name
  for name in $SERVERS; do
    [ "$1" = sso ] && [ "$name" = peer-logto ] && continue
    printf '%s ' "$name"
  done
}
for mode in signin password sso; do
  for name in $(servers_for "$mode"); do run_flows "$name" "$WARMUP" 0 0 "$mode"; done
done
for round in $(seq 1 "$ROUNDS"); do
  for mode in signin password sso; do
    for name in $(servers_for "$mode"); do run_flows "$name" "$DURATION" 1 "$round" "$mode"; done
  done
done
echo "   load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== results (median of $ROUNDS runs)"
node bench/signin-report.mjs "$RESULTS"
echo "   raw results: $RESULTS"
