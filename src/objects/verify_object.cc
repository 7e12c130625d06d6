// VerifyObject: "verify any object" — type from schemaVersion, member validation, self-hash,
// embedded hashes, signatures against supplied keys, each finding with a code.
//
// Codes are generic (OBJECT_*) except where the protocol names its own: ToolManifest
// (TOOL_MANIFEST_*) and OperatorAction (OPERATOR_ACTION_*), 02-object-model.md §1 and §10.
#include <string>

#include "common/strings.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/internal.h"
#include "objects/registry.h"

namespace nooterra::objects {

namespace {

using internal::SigStyle;
using internal::TypeSpec;

// Maps a generic finding to the type's protocol code where one exists.
std::string Code(const TypeSpec& spec, std::string_view generic) {
  if (spec.code_prefix == "TOOL_MANIFEST") {
    if (generic == "OBJECT_INVALID") return "TOOL_MANIFEST_INVALID";
    if (generic == "OBJECT_SIGNATURE_MISSING") return "TOOL_MANIFEST_SIGNATURE_MISSING";
    if (generic == "OBJECT_SIGNATURE_KEY_NOT_SUPPLIED") return "TOOL_MANIFEST_SIGNATURE_KEY_MISSING";
    if (generic == "OBJECT_HASH_MISMATCH" || generic == "OBJECT_SIGNATURE_INVALID") {
      return "TOOL_MANIFEST_SIGNATURE_INVALID";
    }
  }
  if (spec.code_prefix == "OPERATOR_ACTION") {
    if (generic == "OBJECT_INVALID") return "OPERATOR_ACTION_SCHEMA_INVALID";
    if (generic == "OBJECT_SIGNATURE_MISSING") return "OPERATOR_ACTION_SCHEMA_INVALID";
    if (generic == "OBJECT_HASH_MISMATCH") return "OPERATOR_ACTION_HASH_MISMATCH";
    if (generic == "OBJECT_SIGNATURE_INVALID") return "OPERATOR_ACTION_SIGNATURE_INVALID";
  }
  return std::string(generic);
}

void Error(VerifyReport* report, std::string code, std::string message) {
  report->errors.push_back({std::move(code), std::move(message)});
}

struct EmbeddedSignature {
  std::string key_id;
  std::string signature_b64;
  std::string echoed_hash;  // "" when the style echoes none
};

// The signature the instance carries, if any (shape already checked by the validator).
std::optional<EmbeddedSignature> FindSignature(const TypeSpec& spec, json::Value root) {
  json::Value sig = root.Find("signature");
  const auto str = [](json::Value v, std::string_view k) {
    json::Value m = v.Find(k);
    return m.is_string() ? std::string(m.as_string()) : std::string();
  };
  switch (spec.sig) {
    case SigStyle::kNone:
      return std::nullopt;
    case SigStyle::kPlain:
      if (!sig.is_string()) return std::nullopt;
      return EmbeddedSignature{str(root, "signerKeyId"), std::string(sig.as_string()), ""};
    case SigStyle::kOperator:
      if (!sig.is_object()) return std::nullopt;
      return EmbeddedSignature{str(sig, "keyId"), str(sig, "signatureBase64"), str(sig, "actionHash")};
    default:
      if (!sig.is_object()) return std::nullopt;
      return EmbeddedSignature{str(sig, "signerKeyId"), str(sig, "signature"),
                               str(sig, spec.sig_hash_member)};
  }
}

void CheckSignature(const TypeSpec& spec, json::Value root, const std::string& hash,
                    absl::Span<const crypto::PublicKey> keys, VerifyReport* report) {
  if (spec.sig == SigStyle::kNone) return;
  auto sig = FindSignature(spec, root);
  if (!sig) {
    if (spec.sig != SigStyle::kEnvelope) {
      Error(report, Code(spec, "OBJECT_SIGNATURE_MISSING"),
            StrCat(spec.schema, " carries no signature"));
    }
    return;
  }
  if (!sig->echoed_hash.empty() || spec.sig != SigStyle::kPlain) {
    if (sig->echoed_hash != hash) {
      Error(report, Code(spec, spec.hash_member.empty() ? "OBJECT_HASH_MISMATCH"
                                                        : "OBJECT_SIGNATURE_HASH_MISMATCH"),
            StrCat("signature.", spec.sig_hash_member.empty() ? "hash" : spec.sig_hash_member,
                   " is ", sig->echoed_hash.empty() ? "missing" : sig->echoed_hash,
                   "; the content hashes to ", hash));
    }
  }
  const crypto::PublicKey* key = nullptr;
  for (const crypto::PublicKey& k : keys) {
    if (k.KeyId() == sig->key_id) key = &k;
  }
  if (key == nullptr) {
    ++report->signatures_unchecked;
    report->warnings.push_back({Code(spec, "OBJECT_SIGNATURE_KEY_NOT_SUPPLIED"),
                                StrCat("no public key was supplied for signer ", sig->key_id)});
    return;
  }
  auto digest = crypto::DigestFromHex(hash);
  auto raw = crypto::Base64DecodeStrict(sig->signature_b64);
  if (!digest.ok() || !raw.ok() || !key->Verify(*digest, crypto::AsBytes(*raw))) {
    Error(report, Code(spec, "OBJECT_SIGNATURE_INVALID"),
          StrCat("the Ed25519 signature of ", sig->key_id, " does not verify over ", hash));
    return;
  }
  ++report->signatures_verified;
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyObject(std::string_view json_text,
                                          absl::Span<const crypto::PublicKey> keys) {
  if (keys.size() > kVerifyKeysMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "OBJECT_TOO_MANY_KEYS",
                     StrCat(keys.size(), " public keys supplied; the limit is ", kVerifyKeysMax));
  }
  auto doc = internal::ParseText(json_text);
  if (!doc.ok()) return doc.status();
  json::Value root = doc->root();
  VerifyReport report;
  if (root.is_object() && root.Find("schemaVersion").is_string()) {
    report.schema_version = std::string(root.Find("schemaVersion").as_string());
  }
  auto type = internal::DetectType(root);
  if (!type.ok()) {
    Error(&report, std::string(StatusReason(type.status())), std::string(type.status().message()));
    return report;
  }
  report.type = *type;
  const TypeSpec& spec = internal::SpecOf(*type);
  const json::Tree instance = json::Tree::FromValue(root);

  // 1. Members: valid and in normal form.
  auto rebuilt = internal::RebuildInstance(*type, root);
  if (!rebuilt.ok()) {
    Error(&report, Code(spec, "OBJECT_INVALID"), std::string(rebuilt.status().message()));
  } else {
    std::string given;
    if (json::AppendCanonical(root, &given).ok() && given != rebuilt->canonical) {
      Error(&report, "OBJECT_NOT_NORMALIZED",
            StrCat(spec.schema, " is not in normal form: ",
                   internal::FirstDifference(rebuilt->body, root)));
    }
  }

  // 2. The self-hash, recomputed from the instance as given.
  auto hash = ComputeHash(*type, instance);
  if (!hash.ok()) {
    Error(&report, "OBJECT_HASH_UNCOMPUTABLE", std::string(hash.status().message()));
    report.ok = false;
    return report;
  }
  report.hash = *hash;
  if (!spec.hash_member.empty()) {
    json::Value declared = root.Find(spec.hash_member);
    if (!declared.is_string()) {
      Error(&report, "OBJECT_HASH_MISSING", StrCat(spec.hash_member, " is missing"));
    } else {
      report.declared_hash = std::string(declared.as_string());
      if (report.declared_hash != report.hash) {
        Error(&report, Code(spec, "OBJECT_HASH_MISMATCH"),
              StrCat(spec.hash_member, " is ", report.declared_hash, "; the content hashes to ",
                     report.hash));
      }
    }
  } else if (!spec.sig_hash_member.empty()) {
    auto sig = FindSignature(spec, root);
    if (sig) report.declared_hash = sig->echoed_hash;
  }

  // 3. Derived hashes the object pins.
  if (*type == ObjectType::kPolicyDecision) {
    json::Value declared = root.Find("evaluationHash");
    const std::string expected = internal::PolicyEvaluationHash(instance);
    if (!declared.is_string() || declared.as_string() != expected) {
      Error(&report, "OBJECT_EVALUATION_HASH_MISMATCH",
            StrCat("evaluationHash does not match the decision's inputs (expected ", expected, ")"));
    }
  }
  if (json::Value artifact = root.Find("artifactHash"); artifact.present()) {
    const std::string_view omit[] = {"artifactHash"};
    json::CanonicalOptions options;
    options.omit_members = omit;
    auto digest = json::CanonicalDigest(root, options);
    const std::string expected = digest.ok() ? internal::HexOf(*digest) : std::string();
    if (!artifact.is_string() || artifact.as_string() != expected) {
      Error(&report, "OBJECT_ARTIFACT_HASH_MISMATCH",
            StrCat("artifactHash does not match the artifact body (expected ", expected, ")"));
    }
  }

  // 4. Signatures.
  CheckSignature(spec, root, report.hash, keys, &report);
  report.ok = report.errors.empty();
  return report;
}

std::string RenderVerifyReportJson(const VerifyReport& report) {
  const auto findings = [](const std::vector<Finding>& list) {
    json::Tree out = json::Tree::Array();
    for (const Finding& f : list) {
      json::Tree o = json::Tree::Object();
      o.Set("code", json::Tree::String(f.code));
      o.Set("message", json::Tree::String(f.message));
      out.Push(std::move(o));
    }
    return out;
  };
  json::Tree out = json::Tree::Object();
  out.Set("ok", json::Tree::Bool(report.ok));
  out.Set("schemaVersion", report.schema_version.empty() ? json::Tree::Null()
                                                         : json::Tree::String(report.schema_version));
  out.Set("hash", report.hash.empty() ? json::Tree::Null() : json::Tree::String(report.hash));
  out.Set("declaredHash", report.declared_hash.empty() ? json::Tree::Null()
                                                       : json::Tree::String(report.declared_hash));
  json::Tree sigs = json::Tree::Object();
  sigs.Set("verified", json::Tree::Number(report.signatures_verified));
  sigs.Set("unchecked", json::Tree::Number(report.signatures_unchecked));
  out.Set("signatures", std::move(sigs));
  out.Set("errors", findings(report.errors));
  out.Set("warnings", findings(report.warnings));
  auto text = json::CanonicalString(out);
  return text.ok() ? *text : std::string("{\"ok\":false}");
}

}  // namespace nooterra::objects
