#!/usr/bin/env bash
# `pip install .` works offline, in a fresh venv, and the installed package passes the unittest
# suite run from outside the source tree. Reuses the CMake build ($1) through NOOTERRA_BUILD_DIR
# so the core is compiled once per `make test`.
# usage: pip_install_test.sh BUILD_DIR REPO_DIR
set -euo pipefail
build=$1
repo=$2
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
NOOTERRA_BUILD_DIR="$build" "$work/venv/bin/pip" install --no-index --quiet "$repo"
cd "$work"
"$work/venv/bin/python" -c 'import nooterra, sys; assert "site-packages" in nooterra.__file__, nooterra.__file__; print("installed", nooterra.__version__, nooterra.__file__)'
"$work/venv/bin/python" -m unittest discover -s "$repo/bindings/python/tests" -t "$repo/bindings/python/tests"
