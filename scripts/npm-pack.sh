#!/usr/bin/env bash
# The npm packages as tarballs (npm/README.md; release: docs/release.md):
# stages the launcher `s3-asset-sync` and one platform package per binary
# with npm/stage.js, then runs `npm pack` on each. Prints the tarballs, the
# launcher first.
#
#   scripts/npm-pack.sh                     # this machine's package, from the debug
#                                           # binary `cargo test` built
#   scripts/npm-pack.sh --binary x86_64-unknown-linux-gnu=PATH ...   # a release
#   scripts/npm-pack.sh --from-wheels dist --all    # the binaries inside the wheels
#
# Options: --out DIR (default $CARGO_TARGET_DIR/npm or target/npm), --binary
# PLATFORM=PATH (repeatable; PLATFORM: a package or Rust target of
# npm/launcher/platforms.json), --from-wheels DIR (each wheel's s3sync, the
# platform read from the wheel's tag), --all (fail unless every platform has
# a binary), --repository URL (https://github.com/OWNER/REPO, which
# `npm publish --provenance` checks).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
out="$target/npm"
binaries=()
wheels=""
all=""
repository=()
fail() { echo "npm-pack: $*" >&2; exit 2; }
while [ "$#" -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --binary) binaries+=(--binary "${2:?--binary needs PLATFORM=PATH}"); shift 2 ;;
    --from-wheels) wheels=${2:?--from-wheels needs a folder}; shift 2 ;;
    --all) all=1; shift ;;
    --repository) repository=(--repository "${2:?--repository needs a URL}"); shift 2 ;;
    *) fail "unknown argument $1 (see the top of $0)" ;;
  esac
done
command -v npm >/dev/null || fail "npm is not on PATH (Node.js 18 or newer)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The binary inside each wheel (`*.data/scripts/s3sync[.exe]`), its platform
# found by the wheel's platform tag (`wheel` in platforms.json).
if [ -n "$wheels" ]; then
  [ -d "$wheels" ] || fail "--from-wheels $wheels: no such folder"
  while IFS=$'\t' read -r package wheel member; do
    binaries+=(--binary "$package=$work/$package/$(basename "$member")")
    echo "npm-pack: $package from $(basename "$wheel")" >&2
  done < <(python3 - "$wheels" "$work" <<'PY'
import json, pathlib, sys, zipfile
folder, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
table = json.loads(pathlib.Path("npm/launcher/platforms.json").read_text())["platforms"]
for wheel in sorted(folder.glob("*.whl")):
    tags = wheel.stem.split("-")[-1].split(".")   # compressed tag sets: a.b
    entry = next((p for p in table if p["wheel"] in tags), None)
    if entry is None:
        sys.exit(f"npm-pack: {wheel.name}: its platform tag {'.'.join(tags)} is in no entry of npm/launcher/platforms.json")
    names = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".data/scripts/" + entry["binary"])]
    if len(names) != 1:
        sys.exit(f"npm-pack: {wheel.name} holds no single *.data/scripts/{entry['binary']} ({names})")
    dest = work / entry["package"]
    dest.mkdir()
    (dest / entry["binary"]).write_bytes(zipfile.ZipFile(wheel).read(names[0]))
    print(entry["package"], wheel, names[0], sep="\t")
PY
  )
  [ "${#binaries[@]}" -gt 0 ] || fail "--from-wheels $wheels: no wheel there"
fi

# Default: this machine's platform package, from the binary `cargo test` built.
if [ "${#binaries[@]}" -eq 0 ]; then
  package=$(node -e '
    const p = require("./npm/launcher/lib/platform.js");
    const m = p.currentMachine(), c = p.candidates(m);
    if (!c.length) { console.error("npm-pack: no platform package for " + p.describe(m)); process.exit(2); }
    console.log(c[0].package);')
  binary="$target/debug/s3sync"
  [ -f "$binary.exe" ] && binary="$binary.exe"
  [ -x "$binary" ] || fail "$binary does not exist: run cargo test (or cargo build) first, or pass --binary PLATFORM=PATH"
  binaries=(--binary "$package=$binary")
fi

# Every platform, given by its package or its Rust target (as stage.js takes it).
if [ -n "$all" ]; then
  node -e '
    const given = process.argv.slice(1).filter((_, i, a) => a[i - 1] === "--binary").map((v) => v.slice(0, v.indexOf("=")));
    const missing = require("./npm/launcher/platforms.json").platforms.filter((p) => !given.includes(p.package) && !given.includes(p.target));
    for (const p of missing) console.error(`npm-pack: --all: no binary for ${p.package} (give --binary ${p.package}=PATH or ${p.target}=PATH, or its wheel)`);
    process.exit(missing.length ? 2 : 0);
  ' -- "${binaries[@]}" || exit 2
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
node npm/stage.js --out "$work/stage" "${binaries[@]}" "${repository[@]}" >"$work/dirs"
# One npm for all of them (its start-up costs more than a small package).
mapfile -t dirs <"$work/dirs"
npm pack "${dirs[@]}" --pack-destination "$out" --ignore-scripts --json >"$work/packed.json" \
  || fail "npm pack failed for ${dirs[*]}"
node -e '
  const packed = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const want = process.argv.length - 3;
  if (packed.length !== want) { console.error(`npm-pack: npm pack wrote ${packed.length} tarballs for ${want} packages`); process.exit(2); }
  for (const p of packed) console.log(require("path").join(process.argv[2], p.filename));
' "$work/packed.json" "$out" "${dirs[@]}"
