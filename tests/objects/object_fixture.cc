#include "objects/object_fixture.h"

#include <gtest/gtest.h>

#include "support/reference.h"

namespace nooterra::testing {

using objects::ObjectType;

const json::Document& ProtocolVectors() {
  static const json::Document* doc = [] {
    auto parsed = json::Document::Parse(ReadReference("conformance/v1/protocol-vectors/v1.json"));
    if (!parsed.ok()) {
      ADD_FAILURE() << "protocol vectors: " << parsed.status();
      return new json::Document(*json::Document::Parse("{}"));
    }
    return new json::Document(std::move(*parsed));
  }();
  return *doc;
}

const crypto::PrivateKey& VectorSigner() {
  static const crypto::PrivateKey* key = [] {
    auto doc = json::Document::Parse(ReadReference("keys/ed25519_test_keypair.json"));
    std::string pem = doc.ok() ? StringMember(doc->root(), "privateKeyPem") : "";
    auto k = crypto::PrivateKey::FromPem(pem);
    if (!k.ok()) {
      ADD_FAILURE() << "vector signer key: " << k.status();
      uint8_t seed[32] = {0};
      return new crypto::PrivateKey(*crypto::PrivateKey::FromSeed(seed));
    }
    return new crypto::PrivateKey(std::move(*k));
  }();
  return *key;
}

crypto::PublicKey VectorPublicKey() { return VectorSigner().public_key(); }

const std::vector<VectorEntry>& KernelVectorEntries() {
  static const std::vector<VectorEntry> entries = {
      {"toolManifest", ObjectType::kToolManifest},
      {"toolCallAgreement", ObjectType::kToolCallAgreement},
      {"toolCallEvidence", ObjectType::kToolCallEvidence},
      {"settlementDecisionRecord", ObjectType::kSettlementDecisionRecordV1},
      {"settlementDecisionRecordV2", ObjectType::kSettlementDecisionRecordV2},
      {"settlementReceipt", ObjectType::kSettlementReceipt},
      {"policyDecision", ObjectType::kPolicyDecision},
      {"operatorAction", ObjectType::kOperatorAction},
      {"marketplaceOffer", ObjectType::kMarketplaceOffer},
      {"marketplaceAcceptance", ObjectType::kMarketplaceAcceptance},
      {"reputationEvent", ObjectType::kReputationEvent},
      {"disputeOpenEnvelope", ObjectType::kDisputeOpenEnvelope},
      {"agreementDelegation", ObjectType::kAgreementDelegation},
      {"agentWallet", ObjectType::kAgentWallet},
      {"agentRunSettlement", ObjectType::kAgentRunSettlement},
  };
  return entries;
}

std::string StringMember(json::Value v, std::string_view key) {
  json::Value m = v.Find(key);
  return m.is_string() ? std::string(m.as_string()) : std::string();
}

json::Tree InputsFromVector(const std::string& name) {
  json::Value entry = ProtocolVectors().root().Find(name);
  auto tree = json::Tree::Parse(StringMember(entry, "canonicalJson"));
  if (!tree.ok()) {
    ADD_FAILURE() << name << ": " << tree.status();
    return json::Tree::Object();
  }
  json::Tree in = std::move(*tree);
  const auto raw = [&](std::string_view member, std::string_view hash_member) {
    std::string text = StringMember(entry, member);
    if (text.empty()) return;
    auto parsed = json::Tree::Parse(text);
    ASSERT_TRUE(parsed.ok()) << name << "." << member;
    in.Erase(hash_member);
    in.Set(std::string(member.substr(0, member.size() - std::string_view("CanonicalJson").size())),
           std::move(*parsed));
  };
  // The raw documents in place of their hashes: the builder must hash them itself.
  raw("inputSchemaCanonicalJson", "inputSchemaHash");
  raw("outputSchemaCanonicalJson", "outputSchemaHash");
  raw("inputCanonicalJson", "inputHash");
  raw("outputCanonicalJson", "outputHash");
  // What the builder computes: the self-hash and PolicyDecision's evaluationHash.
  for (const auto& e : KernelVectorEntries()) {
    if (e.name == name) in.Erase(objects::HashMemberOf(e.type));
  }
  in.Erase("evaluationHash");
  if (name == "toolManifest") in.Set("signerPublicKeyPem", json::Tree::Bool(true));
  if (name == "operatorAction") {
    const json::Tree* sig = in.Find("signature");
    if (sig != nullptr && sig->Find("signedAt") != nullptr) in.Set("signedAt", *sig->Find("signedAt"));
  }
  // The envelope vector carries a placeholder signature string, which is an input.
  if (name != "disputeOpenEnvelope") in.Erase("signature");
  return in;
}

json::Tree BaseInputs(ObjectType type) {
  for (const auto& e : KernelVectorEntries()) {
    if (e.type == type) return InputsFromVector(e.name);
  }
  const std::string a = "556f31eeb5ed82f17ae35ad2340d231728f6f9529388c92ff87b267615d80a56";
  const std::string rc = "a2fd5c05412f4c25dc00d23f21f4431679a0492878bf5442a778ea77d841eff2";
  const std::string hold = "4602bdc9597c2da9e7122974172541ae86d3a3cc48fddc2de6219d31900054ad";
  std::string text;
  switch (type) {
    case ObjectType::kFundingHold:
      text = R"({"tenantId":"tenant_default","agreementHash":")" + a + R"(","receiptHash":")" + rc +
             R"(","payerAgentId":"agt_payer_vec","payeeAgentId":"agt_payee_vec","amountCents":10000,)"
             R"("heldAmountCents":2000,"currency":"usd","holdbackBps":2000,"challengeWindowMs":800,)"
             R"("createdAt":"2026-02-01T00:00:00.000Z"})";
      break;
    case ObjectType::kSettlementAdjustment:
      text = R"({"adjustmentId":"sadj_agmt_)" + a + R"(_holdback","tenantId":"tenant_default",)"
             R"("agreementHash":")" + a + R"(","receiptHash":")" + rc + R"(","holdHash":")" + hold +
             R"(","kind":"holdback_release","amountCents":2000,"currency":"USD",)"
             R"("createdAt":"2026-02-01T00:00:02.000Z","verdictRef":{"caseId":"arb_case_tc_)" + a +
             R"(","verdictHash":"8c62255c453f0ade2f1f35c9c5610d4d09933f7feab13db495b79f7589810ebd"}})";
      break;
    case ObjectType::kArbitrationVerdict:
      text = R"({"verdictId":"avd_vec_0001","caseId":"arb_case_tc_)" + a +
             R"(","tenantId":"tenant_default","runId":"tc_)" + a + R"(","settlementId":"setl_tc_)" + a +
             R"(","disputeId":"disp_tc_)" + a +
             R"(","arbiterAgentId":"agt_arbiter_vec","outcome":"accepted","releaseRatePct":100,)"
             R"("rationale":"Release holdback to payee.","evidenceRefs":[],)"
             R"("issuedAt":"2026-02-01T00:00:02.000Z","appealRef":null})";
      break;
    case ObjectType::kArbitrationCase:
      text = R"({"caseId":"arb_case_tc_)" + a + R"(","tenantId":"tenant_default","runId":"tc_)" + a +
             R"(","settlementId":"setl_tc_)" + a + R"(","disputeId":"disp_tc_)" + a +
             R"(","claimantAgentId":"agt_payee_vec","respondentAgentId":"agt_payer_vec",)"
             R"("arbiterAgentId":"agt_arbiter_vec","status":"under_review",)"
             R"("openedAt":"2026-02-01T00:00:01.500Z","summary":"Holdback disputed",)"
             R"("evidenceRefs":[" evidence://a ","evidence://a","evidence://b"],)"
             R"("metadata":{"caseType":"tool_call"}})";
      break;
    default:
      ADD_FAILURE() << "no base inputs for type " << static_cast<int>(type);
      return json::Tree::Object();
  }
  auto tree = json::Tree::Parse(text);
  if (!tree.ok()) {
    ADD_FAILURE() << tree.status();
    return json::Tree::Object();
  }
  return std::move(*tree);
}

objects::Object BuiltInstance(ObjectType type) {
  objects::BuildOptions options;
  if (objects::IsSignable(type) && type != ObjectType::kDisputeOpenEnvelope) {
    options.signer = &VectorSigner();
  }
  auto built = objects::Build(type, *json::CanonicalString(BaseInputs(type)), options);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? *built : objects::Object{};
}

}  // namespace nooterra::testing
