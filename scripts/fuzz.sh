#!/usr/bin/env bash
# Fuzz the config and rules parsing for a bounded time (default 60 s).
#   scripts/fuzz.sh [SECONDS]
# Installs cargo-fuzz from crates.io if missing. cargo-fuzz needs nightly
# compiler flags; this machine has only a stable toolchain, so the script
# sets RUSTC_BOOTSTRAP=1 (the compiler's own switch for that) and builds
# without a sanitizer (libFuzzer's coverage guidance still applies).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
cd fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none config corpus/config -- \
  -max_total_time="$seconds" -max_len=4096 2>&1 | tee ../target/fuzz-config.log | tail -n 5
