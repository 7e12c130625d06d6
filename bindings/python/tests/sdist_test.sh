#!/usr/bin/env bash
# The source distribution: built by the in-tree backend's build_sdist hook, it carries exactly the
# sources the extension is built from (no build products, no fetched dependencies, no reference
# data), is byte-reproducible, configures as a CMake project on its own, and `pip install`s
# offline into a fresh venv. The install reuses the CMake build ($1) through NOOTERRA_BUILD_DIR
# so the core is compiled once per `make test`; the configure step proves the archive is complete.
# usage: sdist_test.sh BUILD_DIR REPO_DIR
set -euo pipefail
build=$1
repo=$2
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "sdist_test: $*" >&2; exit 1; }

make_sdist() {
  mkdir -p "$1"
  "$python" -c 'import sys; sys.path.insert(0, sys.argv[1]); import nooterra_build as b; print(b.build_sdist(sys.argv[2]))' \
    "$repo/bindings/python/build_backend" "$1"
}
name=$(make_sdist "$work/a")
[ "$(make_sdist "$work/b")" = "$name" ] || fail "the archive name changed between two builds"
cmp -s "$work/a/$name" "$work/b/$name" || fail "two builds of the sdist differ (not reproducible)"
echo "built $name ($(wc -c < "$work/a/$name") bytes), reproducible"

base=${name%.tar.gz}
tar -tzf "$work/a/$name" > "$work/members"
for required in PKG-INFO pyproject.toml CMakeLists.txt cmake/BoringSSL.cmake include/nooterra/c.h capi/libnooterra.map \
                src/objects/objects.fbs scripts/install-deps.sh bindings/python/src/_nooterra.cc \
                bindings/python/nooterra/__init__.py bindings/python/nooterra/py.typed \
                bindings/python/build_backend/nooterra_build.py; do
  grep -qx "$base/$required" "$work/members" || fail "missing $required"
done
if grep -E '\.so$|\.pyc$|/third_party/|/build|node_modules|/reference/|/tests/' "$work/members" | grep -v '/build_backend/'; then
  fail "the archive carries build products, fetched sources or test data (listed above)"
fi
grep -q '^Name: nooterra$' <(tar -xzOf "$work/a/$name" "$base/PKG-INFO") || fail "PKG-INFO has no Name"
echo "members: $(wc -l < "$work/members") files, none of them built or fetched"

# The unpacked archive is a complete CMake project (BoringSSL's source comes from the checkout
# here; on a fresh machine the backend runs scripts/install-deps.sh to fetch it).
tar -xzf "$work/a/$name" -C "$work"
ln -s "$repo/third_party" "$work/$base/third_party"
cmake -S "$work/$base" -B "$work/configure" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOOTERRA_TESTS=OFF \
  -DNOOTERRA_BENCH=OFF -DNOOTERRA_EXAMPLES=OFF -DNOOTERRA_NODE=OFF -DPython_EXECUTABLE="$python" > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; fail "the unpacked sdist does not configure"; }
echo "unpacked sdist configures"

"$python" -m venv "$work/venv"
NOOTERRA_BUILD_DIR="$build" "$work/venv/bin/pip" install --no-index --quiet "$work/a/$name"
cd "$work"
"$work/venv/bin/python" - <<'EOF'
import nooterra
assert "site-packages" in nooterra.__file__, nooterra.__file__
# The installed extension works: members sorted, and the hash agrees with Python's own SHA-256.
text = nooterra.canonicalize('{"b":1,"a":[true,null,"x"]}')
assert text == '{"a":[true,null,"x"],"b":1}', text
import hashlib
assert nooterra.canonical_hash(text) == hashlib.sha256(text.encode()).hexdigest()
print("installed from sdist:", nooterra.__version__)
EOF
echo "sdist: 1 passed, 0 failed"
