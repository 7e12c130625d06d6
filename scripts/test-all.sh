#!/usr/bin/env bash
# Everything `make test` runs, in order, each phase counted:
#   1. the release build's ctest suite (unit tests, C ABI test, CLI contract, examples);
#   2. the same unit tests built with clang + ASan + UBSan;
#   3. a short libFuzzer run of every fuzz target (FUZZ_SECONDS each, default 20).
# The closing line is the total: "make test: N passed, N failed".
# Every phase runs even when an earlier one failed, so one CI run shows every failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
san=${SAN_BUILD_DIR:-$root/build-san}
jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
summary=()

# Runs ctest in $1, adds its counts; $2 = label for the summary; rest = extra ctest args.
run_ctest() {
  local dir=$1 label=$2
  shift 2
  local log
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@") 2>&1 | tee "$log"
  local line total bad
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "test-all: $label: ctest produced no summary" >&2
    failed=$((failed + 1))
    summary+=("$label: no summary")
    return
  fi
  bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  summary+=("$label $((total - bad))/$total")
}

echo "=== 1/3 release build: ctest"
run_ctest "$build" "release"

echo "=== 2/3 ASan+UBSan build (clang): unit, kernel and policy tests"
if [ ! -f "$san/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNOOTERRA_SANITIZE=ON -DNOOTERRA_FUZZ=ON -DNOOTERRA_BENCH=OFF -DNOOTERRA_READBACK_CHECKS=ON ||
    { failed=$((failed + 1)); }
fi
# An existing sanitizer build gets the read-back checks too (records.h, ReadBack).
cmake -DNOOTERRA_READBACK_CHECKS=ON "$san" > /dev/null || failed=$((failed + 1))
if cmake --build "$san" -j "$jobs"; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest "$san" "sanitized" -L "^(unit|kernel|policy)$"
else
  echo "test-all: sanitizer build failed" >&2
  failed=$((failed + 1))
  summary+=("sanitized: build failed")
fi

echo "=== 3/3 fuzz: ${fuzz_seconds}s per target"
fuzz_ok=0
fuzz_total=0
for fuzzer in "$san"/bin/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  target=${name#fuzz_}
  corpus=$(mktemp -d)
  cp "$root/tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null
  fuzz_total=$((fuzz_total + 1))
  if "$fuzzer" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$san/" "$corpus" > "$san/$name.log" 2>&1; then
    fuzz_ok=$((fuzz_ok + 1))
    runs=$(grep -E '^stat::number_of_executed_units' "$san/$name.log" | awk '{print $2}')
    echo "$name: clean, ${runs:-?} executions in ${fuzz_seconds}s"
  else
    echo "$name: FAILED (log: $san/$name.log)" >&2
    tail -n 40 "$san/$name.log" >&2
  fi
  rm -rf "$corpus"
done
if [ "$fuzz_total" = 0 ]; then
  echo "test-all: no fuzz targets were built" >&2
  failed=$((failed + 1))
fi
passed=$((passed + fuzz_ok))
failed=$((failed + fuzz_total - fuzz_ok))
summary+=("fuzz $fuzz_ok/$fuzz_total")

echo "=== summary: ${summary[*]}"
echo "make test: $passed passed, $failed failed"
[ "$failed" = 0 ]
