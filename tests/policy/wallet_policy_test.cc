// The agent wallet policy (05 §3): parsing with named errors, the normal form, and the rule order
// with values exactly at and one past every limit.
#include <gtest/gtest.h>

#include "nooterra/json.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::policy {
namespace {

absl::StatusOr<WalletPolicy> Parse(std::string_view text) {
  auto doc = json::Document::Parse(text);
  if (!doc.ok()) return doc.status();
  return ParseWalletPolicy(doc->root());
}

TEST(WalletPolicy, ParsesAndNormalizes) {
  auto p = Parse(R"({"requireApprovalAboveCents":500,"maxPerTransactionCents":1000,"maxDailyCents":null})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(WalletPolicyJson(*p), R"({"maxPerTransactionCents":1000,"requireApprovalAboveCents":500})");
  EXPECT_EQ(WalletPolicyJson(*Parse("{}")), "{}");
  EXPECT_EQ(WalletPolicyJson(*Parse(R"({"maxDailyCents":0})")), R"({"maxDailyCents":0})");
}

TEST(WalletPolicy, RefusesWhatTheReferenceWouldSilentlyIgnore) {
  for (const char* bad : {R"({"maxDailyCents":-1})", R"({"maxDailyCents":1.5})", R"({"maxDailyCents":"100"})",
                          R"({"maxDailyCents":9007199254740992})", R"({"maxPerTxCents":1})", "[]"}) {
    auto p = Parse(bad);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(StatusReason(p.status()), "POLICY_INVALID") << bad;
  }
  EXPECT_NE(Parse(R"({"maxDailyCents":-1})").status().message().find("walletPolicy.maxDailyCents"), std::string::npos);
}

TEST(WalletPolicy, ApproversAreSortedUniqueAgentIds) {
  auto p = Parse(R"({"approverAgentIds":["agt_b","agt_a","agt_b"],"requireApprovalAboveCents":10})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(WalletPolicyJson(*p), R"({"approverAgentIds":["agt_a","agt_b"],"requireApprovalAboveCents":10})");
  for (const char* bad : {R"({"approverAgentIds":"agt_a"})", R"({"approverAgentIds":["x"]})",
                          R"({"approverAgentIds":["agt a"]})", R"({"approverAgentIds":[1]})"}) {
    EXPECT_EQ(StatusReason(Parse(bad).status()), "POLICY_INVALID") << bad;
  }
}

TEST(WalletPolicy, RuleOrderAndBoundaries) {
  WalletPolicy p;
  EXPECT_EQ(CheckWalletPolicy(p, 1'000'000, 1'000'000), "");  // no limits
  p.max_per_transaction_cents = 1000;
  p.require_approval_above_cents = 500;
  p.max_daily_cents = 2000;
  EXPECT_EQ(CheckWalletPolicy(p, 500, 0), "");                                   // at the approval limit
  EXPECT_EQ(CheckWalletPolicy(p, 501, 0), "WALLET_POLICY_APPROVAL_REQUIRED");    // one over
  EXPECT_EQ(CheckWalletPolicy(p, 1001, 0), "WALLET_POLICY_MAX_PER_TX");          // per-tx before approval
  EXPECT_EQ(CheckWalletPolicy(p, 1001, 5000), "WALLET_POLICY_MAX_PER_TX");       // ... and before daily
  EXPECT_EQ(CheckWalletPolicy(p, 600, 5000), "WALLET_POLICY_APPROVAL_REQUIRED"); // approval before daily
  EXPECT_EQ(CheckWalletPolicy(p, 500, 1500), "");                                // exactly at the daily cap
  EXPECT_EQ(CheckWalletPolicy(p, 500, 1501), "WALLET_POLICY_MAX_DAILY");         // one over it
  WalletPolicy zero;
  zero.max_daily_cents = 0;
  EXPECT_EQ(CheckWalletPolicy(zero, 1, 0), "WALLET_POLICY_MAX_DAILY");
  WalletPolicy huge;
  huge.max_daily_cents = 9007199254740991;
  EXPECT_EQ(CheckWalletPolicy(huge, 9007199254740991, 1), "WALLET_POLICY_MAX_DAILY");  // no overflow
}

}  // namespace
}  // namespace nooterra::policy
