// InvoiceBundle.v1 (../shared/protocol/verify/07-invoicebundle.md): pricing signatures, the
// embedded JobProof, metering and claim bindings, evidence refs, big-integer invoice math.
#include <algorithm>
#include <map>

#include "common/strings.h"
#include "verify/attest.h"

namespace nooterra::verify::internal {

namespace {

constexpr char kSignaturesFile[] = "pricing/pricing_matrix_signatures.json";

Fail PricingTerms(const Scope& b, json::Value manifest, std::vector<Warning>* warnings) {
  const bool strict = b.options->strict;
  TrustMap signers = ParseTrustMap(b.options->trust.pricing_signers_json);
  TrustMap allow = ParseTrustIdList(b.options->trust.pricing_signer_ids_json);
  if (!signers.error.empty() || !allow.error.empty()) {
    return FMessage("TRUST_ANCHORS_INVALID", "",
                    !signers.error.empty() ? "NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON is " + signers.error
                                           : "NOOTERRA_TRUSTED_PRICING_SIGNER_KEY_IDS_JSON is " + allow.error);
  }
  if (!ManifestLists(manifest, kSignaturesFile)) {
    if (strict) return F("PRICING_MATRIX_SIGNATURE_MISSING");
    warnings->push_back({"PRICING_MATRIX_UNSIGNED_LENIENT", "", StrCat("{\"path\":", Quote(kSignaturesFile), "}")});
    return nullptr;
  }
  if (strict && signers.keys.empty()) return F("strict requires trusted pricing signer keys");
  JsonFile sigs;
  if (!ReadJson(b, kSignaturesFile, &sigs)) return FPath("invalid JSON", kSignaturesFile);
  json::Value s = sigs.root();
  const auto schema = Str(s, "schemaVersion");
  std::string binding, declared;
  if (schema == std::optional<std::string_view>("PricingMatrixSignatures.v1")) {
    if (strict) return F("PRICING_MATRIX_SIGNATURE_V1_BYTES_LEGACY_STRICT_REJECTED");
    warnings->push_back({"WARN_PRICING_SIGNATURE_V1_BYTES_LEGACY", "",
                         StrCat("{\"schemaVersion\":\"PricingMatrixSignatures.v1\",\"bindingKind\":\"raw-bytes\",\"path\":",
                                Quote(kSignaturesFile), "}")});
    json::Value files = manifest.Find("files");
    for (size_t i = 0; i < files.size(); ++i) {
      if (Str(files.at(i), "name") == std::optional<std::string_view>("pricing/pricing_matrix.json")) {
        binding = std::string(Str(files.at(i), "sha256").value_or(""));
      }
    }
    declared = std::string(Str(s, "pricingMatrixHash").value_or(""));
  } else if (schema == std::optional<std::string_view>("PricingMatrixSignatures.v2")) {
    JsonFile matrix;
    if (!ReadJson(b, "pricing/pricing_matrix.json", &matrix)) return FPath("invalid JSON", "pricing/pricing_matrix.json");
    binding = HashHex(matrix.root());
    declared = std::string(Str(s, "pricingMatrixCanonicalHash").value_or(""));
  } else {
    return F("unsupported pricing matrix signatures schemaVersion");
  }
  if (binding.empty() || declared.empty() || binding != declared) return F("PRICING_MATRIX_SIGNATURE_PAYLOAD_MISMATCH");
  bool any = false;
  if (!signers.keys.empty()) {
    json::Value list = s.Find("signatures");
    for (size_t i = 0; i < list.size(); ++i) {
      json::Value entry = list.at(i);
      auto key_id = NonBlank(entry, "signerKeyId");
      auto signature = NonBlank(entry, "signature");
      if (!entry.is_object() || !key_id || !signature) continue;
      if (!allow.ids.empty() && std::find(allow.ids.begin(), allow.ids.end(), *key_id) == allow.ids.end()) continue;
      if (!signers.keys.Has(*key_id)) continue;
      if (!signers.keys.Verify(*key_id, binding, *signature)) return F("PRICING_MATRIX_SIGNATURE_INVALID");
      any = true;
    }
  }
  if (strict && !any) return F("PRICING_MATRIX_SIGNATURE_MISSING");
  return nullptr;
}

Fail JobBinding(json::Value ref, std::string_view prefix, std::string_view job_hash,
                const std::optional<std::string>& job_attestation_hash) {
  if (Str(ref, "embeddedPath") != std::optional<std::string_view>("payload/job_proof_bundle")) {
    return F(StrCat(prefix, " jobProof.embeddedPath mismatch"));
  }
  if (Str(ref, "manifestHash") != std::optional<std::string_view>(job_hash)) {
    return F(StrCat(prefix, " jobProof.manifestHash mismatch"));
  }
  if (job_attestation_hash && Str(ref, "headAttestationHash") != std::optional<std::string_view>(*job_attestation_hash)) {
    return F(StrCat(prefix, " jobProof.headAttestationHash mismatch"));
  }
  return nullptr;
}

struct Line {
  std::string code, quantity, unit, amount;
};

std::string LinesJson(const std::vector<Line>& lines) {
  std::string out = "[";
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    out += (i ? "," : "");
    out += "{\"amountCents\":" + Quote(l.amount) + ",\"code\":" + Quote(l.code) + ",\"quantity\":" +
           Quote(l.quantity) + ",\"unitPriceCents\":" + Quote(l.unit) + "}";
  }
  return out + "]";
}

Fail InvoiceMath(json::Value pricing, json::Value metering, json::Value claim) {
  std::map<std::string, std::string, std::less<>> prices;
  json::Value list = pricing.Find("prices");
  const auto too_long = [](std::string_view s) { return s.size() > kDecimalDigitsMax; };
  for (size_t i = 0; i < list.size(); ++i) {
    auto code = Str(list.at(i), "code");
    auto unit = Str(list.at(i), "unitPriceCents");
    if (!code || !unit || !IsDigitString(*unit)) continue;
    if (too_long(*unit)) return FMessage("INVOICE_AMOUNT_TOO_LONG", "", "unitPriceCents has too many digits");
    prices[std::string(*code)] = DecimalNormalize(*unit);
  }
  std::string total = "0";
  std::vector<Line> lines;
  json::Value items = metering.Find("items");
  for (size_t i = 0; i < items.size(); ++i) {
    auto code = Str(items.at(i), "code");
    auto quantity = Str(items.at(i), "quantity");
    if (!code || !quantity || !IsDigitString(*quantity)) continue;
    if (too_long(*quantity)) return FMessage("INVOICE_AMOUNT_TOO_LONG", "", "quantity has too many digits");
    auto it = prices.find(*code);
    if (it == prices.end()) return F("invoice pricing code unknown");
    const std::string q = DecimalNormalize(*quantity);
    const std::string amount = DecimalMul(q, it->second);
    total = DecimalAdd(total, amount);
    lines.push_back({std::string(*code), q, it->second, amount});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return CompareUtf16(a.code, b.code) < 0; });
  auto claimed = Str(claim, "totalCents");
  if (!claimed || !IsDigitString(*claimed)) return F("invoiceClaim totalCents invalid");
  if (too_long(*claimed)) return FMessage("INVOICE_AMOUNT_TOO_LONG", "", "totalCents has too many digits");
  if (DecimalNormalize(*claimed) != total) return F("invoiceClaim totalCents mismatch");
  json::Value claimed_lines = claim.Find("lineItems");
  if (claimed_lines.is_array() && claimed_lines.size() > 0) {
    std::vector<Line> given;
    for (size_t i = 0; i < claimed_lines.size(); ++i) {
      json::Value l = claimed_lines.at(i);
      if (!l.is_object()) continue;
      given.push_back({JsString(l.Find("code")), JsString(l.Find("quantity")), JsString(l.Find("unitPriceCents")),
                       JsString(l.Find("amountCents"))});
    }
    std::stable_sort(given.begin(), given.end(), [](const Line& a, const Line& b) { return CompareUtf16(a.code, b.code) < 0; });
    if (LinesJson(given) != LinesJson(lines)) return F("invoiceClaim lineItems mismatch");
  }
  return nullptr;
}

}  // namespace

Fail VerifyInvoiceBundle(const Scope& b, std::vector<Warning>* warnings, KindResult* out) {
  const bool strict = b.options->strict;
  JsonFile header_file, manifest_file;
  std::string manifest_hash;
  if (Fail f = PackPrelude(b, "InvoiceBundle.v1", "InvoiceBundleManifest.v1",
                           {"nooterra.json", "governance/policy.json", "governance/revocations.json",
                            "pricing/pricing_matrix.json", "metering/metering_report.json", "invoice/invoice_claim.json",
                            "payload/job_proof_bundle/manifest.json", "payload/job_proof_bundle/keys/public_keys.json",
                            "payload/job_proof_bundle/attestation/bundle_head_attestation.json",
                            "payload/job_proof_bundle/verify/verification_report.json"},
                           "failed to hash file", warnings, &header_file, &manifest_file, &manifest_hash)) {
    return f;
  }
  json::Value header = header_file.root();
  json::Value manifest = manifest_file.root();
  Governance governance;
  if (Fail f = LoadGovernance(b, ListCheck::kListHash, warnings, &governance)) return f;
  if (Fail f = PricingTerms(b, manifest, warnings)) return f;

  const Scope job = b.Sub("payload/job_proof_bundle");
  if (strict) {
    std::vector<Warning> nested;  // never merged
    KindResult jr;
    if (Fail f = VerifyProofBundle(job, /*month=*/false, &nested, &jr)) {
      return Wrap("job proof strict verification failed", std::move(f));
    }
  }
  JsonFile job_manifest;
  if (Fail f = ReadJsonRequired(b, "payload/job_proof_bundle/manifest.json", &job_manifest)) return f;
  const std::string job_hash(Str(job_manifest.root(), "manifestHash").value_or(""));
  json::Value inputs = header.Find("inputs");
  if (auto v = Str(inputs, "jobProofBundleHash"); v && *v != job_hash) return F("jobProofBundleHash mismatch");
  std::optional<std::string> job_attestation_hash;
  JsonFile job_attestation;
  if (ReadJson(b, "payload/job_proof_bundle/attestation/bundle_head_attestation.json", &job_attestation)) {
    if (auto h = Str(job_attestation.root(), "attestationHash")) job_attestation_hash = std::string(*h);
  }
  if (auto v = Str(inputs, "jobProofHeadAttestationHash"); v && (!job_attestation_hash || *v != *job_attestation_hash)) {
    return F("jobProofHeadAttestationHash mismatch");
  }
  KeyFile keys;
  JsonFile key_file;
  if (!(ReadJson(b, "payload/job_proof_bundle/keys/public_keys.json", &key_file) &&
        ParseEmbeddedKeyFile(key_file.root(), &keys))) {
    keys = KeyFile{};
    if (strict) return F("missing keys/public_keys.json");
  }
  if (strict) {
    std::vector<json::Document> events;
    if (Fail f = ReadJsonlRequired(b, "payload/job_proof_bundle/governance/global/events/events.jsonl", &events)) return f;
    ApplyKeyTimeline({&events}, /*nested=*/true, &keys);
  }

  JsonFile attestation;
  const bool has_attestation = ReadJson(b, "attestation/bundle_head_attestation.json", &attestation);
  if (!has_attestation) {
    if (strict) return F("missing attestation/bundle_head_attestation.json");
    warnings->push_back({"BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT", "", ""});
  }
  DocCheck check{&b, &governance, &keys, Variant::kInvoice, "InvoiceBundle.v1"};
  std::optional<std::string> attestation_hash;
  if (has_attestation) {
    json::Value att = attestation.root();
    std::string hash;
    const auto verify = [&]() -> Fail {
      if (Fail f = AttestationHeader(att, Variant::kInvoice)) return f;
      if (Fail f = InvoiceScopedBinding(att, header, "InvoiceBundle.v1", manifest_hash)) return f;
      if (Fail f = AttestationSignature(att, check, &hash)) return f;
      json::Value heads = att.Find("heads");
      if (!heads.is_object()) return F("attestation missing heads");
      json::Value jp = heads.Find("jobProof");
      if (!jp.is_object()) return F("attestation missing heads.jobProof");
      if (Str(jp, "manifestHash") != std::optional<std::string_view>(job_hash)) {
        return F("attestation jobProof.manifestHash mismatch");
      }
      if (job_attestation_hash && Str(jp, "attestationHash") != std::optional<std::string_view>(*job_attestation_hash)) {
        return F("attestation jobProof.attestationHash mismatch");
      }
      return nullptr;
    };
    if (Fail f = verify()) return Wrap("bundle head attestation invalid", std::move(f));
    attestation_hash = hash;
  }
  if (Fail f = PackReportStep(b, check, manifest_hash, attestation_hash, /*surface=*/true, warnings)) return f;

  JsonFile pricing, metering, claim;
  if (Fail f = ReadJsonRequired(b, "pricing/pricing_matrix.json", &pricing)) return f;
  if (Str(pricing.root(), "schemaVersion") != std::optional<std::string_view>("PricingMatrix.v1")) {
    return F("unsupported pricing schemaVersion");
  }
  if (Fail f = ReadJsonRequired(b, "metering/metering_report.json", &metering)) return f;
  if (Str(metering.root(), "schemaVersion") != std::optional<std::string_view>("MeteringReport.v1")) {
    return F("unsupported metering schemaVersion");
  }
  if (Fail f = ReadJsonRequired(b, "invoice/invoice_claim.json", &claim)) return f;
  if (Str(claim.root(), "schemaVersion") != std::optional<std::string_view>("InvoiceClaim.v1")) {
    return F("unsupported invoice claim schemaVersion");
  }
  if (Fail f = JobBinding(metering.root().Find("jobProof"), "meteringReport", job_hash, job_attestation_hash)) return f;
  if (Fail f = JobBinding(claim.root().Find("jobProof"), "invoiceClaim", job_hash, job_attestation_hash)) return f;

  std::map<std::string_view, std::string_view> job_files;
  json::Value files = job_manifest.root().Find("files");
  for (size_t i = 0; i < files.size(); ++i) {
    auto name = Str(files.at(i), "name");
    auto sha = Str(files.at(i), "sha256");
    if (name && sha) job_files[*name] = *sha;
  }
  json::Value refs = metering.root().Find("evidenceRefs");
  for (size_t i = 0; i < refs.size(); ++i) {
    auto path = Str(refs.at(i), "path");
    auto sha = Str(refs.at(i), "sha256");
    if (!path || !sha) continue;
    auto it = job_files.find(*path);
    if (it == job_files.end()) return FPath("metering evidenceRef not in job proof manifest", std::string(*path));
    if (it->second != *sha) return FPath("metering evidenceRef sha256 mismatch", std::string(*path));
  }
  if (Fail f = InvoiceMath(pricing.root(), metering.root(), claim.root())) return f;
  out->tenant_id = Str(header, "tenantId") ? std::optional<std::string>(std::string(*Str(header, "tenantId"))) : std::nullopt;
  out->type = "InvoiceBundle.v1";
  out->manifest_hash = manifest_hash;
  out->attestation_hash = attestation_hash;
  return nullptr;
}

}  // namespace nooterra::verify::internal
