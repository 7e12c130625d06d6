// The agreement's own life: create, fund (escrow), evidence, settle (decision + receipt +
// holdback), void. 04-state-machines.md §0/§2 and 06-ledger-escrow-invariants.md §1, §5, §6.
//
// Records: objects "agreement/<h>" (ToolCallAgreement.v1, FlatBuffers form), "deal/<h>" (the
// kernel's state record, canonical JSON), "evidence/<h>", "decision/<id>", "receipt/<id>"
// (canonical JSON artifacts of the objects).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "agreement/records.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/ids.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using objects::ObjectType;
using Code = absl::StatusCode;

namespace {

std::string DealKey(std::string_view h) { return StrCat("deal/", h); }

absl::StatusOr<json::Tree> LoadDeal(const store::ReadTxn& txn, std::string_view tenant,
                                    std::string_view agreement_hash) {
  auto bytes = txn.Get(store::Table::kObjects, tenant, DealKey(agreement_hash));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return Error(Code::kNotFound, "AGREEMENT_NOT_FOUND", StrCat("no agreement ", agreement_hash));
  }
  auto tree = json::Tree::Parse(**bytes);
  if (!tree.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "agreement record does not parse");
  return std::move(*tree);
}

// Stores the record; `text`, when given, receives its canonical text (results that return the
// record reuse it instead of copying and serializing the record again).
absl::Status SaveDeal(store::WriteTxn& txn, std::string_view tenant, const json::Tree& deal,
                      std::string* text = nullptr) {
  std::string canonical = Canonical(deal);
  absl::Status s = txn.Put(store::Table::kObjects, tenant, DealKey(S(deal, "agreementHash")), canonical);
  if (text != nullptr) *text = std::move(canonical);
  return s;
}

// {"record": <the record's canonical text>}.
std::string RecordResult(std::string_view record_text) { return StrCat(R"({"record":)", record_text, "}"); }

// The state machine: `status` must be one of `from`, else TRANSITION_ILLEGAL.
absl::Status Expect(const json::Tree& deal, std::initializer_list<std::string_view> from,
                    std::string_view action) {
  const std::string status = S(deal, "status");
  for (std::string_view f : from) {
    if (status == f) return absl::OkStatus();
  }
  return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL",
               StrCat("cannot ", action, " an agreement that is ", status));
}

std::string EntryId(std::string_view tenant, std::string_view what, std::string_view h) {
  return ids::EscrowJournalEntryId(tenant, StrCat(what, "_", h));
}

// Moves a created agreement's amount from the payer's available balance into escrow.
absl::Status LockFunds(store::WriteTxn& txn, std::string_view tenant, json::Tree& deal, std::string_view now,
                       std::string* text = nullptr) {
  const std::string h = S(deal, "agreementHash"), payer = S(deal, "payerAgentId"), currency = S(deal, "currency");
  ledger::Entry lock = ledger::Move(EntryId(tenant, "escrow_fund", h), Wallet(payer, currency, ledger::Bucket::kAvailable),
                                    Wallet(payer, currency, ledger::Bucket::kEscrow), I(deal, "amountCents"));
  if (auto p = ledger::Post(txn, tenant, lock); !p.ok()) return p;
  EscrowAccount escrow(txn, tenant);
  escrow.Add(payer, currency, I(deal, "amountCents"));  // created -> funded: the amount is held
  if (auto v = escrow.Verify(); !v.ok()) return v;
  deal.Set("status", T("funded"));
  deal.Set("updatedAt", T(std::string(now)));
  return SaveDeal(txn, tenant, deal, text);
}

}  // namespace

absl::StatusOr<Result> Kernel::CreateAgreement(std::string_view tenant, std::string_view request_json,
                                               std::string_view now, std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "createAgreement", Canonical(req),
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    json::Value in = req.Find("agreement");
    if (!in.is_object()) return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "agreement is required");
    objects::BuildOptions options;
    options.now = std::string(now);
    json::Tree inputs = json::Tree::FromValue(in);
    const std::string declared = S(inputs, "agreementHash");
    inputs.Erase("agreementHash");
    auto agreement = objects::Build(ObjectType::kToolCallAgreement, Canonical(inputs), options);
    if (!agreement.ok()) return agreement.status();
    if (!declared.empty() && declared != agreement->hash) {
      return Error(Code::kInvalidArgument, "OBJECT_HASH_MISMATCH",
                   StrCat("agreementHash ", declared, " does not match its content (", agreement->hash, ")"));
    }
    const json::Tree* terms = agreement->body.Find("settlementTerms");
    const int64_t amount = terms != nullptr && terms->is_object() ? I(*terms, "amountCents") : 0;
    const std::string currency = terms != nullptr && terms->is_object() ? S(*terms, "currency") : "";
    const std::string payer = S(agreement->body, "payerAgentId"), payee = S(agreement->body, "payeeAgentId");
    if (amount < 1 || amount > ledger::kAmountMax || currency.empty()) {
      return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                   "settlementTerms needs amountCents (a safe integer >= 1) and currency");
    }
    if (payer.empty() || payee.empty() || payer == payee) {
      return Error(Code::kInvalidArgument, "TOOL_CALL_PARTIES_INVALID", "payer and payee are required and differ");
    }
    json::Value bps = req.Find("holdbackBps"), window = req.Find("challengeWindowMs");
    const double bps_v = bps.is_number() ? bps.as_number() : 0, window_v = window.is_number() ? window.as_number() : 0;
    if ((bps.present() && !bps.is_number()) || bps_v < 0 || bps_v > 10000 || bps_v != static_cast<int64_t>(bps_v) ||
        (window.present() && !window.is_number()) || window_v < 0 || window_v > static_cast<double>(internal::kChallengeWindowMsMax) ||
        window_v != static_cast<int64_t>(window_v)) {
      return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "holdbackBps 0..10000, challengeWindowMs 0..31536000000");
    }
    const std::string h = agreement->hash;
    auto existing = txn.Get(store::Table::kObjects, tenant, DealKey(h));
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      return Error(Code::kAlreadyExists, "AGREEMENT_EXISTS", StrCat("agreement ", h, " exists"));
    }
    for (const std::string& agent : {payer, payee}) {
      if (auto a = internal::LoadAgent(txn, tenant, agent); !a.ok()) return a.status();
    }
    json::Tree deal = json::Tree::Object();
    deal.Add("agreementHash", T(h));
    deal.Add("status", T("created"));
    deal.Add("amountCents", N(amount));
    deal.Add("currency", T(currency));
    deal.Add("payerAgentId", T(payer));
    deal.Add("payeeAgentId", T(payee));
    deal.Add("holdbackBps", N(static_cast<int64_t>(bps_v)));
    deal.Add("challengeWindowMs", N(static_cast<int64_t>(window_v)));
    // The settlement policy and verification method are pinned by hash at creation (absent =
    // the reference's defaults); Settle evaluates exactly these.
    auto pinned_policy = policy::NormalizeSettlementPolicy(req.Find("policy"));
    if (!pinned_policy.ok()) return pinned_policy.status();
    auto pinned_method = policy::NormalizeVerificationMethod(req.Find("verificationMethod"));
    if (!pinned_method.ok()) return pinned_method.status();
    deal.Add("policyHash", T(policy::Hash(*pinned_policy)));
    deal.Add("verificationMethodHash", T(policy::Hash(*pinned_method)));
    deal.Add("policy", std::move(*pinned_policy));
    deal.Add("verificationMethod", std::move(*pinned_method));
    deal.Add("createdAt", T(std::string(now)));
    deal.Add("updatedAt", T(std::string(now)));
    if (auto w = internal::SaveObject(txn, tenant, StrCat("agreement/", h), *agreement, true); !w.ok()) return w;
    std::string record;
    if (auto w = SaveDeal(txn, tenant, deal, &record); !w.ok()) return w;
    // {"agreement","record"}: canonical member order.
    return StrCat(R"({"agreement":)", agreement->canonical, R"(,"record":)", record, "}");
  });
}

absl::StatusOr<Result> Kernel::Fund(std::string_view tenant, std::string_view agreement_hash,
                                    std::string_view now, std::string_view idempotency_key) {
  return Fund(tenant, agreement_hash, "", now, idempotency_key);
}

namespace {

// The risk inputs of a Fund request ("" = none): {"riskScore"?, "riskSignals"?}, plus the
// agreementHash the operation log records (which must then be the subject's).
absl::Status ParseFundRequest(std::string_view request_json, std::string_view agreement_hash,
                              internal::SpendContext* spend) {
  if (request_json.empty()) return absl::OkStatus();
  auto doc = internal::ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  const json::Value r = doc->root();
  for (size_t i = 0; r.is_object() && i < r.size(); ++i) {
    const std::string_view k = r.key_at(i);
    if (k != "riskScore" && k != "riskSignals" && k != "agreementHash") {
      return Error(Code::kInvalidArgument, "SPEND_REQUEST_INVALID", StrCat("fund request member ", k, " is not known"));
    }
  }
  if (json::Value h = r.Find("agreementHash"); h.present() && !(h.is_string() && h.as_string() == agreement_hash)) {
    return Error(Code::kInvalidArgument, "SPEND_REQUEST_INVALID", "fund request agreementHash differs from the subject");
  }
  return policy::ParseRiskInputs(r, &spend->risk_score, &spend->risk_signals);
}

// Adds the risk inputs (when any) to a request or escalation record.
void AddRisk(const internal::SpendContext& spend, json::Tree* out) {
  if (spend.risk_score) out->Add("riskScore", N(*spend.risk_score));
  if (!spend.risk_signals.empty()) {
    json::Tree signals = json::Tree::Array();
    for (const std::string& s : spend.risk_signals) signals.Push(T(s));
    out->Add("riskSignals", std::move(signals));
  }
}

}  // namespace

absl::StatusOr<Result> Kernel::Fund(std::string_view tenant, std::string_view agreement_hash,
                                    std::string_view request_json, std::string_view now,
                                    std::string_view idempotency_key) {
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  internal::SpendContext risk;
  if (absl::Status s = ParseFundRequest(request_json, agreement_hash, &risk); !s.ok()) return s;
  json::Tree request = json::Tree::Object();
  request.Add("agreementHash", T(std::string(agreement_hash)));
  AddRisk(risk, &request);
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "fund", Canonical(request), [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto deal = LoadDeal(txn, tenant, agreement_hash);
    if (!deal.ok()) return deal.status();
    if (auto e = Expect(*deal, {"created"}, "fund"); !e.ok()) return e;
    const std::string payer = S(*deal, "payerAgentId");
    const std::string escalation_id = StrCat("esc_fund_", agreement_hash);
    auto prior = LoadEscalation(txn, tenant, escalation_id);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) {
      return Error(Code::kFailedPrecondition, S(**prior, "status") == "pending" ? "ESCALATION_PENDING" : "ESCALATION_REJECTED",
                   StrCat("escalation ", escalation_id, " is ", S(**prior, "status")));
    }
    bool can_escalate = false;
    SpendContext spend{S(*deal, "currency"), S(*deal, "payeeAgentId"), std::string(agreement_hash),
                       StrCat("fund:", agreement_hash), /*tool_from_agreement=*/true};
    spend.risk_score = risk.risk_score;
    spend.risk_signals = risk.risk_signals;
    if (auto w = EnforceWalletPolicy(txn, tenant, payer, I(*deal, "amountCents"), now, spend, false, &can_escalate);
        !w.ok()) {
      if (!can_escalate) return w;
      // The approval rule asked for a person and the policy names approvers: the request is
      // stored pending (a value, not an error); ResolveEscalation decides it. No money moves.
      json::Tree e = json::Tree::Object();
      e.Add("escalationId", T(escalation_id));
      e.Add("kind", T("fund"));
      e.Add("agreementHash", T(std::string(agreement_hash)));
      e.Add("payerAgentId", T(payer));
      e.Add("amountCents", N(I(*deal, "amountCents")));
      e.Add("currency", T(S(*deal, "currency")));
      e.Add("reasonCode", T(StatusReason(w)));
      e.Add("message", T(std::string(w.message().data(), w.message().size())));
      e.Add("status", T("pending"));
      e.Add("createdAt", T(std::string(now)));
      AddRisk(spend, &e);  // an approval re-evaluates with the same inputs
      if (auto w2 = SaveEscalation(txn, tenant, e, /*insert=*/true); !w2.ok()) return w2;
      json::Tree result = json::Tree::Object();
      result.Add("escalation", std::move(e));
      result.Add("record", *deal);
      return Canonical(result);
    }
    std::string record;
    if (auto w = LockFunds(txn, tenant, *deal, now, &record); !w.ok()) return w;
    return RecordResult(record);
  });
}

absl::StatusOr<Result> Kernel::SubmitEvidence(std::string_view tenant, std::string_view evidence_json,
                                              std::string_view now, std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(evidence_json);
  if (!doc.ok()) return doc.status();
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value evidence = doc->root();
  // The request's canonical text is also the evidence object's: checked and stored as it is.
  const std::string text = Canonical(evidence);
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "submitEvidence", text,
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    const std::string h = Str(evidence, "agreementHash");
    auto deal = LoadDeal(txn, tenant, h);
    if (!deal.ok()) return deal.status();
    if (auto e = Expect(*deal, {"funded"}, "evidence"); !e.ok()) return e;
    auto agreement = internal::LoadObject(txn, tenant, ObjectType::kToolCallAgreement, StrCat("agreement/", h));
    if (!agreement.ok()) return agreement.status();
    if (!agreement->has_value()) return Error(Code::kDataLoss, "STORE_CORRUPT", "agreement object missing");
    auto payee = internal::LoadAgent(txn, tenant, S(*deal, "payeeAgentId"));
    if (!payee.ok()) return payee.status();
    auto report = objects::VerifyObject(text, absl::MakeConstSpan(&payee->key, 1));
    if (!report.ok()) return report.status();
    if (report->type != ObjectType::kToolCallEvidence || !report->ok) {
      return Error(Code::kInvalidArgument, "EVIDENCE_INVALID",
                   report->errors.empty() ? "not a ToolCallEvidence.v1"
                                          : StrCat(report->errors.front().code, ": ", report->errors.front().message));
    }
    if (report->signatures_verified != 1) {
      return Error(Code::kInvalidArgument, "EVIDENCE_SIGNER_INVALID", "evidence must be signed by the payee's registered key");
    }
    const json::Tree& a = (*agreement)->body;
    if (Str(evidence, "callId") != S(a, "callId") || Str(evidence, "inputHash") != S(a, "inputHash")) {
      return Error(Code::kInvalidArgument, "EVIDENCE_BINDING_MISMATCH", "evidence callId/inputHash differ from the agreement's");
    }
    if (auto w = txn.Insert(store::Table::kObjects, tenant, StrCat("evidence/", h), text); !w.ok()) return w;
    deal->Set("status", T("evidenced"));
    deal->Set("evidenceHash", T(report->hash));
    deal->Set("updatedAt", T(std::string(now)));
    std::string record;
    if (auto w = SaveDeal(txn, tenant, *deal, &record); !w.ok()) return w;
    return RecordResult(record);
  });
}

namespace {

// The PolicyDecision.v1 artifact of an evaluation of the pinned policy (02 §9, 05 §2): the
// outcome hash-pinned (evaluationHash) next to the policy and method hashes. Stored under
// "policydecision/pdec_<decisionId>" in the settling transaction, so an auditor can recompute
// the decision from the pinned documents and compare. decisionId "pdec_<decisionId>", runId and
// settlementId the tool call's (tc_/setl_tc_<agreementHash>).
absl::StatusOr<objects::Object> SavePolicyDecision(store::WriteTxn& txn, std::string_view tenant,
                                                   std::string_view agreement_hash, std::string_view decision_id,
                                                   const policy::SettlementEvaluation& e, std::string_view now) {
  json::Tree in = json::Tree::Object();
  in.Add("decisionId", T(StrCat("pdec_", decision_id)));
  in.Add("tenantId", T(std::string(tenant)));
  in.Add("runId", T(ids::ToolCallRunId(agreement_hash)));
  in.Add("settlementId", T(ids::ToolCallSettlementId(agreement_hash)));
  json::Tree ref = json::Tree::Object();
  ref.Add("policyHash", T(e.policy_hash));
  ref.Add("verificationMethodHash", T(e.verification_method_hash));
  // Only the version is read from the policy (the normal form has no policyId): pass it alone
  // rather than copying and re-serializing the whole policy on every settlement.
  if (const json::Tree* version = e.policy.Find("policyVersion")) ref.Add("policyVersion", *version);
  in.Add("policyRef", std::move(ref));
  in.Add("decisionMode", T(e.decision_mode));
  in.Add("verificationStatus", T(e.verification_status));
  in.Add("runStatus", T(e.run_status));
  in.Add("shouldAutoResolve", json::Tree::Bool(e.should_auto_resolve));
  in.Add("settlementStatus", T(e.settlement_status));
  in.Add("releaseRatePct", N(e.release_rate_pct));
  in.Add("releaseAmountCents", N(e.release_amount_cents));
  in.Add("refundAmountCents", N(e.refund_amount_cents));
  json::Tree reasons = json::Tree::Array();
  for (const std::string& r : e.reason_codes) reasons.Push(T(r));
  in.Add("reasonCodes", std::move(reasons));
  in.Add("createdAt", T(std::string(now)));
  auto built = objects::Build(ObjectType::kPolicyDecision, Canonical(in));
  if (!built.ok()) return built.status();
  if (auto w = txn.Insert(store::Table::kObjects, tenant, StrCat("policydecision/pdec_", decision_id), built->canonical);
      !w.ok()) {
    return w;
  }
  return built;
}

}  // namespace

absl::StatusOr<Result> Kernel::Settle(std::string_view tenant, std::string_view request_json,
                                      std::string_view now, std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "settle", Canonical(req),
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    const std::string h = Str(req, "agreementHash");
    auto deal = LoadDeal(txn, tenant, h);
    if (!deal.ok()) return deal.status();
    if (auto e = Expect(*deal, {"funded", "evidenced", "review"}, "settle"); !e.ok()) return e;
    // A presented policy hash must be the pinned one.
    if (req.Find("policyHash").present() && Str(req, "policyHash") != S(*deal, "policyHash")) {
      return Error(Code::kFailedPrecondition, "POLICY_HASH_MISMATCH",
                   StrCat("the agreement pins policy ", S(*deal, "policyHash")));
    }
    json::Value rate_v = req.Find("releaseRatePct");
    const bool manual = rate_v.present();
    std::string policy_decision_text = "null";  // the PolicyDecision's canonical text, when the pinned policy decided
    int64_t rate = 0;
    std::string decision_status = "manual_resolved", decision_mode = "manual-review";
    if (manual) {
      // An operator's resolution: the rate is given.
      if (!rate_v.is_number() || rate_v.as_number() < 0 || rate_v.as_number() > 100 ||
          rate_v.as_number() != static_cast<int64_t>(rate_v.as_number())) {
        return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "releaseRatePct must be an integer 0..100");
      }
      rate = static_cast<int64_t>(rate_v.as_number());
    } else {
      // The pinned policy decides, inside this transaction.
      if (S(*deal, "status") == "review") {
        return Error(Code::kFailedPrecondition, "POLICY_MANUAL_REVIEW_REQUIRED",
                     "the policy asked for a manual review: settle with an explicit releaseRatePct");
      }
      // Evaluate the pinned documents (stored normalized; normalizing them again is the identity).
      auto pinned_policy = json::Document::Parse(Canonical(*deal->Find("policy")));
      auto pinned_method = json::Document::Parse(Canonical(*deal->Find("verificationMethod")));
      if (!pinned_policy.ok() || !pinned_method.ok()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", "the pinned policy does not parse");
      }
      const std::string run_status = req.Find("runStatus").is_string() ? Str(req, "runStatus") : "completed";
      auto evaluation = policy::EvaluateSettlementPolicy(pinned_policy->root(), pinned_method->root(),
                                                         Str(req, "verificationStatus"), run_status,
                                                         I(*deal, "amountCents"));
      if (!evaluation.ok()) return evaluation.status();
      if (evaluation->policy_hash != S(*deal, "policyHash")) {
        return Error(Code::kInternal, "INVARIANT_POLICY_HASH", "the pinned policy no longer hashes to its pin");
      }
      auto policy_decision = SavePolicyDecision(txn, tenant, h, Str(req, "decisionId"), *evaluation, now);
      if (!policy_decision.ok()) return policy_decision.status();
      deal->Set("policyDecisionHash", T(policy_decision->hash));
      policy_decision_text = policy_decision->canonical;
      if (!evaluation->should_auto_resolve) {
        // Escalation is a value: the money stays in escrow until an operator resolves.
        deal->Set("status", T("review"));
        json::Tree reasons = json::Tree::Array();
        for (const std::string& r : evaluation->reason_codes) reasons.Push(T(r));
        deal->Set("reviewReasons", std::move(reasons));
        deal->Set("updatedAt", T(std::string(now)));
        if (auto w = SaveDeal(txn, tenant, *deal); !w.ok()) return w;
        json::Tree result = json::Tree::Object();
        result.Add("decisionMode", T("manual-review"));
        result.Add("policyDecision", std::move(policy_decision->body));
        result.Add("policyEvaluation", *json::Tree::Parse(policy::EvaluationJson(*evaluation)));
        result.Add("record", *deal);
        return Canonical(result);
      }
      rate = evaluation->release_rate_pct;
      decision_status = "auto_resolved";
      decision_mode = "automatic";
    }
    const int64_t amount = I(*deal, "amountCents"), bps = I(*deal, "holdbackBps");
    // 06 §1: release = rate <= 0 ? 0 : min(amount, floor(amount*rate/100)); holdback =
    // floor(release*bps/10000) when both are positive. 128-bit products.
    const int64_t release = policy::ReleaseAmountCents(amount, rate);
    const int64_t refund = amount - release;
    const int64_t held = (bps > 0 && release > 0) ? static_cast<int64_t>(static_cast<__int128>(release) * bps / 10000) : 0;
    const std::string payer = S(*deal, "payerAgentId"), payee = S(*deal, "payeeAgentId"), currency = S(*deal, "currency");
    const std::string run_id = ids::ToolCallRunId(h), settlement_id = ids::ToolCallSettlementId(h);
    // The decision record (v2, policy pinned) and the receipt bound to it by id and hash.
    json::Tree d = json::Tree::Object();
    d.Add("decisionId", T(Str(req, "decisionId")));
    d.Add("tenantId", T(std::string(tenant)));
    d.Add("runId", T(run_id));
    d.Add("settlementId", T(settlement_id));
    d.Add("agreementId", T(h));
    d.Add("decisionStatus", T(decision_status));
    d.Add("decisionMode", T(decision_mode));
    d.Add("decisionReason", req.Find("decisionReason").is_string() ? T(Str(req, "decisionReason")) : json::Tree::Null());
    d.Add("verificationStatus", T(Str(req, "verificationStatus")));
    // The pinned policy is the one used, whoever decided the rate.
    d.Add("policyHashUsed", T(S(*deal, "policyHash")));
    d.Add("verificationMethodHashUsed", T(S(*deal, "verificationMethodHash")));
    json::Tree policy_ref = json::Tree::Object();
    policy_ref.Add("policyHash", T(S(*deal, "policyHash")));
    policy_ref.Add("verificationMethodHash", T(S(*deal, "verificationMethodHash")));
    d.Add("policyRef", std::move(policy_ref));
    json::Tree verifier = json::Tree::Object();
    verifier.Add("verifierId", T("nooterra.policy-engine"));
    verifier.Add("verifierVersion", T("v1"));
    verifier.Add("modality", T("deterministic"));
    d.Add("verifierRef", std::move(verifier));
    json::Tree work = json::Tree::Object();
    work.Add("runStatus", T("completed"));
    d.Add("workRef", std::move(work));
    d.Add("decidedAt", T(std::string(now)));
    auto decision = objects::Build(ObjectType::kSettlementDecisionRecordV2, Canonical(d));
    if (!decision.ok()) return decision.status();
    json::Tree r = json::Tree::Object();
    r.Add("receiptId", T(Str(req, "receiptId")));
    r.Add("tenantId", T(std::string(tenant)));
    r.Add("runId", T(run_id));
    r.Add("settlementId", T(settlement_id));
    json::Tree decision_ref = json::Tree::Object();
    decision_ref.Add("decisionId", T(S(decision->body, "decisionId")));
    decision_ref.Add("decisionHash", T(decision->hash));
    r.Add("decisionRef", std::move(decision_ref));
    r.Add("status", T(release > 0 ? "released" : "refunded"));
    r.Add("amountCents", N(amount));
    r.Add("releasedAmountCents", N(release));
    r.Add("refundedAmountCents", N(refund));
    r.Add("releaseRatePct", N(rate));
    r.Add("currency", T(currency));
    r.Add("runStatus", T("completed"));
    r.Add("settledAt", T(std::string(now)));
    r.Add("createdAt", T(std::string(now)));
    auto receipt = objects::Build(ObjectType::kSettlementReceipt, Canonical(r));
    if (!receipt.ok()) return receipt.status();
    if (I(receipt->body, "releasedAmountCents") + I(receipt->body, "refundedAmountCents") != amount) {
      return Error(Code::kInternal, "INVARIANT_SETTLEMENT_SPLIT", "released + refunded != amount");
    }
    // Money: escrow to the payee (minus the holdback, which stays in escrow), the rest back.
    if (release - held > 0) {
      if (auto p = ledger::Post(txn, tenant, ledger::Move(EntryId(tenant, "escrow_release", h),
                                                          Wallet(payer, currency, ledger::Bucket::kEscrow),
                                                          Wallet(payee, currency, ledger::Bucket::kAvailable), release - held));
          !p.ok()) {
        return p;
      }
    }
    if (refund > 0) {
      if (auto p = ledger::Post(txn, tenant, ledger::Move(EntryId(tenant, "escrow_forfeit", h),
                                                          Wallet(payer, currency, ledger::Bucket::kEscrow),
                                                          Wallet(payer, currency, ledger::Bucket::kAvailable), refund));
          !p.ok()) {
        return p;
      }
    }
    json::Tree hold_json = json::Tree::Null();
    std::string hold_text = "null";
    if (held > 0) {
      json::Tree hi = json::Tree::Object();
      hi.Add("tenantId", T(std::string(tenant)));
      hi.Add("agreementHash", T(h));
      hi.Add("receiptHash", T(receipt->hash));
      hi.Add("payerAgentId", T(payer));
      hi.Add("payeeAgentId", T(payee));
      hi.Add("amountCents", N(release));
      hi.Add("heldAmountCents", N(held));
      hi.Add("currency", T(currency));
      hi.Add("holdbackBps", N(bps));
      hi.Add("challengeWindowMs", N(I(*deal, "challengeWindowMs")));
      hi.Add("createdAt", T(std::string(now)));
      auto hold = internal::CreateHold(txn, tenant, hi, /*lock_from_available=*/false);
      if (!hold.ok()) return hold.status();
      hold_json = std::move(hold->body);
      hold_text = std::move(hold->canonical);
    }
    // Record side: the agreement no longer holds its amount; its holdback (if any) is now a held hold.
    EscrowAccount escrow(txn, tenant);
    escrow.Add(payer, currency, -amount);
    if (!hold_json.is_null()) escrow.Add(payer, currency, I(hold_json, "heldAmountCents"));
    if (auto v = escrow.Verify(); !v.ok()) return v;
    for (const auto& [key, object] : {std::pair{StrCat("decision/", S(decision->body, "decisionId")), &*decision},
                                      {StrCat("receipt/", S(receipt->body, "receiptId")), &*receipt}}) {
      if (auto w = txn.Insert(store::Table::kObjects, tenant, key, object->canonical); !w.ok()) return w;
    }
    deal->Set("status", T("settled"));
    deal->Set("decisionId", T(S(decision->body, "decisionId")));
    deal->Set("decisionHash", T(decision->hash));
    deal->Set("receiptId", T(S(receipt->body, "receiptId")));
    deal->Set("receiptHash", T(receipt->hash));
    if (!hold_json.is_null()) deal->Set("holdHash", T(S(hold_json, "holdHash")));
    deal->Set("updatedAt", T(std::string(now)));
    if (auto w = SaveDeal(txn, tenant, *deal); !w.ok()) return w;
    // The result's canonical text from the objects' own (members in canonical order): copying
    // four object trees into a result tree only to serialize them again was ~5 % of a settlement.
    return StrCat(R"({"decisionRecord":)", decision->canonical, R"(,"hold":)", hold_text, R"(,"policyDecision":)",
                  policy_decision_text, R"(,"settlementReceipt":)", receipt->canonical, "}");
  });
}

absl::StatusOr<Result> Kernel::ResolveEscalation(std::string_view tenant, std::string_view escalation_id,
                                                 std::string_view action_json, std::string_view now,
                                                 std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(action_json);
  if (!doc.ok()) return doc.status();
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  const json::Tree action = json::Tree::FromValue(doc->root());
  json::Tree request = json::Tree::Object();
  request.Add("action", action);
  request.Add("escalationId", T(std::string(escalation_id)));
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "resolveEscalation", Canonical(request),
                       [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto loaded = LoadEscalation(txn, tenant, escalation_id);
    if (!loaded.ok()) return loaded.status();
    if (!loaded->has_value()) {
      return Error(Code::kNotFound, "ESCALATION_NOT_FOUND", StrCat("no escalation ", escalation_id));
    }
    json::Tree escalation = std::move(**loaded);
    if (S(escalation, "status") != "pending") {
      return Error(Code::kFailedPrecondition, "ESCALATION_RESOLVED",
                   StrCat("escalation ", escalation_id, " is already ", S(escalation, "status")));
    }
    // A fund escalation waits on its agreement (still created); a hold escalation carries the
    // whole hold request.
    const bool is_hold = S(escalation, "kind") == "hold";
    const std::string payer = S(escalation, "payerAgentId");
    absl::StatusOr<json::Tree> deal = json::Tree::Object();
    if (!is_hold) {
      deal = LoadDeal(txn, tenant, S(escalation, "agreementHash"));
      if (!deal.ok()) return deal.status();
      if (auto e = Expect(*deal, {"created"}, "fund"); !e.ok()) return e;
    }
    // Who may decide: an approver the payer's wallet policy names, signing with its registered key.
    auto policy_text = txn.Get(store::Table::kObjects, tenant, StrCat("walletpolicy/", payer));
    if (!policy_text.ok()) return policy_text.status();
    std::vector<std::string> approvers;
    if (policy_text->has_value()) {
      auto policy_doc = json::Document::Parse(**policy_text);
      auto policy = policy_doc.ok() ? policy::ParseWalletPolicy(policy_doc->root()) : policy_doc.status();
      if (!policy.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "wallet policy record is invalid");
      approvers = policy->approver_agent_ids;
    }
    const json::Tree* actor = action.Find("actor");
    const std::string operator_id = actor != nullptr ? S(*actor, "operatorId") : std::string();
    if (std::find(approvers.begin(), approvers.end(), operator_id) == approvers.end()) {
      return Error(Code::kPermissionDenied, "ESCALATION_APPROVER_UNKNOWN",
                   StrCat("'", operator_id, "' is not an approver in the wallet policy of ", payer));
    }
    auto approver = internal::LoadAgent(txn, tenant, operator_id);
    if (!approver.ok()) return approver.status();
    const std::string action_text = Canonical(action);
    auto report = objects::VerifyObject(action_text, absl::MakeConstSpan(&approver->key, 1));
    if (!report.ok()) return report.status();
    if (report->type != ObjectType::kOperatorAction || !report->ok || report->signatures_verified != 1) {
      return Error(Code::kInvalidArgument, "ESCALATION_ACTION_INVALID",
                   report->errors.empty() ? "an OperatorAction.v1 signed by the approver's registered key is required"
                                          : StrCat(report->errors.front().code, ": ", report->errors.front().message));
    }
    const json::Tree* case_ref = action.Find("caseRef");
    if (case_ref == nullptr || S(*case_ref, "kind") != "escalation" || S(*case_ref, "caseId") != escalation_id) {
      return Error(Code::kInvalidArgument, "ESCALATION_ACTION_MISMATCH",
                   StrCat("the action's caseRef must be {kind: escalation, caseId: ", escalation_id, "}"));
    }
    const std::string verb = S(action, "action");
    // The escalated request, as stored (risk inputs included): an approval re-runs exactly it.
    auto stored = json::Document::Parse(Canonical(escalation));
    if (!stored.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "escalation record does not parse");
    std::optional<json::Tree> hold;
    if (verb == "APPROVE" && is_hold) {
      auto locked = LockHoldIn(txn, tenant, stored->root().Find("request"), S(escalation, "createdAt"),
                               /*approved=*/true, nullptr);
      if (!locked.ok()) return locked.status();
      auto locked_tree = json::Tree::Parse(*locked);
      if (!locked_tree.ok()) return locked_tree.status();
      hold = *locked_tree->Find("hold");
      escalation.Set("status", T("approved"));
    } else if (verb == "APPROVE") {
      SpendContext spend{S(*deal, "currency"), S(*deal, "payeeAgentId"), S(*deal, "agreementHash"),
                         StrCat("fund:", S(*deal, "agreementHash")), /*tool_from_agreement=*/true};
      if (auto r = policy::ParseRiskInputs(stored->root(), &spend.risk_score, &spend.risk_signals); !r.ok()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", "escalation risk inputs are invalid");
      }
      if (auto w = EnforceWalletPolicy(txn, tenant, payer, I(*deal, "amountCents"), now, spend, /*approved=*/true);
          !w.ok()) {
        return w;
      }
      if (auto w = LockFunds(txn, tenant, *deal, now); !w.ok()) return w;
      escalation.Set("status", T("approved"));
    } else if (verb == "REJECT") {
      escalation.Set("status", T("rejected"));
    } else {
      return Error(Code::kInvalidArgument, "ESCALATION_ACTION_UNSUPPORTED", "the action must be APPROVE or REJECT");
    }
    json::Tree resolution = json::Tree::Object();
    resolution.Add("action", T(verb));
    resolution.Add("operatorId", T(operator_id));
    resolution.Add("actionHash", T(report->hash));
    escalation.Set("resolution", std::move(resolution));
    escalation.Set("resolvedAt", T(std::string(now)));
    if (auto w = SaveEscalation(txn, tenant, escalation, /*insert=*/false); !w.ok()) return w;
    json::Tree result = json::Tree::Object();
    result.Add("escalation", std::move(escalation));
    if (is_hold) {
      if (hold) result.Add("hold", std::move(*hold));
    } else {
      result.Add("record", *deal);
    }
    return Canonical(result);
  });
}

absl::StatusOr<std::optional<std::string>> Kernel::GetEscalation(std::string_view tenant,
                                                                 std::string_view escalation_id) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto e = LoadEscalation(txn, tenant, escalation_id);
    if (!e.ok()) return e.status();
    if (e->has_value()) out = Canonical(**e);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<Result> Kernel::Void(std::string_view tenant, std::string_view agreement_hash,
                                    std::string_view now, std::string_view idempotency_key) {
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  json::Tree request = json::Tree::Object();
  request.Add("agreementHash", T(std::string(agreement_hash)));
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "void", Canonical(request), [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    auto deal = LoadDeal(txn, tenant, agreement_hash);
    if (!deal.ok()) return deal.status();
    if (auto e = Expect(*deal, {"funded", "evidenced"}, "void"); !e.ok()) return e;
    const std::string payer = S(*deal, "payerAgentId"), currency = S(*deal, "currency");
    if (auto p = ledger::Post(txn, tenant, ledger::Move(EntryId(tenant, "escrow_void", agreement_hash),
                                                        Wallet(payer, currency, ledger::Bucket::kEscrow),
                                                        Wallet(payer, currency, ledger::Bucket::kAvailable),
                                                        I(*deal, "amountCents")));
        !p.ok()) {
      return p;
    }
    EscrowAccount escrow(txn, tenant);
    escrow.Add(payer, currency, -I(*deal, "amountCents"));  // funded -> voided
    if (auto v = escrow.Verify(); !v.ok()) return v;
    deal->Set("status", T("voided"));
    deal->Set("updatedAt", T(std::string(now)));
    if (auto w = SaveDeal(txn, tenant, *deal); !w.ok()) return w;
    json::Tree result = json::Tree::Object();
    result.Add("record", *deal);
    return Canonical(result);
  });
}

absl::StatusOr<std::optional<std::string>> Kernel::GetAgreement(std::string_view tenant,
                                                                std::string_view agreement_hash) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto bytes = txn.Get(store::Table::kObjects, tenant, DealKey(agreement_hash));
    if (!bytes.ok()) return bytes.status();
    if (bytes->has_value()) out = std::string(**bytes);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace nooterra::agreement
