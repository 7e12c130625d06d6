// The type table (schemaVersion, self-hash member, exclusions, signature style) and the
// generic Build / Parse / ComputeHash / Sign on top of the per-type builders.
#include <algorithm>
#include <array>
#include <vector>
#include <string>

#include "common/js.h"
#include "common/strings.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/internal.h"
#include "objects/registry.h"

namespace nooterra::objects {
namespace internal {

namespace {

using SV = std::string_view;

constexpr SV kExManifest[] = {"signature"};
constexpr SV kExAgreement[] = {"agreementHash"};
constexpr SV kExEvidence[] = {"evidenceHash", "signature"};
constexpr SV kExLifecycle[] = {"holdHash", "status", "resolvedAt", "updatedAt", "revision", "metadata"};
constexpr SV kExAdjustment[] = {"adjustmentHash", "metadata"};
constexpr SV kExDecision[] = {"decisionHash", "artifactHash"};
constexpr SV kExReceipt[] = {"receiptHash", "artifactHash"};
constexpr SV kExPolicy[] = {"policyDecisionHash", "signature"};
constexpr SV kExAction[] = {"signature"};
constexpr SV kExEnvelope[] = {"envelopeHash", "signature", "artifactHash"};
constexpr SV kExDelegation[] = {"delegationHash", "status", "resolvedAt", "updatedAt", "revision", "metadata"};
constexpr SV kExOffer[] = {"offerHash"};
constexpr SV kExAcceptance[] = {"acceptanceHash"};
constexpr SV kExReputation[] = {"eventHash", "artifactHash"};
constexpr SV kVerdictCore[] = {"schemaVersion", "verdictId", "caseId", "tenantId", "runId",
                               "settlementId", "disputeId", "arbiterAgentId", "outcome",
                               "releaseRatePct", "rationale", "evidenceRefs", "issuedAt",
                               "appealRef"};

const TypeSpec kSpecs[] = {
    {ObjectType::kToolManifest, "ToolManifest.v1", BuildToolManifest, "", "manifestHash",
     kExManifest, {}, SigStyle::kManifest, "TOOL_MANIFEST"},
    {ObjectType::kToolCallAgreement, "ToolCallAgreement.v1", BuildToolCallAgreement,
     "agreementHash", "", kExAgreement, {}, SigStyle::kNone, ""},
    {ObjectType::kToolCallEvidence, "ToolCallEvidence.v1", BuildToolCallEvidence, "evidenceHash",
     "evidenceHash", kExEvidence, {}, SigStyle::kEnvelope, ""},
    {ObjectType::kFundingHold, "FundingHold.v1", BuildFundingHold, "holdHash", "", kExLifecycle,
     {}, SigStyle::kNone, ""},
    {ObjectType::kSettlementDecisionRecordV1, "SettlementDecisionRecord.v1", BuildDecisionRecordV1,
     "decisionHash", "", kExDecision, {}, SigStyle::kNone, ""},
    {ObjectType::kSettlementDecisionRecordV2, "SettlementDecisionRecord.v2", BuildDecisionRecordV2,
     "decisionHash", "", kExDecision, {}, SigStyle::kNone, ""},
    {ObjectType::kSettlementReceipt, "SettlementReceipt.v1", BuildSettlementReceipt,
     "receiptHash", "", kExReceipt, {}, SigStyle::kNone, ""},
    {ObjectType::kSettlementAdjustment, "SettlementAdjustment.v1", BuildSettlementAdjustment,
     "adjustmentHash", "", kExAdjustment, {}, SigStyle::kNone, ""},
    {ObjectType::kPolicyDecision, "PolicyDecision.v1", BuildPolicyDecision, "policyDecisionHash",
     "policyDecisionHash", kExPolicy, {}, SigStyle::kEnvelope, ""},
    {ObjectType::kOperatorAction, "OperatorAction.v1", BuildOperatorAction, "", "actionHash",
     kExAction, {}, SigStyle::kOperator, "OPERATOR_ACTION"},
    {ObjectType::kDisputeOpenEnvelope, "DisputeOpenEnvelope.v1", BuildDisputeOpenEnvelope,
     "envelopeHash", "", kExEnvelope, {}, SigStyle::kPlain, ""},
    {ObjectType::kArbitrationCase, "ArbitrationCase.v1", BuildArbitrationCase, "", "", {}, {},
     SigStyle::kNone, ""},
    {ObjectType::kArbitrationVerdict, "ArbitrationVerdict.v1", BuildArbitrationVerdict, "",
     "verdictHash", {}, kVerdictCore, SigStyle::kVerdict, ""},
    {ObjectType::kAgreementDelegation, "AgreementDelegation.v1", BuildAgreementDelegation,
     "delegationHash", "", kExDelegation, {}, SigStyle::kNone, ""},
    {ObjectType::kAgentWallet, "AgentWallet.v1", BuildAgentWallet, "", "", {}, {}, SigStyle::kNone,
     ""},
    {ObjectType::kAgentRunSettlement, "AgentRunSettlement.v1", BuildAgentRunSettlement, "", "", {},
     {}, SigStyle::kNone, ""},
    {ObjectType::kMarketplaceOffer, "MarketplaceOffer.v2", BuildMarketplaceOffer, "offerHash", "",
     kExOffer, {}, SigStyle::kNone, ""},
    {ObjectType::kMarketplaceAcceptance, "MarketplaceAcceptance.v2", BuildMarketplaceAcceptance,
     "acceptanceHash", "", kExAcceptance, {}, SigStyle::kNone, ""},
    {ObjectType::kReputationEvent, "ReputationEvent.v1", BuildReputationEvent, "eventHash", "",
     kExReputation, {}, SigStyle::kNone, ""},
};
static_assert(sizeof(kSpecs) / sizeof(kSpecs[0]) == kObjectTypeCount);

}  // namespace

const TypeSpec& SpecOf(ObjectType type) {
  const TypeSpec& spec = kSpecs[static_cast<int32_t>(type) - 1];
  // The table is indexed by the enum value; a mismatch would hash with another type's rules.
  if (spec.type != type) __builtin_trap();
  return spec;
}

std::string HashOfTree(const TypeSpec& spec, const json::Tree& body) {
  absl::StatusOr<crypto::Digest> digest;
  if (!spec.core.empty()) {
    json::Tree core = json::Tree::Object();
    for (SV k : spec.core) {
      const json::Tree* v = body.Find(k);
      if (v != nullptr) core.Set(k, *v);
    }
    digest = json::CanonicalDigest(core);
  } else {
    json::CanonicalOptions options;
    options.omit_members = spec.excluded;
    digest = json::CanonicalDigest(body, options);
  }
  return digest.ok() ? HexOf(*digest) : std::string();
}

namespace {

absl::Status Invalid(SV reason, std::string message) {
  return MakeError(absl::StatusCode::kInvalidArgument, reason, message);
}

// Copies a signature envelope of an existing instance after checking its shape.
void CopyEnvelope(Reader& r, const TypeSpec& spec, json::Tree* body) {
  json::Value sig = r.Raw("signature");
  if (!sig.present()) return;
  Reader s = r.Nested("signature");
  if (!sig.is_object()) {
    r.Fail(kReasonType, "signature", "must be an object");
    return;
  }
  json::Tree out = json::Tree::Object();
  if (spec.sig == SigStyle::kOperator) {
    out.Set("schemaVersion", S(s.Enum("schemaVersion", {"OperatorActionSignature.v1"}, Reader::Case::kAsIs)));
    out.Set("algorithm", S(s.Enum("algorithm", {"ed25519"}, Reader::Case::kAsIs)));
    out.Set("keyId", S(s.Text("keyId", /*trim=*/false, 256)));
    out.Set("signedAt", S(s.IsoNorm("signedAt", "")));
    out.Set("actionHash", S(s.Sha("actionHash", /*strict=*/true)));
    out.Set("signatureBase64", S(s.Text("signatureBase64", /*trim=*/false, 200)));
  } else {
    out.Set("algorithm", S(s.Enum("algorithm", {"ed25519"}, Reader::Case::kAsIs)));
    out.Set("signerKeyId", S(s.Text("signerKeyId", /*trim=*/false, 256)));
    if (spec.sig == SigStyle::kManifest && s.Has("signerPublicKeyPem")) {
      out.Set("signerPublicKeyPem", S(s.Text("signerPublicKeyPem", /*trim=*/false, 4096)));
    }
    out.Set(spec.sig_hash_member, S(s.Sha(spec.sig_hash_member, /*strict=*/true)));
    out.Set("signature", S(s.Text("signature", /*trim=*/false, 200)));
  }
  r.Adopt(s);
  body->Set("signature", std::move(out));
}

std::string SignHex(const crypto::PrivateKey& key, const std::string& hash_hex) {
  auto digest = crypto::DigestFromHex(hash_hex);
  if (!digest.ok()) return std::string();
  crypto::Signature sig = key.Sign(*digest);
  return crypto::Base64Encode(crypto::Bytes(sig.data(), sig.size()));
}

// Adds the self-hash member(s) and the signature. `r` reads the builder inputs (or the
// instance, when validating).
void Finish(const TypeSpec& spec, Reader& r, const Context& ctx, json::Tree* body,
            const std::string* hash) {
  if (!spec.hash_member.empty()) {
    json::Value declared = r.Raw(spec.hash_member);
    body->Set(spec.hash_member, ctx.validate && declared.is_string()
                                    ? S(std::string(declared.as_string()))
                                    : S(*hash));
  }
  if (ctx.validate) {
    // A stored artifact carries its type, id and hash beside the object's own members.
    json::Value artifact = r.Raw("artifactHash");
    if (artifact.present()) body->Set("artifactHash", S(r.Sha("artifactHash", /*strict=*/true)));
    if (r.Raw("artifactType").present() && body->Find("artifactType") == nullptr) {
      body->Set("artifactType", S(r.Enum("artifactType", {spec.schema}, Reader::Case::kAsIs)));
    }
    if (r.Raw("artifactId").present() && body->Find("artifactId") == nullptr) {
      body->Set("artifactId", S(r.Id("artifactId", 3, 240)));
    }
  }
  if (spec.sig == SigStyle::kNone) return;
  const crypto::PrivateKey* key = ctx.signer;
  if (spec.sig == SigStyle::kPlain) {
    if (key != nullptr) {
      const std::string key_id = key->public_key().KeyId();
      const json::Tree* declared_id = body->Find("signerKeyId");
      if (declared_id == nullptr || declared_id->as_string() != key_id) {
        r.Fail(kReasonConstraint, "signerKeyId",
               StrCat("must be the signing key's id (", key_id, ")"));
      }
      body->Set("signature", S(SignHex(*key, *hash)));
    } else {
      body->Set("signature", S(r.Text("signature", /*trim=*/false, 200)));
    }
    return;
  }
  if (key == nullptr) {
    // Instances keep their envelope; a pre-signed verdict submission (signerKeyId + base64
    // signature string) is wrapped; otherwise a required signature needs a signer.
    if (ctx.validate) {
      if (r.Raw("signature").present()) {
        CopyEnvelope(r, spec, body);
      } else if (spec.sig != SigStyle::kEnvelope) {
        r.Fail(kReasonRequired, "signature", "is required");
      }
    } else if (spec.sig == SigStyle::kVerdict && r.Raw("signature").is_string()) {
      json::Tree sig = json::Tree::Object();
      sig.Set("algorithm", S("ed25519"));
      sig.Set("signerKeyId", S(r.Id("signerKeyId", 1, 256)));
      sig.Set("verdictHash", S(*hash));
      sig.Set("signature", S(r.Text("signature", /*trim=*/false, 200)));
      body->Set("signature", std::move(sig));
    } else if (spec.sig != SigStyle::kEnvelope) {
      r.Fail(kReasonSignerRequired, "signature", "needs a signing key");
    }
    return;
  }
  const std::string key_id = key->public_key().KeyId();
  const std::string signature = SignHex(*key, *hash);
  json::Tree sig = json::Tree::Object();
  if (spec.sig == SigStyle::kOperator) {
    const json::Tree* acted = body->Find("actedAt");
    sig.Set("schemaVersion", S("OperatorActionSignature.v1"));
    sig.Set("algorithm", S("ed25519"));
    sig.Set("keyId", S(key_id));
    json::Value signed_raw = r.Raw("signedAt");
    if (signed_raw.is_string() && !StartsWithDateTime(signed_raw.as_string())) {
      r.Fail(kReasonTimestamp, "signedAt", "must start with YYYY-MM-DDT");
    }
    sig.Set("signedAt", S(r.IsoNorm("signedAt", acted ? acted->as_string() : std::string())));
    sig.Set("actionHash", S(*hash));
    sig.Set("signatureBase64", S(signature));
  } else {
    sig.Set("algorithm", S("ed25519"));
    sig.Set("signerKeyId", S(key_id));
    if (spec.sig == SigStyle::kManifest && r.Has("signerPublicKeyPem")) {
      // `true` embeds the signer's public key; a PEM string must be that key.
      json::Value pem = r.Raw("signerPublicKeyPem");
      const std::string own = key->public_key().ToPem();
      if (pem.is_bool() && pem.as_bool()) {
        sig.Set("signerPublicKeyPem", S(own));
      } else if (pem.is_string()) {
        auto given = crypto::PublicKey::FromPem(pem.as_string());
        if (!given.ok() || given->raw() != key->public_key().raw()) {
          r.Fail(kReasonConstraint, "signerPublicKeyPem", "must be the signing key's public key");
        }
        sig.Set("signerPublicKeyPem", S(std::string(pem.as_string())));
      } else if (!pem.is_bool()) {
        r.Fail(kReasonType, "signerPublicKeyPem", "must be true or a PEM string");
      }
    }
    sig.Set(spec.sig_hash_member, S(*hash));
    sig.Set("signature", S(signature));
  }
  body->Set("signature", std::move(sig));
}

// The canonical text of each top-level member ("key":value), kept in one buffer and ordered by
// canonical key order. Building an object serializes every member once: the self-hash covers a
// subset of these parts and the full canonical form is all of them, so nothing is written twice.
class Parts {
 public:
  // Serializes the members of `body` not serialized yet.
  absl::Status Add(const json::Tree& body) {
    const size_t existing = spans_.size();
    for (const auto& [key, value] : body.members()) {
      bool known = false;
      for (size_t i = 0; i < existing && !known; ++i) known = spans_[i].key == key;
      if (known) continue;
      const size_t begin = buffer_.size();
      json::AppendQuoted(key, &buffer_);
      buffer_.push_back(':');
      if (absl::Status s = json::AppendCanonical(value, &buffer_); !s.ok()) return s;
      spans_.push_back({key, begin, buffer_.size() - begin});
    }
    const auto less = [this](uint32_t a, uint32_t b) {
      return json::CompareKeys(spans_[a].key, spans_[b].key) < 0;
    };
    if (existing == 0) {
      order_.resize(spans_.size());
      for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<uint32_t>(i);
      std::sort(order_.begin(), order_.end(), less);
    } else {
      // Later additions (hash member, signature) are few: insert them in place.
      for (size_t i = existing; i < spans_.size(); ++i) {
        const auto at = std::upper_bound(order_.begin(), order_.end(), static_cast<uint32_t>(i), less);
        order_.insert(at, static_cast<uint32_t>(i));
      }
    }
    return absl::OkStatus();
  }

  // "{" + the parts not in `omit`, comma-separated + "}".
  std::string Join(absl::Span<const std::string_view> omit) const {
    std::string out;
    out.reserve(buffer_.size() + spans_.size() + 2);
    out.push_back('{');
    for (uint32_t i : order_) {
      const Span& p = spans_[i];
      if (std::find(omit.begin(), omit.end(), p.key) != omit.end()) continue;
      if (out.size() > 1) out.push_back(',');
      out.append(buffer_, p.begin, p.size);
    }
    out.push_back('}');
    return out;
  }

 private:
  struct Span {
    std::string key;
    size_t begin;
    size_t size;
  };
  std::string buffer_;
  std::vector<Span> spans_;
  std::vector<uint32_t> order_;
};

absl::StatusOr<Object> Run(const TypeSpec& spec, json::Value inputs, const Context& ctx) {
  if (!inputs.is_object()) {
    return Invalid(kReasonNotObject, StrCat(spec.schema, " inputs must be a JSON object"));
  }
  Reader r(std::string(spec.schema), inputs);
  // Inputs may name their type; if they do, it must be the type being built.
  if (json::Value sv = inputs.Find("schemaVersion"); sv.present() && !(sv.is_string() && sv.as_string() == spec.schema)) {
    r.Fail(kReasonConstraint, "schemaVersion", StrCat("must be ", spec.schema, " when given"));
    return r.status();
  }
  Object object;
  object.type = spec.type;
  object.body = json::Tree::Object();
  spec.build(r, ctx, &object.body);
  if (!r.ok()) return r.status();
  Parts parts;
  if (absl::Status s = parts.Add(object.body); !s.ok()) return s;
  const bool whole = spec.hash_member.empty() && spec.sig_hash_member.empty();
  if (!whole) {
    object.hash = spec.core.empty() ? HexOf(crypto::Sha256Digest(parts.Join(spec.excluded)))
                                    : HashOfTree(spec, object.body);
  }
  Finish(spec, r, ctx, &object.body, &object.hash);
  if (!r.ok()) return r.status();
  if (absl::Status s = parts.Add(object.body); !s.ok()) return s;
  object.canonical = parts.Join({});
  if (whole) object.hash = crypto::Sha256Hex(object.canonical);  // hashed as a whole
  return object;
}

json::Limits ObjectLimits() {
  json::Limits limits;
  limits.depth_max = kObjectDepthMax;
  limits.document_bytes_max = kObjectBytesMax;
  return limits;
}

}  // namespace

absl::StatusOr<Object> RebuildInstance(ObjectType type, json::Value instance) {
  Context ctx;
  ctx.validate = true;
  return Run(SpecOf(type), instance, ctx);
}

absl::StatusOr<ObjectType> DetectType(json::Value root) {
  if (!root.is_object()) return Invalid(kReasonNotObject, "an object must be a JSON object");
  json::Value sv = root.Find("schemaVersion");
  if (!sv.is_string()) return Invalid(kReasonUnknownType, "schemaVersion is missing");
  auto type = TypeFromSchemaVersion(sv.as_string());
  if (!type) {
    std::string quoted;
    json::AppendQuoted(sv.as_string(), &quoted);
    return Invalid(kReasonUnknownType, StrCat("unknown schemaVersion ", quoted));
  }
  return *type;
}

std::string FirstDifference(const json::Tree& normal, json::Value instance) {
  for (const auto& [key, value] : normal.members()) {
    json::Value mine = instance.Find(key);
    std::string a, b;
    if (!mine.present()) return StrCat("member ", key, " is missing");
    (void)json::AppendCanonical(value, &a);
    (void)json::AppendCanonical(mine, &b);
    if (a != b) return StrCat("member ", key, " is ", b, " where the normal form is ", a);
  }
  for (size_t i = 0; i < instance.size(); ++i) {
    if (normal.Find(instance.key_at(i)) == nullptr) {
      return StrCat("member ", instance.key_at(i), " is not part of the object");
    }
  }
  return "members differ";
}

absl::StatusOr<json::Document> ParseText(std::string_view text) {
  if (text.size() > kObjectBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "OBJECT_TOO_LARGE",
                     StrCat("object JSON is ", text.size(), " bytes; the limit is ",
                            kObjectBytesMax));
  }
  return json::Document::Parse(text, ObjectLimits());
}

}  // namespace internal

using internal::SpecOf;

std::string_view SchemaVersionOf(ObjectType type) { return SpecOf(type).schema; }

std::optional<ObjectType> TypeFromSchemaVersion(std::string_view schema_version) {
  for (int32_t i = 1; i <= kObjectTypeCount; ++i) {
    if (SpecOf(static_cast<ObjectType>(i)).schema == schema_version) return static_cast<ObjectType>(i);
  }
  return std::nullopt;
}

std::optional<ObjectType> TypeFromInt(int32_t value) {
  if (value < 1 || value > kObjectTypeCount) return std::nullopt;
  return static_cast<ObjectType>(value);
}

std::string_view HashMemberOf(ObjectType type) {
  const auto& spec = SpecOf(type);
  return spec.hash_member.empty() ? spec.sig_hash_member : spec.hash_member;
}

absl::Span<const std::string_view> ExcludedMembersOf(ObjectType type) { return SpecOf(type).excluded; }
absl::Span<const std::string_view> CoreMembersOf(ObjectType type) { return SpecOf(type).core; }
bool IsSignable(ObjectType type) { return SpecOf(type).sig != internal::SigStyle::kNone; }

absl::StatusOr<Object> Build(ObjectType type, json::Value inputs, const BuildOptions& options) {
  internal::Context ctx;
  ctx.now = options.now;
  ctx.signer = options.signer;
  return internal::Run(SpecOf(type), inputs, ctx);
}

absl::StatusOr<Object> Build(ObjectType type, std::string_view inputs_json,
                             const BuildOptions& options) {
  auto doc = internal::ParseText(inputs_json);
  if (!doc.ok()) return doc.status();
  return Build(type, doc->root(), options);
}

absl::StatusOr<Object> Parse(std::string_view json_text) {
  auto doc = internal::ParseText(json_text);
  if (!doc.ok()) return doc.status();
  auto type = internal::DetectType(doc->root());
  if (!type.ok()) return type.status();
  auto object = internal::RebuildInstance(*type, doc->root());
  if (!object.ok()) return object.status();
  std::string given;
  if (absl::Status s = json::AppendCanonical(doc->root(), &given); !s.ok()) return s;
  if (given != object->canonical) {
    return internal::Invalid(kReasonNotNormalized,
                             StrCat(SchemaVersionOf(*type), " is not in normal form: ",
                                    internal::FirstDifference(object->body, doc->root())));
  }
  return object;
}

absl::StatusOr<std::string> ComputeHash(ObjectType type, const json::Tree& object) {
  const auto& spec = SpecOf(type);
  if (spec.hash_member.empty() && spec.sig_hash_member.empty()) {
    auto text = json::CanonicalString(object);
    if (!text.ok()) return text.status();
    return crypto::Sha256Hex(*text);
  }
  std::string hash = internal::HashOfTree(spec, object);
  if (hash.empty()) {
    return internal::Invalid("JSON_NON_FINITE", "object cannot be canonicalized");
  }
  return hash;
}

absl::StatusOr<std::string> ComputeHash(ObjectType type, json::Value object) {
  return ComputeHash(type, json::Tree::FromValue(object));
}

absl::StatusOr<Object> Sign(std::string_view json_text, const crypto::PrivateKey& key) {
  auto parsed = Parse(json_text);
  if (!parsed.ok()) return parsed.status();
  const auto& spec = SpecOf(parsed->type);
  if (spec.sig == internal::SigStyle::kNone) {
    return internal::Invalid(kReasonUnsignable,
                             StrCat(spec.schema, " carries no signature"));
  }
  // Rebuild from the validated body in build mode with the key: the hash and envelope are
  // recomputed from content, never trusted from the input.
  json::Tree unsigned_body = parsed->body;
  unsigned_body.Erase("signature");
  if (!spec.hash_member.empty()) unsigned_body.Erase(spec.hash_member);
  if (spec.sig == internal::SigStyle::kOperator) {
    const json::Tree* old_sig = parsed->body.Find("signature");
    const json::Tree* signed_at = old_sig ? old_sig->Find("signedAt") : nullptr;
    if (signed_at != nullptr) unsigned_body.Set("signedAt", *signed_at);
  }
  if (spec.sig == internal::SigStyle::kManifest) {
    const json::Tree* old_sig = parsed->body.Find("signature");
    if (old_sig != nullptr && old_sig->Find("signerPublicKeyPem") != nullptr) {
      unsigned_body.Set("signerPublicKeyPem", json::Tree::Bool(true));
    }
  }
  auto text = json::CanonicalString(unsigned_body);
  if (!text.ok()) return text.status();
  auto doc = json::Document::Parse(*text);
  if (!doc.ok()) return doc.status();
  internal::Context ctx;
  ctx.signer = &key;
  return internal::Run(spec, doc->root(), ctx);
}

}  // namespace nooterra::objects
