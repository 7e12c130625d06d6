#!/usr/bin/env bash
# Batch throughput through the bindings relative to C++ (issue goal: within 20%). The three run
# the same fixed workload (5 rounds x 20 batches x 512 deposits into a fresh store, no fsync,
# median of the rounds), interleaved RUNS times so that machine noise hits all three alike; prints
# each run and then the medians and the ratios as one JSON object.
# usage: bench/batch_compare.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
value() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
cpp=() py=() js=()
run_cpp() { cpp+=("$("$build/bin/nooterra-bench" --json --only batch 2>/dev/null | value batch_deposits_per_s)"); }
run_py() { py+=("$(PYTHONPATH="$build/python" NOOTERRA_BENCH_ONLY=batch python3 "$here/bindings_overhead.py" | value python_batch_deposits_per_s)"); }
run_js() { js+=("$(NODE_PATH="$build/node" NOOTERRA_BENCH_ONLY=batch node "$here/bindings_overhead.js" | value node_batch_deposits_per_s)"); }
for i in $(seq "$runs"); do
  # Rotate the order so that no binding always runs right after another one (order effects).
  case $((i % 3)) in
    1) run_cpp; run_py; run_js ;;
    2) run_py; run_js; run_cpp ;;
    0) run_js; run_cpp; run_py ;;
  esac
  echo "run $i: c++ ${cpp[-1]}/s  python ${py[-1]}/s  node ${js[-1]}/s" >&2
done
python3 - "${cpp[*]}" "${py[*]}" "${js[*]}" <<'EOF'
import json, statistics, sys
cpp, py, js = ([float(x) for x in arg.split()] for arg in sys.argv[1:4])
c, p, n = statistics.median(cpp), statistics.median(py), statistics.median(js)
# Per-run ratios as well: each run's three numbers were measured back to back.
rp = statistics.median(b / a for a, b in zip(cpp, py))
rn = statistics.median(b / a for a, b in zip(cpp, js))
print(json.dumps({"cpp_batch_deposits_per_s": round(c), "python_batch_deposits_per_s": round(p),
                  "node_batch_deposits_per_s": round(n), "python_over_cpp_median_run_ratio": round(rp, 3),
                  "node_over_cpp_median_run_ratio": round(rn, 3)}))
EOF
