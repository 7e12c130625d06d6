#!/usr/bin/env bash
# Long fuzzing runs: builds the sanitizer+fuzzer tree if needed, then runs each target for
# FUZZ_SECONDS (default 600) with a persistent corpus in fuzz-corpus/<target>/ (git-ignored).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
san=${1:-$root/build-san}
seconds=${FUZZ_SECONDS:-600}
if [ ! -f "$san/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNOOTERRA_SANITIZE=ON -DNOOTERRA_FUZZ=ON -DNOOTERRA_BENCH=OFF
fi
cmake --build "$san" -j "$(nproc)"
for fuzzer in "$san"/bin/fuzz_*; do
  target=$(basename "$fuzzer"); target=${target#fuzz_}
  corpus="$root/fuzz-corpus/$target"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  echo "== $target for ${seconds}s"
  "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$root/" "$corpus" \
    2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)|ERROR|SUMMARY'
done
