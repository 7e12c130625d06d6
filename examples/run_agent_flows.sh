#!/usr/bin/env bash
# Runs examples/python/agent_flow.py and examples/node/agent_flow.js against a CMake build and
# checks that both complete and print the same steps (whitespace aside), and that the C++ example
# (examples/cpp/agent_flow.cc, through the C++ API) produced the very same hashes and key ids.
# usage: run_agent_flows.sh BUILD_DIR PYTHON NODE
set -euo pipefail
build=$1 python=$2 node=$3
here=$(cd "$(dirname "$0")" && pwd)
py=$(PYTHONPATH="$build/python" "$python" "$here/python/agent_flow.py")
js=$(NODE_PATH="$build/node" "$node" "$here/node/agent_flow.js")
echo "$py"
grep -qx 'example complete' <<<"$py"
if [ "$(tr -d ' ' <<<"$py")" != "$(tr -d ' ' <<<"$js")" ]; then
  echo "python and node printed different steps; node printed:" >&2
  echo "$js" >&2
  exit 1
fi
echo "node printed the same steps"
cpp=$("$build/bin/nooterra-example-cpp")
ids() { grep -oE '[0-9a-f]{64}|key_[0-9a-f]{24}' | sort -u; }
if [ "$(ids <<<"$py")" != "$(ids <<<"$cpp")" ]; then
  echo "the C++ example produced other hashes:" >&2
  diff <(ids <<<"$py") <(ids <<<"$cpp") >&2 || true
  exit 1
fi
echo "the C++ example produced the same $(ids <<<"$cpp" | wc -l) hashes and key ids"
