#!/usr/bin/env bash
# Build the default Vite project (create-vite's first template, vanilla-ts,
# with the dependencies it asks for, from the npm registry) in a temporary
# folder, and keep its dist/ under .cache/ for the front-end tests
# (tests/integration/frontend.rs). Prints the dist folder on the last line
# of stdout; everything npm says goes to stderr. A second run reuses the
# build. Needs Node.js and npm (the machine's).
set -euo pipefail

CREATE_VITE=9.3.0
TEMPLATE=vanilla-ts
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/.cache/vite-default-$CREATE_VITE-$TEMPLATE"

if [[ -f "$OUT/built" ]]; then
    echo "$OUT/dist"
    exit 0
fi
command -v npm >/dev/null || { echo "build-vite.sh: npm is not installed; install Node.js 20+ and npm" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
(
    cd "$work"
    npx --yes "create-vite@$CREATE_VITE" app --template "$TEMPLATE" --no-interactive --no-immediate
    cd app
    npm install
    npm run build
    npm ls vite typescript --depth=0
) >&2

rm -rf "$OUT"
mkdir -p "$OUT"
cp -a "$work/app/dist" "$OUT/dist"
(cd "$work/app" && npm ls vite typescript --depth=0 --parseable --long) > "$OUT/versions.txt" 2>/dev/null || true
touch "$OUT/built"
echo "$OUT/dist"
