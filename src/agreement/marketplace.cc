// Marketplace runs (07-kernel-v0-conformance.md case kind B; 04-state-machines.md §1-2;
// 05-policy-evaluation.md §1.4, §2.1; 02-object-model.md §6-8, §16; event chain in
// 01-canonical-json-and-crypto.md §6): an RFQ, a bid, its acceptance (a run, an escrow lock, an
// agreement pinning the default settlement policy and the bid's verification method, a locked
// AgentRunSettlement), chained run events, and the automatic settlement a terminal event
// triggers — verifier plugin, settlement policy, money, SettlementDecisionRecord.v2 and
// SettlementReceipt.v1 — all in the write transaction of that event. ReplayEvaluateRun re-derives
// the decision from the stored records.
//
// Records (objects table, canonical JSON, tenant-scoped):
//   rfq/<rfqId>            the RFQ (status open | assigned)
//   bid/<rfqId>/<bidId>    a bid (status pending | accepted)
//   run/<runId>            the AgentRun.v1 fold of its events (revision, lastEventId, lastChainHash)
//   runev/<runId>/<seq>    the chained events, seq 000000.. (RUN_CREATED first)
//   runagr/<runId>         the agreement: payer, payee, amount, normalized policy and method, hashes
//   runsetl/<runId>        the AgentRunSettlement.v1 record, decisionTrace included
//
// Where the digests are silent the choices are ours and documented in agreement.h: ids of
// events (evt_<runId>_<seq>), decision records (dec_<settlementId>_r<revision>) and receipts
// (rcpt_<settlementId>_r<revision>) are deterministic (the reference draws random ones), the
// actor of kernel-written events is {"type":"agent","id":<payee>}, and a bid may not exceed the
// RFQ's budget.
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
#include "nooterra/ids.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;
using objects::ObjectType;

namespace {

constexpr size_t kMarketIdMax = 64;
constexpr size_t kMarketTextMax = 4000;
constexpr int64_t kRunEventsMax = 10000;  // events of one run
constexpr int64_t kDisputeWindowDaysDefault = 3;
constexpr int64_t kDayMs = 86400000;

bool IsMarketId(std::string_view s) {
  if (s.empty() || s.size() > kMarketIdMax) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status Invalid(std::string message) { return Error(Code::kInvalidArgument, "SCHEMA_INVALID", std::move(message)); }

absl::StatusOr<std::string> RequireId(json::Value req, std::string_view key) {
  const std::string v = Str(req, key);
  if (!IsMarketId(v)) return Invalid(StrCat(key, " is 1..", kMarketIdMax, " of [A-Za-z0-9:_-]"));
  return v;
}

absl::StatusOr<std::string> OptionalText(json::Value req, std::string_view key) {
  json::Value v = req.Find(key);
  if (!v.present() || v.is_null()) return std::string();
  if (!v.is_string() || v.as_string().size() > kMarketTextMax) {
    return Invalid(StrCat(key, " is a string of at most ", kMarketTextMax, " bytes"));
  }
  return std::string(v.as_string());
}

absl::StatusOr<int64_t> RequireCents(json::Value req, std::string_view key) {
  json::Value v = req.Find(key);
  if (!v.is_number() || v.as_number() < 1 || v.as_number() > 9007199254740991.0 ||
      v.as_number() != static_cast<double>(static_cast<int64_t>(v.as_number()))) {
    return Invalid(StrCat(key, " is an integer >= 1"));
  }
  return static_cast<int64_t>(v.as_number());
}

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

json::Tree Actor(const std::string& agent) {
  json::Tree a = json::Tree::Object();
  a.Add("type", T("agent"));
  a.Add("id", T(agent));
  return a;
}

// An event of the chain: payloadHash over {v,id,at,streamId,type,actor,payload}, chainHash over
// {v, prevChainHash, payloadHash} (01 §6).
json::Tree ChainEvent(const std::string& run_id, int64_t seq, std::string_view type, json::Tree actor,
                      json::Tree payload, std::string_view at, const json::Tree& prev_chain_hash) {
  json::Tree e = json::Tree::Object();
  e.Add("v", N(1));
  e.Add("id", T(StrCat("evt_", run_id, "_", seq)));
  e.Add("at", T(std::string(at)));
  e.Add("streamId", T(run_id));
  e.Add("type", T(std::string(type)));
  e.Add("actor", std::move(actor));
  e.Add("payload", std::move(payload));
  const std::string payload_hash = crypto::Sha256Hex(Canonical(e));
  json::Tree link = json::Tree::Object();
  link.Add("v", N(1));
  link.Add("prevChainHash", prev_chain_hash);
  link.Add("payloadHash", T(payload_hash));
  e.Add("payloadHash", T(payload_hash));
  e.Add("prevChainHash", prev_chain_hash);
  e.Add("chainHash", T(crypto::Sha256Hex(Canonical(link))));
  return e;
}

bool Terminal(const json::Tree& run) { return S(run, "status") == "completed" || S(run, "status") == "failed"; }

// The run fold (04 §1) for the events appended after RUN_CREATED.
absl::Status ReduceRun(json::Tree& run, const json::Tree& event) {
  const std::string type = S(event, "type"), at = S(event, "at");
  const json::Tree& payload = *event.Find("payload");
  if (Terminal(run)) return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", "run already terminal");
  if (type == "RUN_STARTED") {
    run.Set("status", T("running"));
    if (S(run, "startedAt").empty()) run.Set("startedAt", T(at));
    run.Set("actionRequired", json::Tree::Null());
  } else if (type == "RUN_ACTION_REQUIRED") {
    if (S(payload, "code").empty()) return Invalid("RUN_ACTION_REQUIRED needs payload.code");
    run.Set("status", T("running"));
    json::Tree ar = json::Tree::Object();
    ar.Add("code", T(S(payload, "code")));
    ar.Add("requestedAt", T(at));
    run.Set("actionRequired", std::move(ar));
  } else if (type == "RUN_HEARTBEAT") {
    if (S(run, "status") == "created") run.Set("status", T("running"));
    run.Set("actionRequired", json::Tree::Null());
  } else if (type == "EVIDENCE_ADDED") {
    const std::string ref = S(payload, "evidenceRef");
    if (ref.empty()) return Invalid("EVIDENCE_ADDED needs payload.evidenceRef");
    std::vector<std::string> refs;
    for (const json::Tree& r : run.Find("evidenceRefs")->items()) refs.push_back(r.as_string());
    if (std::find(refs.begin(), refs.end(), ref) == refs.end()) refs.push_back(ref);
    std::sort(refs.begin(), refs.end());  // ASCII refs: localeCompare order is code-unit order
    json::Tree list = json::Tree::Array();
    for (std::string& r : refs) list.Push(T(std::move(r)));
    run.Set("evidenceRefs", std::move(list));
  } else if (type == "RUN_COMPLETED") {
    run.Set("status", T("completed"));
    run.Set("completedAt", T(at));
    if (payload.Find("outputRef") != nullptr && payload.Find("outputRef")->is_string()) {
      run.Set("outputRef", *payload.Find("outputRef"));
    }
    if (payload.Find("metrics") != nullptr && payload.Find("metrics")->is_object()) run.Set("metrics", *payload.Find("metrics"));
  } else if (type == "RUN_FAILED") {
    run.Set("status", T("failed"));
    run.Set("failedAt", T(at));
    json::Tree failure = json::Tree::Object();
    failure.Add("code", payload.Find("code") != nullptr && payload.Find("code")->is_string() ? *payload.Find("code") : json::Tree::Null());
    failure.Add("message", payload.Find("message") != nullptr && payload.Find("message")->is_string() ? *payload.Find("message") : json::Tree::Null());
    run.Set("failure", std::move(failure));
  } else {
    return Invalid(StrCat("event type ", type, " cannot be appended (RUN_CREATED is written by acceptBid)"));
  }
  run.Set("revision", N(I(run, "revision") + 1));
  run.Set("lastEventId", T(S(event, "id")));
  run.Set("lastChainHash", T(S(event, "chainHash")));
  run.Set("updatedAt", T(at));
  return absl::OkStatus();
}

// computeAgentRunVerification (04 §1): the base status and its reasons.
struct RunVerification {
  std::string status;
  std::vector<std::string> reasons;
  std::optional<int64_t> duration_ms;
};

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
struct VerifierExecution {
  json::Tree verifier_ref;
  std::string status;
  std::vector<std::string> reason_codes;
};

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
struct Artifacts {
  objects::Object decision;
  objects::Object receipt;
};

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

// Stores a new trace (decision record + receipt, and what led there) on the settlement.
absl::Status SetTrace(json::Tree& settlement, std::string_view phase, const Artifacts& a, const json::Tree& agreement,
                      json::Tree verifier_execution, json::Tree policy_decision) {
  json::Tree trace = json::Tree::Object();
  trace.Add("phase", T(std::string(phase)));
  trace.Add("verificationMethod", *agreement.Find("verificationMethod"));
  trace.Add("policy", *agreement.Find("policy"));
  trace.Add("verifierExecution", std::move(verifier_execution));
  trace.Add("policyDecision", std::move(policy_decision));
  trace.Add("decisionRecord", a.decision.body);
  trace.Add("settlementReceipt", a.receipt.body);
  settlement.Set("decisionTrace", std::move(trace));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Result> Kernel::CreateRfq(std::string_view tenant, std::string_view request_json, std::string_view now,
                                         std::string_view idempotency_key) {
  auto doc = ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  return Run(store_, batch_, tenant, idempotency_key, now, "createRfq", Canonical(json::Tree::FromValue(req)),
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto rfq_id = RequireId(req, "rfqId");
    if (!rfq_id.ok()) return rfq_id.status();
    auto poster = RequireId(req, "posterAgentId");
    if (!poster.ok()) return poster.status();
    if (auto a = LoadAgent(txn, tenant, *poster); !a.ok()) return a.status();
    auto budget = RequireCents(req, "budgetCents");
    if (!budget.ok()) return budget.status();
    const std::string currency = req.Find("currency").present() ? Str(req, "currency") : "USD";
    if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return Invalid("currency is three upper-case letters");
    }
    json::Tree rfq = json::Tree::Object();
    rfq.Add("rfqId", T(*rfq_id));
    rfq.Add("tenantId", T(std::string(tenant)));
    for (std::string_view k : {"title", "description", "capability"}) {
      auto text = OptionalText(req, k);
      if (!text.ok()) return text.status();
      rfq.Add(k, text->empty() ? json::Tree::Null() : T(*text));
    }
    rfq.Add("posterAgentId", T(*poster));
    rfq.Add("budgetCents", N(*budget));
    rfq.Add("currency", T(currency));
    rfq.Add("status", T("open"));
    rfq.Add("acceptedBidId", json::Tree::Null());
    rfq.Add("runId", json::Tree::Null());
    rfq.Add("createdAt", T(std::string(now)));
    rfq.Add("updatedAt", T(std::string(now)));
    if (auto w = SaveJson(txn, tenant, StrCat("rfq/", *rfq_id), rfq, true); !w.ok()) {
      if (w.code() == Code::kAlreadyExists) return Error(Code::kAlreadyExists, "MARKET_RFQ_EXISTS", StrCat("rfq ", *rfq_id, " exists"));
      return w;
    }
    json::Tree result = json::Tree::Object();
    result.Add("rfq", std::move(rfq));
    return Canonical(result);
  });
}

absl::StatusOr<Result> Kernel::SubmitBid(std::string_view tenant, std::string_view rfq_id, std::string_view request_json,
                                         std::string_view now, std::string_view idempotency_key) {
  auto doc = ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  json::Tree logged = json::Tree::Object();
  logged.Add("rfqId", T(std::string(rfq_id)));
  logged.Add("bid", json::Tree::FromValue(req));
  return Run(store_, batch_, tenant, idempotency_key, now, "submitBid", Canonical(logged),
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto rfq = LoadJson(txn, tenant, StrCat("rfq/", rfq_id));
    if (!rfq.ok()) return rfq.status();
    if (!rfq->has_value()) return Error(Code::kNotFound, "MARKET_RFQ_NOT_FOUND", StrCat("no rfq ", rfq_id));
    if (S(**rfq, "status") != "open") return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", "the rfq is no longer open");
    auto bid_id = RequireId(req, "bidId");
    if (!bid_id.ok()) return bid_id.status();
    auto bidder = RequireId(req, "bidderAgentId");
    if (!bidder.ok()) return bidder.status();
    if (auto a = LoadAgent(txn, tenant, *bidder); !a.ok()) return a.status();
    auto amount = RequireCents(req, "amountCents");
    if (!amount.ok()) return amount.status();
    if (*amount > I(**rfq, "budgetCents")) {
      return Error(Code::kFailedPrecondition, "MARKET_BID_OVER_BUDGET", StrCat("the rfq's budget is ", I(**rfq, "budgetCents")));
    }
    if (req.Find("currency").present() && Str(req, "currency") != S(**rfq, "currency")) {
      return Invalid(StrCat("currency must be the rfq's (", S(**rfq, "currency"), ")"));
    }
    json::Value eta = req.Find("etaSeconds");
    if (eta.present() && !eta.is_null() && (!eta.is_number() || eta.as_number() < 0 || eta.as_number() > 31536000)) {
      return Invalid("etaSeconds is a number 0..31536000");
    }
    auto note = OptionalText(req, "note");
    if (!note.ok()) return note.status();
    auto method = policy::NormalizeVerificationMethod(req.Find("verificationMethod"));
    if (!method.ok()) return method.status();
    json::Tree bid = json::Tree::Object();
    bid.Add("bidId", T(*bid_id));
    bid.Add("rfqId", T(std::string(rfq_id)));
    bid.Add("tenantId", T(std::string(tenant)));
    bid.Add("bidderAgentId", T(*bidder));
    bid.Add("amountCents", N(*amount));
    bid.Add("currency", T(S(**rfq, "currency")));
    bid.Add("etaSeconds", eta.is_number() ? json::Tree::Number(eta.as_number()) : json::Tree::Null());
    bid.Add("note", note->empty() ? json::Tree::Null() : T(*note));
    bid.Add("verificationMethod", *method);
    bid.Add("verificationMethodHash", T(policy::Hash(*method)));
    bid.Add("status", T("pending"));
    bid.Add("createdAt", T(std::string(now)));
    if (auto w = SaveJson(txn, tenant, StrCat("bid/", rfq_id, "/", *bid_id), bid, true); !w.ok()) {
      if (w.code() == Code::kAlreadyExists) return Error(Code::kAlreadyExists, "MARKET_BID_EXISTS", StrCat("bid ", *bid_id, " exists"));
      return w;
    }
    json::Tree result = json::Tree::Object();
    result.Add("bid", std::move(bid));
    return Canonical(result);
  });
}

absl::StatusOr<Result> Kernel::AcceptBid(std::string_view tenant, std::string_view rfq_id, std::string_view request_json,
                                         std::string_view now, std::string_view idempotency_key) {
  auto doc = ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  json::Tree logged = json::Tree::Object();
  logged.Add("rfqId", T(std::string(rfq_id)));
  logged.Add("acceptance", json::Tree::FromValue(req));
  return Run(store_, batch_, tenant, idempotency_key, now, "acceptBid", Canonical(logged),
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto rfq = LoadJson(txn, tenant, StrCat("rfq/", rfq_id));
    if (!rfq.ok()) return rfq.status();
    if (!rfq->has_value()) return Error(Code::kNotFound, "MARKET_RFQ_NOT_FOUND", StrCat("no rfq ", rfq_id));
    if (S(**rfq, "status") != "open") return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", "the rfq is no longer open");
    const std::string bid_id = Str(req, "bidId");
    auto bid = IsMarketId(bid_id) ? LoadJson(txn, tenant, StrCat("bid/", rfq_id, "/", bid_id)) : Invalid("bidId is required");
    if (!bid.ok()) return bid.status();
    if (!bid->has_value()) return Error(Code::kNotFound, "MARKET_BID_NOT_FOUND", StrCat("no bid ", bid_id));
    // The payer is the RFQ's poster; a request naming anyone else is refused, not rewritten.
    const std::string poster = S(**rfq, "posterAgentId");
    json::Value settlement_in = req.Find("settlement");
    for (json::Value named : {req.Find("payerAgentId"), req.Find("acceptedByAgentId"),
                              settlement_in.is_object() ? settlement_in.Find("payerAgentId") : json::Value()}) {
      if (named.present() && !(named.is_string() && named.as_string() == poster)) {
        return Error(Code::kFailedPrecondition, "MARKET_PAYER_MISMATCH", StrCat("only the rfq's poster ", poster, " can accept and pay"));
      }
    }
    const std::string payee = S(**bid, "bidderAgentId"), currency = S(**bid, "currency");
    const int64_t amount = I(**bid, "amountCents");
    const std::string run_id = StrCat("run_", rfq_id, "_", bid_id);
    const std::string settlement_id = ids::RunSettlementId(run_id);
    // The run, created by its first chained event.
    json::Tree created = json::Tree::Object();
    created.Add("runId", T(run_id));
    created.Add("agentId", T(payee));
    created.Add("tenantId", T(std::string(tenant)));
    created.Add("taskType", (**rfq).Find("capability") != nullptr ? *(**rfq).Find("capability") : json::Tree::Null());
    json::Tree event = ChainEvent(run_id, 0, "RUN_CREATED", Actor(payee), std::move(created), now, json::Tree::Null());
    if (auto w = SaveJson(txn, tenant, EventKey(run_id, 0), event, true); !w.ok()) return w;
    json::Tree run = json::Tree::Object();
    run.Add("schemaVersion", T("AgentRun.v1"));
    run.Add("runId", T(run_id));
    run.Add("tenantId", T(std::string(tenant)));
    run.Add("agentId", T(payee));
    run.Add("taskType", *event.Find("payload")->Find("taskType"));
    run.Add("status", T("created"));
    run.Add("revision", N(0));
    run.Add("evidenceRefs", json::Tree::Array());
    run.Add("metrics", json::Tree::Null());
    run.Add("actionRequired", json::Tree::Null());
    run.Add("lastEventId", T(S(event, "id")));
    run.Add("lastChainHash", T(S(event, "chainHash")));
    run.Add("createdAt", T(std::string(now)));
    run.Add("updatedAt", T(std::string(now)));
    if (auto w = SaveJson(txn, tenant, RunKey(run_id), run, true); !w.ok()) return w;
    // The agreement: the default settlement policy and the bid's method, both pinned by hash.
    auto policy = policy::NormalizeSettlementPolicy(json::Value());
    if (!policy.ok()) return policy.status();
    json::Tree agreement = json::Tree::Object();
    agreement.Add("agreementId", T(StrCat("agr_", run_id)));
    agreement.Add("runId", T(run_id));
    agreement.Add("rfqId", T(std::string(rfq_id)));
    agreement.Add("bidId", T(bid_id));
    agreement.Add("payerAgentId", T(poster));
    agreement.Add("payeeAgentId", T(payee));
    agreement.Add("amountCents", N(amount));
    agreement.Add("currency", T(currency));
    agreement.Add("policy", *policy);
    agreement.Add("policyHash", T(policy::Hash(*policy)));
    agreement.Add("verificationMethod", *(**bid).Find("verificationMethod"));
    agreement.Add("verificationMethodHash", T(S(**bid, "verificationMethodHash")));
    agreement.Add("disputeWindowDays", N(kDisputeWindowDaysDefault));
    agreement.Add("acceptedAt", T(std::string(now)));
    if (auto w = SaveJson(txn, tenant, AgreementKey(run_id), agreement, true); !w.ok()) return w;
    // The payer's escrow lock.
    if (auto p = ledger::Post(txn, tenant, ledger::Move(ids::EscrowJournalEntryId(tenant, StrCat("escrow_hold_", run_id)),
                                                        Wallet(poster, currency, ledger::Bucket::kAvailable),
                                                        Wallet(poster, currency, ledger::Bucket::kEscrow), amount));
        !p.ok()) {
      return p;
    }
    EscrowAccount escrow(txn, tenant);
    escrow.Add(poster, currency, amount);  // a locked run settlement
    if (auto v = escrow.Verify(); !v.ok()) return v;
    // The settlement: locked, its decision pending, a pending record and a locked receipt.
    json::Tree settlement = json::Tree::Object();
    settlement.Add("schemaVersion", T("AgentRunSettlement.v1"));
    settlement.Add("settlementId", T(settlement_id));
    settlement.Add("runId", T(run_id));
    settlement.Add("tenantId", T(std::string(tenant)));
    settlement.Add("agentId", T(payee));
    settlement.Add("payerAgentId", T(poster));
    settlement.Add("amountCents", N(amount));
    settlement.Add("currency", T(currency));
    settlement.Add("status", T("locked"));
    settlement.Add("lockedAt", T(std::string(now)));
    for (std::string_view k : {"resolvedAt", "resolutionEventId", "runStatus"}) settlement.Add(k, json::Tree::Null());
    settlement.Add("releasedAmountCents", N(0));
    settlement.Add("refundedAmountCents", N(0));
    settlement.Add("releaseRatePct", json::Tree::Null());
    settlement.Add("disputeWindowDays", N(kDisputeWindowDaysDefault));
    settlement.Add("disputeWindowEndsAt", json::Tree::Null());
    settlement.Add("disputeStatus", T("none"));
    for (std::string_view k : {"disputeId", "disputeOpenedAt", "disputeClosedAt", "disputeVerdictId", "disputeVerdictHash",
                               "disputeVerdictArtifactId", "disputeVerdictSignerKeyId", "disputeVerdictIssuedAt",
                               "disputeContext", "disputeResolution"}) {
      settlement.Add(k, json::Tree::Null());
    }
    settlement.Add("decisionStatus", T("pending"));
    settlement.Add("decisionMode", T(S(*policy, "mode")));
    settlement.Add("decisionPolicyHash", T(S(agreement, "policyHash")));
    settlement.Add("decisionReason", json::Tree::Null());
    settlement.Add("decisionTrace", json::Tree::Null());
    settlement.Add("decisionUpdatedAt", T(std::string(now)));
    settlement.Add("revision", N(0));
    settlement.Add("createdAt", T(std::string(now)));
    settlement.Add("updatedAt", T(std::string(now)));
    json::Tree pending_ref = json::Tree::Object();
    pending_ref.Add("verifierId", T("nooterra.policy-engine"));
    pending_ref.Add("verifierVersion", T("v1"));
    pending_ref.Add("verifierHash", json::Tree::Null());
    pending_ref.Add("modality", T(S(*agreement.Find("verificationMethod"), "mode")));
    auto artifacts = BuildArtifacts(tenant, settlement, agreement, run, pending_ref, json::Tree::Null(), now);
    if (!artifacts.ok()) return artifacts.status();
    if (auto t = SetTrace(settlement, "agreement.accepted", *artifacts, agreement, json::Tree::Null(), json::Tree::Null()); !t.ok()) return t;
    if (auto w = SaveJson(txn, tenant, SettlementKey(run_id), settlement, true); !w.ok()) return w;
    (**rfq).Set("status", T("assigned"));
    (**rfq).Set("acceptedBidId", T(bid_id));
    (**rfq).Set("runId", T(run_id));
    (**rfq).Set("updatedAt", T(std::string(now)));
    if (auto w = SaveJson(txn, tenant, StrCat("rfq/", rfq_id), **rfq, false); !w.ok()) return w;
    (**bid).Set("status", T("accepted"));
    if (auto w = SaveJson(txn, tenant, StrCat("bid/", rfq_id, "/", bid_id), **bid, false); !w.ok()) return w;
    json::Tree result = json::Tree::Object();
    result.Add("rfqId", T(std::string(rfq_id)));
    result.Add("bidId", T(bid_id));
    result.Add("runId", T(run_id));
    result.Add("run", std::move(run));
    result.Add("agreement", std::move(agreement));
    result.Add("settlement", std::move(settlement));
    return Canonical(result);
  });
}

absl::StatusOr<Result> Kernel::AppendRunEvent(std::string_view tenant, std::string_view run_id, std::string_view request_json,
                                              std::string_view now, std::string_view idempotency_key) {
  auto doc = ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  json::Tree logged = json::Tree::Object();
  logged.Add("runId", T(std::string(run_id)));
  logged.Add("event", json::Tree::FromValue(req));
  return Run(store_, batch_, tenant, idempotency_key, now, "appendRunEvent", Canonical(logged),
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto run = LoadJson(txn, tenant, RunKey(run_id));
    if (!run.ok()) return run.status();
    if (!run->has_value()) return Error(Code::kNotFound, "RUN_NOT_FOUND", StrCat("no run ", run_id));
    json::Tree& r = **run;
    // Optimistic concurrency: the caller names the head it appends to.
    json::Value expected = req.Find("expectedPrevChainHash");
    if (!expected.is_string() || expected.as_string() != S(r, "lastChainHash")) {
      return Error(Code::kFailedPrecondition, "RUN_EVENT_PREV_CHAIN_HASH_MISMATCH",
                   StrCat("expectedPrevChainHash must be the run's lastChainHash ", S(r, "lastChainHash")));
    }
    const std::string type = Str(req, "type");
    json::Value payload_in = req.Find("payload");
    if (payload_in.present() && !payload_in.is_object()) return Invalid("payload is an object");
    json::Tree payload = payload_in.present() ? json::Tree::FromValue(payload_in) : json::Tree::Object();
    if (payload.Find("runId") != nullptr && S(payload, "runId") != run_id) return Invalid("payload.runId names another run");
    payload.Set("runId", T(std::string(run_id)));
    const int64_t seq = I(r, "revision") + 1;
    if (seq >= kRunEventsMax) {
      return Error(Code::kResourceExhausted, "RUN_TOO_MANY_EVENTS", StrCat("a run holds at most ", kRunEventsMax, " events"));
    }
    json::Tree event = ChainEvent(std::string(run_id), seq, type, Actor(S(r, "agentId")), std::move(payload), now,
                                  T(S(r, "lastChainHash")));
    if (auto reduced = ReduceRun(r, event); !reduced.ok()) return reduced;
    if (auto w = SaveJson(txn, tenant, EventKey(run_id, seq), event, true); !w.ok()) return w;
    if (auto w = SaveJson(txn, tenant, RunKey(run_id), r, false); !w.ok()) return w;
    json::Tree result = json::Tree::Object();
    result.Add("event", event);
    // A terminal event settles a locked settlement in this same transaction (04 §2.2).
    auto settlement = LoadJson(txn, tenant, SettlementKey(run_id));
    if (!settlement.ok()) return settlement.status();
    if (Terminal(r) && settlement->has_value() && S(**settlement, "status") == "locked") {
      json::Tree& s = **settlement;
      auto agreement = LoadJson(txn, tenant, AgreementKey(run_id));
      if (!agreement.ok()) return agreement.status();
      if (!agreement->has_value()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("run ", run_id, " has no agreement"));
      const json::Tree& a = **agreement;
      const RunVerification base = VerifyRun(r);
      VerifierExecution x = ExecuteVerifier(*a.Find("verificationMethod"), r, base);
      const std::string run_status = S(r, "status") == "failed" ? "failed" : "completed";
      auto pinned_policy = json::Document::Parse(Canonical(*a.Find("policy")));
      auto pinned_method = json::Document::Parse(Canonical(*a.Find("verificationMethod")));
      if (!pinned_policy.ok() || !pinned_method.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "the pinned policy does not parse");
      auto evaluation = policy::EvaluateSettlementPolicy(pinned_policy->root(), pinned_method->root(), x.status, run_status,
                                                         I(a, "amountCents"));
      if (!evaluation.ok()) return evaluation.status();
      if (evaluation->policy_hash != S(a, "policyHash") || evaluation->verification_method_hash != S(a, "verificationMethodHash")) {
        return Error(Code::kInternal, "INVARIANT_POLICY_HASH", "the pinned policy no longer hashes to its pin");
      }
      auto evaluation_json = json::Tree::Parse(policy::EvaluationJson(*evaluation));
      if (!evaluation_json.ok()) return evaluation_json.status();
      const std::string payer = S(s, "payerAgentId"), payee = S(s, "agentId"), currency = S(s, "currency");
      s.Set("revision", N(I(s, "revision") + 1));
      s.Set("runStatus", T(S(r, "status")));
      s.Set("decisionUpdatedAt", T(std::string(now)));
      s.Set("updatedAt", T(std::string(now)));
      std::string phase;
      if (evaluation->should_auto_resolve) {
        const int64_t release = evaluation->release_amount_cents, refund = evaluation->refund_amount_cents;
        if (release < 0 || refund < 0 || release + refund != I(s, "amountCents")) {
          return Error(Code::kInternal, "INVARIANT_SETTLEMENT_SPLIT", "released + refunded != amount");
        }
        if (release > 0) {
          if (auto p = ledger::Post(txn, tenant, ledger::Move(ids::EscrowJournalEntryId(tenant, StrCat("escrow_release_", run_id)),
                                                              Wallet(payer, currency, ledger::Bucket::kEscrow),
                                                              Wallet(payee, currency, ledger::Bucket::kAvailable), release));
              !p.ok()) {
            return p;
          }
        }
        if (refund > 0) {
          if (auto p = ledger::Post(txn, tenant, ledger::Move(ids::EscrowJournalEntryId(tenant, StrCat("escrow_refund_", run_id)),
                                                              Wallet(payer, currency, ledger::Bucket::kEscrow),
                                                              Wallet(payer, currency, ledger::Bucket::kAvailable), refund));
              !p.ok()) {
            return p;
          }
        }
        EscrowAccount escrow(txn, tenant);
        escrow.Add(payer, currency, -I(s, "amountCents"));  // locked -> released | refunded
        if (auto v = escrow.Verify(); !v.ok()) return v;
        auto resolved_ms = TimeMs(now, "now");
        if (!resolved_ms.ok()) return resolved_ms.status();
        s.Set("status", T(evaluation->settlement_status));
        s.Set("releasedAmountCents", N(release));
        s.Set("refundedAmountCents", N(refund));
        s.Set("releaseRatePct", N(evaluation->release_rate_pct));
        s.Set("resolvedAt", T(std::string(now)));
        s.Set("resolutionEventId", T(S(event, "id")));
        const int64_t days = I(s, "disputeWindowDays");
        s.Set("disputeWindowEndsAt", days > 0 ? T(js::FormatIsoMs(*resolved_ms + days * kDayMs)) : json::Tree::Null());
        s.Set("decisionStatus", T("auto_resolved"));
        s.Set("decisionMode", T("automatic"));
        s.Set("decisionReason", json::Tree::Null());
        phase = "run.terminal.auto_resolved";
      } else {
        // The money stays locked until an operator resolves (not built yet: see agreement.h).
        s.Set("decisionStatus", T("manual_review_required"));
        s.Set("decisionMode", T("manual-review"));
        s.Set("decisionReason", evaluation->reason_codes.empty() ? json::Tree::Null() : T(evaluation->reason_codes.front()));
        phase = "run.terminal.manual_review_required";
      }
      auto artifacts = BuildArtifacts(tenant, s, a, r, x.verifier_ref, T(x.status), now);
      if (!artifacts.ok()) return artifacts.status();
      if (auto t = SetTrace(s, phase, *artifacts, a, ExecutionJson(x), std::move(*evaluation_json)); !t.ok()) return t;
      const std::vector<std::string> binding_errors = VerifyKernelArtifacts(&s, run_id);
      if (!binding_errors.empty()) {
        std::string joined;
        for (const std::string& e : binding_errors) StrAppend(&joined, joined.empty() ? "" : ", ", e);
        return Error(Code::kInternal, "SETTLEMENT_KERNEL_BINDING_INVALID", joined);
      }
      if (auto w = SaveJson(txn, tenant, SettlementKey(run_id), s, false); !w.ok()) return w;
      result.Add("settlement", s);
    }
    result.Add("run", r);
    return Canonical(result);
  });
}

absl::StatusOr<std::optional<std::string>> Kernel::GetRun(std::string_view tenant, std::string_view run_id) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto run = LoadJson(txn, tenant, RunKey(run_id));
    if (!run.ok()) return run.status();
    if (!run->has_value()) return absl::OkStatus();
    json::Tree events = json::Tree::Array();
    absl::Status failure;
    absl::Status scan = txn.Scan(store::Table::kObjects, tenant, StrCat("runev/", run_id, "/"), [&](std::string_view key, std::string_view value) {
      auto e = json::Tree::Parse(value);
      if (!e.ok()) {
        failure = Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("record ", key, " does not parse"));
        return false;
      }
      events.Push(std::move(*e));
      return true;
    });
    if (!scan.ok()) return scan;
    if (!failure.ok()) return failure;
    json::Tree result = json::Tree::Object();
    result.Add("run", std::move(**run));
    result.Add("events", std::move(events));
    out = Canonical(result);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> Kernel::GetRunSettlement(std::string_view tenant, std::string_view run_id) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto settlement = LoadJson(txn, tenant, SettlementKey(run_id));
    if (!settlement.ok()) return settlement.status();
    if (settlement->has_value()) out = Canonical(**settlement);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

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
    const RunVerification base = VerifyRun(r);
    VerifierExecution x = ExecuteVerifier(*a.Find("verificationMethod"), r, base);
    const std::string run_status = S(r, "status") == "failed" ? "failed" : "completed";
    auto pinned_policy = json::Document::Parse(Canonical(*a.Find("policy")));
    auto pinned_method = json::Document::Parse(Canonical(*a.Find("verificationMethod")));
    if (!pinned_policy.ok() || !pinned_method.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "the pinned policy does not parse");
    auto evaluation = policy::EvaluateSettlementPolicy(pinned_policy->root(), pinned_method->root(), x.status, run_status,
                                                       I(a, "amountCents"));
    if (!evaluation.ok()) return evaluation.status();
    auto evaluation_json = json::Tree::Parse(policy::EvaluationJson(*evaluation));
    if (!evaluation_json.ok()) return evaluation_json.status();
    const bool locked = S(s, "status") == "locked";
    const std::string expected_decision = evaluation->should_auto_resolve ? (locked ? "pending" : "auto_resolved")
                                                                          : "manual_review_required";
    const std::string expected_settlement = evaluation->should_auto_resolve ? evaluation->settlement_status : "locked";
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
