// ClosePack.v1 (../shared/protocol/verify/08-closepack.md): the embedded invoice, header
// bindings, the evidence index, SLA and acceptance recomputation.
#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "verify/attest.h"

namespace nooterra::verify::internal {

namespace {

constexpr char kInvoicePath[] = "payload/invoice_bundle";

bool SafeInt(json::Value v) {
  if (!v.is_number()) return false;
  const double d = v.as_number();
  return std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740991.0;
}

std::string StrOrNull(json::Value v) { return v.is_string() ? Quote(v.as_string()) : std::string("null"); }

// String(a ?? b ?? "") over JSON values.
std::string Coalesce(json::Value a, json::Value b) {
  for (json::Value v : {a, b}) {
    if (!v.present() || v.is_null()) continue;
    if (v.is_string()) return Quote(v.as_string());
    if (v.is_number() || v.is_bool()) return Quote(CanonicalOf(v));
    return Quote(v.is_array() ? "" : "[object Object]");
  }
  return "\"\"";
}

struct Item {
  std::string key, json;
};

std::string SortedItems(std::vector<Item> items) {
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return LocaleCompare(a.key, b.key) < 0; });
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i].json;
  return out + "]";
}

std::string EvidenceIndex(json::Value stored, json::Value metering, json::Value header,
                          const std::vector<json::Document>& events) {
  json::Value jp = metering.Find("jobProof");
  std::string embedded(Str(jp, "embeddedPath").value_or(""));
  std::replace(embedded.begin(), embedded.end(), '\\', '/');
  std::vector<Item> items;
  json::Value refs = metering.Find("evidenceRefs");
  for (size_t i = 0; i < refs.size(); ++i) {
    auto path = Str(refs.at(i), "path");
    auto sha = Str(refs.at(i), "sha256");
    if (!path || !sha) continue;
    std::string p(*path);
    std::replace(p.begin(), p.end(), '\\', '/');
    const std::string key = "metering:" + p;
    items.push_back({key, "{\"at\":null,\"contentType\":null,\"eventId\":null,\"evidenceId\":null,\"evidenceRefHash\":null,"
                          "\"key\":" + Quote(key) + ",\"kind\":null,\"path\":" + Quote(p) +
                              ",\"sha256\":" + Quote(*sha) + ",\"sizeBytes\":null,\"source\":\"metering_evidence_ref\"}"});
  }
  for (const json::Document& doc : events) {
    json::Value e = doc.root();
    if (Str(e, "type") != std::optional<std::string_view>("EVIDENCE_CAPTURED")) continue;
    json::Value payload = e.Find("payload");
    auto id = NonBlank(payload, "evidenceId");
    if (!payload.is_object() || !id) continue;
    const std::string evidence_id(TrimJs(*id));
    const std::string key = "evidence:" + evidence_id;
    std::string ref_hash = "null";
    if (auto ref = Str(payload, "evidenceRef"); ref && !IsBlank(*ref)) ref_hash = Quote(crypto::Sha256Hex(*ref));
    items.push_back({key, "{\"at\":" + StrOrNull(e.Find("at")) + ",\"contentType\":" + StrOrNull(payload.Find("contentType")) +
                              ",\"eventId\":" + StrOrNull(e.Find("id")) + ",\"evidenceId\":" + Quote(evidence_id) +
                              ",\"evidenceRefHash\":" + ref_hash + ",\"key\":" + Quote(key) +
                              ",\"kind\":" + StrOrNull(payload.Find("kind")) + ",\"path\":null,\"sha256\":null,\"sizeBytes\":" +
                              (SafeInt(payload.Find("sizeBytes")) ? CanonicalOf(payload.Find("sizeBytes")) : "null") +
                              ",\"source\":\"job_evidence_event\"}"});
  }
  const json::Value stored_at = stored.Find("generatedAt");
  const std::string generated = stored_at.is_string() ? Quote(stored_at.as_string())
                                                      : Coalesce(metering.Find("generatedAt"), header.Find("createdAt"));
  return "{\"generatedAt\":" + generated + ",\"items\":" + SortedItems(std::move(items)) +
         ",\"jobProof\":{\"embeddedPath\":" + Quote(std::string(kInvoicePath) + "/" + embedded) +
         ",\"headAttestationHash\":" + CanonicalOf(jp.Find("headAttestationHash")) +
         ",\"manifestHash\":" + CanonicalOf(jp.Find("manifestHash")) + "},\"schemaVersion\":\"EvidenceIndex.v1\"}";
}

struct Facts {
  json::Value booking, proof;
  std::optional<std::string> started_at, completed_at;
  int64_t stall_ms = 0;
};

Facts JobFacts(const std::vector<json::Document>& events) {
  Facts f;
  std::optional<int64_t> stall_start;
  for (const json::Document& doc : events) {
    json::Value e = doc.root();
    const std::string type(Str(e, "type").value_or(""));
    json::Value payload = e.Find("payload");
    if (type == "BOOKED" && payload.is_object()) f.booking = payload;
    if (type == "PROOF_EVALUATED" && payload.is_object()) f.proof = payload;
    const auto at = Str(e, "at");
    if ((type == "EXECUTION_STARTED" || type == "JOB_EXECUTION_STARTED") && !f.started_at && at) f.started_at = std::string(*at);
    if ((type == "EXECUTION_COMPLETED" || type == "JOB_EXECUTION_COMPLETED") && !f.completed_at && at) {
      f.completed_at = std::string(*at);
    }
    const auto t = at ? ParseTimeMs(*at) : std::nullopt;
    if (type == "JOB_EXECUTION_STALLED" && t) stall_start = t;
    if (type == "JOB_EXECUTION_RESUMED") {
      if (t && stall_start) f.stall_ms += std::max<int64_t>(0, *t - *stall_start);
      stall_start.reset();
    }
  }
  return f;
}

std::string OptQuote(const std::optional<std::string>& s) { return s ? Quote(*s) : std::string("null"); }

std::string Overall(const std::vector<std::string>& statuses, const char* bad) {
  if (std::find(statuses.begin(), statuses.end(), bad) != statuses.end()) return bad;
  if (std::find(statuses.begin(), statuses.end(), "unknown") != statuses.end()) return "unknown";
  return "ok";
}

std::string SlaEvaluation(json::Value definition, json::Value stored, json::Value header, const Facts& f) {
  const auto started = f.started_at ? ParseTimeMs(*f.started_at) : std::nullopt;
  const auto completed = f.completed_at ? ParseTimeMs(*f.completed_at) : std::nullopt;
  std::optional<int64_t> exec_ms;
  if (started && completed) exec_ms = std::max<int64_t>(0, *completed - *started);
  std::vector<Item> results;
  std::vector<std::string> statuses;
  json::Value rules = definition.Find("rules");
  for (size_t i = 0; i < rules.size(); ++i) {
    json::Value r = rules.at(i);
    auto rule_id = Str(r, "ruleId");
    auto kind = Str(r, "kind");
    if (!rule_id || !kind) continue;
    std::string status = "unknown", detail;
    if (*kind == "MUST_START_WITHIN_WINDOW") {
      auto start_at = Str(f.booking, "startAt"), end_at = Str(f.booking, "endAt");
      auto ws = start_at ? ParseTimeMs(*start_at) : std::nullopt;
      auto we = end_at ? ParseTimeMs(*end_at) : std::nullopt;
      const std::string window = f.booking.present() ? "{\"endAt\":" + StrOrNull(f.booking.Find("endAt")) +
                                                           ",\"startAt\":" + StrOrNull(f.booking.Find("startAt")) + "}"
                                                     : std::string("null");
      if (ws && we && started) status = (*ws <= *started && *started <= *we) ? "ok" : "breach";
      detail = "{\"startedAt\":" + OptQuote(f.started_at) + ",\"window\":" + window + "}";
    } else if (*kind == "MAX_EXECUTION_MS") {
      json::Value max = r.Find("maxExecutionMs");
      if (SafeInt(max) && exec_ms) status = *exec_ms <= max.as_number() ? "ok" : "breach";
      detail = "{\"completedAt\":" + OptQuote(f.completed_at) + ",\"executionMs\":" +
               (exec_ms ? std::to_string(*exec_ms) : "null") + ",\"maxExecutionMs\":" +
               (SafeInt(max) ? CanonicalOf(max) : "null") + ",\"startedAt\":" + OptQuote(f.started_at) + "}";
    } else if (*kind == "MAX_STALL_MS") {
      json::Value max = r.Find("maxStallMs");
      if (SafeInt(max)) status = f.stall_ms <= max.as_number() ? "ok" : "breach";
      detail = "{\"maxStallMs\":" + (SafeInt(max) ? CanonicalOf(max) : std::string("null")) +
               ",\"stallMs\":" + std::to_string(f.stall_ms) + "}";
    } else if (*kind == "PROOF_ZONE_COVERAGE_MIN_PCT") {
      json::Value threshold = r.Find("thresholdPct");
      json::Value min = f.proof.Find("metrics").Find("minCoveragePct");
      if (SafeInt(threshold) && SafeInt(min)) status = min.as_number() >= threshold.as_number() ? "ok" : "breach";
      detail = "{\"minCoveragePct\":" + (SafeInt(min) ? CanonicalOf(min) : std::string("null")) +
               ",\"thresholdPct\":" + (SafeInt(threshold) ? CanonicalOf(threshold) : std::string("null")) + "}";
    } else {
      detail = "{\"reason\":\"unsupported rule kind\"}";
    }
    statuses.push_back(status);
    results.push_back({std::string(*rule_id), "{\"detail\":" + detail + ",\"kind\":" + Quote(*kind) +
                                                   ",\"ruleId\":" + Quote(*rule_id) + ",\"status\":" + Quote(status) + "}"});
  }
  return "{\"generatedAt\":" + Coalesce(stored.Find("generatedAt"), header.Find("createdAt")) +
         ",\"overallStatus\":" + Quote(Overall(statuses, "breach")) + ",\"results\":" + SortedItems(std::move(results)) +
         ",\"schemaVersion\":\"SlaEvaluation.v1\"}";
}

std::string AcceptanceEvaluation(json::Value criteria_doc, json::Value stored, json::Value stored_sla,
                                 json::Value header, const Facts& f) {
  std::vector<Item> results;
  std::vector<std::string> statuses;
  json::Value criteria = criteria_doc.Find("criteria");
  for (size_t i = 0; i < criteria.size(); ++i) {
    json::Value c = criteria.at(i);
    auto id = Str(c, "criterionId");
    auto kind = Str(c, "kind");
    if (!id || !kind) continue;
    std::string status = "unknown", detail;
    if (*kind == "PROOF_STATUS_EQUALS") {
      auto expected = Str(c, "expectedStatus");
      auto actual = Str(f.proof, "status");
      const bool e = expected && !expected->empty(), a = actual && !actual->empty();
      if (e && a) status = *expected == *actual ? "ok" : "fail";
      detail = "{\"actualStatus\":" + (a ? Quote(*actual) : std::string("null")) +
               ",\"expectedStatus\":" + (e ? Quote(*expected) : std::string("null")) + "}";
    } else if (*kind == "SLA_OVERALL_OK") {
      auto overall = Str(stored_sla, "overallStatus");
      if (overall) status = *overall == "ok" ? "ok" : "fail";
      detail = "{\"overallStatus\":" + (overall ? Quote(*overall) : std::string("null")) + "}";
    } else {
      detail = "{\"reason\":\"unsupported criterion kind\"}";
    }
    statuses.push_back(status);
    results.push_back({std::string(*id), "{\"criterionId\":" + Quote(*id) + ",\"detail\":" + detail +
                                             ",\"kind\":" + Quote(*kind) + ",\"status\":" + Quote(status) + "}"});
  }
  return "{\"generatedAt\":" + Coalesce(stored.Find("generatedAt"), header.Find("createdAt")) +
         ",\"overallStatus\":" + Quote(Overall(statuses, "fail")) + ",\"results\":" + SortedItems(std::move(results)) +
         ",\"schemaVersion\":\"AcceptanceEvaluation.v1\"}";
}

}  // namespace

Fail VerifyClosePack(const Scope& b, std::vector<Warning>* warnings, KindResult* out) {
  const bool strict = b.options->strict;
  JsonFile header_file, manifest_file;
  std::string manifest_hash;
  if (Fail f = PackPrelude(b, "ClosePack.v1", "ClosePackManifest.v1",
                           {"nooterra.json", "governance/policy.json", "governance/revocations.json",
                            "evidence/evidence_index.json", "payload/invoice_bundle/nooterra.json",
                            "payload/invoice_bundle/manifest.json"},
                           "failed to hash file", warnings, &header_file, &manifest_file, &manifest_hash)) {
    return f;
  }
  json::Value header = header_file.root();

  // The embedded invoice first; its warnings are kept only when it fails.
  const Scope invoice = b.Sub(kInvoicePath);
  std::vector<Warning> invoice_warnings;
  KindResult ir;
  if (Fail f = VerifyInvoiceBundle(invoice, &invoice_warnings, &ir)) {
    warnings->insert(warnings->end(), invoice_warnings.begin(), invoice_warnings.end());
    return Wrap("embedded invoice bundle verification failed", std::move(f));
  }
  json::Value binding = header.Find("invoiceBundle");
  const auto member = [&](std::string_view k) -> std::optional<std::string_view> {
    auto s = Str(binding, k);
    if (!s || s->empty()) return std::nullopt;
    return s;
  };
  if (auto p = member("embeddedPath"); p && *p != kInvoicePath) return F("closepack invoiceBundle.embeddedPath invalid");
  if (auto h = member("manifestHash"); h && *h != ir.manifest_hash.value_or("")) {
    return F("closepack invoiceBundle.manifestHash mismatch");
  }
  if (auto h = member("headAttestationHash"); strict && h && ir.attestation_hash && *h != *ir.attestation_hash) {
    return F("closepack invoiceBundle.headAttestationHash mismatch");
  }
  KeyFile keys;
  JsonFile key_file;
  if (!(ReadJson(b, "payload/invoice_bundle/payload/job_proof_bundle/keys/public_keys.json", &key_file) &&
        ParseEmbeddedKeyFile(key_file.root(), &keys))) {
    keys = KeyFile{};
    if (strict) return F("missing keys/public_keys.json");
  }
  if (strict) {
    std::vector<json::Document> events;
    if (Fail f = ReadJsonlRequired(b, "payload/invoice_bundle/payload/job_proof_bundle/governance/global/events/events.jsonl",
                                   &events)) {
      return f;
    }
    ApplyKeyTimeline({&events}, /*nested=*/true, &keys);
  }
  Governance governance;
  if (Fail f = LoadGovernance(b, ListCheck::kClosePack, warnings, &governance)) return f;

  JsonFile attestation;
  DocCheck check{&b, &governance, &keys, Variant::kClose, "ClosePack.v1"};
  if (!ReadJson(b, "attestation/bundle_head_attestation.json", &attestation)) {
    if (strict) return F("missing attestation/bundle_head_attestation.json");
    warnings->push_back({"BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT", "", ""});
  } else {
    json::Value att = attestation.root();
    std::string hash;
    const auto verify = [&]() -> Fail {
      if (Fail f = AttestationHeader(att, Variant::kClose)) return f;
      if (Fail f = InvoiceScopedBinding(att, header, "ClosePack.v1", manifest_hash)) return f;
      if (Fail f = AttestationSignature(att, check, &hash)) return f;
      json::Value heads = att.Find("heads");
      if (!heads.is_object()) return F("attestation missing heads");
      json::Value ib = heads.Find("invoiceBundle");
      if (!ib.is_object()) return F("attestation missing heads.invoiceBundle");
      if (Str(ib, "manifestHash") != std::optional<std::string_view>(ir.manifest_hash.value_or(""))) {
        return F("attestation invoiceBundle.manifestHash mismatch");
      }
      if (ir.attestation_hash && Str(ib, "attestationHash") != std::optional<std::string_view>(*ir.attestation_hash)) {
        return F("attestation invoiceBundle.attestationHash mismatch");
      }
      return nullptr;
    };
    if (Fail f = verify()) return Wrap("bundle head attestation invalid", std::move(f));
  }
  if (Fail f = PackReportStep(b, check, manifest_hash, std::nullopt, /*surface=*/false, warnings)) return f;

  JsonFile index;
  if (!ReadJson(b, "evidence/evidence_index.json", &index)) return F("missing evidence/evidence_index.json");
  if (Str(index.root(), "schemaVersion") != std::optional<std::string_view>("EvidenceIndex.v1")) {
    return F("unsupported evidence index schemaVersion");
  }
  JsonFile metering;
  if (Fail f = ReadJsonRequired(b, "payload/invoice_bundle/metering/metering_report.json", &metering)) return f;
  json::Value jp = metering.root().Find("jobProof");
  for (std::string_view k : {"embeddedPath", "manifestHash", "headAttestationHash"}) {
    auto s = Str(jp, k);
    if (!s || s->empty()) return F("meteringReport jobProof binding missing");
  }
  const std::string embedded(*Str(jp, "embeddedPath"));
  std::vector<json::Document> events;
  // The path comes from the metering report; BundleDir refuses any ".." or symlink in it.
  if (Fail f = ReadJsonlRequired(b, std::string(kInvoicePath) + "/" + embedded + "/events/events.jsonl", &events)) return f;
  if (events.empty()) return F("job proof events missing");
  const std::string expected_index = EvidenceIndex(index.root(), metering.root(), header, events);
  if (expected_index != CanonicalOf(index.root())) {
    return WithJson(F("closepack evidence_index mismatch"), "expected", expected_index);
  }
  const Facts facts = JobFacts(events);
  JsonFile sla_def, sla_eval, acc_crit, acc_eval;
  const bool has_def = ReadJson(b, "sla/sla_definition.json", &sla_def);
  const bool has_eval = ReadJson(b, "sla/sla_evaluation.json", &sla_eval);
  if (!strict && !has_def) warnings->push_back({"CLOSE_PACK_SLA_SURFACES_MISSING_LENIENT", "", ""});
  if (has_def != has_eval) {
    if (strict) return F("closepack sla surfaces incomplete");
  } else if (has_def) {
    if (Str(sla_def.root(), "schemaVersion") != std::optional<std::string_view>("SlaDefinition.v1")) {
      return F("unsupported sla definition schemaVersion");
    }
    if (SlaEvaluation(sla_def.root(), sla_eval.root(), header, facts) != CanonicalOf(sla_eval.root())) {
      return F("closepack sla_evaluation mismatch");
    }
  }
  const bool has_crit = ReadJson(b, "acceptance/acceptance_criteria.json", &acc_crit);
  const bool has_acc = ReadJson(b, "acceptance/acceptance_evaluation.json", &acc_eval);
  if (!strict && !has_crit) warnings->push_back({"CLOSE_PACK_ACCEPTANCE_SURFACES_MISSING_LENIENT", "", ""});
  if (has_crit != has_acc) {
    if (strict) return F("closepack acceptance surfaces incomplete");
  } else if (has_crit) {
    if (Str(acc_crit.root(), "schemaVersion") != std::optional<std::string_view>("AcceptanceCriteria.v1")) {
      return F("unsupported acceptance criteria schemaVersion");
    }
    const json::Value stored_sla = has_eval ? sla_eval.root() : json::Value();
    if (AcceptanceEvaluation(acc_crit.root(), acc_eval.root(), stored_sla, header, facts) != CanonicalOf(acc_eval.root())) {
      return F("closepack acceptance_evaluation mismatch");
    }
  }
  if (auto t = Str(header, "tenantId")) out->tenant_id = std::string(*t);
  out->type = "ClosePack.v1";
  out->manifest_hash = manifest_hash;
  return nullptr;
}

}  // namespace nooterra::verify::internal
