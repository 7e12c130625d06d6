// The settlement of a marketplace run: the run's verification, the verifier plugins, the pinned
// policy, the decision record and receipt, the settlement kernel's binding checks
// (agreement/run_settlement.h), and Kernel::ReplayEvaluateRun, which re-derives the decision from
// the stored records (05-policy-evaluation.md §1.4, §2.1; 02-object-model.md §6-8).
#include "agreement/run_settlement.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::agreement {
namespace internal {

using Code = absl::StatusCode;
using objects::ObjectType;

absl::StatusOr<std::optional<json::Tree>> LoadJson(const store::ReadTxn& txn, std::string_view tenant,
                                                   const std::string& key) {
  auto bytes = txn.Get(store::Table::kObjects, tenant, key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<json::Tree>();
  auto tree = json::Tree::Parse(**bytes);
  if (!tree.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("record ", key, " does not parse"));
  return std::optional<json::Tree>(std::move(*tree));
}

absl::Status SaveJson(store::WriteTxn& txn, std::string_view tenant, const std::string& key, const json::Tree& t,
                      bool insert) {
  const std::string text = Canonical(t);
  return insert ? txn.Insert(store::Table::kObjects, tenant, key, text) : txn.Put(store::Table::kObjects, tenant, key, text);
}

std::string RunKey(std::string_view run_id) { return StrCat("run/", run_id); }
std::string AgreementKey(std::string_view run_id) { return StrCat("runagr/", run_id); }
std::string SettlementKey(std::string_view run_id) { return StrCat("runsetl/", run_id); }
std::string EventKey(std::string_view run_id, int64_t seq) {
  std::string n = std::to_string(seq);
  return StrCat("runev/", run_id, "/", std::string(6 - std::min<size_t>(6, n.size()), '0'), n);
}

// computeAgentRunVerification (04 §1): the base status and its reasons.


RunVerification VerifyRun(const json::Tree& run) {
  RunVerification v;
  const std::string status = S(run, "status");
  const json::Tree* metrics = run.Find("metrics");
  if (status == "completed") {
    const json::Tree* rate = metrics != nullptr && metrics->is_object() ? metrics->Find("settlementReleaseRatePct") : nullptr;
    const double r = rate != nullptr && rate->is_number() ? rate->as_number() : 100;
    if (r >= 100) {
      v.status = "green";
    } else if (r <= 0) {
      v.status = "red";
      v.reasons.push_back("RUN_COMPLETED_ZERO_SETTLEMENT");
    } else {
      v.status = "amber";
      v.reasons.push_back("RUN_COMPLETED_PARTIAL_SETTLEMENT");
    }
  } else if (status == "failed") {
    v.status = "red";
    v.reasons.push_back("RUN_FAILED");
    const json::Tree* failure = run.Find("failure");
    if (failure != nullptr && failure->is_object() && !S(*failure, "code").empty()) {
      v.reasons.push_back(StrCat("RUN_FAILED_", S(*failure, "code")));
    }
  } else {
    v.status = "amber";
    v.reasons.push_back(status == "running" ? "RUN_IN_PROGRESS" : "RUN_CREATED_NOT_STARTED");
  }
  const json::Tree* ar = run.Find("actionRequired");
  if (ar != nullptr && ar->is_object()) {
    v.reasons.push_back("RUN_ACTION_REQUIRED");
    if (!S(*ar, "code").empty()) v.reasons.push_back(StrCat("RUN_ACTION_REQUIRED_", S(*ar, "code")));
  }
  const std::string end = status == "failed" ? S(run, "failedAt") : S(run, "completedAt");
  auto start_ms = js::ParseInstantMs(S(run, "startedAt"));
  auto end_ms = js::ParseInstantMs(end);
  if (start_ms && end_ms && *end_ms >= *start_ms) v.duration_ms = *end_ms - *start_ms;
  return v;
}

// The verifier plugins (05 §1.4).


VerifierExecution ExecuteVerifier(const json::Tree& method, const json::Tree& run, const RunVerification& base) {
  // The matching form of the source: lower-cased, query and fragment ignored, trailing '/' stripped.
  std::string source = js::LowerTrim(S(method, "source"));
  std::string match = source.substr(0, source.find_first_of("?#"));
  while (!match.empty() && match.back() == '/') match.pop_back();
  while (!source.empty() && source.back() == '/') source.pop_back();
  const bool failed = S(run, "status") == "failed";
  const std::string base_status = failed ? "red" : (base.status.empty() ? "amber" : base.status);
  VerifierExecution x;
  auto ref = [&](std::string id) {
    json::Tree r = json::Tree::Object();
    r.Add("verifierId", T(id));
    r.Add("verifierVersion", T("v1"));
    r.Add("verifierHash", T(policy::VerifierHash(source, id, "v1")));
    r.Add("modality", T("deterministic"));
    return r;
  };
  const json::Tree* metrics = run.Find("metrics");
  const json::Tree* latency_v = metrics != nullptr && metrics->is_object() ? metrics->Find("latencyMs") : nullptr;
  std::optional<double> latency;
  if (latency_v != nullptr && latency_v->is_number()) latency = latency_v->as_number();
  if (!latency && base.duration_ms) latency = static_cast<double>(*base.duration_ms);
  if (match == "verifier://nooterra/deterministic/latency-threshold-v1") {
    x.verifier_ref = ref("nooterra.deterministic.latency-threshold");
    if (failed) {
      x.status = "red";
      x.reason_codes.push_back("verifier_plugin_run_failed");
    } else if (!latency) {
      x.status = "amber";
      x.reason_codes.push_back("verifier_plugin_latency_missing");
    } else if (*latency <= 1000) {
      x.status = "green";
    } else if (*latency >= 4000) {
      x.status = "red";
      x.reason_codes.push_back("verifier_plugin_latency_above_red_threshold");
    } else {
      x.status = "amber";
      x.reason_codes.push_back("verifier_plugin_latency_between_thresholds");
    }
  } else if (match == "verifier://nooterra/deterministic/schema-check-v1" ||
             match == "verifier://nooterra/deterministic/jsonschema-v1") {
    x.verifier_ref = ref("nooterra.deterministic.schema-check");
    // Configuration from the query: latencymaxms (default 1200), requiresettlementreleaseratepct.
    double latency_max = 1200;
    bool require_rate = false;
    const size_t q = source.find('?');
    if (q != std::string::npos) {
      std::string_view query(source);
      query = query.substr(q + 1, query.find('#') == std::string_view::npos ? std::string_view::npos : query.find('#') - q - 1);
      while (!query.empty()) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        const size_t eq = pair.find('=');
        const std::string_view k = pair.substr(0, eq), val = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
        if (k == "latencymaxms") {
          double n = 0;
          const auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), n);  // locale-free
          if (ec == std::errc() && end == val.data() + val.size() && std::isfinite(n)) latency_max = n;
        } else if (k == "requiresettlementreleaseratepct") {
          require_rate = val == "1" || val == "true" || val == "yes";
        }
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      }
    }
    const json::Tree* rate = metrics != nullptr && metrics->is_object() ? metrics->Find("settlementReleaseRatePct") : nullptr;
    const bool violated = S(run, "status") != "completed" || !latency || *latency > latency_max ||
                          (require_rate && (rate == nullptr || !rate->is_number())) ||
                          (rate != nullptr && rate->is_number() && rate->as_number() > 100);
    x.status = violated ? "red" : "green";
    if (violated) x.reason_codes.push_back("verifier_plugin_schema_check_failed");
  } else {
    json::Tree r = json::Tree::Object();
    r.Add("verifierId", T("nooterra.policy-engine"));
    r.Add("verifierVersion", T("v1"));
    r.Add("verifierHash", json::Tree::Null());
    r.Add("modality", method.Find("mode") != nullptr ? *method.Find("mode") : json::Tree::Null());
    x.verifier_ref = std::move(r);
    x.status = base_status;
  }
  return x;
}

json::Tree ExecutionJson(const VerifierExecution& x) {
  json::Tree out = json::Tree::Object();
  out.Add("verifierRef", x.verifier_ref);
  out.Add("verificationStatus", T(x.status));
  json::Tree codes = json::Tree::Array();
  for (const std::string& c : x.reason_codes) codes.Push(T(c));
  out.Add("reasonCodes", std::move(codes));
  return out;
}

// The evaluation surface replay compares (05 §2.1): reason codes in plain code-unit order.
json::Tree PolicySurface(const json::Tree& evaluation) {
  json::Tree out = json::Tree::Object();
  for (std::string_view k : {"decisionMode", "settlementStatus", "verificationStatus", "runStatus"}) {
    const json::Tree* v = evaluation.Find(k);
    out.Add(k, v != nullptr ? *v : json::Tree::Null());
  }
  const json::Tree* auto_v = evaluation.Find("shouldAutoResolve");
  out.Add("shouldAutoResolve", json::Tree::Bool(auto_v != nullptr && auto_v->is_bool() && auto_v->as_bool()));
  for (std::string_view k : {"releaseRatePct", "releaseAmountCents", "refundAmountCents"}) out.Add(k, N(I(evaluation, k)));
  std::vector<std::string> codes;
  const json::Tree* rc = evaluation.Find("reasonCodes");
  if (rc != nullptr && rc->is_array()) {
    for (const json::Tree& c : rc->items()) codes.push_back(c.is_string() ? c.as_string() : "");
  }
  std::sort(codes.begin(), codes.end());
  json::Tree list = json::Tree::Array();
  for (std::string& c : codes) list.Push(T(std::move(c)));
  out.Add("reasonCodes", std::move(list));
  return out;
}

// The decision record (v2) and the receipt bound to it, for the settlement's state.


absl::StatusOr<Artifacts> BuildArtifacts(std::string_view tenant, const json::Tree& settlement, const json::Tree& agreement,
                                         const json::Tree& run, const json::Tree& verifier_ref,
                                         const json::Tree& verification_status, std::string_view now) {
  const std::string settlement_id = S(settlement, "settlementId"), run_id = S(settlement, "runId");
  const int64_t revision = I(settlement, "revision");
  json::Tree d = json::Tree::Object();
  d.Add("decisionId", T(StrCat("dec_", settlement_id, "_r", revision)));
  d.Add("tenantId", T(std::string(tenant)));
  d.Add("runId", T(run_id));
  d.Add("settlementId", T(settlement_id));
  d.Add("agreementId", T(S(agreement, "agreementId")));
  d.Add("decisionStatus", T(S(settlement, "decisionStatus")));
  d.Add("decisionMode", T(S(settlement, "decisionMode")));
  d.Add("decisionReason", settlement.Find("decisionReason") != nullptr ? *settlement.Find("decisionReason") : json::Tree::Null());
  d.Add("verificationStatus", verification_status);
  d.Add("policyHashUsed", T(S(agreement, "policyHash")));
  d.Add("verificationMethodHashUsed", T(S(agreement, "verificationMethodHash")));
  json::Tree policy_ref = json::Tree::Object();
  policy_ref.Add("policyHash", T(S(agreement, "policyHash")));
  policy_ref.Add("verificationMethodHash", T(S(agreement, "verificationMethodHash")));
  d.Add("policyRef", std::move(policy_ref));
  d.Add("verifierRef", verifier_ref);
  json::Tree work = json::Tree::Object();
  work.Add("runStatus", T(S(run, "status")));
  work.Add("runLastEventId", T(S(run, "lastEventId")));
  work.Add("runLastChainHash", T(S(run, "lastChainHash")));
  work.Add("resolutionEventId", settlement.Find("resolutionEventId") != nullptr ? *settlement.Find("resolutionEventId") : json::Tree::Null());
  d.Add("workRef", std::move(work));
  d.Add("decidedAt", T(std::string(now)));
  auto decision = objects::Build(ObjectType::kSettlementDecisionRecordV2, Canonical(d));
  if (!decision.ok()) return decision.status();
  const std::string status = S(settlement, "status");
  json::Tree r = json::Tree::Object();
  r.Add("receiptId", T(StrCat("rcpt_", settlement_id, "_r", revision)));
  r.Add("tenantId", T(std::string(tenant)));
  r.Add("runId", T(run_id));
  r.Add("settlementId", T(settlement_id));
  json::Tree decision_ref = json::Tree::Object();
  decision_ref.Add("decisionId", T(S(decision->body, "decisionId")));
  decision_ref.Add("decisionHash", T(decision->hash));
  r.Add("decisionRef", std::move(decision_ref));
  r.Add("status", T(status));
  r.Add("amountCents", N(I(settlement, "amountCents")));
  r.Add("releasedAmountCents", N(I(settlement, "releasedAmountCents")));
  r.Add("refundedAmountCents", N(I(settlement, "refundedAmountCents")));
  r.Add("releaseRatePct", N(I(settlement, "releaseRatePct")));
  r.Add("currency", T(S(settlement, "currency")));
  r.Add("runStatus", T(S(run, "status")));
  r.Add("resolutionEventId", settlement.Find("resolutionEventId") != nullptr ? *settlement.Find("resolutionEventId") : json::Tree::Null());
  r.Add("settledAt", status == "locked" ? json::Tree::Null() : T(std::string(now)));
  r.Add("createdAt", T(std::string(now)));
  auto receipt = objects::Build(ObjectType::kSettlementReceipt, Canonical(r));
  if (!receipt.ok()) return receipt.status();
  return Artifacts{*std::move(decision), *std::move(receipt)};
}

// verifySettlementKernelArtifacts (02 §8): every failing check's code, in the digest's order.
std::vector<std::string> VerifyKernelArtifacts(const json::Tree* settlement, std::string_view run_id) {
  std::vector<std::string> errors;
  if (settlement == nullptr) return {"settlement_missing"};
  if (S(*settlement, "runId") != run_id) errors.push_back("settlement_run_id_mismatch");
  const json::Tree* trace = settlement->Find("decisionTrace");
  const json::Tree* record = trace != nullptr ? trace->Find("decisionRecord") : nullptr;
  const json::Tree* receipt = trace != nullptr ? trace->Find("settlementReceipt") : nullptr;
  std::optional<int64_t> decided_ms;
  if (record == nullptr || !record->is_object()) {
    errors.push_back("decision_record_missing");
  } else {
    if (S(*record, "schemaVersion") == "SettlementDecisionRecord.v2") {
      const json::Tree* pnv = record->Find("policyNormalizationVersion");
      if (pnv != nullptr && (!pnv->is_string() || pnv->as_string().empty() || pnv->as_string().size() > 64)) {
        errors.push_back("decision_record_policy_normalization_version_invalid");
      }
      const std::string used = S(*record, "policyHashUsed");
      if (used.empty()) errors.push_back("decision_record_policy_hash_used_missing");
      else if (!js::IsHex64(used)) errors.push_back("decision_record_policy_hash_used_invalid");
      for (auto [k, code] : {std::pair<std::string_view, std::string_view>{"profileHashUsed", "decision_record_profile_hash_used_invalid"},
                             {"verificationMethodHashUsed", "decision_record_verification_method_hash_used_invalid"}}) {
        const json::Tree* v = record->Find(k);
        if (v != nullptr && !v->is_null() && (!v->is_string() || !js::IsHex64(v->as_string()))) errors.emplace_back(code);
      }
    }
    const std::string hash = S(*record, "decisionHash");
    if (!js::IsHex64(hash)) {
      errors.push_back("decision_record_hash_invalid");
    } else {
      auto computed = objects::ComputeHash(S(*record, "schemaVersion") == "SettlementDecisionRecord.v1"
                                               ? ObjectType::kSettlementDecisionRecordV1
                                               : ObjectType::kSettlementDecisionRecordV2,
                                           *record);
      if (!computed.ok() || *computed != hash) errors.push_back("decision_record_hash_mismatch");
    }
    if (S(*record, "runId") != S(*settlement, "runId")) errors.push_back("decision_record_run_id_mismatch");
    if (S(*record, "settlementId") != S(*settlement, "settlementId")) errors.push_back("decision_record_settlement_id_mismatch");
    decided_ms = js::ParseInstantMs(S(*record, "decidedAt"));
    if (!decided_ms) errors.push_back("decision_record_decided_at_invalid");
  }
  if (receipt == nullptr || !receipt->is_object()) {
    errors.push_back("settlement_receipt_missing");
    return errors;
  }
  const std::string receipt_hash = S(*receipt, "receiptHash");
  if (!js::IsHex64(receipt_hash)) {
    errors.push_back("settlement_receipt_hash_invalid");
  } else {
    auto computed = objects::ComputeHash(ObjectType::kSettlementReceipt, *receipt);
    if (!computed.ok() || *computed != receipt_hash) errors.push_back("settlement_receipt_hash_mismatch");
  }
  if (S(*receipt, "runId") != S(*settlement, "runId")) errors.push_back("settlement_receipt_run_id_mismatch");
  if (S(*receipt, "settlementId") != S(*settlement, "settlementId")) errors.push_back("settlement_receipt_settlement_id_mismatch");
  const json::Tree* ref = receipt->Find("decisionRef");
  if (ref == nullptr || !ref->is_object()) {
    errors.push_back("settlement_receipt_decision_ref_missing");
  } else if (record != nullptr && record->is_object()) {
    if (S(*ref, "decisionId") != S(*record, "decisionId")) errors.push_back("settlement_receipt_decision_id_mismatch");
    if (S(*ref, "decisionHash") != S(*record, "decisionHash")) errors.push_back("settlement_receipt_decision_hash_mismatch");
  }
  auto created_ms = js::ParseInstantMs(S(*receipt, "createdAt"));
  if (!created_ms) {
    errors.push_back("settlement_receipt_created_at_invalid");
  } else if (decided_ms && *created_ms < *decided_ms) {
    errors.push_back("settlement_receipt_before_decision");
  }
  const json::Tree* settled = receipt->Find("settledAt");
  if (settled != nullptr && !settled->is_null()) {
    auto settled_ms = settled->is_string() ? js::ParseInstantMs(settled->as_string()) : std::nullopt;
    if (!settled_ms) {
      errors.push_back("settlement_receipt_settled_at_invalid");
    } else {
      if (decided_ms && *settled_ms < *decided_ms) errors.push_back("settlement_receipt_settled_before_decision");
      if (created_ms && *settled_ms < *created_ms) errors.push_back("settlement_receipt_settled_before_created");
    }
  }
  return errors;
}

// The milestone cap (05 §1.3), after the settlement policy: when the agreement carries
// terms.milestones, the release rate is at most the sum of releaseRatePct over milestones the run
// completed (run.metrics.completedMilestoneIds, our choice of where a run reports them) whose
// statusGate is "any" or the verification status and whose requiredEvidenceCount the run's
// evidenceRefs meet, clamped to 0..100. A lower rate recomputes the amounts and appends
// milestone_release_cap_applied; it does not by itself send the decision to review.
void ApplyMilestoneCap(const json::Tree& agreement, const json::Tree& run, policy::SettlementEvaluation* e) {
  const json::Tree* terms = agreement.Find("terms");
  const json::Tree* milestones = terms != nullptr ? terms->Find("milestones") : nullptr;
  if (milestones == nullptr || !milestones->is_array()) return;
  const json::Tree* metrics = run.Find("metrics");
  const json::Tree* completed = metrics != nullptr && metrics->is_object() ? metrics->Find("completedMilestoneIds") : nullptr;
  const json::Tree* evidence = run.Find("evidenceRefs");
  const int64_t evidence_count = evidence != nullptr && evidence->is_array() ? static_cast<int64_t>(evidence->items().size()) : 0;
  int64_t sum = 0;
  for (const json::Tree& m : milestones->items()) {
    bool done = false;
    for (size_t i = 0; completed != nullptr && completed->is_array() && i < completed->items().size() && !done; ++i) {
      const json::Tree& c = completed->items()[i];
      done = c.is_string() && c.as_string() == S(m, "milestoneId");
    }
    const std::string gate = S(m, "statusGate");
    if (done && (gate == "any" || gate == e->verification_status) && I(m, "requiredEvidenceCount") <= evidence_count) {
      sum += I(m, "releaseRatePct");
    }
  }
  const int64_t cap = std::clamp<int64_t>(sum, 0, 100);
  if (cap >= e->release_rate_pct) return;
  const int64_t amount = e->release_amount_cents + e->refund_amount_cents;
  e->release_rate_pct = cap;
  e->release_amount_cents = policy::ReleaseAmountCents(amount, cap);
  e->refund_amount_cents = amount - e->release_amount_cents;
  e->settlement_status = e->release_amount_cents > 0 ? "released" : "refunded";
  e->reason_codes.push_back("milestone_release_cap_applied");
}

absl::StatusOr<Reevaluation> Reevaluate(const json::Tree& run, const json::Tree& agreement) {
  const RunVerification base = VerifyRun(run);
  VerifierExecution x = ExecuteVerifier(*agreement.Find("verificationMethod"), run, base);
  const std::string run_status = S(run, "status") == "failed" ? "failed" : "completed";
  auto pinned_policy = json::Document::Parse(Canonical(*agreement.Find("policy")));
  auto pinned_method = json::Document::Parse(Canonical(*agreement.Find("verificationMethod")));
  if (!pinned_policy.ok() || !pinned_method.ok()) {
    return Error(Code::kDataLoss, "STORE_CORRUPT", "the pinned policy does not parse");
  }
  auto evaluation = policy::EvaluateSettlementPolicy(pinned_policy->root(), pinned_method->root(), x.status, run_status,
                                                     I(agreement, "amountCents"));
  if (!evaluation.ok()) return evaluation.status();
  if (evaluation->policy_hash != S(agreement, "policyHash") ||
      evaluation->verification_method_hash != S(agreement, "verificationMethodHash")) {
    // The agreement record was changed after it was written: a corrupt store, not bad input.
    return Error(Code::kDataLoss, "STORE_CORRUPT", "the run's pinned policy or method no longer hashes to its pin");
  }
  ApplyMilestoneCap(agreement, run, &*evaluation);
  auto evaluation_json = json::Tree::Parse(policy::EvaluationJson(*evaluation));
  if (!evaluation_json.ok()) return evaluation_json.status();
  return Reevaluation{std::move(x), *std::move(evaluation), *std::move(evaluation_json)};
}

}  // namespace internal

using namespace internal;  // NOLINT

absl::StatusOr<std::string> Kernel::ReplayEvaluateRun(std::string_view tenant, std::string_view run_id) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::string out;
  absl::Status status = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto run = LoadJson(txn, tenant, RunKey(run_id));
    if (!run.ok()) return run.status();
    if (!run->has_value()) return Error(Code::kNotFound, "RUN_NOT_FOUND", StrCat("no run ", run_id));
    auto settlement = LoadJson(txn, tenant, SettlementKey(run_id));
    if (!settlement.ok()) return settlement.status();
    auto agreement = LoadJson(txn, tenant, AgreementKey(run_id));
    if (!agreement.ok()) return agreement.status();
    if (!settlement->has_value() || !agreement->has_value()) {
      return Error(Code::kNotFound, "RUN_SETTLEMENT_NOT_FOUND", StrCat("run ", run_id, " has no settlement"));
    }
    const json::Tree &r = **run, &s = **settlement, &a = **agreement;
    // Recompute from the stored records only: verifier, then the pinned policy.
    auto re = Reevaluate(r, a);
    if (!re.ok()) return re.status();
    const VerifierExecution& x = re->verifier;
    const policy::SettlementEvaluation* evaluation = &re->evaluation;
    const json::Tree* evaluation_json = &re->evaluation_json;
    const bool locked = S(s, "status") == "locked";
    // Ours beyond 05 §2.1: once an operator resolved a review (ResolveRunSettlement), the expected
    // decision is manual_resolved and the settlement status is the operator's.
    const std::string expected_decision = evaluation->should_auto_resolve ? (locked ? "pending" : "auto_resolved")
                                          : locked                       ? "manual_review_required"
                                                                         : "manual_resolved";
    const std::string expected_settlement = evaluation->should_auto_resolve ? evaluation->settlement_status
                                            : locked                        ? "locked"
                                                                            : S(s, "status");
    const bool matches_stored = S(s, "decisionStatus") == expected_decision && S(s, "status") == expected_settlement;
    const json::Tree* trace = s.Find("decisionTrace");
    const json::Tree* stored_decision = trace != nullptr ? trace->Find("policyDecision") : nullptr;
    const bool policy_matches = stored_decision != nullptr && stored_decision->is_object() &&
                                Canonical(PolicySurface(*stored_decision)) == Canonical(PolicySurface(*evaluation_json));
    const json::Tree* record = trace != nullptr ? trace->Find("decisionRecord") : nullptr;
    json::Tree critical = json::Tree::Null();
    if (record != nullptr && S(*record, "schemaVersion") == "SettlementDecisionRecord.v2") {
      critical = json::Tree::Bool(S(*record, "policyHashUsed") == S(a, "policyHash") &&
                                  (S(a, "verificationMethodHash").empty() ||
                                   S(*record, "verificationMethodHashUsed") == S(a, "verificationMethodHash")));
    }
    auto normalized_ref = [](const json::Tree* ref) {
      json::Tree n = json::Tree::Object();
      for (std::string_view k : {"verifierId", "verifierVersion", "verifierHash", "modality"}) {
        std::string v = ref != nullptr && ref->is_object() ? std::string(js::TrimJs(S(*ref, k))) : "";
        if (k == "verifierHash" || k == "modality") v = js::LowerTrim(v);
        n.Add(k, v.empty() ? json::Tree::Null() : T(v));
      }
      return Canonical(n);
    };
    const bool verifier_matches = record != nullptr && normalized_ref(record->Find("verifierRef")) == normalized_ref(&x.verifier_ref);
    const std::vector<std::string> binding_errors = VerifyKernelArtifacts(&s, run_id);
    json::Tree errors = json::Tree::Array();
    for (const std::string& e : binding_errors) errors.Push(T(e));
    json::Tree replay = json::Tree::Object();
    replay.Add("verifierExecution", ExecutionJson(x));
    replay.Add("policyDecision", PolicySurface(*evaluation_json));
    replay.Add("expectedDecisionStatus", T(expected_decision));
    replay.Add("expectedSettlementStatus", T(expected_settlement));
    json::Tree stored = json::Tree::Object();
    stored.Add("decisionStatus", T(S(s, "decisionStatus")));
    stored.Add("settlementStatus", T(S(s, "status")));
    stored.Add("policyDecision", stored_decision != nullptr && stored_decision->is_object() ? PolicySurface(*stored_decision) : json::Tree::Null());
    json::Tree comparisons = json::Tree::Object();
    comparisons.Add("matchesStoredDecision", json::Tree::Bool(matches_stored));
    comparisons.Add("policyDecisionMatchesStored", json::Tree::Bool(policy_matches));
    comparisons.Add("decisionRecordReplayCriticalMatchesStored", std::move(critical));
    comparisons.Add("verifierRefMatchesStored", json::Tree::Bool(verifier_matches));
    comparisons.Add("kernelBindingsValid", json::Tree::Bool(binding_errors.empty()));
    json::Tree result = json::Tree::Object();
    result.Add("runId", T(std::string(run_id)));
    result.Add("settlementId", T(S(s, "settlementId")));
    result.Add("replay", std::move(replay));
    result.Add("stored", std::move(stored));
    result.Add("comparisons", std::move(comparisons));
    result.Add("kernelBindingErrors", std::move(errors));
    out = Canonical(result);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace nooterra::agreement
