// Head attestations and verification reports: the parts common to all five bundle kinds
// (04-shared-building-blocks.md §14, §15). Kind-specific bindings live with each kind.
#include "verify/attest.h"

#include "common/strings.h"

namespace nooterra::verify::internal {

bool Truthy(json::Value v) {
  switch (v.type()) {
    case json::Type::kAbsent:
    case json::Type::kNull:
    case json::Type::kFalse:
      return false;
    case json::Type::kNumber:
      return v.as_number() != 0;
    case json::Type::kString:
      return !v.as_string().empty();
    default:
      return true;
  }
}

namespace {

bool Wide(Variant v) { return v == Variant::kFinance || v == Variant::kInvoice || v == Variant::kClose; }

const KeyMeta* MetaOf(const KeyFile& keys, std::string_view key_id) {
  auto it = keys.meta.find(key_id);
  return it == keys.meta.end() ? nullptr : &it->second;
}

// The strict signer checks shared by attestations and reports: authorization, validFrom,
// validity at the effective time, the prospective revocation-list check.
Fail StrictSignerChecks(json::Value doc, const DocCheck& c, DocumentKind kind, std::string_view key_id,
                        std::string_view scope, std::initializer_list<std::string_view> core_omit,
                        const char* not_authorized, const char* missing_valid_from, const char* not_valid) {
  const KeyMeta* meta = MetaOf(*c.keys, key_id);
  if (auto reason = Authorize(*c.governance, kind, c.subject_type, key_id, scope, meta)) {
    return Wrap(not_authorized, F(*reason));
  }
  if (!meta || !meta->valid_from || IsBlank(*meta->valid_from)) return F(missing_valid_from);
  std::string effective(Str(doc, "signedAt").value_or(""));
  bool trustworthy = false;
  if (c.variant != Variant::kClose) {  // the reference's ClosePack never trusts proofs (§10 bug)
    std::string stamp;
    trustworthy = TrustworthyTimestamp(doc, core_omit, c.governance->time_authorities, &stamp);
    if (trustworthy) effective = stamp;
  }
  const Validity flavour = c.variant == Variant::kClose ? Validity::kClosePack
                           : Wide(c.variant)            ? Validity::kFull
                                                        : Validity::kWindow;
  if (auto reason = CheckKeyValidity(meta, effective, flavour)) return With(F(not_valid), "reason", *reason);
  const bool not_yet = c.variant == Variant::kJob || c.variant == Variant::kMonth || c.variant == Variant::kFinance;
  if (auto code = ProspectiveCheck(*c.governance, key_id, effective, trustworthy, not_yet)) return F(*code);
  return nullptr;
}

}  // namespace

Fail AttestationHeader(json::Value att, Variant v) {
  if (!att.is_object()) return F(Wide(v) ? "invalid bundle head attestation JSON" : "invalid attestation JSON");
  if (Str(att, "schemaVersion") != std::optional<std::string_view>("BundleHeadAttestation.v1")) {
    return F("unsupported attestation schemaVersion");
  }
  return nullptr;
}

Fail AttestationSignature(json::Value att, const DocCheck& c, std::string* hash) {
  const bool strict = c.scope->options->strict;
  auto key_id = NonBlank(att, "signerKeyId");
  auto signature = NonBlank(att, "signature");
  auto signed_at = NonBlank(att, "signedAt");
  if (!key_id || !signature || !signed_at) {
    if (!Wide(c.variant)) return F("attestation missing signer fields");
    if (strict) return F("attestation missing signature fields");
  }
  *hash = HashHex(att, {"signature", "attestationHash"});
  if (auto declared = NonBlank(att, "attestationHash"); declared && *declared != *hash) {
    return F("attestationHash mismatch");
  }
  // [F][I][C] check the signature only when both members exist (as strings).
  auto raw_key = Str(att, "signerKeyId");
  auto raw_sig = Str(att, "signature");
  const bool check = !Wide(c.variant) || (raw_key && !raw_key->empty() && raw_sig && !raw_sig->empty());
  if (check) {
    std::string_view kid = raw_key.value_or("");
    if (!c.keys->keys.Has(kid)) return F("unknown attestation signerKeyId");
    if (!c.keys->keys.Verify(kid, *hash, raw_sig.value_or(""))) return F("attestation signature invalid");
  }
  if (strict) {
    return StrictSignerChecks(att, c, DocumentKind::kBundleHeadAttestation, raw_key.value_or(""), "global",
                              {"signature", "attestationHash"}, "attestation signer not authorized",
                              "attestation signer key missing validFrom", "attestation signer key not valid");
  }
  if (!Wide(c.variant)) {
    if (auto reason = CheckKeyValidity(MetaOf(*c.keys, raw_key.value_or("")), signed_at.value_or(""), Validity::kFull)) {
      return With(F("attestation signer key not valid"), "reason", *reason);
    }
  }
  return nullptr;
}

Fail VerifyReport(json::Value report, const DocCheck& c, std::string_view manifest_hash,
                  const std::optional<std::string>& attestation_hash) {
  const bool strict = c.scope->options->strict;
  if (!report.is_object()) return F("invalid verification report JSON");
  if (Str(report, "schemaVersion") != std::optional<std::string_view>("VerificationReport.v1")) {
    return F("unsupported verification report schemaVersion");
  }
  if (Str(report, "profile") != std::optional<std::string_view>("strict")) {
    return F("unsupported verification report profile");
  }
  json::Value warnings = report.Find("warnings");
  if (warnings.present() && !warnings.is_null()) {
    const char* reason = nullptr;
    if (!warnings.is_array()) {
      reason = "warnings must be an array";
    } else {
      for (size_t i = 0; i < warnings.size() && !reason; ++i) {
        json::Value w = warnings.at(i);
        if (!w.is_object()) {
          reason = "warning must be an object";
        } else if (!IsClosedSetWarning(Str(w, "code").value_or(""))) {
          reason = "invalid warning code";
        }
      }
    }
    if (reason) return Wrap(StrCat("verification report warnings invalid: ", reason), F(reason));
  }
  json::Value subject = report.Find("subject");
  if (!subject.is_object()) return F("invalid verification report subject");
  if (Str(subject, "type") != std::optional<std::string_view>(c.subject_type)) {
    return F("verification report subject.type mismatch");
  }
  if (Str(subject, "manifestHash") != std::optional<std::string_view>(manifest_hash)) {
    return F("verification report subject.manifestHash mismatch");
  }
  if (strict) {
    json::Value head = report.Find("bundleHeadAttestation");
    if (!head.is_object()) return F("verification report missing bundleHeadAttestation");
    auto att_hash = NonBlank(head, "attestationHash");
    if (!att_hash) return F("verification report bundleHeadAttestation.attestationHash missing");
    if (!Wide(c.variant) && attestation_hash && *att_hash != *attestation_hash) {
      return F("verification report bundleHeadAttestation.attestationHash mismatch");
    }
  }
  auto declared = Str(report, "reportHash");
  if (!declared) return F("verification report missing reportHash");
  const std::string hash = HashHex(report, {"reportHash", "signature"});
  if (*declared != hash) return F("verification report reportHash mismatch");
  auto signature = NonBlank(report, "signature");
  auto key_id = NonBlank(report, "signerKeyId");
  if (strict && (!signature || !key_id || !NonBlank(report, "signedAt"))) {
    return F("verification report missing signature");
  }
  json::Value signer = report.Find("signer");
  std::string_view scope = "global";
  if (signer.present() && !signer.is_null()) {
    if (!signer.is_object()) return F("verification report signer must be an object");
    auto signer_key = NonBlank(signer, "keyId");
    if (!signer_key) return F("verification report signer.keyId missing");
    if (key_id && *signer_key != *key_id) return F("verification report signer.keyId mismatch");
    json::Value s = signer.Find("scope");
    if (s.present() && !s.is_null()) {
      if (!s.is_string() || (s.as_string() != "global" && s.as_string() != "tenant")) {
        return F("verification report signer.scope invalid");
      }
      scope = s.as_string();
    }
  }
  if (signature && key_id) {
    if (!c.keys->keys.Has(*key_id)) {
      return F(c.variant == Variant::kFinance ? "verification report signerKeyId not found in month keys"
                                              : "unknown verification report signerKeyId");
    }
    if (!c.keys->keys.Verify(*key_id, hash, *signature)) return F("verification report signature invalid");
    if (strict) {
      return StrictSignerChecks(report, c, DocumentKind::kVerificationReport, *key_id, scope,
                                {"reportHash", "signature"}, "verification report signer not authorized",
                                "verification report signer key missing validFrom",
                                "verification report signer key not valid");
    }
  }
  return nullptr;
}

void SurfaceReportWarnings(json::Value report, std::vector<Warning>* warnings) {
  json::Value list = report.Find("warnings");
  if (!list.is_array()) return;
  for (size_t i = 0; i < list.size(); ++i) {
    auto code = NonBlank(list.at(i), "code");
    if (code) warnings->push_back({std::string(*code), "", "{\"source\":\"verification_report\"}"});
  }
}

Fail PackPrelude(const Scope& b, std::string_view type, std::string_view manifest_schema,
                 std::initializer_list<std::string_view> required, std::string_view missing_code,
                 std::vector<Warning>* warnings, JsonFile* header, JsonFile* manifest,
                 std::string* manifest_hash) {
  RootsMissingWarning(b, warnings);
  if (Fail f = ReadJsonRequired(b, "nooterra.json", header)) return f;
  if (Str(header->root(), "type") != std::optional<std::string_view>(type)) return F("unsupported bundle type");
  if (Fail f = ReadJsonRequired(b, "manifest.json", manifest)) return f;
  json::Value m = manifest->root();
  if (Str(m, "schemaVersion") != std::optional<std::string_view>(manifest_schema)) {
    return F("unsupported manifest schemaVersion");
  }
  if (Fail f = ValidateManifestPaths(m)) return f;
  if (Fail f = CheckManifestHash(m, manifest_hash)) return f;
  if (b.options->strict) {
    auto missing = MissingRequired(m, required);
    if (!missing.empty()) return MissingRequiredFail(missing);
  }
  return CheckFileHashes(b, m, missing_code);
}

Fail PackReportStep(const Scope& b, const DocCheck& check, std::string_view manifest_hash,
                    const std::optional<std::string>& attestation_hash, bool surface,
                    std::vector<Warning>* warnings) {
  JsonFile report;
  if (!ReadJson(b, "verify/verification_report.json", &report)) {
    if (b.options->strict) return F("missing verify/verification_report.json");
    warnings->push_back({"VERIFICATION_REPORT_MISSING_LENIENT", "", ""});
    return nullptr;
  }
  if (Fail f = VerifyReport(report.root(), check, manifest_hash, surface ? attestation_hash : std::nullopt)) {
    return Wrap("verification report invalid", std::move(f));
  }
  if (!surface) return nullptr;  // [C] neither surfaces nor binds (digest 08 step 13)
  SurfaceReportWarnings(report.root(), warnings);
  if (b.options->strict && attestation_hash) {
    auto declared = Str(report.root().Find("bundleHeadAttestation"), "attestationHash");
    if (declared != std::optional<std::string_view>(*attestation_hash)) {
      return F("verification report bundleHeadAttestation.attestationHash mismatch");
    }
  }
  return nullptr;
}

Fail InvoiceScopedBinding(json::Value att, json::Value header, std::string_view kind,
                          std::string_view manifest_hash) {
  if (Str(att, "kind") != std::optional<std::string_view>(kind)) return F("attestation kind mismatch");
  json::Value tenant = header.Find("tenantId");
  if (tenant.present() && !tenant.is_null() && CanonicalOf(att.Find("tenantId")) != CanonicalOf(tenant)) {
    return F("attestation tenantId mismatch");
  }
  json::Value scope = att.Find("scope");
  if (!scope.is_object()) return F("attestation scope mismatch");
  json::Value invoice_id = header.Find("invoiceId");
  if (invoice_id.present() && !invoice_id.is_null() && CanonicalOf(scope.Find("invoiceId")) != CanonicalOf(invoice_id)) {
    return F("attestation scope.invoiceId mismatch");
  }
  if (Str(att, "manifestHash") != std::optional<std::string_view>(manifest_hash)) {
    return F("attestation manifestHash mismatch");
  }
  return nullptr;
}

}  // namespace nooterra::verify::internal
