#!/usr/bin/env bash
# run.sh FUZZER SEED_DIR WORK_DIR SECONDS [DICT]: runs a libFuzzer target for SECONDS over a fresh
# copy of its seed corpus in WORK_DIR (the source tree is never written). Any crash, leak, sanitizer
# report, uncaught exception or input slower than 10 s fails it; the input is kept in WORK_DIR.
# WHARF_FUZZ_SEED is libFuzzer's -seed: 1 unless set, so that a CI run explores the same way each time
# and a red run can be replayed; 0 draws a new seed (long_run.sh, to go where CI does not).
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4 dict=${5:-}
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -seed="${WHARF_FUZZ_SEED:-1}"
      -artifact_prefix="$work/artifacts/")
[ -z "$dict" ] || opts+=(-dict="$dict")
exec "$fuzzer" "${opts[@]}" "$work/corpus"
