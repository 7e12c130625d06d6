// ReleaseTrust.v1 / ReleaseTrust.v2 parsing and normalization (see include/nooterra/release.h).
#include <algorithm>
#include <cmath>
#include <string>

#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/release.h"
#include "nooterra/status.h"
#include "verify/release_internal.h"

namespace nooterra::release {
namespace {

constexpr char kReason[] = "RELEASE_TRUST_INVALID";

absl::Status Invalid(std::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kReason, message);
}

absl::Status TooMany(std::string_view what, uint64_t max) {
  return MakeError(absl::StatusCode::kResourceExhausted, kReason,
                   StrCat("release trust has more ", what, " than the limit of ", max));
}

// A time bound: absent or null means "no bound". The reference silently ignores a bound of the
// wrong type (a string "1600000000", a negative number), which would turn a revocation into no
// revocation; a bound that is present but unusable rejects the whole trust file instead.
absl::Status TimeBound(json::Value item, const char* name, size_t index,
                       std::optional<int64_t>* out) {
  json::Value v = item.Find(name);
  if (!v.present() || v.is_null()) return absl::OkStatus();
  std::optional<int64_t> n = internal::NonNegativeSafeInteger(v);
  if (!n) {
    return Invalid(
        StrCat("ReleaseTrust.v2.keys[", index, "].", name, " must be a non-negative integer"));
  }
  *out = n;
  return absl::OkStatus();
}

absl::StatusOr<Trust> ParseV1(json::Value root, const Limits& limits) {
  json::Value roots = root.Find("releaseRoots");
  if (!roots.is_object()) return Invalid("ReleaseTrust.v1.releaseRoots missing/invalid");
  if (roots.size() > limits.trust_keys_max) return TooMany("keys", limits.trust_keys_max);
  Trust trust;
  trust.schema_version = 1;
  for (size_t i = 0; i < roots.size(); ++i) {
    std::string_view key_id = roots.key_at(i);
    json::Value pem = roots.value_at(i);
    // As in the reference: blank ids and non-string or blank PEMs are skipped, ids are kept
    // verbatim (v1 has no keyId derivation check).
    if (internal::TrimJs(key_id).empty()) continue;
    if (!pem.is_string() || internal::TrimJs(pem.as_string()).empty()) continue;
    TrustKey k;
    k.key_id = std::string(key_id);
    k.public_key_pem = std::string(pem.as_string());
    trust.keys.push_back(std::move(k));
  }
  return trust;
}

absl::Status ParseV2Policy(json::Value policy, const Limits& limits, Trust* trust) {
  if (!policy.is_object()) return Invalid("ReleaseTrust.v2.policy missing/invalid");
  json::Value min = policy.Find("minSignatures");
  double m = min.as_number();
  if (!min.is_number() || !std::isfinite(m) || std::floor(m) != m || m < 1) {
    return Invalid("ReleaseTrust.v2.policy.minSignatures missing/invalid");
  }
  // Above 2^53 the count can never be reached anyway; clamp to keep the value exact.
  trust->min_signatures = m > internal::kSafeIntegerMax ? uint64_t{internal::kSafeIntegerMax}
                                                        : static_cast<uint64_t>(m);
  json::Value required = policy.Find("requiredKeyIds");
  if (!required.present() || required.is_null()) return absl::OkStatus();
  // The reference ignores a non-array value and drops non-string or blank entries: each of those
  // silently weakens the policy, so they reject the trust file here.
  if (!required.is_array())
    return Invalid("ReleaseTrust.v2.policy.requiredKeyIds must be an array");
  if (required.size() > limits.required_key_ids_max) {
    return TooMany("requiredKeyIds", limits.required_key_ids_max);
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < required.size(); ++i) {
    json::Value id = required.at(i);
    if (!id.is_string() || internal::TrimJs(id.as_string()).empty()) {
      return Invalid(
          StrCat("ReleaseTrust.v2.policy.requiredKeyIds[", i, "] must be a non-blank string"));
    }
    // Kept verbatim, as the reference does: an id with surrounding blanks can never match a
    // (trimmed) signer id, so it makes the quorum fail rather than pass.
    ids.emplace_back(id.as_string());
  }
  trust->required_key_ids = std::move(ids);
  return absl::OkStatus();
}

absl::StatusOr<Trust> ParseV2(json::Value root, const Limits& limits) {
  Trust trust;
  trust.schema_version = 2;
  if (absl::Status s = ParseV2Policy(root.Find("policy"), limits, &trust); !s.ok()) return s;
  json::Value keys = root.Find("keys");
  if (!keys.is_array()) return Invalid("ReleaseTrust.v2.keys missing/invalid");
  if (keys.size() > limits.trust_keys_max) return TooMany("keys", limits.trust_keys_max);
  for (size_t i = 0; i < keys.size(); ++i) {
    json::Value item = keys.at(i);
    if (!item.is_object()) continue;  // skipped as in the reference: it can only remove trust
    json::Value id = item.Find("keyId");
    json::Value pem = item.Find("publicKeyPem");
    std::string_view key_id = id.is_string() ? internal::TrimJs(id.as_string()) : "";
    if (key_id.empty() || !pem.is_string() || internal::TrimJs(pem.as_string()).empty()) continue;
    TrustKey k;
    k.key_id = std::string(key_id);
    k.public_key_pem = std::string(pem.as_string());
    // The declared id must be the one derived from the exact PEM text: an operator cannot
    // label a key with another key's id.
    std::string derived = crypto::KeyIdFromPem(k.public_key_pem);
    if (derived != k.key_id) {
      return Invalid(
          StrCat("ReleaseTrust.v2 keyId mismatch: declared=", k.key_id, " derived=", derived));
    }
    for (auto [name, field] : {std::pair{"notBeforeEpochSeconds", &k.not_before_epoch_seconds},
                               std::pair{"notAfterEpochSeconds", &k.not_after_epoch_seconds},
                               std::pair{"revokedAtEpochSeconds", &k.revoked_at_epoch_seconds}}) {
      if (absl::Status s = TimeBound(item, name, i, field); !s.ok()) return s;
    }
    trust.keys.push_back(std::move(k));
  }
  return trust;
}

}  // namespace

bool Trust::RequiresSignatureTime() const {
  if (schema_version != 2) return false;
  return std::any_of(keys.begin(), keys.end(), [](const TrustKey& k) {
    return k.not_before_epoch_seconds || k.not_after_epoch_seconds || k.revoked_at_epoch_seconds;
  });
}

const TrustKey* Trust::Find(std::string_view key_id) const {
  for (const TrustKey& k : keys) {
    if (k.key_id == key_id) return &k;
  }
  return nullptr;
}

absl::StatusOr<Trust> ParseTrust(std::string_view json_text, const Limits& limits) {
  if (json_text.size() > limits.trust_file_bytes_max) {
    return MakeError(absl::StatusCode::kResourceExhausted, kReason,
                     StrCat("release trust is larger than the limit of ",
                            limits.trust_file_bytes_max, " bytes"));
  }
  json::Limits json_limits;
  json_limits.document_bytes_max = limits.trust_file_bytes_max;
  absl::StatusOr<json::Document> doc = json::Document::Parse(json_text, json_limits);
  if (!doc.ok()) {
    return MakeError(doc.status().code(), kReason,
                     StrCat("release trust is not valid JSON: ", doc.status().message()),
                     StatusOffset(doc.status()));
  }
  json::Value root = doc->root();
  if (!root.is_object()) return Invalid("release trust JSON missing/invalid");
  std::string_view schema = root.Find("schemaVersion").as_string();
  absl::StatusOr<Trust> trust;
  if (schema == "ReleaseTrust.v1") {
    trust = ParseV1(root, limits);
  } else if (schema == "ReleaseTrust.v2") {
    trust = ParseV2(root, limits);
  } else {
    return Invalid("release trust schemaVersion must be ReleaseTrust.v1 or ReleaseTrust.v2");
  }
  if (!trust.ok()) return trust;
  // Sorted by id so that Find() sees the same first key as the reference; stable so that equal
  // ids keep their file order.
  std::stable_sort(
      trust->keys.begin(), trust->keys.end(),
      [](const TrustKey& a, const TrustKey& b) { return internal::Utf16Less(a.key_id, b.key_id); });
  return trust;
}

}  // namespace nooterra::release
