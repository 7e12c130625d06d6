// AgreementDelegation.v1, AgentWallet.v1, AgentRunSettlement.v1, MarketplaceOffer.v2,
// MarketplaceAcceptance.v2, ReputationEvent.v1 (02-object-model.md §14-18).
#include <string>

#include "common/js.h"
#include "common/strings.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

void BuildAgreementDelegation(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("AgreementDelegation.v1"));
  out->Add("delegationId", S(r.Id("delegationId", 3, 240)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  const std::string parent = r.Sha("parentAgreementHash");
  const std::string child = r.Sha("childAgreementHash");
  if (r.ok() && parent == child) {
    r.Fail(kReasonConstraint, "childAgreementHash", "must differ from parentAgreementHash");
  }
  out->Add("parentAgreementHash", S(parent));
  out->Add("childAgreementHash", S(child));
  out->Add("delegatorAgentId", S(r.Id("delegatorAgentId", 3, 128)));
  out->Add("delegateeAgentId", S(r.Id("delegateeAgentId", 3, 128)));
  out->Add("budgetCapCents", N(r.Int("budgetCapCents", 1)));
  out->Add("currency", S(r.Currency("currency")));
  const int64_t depth = r.Int("delegationDepth", 0);
  const int64_t max_depth = r.Int("maxDelegationDepth", 0);
  if (r.ok() && depth > max_depth) {
    r.Fail(kReasonConstraint, "delegationDepth", "must not exceed maxDelegationDepth");
  }
  out->Add("delegationDepth", N(depth));
  out->Add("maxDelegationDepth", N(max_depth));
  const std::string created = r.IsoVerbatim("createdAt", ctx.now);
  out->Add("createdAt", S(created));
  json::Value chain = r.Raw("ancestorChain");
  if (chain.present() && !chain.is_null()) {
    json::Tree list = json::Tree::Array();
    bool ok = chain.is_array();
    for (size_t i = 0; ok && i < chain.size(); ++i) {
      json::Value h = chain.at(i);
      std::string lower = h.is_string() ? js::LowerTrim(h.as_string()) : std::string();
      ok = js::IsHex64(lower);
      for (const json::Tree& seen : list.items()) ok = ok && seen.as_string() != lower;
      list.Push(S(std::move(lower)));
    }
    if (!ok) {
      r.Fail(kReasonFormat, "ancestorChain", "must be an array of distinct sha256 hex strings");
    } else if (static_cast<int64_t>(list.items().size()) != depth ||
               (depth > 0 && list.items().back().as_string() != parent)) {
      r.Fail(kReasonConstraint, "ancestorChain",
             "must have delegationDepth entries and end with parentAgreementHash");
    }
    out->Add("ancestorChain", std::move(list));
  }
  LifecycleMembers(r, ctx, {"active", "settled", "revoked"}, "active", created, out);
  if (auto metadata = r.OptObject("metadata")) out->Add("metadata", std::move(*metadata));
}

void BuildAgentWallet(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("AgentWallet.v1"));
  const std::string agent = r.Id("agentId", 3, 128);
  const std::string wallet_id = StrCat("wallet_", agent);
  if (r.ok() && r.Has("walletId") && r.Id("walletId", 1, 200) != wallet_id) {
    r.Fail(kReasonConstraint, "walletId", "must be wallet_${agentId}");
  }
  out->Add("walletId", S(wallet_id));
  out->Add("agentId", S(agent));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("currency", S(r.Currency("currency")));
  for (std::string_view k : {"availableCents", "escrowLockedCents", "totalDebitedCents",
                             "totalCreditedCents"}) {
    out->Add(k, N(r.OptInt(k, 0).value_or(0)));
  }
  out->Add("revision", N(r.OptInt("revision", 0).value_or(0)));
  const std::string created = r.IsoVerbatim("createdAt", ctx.now);
  out->Add("createdAt", S(created));
  out->Add("updatedAt", S(r.IsoVerbatim("updatedAt", created)));
}

void BuildAgentRunSettlement(Reader& r, const Context& ctx, json::Tree* out) {
  // The record as created (locked); the later members of the full record are maintained by the
  // kernel's state machine.
  out->Add("schemaVersion", S("AgentRunSettlement.v1"));
  const std::string run = r.Id("runId", 1, 128);
  const std::string settlement_id = StrCat("setl_", run);
  if (r.ok() && r.Has("settlementId") && r.Id("settlementId", 1, 200) != settlement_id) {
    r.Fail(kReasonConstraint, "settlementId", "must be setl_${runId}");
  }
  out->Add("settlementId", S(settlement_id));
  out->Add("runId", S(run));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("agentId", S(r.Id("agentId", 3, 128)));
  out->Add("payerAgentId", S(r.Id("payerAgentId", 3, 128)));
  out->Add("amountCents", N(r.Int("amountCents", 1)));
  out->Add("currency", S(r.Currency("currency")));
  out->Add("status", S(r.Enum("status", {"locked", "released", "refunded"}, Reader::Case::kLower,
                              "locked")));
  const std::string locked = r.IsoVerbatim("lockedAt", ctx.now);
  out->Add("lockedAt", S(locked));
  out->Add("resolvedAt", OrNull(r.OptIsoVerbatim("resolvedAt")));
  out->Add("resolutionEventId", OrNull(r.OptString("resolutionEventId")));
  out->Add("runStatus", OrNull(r.OptString("runStatus")));
  out->Add("revision", N(r.OptInt("revision", 0).value_or(0)));
  const std::string created = r.IsoVerbatim("createdAt", locked);
  out->Add("createdAt", S(created));
  out->Add("updatedAt", S(r.IsoVerbatim("updatedAt", created)));
}

namespace {

std::optional<std::string> OptStrictSha(Reader& r, std::string_view key) {
  return r.OptSha(key, /*strict=*/true);
}

}  // namespace

void BuildMarketplaceOffer(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("MarketplaceOffer.v2"));
  const std::string rfq = r.Id("rfqId", 1, 200);
  const std::string bid = r.Id("bidId", 1, 200);
  const auto proposal_id = r.OptId("proposalId", 1, 200);
  const int64_t revision = r.Int("revision", 1);
  auto offer_id = r.OptId("offerId", 1, 400);
  if (!offer_id) {
    offer_id = StrCat("ofr_", rfq, "_", bid, "_", proposal_id ? *proposal_id : StrCat("r", revision));
  }
  out->Add("offerId", S(*offer_id));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("rfqId", S(rfq));
  out->Add("runId", OrNull(r.OptId("runId", 1, 200)));
  out->Add("bidId", S(bid));
  out->Add("proposalId", OrNull(proposal_id));
  out->Add("revision", N(revision));
  out->Add("proposerAgentId", OrNull(r.OptId("proposerAgentId", 1, 200)));
  out->Add("amountCents", N(r.Int("amountCents", 1)));
  // Offers upper-case the currency but apply no pattern.
  std::string currency(js::TrimJs(r.Text("currency", /*trim=*/true, 32)));
  for (char& c : currency) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  out->Add("currency", S(currency));
  out->Add("etaSeconds", OrNull(r.OptInt("etaSeconds", 1)));
  out->Add("note", OrNull(r.OptString("note")));
  out->Add("verificationMethod", OrNull(r.OptObject("verificationMethod")));
  out->Add("policy", OrNull(r.OptObject("policy")));
  out->Add("policyRef", OrNull(r.OptObject("policyRef")));
  out->Add("policyRefHash", OrNull(OptStrictSha(r, "policyRefHash")));
  out->Add("prevProposalHash", OrNull(OptStrictSha(r, "prevProposalHash")));
  auto proposal_hash = OptStrictSha(r, "proposalHash");
  if (!proposal_hash && r.Raw("proposal").is_object()) {
    // hash(proposal minus proposalHash)
    const std::string_view omit[] = {"proposalHash"};
    json::CanonicalOptions options;
    options.omit_members = omit;
    auto digest = json::CanonicalDigest(r.Raw("proposal"), options);
    if (digest.ok()) proposal_hash = HexOf(*digest);
  }
  if (!proposal_hash) r.Fail(kReasonRequired, "proposalHash", "is required (or a proposal object)");
  out->Add("proposalHash", OrNull(proposal_hash));
  out->Add("offerChainHash", OrNull(OptStrictSha(r, "offerChainHash")));
  out->Add("proposalCount", OrNull(r.OptInt("proposalCount", 1)));
  out->Add("metadata", OrNull(r.OptObject("metadata")));
  const std::string proposed = r.IsoNorm("proposedAt", ctx.now);
  out->Add("proposedAt", S(proposed));
  out->Add("createdAt", S(r.IsoVerbatim("createdAt", proposed)));
}

void BuildMarketplaceAcceptance(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("MarketplaceAcceptance.v2"));
  // Fallbacks come from the accepted offer when it is given.
  Reader offer = r.Nested("offer");
  const bool has_offer = r.Raw("offer").is_object();
  const std::string rfq = r.Id("rfqId", 1, 200);
  const std::string bid = r.Id("bidId", 1, 200);
  const auto agreement = r.OptId("agreementId", 1, 400);
  auto acceptance_id = r.OptId("acceptanceId", 1, 400);
  if (!acceptance_id) acceptance_id = StrCat("acc_", agreement ? *agreement : StrCat(rfq, "_", bid));
  out->Add("acceptanceId", S(*acceptance_id));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("rfqId", S(rfq));
  out->Add("runId", S(r.Id("runId", 1, 200)));
  out->Add("bidId", S(bid));
  out->Add("agreementId", OrNull(agreement));
  out->Add("acceptedAt", OrNull(r.OptIsoVerbatim("acceptedAt")));
  out->Add("acceptedByAgentId", OrNull(r.OptId("acceptedByAgentId", 1, 200)));
  const auto pick_id = [&](std::string_view key, std::string_view offer_key) {
    auto v = r.OptId(key, 1, 200);
    return v || !has_offer ? v : offer.OptId(offer_key, 1, 200);
  };
  const auto pick_int = [&](std::string_view key, std::string_view offer_key) {
    auto v = r.OptInt(key, 1);
    return v || !has_offer ? v : offer.OptInt(offer_key, 1);
  };
  const auto pick_sha = [&](std::string_view key, std::string_view offer_key) {
    auto v = OptStrictSha(r, key);
    return v || !has_offer ? v : OptStrictSha(offer, offer_key);
  };
  out->Add("acceptedProposalId", OrNull(pick_id("acceptedProposalId", "proposalId")));
  out->Add("acceptedRevision", OrNull(pick_int("acceptedRevision", "revision")));
  out->Add("acceptedProposalHash", OrNull(pick_sha("acceptedProposalHash", "proposalHash")));
  out->Add("offerChainHash", OrNull(pick_sha("offerChainHash", "offerChainHash")));
  out->Add("proposalCount", OrNull(pick_int("proposalCount", "proposalCount")));
  Reader ref = r.Nested("offerRef");
  json::Tree offer_ref = json::Tree::Object();
  auto ref_id = ref.OptId("offerId", 1, 400);
  auto ref_hash = OptStrictSha(ref, "offerHash");
  if (!ref_id && has_offer) ref_id = offer.OptId("offerId", 1, 400);
  if (!ref_hash && has_offer) ref_hash = OptStrictSha(offer, "offerHash");
  offer_ref.Set("offerId", OrNull(ref_id));
  offer_ref.Set("offerHash", OrNull(ref_hash));
  r.Adopt(ref);
  r.Adopt(offer);
  out->Add("offerRef", std::move(offer_ref));
  out->Add("createdAt", S(r.IsoVerbatim("createdAt", ctx.now)));
}

void BuildReputationEvent(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("ReputationEvent.v1"));
  out->Add("artifactType", S(r.Enum("artifactType", {"ReputationEvent.v1"}, Reader::Case::kAsIs,
                                    "ReputationEvent.v1")));
  const std::string id = TwinId(r, "eventId", "artifactId", 3, 240);
  out->Add("artifactId", S(id));
  out->Add("eventId", S(id));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("occurredAt", S(r.IsoVerbatim("occurredAt", ctx.now)));
  out->Add("eventKind",
           S(r.Enum("eventKind",
                    {"decision_approved", "decision_rejected", "holdback_auto_released",
                     "dispute_opened", "verdict_issued", "adjustment_applied",
                     "penalty_dispute_lost", "penalty_chargeback", "penalty_invalid_signature",
                     "penalty_sybil"},
                    Reader::Case::kAsIs)));
  Reader subject_in = r.Nested("subject");
  if (!r.Raw("subject").is_object()) r.Fail(kReasonRequired, "subject", "is required");
  json::Tree subject = json::Tree::Object();
  subject.Set("agentId", S(subject_in.Id("agentId", 3, 128)));
  SetIf(&subject, "toolId", subject_in.OptId("toolId", 1, 200));
  SetIf(&subject, "counterpartyAgentId", subject_in.OptId("counterpartyAgentId", 3, 128));
  if (subject_in.Has("role")) {
    subject.Set("role", S(subject_in.Enum("role", {"payee", "payer", "arbiter", "system"},
                                          Reader::Case::kAsIs)));
  }
  r.Adopt(subject_in);
  out->Add("subject", std::move(subject));

  Reader source_in = r.Nested("sourceRef");
  if (!r.Raw("sourceRef").is_object()) r.Fail(kReasonRequired, "sourceRef", "is required");
  json::Tree source = json::Tree::Object();
  source.Set("kind", S(js::LowerTrim(source_in.Id("kind", 2, 64))));
  size_t refs = 0;
  for (std::string_view k : {"artifactId", "sourceId", "settlementId", "disputeId", "caseId",
                             "adjustmentId"}) {
    if (auto v = source_in.OptId(k, 3, 240)) {
      source.Set(k, S(*v));
      ++refs;
    }
  }
  if (auto v = source_in.OptId("runId", 3, 128)) {
    source.Set("runId", S(*v));
    ++refs;
  }
  for (std::string_view k : {"hash", "agreementHash", "receiptHash", "holdHash", "decisionHash",
                             "verdictHash"}) {
    if (auto v = source_in.OptSha(k)) {
      source.Set(k, S(*v));
      ++refs;
    }
  }
  if (source_in.ok() && refs == 0) {
    source_in.Fail(kReasonRequired, "kind", "needs at least one reference besides kind");
  }
  r.Adopt(source_in);
  out->Add("sourceRef", std::move(source));
  auto facts = r.OptObject("facts");
  out->Add("facts", facts ? std::move(*facts) : json::Tree::Object());
}

}  // namespace nooterra::objects::internal
