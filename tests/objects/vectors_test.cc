// Every kernel-object entry of conformance/v1/protocol-vectors/v1.json and the extra vectors of
// ../shared/protocol/kernel/03-vectors.md §2, rebuilt byte for byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/object_fixture.h"
#include "support/reference.h"

namespace nooterra::objects {
namespace {

using testing::InputsFromVector;
using testing::KernelVectorEntries;
using testing::ProtocolVectors;
using testing::StringMember;
using testing::VectorSigner;

class KernelVector : public ::testing::TestWithParam<testing::VectorEntry> {
 protected:
  json::Value Entry() const { return ProtocolVectors().root().Find(GetParam().name); }
  std::string Canonical() const { return StringMember(Entry(), "canonicalJson"); }
};

TEST_P(KernelVector, ParsesAsValidNormalForm) {
  ASSERT_FALSE(Canonical().empty()) << "missing vector entry " << GetParam().name;
  auto object = Parse(Canonical());
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->type, GetParam().type);
  EXPECT_EQ(object->canonical, Canonical());
  EXPECT_EQ(crypto::Sha256Hex(object->canonical), StringMember(Entry(), "sha256"));
}

TEST_P(KernelVector, VerifiesWithTheVectorKey) {
  const crypto::PublicKey key = testing::VectorPublicKey();
  auto report = VerifyObject(Canonical(), absl::MakeConstSpan(&key, 1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << RenderVerifyReportJson(*report);
  EXPECT_EQ(report->schema_version, SchemaVersionOf(GetParam().type));
  // The published self-hash, wherever the vector states it.
  for (std::string_view k : {"coreSha256", "agreementHash", "evidenceHash", "policyDecisionHash",
                             "actionHash", "manifestHash"}) {
    std::string expected = StringMember(Entry(), k);
    if (expected.empty()) continue;
    if (k == "agreementHash" && GetParam().type != ObjectType::kToolCallAgreement) continue;
    EXPECT_EQ(report->hash, expected) << k;
  }
  if (!StringMember(Entry(), "signature").empty() ||
      GetParam().type == ObjectType::kToolManifest) {
    EXPECT_EQ(report->signatures_verified, 1);
  }
}

TEST_P(KernelVector, RebuildsFromInputsByteForByte) {
  json::Tree inputs = InputsFromVector(GetParam().name);
  auto text = json::CanonicalString(inputs);
  ASSERT_TRUE(text.ok());
  BuildOptions options;
  const bool signs = GetParam().type != ObjectType::kDisputeOpenEnvelope &&
                     IsSignable(GetParam().type);
  if (signs) options.signer = &VectorSigner();
  auto built = Build(GetParam().type, *text, options);
  ASSERT_TRUE(built.ok()) << built.status() << "\ninputs: " << *text;
  EXPECT_EQ(built->canonical, Canonical());
  // Determinism: a second build gives the same bytes.
  auto again = Build(GetParam().type, *text, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->canonical, built->canonical);
}

INSTANTIATE_TEST_SUITE_P(ProtocolVectors, KernelVector, ::testing::ValuesIn(KernelVectorEntries()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(KernelVectorCoverage, EveryKernelEntryOfTheManifestIsCovered) {
  // The interop manifest lists the objects; those that are kernel objects must all be tested.
  auto manifest = json::Document::Parse(
      testing::ReadReference("conformance/v1/protocol-vectors/manifest.v1.json"));
  ASSERT_TRUE(manifest.ok());
  json::Value list = manifest->root().Find("interopObjects");
  ASSERT_TRUE(list.is_array());
  size_t kernel = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string name(list.at(i).as_string());
    json::Value entry = ProtocolVectors().root().Find(name);
    std::string schema = StringMember(entry, "schemaVersion");
    if (!TypeFromSchemaVersion(schema)) continue;  // proof bundles, agent runs, reputation scores
    ++kernel;
    bool covered = false;
    for (const auto& e : KernelVectorEntries()) covered = covered || e.name == name;
    EXPECT_TRUE(covered) << name;
  }
  EXPECT_EQ(kernel, KernelVectorEntries().size());
}

// ------------------------------------------------------------------------------------------
// 03-vectors.md §2: extra kernel vectors generated with the reference builders.

constexpr char kAgreement[] = "556f31eeb5ed82f17ae35ad2340d231728f6f9529388c92ff87b267615d80a56";
constexpr char kReceipt[] = "a2fd5c05412f4c25dc00d23f21f4431679a0492878bf5442a778ea77d841eff2";

TEST(ExtraVectors, HashInputsAreTheLiteralSeeds) {
  EXPECT_EQ(crypto::Sha256Hex("kernel:vector:agreement"), kAgreement);
  EXPECT_EQ(crypto::Sha256Hex("kernel:vector:receipt"), kReceipt);
}

TEST(ExtraVectors, FundingHold) {
  const std::string inputs = std::string(R"({"tenantId":"tenant_default","agreementHash":")") +
                             kAgreement + R"(","receiptHash":")" + kReceipt +
                             R"(","payerAgentId":"agt_payer_vec","payeeAgentId":"agt_payee_vec",)"
                             R"("amountCents":10000,"heldAmountCents":2000,"currency":"usd",)"
                             R"("holdbackBps":2000,"challengeWindowMs":800,)"
                             R"("createdAt":"2026-02-01T00:00:00.000Z"})";
  auto hold = Build(ObjectType::kFundingHold, inputs);
  ASSERT_TRUE(hold.ok()) << hold.status();
  EXPECT_EQ(hold->canonical,
            std::string(R"({"agreementHash":")") + kAgreement +
                R"(","amountCents":10000,"challengeWindowMs":800,"createdAt":"2026-02-01T00:00:00.000Z","currency":"USD","heldAmountCents":2000,"holdHash":"4602bdc9597c2da9e7122974172541ae86d3a3cc48fddc2de6219d31900054ad","holdbackBps":2000,"payeeAgentId":"agt_payee_vec","payerAgentId":"agt_payer_vec","receiptHash":")" +
                kReceipt +
                R"(","revision":0,"schemaVersion":"FundingHold.v1","status":"held","tenantId":"tenant_default","updatedAt":"2026-02-01T00:00:00.000Z"})");
  // A resolved hold re-hashes to the same value (lifecycle members are outside holdHash).
  json::Tree resolved = hold->body;
  resolved.Set("status", json::Tree::String("released"));
  resolved.Set("revision", json::Tree::Number(1));
  resolved.Set("resolvedAt", json::Tree::String("2026-02-01T00:00:01.000Z"));
  resolved.Set("updatedAt", json::Tree::String("2026-02-01T00:00:01.000Z"));
  json::Tree meta = json::Tree::Object();
  meta.Set("autoReleased", json::Tree::Bool(true));
  resolved.Set("metadata", std::move(meta));
  auto hash = ComputeHash(ObjectType::kFundingHold, resolved);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, "4602bdc9597c2da9e7122974172541ae86d3a3cc48fddc2de6219d31900054ad");
  auto reparsed = Parse(*json::CanonicalString(resolved));
  EXPECT_TRUE(reparsed.ok()) << reparsed.status();
}

TEST(ExtraVectors, ArbitrationVerdictCoreAndAdjustment) {
  const std::string tail = kAgreement;
  const std::string verdict_inputs =
      R"({"verdictId":"avd_vec_0001","caseId":"arb_case_tc_)" + tail +
      R"(","tenantId":"tenant_default","runId":"tc_)" + tail + R"(","settlementId":"setl_tc_)" +
      tail + R"(","disputeId":"disp_tc_)" + tail +
      R"(","arbiterAgentId":"agt_arbiter_vec","outcome":"accepted","releaseRatePct":100,)"
      R"("rationale":"Release holdback to payee.","evidenceRefs":[],)"
      R"("issuedAt":"2026-02-01T00:00:02.000Z","appealRef":null})";
  BuildOptions options;
  options.signer = &VectorSigner();
  auto verdict = Build(ObjectType::kArbitrationVerdict, verdict_inputs, options);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_EQ(verdict->hash, "8c62255c453f0ade2f1f35c9c5610d4d09933f7feab13db495b79f7589810ebd");
  const crypto::PublicKey key = testing::VectorPublicKey();
  auto report = VerifyObject(verdict->canonical, absl::MakeConstSpan(&key, 1));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << RenderVerifyReportJson(*report);
  EXPECT_EQ(report->signatures_verified, 1);

  const std::string adjustment_inputs =
      R"({"adjustmentId":"sadj_agmt_)" + tail + R"(_holdback","tenantId":"tenant_default",)"
      R"("agreementHash":")" + tail + R"(","receiptHash":")" + kReceipt +
      R"(","holdHash":"4602bdc9597c2da9e7122974172541ae86d3a3cc48fddc2de6219d31900054ad",)"
      R"("kind":"holdback_release","amountCents":2000,"currency":"USD",)"
      R"("createdAt":"2026-02-01T00:00:02.000Z","verdictRef":{"caseId":"arb_case_tc_)" + tail +
      R"(","verdictHash":")" + verdict->hash + R"("},"metadata":{"openedByCaseId":"arb_case_tc_)" +
      tail + R"("}})";
  auto adjustment = Build(ObjectType::kSettlementAdjustment, adjustment_inputs);
  ASSERT_TRUE(adjustment.ok()) << adjustment.status();
  EXPECT_EQ(adjustment->hash, "49346acfa7135cb60194778fbbfe14791643d1ce63a69bb171fdeaa85e5a6707");
}

TEST(ExtraVectors, PolicyDecisionNormalization) {
  const std::string inputs =
      R"({"decisionId":"pdec_vec_order","tenantId":"tenant_default","runId":"run_vec",)"
      R"("settlementId":"setl_run_vec","decisionMode":"Manual-Review","verificationStatus":"Amber",)"
      R"("reasonCodes":["b_code","B_code","a-code","a_code","a1","a_code"," x "],)"
      R"("createdAt":"2026-02-01T00:02:00Z","policyInput":{"policyId":"pol.a","policyVersion":2},)"
      R"("policyRef":{"policyHash":"3333333333333333333333333333333333333333333333333333333333333333",)"
      R"("verificationMethodHash":"4444444444444444444444444444444444444444444444444444444444444444"},)"
      R"("releaseRatePct":50,"releaseAmountCents":5000,"refundAmountCents":5000,)"
      // The digest does not list these two inputs; they are the only values that reproduce
      // its evaluationHash (checked by a search over the plausible ones).
      R"("runStatus":"completed","settlementStatus":"released"})";
  auto decision = Build(ObjectType::kPolicyDecision, inputs);
  ASSERT_TRUE(decision.ok()) << decision.status();
  auto codes = json::CanonicalString(*decision->body.Find("reasonCodes"));
  EXPECT_EQ(*codes, R"(["a_code","a-code","a1","b_code","B_code","x"])");
  EXPECT_EQ(decision->body.Find("evaluationHash")->as_string(),
            "8440f7d01a60eb7a576ce7ce9769b92cb9ede058960229b35bed32e3e33d2d07");
  EXPECT_EQ(decision->hash, "bfe5f4f9f9b842ec1aaff60a168d16ae23914a8a38f5359144046dff4ba48a7a");
}

TEST(ExtraVectors, ToolCallAgreementNormalization) {
  const std::string inputs =
      R"({"toolId":"  tool_x  ","manifestHash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",)"
      R"("callId":"call_1","payerAgentId":" agt_p ","payeeAgentId":"","input":{"b":1,"a":[1,2]},)"
      R"("settlementTerms":{"amountCents":500,"currency":"USD"},"createdAt":"2026-02-01T00:00:10Z"})";
  auto agreement = Build(ObjectType::kToolCallAgreement, inputs);
  ASSERT_TRUE(agreement.ok()) << agreement.status();
  EXPECT_EQ(agreement->canonical,
            R"({"acceptanceCriteria":null,"agreementHash":"b6c1209b5dcaf7577970c85da2f718b1d63cbb6dd3ae9fd3a3d8f03336f87d04","callId":"call_1","createdAt":"2026-02-01T00:00:10.000Z","inputHash":"94a786c3662bc7beeb598efa7d8cb58d7bea25d6c275ea9785a0230ff1f8c2ba","manifestHash":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","payeeAgentId":null,"payerAgentId":"agt_p","schemaVersion":"ToolCallAgreement.v1","settlementTerms":{"amountCents":500,"currency":"USD"},"toolId":"tool_x"})");
}

TEST(ExtraVectors, DisputeOpenEnvelopeNormalization) {
  const std::string h1(64, '1'), h2(64, '2'), h3(64, '3');
  const std::string inputs =
      R"({"envelopeId":"dopen_tc_)" + h1 + R"(","caseId":"arb_case_tc_)" + h1 +
      R"(","tenantId":"tenant_default","agreementHash":")" + h1 + R"(","receiptHash":")" + h2 +
      R"(","holdHash":")" + h3 +
      R"(","openedByAgentId":"agt_payee","openedAt":"2026-02-01T00:03:00+01:00",)"
      R"("reasonCode":"tool_call_dispute","nonce":"nonce_0000000001","signerKeyId":"key_0123456789",)"
      R"("signature":"placeholder"})";
  auto envelope = Build(ObjectType::kDisputeOpenEnvelope, inputs);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  EXPECT_EQ(envelope->body.Find("openedAt")->as_string(), "2026-01-31T23:03:00.000Z");
  EXPECT_EQ(envelope->body.Find("reasonCode")->as_string(), "TOOL_CALL_DISPUTE");
  EXPECT_EQ(envelope->hash, "cb05c81e0a7215b060ae8adfe15588b3ce128a41fbcfc01a4ddb93aced846ad2");
}

TEST(ExtraVectors, FailureVectorEnvelopeParses) {
  auto doc = json::Document::Parse(
      testing::ReadReference("conformance/v1/protocol-vectors/failure-vectors.v1.json"));
  ASSERT_TRUE(doc.ok());
  json::Value cases = doc->root().Find("cases");
  ASSERT_TRUE(cases.is_array());
  size_t checked = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (StringMember(cases.at(i), "schemaVersion") != "DisputeOpenEnvelope.v1") continue;
    std::string text = StringMember(cases.at(i), "canonicalJson");
    auto report = VerifyObject(text, {});
    ASSERT_TRUE(report.ok());
    // The placeholder signature is unchecked without the opener's key; the hash holds.
    EXPECT_TRUE(report->ok) << RenderVerifyReportJson(*report);
    EXPECT_EQ(report->hash, "a98223d0bd88e2ed4c3e261eddda1883f5cb354e74ca4e98a870d16226969e32");
    EXPECT_EQ(crypto::Sha256Hex(text), StringMember(cases.at(i), "sha256"));
    ++checked;
  }
  EXPECT_EQ(checked, 1u);
}

}  // namespace
}  // namespace nooterra::objects
