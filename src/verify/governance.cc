// Key files, trust anchors, governance policy + revocation list, authorization and time checks.
// Error strings are the protocol's, verbatim (../shared/protocol/verify/04-*.md).
#include "verify/governance.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "nooterra/status.h"

namespace nooterra::verify::internal {

// ---------------------------------------------------------------------------------------------
// Reading files

namespace {

json::Limits JsonLimits(const Scope& b) {
  json::Limits limits;
  limits.document_bytes_max = b.options->limits.json_bytes_max;
  return limits;
}

const char* StateText(FileState s) {
  switch (s) {
    case FileState::kOk: return "ok";
    case FileState::kMissing: return "the file does not exist";
    case FileState::kSymlink: return "the path is or passes through a symlink (never followed)";
    case FileState::kNotRegular: return "the path is not a regular file";
    case FileState::kTooLarge: return "the file exceeds VerifyLimits.json_bytes_max";
    case FileState::kIoError: return "the file could not be read";
  }
  return "?";
}

Fail FileFail(const Scope& b, std::string_view rel, FileState s) {
  const std::string path = b.Path(rel);
  const char* code = s == FileState::kMissing    ? "BUNDLE_FILE_MISSING"
                     : s == FileState::kTooLarge ? "BUNDLE_LIMIT_JSON_BYTES"
                                                 : "BUNDLE_FILE_UNREADABLE";
  return FMessage(code, path, StrCat(path, ": ", StateText(s)));
}

Fail ParseFail(const Scope& b, std::string_view rel, const absl::Status& status) {
  const std::string path = b.Path(rel);
  const std::string reason = StatusReason(status);
  const char* code = reason == "JSON_BOM" ? "BUNDLE_JSON_BOM" : "BUNDLE_JSON_INVALID";
  std::string message = StrCat(path, ": ", ToStd(status.message()));
  if (auto offset = StatusOffset(status)) StrAppend(&message, " (at byte ", *offset, ")");
  return FMessage(code, path, std::move(message));
}

bool SplitJsonl(const Scope& b, std::string_view text, std::vector<json::Document>* out,
                absl::Status* error) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = TrimJs(text.substr(start, nl - start));
    if (!line.empty()) {
      if (out->size() >= b.options->limits.jsonl_lines_max) {
        *error = MakeError(absl::StatusCode::kResourceExhausted, "BUNDLE_LIMIT_JSONL_LINES",
                           "more lines than VerifyLimits.jsonl_lines_max");
        return false;
      }
      auto doc = json::Document::Parse(line, JsonLimits(b));
      if (!doc.ok()) {
        *error = doc.status();
        return false;
      }
      out->push_back(*std::move(doc));
    }
    start = nl + 1;
  }
  return true;
}

}  // namespace

bool ReadJson(const Scope& b, std::string_view rel, JsonFile* out) {
  std::string text;
  if (b.dir->Read(b.Path(rel), b.options->limits.json_bytes_max, &text) != FileState::kOk) return false;
  return out->doc.Load(text, JsonLimits(b)).ok();
}

Fail ReadJsonRequired(const Scope& b, std::string_view rel, JsonFile* out) {
  std::string text;
  const FileState s = b.dir->Read(b.Path(rel), b.options->limits.json_bytes_max, &text);
  if (s != FileState::kOk) return FileFail(b, rel, s);
  absl::Status st = out->doc.Load(text, JsonLimits(b));
  if (!st.ok()) return ParseFail(b, rel, st);
  return nullptr;
}

bool ReadJsonl(const Scope& b, std::string_view rel, std::vector<json::Document>* out) {
  std::string text;
  if (b.dir->Read(b.Path(rel), b.options->limits.json_bytes_max, &text) != FileState::kOk) return false;
  absl::Status error;
  return SplitJsonl(b, text, out, &error);
}

Fail ReadJsonlRequired(const Scope& b, std::string_view rel, std::vector<json::Document>* out) {
  std::string text;
  const FileState s = b.dir->Read(b.Path(rel), b.options->limits.json_bytes_max, &text);
  if (s != FileState::kOk) return FileFail(b, rel, s);
  absl::Status error;
  if (!SplitJsonl(b, text, out, &error)) {
    if (StatusReason(error) == "BUNDLE_LIMIT_JSONL_LINES") {
      return FMessage("BUNDLE_LIMIT_JSONL_LINES", b.Path(rel), std::string(ToStd(error.message())));
    }
    return ParseFail(b, rel, error);
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Keys and trust anchors

bool KeyMap::Verify(std::string_view key_id, std::string_view hash_hex,
                    std::string_view signature_b64) const {
  auto it = pems_.find(key_id);
  if (it == pems_.end()) return false;
  auto cached = parsed_.find(key_id);
  if (cached == parsed_.end()) {
    auto key = crypto::PublicKey::FromPem(it->second);
    cached = parsed_.emplace(std::string(key_id),
                             key.ok() ? std::optional<crypto::PublicKey>(*key) : std::nullopt)
                 .first;
  }
  if (!cached->second) return false;  // an unparseable PEM never verifies (the reference throws)
  auto digest = crypto::DigestFromHex(hash_hex);
  if (!digest.ok()) return false;
  const std::string signature = crypto::Base64DecodeLenient(signature_b64);
  return cached->second->Verify(*digest, crypto::AsBytes(signature));
}

TrustMap ParseTrustMap(std::string_view raw) {
  TrustMap out;
  if (IsBlank(raw)) return out;
  out.provided = true;
  auto doc = json::Document::Parse(raw);
  if (!doc.ok()) {
    out.error = StrCat("not valid JSON: ", ToStd(doc.status().message()));
    return out;
  }
  json::Value root = doc->root();
  if (!root.is_object()) {
    out.error = "not a JSON object of keyId -> PEM";
    return out;
  }
  for (size_t i = 0; i < root.size(); ++i) {
    std::string key(TrimJs(root.key_at(i)));
    json::Value pem = root.value_at(i);
    if (key.empty() || !pem.is_string() || pem.as_string().empty()) continue;
    out.keys.Add(std::move(key), std::string(pem.as_string()));
  }
  return out;
}

TrustMap ParseTrustIdList(std::string_view raw) {
  TrustMap out;
  if (IsBlank(raw)) return out;
  out.provided = true;
  auto doc = json::Document::Parse(raw);
  if (!doc.ok() || !doc->root().is_array()) {
    out.error = "not a JSON array of key ids";
    return out;
  }
  for (size_t i = 0; i < doc->root().size(); ++i) {
    json::Value id = doc->root().at(i);
    if (id.is_string() && !IsBlank(id.as_string())) out.ids.emplace_back(TrimJs(id.as_string()));
  }
  return out;
}

namespace {

std::optional<std::string> NonBlankString(json::Value v) {
  if (!v.is_string() || IsBlank(v.as_string())) return std::nullopt;
  return std::string(v.as_string());
}

std::optional<std::string> DateField(json::Value row, std::string_view key) {
  auto s = Str(row, key);
  if (!s) return std::nullopt;
  std::string_view t = TrimJs(*s);
  if (!ParseTimeMs(t)) return std::nullopt;
  return std::string(t);
}

bool ParseKeyRows(json::Value root, bool normalize, KeyFile* out) {
  json::Value keys = root.Find("keys");
  if (!keys.is_array()) return false;
  for (size_t i = 0; i < keys.size(); ++i) {
    json::Value row = keys.at(i);
    if (!row.is_object()) return false;
    auto key_id = NonBlank(row, "keyId");
    auto pem = NonBlank(row, "publicKeyPem");
    if (!key_id || !pem) return false;
    KeyMeta meta;
    if (normalize) {
      meta.purpose = NonBlankString(row.Find("purpose"));
      meta.status = NonBlankString(row.Find("status"));
      meta.valid_from = DateField(row, "validFrom");
      meta.valid_to = DateField(row, "validTo");
      meta.created_at = DateField(row, "createdAt");
      meta.rotated_at = DateField(row, "rotatedAt");
      meta.revoked_at = DateField(row, "revokedAt");
    } else {
      const auto raw = [&](std::string_view k) -> std::optional<std::string> {
        auto s = Str(row, k);
        return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
      };
      meta.purpose = raw("purpose");
      meta.status = raw("status");
      meta.valid_from = raw("validFrom");
      meta.valid_to = raw("validTo");
      meta.created_at = raw("createdAt");
      meta.rotated_at = raw("rotatedAt");
      meta.revoked_at = raw("revokedAt");
      meta.server_governed = row.Find("serverGoverned").as_bool();
    }
    out->keys.Add(std::string(*key_id), std::string(*pem));
    out->meta[std::string(*key_id)] = std::move(meta);
  }
  return true;
}

bool Earlier(const std::string& a, const std::string& b) {
  auto ta = ParseTimeMs(a), tb = ParseTimeMs(b);
  return ta && tb && *ta < *tb;
}

void SetEarliest(std::optional<std::string>* field, std::string_view value) {
  if (!*field || Earlier(std::string(value), **field)) *field = std::string(value);
}

}  // namespace

bool ParseProofKeyFile(json::Value root, KeyFile* out) {
  if (!root.is_object()) return false;
  if (!root.Find("schemaVersion").present()) {
    for (size_t i = 0; i < root.size(); ++i) {
      std::string_view key = root.key_at(i);
      json::Value pem = root.value_at(i);
      if (IsBlank(key) || !pem.is_string() || IsBlank(pem.as_string())) continue;
      out->keys.Add(std::string(key), std::string(pem.as_string()));
      out->meta[std::string(key)] = KeyMeta{};
    }
    return true;
  }
  if (Str(root, "schemaVersion") != std::optional<std::string_view>("PublicKeys.v1")) return false;
  return ParseKeyRows(root, /*normalize=*/true, out);
}

bool ParseEmbeddedKeyFile(json::Value root, KeyFile* out) {
  if (!root.is_object() || Str(root, "schemaVersion") != std::optional<std::string_view>("PublicKeys.v1")) {
    return false;
  }
  return ParseKeyRows(root, /*normalize=*/false, out);
}

void ApplyKeyTimeline(const std::vector<const std::vector<json::Document>*>& streams, bool nested,
                      KeyFile* keys) {
  std::map<std::string, KeyMeta, std::less<>> derived;
  for (const auto* stream : streams) {
    for (const json::Document& doc : *stream) {
      json::Value e = doc.root();
      json::Value payload = e.Find("payload");
      if (!e.is_object() || !payload.is_object()) continue;
      auto type = Str(e, "type");
      if (!type) continue;
      auto at = Str(e, "at");
      if (nested && !at) continue;
      const auto time_of = [&](std::string_view member) -> std::optional<std::string> {
        if (nested) return std::string(*at);
        if (auto t = NonBlank(payload, member)) return std::string(*t);
        if (at) return std::string(*at);
        return std::nullopt;
      };
      const auto apply = [&](std::string_view key_id, std::optional<std::string> KeyMeta::*field,
                             const std::optional<std::string>& time, bool first_wins) {
        if (key_id.empty()) return;
        KeyMeta& m = derived[std::string(key_id)];
        m.server_governed = true;
        if (!time) return;
        if (nested) {
          SetEarliest(&(m.*field), *time);
        } else if (!first_wins || !(m.*field)) {
          m.*field = time;
        }
      };
      const auto id = [&](std::string_view member) {
        auto s = Str(payload, member);
        return s ? *s : std::string_view();
      };
      if (*type == "SERVER_SIGNER_KEY_REGISTERED") {
        apply(id("keyId"), &KeyMeta::valid_from, time_of("registeredAt"), true);
      } else if (*type == "SERVER_SIGNER_KEY_ROTATED") {
        const auto t = time_of("rotatedAt");
        apply(id("oldKeyId"), &KeyMeta::rotated_at, t, false);
        apply(id("newKeyId"), &KeyMeta::valid_from, t, true);
      } else if (*type == "SERVER_SIGNER_KEY_REVOKED") {
        apply(id("keyId"), &KeyMeta::revoked_at, time_of("revokedAt"), false);
      }
    }
  }
  for (auto& [key_id, d] : derived) {
    auto it = keys->meta.find(key_id);
    if (it == keys->meta.end()) {
      if (!nested) continue;  // [J][M][F] only enrich keys that exist in the key file
      it = keys->meta.emplace(key_id, KeyMeta{}).first;
    }
    KeyMeta& m = it->second;
    if (d.valid_from) m.valid_from = d.valid_from;
    if (d.rotated_at) m.rotated_at = d.rotated_at;
    if (d.revoked_at) m.revoked_at = d.revoked_at;
    m.server_governed = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Governance policy

namespace {

void AppendStringArray(const std::vector<std::string>& items, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out->push_back(',');
    json::AppendQuoted(items[i], out);
  }
  out->push_back(']');
}

void AppendOptString(const std::optional<std::string>& s, std::string* out) {
  if (s) {
    json::AppendQuoted(*s, out);
  } else {
    out->append("null");
  }
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end(), [](const std::string& a, const std::string& b) {
    return CompareUtf16(a, b) < 0;
  });
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Parses one signer list; "" on success, else the protocol's error string.
std::string ParseRules(json::Value list, std::string_view name, int version,
                       std::vector<PolicyRule>* out) {
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string prefix = StrCat(name, "[", i, "]");
    json::Value r = list.at(i);
    if (!r.is_object()) return StrCat(prefix, " must be an object");
    PolicyRule rule;
    auto subject = NonBlank(r, "subjectType");
    if (!subject) return StrCat(prefix, ".subjectType must be a non-empty string");
    rule.subject_type = std::string(*subject);
    json::Value scopes = r.Find("allowedScopes");
    if (!scopes.is_array() || scopes.size() == 0) return StrCat(prefix, ".allowedScopes must be a non-empty array");
    for (size_t k = 0; k < scopes.size(); ++k) {
      json::Value s = scopes.at(k);
      std::string scope = s.is_string() ? LowerTrim(s.as_string()) : std::string();
      if (scope != "global" && scope != "tenant") return StrCat(prefix, ".allowedScopes contains invalid scope");
      if (std::find(rule.allowed_scopes.begin(), rule.allowed_scopes.end(), scope) == rule.allowed_scopes.end()) {
        rule.allowed_scopes.push_back(scope);
      }
    }
    json::Value ids = r.Find("allowedKeyIds");
    if (ids.is_array()) {
      std::vector<std::string> v;
      for (size_t k = 0; k < ids.size(); ++k) {
        json::Value id = ids.at(k);
        if (id.is_string() && !IsBlank(id.as_string())) v.emplace_back(TrimJs(id.as_string()));
      }
      SortUnique(&v);
      rule.allowed_key_ids = std::move(v);
    } else if (version == 2) {
      return StrCat(prefix, ".allowedKeyIds must be an array");
    } else if (!ids.is_null()) {
      return StrCat(prefix, ".allowedKeyIds must be an array or null");
    }
    json::Value governed = r.Find("requireGoverned");
    if (!governed.is_bool()) return StrCat(prefix, ".requireGoverned must be a boolean");
    rule.require_governed = governed.as_bool();
    auto purpose = Str(r, "requiredPurpose");
    if (!purpose || LowerTrim(*purpose) != "server") return StrCat(prefix, ".requiredPurpose must be 'server'");
    rule.required_purpose = "server";
    out->push_back(std::move(rule));
  }
  return std::string();
}

void AppendRules(const std::vector<PolicyRule>& rules, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < rules.size(); ++i) {
    const PolicyRule& r = rules[i];
    if (i) out->push_back(',');
    out->append("{\"allowedKeyIds\":");
    if (r.allowed_key_ids) {
      AppendStringArray(*r.allowed_key_ids, out);
    } else {
      out->append("null");
    }
    out->append(",\"allowedScopes\":");
    AppendStringArray(r.allowed_scopes, out);
    out->append(r.require_governed ? ",\"requireGoverned\":true" : ",\"requireGoverned\":false");
    out->append(",\"requiredPurpose\":");
    json::AppendQuoted(r.required_purpose, out);
    out->append(",\"subjectType\":");
    json::AppendQuoted(r.subject_type, out);
    out->push_back('}');
  }
  out->push_back(']');
}

std::optional<std::string> TrimmedOrNull(json::Value v, std::string_view key) {
  auto s = NonBlank(v, key);
  if (!s) return std::nullopt;
  return std::string(TrimJs(*s));
}

// "" on success, else the parser's error string.
std::string ParsePolicy(json::Value root, Policy* out) {
  auto schema = Str(root, "schemaVersion");
  const int version = schema == std::optional<std::string_view>("GovernancePolicy.v2") ? 2 : 1;
  if (version == 1 && schema != std::optional<std::string_view>("GovernancePolicy.v1")) {
    return "unsupported governance policy schemaVersion";
  }
  out->version = version;
  auto policy_id = NonBlank(root, "policyId");
  if (!policy_id) return "policy.policyId must be a non-empty string";
  auto generated_at = NonBlank(root, "generatedAt");
  if (!generated_at) return "policy.generatedAt must be a non-empty string";
  json::Value algorithms = root.Find("algorithms");
  if (!algorithms.is_array() || algorithms.size() == 0) return "governance policy algorithms must be a non-empty array";
  std::vector<std::string> algs;
  for (size_t i = 0; i < algorithms.size(); ++i) {
    json::Value a = algorithms.at(i);
    if (a.is_string() && !IsBlank(a.as_string())) algs.push_back(LowerTrim(a.as_string()));
  }
  SortUnique(&algs);
  if (std::find(algs.begin(), algs.end(), "ed25519") == algs.end()) return "governance policy does not allow ed25519";
  json::Value reports = root.Find("verificationReportSigners");
  if (!reports.is_array()) return "governance policy verificationReportSigners must be an array";
  json::Value attestations = root.Find("bundleHeadAttestationSigners");
  if (!attestations.is_array()) return "governance policy bundleHeadAttestationSigners must be an array";
  std::string err = ParseRules(reports, "verificationReportSigners", version, &out->report_signers);
  if (!err.empty()) return err;
  err = ParseRules(attestations, "bundleHeadAttestationSigners", version, &out->attestation_signers);
  if (!err.empty()) return err;
  if (version == 2) {
    json::Value list = root.Find("revocationList");
    if (!list.is_object()) return "governance policy revocationList missing";
    auto path = NonBlank(list, "path");
    auto sha = Str(list, "sha256");
    if (!path || !sha || !IsHex64(TrimJs(*sha))) return "governance policy revocationList invalid";
    out->revocation_path = std::string(TrimJs(*path));
    out->revocation_sha256 = std::string(TrimJs(*sha));
  }
  out->signer_key_id = TrimmedOrNull(root, "signerKeyId");
  out->signed_at = TrimmedOrNull(root, "signedAt");
  out->signature = TrimmedOrNull(root, "signature").value_or("");
  out->policy_hash = TrimmedOrNull(root, "policyHash").value_or("");

  // The normalized record, in canonical member order, without policyHash and signature
  // (02-cryptography.md §7): hand-edited members the reference drops do not change the hash.
  std::string canonical = "{\"algorithms\":";
  AppendStringArray(algs, &canonical);
  canonical += ",\"bundleHeadAttestationSigners\":";
  AppendRules(out->attestation_signers, &canonical);
  canonical += ",\"generatedAt\":";
  json::AppendQuoted(*generated_at, &canonical);
  canonical += ",\"policyId\":";
  json::AppendQuoted(*policy_id, &canonical);
  if (version == 2) {
    canonical += ",\"revocationList\":{\"path\":";
    json::AppendQuoted(out->revocation_path, &canonical);
    canonical += ",\"sha256\":";
    json::AppendQuoted(out->revocation_sha256, &canonical);
    canonical += "}";
  }
  canonical += ",\"schemaVersion\":";
  json::AppendQuoted(*schema, &canonical);
  canonical += ",\"signedAt\":";
  AppendOptString(out->signed_at, &canonical);
  canonical += ",\"signerKeyId\":";
  AppendOptString(out->signer_key_id, &canonical);
  canonical += ",\"verificationReportSigners\":";
  AppendRules(out->report_signers, &canonical);
  canonical += "}";
  out->normalized_hash = crypto::Sha256Hex(canonical);
  return std::string();
}

struct RevocationList {
  std::string list_hash_declared, signature;
  std::optional<std::string> signer_key_id;
  std::string normalized_hash;
  std::vector<std::array<std::string, 3>> rotations;  // old, new, rotatedAt
  std::vector<std::array<std::string, 2>> revocations;  // keyId, revokedAt
};

void AppendOptRaw(json::Value row, std::string_view key, std::string* out) {
  auto s = Str(row, key);
  if (s) {
    json::AppendQuoted(*s, out);
  } else {
    out->append("null");
  }
}

std::string ParseRevocationList(json::Value root, RevocationList* out) {
  if (!root.is_object()) return "revocation list must be an object";
  auto schema = Str(root, "schemaVersion");
  if (schema != std::optional<std::string_view>("RevocationList.v1")) return "unsupported revocation list schemaVersion";
  auto list_id = NonBlank(root, "listId");
  if (!list_id) return "revocation list listId missing";
  auto generated_at = Str(root, "generatedAt");
  if (!generated_at) return "revocation list generatedAt missing";
  json::Value rotations = root.Find("rotations");
  if (!rotations.is_array()) return "revocation list rotations must be an array";
  json::Value revocations = root.Find("revocations");
  if (!revocations.is_array()) return "revocation list revocations must be an array";
  std::string rot_json = "[", rev_json = "[";
  for (size_t i = 0; i < rotations.size(); ++i) {
    json::Value r = rotations.at(i);
    auto old_id = NonBlank(r, "oldKeyId"), new_id = NonBlank(r, "newKeyId"), at = NonBlank(r, "rotatedAt");
    if (!r.is_object() || !old_id || !new_id || !at) continue;  // malformed rows are dropped
    out->rotations.push_back({std::string(*old_id), std::string(*new_id), std::string(*at)});
    if (rot_json.size() > 1) rot_json += ",";
    rot_json += "{\"newKeyId\":" + Quote(*new_id) + ",\"oldKeyId\":" + Quote(*old_id) + ",\"reason\":";
    AppendOptRaw(r, "reason", &rot_json);
    rot_json += ",\"rotatedAt\":" + Quote(*at) + ",\"scope\":";
    AppendOptRaw(r, "scope", &rot_json);
    rot_json += "}";
  }
  for (size_t i = 0; i < revocations.size(); ++i) {
    json::Value r = revocations.at(i);
    auto key_id = NonBlank(r, "keyId"), at = NonBlank(r, "revokedAt");
    if (!r.is_object() || !key_id || !at) continue;
    out->revocations.push_back({std::string(*key_id), std::string(*at)});
    if (rev_json.size() > 1) rev_json += ",";
    rev_json += "{\"keyId\":" + Quote(*key_id) + ",\"reason\":";
    AppendOptRaw(r, "reason", &rev_json);
    rev_json += ",\"revokedAt\":" + Quote(*at) + ",\"scope\":";
    AppendOptRaw(r, "scope", &rev_json);
    rev_json += "}";
  }
  rot_json += "]";
  rev_json += "]";
  out->signer_key_id = TrimmedOrNull(root, "signerKeyId");
  auto signed_at = TrimmedOrNull(root, "signedAt");
  out->signature = TrimmedOrNull(root, "signature").value_or("");
  out->list_hash_declared = TrimmedOrNull(root, "listHash").value_or("");
  std::string canonical = "{\"generatedAt\":" + Quote(*generated_at) +
                          ",\"listId\":" + Quote(TrimJs(*list_id)) + ",\"revocations\":" + rev_json +
                          ",\"rotations\":" + rot_json + ",\"schemaVersion\":" + Quote(*schema) +
                          ",\"signedAt\":";
  AppendOptString(signed_at, &canonical);
  canonical += ",\"signerKeyId\":";
  AppendOptString(out->signer_key_id, &canonical);
  canonical += "}";
  out->normalized_hash = crypto::Sha256Hex(canonical);
  return std::string();
}

}  // namespace

Fail LoadGovernance(const Scope& b, ListCheck list_check, std::vector<Warning>* warnings,
                    Governance* out) {
  const bool strict = b.options->strict;
  JsonFile policy_file;
  const bool readable = ReadJson(b, "governance/policy.json", &policy_file) && policy_file.root().is_object();
  if (!readable) {
    if (strict) return F("missing governance/policy.json");
    warnings->push_back({"GOVERNANCE_POLICY_MISSING_LENIENT", "", ""});
    return nullptr;
  }
  Policy policy;
  std::string err = ParsePolicy(policy_file.root(), &policy);
  if (!err.empty()) {
    if (strict) return Wrap("invalid governance/policy.json", F(err));
    return nullptr;  // non-strict: silently continue without a policy
  }
  if (policy.version == 1) {
    if (strict) return F("strict requires GovernancePolicy.v2");
    warnings->push_back({"GOVERNANCE_POLICY_V1_ACCEPTED_LENIENT", "", ""});
    out->policy = std::move(policy);
    return nullptr;
  }
  if (!strict) {
    out->policy = std::move(policy);
    return nullptr;
  }

  // §8: the strict chain.
  TrustMap roots = ParseTrustMap(b.options->trust.governance_roots_json);
  if (!roots.error.empty()) {
    return FMessage("TRUST_ANCHORS_INVALID", "",
                    "NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON is " + roots.error);
  }
  if (roots.keys.empty()) return F("strict requires trusted governance root keys");
  {
    const char* reason = nullptr;
    if (!policy.signer_key_id || policy.signature.empty() || policy.policy_hash.empty()) {
      reason = "governance policy missing signature fields";
    } else if (!roots.keys.Has(*policy.signer_key_id)) {
      reason = "governance policy signerKeyId not trusted";
    } else if (policy.normalized_hash != policy.policy_hash) {
      reason = "governance policyHash mismatch";
    } else if (!roots.keys.Verify(*policy.signer_key_id, policy.policy_hash, policy.signature)) {
      reason = "governance policy signature invalid";
    }
    if (reason) return Wrap("governance policy signature invalid", F(reason));
  }
  if (policy.revocation_path.rfind("governance/", 0) != 0) return F("governance policy revocationList.path invalid");
  JsonFile list_file;
  if (Fail f = ReadJsonRequired(b, policy.revocation_path, &list_file)) return f;
  RevocationList list;
  err = ParseRevocationList(list_file.root(), &list);
  if (!err.empty()) return Wrap("invalid governance revocation list", F(err));
  {
    const char* reason = nullptr;
    if (!list.signer_key_id || list.signature.empty() || list.list_hash_declared.empty()) {
      reason = "revocation list missing signature fields";
    } else if (!roots.keys.Has(*list.signer_key_id)) {
      reason = "revocation list signerKeyId not trusted";
    } else if (list.normalized_hash != list.list_hash_declared) {
      reason = "revocation listHash mismatch";
    } else if (!roots.keys.Verify(*list.signer_key_id, list.list_hash_declared, list.signature)) {
      reason = "revocation list signature invalid";
    }
    if (reason) return Wrap("revocation list signature invalid", F(reason));
  }
  if (policy.revocation_sha256 != list.list_hash_declared) {
    return F(list_check == ListCheck::kClosePack ? "revocationList sha256 mismatch" : "revocation list hash mismatch");
  }
  for (const auto& r : list.rotations) {
    SetEarliest(&out->revocations[r[0]].rotated_at, r[2]);
    SetEarliest(&out->revocations[r[1]].valid_from, r[2]);
  }
  for (const auto& r : list.revocations) SetEarliest(&out->revocations[r[0]].revoked_at, r[1]);
  TrustMap authorities = ParseTrustMap(b.options->trust.time_authorities_json);
  if (!authorities.error.empty()) {
    return FMessage("TRUST_ANCHORS_INVALID", "",
                    "NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON is " + authorities.error);
  }
  out->time_authorities = std::move(authorities.keys);
  out->policy = std::move(policy);
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Authorization and time

std::optional<std::string> Authorize(const Governance& g, DocumentKind kind,
                                     std::string_view subject_type, std::string_view key_id,
                                     std::string_view scope, const KeyMeta* meta) {
  if (!g.policy) return "missing governance policy";
  const auto& rules = kind == DocumentKind::kVerificationReport ? g.policy->report_signers
                                                                : g.policy->attestation_signers;
  const PolicyRule* rule = nullptr;
  for (const PolicyRule& r : rules) {
    if (r.subject_type == subject_type) {
      rule = &r;
      break;
    }
  }
  if (!rule) return "no governance policy rule for subjectType";
  std::string s = LowerTrim(scope);
  if (s != "tenant") s = "global";
  if (std::find(rule->allowed_scopes.begin(), rule->allowed_scopes.end(), s) == rule->allowed_scopes.end()) {
    return "signer scope not allowed by policy";
  }
  if (rule->allowed_key_ids &&
      std::find(rule->allowed_key_ids->begin(), rule->allowed_key_ids->end(), key_id) == rule->allowed_key_ids->end()) {
    return "signer keyId not allowed by policy";
  }
  if (rule->require_governed && !(meta && meta->server_governed)) return "signer key is not governed";
  const std::string purpose = meta && meta->purpose ? LowerTrim(*meta->purpose) : std::string();
  if (purpose != rule->required_purpose) return "signer key purpose not allowed by policy";
  return std::nullopt;
}

bool TrustworthyTimestamp(json::Value doc, std::initializer_list<std::string_view> core_omit,
                          const KeyMap& time_authorities, std::string* timestamp) {
  json::Value proof = doc.Find("timestampProof");
  if (!proof.is_object()) return false;
  if (Str(proof, "schemaVersion") != std::optional<std::string_view>("TimestampProof.v1")) return false;
  if (Str(proof, "kind") != std::optional<std::string_view>("ed25519_time_authority")) return false;
  auto ts = NonBlank(proof, "timestamp"), message_hash = NonBlank(proof, "messageHash"),
       signer = NonBlank(proof, "signerKeyId"), signature = NonBlank(proof, "signature");
  if (!ts || !message_hash || !signer || !signature) return false;
  if (!IsHex64(*message_hash) || !time_authorities.Has(*signer)) return false;
  std::vector<std::string_view> omit(core_omit);
  omit.push_back("timestampProof");
  json::CanonicalOptions options;
  options.omit_members = omit;
  auto core = json::CanonicalDigest(doc, options);
  if (!core.ok() || crypto::HexEncode(crypto::Bytes(core->data(), core->size())) != *message_hash) return false;
  const std::string proof_hash = HashHex(proof, {"signature"});
  if (!time_authorities.Verify(*signer, proof_hash, *signature)) return false;
  *timestamp = std::string(*ts);
  return true;
}

std::optional<std::string> CheckKeyValidity(const KeyMeta* meta, std::string_view at, Validity v) {
  if (!meta) return std::nullopt;
  const auto t = ParseTimeMs(at);
  if (!t) return std::nullopt;  // unparseable times pass (reference behaviour: fail-open)
  const auto parsed = [](const std::optional<std::string>& s) -> std::optional<int64_t> {
    return s ? ParseTimeMs(*s) : std::nullopt;
  };
  const bool close = v == Validity::kClosePack;
  if (auto from = parsed(meta->valid_from); from && *t < *from) return close ? "NOT_YET_VALID" : "KEY_NOT_YET_VALID";
  if (auto to = parsed(meta->valid_to); to && *t > *to) return close ? "EXPIRED" : "KEY_EXPIRED";
  if (v == Validity::kFull) {
    if (auto revoked = parsed(meta->revoked_at); revoked && *t > *revoked) return "KEY_REVOKED";
    if (auto rotated = parsed(meta->rotated_at); rotated && *t > *rotated) return "KEY_ROTATED";
  }
  return std::nullopt;
}

std::optional<std::string> ProspectiveCheck(const Governance& g, std::string_view key_id,
                                            std::string_view at, bool trustworthy,
                                            bool check_not_yet_valid) {
  auto it = g.revocations.find(key_id);
  if (it == g.revocations.end()) return std::nullopt;
  const TimelineRow& row = it->second;
  const auto t = ParseTimeMs(at);
  const auto parsed = [](const std::optional<std::string>& s) -> std::optional<int64_t> {
    return s ? ParseTimeMs(*s) : std::nullopt;
  };
  if (check_not_yet_valid) {
    if (auto from = parsed(row.valid_from); from && t && *t < *from) return "SIGNER_NOT_YET_VALID";
  }
  if (auto revoked = parsed(row.revoked_at)) {
    if (t && *t >= *revoked) return "SIGNER_REVOKED";
    if (!trustworthy) return "SIGNING_TIME_UNPROVABLE";
  }
  if (auto rotated = parsed(row.rotated_at)) {
    if (t && *t >= *rotated) return "SIGNER_ROTATED";
    if (!trustworthy) return "SIGNING_TIME_UNPROVABLE";
  }
  return std::nullopt;
}

bool IsClosedSetWarning(std::string_view code) {
  static const std::set<std::string_view> kCodes = {
      "LEGACY_KEYS_FORMAT_USED", "NONSERVER_REVOCATION_NOT_ENFORCED",
      "TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT", "GOVERNANCE_POLICY_MISSING_LENIENT",
      "GOVERNANCE_POLICY_V1_ACCEPTED_LENIENT", "BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT",
      "MISSING_GOVERNANCE_SNAPSHOT_LENIENT", "UNSIGNED_REPORT_LENIENT",
      "VERIFICATION_REPORT_MISSING_LENIENT", "PRICING_MATRIX_UNSIGNED_LENIENT",
      "WARN_PRICING_SIGNATURE_V1_BYTES_LEGACY", "CLOSE_PACK_SLA_SURFACES_MISSING_LENIENT",
      "CLOSE_PACK_ACCEPTANCE_SURFACES_MISSING_LENIENT", "TOOL_VERSION_UNKNOWN", "TOOL_COMMIT_UNKNOWN"};
  return kCodes.count(code) > 0;
}

}  // namespace nooterra::verify::internal
