#!/usr/bin/env bash
# A/B of two s3sync binaries on the same synthetic tree, one run, on this
# machine: the local side and a file:// target, no server (what the trust
# work touched: the walk's link checks, regular-file opens, the confined
# directory target). Medians of R runs per case, and the ratio B/A.
#
#   scripts/bench/ab.sh A_BIN B_BIN [FILES|TREE] [RUNS]
#
# FILES: a synthetic tree of that many files; or the path of a tree (e.g.
# the real corpus, scripts/bench/corpus.sh real).
#
# Cases: `manifest --no-cache` (walk + hash every file), a first `push` to an
# empty file:// target (walk, hash, gzip, write every object), a no-op
# `diff --no-cache` against it (walk, hash, read the record, plan).
# Writes nothing in the repository; prints a Markdown table.
set -euo pipefail
A="${1:?A binary}"; B="${2:?B binary}"; N="${3:-10000}"; R="${4:-5}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/s3sync-bench}/ab"
mkdir -p "$WORK"
if [ -d "$N" ]; then
  TREE="$N"
else
  TREE="$WORK/tree-$N"
  [ -d "$TREE" ] || python3 "$HERE/lib/gen_synthetic.py" --n "$N" --seed 7 --out "$TREE" >/dev/null
fi
python3 - "$A" "$B" "$TREE" "$WORK" "$R" <<'PY'
import os, shutil, statistics, subprocess, sys, time
a, b, tree, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
env = dict(os.environ, S3SYNC_NO_CACHE="1", CI="1")
rows = []
for name, args, fresh in [
    ("manifest --no-cache", ["manifest", tree], False),
    ("push to an empty file:// target", ["push", tree, "--to", "file://{t}"], True),
    ("no-op diff --no-cache", ["diff", tree, "--to", "file://{t}"], False),
]:
    times = {"a": [], "b": []}
    targets = {tag: os.path.join(work, f"target-{tag}") for tag in times}
    bins = {"a": a, "b": b}
    if name.startswith("no-op"):
        for tag in times:
            shutil.rmtree(targets[tag], ignore_errors=True)
            subprocess.run([bins[tag], "push", tree, "--to", "file://" + targets[tag]], check=True,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A and B alternate, run by run, so load on the machine hits both alike.
    for _ in range(runs):
        for tag in times:
            if fresh:
                shutil.rmtree(targets[tag], ignore_errors=True)
            cmd = [bins[tag]] + [x.replace("{t}", targets[tag]) for x in args]
            t = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[tag].append(time.perf_counter() - t)
    rows.append((name, statistics.median(times["a"]), statistics.median(times["b"])))
    if fresh:
        # What the push stored: every object's bytes (sidecars and records aside).
        def stored(root):
            total = 0
            for d, dirs, files in os.walk(root):
                dirs[:] = [x for x in dirs if x != ".s3sync-meta"]
                total += sum(os.path.getsize(os.path.join(d, f)) for f in files if not f.startswith(".s3sync"))
            return total
        sizes = (stored(targets["a"]), stored(targets["b"]))
        rows.append(("  bytes stored by that push", sizes[0], sizes[1]))
print(f"| case ({len(os.listdir(tree))} top-level entries, {runs} runs) | A median s | B median s | B/A |")
print("|---|---:|---:|---:|")
for name, ma, mb in rows:
    if isinstance(ma, int):
        print(f"| {name} | {ma:,} B | {mb:,} B | {mb/ma:.3f} |")
    else:
        print(f"| {name} | {ma:.3f} | {mb:.3f} | {mb/ma:.2f} |")
PY
