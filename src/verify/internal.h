// Private building blocks of the bundle verifier (src/verify/). Not installed.
//
// Failure model: a check returns `Fail` — nullptr when it passed, else a chain of records from
// the outer context to the innermost cause. The CLI promotes the innermost `error` to the code
// (../shared/protocol/verify/03-cli-and-runner.md §4.1), which is why conformance codes read like
// "invoiceClaim totalCents mismatch".
#ifndef NOOTERRA_SRC_VERIFY_INTERNAL_H_
#define NOOTERRA_SRC_VERIFY_INTERNAL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/js.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/verify.h"

namespace nooterra::verify::internal {

// ---------------------------------------------------------------------------------------------
// Failures and warnings

struct Failure {
  std::string error;
  std::string path;  // "" = none; the CLI's errors[].path
  // Our own explanation for codes the reference does not have (it crashed there); "" = none.
  std::string message;
  // Extra members of the record, as (name, JSON text) pairs, in insertion order.
  std::vector<std::pair<std::string, std::string>> fields;
  std::unique_ptr<Failure> cause;  // the record's `detail`
  // When non-empty, the whole record as JSON text (a detail object without an `error` member,
  // e.g. the provenance check's {ok, checked, errors}); the members above are then unused.
  std::string raw_json;
};
using Fail = std::unique_ptr<Failure>;

Fail F(std::string error);
Fail FPath(std::string error, std::string path);
// `outer` whose detail is `inner` (inner must be non-null).
Fail Wrap(std::string outer, Fail inner);
// Adds a string-valued / raw-JSON-valued member to a failure; returns it for chaining.
Fail With(Fail f, std::string name, std::string_view string_value);
Fail WithJson(Fail f, std::string name, std::string json_text);
// A detail record given as JSON text (see Failure::raw_json); used as Wrap's `inner`.
Fail RawRecord(std::string json_text);
// A failure of our own (code + human message), for inputs the reference crashes on.
Fail FMessage(std::string code, std::string path, std::string message);

struct Warning {
  std::string code;
  std::string path;         // "" = null
  std::string detail_json;  // "" = null
};

// ---------------------------------------------------------------------------------------------
// Strings, JSON access, time

// ECMAScript string and date semantics (src/common/js.h), shared with the object builders.
using js::CompareUtf16;
using js::DecodeUtf8;
using js::IsBlank;
using js::IsHex64;
using js::LocaleCompare;
using js::LowerJs;
using js::LowerTrim;
using js::ParseTimeMs;
using js::TrimJs;
// Member `key` when it is a string, else nullopt.
std::optional<std::string_view> Str(json::Value v, std::string_view key);
// Member `key` when it is a string that is non-empty after trimming (untrimmed text returned).
std::optional<std::string_view> NonBlank(json::Value v, std::string_view key);
// ECMAScript String(v) of a JSON value ("" for absent, "null", "[object Object]", arrays joined
// with ",").
std::string JsString(json::Value v);
// JSON text of a string literal.
std::string Quote(std::string_view s);
// Canonical JSON of a value ("null" for absent); empty string only if canonicalization fails
// (-0 / non-finite, which the parser already refuses).
std::string CanonicalOf(json::Value v);
// SHA-256 hex of the canonical form of `v` without `omit` members.
std::string HashHex(json::Value v, std::initializer_list<std::string_view> omit = {});

// Arbitrary-precision non-negative decimal integers for the invoice math.
// Named limit: longer digit strings fail with INVOICE_AMOUNT_TOO_LONG (keeps the math O(n^2) small).
constexpr size_t kDecimalDigitsMax = 4096;
bool IsDigitString(std::string_view s);
std::string DecimalNormalize(std::string_view digits);             // strip leading zeros
std::string DecimalAdd(std::string_view a, std::string_view b);    // normalized inputs
std::string DecimalMul(std::string_view a, std::string_view b);    // normalized inputs

// ---------------------------------------------------------------------------------------------
// Bundle files

enum class FileState { kOk, kMissing, kSymlink, kNotRegular, kTooLarge, kIoError };

// A bundle directory opened once; every read is relative to it and walks the path one component
// at a time with O_NOFOLLOW, so nothing outside the directory can be reached.
class BundleDir {
 public:
  BundleDir() = default;
  ~BundleDir();
  BundleDir(const BundleDir&) = delete;
  BundleDir& operator=(const BundleDir&) = delete;

  // Opens `path` (following symlinks in the path itself: it is the caller's choice).
  bool Open(const std::string& path, std::string* error);
  int fd() const { return fd_; }

  // Reads a whole file of at most `max_bytes`. Files hashed earlier are served from memory, so
  // the bytes that are parsed are exactly the bytes whose hash the manifest pinned (no window for
  // a swap between the hash check and the read).
  FileState Read(std::string_view rel, uint64_t max_bytes, std::string* out) const;
  // Streams the file through SHA-256 (64 KiB buffer); files up to kCacheFileBytes are kept for
  // Read(). Thread-safe.
  FileState Hash(std::string_view rel, uint64_t max_bytes, crypto::Digest* out) const;
  static constexpr uint64_t kCacheFileBytes = 1 << 20;
  // Regular files directly inside directory `rel` whose name ends with `suffix`, sorted.
  std::vector<std::string> ListFiles(std::string_view rel, std::string_view suffix) const;

 private:
  int OpenFile(std::string_view rel, FileState* state, uint64_t* size) const;
  int fd_ = -1;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::string, std::string, std::less<>> cache_;
};

// ---------------------------------------------------------------------------------------------
// Keys, trust, shared verifier state

// keyId -> PEM, with a cache of parsed public keys (a PEM that does not parse never verifies).
class KeyMap {
 public:
  void Add(std::string key_id, std::string pem) { pems_[std::move(key_id)] = std::move(pem); }
  bool Has(std::string_view key_id) const { return pems_.find(std::string(key_id)) != pems_.end(); }
  bool empty() const { return pems_.empty(); }
  size_t size() const { return pems_.size(); }
  // Ed25519 over the 32 digest bytes of `hash_hex`, signature in lenient base64.
  bool Verify(std::string_view key_id, std::string_view hash_hex, std::string_view signature_b64) const;

 private:
  std::map<std::string, std::string, std::less<>> pems_;
  mutable std::map<std::string, std::optional<crypto::PublicKey>, std::less<>> parsed_;
};

// Key metadata from a key file, overlaid with governance-event timelines.
struct KeyMeta {
  std::optional<std::string> purpose, status, valid_from, valid_to, created_at, rotated_at,
      revoked_at;
  bool server_governed = false;
};

struct KeyFile {
  KeyMap keys;
  std::map<std::string, KeyMeta, std::less<>> meta;
};

// A parsed trust anchor map. `error` set when the JSON was malformed.
struct TrustMap {
  bool provided = false;  // the raw text is non-blank
  KeyMap keys;
  std::vector<std::string> ids;  // for the id-list variable
  std::string error;
};
TrustMap ParseTrustMap(std::string_view raw);
TrustMap ParseTrustIdList(std::string_view raw);

struct JsonFile {
  json::Document doc;
  json::Value root() const { return doc.root(); }
};

// Everything a verification run shares across nested bundles.
struct Context {
  const Options* options = nullptr;
  const BundleDir* dir = nullptr;
};

}  // namespace nooterra::verify::internal

#endif  // NOOTERRA_SRC_VERIFY_INTERNAL_H_
