#!/usr/bin/env bash
# The compression step of a cold push, per backend: builds gzip/ once with
# flate2's miniz_oxide backend (s3sync before issue 13) and once with its
# zlib-rs backend (and libdeflate), then compresses the compressible files
# of a tree with each. One thread, files read into memory first.
#
# Usage: gzip.sh [TREE]   (default: $BENCH_DATA/corpus/real, see corpus.sh)
# Prints: mode, files, bytes in, bytes out, CPU seconds, wall seconds, and
# ratios (CPU time, bytes) against flate2's miniz_oxide at level 9, which
# s3sync used before issue 13. Linux (CPU time from /proc).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"
TREE="${1:-$BENCH_DATA/corpus/real}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$BENCH_DATA/target-gzip}"
M="$HERE/gzip/Cargo.toml"
build() { cargo build -q --release --manifest-path "$M" --no-default-features --features "$1"; cp "$CARGO_TARGET_DIR/release/gzip-bench" "$CARGO_TARGET_DIR/gzip-bench-$2"; }
build miniz miniz
build zlib-rs,libdeflate zlibrs
build zlib-rs,runtime-detection zlibrs-rt
OUT="$(mktemp)"
{
  "$CARGO_TARGET_DIR/gzip-bench-miniz" "$TREE" flate2-9 flate2-6 | sed 's/^flate2/miniz_oxide/'
  "$CARGO_TARGET_DIR/gzip-bench-zlibrs" "$TREE" flate2-9 flate2-6 | sed 's/^flate2/zlib-rs/'
  "$CARGO_TARGET_DIR/gzip-bench-zlibrs-rt" "$TREE" flate2-9 | sed 's/^flate2/zlib-rs+rt/'
  "$CARGO_TARGET_DIR/gzip-bench-zlibrs" "$TREE" libdeflate-9 libdeflate-12 ${BROTLI_MODES:-br-4 br-6 br-9 br-11}
} > "$OUT"
awk -F'\t' 'NR==1{t0=$5; b0=$4; printf "%-16s %6s %12s %12s %8s %8s %7s %7s\n","mode","files","bytes in","bytes out","cpu s","wall s","time×","bytes×"}
  {printf "%-16s %6d %12d %12d %8.2f %8.2f %7.3f %7.3f\n",$1,$2,$3,$4,$5,$6,$5/t0,$4/b0}' "$OUT"
rm -f "$OUT"
