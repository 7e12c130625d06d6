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
#include <functional>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "agreement/records.h"
#include "agreement/run_settlement.h"
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

constexpr size_t kMarketIdMax = 60;  // run_<rfqId>_<bidId> stays within a runId's 128
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

// An RFQ's milestones (05 §1.3, the shape is ours): 1..kMilestonesMax of {"milestoneId",
// "releaseRatePct" 0..100, "statusGate"? any|green|amber|red (default any),
// "requiredEvidenceCount"? 0..kEvidenceCountMax (default 0)}, normalized with the defaults.
absl::StatusOr<json::Tree> NormalizeMilestones(json::Value list) {
  constexpr size_t kMilestonesMax = 32;
  constexpr int64_t kEvidenceCountMax = 10000;
  if (!list.is_array() || list.size() == 0 || list.size() > kMilestonesMax) {
    return Invalid(StrCat("milestones is an array of 1..", kMilestonesMax, " milestones"));
  }
  auto int_in = [](json::Value v, int64_t lo, int64_t hi) {
    return v.is_number() && js::IsSafeInteger(v.as_number()) && v.as_number() >= static_cast<double>(lo) &&
           v.as_number() <= static_cast<double>(hi);
  };
  json::Tree out = json::Tree::Array();
  std::vector<std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const json::Value m = list.at(i);
    const std::string at = StrCat("milestones[", i, "]");
    if (!m.is_object()) return Invalid(StrCat(at, " is an object"));
    for (size_t k = 0; k < m.size(); ++k) {
      const std::string_view key = m.key_at(k);
      if (key != "milestoneId" && key != "releaseRatePct" && key != "statusGate" && key != "requiredEvidenceCount") {
        return Invalid(StrCat(at, " has an unknown member ", key));
      }
    }
    const std::string id = Str(m, "milestoneId");
    if (!IsMarketId(id)) return Invalid(StrCat(at, ".milestoneId is 1..", kMarketIdMax, " of [A-Za-z0-9:_-]"));
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) return Invalid(StrCat(at, ".milestoneId repeats ", id));
    seen.push_back(id);
    if (!int_in(m.Find("releaseRatePct"), 0, 100)) return Invalid(StrCat(at, ".releaseRatePct is an integer 0..100"));
    const json::Value gate = m.Find("statusGate");
    const std::string gate_s = gate.present() ? Str(m, "statusGate") : "any";
    if (gate_s != "any" && gate_s != "green" && gate_s != "amber" && gate_s != "red") {
      return Invalid(StrCat(at, ".statusGate is any, green, amber or red"));
    }
    const json::Value evidence = m.Find("requiredEvidenceCount");
    if (evidence.present() && !int_in(evidence, 0, kEvidenceCountMax)) {
      return Invalid(StrCat(at, ".requiredEvidenceCount is an integer 0..", kEvidenceCountMax));
    }
    json::Tree n = json::Tree::Object();
    n.Add("milestoneId", T(id));
    n.Add("releaseRatePct", N(static_cast<int64_t>(m.Find("releaseRatePct").as_number())));
    n.Add("statusGate", T(gate_s));
    n.Add("requiredEvidenceCount", N(evidence.present() ? static_cast<int64_t>(evidence.as_number()) : 0));
    out.Push(std::move(n));
  }
  return out;
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


// The RFQ `rfq_id`, which must still be open.
absl::StatusOr<json::Tree> LoadOpenRfq(const store::ReadTxn& txn, std::string_view tenant, std::string_view rfq_id) {
  auto rfq = LoadJson(txn, tenant, StrCat("rfq/", rfq_id));
  if (!rfq.ok()) return rfq.status();
  if (!rfq->has_value()) return Error(Code::kNotFound, "MARKET_RFQ_NOT_FOUND", StrCat("no rfq ", rfq_id));
  if (S(**rfq, "status") != "open") return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", "the rfq is no longer open");
  return std::move(**rfq);
}

// One marketplace operation: the request parsed, `now` checked, then `fn` run as one logged,
// idempotent write whose logged request is {<subject_name>: subject, <request_name>: request}
// (oplog.cc replays it from that), or the request itself when there is no subject.
absl::StatusOr<Result> MarketOp(store::Store* store, store::WriteTxn* batch, std::string_view tenant,
                                std::string_view idempotency_key, std::string_view now, std::string_view operation,
                                std::string_view subject_name, std::string_view subject, std::string_view request_name,
                                std::string_view request_json,
                                const std::function<absl::StatusOr<std::string>(store::WriteTxn&, json::Value)>& fn) {
  auto doc = ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  json::Tree logged = json::Tree::FromValue(req);
  if (!subject_name.empty()) {
    json::Tree wrapped = json::Tree::Object();
    wrapped.Add(subject_name, T(std::string(subject)));
    wrapped.Add(request_name, std::move(logged));
    logged = std::move(wrapped);
  }
  return Run(store, batch, tenant, idempotency_key, now, operation, Canonical(logged),
             [&](store::WriteTxn& txn) { return fn(txn, req); });
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

// Resolves a locked settlement: the money (release to the payee, the rest back to the payer), the
// escrow count, and the settlement's resolution members (04 §2.1).
absl::Status ResolveMoney(store::WriteTxn& txn, std::string_view tenant, json::Tree& s, int64_t release, int64_t rate,
                          const std::string& resolution_event_id, std::string_view now) {
  const std::string run_id = S(s, "runId"), payer = S(s, "payerAgentId"), payee = S(s, "agentId"),
                    currency = S(s, "currency");
  const int64_t amount = I(s, "amountCents"), refund = amount - release;
  if (release < 0 || refund < 0) return Error(Code::kInternal, "INVARIANT_SETTLEMENT_SPLIT", "released + refunded != amount");
  for (const auto& [cents, op, to] : {std::tuple{release, "escrow_release_", payee}, std::tuple{refund, "escrow_refund_", payer}}) {
    if (cents == 0) continue;
    if (auto p = ledger::Post(txn, tenant, ledger::Move(ids::EscrowJournalEntryId(tenant, StrCat(op, run_id)),
                                                        Wallet(payer, currency, ledger::Bucket::kEscrow),
                                                        Wallet(to, currency, ledger::Bucket::kAvailable), cents));
        !p.ok()) {
      return p;
    }
  }
  EscrowAccount escrow(txn, tenant);
  escrow.Add(payer, currency, -amount);  // locked -> released | refunded
  if (auto v = escrow.Verify(); !v.ok()) return v;
  auto resolved_ms = TimeMs(now, "now");
  if (!resolved_ms.ok()) return resolved_ms.status();
  s.Set("status", T(release > 0 ? "released" : "refunded"));
  s.Set("releasedAmountCents", N(release));
  s.Set("refundedAmountCents", N(refund));
  s.Set("releaseRatePct", N(rate));
  s.Set("resolvedAt", T(std::string(now)));
  s.Set("resolutionEventId", T(resolution_event_id));
  const int64_t days = I(s, "disputeWindowDays");
  s.Set("disputeWindowEndsAt", days > 0 ? T(js::FormatIsoMs(*resolved_ms + days * kDayMs)) : json::Tree::Null());
  return absl::OkStatus();
}

struct OfferAndAcceptance {
  objects::Object offer;
  objects::Object acceptance;
};

// MarketplaceOffer.v2 for an accepted bid and the MarketplaceAcceptance.v2 of it by the poster.
absl::StatusOr<OfferAndAcceptance> BuildOfferAndAcceptance(std::string_view tenant, const json::Tree& bid,
                                                           const std::string& run_id, const json::Tree& agreement,
                                                           const std::string& poster, std::string_view now) {
  json::Tree proposal = bid;
  proposal.Erase("status");
  json::Tree o = json::Tree::Object();
  o.Add("tenantId", T(std::string(tenant)));
  o.Add("rfqId", T(S(bid, "rfqId")));
  o.Add("runId", T(run_id));
  o.Add("bidId", T(S(bid, "bidId")));
  o.Add("revision", N(1));
  o.Add("proposerAgentId", T(S(bid, "bidderAgentId")));
  o.Add("amountCents", N(I(bid, "amountCents")));
  o.Add("currency", T(S(bid, "currency")));
  for (std::string_view k : {"etaSeconds", "note", "verificationMethod"}) {
    if (const json::Tree* v = bid.Find(k)) o.Add(k, *v);
  }
  o.Add("policy", *agreement.Find("policy"));
  o.Add("proposal", std::move(proposal));
  o.Add("proposalCount", N(1));
  o.Add("proposedAt", T(S(bid, "createdAt")));
  auto offer = objects::Build(ObjectType::kMarketplaceOffer, Canonical(o));
  if (!offer.ok()) return offer.status();
  json::Tree a = json::Tree::Object();
  a.Add("tenantId", T(std::string(tenant)));
  a.Add("rfqId", T(S(bid, "rfqId")));
  a.Add("runId", T(run_id));
  a.Add("bidId", T(S(bid, "bidId")));
  a.Add("agreementId", T(S(agreement, "agreementId")));
  a.Add("acceptedAt", T(std::string(now)));
  a.Add("acceptedByAgentId", T(poster));
  a.Add("offer", offer->body);
  a.Add("createdAt", T(std::string(now)));
  auto acceptance = objects::Build(ObjectType::kMarketplaceAcceptance, Canonical(a));
  if (!acceptance.ok()) return acceptance.status();
  return OfferAndAcceptance{std::move(*offer), std::move(*acceptance)};
}

// Builds the decision record and receipt for the settlement's new state, stores the trace, checks
// the settlement kernel's bindings (02 §8) and saves the settlement.
absl::Status Decide(store::WriteTxn& txn, std::string_view tenant, json::Tree& s, const json::Tree& agreement,
                    const json::Tree& run, std::string_view phase, json::Tree verifier_execution,
                    json::Tree policy_decision, std::string_view now) {
  const json::Tree* ref = verifier_execution.Find("verifierRef");
  const json::Tree* status = verifier_execution.Find("verificationStatus");
  auto artifacts = BuildArtifacts(tenant, s, agreement, run, ref != nullptr ? *ref : json::Tree::Null(),
                                  status != nullptr ? *status : json::Tree::Null(), now);
  if (!artifacts.ok()) return artifacts.status();
  if (auto t = SetTrace(s, phase, *artifacts, agreement, std::move(verifier_execution), std::move(policy_decision)); !t.ok()) {
    return t;
  }
  const std::vector<std::string> binding_errors = VerifyKernelArtifacts(&s, S(s, "runId"));
  if (!binding_errors.empty()) {
    std::string joined;
    for (const std::string& e : binding_errors) StrAppend(&joined, joined.empty() ? "" : ", ", e);
    return Error(Code::kInternal, "SETTLEMENT_KERNEL_BINDING_INVALID", joined);
  }
  if (auto saved = SaveJson(txn, tenant, SettlementKey(S(s, "runId")), s, false); !saved.ok()) return saved;
  const std::string decision_status = S(s, "decisionStatus");
  if (decision_status != "auto_resolved" && decision_status != "manual_resolved") return absl::OkStatus();
  // A resolved decision is a reputation event about the payee (02 §18, id rep_dec_<decisionHash>):
  // decision_approved when any money was released, decision_rejected when all was refunded.
  json::Tree subject = json::Tree::Object();
  subject.Add("agentId", T(S(s, "agentId")));
  subject.Add("counterpartyAgentId", T(S(s, "payerAgentId")));
  subject.Add("role", T("payee"));
  json::Tree source = json::Tree::Object();
  source.Add("kind", T("settlement_decision"));
  source.Add("artifactId", T(S(artifacts->decision.body, "decisionId")));
  source.Add("runId", T(S(s, "runId")));
  source.Add("settlementId", T(S(s, "settlementId")));
  source.Add("decisionHash", T(artifacts->decision.hash));
  json::Tree facts = json::Tree::Object();
  facts.Add("decisionStatus", T(decision_status));
  facts.Add("runStatus", T(S(s, "runStatus")));
  facts.Add("releaseRatePct", N(I(s, "releaseRatePct")));
  facts.Add("amountSettledCents", N(I(s, "releasedAmountCents")));
  facts.Add("amountRefundedCents", N(I(s, "refundedAmountCents")));
  facts.Add("currency", T(S(s, "currency")));
  auto e = EmitReputationEvent(txn, tenant, StrCat("rep_dec_", artifacts->decision.hash),
                               I(s, "releasedAmountCents") > 0 ? "decision_approved" : "decision_rejected", now,
                               std::move(subject), std::move(source), std::move(facts));
  return e.ok() ? absl::OkStatus() : e.status();
}

}  // namespace

absl::StatusOr<Result> Kernel::CreateRfq(std::string_view tenant, std::string_view request_json, std::string_view now,
                                         std::string_view idempotency_key) {
  return MarketOp(store_, batch_, tenant, idempotency_key, now, "createRfq", "", "", "", request_json,
                  [&](store::WriteTxn& txn, json::Value req) -> absl::StatusOr<std::string> {
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
    if (json::Value m = req.Find("milestones"); m.present() && !m.is_null()) {
      auto milestones = NormalizeMilestones(m);
      if (!milestones.ok()) return milestones.status();
      rfq.Add("milestones", std::move(*milestones));
    }
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
  return MarketOp(store_, batch_, tenant, idempotency_key, now, "submitBid", "rfqId", rfq_id, "bid", request_json,
                  [&](store::WriteTxn& txn, json::Value req) -> absl::StatusOr<std::string> {
    auto rfq = LoadOpenRfq(txn, tenant, rfq_id);
    if (!rfq.ok()) return rfq.status();
    auto bid_id = RequireId(req, "bidId");
    if (!bid_id.ok()) return bid_id.status();
    auto bidder = RequireId(req, "bidderAgentId");
    if (!bidder.ok()) return bidder.status();
    if (auto a = LoadAgent(txn, tenant, *bidder); !a.ok()) return a.status();
    auto amount = RequireCents(req, "amountCents");
    if (!amount.ok()) return amount.status();
    if (*amount > I(*rfq, "budgetCents")) {
      return Error(Code::kFailedPrecondition, "MARKET_BID_OVER_BUDGET", StrCat("the rfq's budget is ", I(*rfq, "budgetCents")));
    }
    if (req.Find("currency").present() && Str(req, "currency") != S(*rfq, "currency")) {
      return Invalid(StrCat("currency must be the rfq's (", S(*rfq, "currency"), ")"));
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
    bid.Add("currency", T(S(*rfq, "currency")));
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
  return MarketOp(store_, batch_, tenant, idempotency_key, now, "acceptBid", "rfqId", rfq_id, "acceptance", request_json,
                  [&](store::WriteTxn& txn, json::Value req) -> absl::StatusOr<std::string> {
    auto rfq = LoadOpenRfq(txn, tenant, rfq_id);
    if (!rfq.ok()) return rfq.status();
    const std::string bid_id = Str(req, "bidId");
    auto bid = IsMarketId(bid_id) ? LoadJson(txn, tenant, StrCat("bid/", rfq_id, "/", bid_id)) : Invalid("bidId is required");
    if (!bid.ok()) return bid.status();
    if (!bid->has_value()) return Error(Code::kNotFound, "MARKET_BID_NOT_FOUND", StrCat("no bid ", bid_id));
    // The payer is the RFQ's poster; a request naming anyone else is refused, not rewritten.
    const std::string poster = S(*rfq, "posterAgentId");
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
    created.Add("taskType", rfq->Find("capability") != nullptr ? *rfq->Find("capability") : json::Tree::Null());
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
    if (const json::Tree* milestones = rfq->Find("milestones")) {
      json::Tree terms = json::Tree::Object();
      terms.Add("milestones", *milestones);
      agreement.Add("terms", std::move(terms));
    }
    agreement.Add("acceptedAt", T(std::string(now)));
    // The accepted offer and the acceptance (02 §17), stored beside the run and referenced by
    // the agreement. A bid is one proposal (revision 1, no negotiation chain); its
    // proposalHash is the hash of the bid as submitted, without its mutable status.
    auto offer = BuildOfferAndAcceptance(tenant, **bid, run_id, agreement, poster, now);
    if (!offer.ok()) return offer.status();
    for (const objects::Object* o : {&offer->offer, &offer->acceptance}) {
      const bool is_offer = o == &offer->offer;
      json::Tree ref = json::Tree::Object();
      ref.Add(is_offer ? "offerId" : "acceptanceId", T(S(o->body, is_offer ? "offerId" : "acceptanceId")));
      ref.Add(is_offer ? "offerHash" : "acceptanceHash", T(o->hash));
      agreement.Add(is_offer ? "offerRef" : "acceptanceRef", std::move(ref));
      if (auto w = SaveJson(txn, tenant, StrCat(is_offer ? "offer/" : "acceptance/", run_id), o->body, true); !w.ok()) {
        return w;
      }
    }
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
    rfq->Set("status", T("assigned"));
    rfq->Set("acceptedBidId", T(bid_id));
    rfq->Set("runId", T(run_id));
    rfq->Set("updatedAt", T(std::string(now)));
    if (auto w = SaveJson(txn, tenant, StrCat("rfq/", rfq_id), *rfq, false); !w.ok()) return w;
    (**bid).Set("status", T("accepted"));
    if (auto w = SaveJson(txn, tenant, StrCat("bid/", rfq_id, "/", bid_id), **bid, false); !w.ok()) return w;
    json::Tree result = json::Tree::Object();
    result.Add("rfqId", T(std::string(rfq_id)));
    result.Add("bidId", T(bid_id));
    result.Add("runId", T(run_id));
    result.Add("run", std::move(run));
    result.Add("agreement", std::move(agreement));
    result.Add("settlement", std::move(settlement));
    result.Add("offer", std::move(offer->offer.body));
    result.Add("acceptance", std::move(offer->acceptance.body));
    return Canonical(result);
  });
}

absl::StatusOr<Result> Kernel::AppendRunEvent(std::string_view tenant, std::string_view run_id, std::string_view request_json,
                                              std::string_view now, std::string_view idempotency_key) {
  return MarketOp(store_, batch_, tenant, idempotency_key, now, "appendRunEvent", "runId", run_id, "event", request_json,
                  [&](store::WriteTxn& txn, json::Value req) -> absl::StatusOr<std::string> {
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
      auto re = Reevaluate(r, a);
      if (!re.ok()) return re.status();
      VerifierExecution& x = re->verifier;
      const policy::SettlementEvaluation* evaluation = &re->evaluation;
      s.Set("revision", N(I(s, "revision") + 1));
      s.Set("runStatus", T(S(r, "status")));
      s.Set("decisionUpdatedAt", T(std::string(now)));
      s.Set("updatedAt", T(std::string(now)));
      std::string phase;
      if (evaluation->should_auto_resolve) {
        if (evaluation->release_amount_cents + evaluation->refund_amount_cents != I(s, "amountCents")) {
          return Error(Code::kInternal, "INVARIANT_SETTLEMENT_SPLIT", "released + refunded != amount");
        }
        if (auto m = ResolveMoney(txn, tenant, s, evaluation->release_amount_cents, evaluation->release_rate_pct,
                                  S(event, "id"), now);
            !m.ok()) {
          return m;
        }
        s.Set("decisionStatus", T("auto_resolved"));
        s.Set("decisionMode", T("automatic"));
        s.Set("decisionReason", json::Tree::Null());
        phase = "run.terminal.auto_resolved";
      } else {
        // The money stays locked until an operator decides (ResolveRunSettlement).
        s.Set("decisionStatus", T("manual_review_required"));
        s.Set("decisionMode", T("manual-review"));
        s.Set("decisionReason", evaluation->reason_codes.empty() ? json::Tree::Null() : T(evaluation->reason_codes.front()));
        phase = "run.terminal.manual_review_required";
      }
      if (auto d = Decide(txn, tenant, s, a, r, phase, ExecutionJson(x), std::move(re->evaluation_json), now); !d.ok()) {
        return d;
      }
      result.Add("settlement", s);
    }
    result.Add("run", r);
    return Canonical(result);
  });
}

absl::StatusOr<Result> Kernel::ResolveRunSettlement(std::string_view tenant, std::string_view run_id,
                                                    std::string_view request_json, std::string_view now,
                                                    std::string_view idempotency_key) {
  return MarketOp(store_, batch_, tenant, idempotency_key, now, "resolveRunSettlement", "runId", run_id, "resolution",
                  request_json, [&](store::WriteTxn& txn, json::Value req) -> absl::StatusOr<std::string> {
    auto settlement = LoadJson(txn, tenant, SettlementKey(run_id));
    if (!settlement.ok()) return settlement.status();
    if (!settlement->has_value()) {
      return Error(Code::kNotFound, "RUN_SETTLEMENT_NOT_FOUND", StrCat("run ", run_id, " has no settlement"));
    }
    json::Tree& s = **settlement;
    if (S(s, "status") != "locked" || S(s, "decisionStatus") != "manual_review_required") {
      return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL",
                   StrCat("only a locked settlement awaiting manual review can be resolved (it is ", S(s, "status"), ", ",
                          S(s, "decisionStatus"), ")"));
    }
    json::Value rate_v = req.Find("releaseRatePct");
    if (!rate_v.is_number() || rate_v.as_number() < 0 || rate_v.as_number() > 100 ||
        rate_v.as_number() != static_cast<double>(static_cast<int64_t>(rate_v.as_number()))) {
      return Invalid("releaseRatePct is an integer 0..100");
    }
    auto reason = OptionalText(req, "decisionReason");
    if (!reason.ok()) return reason.status();
    auto run = LoadJson(txn, tenant, RunKey(run_id));
    auto agreement = LoadJson(txn, tenant, AgreementKey(run_id));
    if (!run.ok()) return run.status();
    if (!agreement.ok()) return agreement.status();
    if (!run->has_value() || !agreement->has_value()) {
      return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("settlement of run ", run_id, " without its run or agreement"));
    }
    // floor(amount * rate / 100), as the settlement policy computes a release (05 §1.2).
    const int64_t rate = static_cast<int64_t>(rate_v.as_number());
    const int64_t release = policy::ReleaseAmountCents(I(s, "amountCents"), rate);
    s.Set("revision", N(I(s, "revision") + 1));
    s.Set("decisionUpdatedAt", T(std::string(now)));
    s.Set("updatedAt", T(std::string(now)));
    if (auto m = ResolveMoney(txn, tenant, s, release, rate, S(**run, "lastEventId"), now); !m.ok()) return m;
    s.Set("decisionStatus", T("manual_resolved"));
    s.Set("decisionMode", T("manual-review"));
    s.Set("decisionReason", reason->empty() ? json::Tree::Null() : T(*reason));
    // The verifier's execution and the policy's evaluation stay as they led to the review.
    const json::Tree* trace = s.Find("decisionTrace");
    json::Tree execution = trace != nullptr && trace->Find("verifierExecution") != nullptr ? *trace->Find("verifierExecution")
                                                                                          : json::Tree::Null();
    json::Tree decision = trace != nullptr && trace->Find("policyDecision") != nullptr ? *trace->Find("policyDecision")
                                                                                      : json::Tree::Null();
    if (auto d = Decide(txn, tenant, s, **agreement, **run, "settlement.manual_resolved", std::move(execution),
                        std::move(decision), now);
        !d.ok()) {
      return d;
    }
    json::Tree result = json::Tree::Object();
    result.Add("settlement", s);
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

absl::StatusOr<std::optional<std::string>> Kernel::GetRunDocument(std::string_view tenant, RunDocument kind,
                                                                  std::string_view run_id) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  const std::string key = kind == RunDocument::kAgreement ? AgreementKey(run_id)
                          : kind == RunDocument::kOffer   ? StrCat("offer/", run_id)
                                                          : StrCat("acceptance/", run_id);
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto doc = LoadJson(txn, tenant, key);
    if (!doc.ok()) return doc.status();
    if (doc->has_value()) out = Canonical(**doc);
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


}  // namespace nooterra::agreement
