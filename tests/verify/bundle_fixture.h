// Test helpers for the bundle verifier (include/nooterra/verify.h): copy a reference bundle into
// a fresh temporary directory, edit its JSON files, keep it consistent (file hashes, manifest
// hash, attestation and report signatures) with the test-only fixture keys, and run
// VerifyBundle with the conformance pack's trust anchors.
//
// The expected codes in the tests come from the protocol digest (../shared/protocol/verify/),
// never from running our own verifier. Reference data is read from tests/support/reference.h;
// when it is missing the tests fail with a message saying where they looked.
#ifndef NOOTERRA_TESTS_VERIFY_BUNDLE_FIXTURE_H_
#define NOOTERRA_TESTS_VERIFY_BUNDLE_FIXTURE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/verify.h"

namespace nooterra::verify::testing {

// ---------------------------------------------------------------------------------------------
// A small mutable JSON tree (the library's json::Document is read-only by design).

class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  Json(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  Json(bool b) : kind_(Kind::kBool), bool_(b) {}  // NOLINT
  Json(int n) : kind_(Kind::kNumber), number_(n) {}  // NOLINT
  Json(int64_t n) : kind_(Kind::kNumber), number_(static_cast<double>(n)) {}  // NOLINT
  Json(double n) : kind_(Kind::kNumber), number_(n) {}  // NOLINT
  Json(const char* s) : kind_(Kind::kString), string_(s) {}  // NOLINT
  Json(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}  // NOLINT
  Json(std::string_view s) : kind_(Kind::kString), string_(s) {}  // NOLINT

  static Json Array(std::initializer_list<Json> items = {});
  static Json Object();
  // Parses `text`; ADD_FAILURE and null on error.
  static Json Parse(std::string_view text);
  static Json From(json::Value v);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_string() const { return kind_ == Kind::kString; }
  const std::string& str() const { return string_; }
  double num() const { return number_; }

  // Object member, inserted as null when absent (turns a null into an object).
  Json& operator[](std::string_view key);
  // Array element (must exist).
  Json& operator[](size_t i);
  Json& at(size_t i) { return (*this)[i]; }
  const Json& at(size_t i) const { return const_cast<Json*>(this)->at(i); }
  const Json* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  void Erase(std::string_view key);
  void Push(Json v);
  void EraseAt(size_t i);
  void InsertAt(size_t i, Json v);
  size_t size() const { return kind_ == Kind::kArray ? items_.size() : keys_.size(); }

  // Compact JSON text (members in insertion order).
  std::string Dump() const;

 private:
  void DumpTo(std::string* out) const;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;       // array elements, or object values (parallel to keys_)
  std::vector<std::string> keys_;
};

// SHA-256 hex of the canonical JSON of `j` without the top-level members `omit`.
std::string CanonicalHash(const Json& j, std::initializer_list<std::string_view> omit = {});

// ---------------------------------------------------------------------------------------------
// Fixture keys (../shared/reference/keys/fixture_keypairs.json, test-only).

inline constexpr char kGovRootId[] = "key_4bd1ee0813b265cb6670a1cc";
inline constexpr char kTimeAuthorityId[] = "key_0c6b00150d3433d8d612eef2";
inline constexpr char kServerAId[] = "key_9ed38005b42d9364601ffab3";
inline constexpr char kServerBId[] = "key_c1868dd2389722b00bec86dc";

// The private key of one fixture key id (ADD_FAILURE + nullptr when unknown).
const crypto::PrivateKey* FixtureKey(std::string_view key_id);
std::string FixturePublicPem(std::string_view key_id);
// Base64 Ed25519 signature over the 32 digest bytes of `hash_hex`.
std::string SignHex(std::string_view hash_hex, std::string_view key_id);
// Sets obj[hash_member] = canonical hash of obj minus `omit` (which must include hash_member
// and "signature"), then obj["signature"] = the signature of that hash by `key_id`.
// Returns the hash.
std::string SignObject(Json* obj, std::string_view hash_member, std::initializer_list<std::string_view> omit,
                       std::string_view key_id);
// A PublicKeys.v1 row for a fixture key.
Json KeyRow(std::string_view key_id, const Json& purpose, const Json& valid_from = nullptr);

// ---------------------------------------------------------------------------------------------
// Options and outcomes

// Options with the three trust anchors of conformance/v1/trust.json.
Options TrustOptions(bool strict);
inline Options Strict() { return TrustOptions(true); }
inline Options Lenient() { return TrustOptions(false); }

struct Outcome {
  bool ran = false;  // VerifyBundle returned a Result
  Result result;
  std::vector<std::string> errors, warnings;  // codes, sorted
  // The message / path / detail of the first error ("" when none).
  std::string message() const;
  std::string path() const;
  std::string detail() const;
};

// verification_ok = false, ok = false, error codes exactly `errors`, warnings exactly `warnings`.
::testing::AssertionResult Fails(const Outcome& o, std::vector<std::string> errors,
                                 std::vector<std::string> warnings = {});
// ok = verification_ok = true, no errors, warning codes exactly `warnings`.
::testing::AssertionResult Passes(const Outcome& o, std::vector<std::string> warnings = {});

// ---------------------------------------------------------------------------------------------
// A bundle copied into a fresh temporary directory (removed on destruction).

class Bundle {
 public:
  // `reference_rel` is relative to conformance/v1/bundles/, e.g. "jobproof/strict-pass".
  explicit Bundle(std::string_view reference_rel);
  ~Bundle();
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }        // <tmp>/bundle
  const std::string& parent() const { return parent_; }  // <tmp>: outside the bundle
  std::string Path(std::string_view rel) const { return dir_ + "/" + std::string(rel); }

  std::string Read(std::string_view rel) const;
  void Write(std::string_view rel, std::string_view bytes) const;  // creates directories
  void Remove(std::string_view rel) const;                          // file or directory tree
  bool Exists(std::string_view rel) const;
  Json ReadJson(std::string_view rel) const;
  void WriteJson(std::string_view rel, const Json& j) const;
  std::vector<Json> ReadJsonl(std::string_view rel) const;
  void WriteJsonl(std::string_view rel, const std::vector<Json>& lines) const;
  void Edit(std::string_view rel, const std::function<void(Json&)>& fn) const;

  // ---- keeping an (embedded) bundle consistent; `prefix` is "" or e.g. "payload/job_proof_bundle/".
  // Recomputes sha256 and bytes of every manifest entry that has a string sha256 and names a
  // readable regular file.
  void RehashEntries(std::string_view prefix = "") const;
  // Recomputes manifestHash; returns it.
  std::string SealManifest(std::string_view prefix = "") const;
  // Re-hashes and re-signs the attestation exactly as it is (with its signerKeyId; the hash
  // only when it has no signature). Returns its hash ("" when it is not an object).
  std::string SignAttestation(std::string_view prefix = "") const;
  // Binds the attestation to the current manifestHash and heads (snapshots, last month event,
  // embedded bundles' manifest and attestation hashes), then SignAttestation.
  std::string ResignAttestation(std::string_view prefix = "") const;
  // Re-hashes and re-signs the report as it is (the hash only when it has no signature).
  void SignReport(std::string_view prefix = "") const;
  // Binds the report to the manifest and attestation hash, then SignReport.
  void ResignReport(std::string_view prefix, std::string_view attestation_hash) const;
  // All of the above, in order. Returns the attestation hash.
  std::string Reseal(std::string_view prefix = "") const;

  // Governance: re-sign the policy (govRoot); re-sign the revocation list and bind the policy
  // to its listHash.
  void ResignPolicy(std::string_view prefix = "") const;
  void ResignRevocations(std::string_view prefix = "") const;

  // Appends a chained event (fields of `material`: v, id, at, streamId, type, actor, payload)
  // to `<stream>/events.jsonl` + `<stream>/payload_material.jsonl`, signed by `signer_key_id`
  // unless empty. Returns the new chainHash. `snapshot` (if non-empty) gets the new head.
  std::string AppendEvent(std::string_view stream_dir, const Json& material, std::string_view signer_key_id,
                          std::string_view snapshot = "") const;

  Outcome Verify(BundleKind kind, const Options& options) const;

 private:
  bool ok_ = false;
  std::string parent_, dir_;
};

// One code-by-code case: `mutate` a fresh copy of a reference bundle, then a strict run must fail
// with exactly `code` (and `message`, when given); a lenient run fails the same way or passes.
struct CodeCase {
  const char* code;
  std::function<void(const Bundle&)> mutate;
  bool lenient_fails = true;  // also an error in lenient runs (else: lenient passes)
  const char* message = nullptr;
};
void RunCodeCase(BundleKind kind, const char* rel, const CodeCase& c);

// Mutations: edit a manifest-listed file and re-seal the bundle; edit the (pack) head attestation
// and re-sign it and the report that binds it.
std::function<void(const Bundle&)> EditSealed(const char* rel, std::function<void(Json&)> fn);
std::function<void(const Bundle&)> EditPackAttestation(std::function<void(Json&)> fn);

// An event material line.
Json Material(std::string_view id, std::string_view at, std::string_view stream_id, std::string_view type,
              Json payload);

}  // namespace nooterra::verify::testing

#endif  // NOOTERRA_TESTS_VERIFY_BUNDLE_FIXTURE_H_
