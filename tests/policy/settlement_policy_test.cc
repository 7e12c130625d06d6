// The reference's settlement policy, byte for byte: default policy and method hashes, the
// latency verifier descriptor (03-vectors.md §2.4), the two evaluation vectors (§2.6), and the
// rule order of 05-policy-evaluation.md §1.2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::policy {
namespace {

json::Document Doc(std::string_view text) { return *json::Document::Parse(text); }

// 05 §1.2: rate <= 0 ? 0 : min(amount, floor(amount * rate / 100)), without overflow.
TEST(SettlementPolicy, ReleaseAmount) {
  EXPECT_EQ(ReleaseAmountCents(3000, 33), 990);
  EXPECT_EQ(ReleaseAmountCents(3000, 70), 2100);
  EXPECT_EQ(ReleaseAmountCents(999, 50), 499);  // floor
  EXPECT_EQ(ReleaseAmountCents(3000, 0), 0);
  EXPECT_EQ(ReleaseAmountCents(3000, -5), 0);
  EXPECT_EQ(ReleaseAmountCents(3000, 150), 3000);  // never more than the amount
  const int64_t max_safe = 9007199254740991;
  EXPECT_EQ(ReleaseAmountCents(max_safe, 100), max_safe);
  EXPECT_EQ(ReleaseAmountCents(max_safe, 99), 8917127262193581);  // 9007199254740991 * 99 / 100, floored
}

TEST(SettlementPolicy, DefaultsAndTheirHashes) {
  auto policy = NormalizeSettlementPolicy(json::Value());
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(*json::CanonicalString(*policy),
            R"({"mode":"automatic","policyVersion":1,"rules":{"amberReleaseRatePct":50,"autoReleaseOnAmber":false,"autoReleaseOnGreen":true,"autoReleaseOnRed":false,"disputeWindowHours":null,"greenReleaseRatePct":100,"manualReason":null,"maxAutoReleaseAmountCents":null,"redReleaseRatePct":0,"requireDeterministicVerification":false},"schemaVersion":"SettlementPolicy.v1"})");
  EXPECT_EQ(Hash(*policy), "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8");
  auto method = NormalizeVerificationMethod(json::Value());
  ASSERT_TRUE(method.ok());
  EXPECT_EQ(*json::CanonicalString(*method),
            R"({"attestor":null,"mode":"deterministic","notes":null,"schemaVersion":"VerificationMethod.v1","source":null})");
  EXPECT_EQ(Hash(*method), "20d2f1b1e148b5e337fe1f38258ded31682d8d3de9bea5c0078fa4d1e8ffc070");
  json::Document latency = Doc(R"({"source":"verifier://nooterra/deterministic/latency-threshold-v1"})");
  EXPECT_EQ(Hash(*NormalizeVerificationMethod(latency.root())),
            "051cd7c3ee4d3985017dc554d72eadc6873483a18dc3f48b052f77bd7e1ce2ff");
  EXPECT_EQ(VerifierHash("verifier://nooterra/deterministic/latency-threshold-v1",
                         "nooterra.deterministic.latency-threshold", "v1"),
            "824d46df01e2897746834789e950cb016a10461702c4f4de5a0da7bdff99fefd");
}

TEST(SettlementPolicy, DefaultPolicyGreenReleasesEverything) {
  json::Document method = Doc(R"({"source":"verifier://nooterra/deterministic/latency-threshold-v1"})");
  auto e = EvaluateSettlementPolicy(json::Value(), method.root(), "green", "completed", 10000);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->decision_mode, "automatic");
  EXPECT_TRUE(e->should_auto_resolve);
  EXPECT_EQ(e->release_rate_pct, 100);
  EXPECT_EQ(e->release_amount_cents, 10000);
  EXPECT_EQ(e->refund_amount_cents, 0);
  EXPECT_EQ(e->settlement_status, "released");
  EXPECT_THAT(e->reason_codes, ::testing::IsEmpty());
  EXPECT_EQ(e->policy_hash, "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8");
}

TEST(SettlementPolicy, StrictPolicyAmberAttestedEscalates) {
  json::Document policy =
      Doc(R"({"mode":"automatic","rules":{"requireDeterministicVerification":true,"maxAutoReleaseAmountCents":5000}})");
  json::Document method = Doc(R"({"mode":"attested"})");
  auto e = EvaluateSettlementPolicy(policy.root(), method.root(), "amber", "completed", 10001);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->decision_mode, "manual-review");
  EXPECT_FALSE(e->should_auto_resolve);
  // Insertion order, not sorted.
  EXPECT_THAT(e->reason_codes, ::testing::ElementsAre("verification_method_not_deterministic",
                                                      "amount_exceeds_auto_release_limit",
                                                      "auto_release_disabled_for_amber"));
  EXPECT_EQ(e->release_amount_cents, 5000);
  EXPECT_EQ(e->refund_amount_cents, 5001);
  EXPECT_EQ(e->settlement_status, "released");
}

TEST(SettlementPolicy, RuleOrderManualModeFailedRunsAndMetering) {
  json::Document policy = Doc(
      R"({"mode":"Manual-Review","version":3,"rules":{"autoReleaseOnGreen":false,"redReleaseRatePct":30,)"
      R"("meteringPricingEvidence":{"required":true,"pricingMatrixHash":")" + std::string(64, 'a') +
      R"(","invoiceClaimHash":")" + std::string(64, 'c') + R"("}}})");
  json::Document method = Doc(R"({"meteringPricingEvidence":{"pricingMatrixHash":")" + std::string(64, 'b') +
                              R"(","meteringReportHash":")" + std::string(64, 'd') + R"("}})");
  auto e = EvaluateSettlementPolicy(policy.root(), method.root(), "green", "failed", 999);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(e->reason_codes,
              ::testing::ElementsAre("policy_mode_manual_review", "metering_pricing_policy_metering_report_hash_missing",
                                     "metering_pricing_invoice_claim_hash_missing",
                                     "metering_pricing_pricing_matrix_hash_mismatch", "auto_release_disabled_for_green"));
  EXPECT_EQ(e->release_amount_cents, 0);  // a failed run releases nothing, without a reason code
  EXPECT_EQ(e->settlement_status, "refunded");
  EXPECT_EQ(e->policy.Find("policyVersion")->as_number(), 3);
  EXPECT_EQ(e->policy.Find("mode")->as_string(), "manual-review");
}

TEST(SettlementPolicy, InvalidPoliciesAndInputsAreTypedErrors) {
  for (std::string_view bad : {R"({"rules":{"greenReleaseRatePct":101}})", R"({"rules":{"amberReleaseRatePct":1.5}})",
                               R"({"rules":{"maxAutoReleaseAmountCents":0}})", R"({"rules":{"disputeWindowHours":8761}})",
                               R"({"mode":"sometimes"})", R"({"policyVersion":0})",
                               R"({"rules":{"meteringPricingEvidence":{"pricingMatrixHash":"x"}}})",
                               R"({"rules":{"meteringPricingEvidence":7}})"}) {
    json::Document d = Doc(bad);
    auto e = EvaluateSettlementPolicy(d.root(), json::Value(), "green", "completed", 100);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(StatusReason(e.status()), "POLICY_INVALID") << bad;
  }
  json::Document bad_method = Doc(R"({"mode":"vibes"})");
  EXPECT_EQ(StatusReason(EvaluateSettlementPolicy(json::Value(), bad_method.root(), "green", "completed", 1).status()),
            "POLICY_INVALID");
  EXPECT_EQ(StatusReason(EvaluateSettlementPolicy(json::Value(), json::Value(), "blue", "completed", 1).status()),
            "POLICY_INPUT_INVALID");
  EXPECT_EQ(StatusReason(EvaluateSettlementPolicy(json::Value(), json::Value(), "green", "running", 1).status()),
            "POLICY_INPUT_INVALID");
  EXPECT_EQ(StatusReason(EvaluateSettlementPolicy(json::Value(), json::Value(), "green", "completed", 0).status()),
            "POLICY_INPUT_INVALID");
}

TEST(SettlementPolicy, EvaluationJsonIsCanonicalAndDeterministic) {
  auto a = EvaluateSettlementPolicy(json::Value(), json::Value(), "amber", "completed", 333);
  auto b = EvaluateSettlementPolicy(json::Value(), json::Value(), "amber", "completed", 333);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string text = EvaluationJson(*a);
  EXPECT_EQ(text, EvaluationJson(*b));
  EXPECT_EQ(*json::Canonicalize(text), text);
  EXPECT_THAT(text, ::testing::HasSubstr(R"("reasonCodes":["auto_release_disabled_for_amber"])"));
  EXPECT_THAT(text, ::testing::HasSubstr(R"("releaseAmountCents":166)"));
}

}  // namespace
}  // namespace nooterra::policy
