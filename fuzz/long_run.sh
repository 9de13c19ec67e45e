#!/usr/bin/env bash
# long_run.sh BUILD_DIR SECONDS_EACH: runs every fuzz target of BUILD_DIR (a -DWHARF_FUZZ=ON build) one
# after the other, niced, for SECONDS_EACH each, over a copy of its seed corpus, and prints one line per
# target: seconds, executions, exec/s, cov, ft, corpus size, and its result (the figures of
# docs/fuzzing.md). Logs and corpora stay in BUILD_DIR/fuzz/long/.
set -uo pipefail
build=$1 seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz/long
mkdir -p "$out"
for bin in "$build"/fuzz/fuzz_*; do
  name=${bin##*/fuzz_}
  dict=$(grep -o "wharf_add_fuzzer($name DICT [a-z_]*" "$src/CMakeLists.txt" | awk '{print $3}')
  start=$(date +%s)
  WHARF_FUZZ_SEED=0 nice -n 10 "$src/run.sh" "$bin" "$src/corpus/$name" "$out/$name" "$seconds" ${dict:+"$src/dict/$dict.dict"} \
    >"$out/$name.log" 2>&1
  rc=$? took=$(( $(date +%s) - start ))
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out/$name.log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$name.log")
  cov=$(grep -o 'cov: [0-9]*' <<<"$done_line" | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' <<<"$done_line" | awk '{print $2}')
  corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' <<<"$done_line" | awk '{print $2}')
  verdict=$([ $rc -eq 0 ] && echo "no findings" || echo "FAILED rc=$rc, see $out/$name.log")
  echo "$name | $took | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $verdict"
done
