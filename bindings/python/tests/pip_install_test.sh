#!/usr/bin/env bash
# `pip install .` works offline, in a fresh venv, and the installed package passes the unittest
# suite run from outside the source tree; then, in the same venv, `pip install ./bindings/python`
# (the package directory alone) and `pip install -e .` (editable: imports the source tree). Reuses the CMake build ($1) through NOOTERRA_BUILD_DIR
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

smoke='import nooterra; assert nooterra.canonicalize("{\"b\":1,\"a\":[true]}") == "{\"a\":[true],\"b\":1}"; print(nooterra.__file__)'

echo "--- pip install ./bindings/python"
"$work/venv/bin/pip" uninstall --yes --quiet nooterra
NOOTERRA_BUILD_DIR="$build" "$work/venv/bin/pip" install --no-index --quiet "$repo/bindings/python"
where=$("$work/venv/bin/python" -c "$smoke")
case "$where" in *site-packages*) echo "installed from bindings/python: $where" ;;
  *) echo "pip install ./bindings/python: imported from $where" >&2; exit 1 ;; esac

echo "--- pip install -e ."
"$work/venv/bin/pip" uninstall --yes --quiet nooterra
NOOTERRA_BUILD_DIR="$build" "$work/venv/bin/pip" install --no-index --quiet -e "$repo"
where=$("$work/venv/bin/python" -c "$smoke")
case "$where" in "$repo"/bindings/python/nooterra/*) echo "editable: $where" ;;
  *) echo "pip install -e .: imported from $where, not the source tree" >&2; exit 1 ;; esac
"$work/venv/bin/pip" uninstall --yes --quiet nooterra
