// FundingHold.v1, SettlementAdjustment.v1, SettlementDecisionRecord.v1/.v2, SettlementReceipt.v1
// and the settlement `bindings` block they share (02-object-model.md §4-7, §6.1).
#include <string>

#include "common/js.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

namespace {

enum class Leaf { kText, kHash, kBool, kStatus, kPolicyVersion };
struct LeafSpec {
  std::string_view name;
  Leaf kind;
};
struct BlockSpec {
  std::string_view name;
  std::initializer_list<LeafSpec> leaves;
};

// §6.1: every block is emitted (null when the input block is falsy); inside a present block
// every leaf is emitted, as its normalized value or null.
const BlockSpec kBlocks[] = {
    {"token", {{"kid", Leaf::kText}, {"sha256", Leaf::kHash}, {"expiresAt", Leaf::kText}}},
    {"request", {{"sha256", Leaf::kHash}}},
    {"response", {{"status", Leaf::kStatus}, {"sha256", Leaf::kHash}}},
    {"providerSig",
     {{"required", Leaf::kBool}, {"present", Leaf::kBool}, {"verified", Leaf::kBool},
      {"providerKeyId", Leaf::kText}, {"keyJwkThumbprintSha256", Leaf::kHash},
      {"error", Leaf::kText}}},
    {"providerQuoteSig",
     {{"required", Leaf::kBool}, {"present", Leaf::kBool}, {"verified", Leaf::kBool},
      {"providerKeyId", Leaf::kText}, {"quoteId", Leaf::kText}, {"quoteSha256", Leaf::kHash},
      {"keyJwkThumbprintSha256", Leaf::kHash}, {"error", Leaf::kText}}},
    {"reserve",
     {{"adapter", Leaf::kText}, {"mode", Leaf::kText}, {"reserveId", Leaf::kText},
      {"status", Leaf::kText}}},
    {"quote",
     {{"quoteId", Leaf::kText}, {"quoteSha256", Leaf::kHash}, {"expiresAt", Leaf::kText},
      {"requestBindingMode", Leaf::kText}, {"requestBindingSha256", Leaf::kHash}}},
    {"spendAuthorization",
     {{"spendAuthorizationVersion", Leaf::kText}, {"idempotencyKey", Leaf::kText},
      {"nonce", Leaf::kText}, {"sponsorRef", Leaf::kText}, {"sponsorWalletRef", Leaf::kText},
      {"agentKeyId", Leaf::kText}, {"delegationGrantRef", Leaf::kText},
      {"delegationRef", Leaf::kText}, {"rootDelegationRef", Leaf::kText},
      {"rootDelegationHash", Leaf::kHash}, {"effectiveDelegationRef", Leaf::kText},
      {"effectiveDelegationHash", Leaf::kHash}, {"policyVersion", Leaf::kPolicyVersion},
      {"policyFingerprint", Leaf::kHash}}},
    {"executionIntent",
     {{"schemaVersion", Leaf::kText}, {"intentId", Leaf::kText}, {"intentHash", Leaf::kHash},
      {"idempotencyKey", Leaf::kText}, {"nonce", Leaf::kText}, {"expiresAt", Leaf::kText},
      {"requestSha256", Leaf::kHash}, {"policyHash", Leaf::kHash},
      {"verificationMethodHash", Leaf::kHash}}},
    {"policyDecisionFingerprint",
     {{"fingerprintVersion", Leaf::kText}, {"policyId", Leaf::kText},
      {"policyVersion", Leaf::kPolicyVersion}, {"policyHash", Leaf::kHash},
      {"verificationMethodHash", Leaf::kHash}, {"evaluationHash", Leaf::kHash}}},
};

bool Truthy(json::Value v) {
  if (!v.present() || v.is_null()) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_number()) return v.as_number() != 0;
  if (v.is_string()) return !v.as_string().empty();
  return true;
}

json::Tree NormalizeLeaf(json::Value v, Leaf kind) {
  switch (kind) {
    case Leaf::kBool:
      return v.is_bool() ? json::Tree::Bool(v.as_bool()) : json::Tree::Null();
    case Leaf::kStatus:
    case Leaf::kPolicyVersion: {
      if (!v.is_number()) return json::Tree::Null();
      const double d = v.as_number();
      const double lo = kind == Leaf::kStatus ? 100 : 1, hi = kind == Leaf::kStatus ? 999 : 1e9;
      if (d != static_cast<double>(static_cast<int64_t>(d)) || d < lo || d > hi) {
        return json::Tree::Null();
      }
      return json::Tree::Number(d);
    }
    case Leaf::kHash: {
      if (!v.is_string()) return json::Tree::Null();
      std::string h = js::LowerTrim(v.as_string());
      return js::IsHex64(h) ? S(h) : json::Tree::Null();
    }
    case Leaf::kText: {
      if (!v.is_string()) return json::Tree::Null();
      std::string_view t = js::TrimJs(v.as_string());
      if (t.empty() || t.size() > 4000) return json::Tree::Null();
      return S(std::string(t));
    }
  }
  return json::Tree::Null();
}

}  // namespace

json::Tree NormalizeBindings(Reader& r) {
  json::Value in = r.Raw("bindings");
  if (!in.is_object()) {
    r.Fail(kReasonType, "bindings", "must be an object");
    return json::Tree::Null();
  }
  json::Tree out = json::Tree::Object();
  json::Value auth = in.Find("authorizationRef");
  out.Set("authorizationRef", NormalizeLeaf(auth, Leaf::kText));
  for (const BlockSpec& block : kBlocks) {
    json::Value b = in.Find(block.name);
    if (!Truthy(b) || !b.is_object()) {
      out.Set(block.name, json::Tree::Null());
      continue;
    }
    json::Tree o = json::Tree::Object();
    for (const LeafSpec& leaf : block.leaves) o.Set(leaf.name, NormalizeLeaf(b.Find(leaf.name), leaf.kind));
    // spendAuthorization.policyRef is carried only when the key exists.
    if (block.name == "spendAuthorization" && b.Find("policyRef").present()) {
      o.Set("policyRef", NormalizeLeaf(b.Find("policyRef"), Leaf::kText));
    }
    out.Set(block.name, std::move(o));
  }
  for (std::string_view extra : {"governance", "metadata"}) {
    json::Value v = in.Find(extra);
    if (v.is_object()) out.Set(extra, json::Tree::FromValue(v));
  }
  return out;
}

void BuildFundingHold(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("FundingHold.v1"));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("agreementHash", S(r.Sha("agreementHash")));
  out->Add("receiptHash", S(r.Sha("receiptHash")));
  out->Add("payerAgentId", S(r.Id("payerAgentId", 3, 128)));
  out->Add("payeeAgentId", S(r.Id("payeeAgentId", 3, 128)));
  const int64_t amount = r.Int("amountCents", 1);
  const int64_t held = r.Int("heldAmountCents", 0);
  if (r.ok() && held > amount) {
    r.Fail(kReasonConstraint, "heldAmountCents", "must not exceed amountCents");
  }
  out->Add("amountCents", N(amount));
  out->Add("heldAmountCents", N(held));
  out->Add("currency", S(r.Currency("currency")));
  // The API bounds (basis points of the amount; a challenge window of at most 365 days).
  out->Add("holdbackBps", N(r.Int("holdbackBps", 0, 10000)));
  out->Add("challengeWindowMs", N(r.Int("challengeWindowMs", 0, 31536000000LL)));
  const std::string created = r.IsoVerbatim("createdAt", ctx.now);
  out->Add("createdAt", S(created));
  // Lifecycle members, outside holdHash.
  LifecycleMembers(r, ctx, {"held", "released", "refunded"}, "held", created, out);
  if (auto metadata = r.OptObject("metadata")) out->Add("metadata", std::move(*metadata));
}

void BuildSettlementAdjustment(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("SettlementAdjustment.v1"));
  out->Add("adjustmentId", S(r.Id("adjustmentId", 3, 200)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("agreementHash", S(r.Sha("agreementHash")));
  out->Add("receiptHash", S(r.Sha("receiptHash")));
  out->Add("holdHash", S(r.Sha("holdHash")));
  out->Add("kind", S(r.Enum("kind", {"holdback_release", "holdback_refund"}, Reader::Case::kLower)));
  out->Add("amountCents", N(r.Int("amountCents", 0)));
  out->Add("currency", S(r.Currency("currency")));
  out->Add("createdAt", S(r.IsoVerbatim("createdAt", ctx.now)));
  // verdictRef is omitted entirely when it is not an object.
  if (r.Raw("verdictRef").is_object()) {
    Reader ref = r.Nested("verdictRef");
    json::Tree o = json::Tree::Object();
    o.Set("caseId", S(ref.Text("caseId", /*trim=*/false)));
    o.Set("verdictHash", S(ref.Sha("verdictHash")));
    r.Adopt(ref);
    out->Add("verdictRef", std::move(o));
  }
  if (auto metadata = r.OptObject("metadata")) out->Add("metadata", std::move(*metadata));
}

namespace {

void BuildDecisionRecord(Reader& r, const Context& ctx, json::Tree* out, bool v2) {
  out->Add("schemaVersion", S(v2 ? "SettlementDecisionRecord.v2" : "SettlementDecisionRecord.v1"));
  out->Add("decisionId", S(r.Id("decisionId", 1, 200)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("runId", S(r.Id("runId", 1, 128)));
  out->Add("settlementId", S(r.Id("settlementId", 1, 200)));
  out->Add("agreementId", OrNull(r.OptString("agreementId")));
  out->Add("decisionStatus", S(r.Text("decisionStatus", /*trim=*/true, 64)));
  out->Add("decisionMode", S(r.Text("decisionMode", /*trim=*/true, 64)));
  out->Add("decisionReason", OrNull(r.OptString("decisionReason")));
  out->Add("verificationStatus", OrNull(r.OptString("verificationStatus")));
  if (v2) {
    auto version = r.OptText("policyNormalizationVersion", /*trim=*/true, 64);
    out->Add("policyNormalizationVersion", S(version.value_or("v1")));
    out->Add("policyHashUsed", S(r.Sha("policyHashUsed")));
    if (auto h = r.OptSha("profileHashUsed")) out->Add("profileHashUsed", S(*h));
    if (auto h = r.OptSha("verificationMethodHashUsed")) out->Add("verificationMethodHashUsed", S(*h));
  }
  Reader policy = r.Nested("policyRef");
  json::Tree policy_ref = json::Tree::Object();
  policy_ref.Set("policyHash", OrNull(policy.OptSha("policyHash")));
  policy_ref.Set("verificationMethodHash", OrNull(policy.OptSha("verificationMethodHash")));
  r.Adopt(policy);
  out->Add("policyRef", std::move(policy_ref));
  Reader verifier = r.Nested("verifierRef");
  json::Tree verifier_ref = json::Tree::Object();
  verifier_ref.Set("verifierId", OrNull(verifier.OptString("verifierId")));
  verifier_ref.Set("verifierVersion", OrNull(verifier.OptString("verifierVersion")));
  verifier_ref.Set("verifierHash", OrNull(verifier.OptSha("verifierHash")));
  verifier_ref.Set("modality", OrNull(verifier.OptString("modality")));
  r.Adopt(verifier);
  out->Add("verifierRef", std::move(verifier_ref));
  Reader work = r.Nested("workRef");
  json::Tree work_ref = json::Tree::Object();
  for (std::string_view k : {"runStatus", "runLastEventId", "runLastChainHash", "resolutionEventId"}) {
    work_ref.Set(k, OrNull(work.OptString(k)));
  }
  r.Adopt(work);
  out->Add("workRef", std::move(work_ref));
  if (r.Has("bindings")) out->Add("bindings", NormalizeBindings(r));
  out->Add("decidedAt", S(r.IsoVerbatim("decidedAt", ctx.now)));
}

}  // namespace

void BuildDecisionRecordV1(Reader& r, const Context& ctx, json::Tree* out) {
  BuildDecisionRecord(r, ctx, out, /*v2=*/false);
}

void BuildDecisionRecordV2(Reader& r, const Context& ctx, json::Tree* out) {
  BuildDecisionRecord(r, ctx, out, /*v2=*/true);
}

void BuildSettlementReceipt(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("SettlementReceipt.v1"));
  out->Add("receiptId", S(r.Id("receiptId", 1, 200)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("runId", S(r.Id("runId", 1, 128)));
  out->Add("settlementId", S(r.Id("settlementId", 1, 200)));
  Reader decision = r.Nested("decisionRef");
  if (!r.Raw("decisionRef").is_object()) r.Fail(kReasonRequired, "decisionRef", "is required");
  json::Tree decision_ref = json::Tree::Object();
  decision_ref.Set("decisionId", S(decision.Id("decisionId", 1, 200)));
  decision_ref.Set("decisionHash", S(decision.Sha("decisionHash")));
  r.Adopt(decision);
  out->Add("decisionRef", std::move(decision_ref));
  const std::string status = r.Text("status", /*trim=*/true, 64);
  out->Add("status", S(status));
  out->Add("amountCents", N(r.Int("amountCents", 1)));
  out->Add("releasedAmountCents", N(r.OptInt("releasedAmountCents", 0).value_or(0)));
  out->Add("refundedAmountCents", N(r.OptInt("refundedAmountCents", 0).value_or(0)));
  out->Add("releaseRatePct",
           N(r.OptInt("releaseRatePct", 0).value_or(status == "released" ? 100 : 0)));
  out->Add("currency", S(r.Currency("currency")));
  out->Add("runStatus", OrNull(r.OptString("runStatus")));
  out->Add("resolutionEventId", OrNull(r.OptString("resolutionEventId")));
  out->Add("finalityProvider",
           S(r.OptText("finalityProvider", /*trim=*/true, 64).value_or("internal_ledger")));
  out->Add("finalityState", S(r.OptText("finalityState", /*trim=*/true, 64)
                                  .value_or(status == "locked" ? "pending" : "final")));
  out->Add("settledAt", OrNull(r.OptString("settledAt")));
  if (r.Has("bindings")) out->Add("bindings", NormalizeBindings(r));
  out->Add("createdAt", S(r.IsoVerbatim("createdAt", ctx.now)));
}

}  // namespace nooterra::objects::internal
