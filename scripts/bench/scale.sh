#!/usr/bin/env bash
# Scale and memory figures for s3sync (issue 3), one run, on this machine:
#
#   1. hashing: the real corpus warm (all cores), one 1 GiB file (one core),
#      beside coreutils sha256sum on the same bytes;
#   2. the synthetic trees (10k, 50k, 100k files): time to hash the tree
#      (`s3sync manifest --no-cache`), then `diff --no-cache` against an
#      in-sync bucket (its -v timings split local / remote / plan), `diff`
#      with the hash cache warm, and peak RSS of each;
#   3. a 2 GiB file pushed (multipart) with its peak RSS.
#
#   S3SYNC_BENCH_BIN=target/release/s3sync scripts/bench/scale.sh [TAG]
#
# The bucket is s3s-fs (a directory on disk, so 2 GiB do not sit in a
# server's memory) on its own loopback port, started and stopped here.
# Writes scripts/bench/results/scale-TAG.md. Needs scripts/bench/setup.sh
# (s3s-fs, the venv) and scripts/bench/corpus.sh real; the synthetic trees
# are generated here if missing (corpus.sh synth N).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"
BIN="${S3SYNC_BENCH_BIN:?set S3SYNC_BENCH_BIN to the release binary}"
TAG="${1:-$(date +%Y-%m-%d)}"
OUT="$HERE/results/scale-$TAG.md"
SCRATCH="$BENCH_DATA/scale"
PORT="${PORT_SCALE:-9312}"
ENDPOINT="http://$BENCH_HOST:$PORT"
SIZES=(10000 50000 100000)

rm -rf "$SCRATCH/s3"
mkdir -p "$SCRATCH/s3"
s3s-fs --host "$BENCH_HOST" --port "$PORT" --access-key "$AWS_ACCESS_KEY_ID" \
  --secret-key "$AWS_SECRET_ACCESS_KEY" "$SCRATCH/s3" >"$SCRATCH/s3sfs.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" && break
  sleep 0.1
done

export S3SYNC_CONFIG="$HERE/s3sync-bench.toml" AWS_S3_ADDRESSING_STYLE=path
export S3SYNC_ENDPOINT_URL="$ENDPOINT" S3SYNC_CACHE_DIR="$SCRATCH/hash-cache"

# seconds and peak RSS (MB) of a command: "<s> <MB>"; its stderr goes to
# $SCRATCH/last.err.
measure() {
  /usr/bin/time -f '%e %M' -o "$SCRATCH/time.txt" "$@" >/dev/null 2>"$SCRATCH/last.err"
  awk '{printf "%.2f %.0f\n", $1, $2 / 1024}' "$SCRATCH/time.txt"
}
bucket() { # NAME: a fresh bucket (s3s-fs buckets are folders)
  rm -rf "${SCRATCH:?}/s3/$1"
  mkdir -p "$SCRATCH/s3/$1"
}
warm() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
mb() { du -sb "$1" | awk '{printf "%.1f", $1 / 1e6}'; }

{
  echo "# s3sync scale and memory figures ($TAG)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
    "($(grep -qw sha_ni /proc/cpuinfo && echo SHA-NI || echo no SHA-NI))." \
    "s3sync: $("$BIN" --version). Bucket: s3s-fs on loopback."
  echo
  echo "## Hashing"
  echo
  echo "| input | s3sync | sha256sum | ratio |"
  echo "|---|---|---|---|"
  real="$BENCH_DATA/corpus/real"
  warm "$real"
  "$BIN" manifest "$real" --no-cache >/dev/null # warm
  read -r t _ < <(measure "$BIN" manifest "$real" --no-cache)
  files=$(find "$real" -type f | wc -l)
  s=$( { /usr/bin/time -f '%e' bash -c "find '$real' -type f -print0 | xargs -0 -P$(nproc) -n 500 sha256sum >/dev/null"; } 2>&1 | tail -1)
  echo "| real corpus, $files files, $(mb "$real") MB, warm, all cores (scan + hash + manifest JSON) | $t s | $s s ($(nproc) processes) | $(awk -v a="$t" -v b="$s" 'BEGIN{printf "%.2f", a/b}') |"
  big="$SCRATCH/one/big.bin"
  mkdir -p "$SCRATCH/one"
  [ -f "$big" ] || head -c $((1024 * 1024 * 1024)) /dev/urandom >"$big"
  cat "$big" >/dev/null
  read -r t rss < <(measure "$BIN" manifest "$SCRATCH/one" --no-cache)
  s=$( { /usr/bin/time -f '%e' sha256sum "$big" >/dev/null; } 2>&1 | tail -1)
  ossl=$(openssl speed -seconds 3 -bytes 262144 -evp sha256 2>/dev/null | awk '/^sha256/ {printf "%.2f", $2 / 1e6}')
  echo "| one 1 GiB file, warm, one core (the CPU's SHA-256 peak, \`openssl speed -evp sha256\` in memory: $ossl GB/s) | $t s = $(awk -v t="$t" 'BEGIN{printf "%.2f", 1.073741824/t}') GB/s, $rss MB RSS | $s s = $(awk -v t="$s" 'BEGIN{printf "%.2f", 1.073741824/t}') GB/s | $(awk -v a="$t" -v b="$s" 'BEGIN{printf "%.2f", a/b}') |"
  echo
  echo "## Synthetic trees: diff against an in-sync bucket"
  echo
  echo "\`hash\`: \`s3sync manifest --no-cache\` (walk + hash + JSON). \`diff\`:"
  echo "\`s3sync diff --no-cache\` after a push of the same tree; its \`-v\` timings"
  echo "split it into local tree / remote record / plan. \`diff (cache)\`: the hash"
  echo "cache warm (a laptop re-run)."
  echo
  echo "| files | MB | hash | diff | diff / hash | local / remote / plan (s) | plan per file | diff (cache) | peak RSS diff |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for n in "${SIZES[@]}"; do
    tree="$BENCH_DATA/corpus/synth-$n-1"
    [ -d "$tree" ] || "$HERE/corpus.sh" synth "$n" 1 >/dev/null
    warm "$tree"
    bucket "scale$n"
    "$BIN" push "$tree" --to "s3://scale$n/static" -q --no-progress
    "$BIN" manifest "$tree" --no-cache >/dev/null # warm (the push above evicts)
    read -r h _ < <(measure "$BIN" manifest "$tree" --no-cache)
    read -r d rss < <(measure "$BIN" diff "$tree" --to "s3://scale$n/static" --no-cache -v --no-progress)
    timings=$(grep -o 'timings: .*' "$SCRATCH/last.err" | sed -E 's/timings: local tree ([0-9.]+) s, remote record ([0-9.]+) s, plan ([0-9.]+) s/\1 \/ \2 \/ \3/')
    plan=$(echo "$timings" | awk -F' / ' '{print $3}')
    "$BIN" diff "$tree" --to "s3://scale$n/static" -q >/dev/null # fill the cache
    read -r c _ < <(measure "$BIN" diff "$tree" --to "s3://scale$n/static")
    echo "| $n | $(mb "$tree") | $h s | $d s | $(awk -v a="$d" -v b="$h" 'BEGIN{printf "%.2f", a/b}') | $timings | $(awk -v p="$plan" -v n="$n" 'BEGIN{printf "%.1f µs", p*1e6/n}') | $c s | $rss MB |"
    rm -rf "${SCRATCH:?}/s3/scale$n"
  done
  echo
  echo "## A 2 GiB file"
  echo
  two="$SCRATCH/two"
  mkdir -p "$two"
  [ -f "$two/video.bin" ] || head -c $((2 * 1024 * 1024 * 1024)) /dev/urandom >"$two/video.bin"
  bucket large
  read -r t rss < <(measure "$BIN" push "$two" --to s3://large/static --no-cache -q --no-progress)
  got=$(stat -c %s "$SCRATCH/s3/large/static/video.bin" 2>/dev/null || echo 0)
  same=$(cmp -s "$two/video.bin" "$SCRATCH/s3/large/static/video.bin" && echo "byte-for-byte equal" || echo "DIFFERENT")
  echo "push of one 2 GiB file (hash, then multipart: 16 MiB parts, 8 in flight): $t s, **peak RSS $rss MB**; the stored object is $got bytes, $same."
  rm -rf "${SCRATCH:?}/s3/large"
} | tee "$OUT"
