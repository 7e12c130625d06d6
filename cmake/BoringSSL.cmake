# Compiles Debian's BoringSSL source package (fetched by scripts/install-deps.sh into
# third_party/boringssl-src) into an OBJECT library that libnooterra absorbs.
#
# Why not link Debian's libcrypto.so.0: its symbols are unversioned and collide with the
# OpenSSL 3 that node and Python load first (SHA256, EVP_*, HMAC_*), so calls bind to the wrong
# library and crash. A static, PIC, hidden-visibility copy can collide with nothing.
#
# Provides: target `nooterra_boringssl` (OBJECT) and variable NOOTERRA_BORINGSSL_INCLUDE_DIR.

set(NOOTERRA_BORINGSSL_DIR "${PROJECT_SOURCE_DIR}/third_party/boringssl-src"
    CACHE PATH "Unpacked Debian android-platform-external-boringssl source")
set(_bssl_mk "${NOOTERRA_BORINGSSL_DIR}/debian/sources.mk")
if(NOT EXISTS "${_bssl_mk}")
  message(FATAL_ERROR
    "BoringSSL source not found at ${NOOTERRA_BORINGSSL_DIR}.\n"
    "Run scripts/install-deps.sh (make demo / make test do it for you).")
endif()

# Reads one `name := \` list from the Makefile fragment into a CMake list of absolute paths.
# The backslash continuations are removed before splitting into lines: a trailing backslash
# would otherwise escape CMake's list separator.
function(_nooterra_bssl_list var name)
  file(READ "${_bssl_mk}" _text)
  string(REPLACE "\\" "" _text "${_text}")
  string(REPLACE ";" "" _text "${_text}")
  string(REPLACE "\n" ";" _lines "${_text}")
  set(_in FALSE)
  set(_out "")
  foreach(_line IN LISTS _lines)
    string(STRIP "${_line}" _entry)
    if(_entry MATCHES "^${name} :=")
      set(_in TRUE)
    elseif(_in)
      if(_entry STREQUAL "" OR _entry MATCHES ":=")
        break()
      endif()
      list(APPEND _out "${NOOTERRA_BORINGSSL_DIR}/${_entry}")
    endif()
  endforeach()
  set(${var} "${_out}" PARENT_SCOPE)
endfunction()

_nooterra_bssl_list(_bssl_crypto crypto_sources)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  _nooterra_bssl_list(_bssl_asm linux_x86_64_sources)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  _nooterra_bssl_list(_bssl_asm linux_aarch64_sources)
else()
  set(_bssl_asm "")
  set(_bssl_no_asm TRUE)
endif()
list(FILTER _bssl_asm EXCLUDE REGEX "/test/")
list(LENGTH _bssl_crypto _n)
if(_n LESS 100)
  message(FATAL_ERROR "BoringSSL: parsed only ${_n} sources from ${_bssl_mk}")
endif()

enable_language(ASM)
add_library(nooterra_boringssl OBJECT ${_bssl_crypto} ${_bssl_asm})
set(NOOTERRA_BORINGSSL_INCLUDE_DIR "${NOOTERRA_BORINGSSL_DIR}/src/include")
target_include_directories(nooterra_boringssl SYSTEM PUBLIC "${NOOTERRA_BORINGSSL_INCLUDE_DIR}")
# No OPENSSL_SMALL: Ed25519 signing is ~1.5x faster with the precomputed tables.
target_compile_definitions(nooterra_boringssl PRIVATE BORINGSSL_IMPLEMENTATION)
if(_bssl_no_asm)
  target_compile_definitions(nooterra_boringssl PUBLIC OPENSSL_NO_ASM)
endif()
set_target_properties(nooterra_boringssl PROPERTIES
  C_VISIBILITY_PRESET hidden
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON
  POSITION_INDEPENDENT_CODE ON)
# Third-party code: its warnings are not ours to fix, and sanitizer/fuzzer instrumentation of it
# only slows the instrumented builds down (see NOOTERRA_SANITIZE in the root CMakeLists).
target_compile_options(nooterra_boringssl PRIVATE -w)
find_package(Threads REQUIRED)
target_link_libraries(nooterra_boringssl PUBLIC Threads::Threads)
