#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer project with
# find_package(nooterra) (C via the shared library, C++ via the static one) and with pkg-config.
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
ls "$tmp"/prefix/lib*/libnooterra.so.0 > /dev/null
cmake -S "$src" -B "$tmp/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" > /dev/null
cmake --build "$tmp/consumer" > /dev/null
expected=$(printf '{"a":2,"b":1}' | sha256sum | cut -d' ' -f1)
c_out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/consumer/consumer_c")
cpp_out=$("$tmp/consumer/consumer_cpp")
[ "$c_out" = "$expected" ] || { echo "C consumer printed $c_out, expected $expected"; exit 1; }
[ "$cpp_out" = "$expected" ] || { echo "C++ consumer printed $cpp_out"; exit 1; }
# pkg-config: compile and link the C consumer by hand.
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc "$src/consumer.c" $(pkg-config --cflags --libs nooterra) -o "$tmp/consumer_pc"
pc_out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/consumer_pc")
[ "$pc_out" = "$expected" ] || { echo "pkg-config consumer printed $pc_out"; exit 1; }
echo "install_consumer: find_package (C, C++) and pkg-config consumers agree: $expected"
