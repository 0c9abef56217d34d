#!/usr/bin/env bash
# run.sh - what `make fuzz` runs once the harnesses are built: each one in turn (one at a time: a
# fuzzer takes a whole core), SECONDS long, from fuzz/seeds/NAME plus the inputs earlier runs found
# (BUILD/corpus/NAME); a crash input goes to fuzz/regress/NAME/, which `make test` replays. Prints
# one table line per harness (executions, executions a second, corpus size, result) and the total.
#   bash fuzz/run.sh BIN_DIR BUILD_DIR SECONDS NAME...
# Exits 1 when any harness crashed (its log: BUILD_DIR/fuzz_NAME.log).
set -u
bin=$1 build=$2 seconds=$3
shift 3

# 1234567 -> 1,234,567
group() {
  awk -v n="$1" 'BEGIN { s = ""; while (n >= 1000) { s = sprintf(",%03d", n % 1000) s; n = int(n / 1000) }; print n s }'
}

printf 'fuzz %-12s %12s %8s %8s  %s\n' harness executions exec/s corpus result
failed="" total=0
for n in "$@"; do
  log=$build/fuzz_$n.log
  mkdir -p "$build/corpus/$n" "fuzz/regress/$n"
  result=ok
  "$bin/fuzz_$n" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/regress/$n/" "$build/corpus/$n" "fuzz/seeds/$n" >"$log" 2>&1 ||
    { result=CRASH; failed="$failed $n"; }
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  total=$((total + ${execs:-0}))
  printf 'fuzz %-12s %12s %8s %8s  %s\n' "$n" "$(group "${execs:-0}")" "${rate:-?}" \
    "$(ls "$build/corpus/$n" | wc -l | tr -d ' ')" "$result"
done
printf 'fuzz %-12s %12s  in %d harnesses of %s s\n' total "$(group "$total")" $# "$seconds"
if [ -n "$failed" ]; then
  echo "fuzz: crashes in:$failed (inputs in fuzz/regress/, logs in $build/fuzz_*.log)"
  exit 1
fi
echo "fuzz: no crashes"
