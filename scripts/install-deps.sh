#!/usr/bin/env bash
# Installs what the build needs, idempotently:
#   1. the Debian packages listed in ../shared/SETUP-NOTES.md, when any is missing;
#   2. Debian's BoringSSL source package, unpacked into third_party/boringssl-src (git-ignored),
#      matching the installed android-libboringssl-dev exactly. cmake/BoringSSL.cmake compiles it
#      statically with hidden symbols (the shared Debian library clashes with node's OpenSSL);
#   3. node-addon-api from npm into bindings/node/node_modules (`npm install --ignore-scripts`,
#      versions pinned by bindings/node/package-lock.json), for the Node addon. `--no-node`
#      skips this step (the Node package's own install script passes it).
# Safe to run repeatedly: a second run with everything present does no network access.
set -euo pipefail

with_node=1
for arg in "$@"; do
  case "$arg" in
    --no-node) with_node=0 ;;
    *) echo "install-deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
third_party="$root/third_party"

packages=(build-essential cmake ninja-build pkg-config dpkg-dev
  libabsl-dev android-libboringssl-dev libflatbuffers-dev flatbuffers-compiler
  liblmdb-dev lmdb-utils libgtest-dev libgmock-dev pybind11-dev libbenchmark-dev
  clang libclang-rt-14-dev)

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps: not root and no sudo; install these yourself: ${packages[*]}" >&2
  fi
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} Debian packages present"
fi

# --- BoringSSL source ----------------------------------------------------------------------
version=$(dpkg-query -W -f='${Version}' android-libboringssl-dev)
stamp="$third_party/boringssl-src/.nooterra-version"
# Fetches and unpacks the source package matching the installed android-libboringssl-dev.
fetch_boringssl() {
  echo "install-deps: fetching BoringSSL source package $version"
  work="$third_party/.apt-src"
  rm -rf "$work" "$third_party/boringssl-src"
  mkdir -p "$work/sources.list.d" "$work/lists/partial" "$work/cache/archives/partial" "$work/dl"
  # A private deb-src list: the system's apt configuration stays untouched.
  cat > "$work/sources.list.d/nooterra-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/sources.list.d"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -q
  (cd "$work/dl" && apt-get "${apt_opts[@]}" source --download-only \
    "android-platform-external-boringssl=$version")
  dsc=$(ls "$work"/dl/*.dsc | head -n 1)
  dpkg-source --no-check -x "$dsc" "$third_party/boringssl-src" >/dev/null
  test -f "$third_party/boringssl-src/debian/sources.mk" || {
    echo "install-deps: unpacked BoringSSL has no debian/sources.mk" >&2; exit 1; }
  echo "$version" > "$stamp"
  rm -rf "$work"
  echo "install-deps: BoringSSL source ready in third_party/boringssl-src"
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  echo "install-deps: BoringSSL source $version present"
else
  fetch_boringssl
fi

# --- node-addon-api (npm) ------------------------------------------------------------------
if [ "$with_node" = 1 ] && [ -f "$root/bindings/node/package.json" ]; then
  if [ -f "$root/bindings/node/node_modules/node-addon-api/napi.h" ] &&
     [ -f "$root/bindings/node/node_modules/typescript/package.json" ]; then
    echo "install-deps: node-addon-api present"
  elif ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm not found; the Node addon needs node-addon-api (or configure with -DNOOTERRA_NODE=OFF)" >&2
    exit 1
  else
    echo "install-deps: fetching node-addon-api (and the typings checker) with npm"
    (cd "$root/bindings/node" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
fi
