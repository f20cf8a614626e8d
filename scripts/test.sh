#!/usr/bin/env bash
# The one test command (README "Tests", and .ci/run).
# Installs the reference S3 server (moto, from PyPI) into ./.venv, builds the
# default Vite project (scripts/build-vite.sh, npm), starts moto on
# a free 127.0.0.1 port, runs every test against it, and stops it.
# Extra arguments go to `cargo test` (e.g. scripts/test.sh s3_target);
# `scripts/test.sh --python` runs only the pip wheel and Django tests,
# `scripts/test.sh --npm` only the npm package's.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/moto_server" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "test.sh: installing the test packages (moto, maturin, Django) into $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  echo "$want" >"$stamp"
fi

# The default Vite project the front-end tests publish: built once with npm
# from the registry (scripts/build-vite.sh), like moto above; a targeted run
# builds it when its test asks.
if [ "$#" -eq 0 ]; then
  scripts/build-vite.sh >/dev/null
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

# Wait until the server accepts connections (a condition, bounded to 30 s).
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "moto_server exited:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "moto_server did not start on port $port" >&2; cat "$log" >&2; exit 1; }

# The habits, enforced (the full run only): formatting first, it costs
# nothing; lints and the docs' test citations after the tests.
if [ "$#" -eq 0 ]; then
  echo "test.sh: cargo fmt --check" >&2
  cargo fmt --check
fi

export S3SYNC_TEST_ENDPOINT="http://127.0.0.1:$port"
echo "test.sh: moto_server on $S3SYNC_TEST_ENDPOINT" >&2
if [ "${1:-}" = "--python" ]; then
  # The wheel reuses what `cargo test` compiles: compile that first.
  cargo test --locked --no-run
  scripts/test-python.sh
  exit 0
fi
if [ "${1:-}" = "--npm" ]; then
  # The npm package holds the binary `cargo test` compiles.
  cargo test --locked --no-run
  scripts/test-npm.sh
  exit 0
fi
cargo test --locked "$@"

# The pip wheel in a clean venv and a Django project, against moto
# (scripts/test-python.sh; the full run only).
# The npm package: packed, installed offline in a clean folder, run
# (scripts/test-npm.sh; the full run only).
if [ "$#" -eq 0 ]; then
  scripts/test-python.sh
  scripts/test-npm.sh
fi

if [ "$#" -eq 0 ]; then
  echo "test.sh: cargo clippy --all-targets --locked -- -D warnings" >&2
  cargo clippy --all-targets --locked -- -D warnings
  # Every test docs/ and the README cite must exist under that name.
  list=$(mktemp)
  cargo test --locked -q -- --list >"$list" 2>/dev/null
  python3 scripts/check-docs.py "$list" docs/reliability.md docs/decisions.md docs/architecture.md docs/fingerprints.md README.md
  rm -f "$list"
fi

# Licences, banned crates (rusoto, OpenSSL) and sources: cargo-deny from
# crates.io. (Its advisories check needs the internet: see docs/reliability.md.)
if [ "$#" -eq 0 ]; then
  command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
  cargo deny --locked check licenses bans sources
fi
