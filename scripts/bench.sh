#!/usr/bin/env bash
# Benchmark s3sync beside its peers on the same machine, server and tree, in
# one run, with the harness in scripts/bench/ (adapted from the shared peer
# harness). Writes scripts/bench/results/peers-<tag>.md; docs/benchmarks.md
# holds the latest figures and how they were made.
#
#   scripts/bench.sh                      # moto, s3sync + s5cmd + s3cmd, 3 reps
#   scripts/bench.sh -s moto,s3sfs -t s3sync,s5cmd,s3cmd,awscli,hugo -r 3
#   scripts/bench.sh -s moto -t s3sync,collectfasta,django,awscli,s5cmd -r 3   # session 4
#
# Extra arguments go to scripts/bench/peers.sh. First run: scripts/bench/setup.sh
# (peers, servers) and scripts/bench/corpus.sh real (the 149 MB corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
export S3SYNC_BENCH_BIN="$PWD/target/release/s3sync"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-s moto -t s3sync,s5cmd,s3cmd -r 3)
exec scripts/bench/peers.sh "${args[@]}"
