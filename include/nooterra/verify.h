// Offline verification of proof bundles (the protocol's `nooterra-verify`).
//
// A bundle is a directory: a manifest that pins every file by SHA-256, signed governance
// (policy, revocation list, key timelines), signed event streams, a signed head attestation
// and a signed verification report. VerifyBundle() decides, without trusting anyone but the
// supplied trust anchors, whether the bundle is authentic and complete, and reports exactly
// the error and warning codes the protocol's reference verifier reports (conformance pack v1;
// rules in ../shared/protocol/verify/, divergences in conformance/README.md).
//
// Safety: every path comes from the manifest and is validated before use; files are opened
// component by component with O_NOFOLLOW, so no symlink is ever followed and nothing outside the
// bundle directory is read. Every input has a named limit (VerifyLimits). Where the reference
// crashes (missing manifest, bad trust JSON, ...) this returns a failed Result with a precise
// code instead.
//
// Determinism: no clock, locale or environment inside; trust anchors come in through Options
// (the CLI reads them from the NOOTERRA_TRUSTED_*_JSON variables). Thread-safe: concurrent
// calls share nothing.
#ifndef NOOTERRA_VERIFY_H_
#define NOOTERRA_VERIFY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace nooterra::verify {

enum class BundleKind : int32_t {
  kJobProof = 1,
  kMonthProof = 2,
  kFinancePack = 3,
  kInvoiceBundle = 4,
  kClosePack = 5,
};

// "job-proof", "month-proof", "finance-pack", "invoice-bundle", "close-pack".
std::string_view KindName(BundleKind kind);
std::optional<BundleKind> KindFromName(std::string_view name);

// Trust anchors, as the raw JSON texts of the reference's environment variables. Empty or
// whitespace-only = not provided. Parsed lazily, exactly where the reference parses them, so an
// unused malformed anchor does not fail a run; a malformed anchor that is needed fails the run
// with code TRUST_ANCHORS_INVALID (the reference crashes there).
struct Trust {
  std::string governance_roots_json;     // NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON {keyId: pem}
  std::string pricing_signers_json;      // NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON {keyId: pem}
  std::string pricing_signer_ids_json;   // NOOTERRA_TRUSTED_PRICING_SIGNER_KEY_IDS_JSON [keyId]
  std::string time_authorities_json;     // NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON {keyId: pem}
};

// Named limits on untrusted bundles. Exceeding one fails the run with a BUNDLE_LIMIT_* code.
struct VerifyLimits {
  uint32_t manifest_files_max = 100000;                // entries in one manifest
  uint64_t file_bytes_max = uint64_t{64} << 30;        // one hashed file (streamed, constant memory)
  uint64_t json_bytes_max = uint64_t{64} << 20;        // one JSON / JSONL file that is parsed
  uint32_t jsonl_lines_max = 1000000;                  // events in one stream
};

struct Options {
  bool strict = false;
  bool fail_on_warnings = false;
  // Threads used to hash manifest files (1..256). Never changes the result.
  uint32_t hash_concurrency = 1;
  Trust trust;
  VerifyLimits limits;
};

// One error or warning of the VerifyCliOutput.v1 document.
struct Finding {
  std::string code;
  std::optional<std::string> path;
  std::optional<std::string> message;
  std::string detail_json;  // a JSON value; empty means null
};

struct Result {
  bool ok = false;               // verification_ok and no errors (FAIL_ON_WARNINGS counts)
  bool verification_ok = false;  // the bundle verified
  std::vector<Finding> errors;   // sorted by (path, code), UTF-16 code-unit order
  std::vector<Finding> warnings; // sorted by (path, code); not deduplicated
  // Summary, all null on failure.
  std::optional<std::string> tenant_id;
  std::optional<std::string> period;
  std::optional<std::string> type;
  std::optional<std::string> manifest_hash;
};

// Verifies the bundle in directory `dir`. Bundle problems are reported inside the Result (never
// as a Status); the Status is an error only for unusable options (INVALID_ARGUMENT,
// reason VERIFY_OPTIONS_INVALID).
absl::StatusOr<Result> VerifyBundle(std::string_view dir, BundleKind kind, const Options& options);

// The absolute, lexically normalized form of a bundle path (no trailing '/'), as the CLI
// output's target.resolved shows it. Reads the current directory for a relative path; no
// symlink is resolved.
std::string ResolveBundlePath(std::string_view input);

// What the CLI output says about the tool and the target.
struct OutputContext {
  std::string tool_version;               // empty = null
  std::string tool_commit;                // empty = null
  std::string input;                      // the directory argument as given
  std::string resolved;                   // its absolute form
};

// The VerifyCliOutput.v1 document: JSON.stringify(obj, null, 2) + "\n", byte-compatible with
// the reference CLI's layout.
std::string RenderCliJson(const Result& result, BundleKind kind, const Options& options,
                          const OutputContext& context);

// A short human summary (the CLI's --format text): verdict, summary, each error and warning.
std::string RenderText(const Result& result, BundleKind kind, const OutputContext& context);

}  // namespace nooterra::verify

#endif  // NOOTERRA_VERIFY_H_
