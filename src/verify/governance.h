// Governance building blocks shared by the five bundle verifiers
// (../shared/protocol/verify/04-shared-building-blocks.md §6-§12): key files, trust anchors,
// the governance policy and revocation list, signer authorization, timestamp proofs and key
// validity windows.
#ifndef NOOTERRA_SRC_VERIFY_GOVERNANCE_H_
#define NOOTERRA_SRC_VERIFY_GOVERNANCE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "verify/internal.h"

namespace nooterra::verify::internal {

// A bundle (or an embedded bundle) inside the directory being verified.
struct Scope {
  const BundleDir* dir = nullptr;
  const Options* options = nullptr;
  std::string prefix;  // "" or "month/", "payload/job_proof_bundle/", ...
  std::string Path(std::string_view rel) const { return prefix + std::string(rel); }
  Scope Sub(std::string_view rel) const { return Scope{dir, options, Path(rel) + "/"}; }
};

// Guarded read: false when the file is missing, unreadable, too large or not JSON.
bool ReadJson(const Scope& b, std::string_view rel, JsonFile* out);
// Unguarded read (the reference crashes here): a Fail with a BUNDLE_* code instead.
Fail ReadJsonRequired(const Scope& b, std::string_view rel, JsonFile* out);
// JSON Lines: split on '\n', trim, skip blank lines, parse each. Guarded: false on any problem.
bool ReadJsonl(const Scope& b, std::string_view rel, std::vector<json::Document>* out);
Fail ReadJsonlRequired(const Scope& b, std::string_view rel, std::vector<json::Document>* out);

// ---- key files (§6) ----
// [J][M] keys/public_keys.json: legacy map or PublicKeys.v1 with normalized metadata.
bool ParseProofKeyFile(json::Value root, KeyFile* out);
// [F][I][C] embedded key files: PublicKeys.v1 only, raw row metadata.
bool ParseEmbeddedKeyFile(json::Value root, KeyFile* out);
// §6.1 server-key timeline from governance events. `nested` selects the [I][C] variant.
void ApplyKeyTimeline(const std::vector<const std::vector<json::Document>*>& streams, bool nested,
                      KeyFile* keys);

// ---- governance policy (§7) and strict chain (§8) ----
struct PolicyRule {
  std::string subject_type;
  std::vector<std::string> allowed_scopes;
  std::optional<std::vector<std::string>> allowed_key_ids;  // nullopt = v1 null (any key)
  bool require_governed = false;
  std::string required_purpose;
};

struct Policy {
  int version = 0;  // 1 or 2
  std::vector<PolicyRule> report_signers;
  std::vector<PolicyRule> attestation_signers;
  std::string revocation_path, revocation_sha256;
  std::optional<std::string> signer_key_id, signed_at;
  std::string signature, policy_hash;  // trimmed, "" when absent
  std::string normalized_hash;         // hash of the normalized record without hash/signature
};

struct TimelineRow {
  std::optional<std::string> valid_from, rotated_at, revoked_at;
};

struct Governance {
  std::optional<Policy> policy;
  std::map<std::string, TimelineRow, std::less<>> revocations;  // from the revocation list
  KeyMap time_authorities;
};

enum class ListCheck { kListHash, kClosePack };

// §7 + §8 for the bundle at `b`. Appends non-strict warnings.
Fail LoadGovernance(const Scope& b, ListCheck list_check, std::vector<Warning>* warnings,
                    Governance* out);

// ---- authorization, time (§9-§12) ----
enum class DocumentKind { kVerificationReport, kBundleHeadAttestation };
std::optional<std::string> Authorize(const Governance& g, DocumentKind kind,
                                     std::string_view subject_type, std::string_view key_id,
                                     std::string_view scope, const KeyMeta* meta);

// §10: true when `proof` is a trustworthy timestamp proof over `doc` minus `core_omit` and
// `timestampProof`; then *timestamp is the proof's time.
bool TrustworthyTimestamp(json::Value doc, std::initializer_list<std::string_view> core_omit,
                          const KeyMap& time_authorities, std::string* timestamp);

enum class Validity { kWindow, kFull, kClosePack };
// §12: nullopt when usable, else KEY_NOT_YET_VALID / KEY_EXPIRED / KEY_REVOKED / KEY_ROTATED
// (or NOT_YET_VALID / EXPIRED for kClosePack).
std::optional<std::string> CheckKeyValidity(const KeyMeta* meta, std::string_view at, Validity v);
// §12 prospective revocation-list check: SIGNER_NOT_YET_VALID (when `check_not_yet_valid`),
// SIGNER_REVOKED, SIGNER_ROTATED, SIGNING_TIME_UNPROVABLE.
std::optional<std::string> ProspectiveCheck(const Governance& g, std::string_view key_id,
                                            std::string_view at, bool trustworthy,
                                            bool check_not_yet_valid);

// The 15 warning codes a VerificationReport.v1 may carry.
bool IsClosedSetWarning(std::string_view code);

}  // namespace nooterra::verify::internal

#endif  // NOOTERRA_SRC_VERIFY_GOVERNANCE_H_
