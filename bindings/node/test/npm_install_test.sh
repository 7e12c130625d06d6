#!/usr/bin/env bash
# The Node package as users get it, offline apart from the npm cache:
#   1. `npm install` then `npm test` in a copy of bindings/node;
#   2. `npm pack` there: the tarball must carry the core sources (core/) and the typings;
#   3. a fresh project installs the tarball (its install script runs) and uses the package.
# Every step reuses the CMake build ($1) through NOOTERRA_BUILD_DIR, so the core is compiled once
# per `make test`; building from the carried sources is the same CMake project (scripts/install.js).
# usage: npm_install_test.sh BUILD_DIR REPO_DIR
set -euo pipefail
build=$1
repo=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NOOTERRA_BUILD_DIR="$build" NOOTERRA_SOURCE_DIR="$repo"
npm_flags=(--prefer-offline --no-audit --no-fund --loglevel=error)

echo "--- 1. npm install && npm test in a copy of bindings/node"
mkdir "$work/node"
(cd "$repo/bindings/node" && tar --exclude=./node_modules --exclude=./build --exclude=./core -cf - .) |
  (cd "$work/node" && tar -xf -)
(cd "$work/node" && npm install "${npm_flags[@]}" && npm test)

echo "--- 2. npm pack"
(cd "$work/node" && npm pack --pack-destination "$work" "${npm_flags[@]}" >/dev/null)
tarball=$(ls "$work"/nooterra-*.tgz)
listing=$(tar -tzf "$tarball")
for required in package/package.json package/lib/index.js package/lib/index.d.ts package/scripts/install.js \
    package/core/CMakeLists.txt package/core/include/nooterra/c.h package/core/capi/store.cc \
    package/core/scripts/install-deps.sh package/core/bindings/node/src/addon.cc; do
  grep -qx "$required" <<<"$listing" || { echo "npm pack: $required missing from $tarball" >&2; exit 1; }
done
if grep -qE '^package/(test|node_modules|build)/' <<<"$listing"; then
  echo "npm pack: tests, node_modules or build outputs leaked into $tarball" >&2; exit 1
fi
[ ! -e "$work/node/core" ] || { echo "npm pack: postpack left core/ behind" >&2; exit 1; }
echo "tarball ok: $(wc -l <<<"$listing") files"

echo "--- 3. a fresh project installs the tarball"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install "$tarball" "${npm_flags[@]}"
test -f node_modules/nooterra/build/nooterra.node || { echo "the package's install script did not run" >&2; exit 1; }
node -e '
  const n = require("nooterra");
  const where = require.resolve("nooterra");
  if (!where.includes("/app/node_modules/nooterra/")) throw new Error("loaded from " + where);
  const out = n.canonicalize("{\"b\":[1,2],\"a\":\"x\"}");
  if (out !== "{\"a\":\"x\",\"b\":[1,2]}") throw new Error(out);
  console.log("installed", n.VERSION, where);'

echo "--- 4. the README's quickstart: a project installs the package directory itself"
mkdir "$work/dir-source" "$work/app2"
(cd "$repo/bindings/node" && tar --exclude=./node_modules --exclude=./build --exclude=./core -cf - .) |
  (cd "$work/dir-source" && tar -xf -)
cd "$work/app2"
npm init -y >/dev/null
npm install "$work/dir-source" "${npm_flags[@]}"
node -e '
  const n = require("nooterra");
  const out = n.canonicalize("{\"b\":[1,2],\"a\":\"x\"}");
  if (out !== "{\"a\":\"x\",\"b\":[1,2]}") throw new Error(out);
  console.log("installed from a directory", n.VERSION, require.resolve("nooterra"));'
