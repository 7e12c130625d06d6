// Wallet policies enforced by the kernel inside the escrow-locking transaction: blocked locks
// change nothing, the daily cap counts the store's own record of the day's spend (so batched
// locks cannot overspend), and the log replays policies too.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agreement/agreement_fixture.h"
#include "agreement/records.h"
#include "common/js.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using testing::Field;

constexpr char kTenant[] = "tenant_w";
constexpr char kDay1[] = "2026-05-01T23:59:59.000Z";
constexpr char kDay2[] = "2026-05-02T00:00:00.000Z";

class Wallet : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Options o;
    o.durable = false;
    store_ = std::move(*store::Store::Open(dir_.sub("s"), o));
    k_ = std::make_unique<Kernel>(store_.get());
    ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_buyer", testing::SeedKey(1).public_key().ToPem()).ok());
    ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_tool", testing::SeedKey(2).public_key().ToPem()).ok());
    ASSERT_TRUE(k_->Deposit(kTenant, "agt_buyer", "USD", 100000, "dep").ok());
  }

  std::string Create(const std::string& call, int64_t amount) {
    auto r = k_->CreateAgreement(kTenant, testing::CreateRequest(call, amount, 0, 1000),
        kDay1, "c_" + call);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? Field(r->json, "agreement.agreementHash") : "";
  }

  std::string WalletJson() { return *k_->GetWallet(kTenant, "agt_buyer", "USD"); }

  // The tenant's log, replayed into a fresh store, reproduces the same state hash.
  void ExpectReplaysToTheSameStateHash() {
    store::Options o;
    o.durable = false;
    auto copy = std::move(*store::Store::Open(dir_.sub("copy"), o));
    auto replayed = Kernel(copy.get()).Replay(*store_, kTenant);
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    EXPECT_EQ(Field(*replayed, "stateHash"), *k_->StateHash(kTenant));
  }

  nooterra::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Kernel> k_;
};

TEST_F(Wallet, BlockedLocksChangeNothingAndReportTheRule) {
  EXPECT_EQ(StatusReason(k_->SetWalletPolicy(kTenant, "agt_nobody", "{}", "p0").status()), "AGENT_NOT_FOUND");
  EXPECT_EQ(StatusReason(k_->SetWalletPolicy(kTenant, "agt_buyer", R"({"maxDailyCents":-5})", "p0").status()),
            "POLICY_INVALID");
  auto set = k_->SetWalletPolicy(kTenant, "agt_buyer",
                                 R"({"maxPerTransactionCents":2000,"requireApprovalAboveCents":1500,"maxDailyCents":3000})", "p1");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Field(set->json, "agentId"), "agt_buyer");
  const std::string too_big = Create("big", 2001), needs_approval = Create("approve", 1501);
  const std::string before = WalletJson();
  auto r = k_->Fund(kTenant, too_big, kDay1, "f_big");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusReason(r.status()), "WALLET_POLICY_MAX_PER_TX");
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, needs_approval, kDay1, "f_approve").status()), "WALLET_POLICY_APPROVAL_REQUIRED");
  EXPECT_EQ(WalletJson(), before);
  EXPECT_EQ(Field(**k_->GetAgreement(kTenant, too_big), "status"), "created");

  // The daily cap: 1500 + 1500 reaches 3000 exactly; one more cent that day is refused; the next
  // UTC day starts again from zero.
  const std::string a = Create("a", 1500), b = Create("b", 1500), c = Create("c", 1), d = Create("d", 1);
  ASSERT_TRUE(k_->Fund(kTenant, a, kDay1, "f_a").ok());
  ASSERT_TRUE(k_->Fund(kTenant, b, kDay1, "f_b").ok());
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, c, kDay1, "f_c").status()), "WALLET_POLICY_MAX_DAILY");
  EXPECT_TRUE(k_->Fund(kTenant, c, kDay2, "f_c2").ok());
  // Clearing the policy lifts every limit; the day's spend is still counted.
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer", "{}", "p2").ok());
  EXPECT_TRUE(k_->Fund(kTenant, d, kDay1, "f_d").ok());
  EXPECT_TRUE(k_->Fund(kTenant, too_big, kDay1, "f_big2").ok());
}

TEST_F(Wallet, ABatchCannotOverspendTheDailyCap) {
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer", R"({"maxDailyCents":1000})", "p").ok());
  std::vector<BatchOp> ops;
  for (int i = 0; i < 5; ++i) ops.push_back({Operation::kFund, Create("x" + std::to_string(i), 300), "", kDay1, "f" + std::to_string(i)});
  auto out = k_->ApplyBatch(kTenant, ops);
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<std::string> reasons;
  for (const BatchOutcome& o : *out) reasons.push_back(o.status.ok() ? "ok" : StatusReason(o.status));
  EXPECT_EQ(reasons, (std::vector<std::string>{"ok", "ok", "ok", "WALLET_POLICY_MAX_DAILY", "WALLET_POLICY_MAX_DAILY"}));
  EXPECT_EQ(WalletJson(), R"({"available":99100,"escrow":900})");
}

TEST_F(Wallet, TheToolCallHoldIsCheckedOnItsHeldAmount) {
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer", R"({"maxPerTransactionCents":100})", "p").ok());
  auto lock = [&](int64_t amount, const std::string& key) {
    const std::string h = crypto::Sha256Hex(key);
    return k_->LockHold(kTenant,
        R"({"agreementHash":")" + h + R"(","receiptHash":")" + h + R"(","payerAgentId":"agt_buyer","payeeAgentId":"agt_tool",)"
        R"("amountCents":)" + std::to_string(amount) + R"(,"currency":"USD","holdbackBps":1000,"challengeWindowMs":800})",
        kDay1, key);
  };
  EXPECT_TRUE(lock(1000, "l1").ok());  // holds 100: at the limit
  EXPECT_EQ(StatusReason(lock(1010, "l2").status()), "WALLET_POLICY_MAX_PER_TX");  // holds 101
}

TEST_F(Wallet, PoliciesAreLoggedAndReplay) {
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer", R"({"maxDailyCents":1000})", "p").ok());
  const std::string a = Create("a", 700), b = Create("b", 700);
  ASSERT_TRUE(k_->Fund(kTenant, a, kDay1, "f_a").ok());
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, b, kDay1, "f_b").status()), "WALLET_POLICY_MAX_DAILY");
  ExpectReplaysToTheSameStateHash();
}

// An approval-required fund with approvers in the policy is stored pending; a signed
// OperatorAction from an approver decides it, exactly once.
TEST_F(Wallet, EscalationsAreStoredAndDecidedBySignedOperatorActions) {
  const crypto::PrivateKey approver = testing::SeedKey(7), outsider = testing::SeedKey(8);
  ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_approver", approver.public_key().ToPem()).ok());
  ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_outsider", outsider.public_key().ToPem()).ok());
  auto set = k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"requireApprovalAboveCents":1000,"maxDailyCents":5000,"approverAgentIds":["agt_approver","agt_approver"]})", "p");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Field(set->json, "walletPolicy.maxDailyCents"), "5000");
  EXPECT_NE(set->json.find(R"("approverAgentIds":["agt_approver"])"), std::string::npos) << set->json;
  const std::string a = Create("big_a", 3000), b = Create("big_b", 2000);
  const std::string before = WalletJson();
  auto escalated = k_->Fund(kTenant, a, kDay1, "f_a");
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  const std::string id = "esc_fund_" + a;
  EXPECT_EQ(Field(escalated->json, "escalation.escalationId"), id);
  EXPECT_EQ(Field(escalated->json, "escalation.status"), "pending");
  EXPECT_EQ(Field(escalated->json, "escalation.reasonCode"), "WALLET_POLICY_APPROVAL_REQUIRED");
  EXPECT_EQ(Field(escalated->json, "record.status"), "created");
  EXPECT_EQ(WalletJson(), before);  // no money moved
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, a, kDay1, "f_a2").status()), "ESCALATION_PENDING");

  auto action = [&](const crypto::PrivateKey& key, const std::string& operator_id, const std::string& verb,
                    const std::string& case_id) {
    objects::BuildOptions o;
    o.signer = &key;
    auto built = objects::Build(objects::ObjectType::kOperatorAction,
        R"({"caseRef":{"kind":"escalation","caseId":")" + case_id + R"("},"action":")" + verb +
        R"(","justificationCode":"WITHIN_BUDGET","actor":{"operatorId":")" + operator_id +
        R"("},"actedAt":"2026-05-01T23:59:59.500Z"})", o);
    EXPECT_TRUE(built.ok()) << built.status();
    return built.ok() ? built->canonical : std::string();
  };
  // Refusals change nothing.
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, "esc_fund_nope", action(approver, "agt_approver", "APPROVE", "esc_fund_nope"), kDay1, "r0").status()),
            "ESCALATION_NOT_FOUND");
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, id, action(outsider, "agt_outsider", "APPROVE", id), kDay1, "r1").status()),
            "ESCALATION_APPROVER_UNKNOWN");
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, id, action(outsider, "agt_approver", "APPROVE", id), kDay1, "r2").status()),
            "ESCALATION_ACTION_INVALID");  // signed by the wrong key
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, id, action(approver, "agt_approver", "APPROVE", "esc_other"), kDay1, "r3").status()),
            "ESCALATION_ACTION_MISMATCH");
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, id, action(approver, "agt_approver", "REQUEST_INFO", id), kDay1, "r4").status()),
            "ESCALATION_ACTION_UNSUPPORTED");
  EXPECT_EQ(WalletJson(), before);
  // The approver approves: funded now, counted against the day.
  const std::string approve = action(approver, "agt_approver", "APPROVE", id);
  auto approved = k_->ResolveEscalation(kTenant, id, approve, kDay1, "r5");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(Field(approved->json, "escalation.status"), "approved");
  EXPECT_EQ(Field(approved->json, "record.status"), "funded");
  EXPECT_EQ(WalletJson(), R"({"available":97000,"escrow":3000})");
  EXPECT_TRUE(k_->ResolveEscalation(kTenant, id, approve, kDay1, "r5")->already_existed);
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, id, approve, kDay1, "r6").status()), "ESCALATION_RESOLVED");
  EXPECT_EQ(Field(**k_->GetEscalation(kTenant, id), "resolution.operatorId"), "agt_approver");
  // The second one is rejected; a later fund of it is refused.
  ASSERT_TRUE(k_->Fund(kTenant, b, kDay1, "f_b").ok());
  const std::string id_b = "esc_fund_" + b;
  auto rejected = k_->ResolveEscalation(kTenant, id_b, action(approver, "agt_approver", "REJECT", id_b), kDay1, "r7");
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(Field(rejected->json, "escalation.status"), "rejected");
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, b, kDay1, "f_b2").status()), "ESCALATION_REJECTED");
  EXPECT_EQ(WalletJson(), R"({"available":97000,"escrow":3000})");
  // The whole exchange replays.
  ExpectReplaysToTheSameStateHash();
}

// The wallet policy's spendPolicy (include/nooterra/spend_policy.h) is evaluated inside the
// locking transaction, its rolling windows summed from the store's spend log.
constexpr char kT0[] = "2026-05-02T10:00:00.000Z";

TEST_F(Wallet, SpendPolicyRollingWindowIsSummedFromTheSpendLog) {
  auto set = k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":3600000,"maxCents":1000}]}})",
      "p");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_NE(set->json.find(R"("spendPolicy":{"schemaVersion":"SpendPolicy.v1","windows":[)"), std::string::npos)
      << set->json;
  const std::string a = Create("a", 600), b = Create("b", 400), c = Create("c", 1);
  ASSERT_TRUE(k_->Fund(kTenant, a, kT0, "f_a").ok());
  ASSERT_TRUE(k_->Fund(kTenant, b, "2026-05-02T10:30:00.000Z", "f_b").ok());  // 1000: exactly the cap
  const std::string before = WalletJson();
  auto over = k_->Fund(kTenant, c, "2026-05-02T10:59:59.999Z", "f_c");  // a is still inside the hour
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusReason(over.status()), "SPEND_WINDOW_PAYER");
  EXPECT_NE(over.status().message().find(R"("spentCents":1000)"), std::string::npos) << over.status();
  EXPECT_EQ(WalletJson(), before);  // refused: nothing moved
  EXPECT_EQ(Field(**k_->GetAgreement(kTenant, c), "status"), "created");
  // One hour after a, a has left the window: 400 + 1 is fine.
  EXPECT_TRUE(k_->Fund(kTenant, c, "2026-05-02T11:00:00.000Z", "f_c2").ok());
  ExpectReplaysToTheSameStateHash();
}

TEST_F(Wallet, SpendPolicyListsAndTheToolOfTheAgreement) {
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","deny":{"counterparties":["agt_tool"]}}})", "p1").ok());
  const std::string a = Create("a", 100);
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, a, kT0, "f1").status()), "SPEND_DENYLISTED_COUNTERPARTY");
  // The agreement's toolId (testing::CreateRequest: tool_weather) is what tool lists see.
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","allow":{"tools":["tool_search"]}}})", "p2").ok());
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, a, kT0, "f2").status()), "SPEND_TOOL_NOT_ALLOWED");
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","allow":{"tools":["tool_weather"]}}})", "p3").ok());
  EXPECT_TRUE(k_->Fund(kTenant, a, kT0, "f3").ok());
  // An invalid spend policy is refused with its JSON path, and changes nothing.
  auto bad = k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":0,"maxCents":1}]}})", "p4");
  EXPECT_EQ(StatusReason(bad.status()), "POLICY_INVALID");
  EXPECT_NE(bad.status().message().find("spendPolicy.windows[0].windowMs"), std::string::npos) << bad.status();
}

TEST_F(Wallet, ABatchCannotOverspendASpendWindow) {
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"counterparty","windowMs":60000,"maxCents":1000}]}})",
      "p").ok());
  std::vector<BatchOp> ops;
  for (int i = 0; i < 5; ++i) ops.push_back({Operation::kFund, Create("x" + std::to_string(i), 300), "", kT0, "f" + std::to_string(i)});
  auto out = k_->ApplyBatch(kTenant, ops);
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<std::string> reasons;
  for (const BatchOutcome& o : *out) reasons.push_back(o.status.ok() ? "ok" : StatusReason(o.status));
  EXPECT_EQ(reasons, (std::vector<std::string>{"ok", "ok", "ok", "SPEND_WINDOW_COUNTERPARTY", "SPEND_WINDOW_COUNTERPARTY"}));
  EXPECT_EQ(WalletJson(), R"({"available":99100,"escrow":900})");
}

// Concurrent locks racing for the last unit of a window: the write transaction that evaluates the
// policy also records the spend, so exactly one of them wins.
TEST_F(Wallet, ConcurrentLocksRacingForTheLastUnitOfAWindow) {
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"spendPolicy":{"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":86400000,"maxCents":1000}]}})",
      "p").ok());
  ASSERT_TRUE(k_->Fund(kTenant, Create("base", 900), kT0, "f_base").ok());
  std::vector<std::string> hashes;
  for (int i = 0; i < 8; ++i) hashes.push_back(Create("race" + std::to_string(i), 100));
  std::atomic<int> won{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = k_->Fund(kTenant, hashes[i], kT0, "race" + std::to_string(i));
      if (r.ok()) ++won;
      if (!r.ok() && StatusReason(r.status()) == "SPEND_WINDOW_PAYER") ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(WalletJson(), R"({"available":99000,"escrow":1000})");
}

// An approval reason with approvers escalates (stored pending); an approver's approval lifts it.
TEST_F(Wallet, SpendPolicyApprovalEscalatesAndAnApprovalLiftsIt) {
  const crypto::PrivateKey approver = testing::SeedKey(7);
  ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_approver", approver.public_key().ToPem()).ok());
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"approverAgentIds":["agt_approver"],"spendPolicy":{"schemaVersion":"SpendPolicy.v1","approval":{"aboveCents":500},)"
      R"("maxPerCallCents":5000}})", "p").ok());
  const std::string a = Create("a", 800), huge = Create("huge", 6000);
  auto escalated = k_->Fund(kTenant, a, kT0, "f_a");
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(Field(escalated->json, "escalation.reasonCode"), "SPEND_APPROVAL_REQUIRED");
  // A deny is never escalated, approvers or not.
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, huge, kT0, "f_huge").status()), "SPEND_MAX_PER_CALL");
  objects::BuildOptions o;
  o.signer = &approver;
  const std::string id = "esc_fund_" + a;
  auto action = objects::Build(objects::ObjectType::kOperatorAction,
      R"({"caseRef":{"kind":"escalation","caseId":")" + id + R"("},"action":"APPROVE","justificationCode":"WITHIN_BUDGET",)"
      R"("actor":{"operatorId":"agt_approver"},"actedAt":"2026-05-02T10:00:01.000Z"})", o);
  ASSERT_TRUE(action.ok()) << action.status();
  auto approved = k_->ResolveEscalation(kTenant, id, action->canonical, kT0, "r");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(Field(approved->json, "record.status"), "funded");
  ExpectReplaysToTheSameStateHash();
}

// Signs an OperatorAction APPROVE/REJECT of escalation `id` with `key` as `operator_id`.
std::string EscalationAction(const crypto::PrivateKey& key, const std::string& operator_id, const std::string& verb,
                             const std::string& id) {
  objects::BuildOptions o;
  o.signer = &key;
  auto built = objects::Build(objects::ObjectType::kOperatorAction,
      R"({"caseRef":{"kind":"escalation","caseId":")" + id + R"("},"action":")" + verb +
      R"(","justificationCode":"WITHIN_BUDGET","actor":{"operatorId":")" + operator_id +
      R"("},"actedAt":"2026-05-02T10:00:01.000Z"})", o);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? built->canonical : std::string();
}

// Risk inputs on Fund reach the spend policy's risk rules: a challenge score escalates (the
// approval lifts it, re-evaluated with the same stored inputs), a deny signal blocks, a low
// score passes, a bad score is refused before anything is read. The log replays them.
TEST_F(Wallet, FundRiskInputsReachTheSpendPolicy) {
  const crypto::PrivateKey approver = testing::SeedKey(7);
  ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_approver", approver.public_key().ToPem()).ok());
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"approverAgentIds":["agt_approver"],"spendPolicy":{"schemaVersion":"SpendPolicy.v1",)"
      R"("risk":{"challengeAtScore":50,"denySignals":["stolen_card"]}}})", "p").ok());
  const std::string a = Create("risky", 300), b = Create("calm", 300), c = Create("stolen", 300);
  const std::string before = WalletJson();
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, a, R"({"riskScore":101})", kT0, "f_bad").status()), "SPEND_REQUEST_INVALID");
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, a, R"({"riskScore":5,"agentId":"x"})", kT0, "f_bad2").status()),
            "SPEND_REQUEST_INVALID");
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, a, R"({"agreementHash":"00"})", kT0, "f_bad3").status()),
            "SPEND_REQUEST_INVALID");
  auto escalated = k_->Fund(kTenant, a, R"({"riskScore":60,"riskSignals":["new_device","new_device"]})", kT0, "f_a");
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(Field(escalated->json, "escalation.reasonCode"), "SPEND_RISK_SCORE_CHALLENGE");
  EXPECT_EQ(Field(escalated->json, "escalation.riskScore"), "60");
  EXPECT_NE(escalated->json.find(R"("riskSignals":["new_device"])"), std::string::npos) << escalated->json;
  EXPECT_EQ(WalletJson(), before);
  // The same request replays; without risk inputs it is another request under the same key.
  EXPECT_TRUE(k_->Fund(kTenant, a, R"({"riskSignals":["new_device"],"riskScore":60})", kT0, "f_a")->already_existed);
  EXPECT_EQ(k_->Fund(kTenant, a, kT0, "f_a").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusReason(k_->Fund(kTenant, c, R"({"riskSignals":["stolen_card"]})", kT0, "f_c").status()),
            "SPEND_RISK_SIGNAL");
  EXPECT_EQ(Field(k_->Fund(kTenant, b, R"({"riskScore":49})", kT0, "f_b")->json, "record.status"), "funded");
  auto approved = k_->ResolveEscalation(kTenant, "esc_fund_" + a,
                                        EscalationAction(approver, "agt_approver", "APPROVE", "esc_fund_" + a), kT0, "r");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(Field(approved->json, "record.status"), "funded");
  EXPECT_EQ(WalletJson(), R"({"available":99400,"escrow":600})");
  ExpectReplaysToTheSameStateHash();
}

// A tool-call hold the approval rule blocks is escalated like a fund when the payer's policy
// names approvers: stored pending with its whole request (no money moves), retried under another
// key it is ESCALATION_PENDING, an approval places exactly that hold, a rejection closes it.
TEST_F(Wallet, ToolCallHoldsEscalateAndAnApprovalPlacesTheHold) {
  const crypto::PrivateKey approver = testing::SeedKey(7);
  ASSERT_TRUE(k_->RegisterAgent(kTenant, "agt_approver", approver.public_key().ToPem()).ok());
  ASSERT_TRUE(k_->SetWalletPolicy(kTenant, "agt_buyer",
      R"({"requireApprovalAboveCents":100,"maxPerTransactionCents":400,"approverAgentIds":["agt_approver"]})", "p").ok());
  auto request = [](const std::string& call, int64_t amount) {
    const std::string h = crypto::Sha256Hex(call);
    return R"({"agreementHash":")" + h + R"(","receiptHash":")" + h + R"(","payerAgentId":"agt_buyer",)"
           R"("payeeAgentId":"agt_tool","amountCents":)" + std::to_string(amount) +
           R"(,"currency":"USD","holdbackBps":1000,"challengeWindowMs":800,"riskScore":10})";
  };
  const std::string small = request("small", 1000), big = request("big", 3000), other = request("other", 2000);
  const std::string id = "esc_hold_" + crypto::Sha256Hex("big") + "_" + crypto::Sha256Hex("big");
  ASSERT_TRUE(k_->LockHold(kTenant, small, kDay1, "h_small").ok());  // holds 100: at the threshold
  const std::string before = WalletJson();
  auto escalated = k_->LockHold(kTenant, big, kDay1, "h_big");  // holds 300
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(Field(escalated->json, "escalation.escalationId"), id);
  EXPECT_EQ(Field(escalated->json, "escalation.kind"), "hold");
  EXPECT_EQ(Field(escalated->json, "escalation.reasonCode"), "WALLET_POLICY_APPROVAL_REQUIRED");
  EXPECT_EQ(WalletJson(), before);
  EXPECT_TRUE(k_->LockHold(kTenant, big, kDay1, "h_big")->already_existed);
  EXPECT_EQ(StatusReason(k_->LockHold(kTenant, big, kDay1, "h_big2").status()), "ESCALATION_PENDING");
  // A hold over the per-transaction limit is a deny: never escalated.
  EXPECT_EQ(StatusReason(k_->LockHold(kTenant, request("huge", 5000), kDay1, "h_huge").status()),
            "WALLET_POLICY_MAX_PER_TX");
  auto approved = k_->ResolveEscalation(kTenant, id, EscalationAction(approver, "agt_approver", "APPROVE", id), kDay2, "r");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(Field(approved->json, "escalation.status"), "approved");
  EXPECT_EQ(Field(approved->json, "hold.heldAmountCents"), "300");
  EXPECT_EQ(Field(approved->json, "hold.createdAt"), kDay1);  // the escalated request's time, not the approval's
  EXPECT_EQ(WalletJson(), R"({"available":99600,"escrow":400})");
  EXPECT_EQ(StatusReason(k_->ResolveEscalation(kTenant, id, EscalationAction(approver, "agt_approver", "APPROVE", id),
                                               kDay2, "r2").status()),
            "ESCALATION_RESOLVED");
  // After the approval the hold exists: a new call for it is the hold-exists error, not a second hold.
  EXPECT_FALSE(k_->LockHold(kTenant, big, kDay1, "h_big3").ok());
  // A rejected hold stays refused.
  const std::string other_id = "esc_hold_" + crypto::Sha256Hex("other") + "_" + crypto::Sha256Hex("other");
  ASSERT_TRUE(k_->LockHold(kTenant, other, kDay1, "h_other").ok());
  ASSERT_TRUE(k_->ResolveEscalation(kTenant, other_id, EscalationAction(approver, "agt_approver", "REJECT", other_id),
                                    kDay2, "r3").ok());
  EXPECT_EQ(StatusReason(k_->LockHold(kTenant, other, kDay1, "h_other2").status()), "ESCALATION_REJECTED");
  EXPECT_EQ(WalletJson(), R"({"available":99600,"escrow":400})");
  ExpectReplaysToTheSameStateHash();
}

// What a candidate spend policy would have done with the locks already recorded.
TEST_F(Wallet, SpendPolicySimulationOverRecordedLocks) {
  const std::string a = Create("a", 600), b = Create("b", 500), c = Create("c", 100);
  ASSERT_TRUE(k_->Fund(kTenant, a, kT0, "f_a").ok());
  ASSERT_TRUE(k_->Fund(kTenant, b, "2026-05-02T10:10:00.000Z", "f_b").ok());
  ASSERT_TRUE(k_->Fund(kTenant, c, "2026-05-02T11:30:00.000Z", "f_c").ok());
  const std::string hash_before = *k_->StateHash(kTenant);
  // Hourly cap 1000: b (600 + 500) would have been refused; c came after a and b left the hour.
  auto report = k_->SimulateSpendPolicy(kTenant, "agt_buyer",
      R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":3600000,"maxCents":1000}],)"
      R"("allow":{"tools":["tool_weather"]}})");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(Field(*report, "total"), "3");
  EXPECT_EQ(Field(*report, "blocked"), "1");
  EXPECT_EQ(Field(*report, "locks.0.outcome"), "allow");
  EXPECT_EQ(Field(*report, "locks.1.outcome"), "deny");
  EXPECT_EQ(Field(*report, "locks.1.reasons.0"), "SPEND_WINDOW_PAYER");
  EXPECT_EQ(Field(*report, "locks.1.spendId"), "fund:" + b);
  EXPECT_EQ(Field(*report, "locks.1.at"), "2026-05-02T10:10:00.000Z");
  EXPECT_EQ(Field(*report, "locks.2.outcome"), "allow");
  // A tool allowlist that excludes the agreements' tool would have blocked them all.
  auto tools = k_->SimulateSpendPolicy(kTenant, "agt_buyer",
      R"({"schemaVersion":"SpendPolicy.v1","allow":{"tools":["tool_search"]}})");
  ASSERT_TRUE(tools.ok()) << tools.status();
  EXPECT_EQ(Field(*tools, "blocked"), "3");
  EXPECT_EQ(StatusReason(k_->SimulateSpendPolicy(kTenant, "agt_buyer", R"({"schemaVersion":"x"})").status()),
            "POLICY_INVALID");
  EXPECT_EQ(*k_->StateHash(kTenant), hash_before);  // reads only
}

// The spend log's bucketed window sums equal the plain sum of the locks in the window, for random
// locks (out of time order, several counterparties and agreements, two currencies) and random
// windows of every length and alignment: a brute-force SpendHistory of the same locks is the
// reference.
TEST_F(Wallet, SpendLogWindowSumsEqualTheLocksInTheWindow) {
  std::mt19937_64 rng(20261122);
  policy::SpendHistory reference;
  const int64_t base = 1777716000000;  // 2026-05-02T10:00:00Z
  const char* counterparties[] = {"agt_c1", "agt_c2", "agt_c3"};
  const char* currencies[] = {"USD", "EUR"};
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) -> absl::Status {
    for (int i = 0; i < 400; ++i) {
      // Times spread over ~3 days, many in the same minute, hour and day, some on exact boundaries.
      int64_t at = base + static_cast<int64_t>(rng() % (3 * 86400000LL));
      if (i % 7 == 0) at = at / 60000 * 60000;
      if (i % 11 == 0) at = at / 3600000 * 3600000;
      if (i % 13 == 0) at = at / 86400000 * 86400000;
      if (i % 17 == 0) at = at / 3600000 * 3600000 - 1;  // the last ms of an hour
      const int64_t amount = 1 + static_cast<int64_t>(rng() % 500);
      internal::SpendContext spend{currencies[rng() % 2], counterparties[rng() % 3],
                                   std::string(64, static_cast<char>('a' + rng() % 4)), "test:" + std::to_string(i)};
      if (auto s = internal::EnforceWalletPolicy(txn, kTenant, "agt_buyer", amount, js::FormatIsoMs(at), spend); !s.ok()) {
        return s;
      }
      reference.Add({at, amount, "agt_buyer", spend.currency, spend.counterparty, spend.agreement_hash});
    }
    return absl::OkStatus();
  }).ok());
  ASSERT_TRUE(store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto view = Kernel::SpendLogView(txn, kTenant);
    const int64_t lengths[] = {1, 59999, 60000, 60001, 3599999, 3600000, 86400000, 86400001, 2 * 86400000 + 12345,
                               5 * 86400000};
    for (int i = 0; i < 2000; ++i) {
      const int64_t window = i % 3 == 0 ? lengths[rng() % 10] : 1 + static_cast<int64_t>(rng() % (4 * 86400000LL));
      int64_t now = base - 3600000 + static_cast<int64_t>(rng() % (4 * 86400000LL));
      if (i % 5 == 0) now = now / 60000 * 60000;
      // Windows ending on hour and day boundaries (and 1 ms either side) take the bucket-minus-
      // complement reads; others the direct ones.
      if (i % 7 == 1) now = now / 3600000 * 3600000 + static_cast<int64_t>(rng() % 3) - 1;
      if (i % 11 == 2) now = now / 86400000 * 86400000 + static_cast<int64_t>(rng() % 3) - 1;
      const auto scope = static_cast<policy::WindowScope>(rng() % 3);
      const std::string key = scope == policy::WindowScope::kCounterparty ? counterparties[rng() % 3]
                              : scope == policy::WindowScope::kAgreement ? std::string(64, static_cast<char>('a' + rng() % 4))
                                                                         : std::string();
      const char* currency = currencies[rng() % 2];
      auto got = view->Spent("agt_buyer", currency, scope, key, now - window, now);
      auto want = reference.Spent("agt_buyer", currency, scope, key, now - window, now);
      if (!got.ok() || !want.ok() || *got != *want) {
        ADD_FAILURE() << "window (" << now - window << ", " << now << "] scope " << static_cast<int>(scope) << " key "
                      << key << " " << currency << ": ledger " << (got.ok() ? std::to_string(*got) : got.status().ToString())
                      << ", reference " << (want.ok() ? std::to_string(*want) : want.status().ToString());
        break;
      }
    }
    return absl::OkStatus();
  }).ok());
}

}  // namespace
}  // namespace nooterra::agreement
