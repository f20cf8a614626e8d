#!/usr/bin/env bash
# The npm package, end to end (run by scripts/test.sh after `cargo test`, or
# alone with `scripts/test.sh --npm`), without the npm registry:
#  0. the launcher's choice of binary, unit by unit (npm/test/, node --test);
#  1. scripts/npm-pack.sh packs the launcher, this machine's platform package
#     (the binary `cargo test` built, stripped as releases are) and the other
#     platforms' packages with a stand-in file;
#  2. a clean folder installs the launcher tarball offline, each platform
#     package name pointed at its tarball (package.json `overrides`): npm's
#     os/cpu/libc checks must install exactly this machine's package;
#  3. the installed `npx s3sync`: --version is Cargo.toml's, a push to a
#     file:// target holds the source's bytes, exit code 2 passes through;
#  4. installed with --omit=optional: the launcher fails naming the package
#     it expected and the fix; S3SYNC_BINARY runs a binary given by path;
#  5. signals (scripts/test_npm/signals.py): one Ctrl-C is one SIGINT for
#     s3sync, SIGINT/SIGTERM passed on, the binary's death by signal is the
#     launcher's.
# Every failure exits non-zero with what went wrong; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { echo "test-npm: $*" >&2; }
fail() { echo "test-npm: FAIL: $*" >&2; exit 1; }
command -v npm >/dev/null || fail "npm is not on PATH: install Node.js 18 or newer (the npm package's test needs it)"
begin=$SECONDS

# npm without this machine's settings, cache or registry: an unreachable
# registry makes any attempt to fetch fail instead of passing quietly.
touch "$work/npmrc"
export npm_config_userconfig="$work/npmrc" npm_config_cache="$work/npm-cache" \
  npm_config_registry=http://127.0.0.1:9 npm_config_fetch_retries=0 \
  npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

# 0. Unit tests of the launcher's platform choice and messages.
node --test npm/test/platform.test.js >"$work/unit.log" 2>&1 || { cat "$work/unit.log" >&2; fail "npm/test/platform.test.js failed"; }
step "launcher unit tests: $(grep -E '^# pass' "$work/unit.log")"

# 1. Pack. This machine's package gets the real binary; every other platform
# a stand-in, so the install below exercises npm's choice among all seven.
start=$SECONDS
binary="$target/debug/s3sync"
[ -x "$binary" ] || fail "$binary is missing: run cargo test (scripts/test.sh --npm does) first"
here=$(node -e '
  const p = require("./npm/launcher/lib/platform.js");
  const c = p.candidates(p.currentMachine());
  if (!c.length) { console.error("no platform package for " + p.describe(p.currentMachine())); process.exit(1); }
  console.log(c[0].package);') || fail "this machine has no npm platform package to test"
cp "$binary" "$work/s3sync"
strip "$work/s3sync" 2>/dev/null || true   # as releases ship it; halves the pack time
echo "not a binary" >"$work/stand-in"
args=()
for package in $(node -p 'require("./npm/launcher/platforms.json").platforms.map((p) => p.package).join(" ")'); do
  if [ "$package" = "$here" ]; then args+=(--binary "$package=$work/s3sync"); else args+=(--binary "$package=$work/stand-in"); fi
done
scripts/npm-pack.sh --out "$work/tgz" --all "${args[@]}" >"$work/tarballs" || fail "scripts/npm-pack.sh failed"
launcher=$(head -1 "$work/tarballs")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ "$(basename "$launcher")" = "s3-asset-sync-$version.tgz" ] || fail "the launcher tarball is $(basename "$launcher"), expected s3-asset-sync-$version.tgz"
[ "$(wc -l <"$work/tarballs")" -eq 8 ] || fail "expected 8 tarballs (launcher + 7 platforms): $(cat "$work/tarballs")"
listing=$(tar -tvzf "$work/tgz/$here-$version.tgz")
grep -Eq '^-rwxr-xr-x .* package/s3sync(\.exe)?$' <<<"$listing" || fail "$here's tarball has no executable package/s3sync: $listing"
step "npm pack: 8 tarballs (this machine: $here) in $((SECONDS - start)) s"

# 1b. The release path: binaries taken out of the wheels (a stand-in wheel
# for this machine's tag), and --all refusing a release with a platform short.
start=$SECONDS
tag=$(node -p "require('./npm/launcher/platforms.json').platforms.find((p) => p.package === '$here').wheel")
mkdir "$work/wheels"
python3 - "$work/wheels/s3_asset_sync-$version-py3-none-$tag.whl" "$version" "$work/stand-in" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[3], f"s3_asset_sync-{sys.argv[2]}.data/scripts/s3sync")
    z.writestr("s3sync_django/__init__.py", "")
EOF
scripts/npm-pack.sh --out "$work/from-wheels" --from-wheels "$work/wheels" >"$work/from-wheels.list" 2>"$work/from-wheels.err" \
  || { cat "$work/from-wheels.err" >&2; fail "npm-pack.sh --from-wheels failed"; }
tar -xzf "$work/from-wheels/$here-$version.tgz" -C "$work/from-wheels" package/s3sync
cmp -s "$work/from-wheels/package/s3sync" "$work/stand-in" || fail "--from-wheels packed another file than the wheel's s3sync"
if scripts/npm-pack.sh --out "$work/from-wheels" --from-wheels "$work/wheels" --all >/dev/null 2>"$work/all.err"; then
  fail "npm-pack.sh --all packed a release with one platform out of seven"
fi
grep -q -- "--all: no binary for" "$work/all.err" || fail "npm-pack.sh --all failed without naming the platform: $(cat "$work/all.err")"
# docs/release.md's by-hand release names each binary by its Rust target.
by_target=()
for target in $(node -p 'require("./npm/launcher/platforms.json").platforms.map((p) => p.target).join(" ")'); do
  by_target+=(--binary "$target=$work/stand-in")
done
scripts/npm-pack.sh --out "$work/by-target" --all "${by_target[@]}" >"$work/by-target.list" 2>"$work/by-target.err" \
  || fail "npm-pack.sh --all refused the seven platforms named by Rust target: $(cat "$work/by-target.err")"
[ "$(wc -l <"$work/by-target.list")" -eq 8 ] || fail "npm-pack.sh --all by Rust target: expected 8 tarballs: $(cat "$work/by-target.list")"
step "npm-pack.sh --from-wheels: the wheel's binary packed; --all refuses a missing platform, takes Rust targets; in $((SECONDS - start)) s"

# 2. A clean project installs the launcher; npm picks the platform package.
start=$SECONDS
project="$work/project"
mkdir "$project"
node -e '
  const [tgz, version, out] = process.argv.slice(1);
  const table = require("./npm/launcher/platforms.json");
  const overrides = Object.fromEntries(table.platforms.map((p) => [p.package, `file:${tgz}/${p.package}-${version}.tgz`]));
  require("fs").writeFileSync(out, JSON.stringify({ name: "npm-test", private: true, overrides }, null, 2));
' "$work/tgz" "$version" "$project/package.json"
(cd "$project" && npm install --offline "$launcher" >"$work/install.log" 2>&1) \
  || { cat "$work/install.log" >&2; fail "npm install of $launcher failed offline"; }
installed=$(cd "$project/node_modules" && ls -d s3-asset-sync* | sort | tr '\n' ' ')
[ "$installed" = "s3-asset-sync $here " ] || fail "npm installed [$installed], expected [s3-asset-sync $here ] (os/cpu/libc of the platform packages)"
cmp -s "$project/node_modules/$here/s3sync" "$work/s3sync" || fail "the installed binary differs from the packed one"
step "npm install --offline: the launcher and $here only, in $((SECONDS - start)) s"

# 3. The installed command.
start=$SECONDS
s3sync() { (cd "$project" && npx --offline s3sync "$@"); }
got=$(s3sync --version) || fail "npx s3sync --version failed"
[ "$got" = "s3sync $version" ] || fail "npx s3sync --version says '$got', expected 's3sync $version'"
mkdir -p "$work/src/css" "$work/src/img"
printf '<!doctype html><h1>npm</h1>\n' >"$work/src/index.html"
printf 'body { color: #333 }\n' >"$work/src/css/app.css"
head -c 4096 /dev/urandom >"$work/src/img/logo.png"
export HOME="$work" S3SYNC_NO_CACHE=1
s3sync push "$work/src" --to "file://$work/dest" >"$work/push.log" 2>&1 || { cat "$work/push.log" >&2; fail "npx s3sync push to file:// failed"; }
python3 - "$work/src" "$work/dest" <<'EOF' || fail "the file:// target does not hold the source's bytes (above)"
import gzip, json, pathlib, sys
src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
keys = sorted(str(p.relative_to(src)) for p in src.rglob("*") if p.is_file())
held = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and not str(p.relative_to(dest)).startswith(".s3sync"))
if held != keys:
    sys.exit(f"keys in the target {held} != files in the source {keys}")
for key in keys:
    body = (dest / key).read_bytes()
    meta = json.loads((dest / ".s3sync-meta" / (key + ".json")).read_text())
    if meta["headers"].get("content_encoding") == "gzip":
        body = gzip.decompress(body)
    if body != (src / key).read_bytes():
        sys.exit(f"{key}: the target's bytes differ from the source's")
EOF
set +e
s3sync push "$work/no-such-dir" --to "file://$work/dest2" 2>"$work/missing.log"
code=$?
set -e
[ "$code" -eq 2 ] || fail "npx s3sync push of a missing folder exited $code, expected 2: $(cat "$work/missing.log")"
grep -q "does not exist" "$work/missing.log" || fail "s3sync's own error did not come through: $(cat "$work/missing.log")"
step "npx s3sync: --version, push of 3 files to file:// (bytes equal), exit 2 passed on, in $((SECONDS - start)) s"

# 4. Without the optional platform package.
start=$SECONDS
bare="$work/bare"
mkdir "$bare"
cp "$project/package.json" "$bare/package.json"
(cd "$bare" && npm install --offline --omit=optional "$launcher" >"$work/install-bare.log" 2>&1) \
  || { cat "$work/install-bare.log" >&2; fail "npm install --omit=optional failed"; }
[ ! -e "$bare/node_modules/$here" ] || fail "--omit=optional installed $here anyway"
set +e
(cd "$bare" && npx --offline s3sync --version) >"$work/bare.out" 2>"$work/bare.err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "the launcher without $here exited $code, expected 2: $(cat "$work/bare.err")"
grep -q "the package $here" "$work/bare.err" || fail "the launcher's error does not name $here: $(cat "$work/bare.err")"
grep -q -- "--omit=optional" "$work/bare.err" || fail "the launcher's error does not name the fix: $(cat "$work/bare.err")"
grep -q "pip install s3-asset-sync" "$work/bare.err" || fail "the launcher's error does not name pip install: $(cat "$work/bare.err")"
[ ! -s "$work/bare.out" ] || fail "the launcher's error went to stdout: $(cat "$work/bare.out")"
got=$(cd "$bare" && S3SYNC_BINARY="$work/s3sync" npx --offline s3sync --version) || fail "S3SYNC_BINARY=$work/s3sync did not run"
[ "$got" = "s3sync $version" ] || fail "with S3SYNC_BINARY, --version says '$got'"
step "--omit=optional: exit 2 naming $here and the fixes; S3SYNC_BINARY runs the given binary; in $((SECONDS - start)) s"

# 5. Signals, with a stand-in binary that logs them.
start=$SECONDS
python3 scripts/test_npm/signals.py "$project/node_modules/.bin/s3sync" "$project" >"$work/signals.log" 2>&1 \
  || { cat "$work/signals.log" >&2; fail "signals through the launcher (above)"; }
step "signals: one Ctrl-C is one SIGINT (directly and through npx), SIGINT/SIGTERM passed on, death by signal kept; in $((SECONDS - start)) s"
step "all npm checks passed in $((SECONDS - begin)) s"
