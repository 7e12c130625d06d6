"""In-tree PEP 517 build backend of the nooterra Python package (standard library only).

PyPI is not reachable where this project builds, so setuptools/wheel cannot be fetched; this
backend builds the extension with the project's own CMake and writes the wheel with zipfile.

* `build_wheel`: reuses an existing build when NOOTERRA_BUILD_DIR names one that has built
  `python/nooterra/_nooterra*.so` (CI builds the core once); otherwise configures and builds the
  `nooterra_python` target in `<repo>/build-python`.
* `build_editable`: builds the extension into the source package (bindings/python/nooterra) and
  installs a .pth file pointing at bindings/python, so edits to the .py files take effect.
* `build_sdist`: a source archive that builds anywhere: the core sources (CMake project, cmake/,
  include/, src/, capi/, the dependency installer) and this package, laid out as in the
  repository so that this same backend builds the wheel from it. Byte-reproducible (sorted
  members, fixed owner and timestamps).
"""

from __future__ import annotations

import base64
import glob
import gzip
import hashlib
import os
import shutil
import subprocess
import io
import sys
import sysconfig
import tarfile
import zipfile

NAME = "nooterra"
HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)                       # bindings/python
REPO = os.path.dirname(os.path.dirname(PACKAGE_ROOT))      # the repository
SOURCE_PACKAGE = os.path.join(PACKAGE_ROOT, NAME)


def _version() -> str:
    with open(os.path.join(REPO, "include", "nooterra", "version.h"), encoding="utf-8") as f:
        parts = {}
        for line in f:
            for key in ("MAJOR", "MINOR", "PATCH"):
                token = f"#define NOOTERRA_VERSION_{key} "
                if line.startswith(token):
                    parts[key] = line[len(token):].strip()
    return f"{parts.get('MAJOR', '0')}.{parts.get('MINOR', '0')}.{parts.get('PATCH', '0')}"


def _tag() -> str:
    impl = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}-{impl}-{platform}"


def _run(cmd, **kw) -> None:
    print("nooterra build:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def _build_extension() -> str:
    """Returns the directory holding the built package (nooterra/ with _nooterra*.so)."""
    reuse = os.environ.get("NOOTERRA_BUILD_DIR")
    if reuse:
        built = os.path.join(os.path.abspath(reuse), "python")
        if glob.glob(os.path.join(built, NAME, "_nooterra*.so")):
            return built
        print(f"nooterra build: NOOTERRA_BUILD_DIR={reuse} has no built extension; building", file=sys.stderr)
    if not os.path.isdir(os.path.join(REPO, "third_party")):
        _run(["bash", os.path.join(REPO, "scripts", "install-deps.sh"), "--no-node"])
    build = os.path.join(REPO, "build-python")
    _run(["cmake", "-S", REPO, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
          "-DNOOTERRA_TESTS=OFF", "-DNOOTERRA_BENCH=OFF", "-DNOOTERRA_EXAMPLES=OFF", "-DNOOTERRA_NODE=OFF",
          f"-DPython_EXECUTABLE={sys.executable}"])
    _run(["cmake", "--build", build, "--target", "nooterra_python", "-j", str(os.cpu_count() or 2)])
    return os.path.join(build, "python")


def _metadata() -> str:
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {_version()}\n"
            "Summary: Deterministic receipts, protocol objects, bundle verification and the settlement "
            "kernel of the Nooterra protocol\nRequires-Python: >=3.9\n")


def _wheel_file() -> str:
    return f"Wheel-Version: 1.0\nGenerator: nooterra_build\nRoot-Is-Purelib: false\nTag: {_tag()}\n"


def _write_wheel(wheel_directory: str, files: dict) -> str:
    """files: archive name -> bytes. Adds dist-info and RECORD."""
    dist_info = f"{NAME}-{_version()}.dist-info"
    files = dict(files)
    files[f"{dist_info}/METADATA"] = _metadata().encode()
    files[f"{dist_info}/WHEEL"] = _wheel_file().encode()
    record_lines = []
    for name, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record_lines.append(f"{name},sha256={digest},{len(data)}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    wheel_name = f"{NAME}-{_version()}-{_tag()}.whl"
    path = os.path.join(wheel_directory, wheel_name)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            z.writestr(name, data)
    return wheel_name


def _package_files(directory: str) -> dict:
    files = {}
    for path in sorted(glob.glob(os.path.join(directory, NAME, "*"))):
        base = os.path.basename(path)
        if base.endswith((".py", ".pyi", ".so")) or base == "py.typed":
            with open(path, "rb") as f:
                files[f"{NAME}/{base}"] = f.read()
    # The .py sources always come from the source tree (the build copy may be older).
    for path in glob.glob(os.path.join(SOURCE_PACKAGE, "*")):
        base = os.path.basename(path)
        if base.endswith((".py", ".pyi")) or base == "py.typed":
            with open(path, "rb") as f:
                files[f"{NAME}/{base}"] = f.read()
    return files


# --- PEP 517 hooks ---------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info = f"{NAME}-{_version()}.dist-info"
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    with open(os.path.join(metadata_directory, dist_info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(metadata_directory, dist_info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return dist_info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, _package_files(_build_extension()))


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    built = _build_extension()
    for so in glob.glob(os.path.join(built, NAME, "_nooterra*.so")):
        shutil.copy2(so, SOURCE_PACKAGE)  # git-ignored; lets the source tree import
    return _write_wheel(wheel_directory, {f"__editable__.{NAME}.pth": (PACKAGE_ROOT + "\n").encode()})


# What a source archive carries: everything the nooterra_python target is built from.
SDIST_ENTRIES = ("CMakeLists.txt", "cmake", "include", "src", "capi", "scripts/install-deps.sh",
                 "pyproject.toml", "README.md", "bindings/python/CMakeLists.txt", "bindings/python/README.md",
                 "bindings/python/pyproject.toml", "bindings/python/build_backend", "bindings/python/src",
                 "bindings/python/nooterra")
# Never packed: build products and caches that may sit in a working tree.
SDIST_SKIP_SUFFIXES = (".so", ".pyc", ".o", ".a")
SDIST_SKIP_DIRS = ("__pycache__",)
SDIST_MTIME = 315532800  # 1980-01-01, as in wheels: the archive does not depend on checkout times


def _tracked_files():
    """The files git knows under SDIST_ENTRIES (tracked, or new and not ignored), or None outside a
    git checkout (then the tree is walked): an archive made from a checkout never carries ignored
    files such as build products."""
    try:
        listed = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                                 "--", *SDIST_ENTRIES], check=True,
                                capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = [n for n in listed.decode().split("\0") if n]
    return sorted((n, os.path.join(REPO, n)) for n in names if os.path.isfile(os.path.join(REPO, n))) or None


def _sdist_members():
    """Sorted (archive-relative path, absolute path) of the files to pack."""
    tracked = _tracked_files()
    if tracked is not None:
        return tracked
    out = []
    for entry in SDIST_ENTRIES:
        path = os.path.join(REPO, entry)
        if os.path.isfile(path):
            out.append((entry, path))
            continue
        if not os.path.isdir(path):
            raise FileNotFoundError(f"nooterra sdist: {path} is missing; build the sdist from a checkout")
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SDIST_SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith(SDIST_SKIP_SUFFIXES):
                    continue
                full = os.path.join(dirpath, name)
                out.append((os.path.relpath(full, REPO), full))
    return sorted(out)


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{_version()}"
    name = f"{base}.tar.gz"

    def add(tar, arcname, data, mode=0o644):
        info = tarfile.TarInfo(f"{base}/{arcname}")
        info.size = len(data)
        info.mtime = SDIST_MTIME
        info.mode = mode
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(data))

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "PKG-INFO", _metadata().encode())
        for arcname, path in _sdist_members():
            with open(path, "rb") as f:
                data = f.read()
            add(tar, arcname, data, 0o755 if os.access(path, os.X_OK) else 0o644)
    # gzip with a fixed header timestamp so equal inputs give equal bytes.
    with open(os.path.join(sdist_directory, name), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
            gz.write(raw.getvalue())
    return name


def get_requires_for_build_sdist(config_settings=None):
    return []
