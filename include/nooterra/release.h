// Release authenticity: verify a release directory (ReleaseIndex.v1 + detached signatures +
// assets) against a release trust file, as the reference tool `nooterra-release verify` does.
//
// Protocol: ../shared/protocol/verify/11-other-packs.md §5 and 02-cryptography.md. A release
// directory holds
//   release_index_v1.json  ReleaseIndex.v1: {release:{tag,version}, toolchain:{commit,
//                          buildEpochSeconds}, artifacts:[{path,sha256,sizeBytes}]}
//   release_index_v1.sig   ReleaseIndexSignature.v1, or ReleaseIndexSignatures.v1 {signatures:[]}
//   the assets             each listed artifact, at <dir>/<path>
// The message of every signature is SHA-256 over the canonical JSON of the index; Ed25519 signs
// those 32 digest bytes. Only keys from the trust file count (the public key a signature carries
// is ignored). ReleaseTrust.v1 maps keyId → PEM with a quorum of one; ReleaseTrust.v2 adds a
// quorum (`policy.minSignatures`, `policy.requiredKeyIds`), key ids that must equal the
// PEM-derived id, and per-key time windows checked against the index's `buildEpochSeconds`.
//
// Outcomes are values: VerifyReleaseDir never fails, it returns a Report whose `errors` carry
// the reference's codes (kIndexInvalid, ...). Every input has a named limit (Limits).
//
// Threads: all functions are stateless and may run concurrently; a Report is a plain value.
// Deterministic: no clock, no locale, no environment. The file system is read only below the
// directory and the trust file given.
#ifndef NOOTERRA_RELEASE_H_
#define NOOTERRA_RELEASE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace nooterra::release {

// Error codes of VerifyReleaseOutput.v1 (stable strings).
inline constexpr std::string_view kIndexInvalid = "RELEASE_INDEX_INVALID";
inline constexpr std::string_view kSignatureInvalid = "RELEASE_SIGNATURE_INVALID";
inline constexpr std::string_view kSignatureUnsupportedAlgorithm =
    "RELEASE_SIGNATURE_UNSUPPORTED_ALGORITHM";
inline constexpr std::string_view kSignatureQuorumNotSatisfied =
    "RELEASE_SIGNATURE_QUORUM_NOT_SATISFIED";
inline constexpr std::string_view kSignerUnauthorized = "RELEASE_SIGNER_UNAUTHORIZED";
inline constexpr std::string_view kSignerRevoked = "RELEASE_SIGNER_REVOKED";
inline constexpr std::string_view kTrustMissing = "RELEASE_TRUST_MISSING";
inline constexpr std::string_view kTrustInvalid = "RELEASE_TRUST_INVALID";
inline constexpr std::string_view kArtifactsDuplicatePath = "RELEASE_ARTIFACTS_DUPLICATE_PATH";
inline constexpr std::string_view kAssetEntryInvalid = "RELEASE_ASSET_ENTRY_INVALID";
inline constexpr std::string_view kAssetMissing = "RELEASE_ASSET_MISSING";
inline constexpr std::string_view kAssetSizeMismatch = "RELEASE_ASSET_SIZE_MISMATCH";
inline constexpr std::string_view kAssetHashMismatch = "RELEASE_ASSET_HASH_MISMATCH";
// Not in the reference, which has no size limit: an asset above Limits::artifact_bytes_max.
inline constexpr std::string_view kAssetTooLarge = "RELEASE_ASSET_TOO_LARGE";
// `--check-installed`: the installed nooterra-verify reports another version or commit.
inline constexpr std::string_view kInstalledMismatch = "RELEASE_INSTALLED_MISMATCH";
// Not in the reference, which crashes instead: the installed tool could not be queried.
inline constexpr std::string_view kInstalledCheckFailed = "RELEASE_INSTALLED_CHECK_FAILED";

inline constexpr std::string_view kIndexFileName = "release_index_v1.json";
inline constexpr std::string_view kSignatureFileName = "release_index_v1.sig";

// Named limits on untrusted input. Exceeding one is reported with the code of the input
// concerned (index: kIndexInvalid, signature file: kSignatureInvalid, trust: kTrustInvalid,
// one asset: kAssetTooLarge or kAssetEntryInvalid).
struct Limits {
  uint64_t index_bytes_max = 5'000'000;           // the reference downloader's cap
  uint64_t signature_file_bytes_max = 5'000'000;  // idem
  uint64_t trust_file_bytes_max = uint64_t{1} << 20;
  uint32_t artifacts_max = 10'000;
  uint32_t signatures_max = 256;
  uint32_t trust_keys_max = 1'024;
  uint32_t required_key_ids_max = 256;
  uint32_t artifact_path_bytes_max = 512;  // UTF-8 bytes of one artifact path
  uint64_t artifact_bytes_max = uint64_t{4} << 30;
};

// A trusted release key after normalization.
struct TrustKey {
  std::string key_id;
  std::string public_key_pem;  // verbatim from the trust file
  std::optional<int64_t> not_before_epoch_seconds;
  std::optional<int64_t> not_after_epoch_seconds;
  std::optional<int64_t> revoked_at_epoch_seconds;
};

struct Trust {
  int schema_version = 2;       // 1 for ReleaseTrust.v1, 2 for ReleaseTrust.v2
  uint64_t min_signatures = 1;  // v1: always 1
  // Key ids that must all have signed; std::nullopt when the policy names none.
  std::optional<std::vector<std::string>> required_key_ids;
  std::vector<TrustKey> keys;  // sorted by key_id (stable: file order among equal ids)

  // True when a v2 key has any time bound, so that the index must carry buildEpochSeconds.
  bool RequiresSignatureTime() const;
  // The first key with this id, or nullptr.
  const TrustKey* Find(std::string_view key_id) const;
};

// Parses and normalizes a ReleaseTrust.v1 / ReleaseTrust.v2 document (raw file bytes).
// Errors (all with reason RELEASE_TRUST_INVALID and a message naming the member):
// INVALID_ARGUMENT for malformed JSON or shape (unknown schemaVersion, policy.minSignatures not
// an integer >= 1, keys not an array, a v2 keyId that differs from the PEM-derived id, a time
// bound or requiredKeyIds member of the wrong type); RESOURCE_EXHAUSTED when a limit is exceeded.
absl::StatusOr<Trust> ParseTrust(std::string_view json_text, const Limits& limits = {});

// One entry of `errors` / `warnings` in VerifyReleaseOutput.v1.
struct Issue {
  std::string code;
  std::string message;
  std::optional<std::string> path;  // relative to the release directory, or none
  // Canonical JSON of extra detail (only RELEASE_INSTALLED_MISMATCH has one), or none.
  std::optional<std::string> detail_json;
};

struct Report {
  bool ok = false;
  bool signature_ok = false;          // the quorum was met
  bool artifacts_ok = true;           // no asset problem (an index without artifacts is fine)
  std::string tag;                    // index release.tag ("" when absent)
  std::string version;                // index release.version ("" when absent)
  std::optional<std::string> commit;  // index toolchain.commit (none when absent or not a string)
  std::vector<Issue> errors;          // sorted by (path or "", code), UTF-16 code-unit order
  std::vector<Issue> warnings;        // always empty today; part of the output schema
};

struct VerifyOptions {
  std::string dir;                        // the release directory
  std::optional<std::string> trust_file;  // none: RELEASE_TRUST_MISSING
  Limits limits;
};

// Verifies a release directory. Never fails: problems are errors in the Report, `ok` is true
// only when the quorum is met, every asset matches and there is no error at all.
// Files are opened without following symbolic links inside the directory; the directory itself
// and the trust file may be links.
Report VerifyReleaseDir(const VerifyOptions& options);

// `--check-installed`: compares the report's release with the `tool` member of an installed
// tool's `--about --format json` output (VerifyAboutOutput.v1). Only meaningful on a report
// that is ok; adds kInstalledMismatch (with expected/actual detail) and clears `ok` when the
// version or commit differ, or kInstalledCheckFailed when `about_json` is not usable.
void ApplyInstalledCheck(std::string_view about_json, Report* report);
// Records that the installed tool could not be run (kInstalledCheckFailed) and clears `ok`.
void AddInstalledCheckFailure(std::string_view why, Report* report);

// VerifyReleaseOutput.v1 as canonical JSON plus "\n" (the `--format json` output).
std::string ReportToJson(const Report& report);
// The `--format human` output: key=value lines.
std::string ReportToText(const Report& report);
// Process exit code of `nooterra-release verify`: 0 ok; 3 trust missing/invalid; 4 any
// RELEASE_SIGNATURE*/RELEASE_SIGNER* code; 5 any RELEASE_ASSET*/RELEASE_ARTIFACTS* code;
// 6 RELEASE_INSTALLED_MISMATCH; 1 otherwise. (2, usage, is the CLI's.)
int ExitCode(const Report& report);

}  // namespace nooterra::release

#endif  // NOOTERRA_RELEASE_H_
