#!/usr/bin/env bash
# The pip package, end to end (run by scripts/test.sh after `cargo test`, or
# alone with `scripts/test.sh --python`; needs S3SYNC_TEST_ENDPOINT, moto):
#  1. maturin builds the wheel (dev profile) from the dependencies `cargo
#     test` already compiled: a dependency compiled again is a failure;
#  2. a clean venv installs it with pip, offline, and its `s3sync` pushes
#     to moto;
#  3. a generated Django project (admin on) runs `manage.py s3sync push
#     --collectstatic` against moto (scripts/test_python/django_e2e.py).
# Every failure exits non-zero with what went wrong; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${S3SYNC_TEST_ENDPOINT:?run through scripts/test.sh, which starts moto and sets it}"
venv=.venv                       # the project's test venv (moto, maturin, Django)
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { echo "test-python: $*" >&2; }
fail() { echo "test-python: FAIL: $*" >&2; exit 1; }

# 1. The wheel. maturin runs `cargo rustc --profile dev --bin s3sync`: with
# the feature sets of `cargo build` and `cargo test` kept equal (Cargo.toml,
# the hyper entry), only the binary itself is compiled here.
step "maturin build --profile dev (reusing $target)"
start=$SECONDS
CARGO_TARGET_DIR="$target" "$venv/bin/maturin" build --locked --profile dev --out "$work/wheels" \
  >"$work/maturin.log" 2>&1 || { cat "$work/maturin.log" >&2; fail "maturin build failed"; }
again=$(grep -E '^ *Compiling ' "$work/maturin.log" | grep -v ' s3-asset-sync v' || true)
if [ -n "$again" ]; then
  cat "$work/maturin.log" >&2
  fail "the wheel build compiled dependencies again, which costs a second compile of the AWS SDK in CI:
$again
A dev-dependency turns on a feature the normal build does not; add that feature under [dependencies] in Cargo.toml (see the hyper entry)"
fi
wheels=("$work"/wheels/s3_asset_sync-*.whl)
[ -f "${wheels[0]}" ] || fail "maturin wrote no s3_asset_sync wheel: $(ls "$work/wheels")"
wheel=${wheels[0]}
step "built $(basename "$wheel") in $((SECONDS - start)) s"

# 1b. `pip install .` from a checkout goes through pyproject.toml's build
# backend (PEP 517); the same build, checked without installing it.
start=$SECONDS
PATH="$PWD/$venv/bin:$PATH" CARGO_TARGET_DIR="$target" MATURIN_PEP517_ARGS="--profile dev --locked" \
  "$venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation --no-cache-dir \
  -w "$work/pep517" . >"$work/pep517.log" 2>&1 || { cat "$work/pep517.log" >&2; fail "pip could not build the checkout (PEP 517)"; }
"$venv/bin/python" - "$work"/pep517/s3_asset_sync-*.whl <<'EOF' || fail "the PEP 517 wheel lacks the binary or the Django app"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["s3sync_django/management/commands/s3sync.py", ".data/scripts/s3sync"]
missing = [n for n in need if not any(x.endswith(n) for x in names)]
sys.exit(f"missing {missing} in {sys.argv[1]}" if missing else 0)
EOF
step "pip wheel . (PEP 517, what \`pip install .\` runs) in $((SECONDS - start)) s"

# 2. A clean venv, the wheel installed offline, its binary on the venv's PATH.
start=$SECONDS
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index --no-deps "$wheel" \
  || fail "pip could not install $wheel offline"
[ -x "$work/venv/bin/s3sync" ] || fail "the wheel put no s3sync in $work/venv/bin"
want="s3sync $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
got=$(PATH="$work/venv/bin:/usr/bin:/bin" s3sync --version)
[ "$got" = "$want" ] || fail "installed s3sync --version says '$got', expected '$want'"
"$work/venv/bin/python" -c 'import s3sync_django.binary' || fail "the wheel has no s3sync_django package"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$work/none" AWS_SHARED_CREDENTIALS_FILE="$work/none" HOME="$work"
export S3SYNC_NO_CACHE=1
bucket="wheel-$(date +%s)-$$"
curl -fsS -X PUT "$S3SYNC_TEST_ENDPOINT/$bucket" >/dev/null || fail "could not create bucket $bucket on moto"
push() {
  (cd "$work" && PATH="$work/venv/bin:/usr/bin:/bin" S3SYNC_ENDPOINT_URL="$S3SYNC_TEST_ENDPOINT" \
    S3SYNC_ADDRESSING_STYLE=path s3sync push "$OLDPWD/assets-example" --to "s3://$bucket/site" --json)
}
summary() { python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["new"], s["changed"], s["headers"], s["failed"])'; }
first=$(push | summary) || fail "the installed s3sync could not push to moto"
files=$(find assets-example -type f ! -name '.*' | wc -l)
[ "$first" = "$files 0 0 0" ] || fail "first push: new/changed/headers/failed = $first, expected $files 0 0 0"
body=$(curl -fsS --compressed "$S3SYNC_TEST_ENDPOINT/$bucket/site/robots.txt") || fail "site/robots.txt is not in the bucket"
[ "$body" = "$(cat assets-example/robots.txt)" ] || fail "site/robots.txt in the bucket differs from the file"
second=$(push | summary)
[ "$second" = "0 0 0 0" ] || fail "a re-push sent something: new/changed/headers/failed = $second"
step "clean venv: pip install (offline), s3sync --version, push of $files files, no-op re-push: $((SECONDS - start)) s"

# 3. A real Django project. Django and boto3 come from the project's venv
# (PyPI, scripts/requirements-test.txt) through a .pth file; s3sync and
# s3sync_django come only from the wheel.
start=$SECONDS
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
"$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))' >"$site/project-venv.pth"
PATH="$work/venv/bin:$PATH" "$work/venv/bin/python" \
  scripts/test_python/django_e2e.py "$work/django" || fail "the Django project test failed (above)"
PATH="$work/venv/bin:$PATH" "$work/venv/bin/python" scripts/test_python/derive_test.py \
  || fail "the settings derivation tests failed (above)"
step "Django project: collectstatic + push, admin page assets from moto, no-op re-run, settings: $((SECONDS - start)) s"
