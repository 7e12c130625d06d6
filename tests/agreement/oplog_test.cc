// The operation log: every state change logged and chained; replay into an empty store gives the
// same state hash (so byte-identical records); tampering is detected; failed operations and
// idempotent replays leave no entry.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agreement/agreement_fixture.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using testing::Field;

constexpr char kTenant[] = "tenant_log";
constexpr char kNow[] = "2026-04-01T00:00:00.000Z";

std::string CreateRequest(const std::string& call_id) {
  return testing::CreateRequest(call_id, 1500, 1000, 86400000);
}

class Oplog : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> Open(const std::string& name) {
    store::Options o;
    o.durable = false;
    return std::move(*store::Store::Open(dir_.sub(name), o));
  }

  int64_t Entries(Kernel& k) {
    auto v = k.VerifyOplog(kTenant);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? std::stoll(Field(*v, "entries")) : -1;
  }

  // A workload touching every logged operation: agents, deposits, agreements (settled, voided,
  // disputed and decided), a batch, a failing call and an idempotent replay.
  void Workload(Kernel& k) {
    ASSERT_TRUE(k.RegisterAgent(kTenant, "agt_buyer", buyer_.public_key().ToPem()).ok());
    ASSERT_TRUE(k.RegisterAgent(kTenant, "agt_tool", tool_.public_key().ToPem()).ok());
    ASSERT_TRUE(k.RegisterAgent(kTenant, "agt_arbiter", arbiter_.public_key().ToPem()).ok());
    ASSERT_TRUE(k.Deposit(kTenant, "agt_buyer", "USD", 10000, "dep").ok());
    const int64_t before_failures = Entries(k);
    EXPECT_FALSE(k.Fund(kTenant, std::string(64, '0'), kNow, "fund_missing").ok());  // fails: no entry
    ASSERT_TRUE(k.Deposit(kTenant, "agt_buyer", "USD", 10000, "dep").ok());            // replay: no entry
    EXPECT_EQ(Entries(k), before_failures);

    // Agreement 1: evidence, settled with a holdback, disputed, decided by the arbiter.
    auto created = k.CreateAgreement(kTenant, CreateRequest("call_1"), kNow, "c1");
    ASSERT_TRUE(created.ok()) << created.status();
    const std::string a1 = Field(created->json, "agreement.agreementHash");
    ASSERT_TRUE(k.Fund(kTenant, a1, kNow, "f1").ok());
    objects::BuildOptions by_tool;
    by_tool.signer = &tool_;
    auto evidence = objects::Build(objects::ObjectType::kToolCallEvidence,
                                   R"({"agreementHash":")" + a1 + R"(","callId":"call_1","inputHash":")" +
                                       crypto::Sha256Hex(std::string_view(R"({"city":"Bern"})")) +
                                       R"(","output":{"tempC":4},"startedAt":"2026-04-01T00:00:00.100Z"})",
                                   by_tool);
    ASSERT_TRUE(evidence.ok()) << evidence.status();
    ASSERT_TRUE(k.SubmitEvidence(kTenant, evidence->canonical, kNow, "e1").ok());
    auto settled = k.Settle(kTenant, R"({"agreementHash":")" + a1 +
                                         R"(","decisionId":"dec_1","receiptId":"rcpt_1","verificationStatus":"green"})",
                            kNow, "s1");
    ASSERT_TRUE(settled.ok()) << settled.status();
    const std::string hold = Field(settled->json, "hold.holdHash"), receipt = Field(settled->json, "hold.receiptHash");
    objects::BuildOptions by_buyer;
    by_buyer.signer = &buyer_;
    auto envelope = objects::Build(
        objects::ObjectType::kDisputeOpenEnvelope,
        R"({"envelopeId":"dopen_tc_)" + a1 + R"(","caseId":"arb_case_tc_)" + a1 + R"(","tenantId":")" + kTenant +
            R"(","agreementHash":")" + a1 + R"(","receiptHash":")" + receipt + R"(","holdHash":")" + hold +
            R"(","openedByAgentId":"agt_buyer","openedAt":"2026-04-01T01:00:00.000Z","reasonCode":"TOOL_CALL_DISPUTE",)"
            R"("nonce":"nonce_log_0000001","signerKeyId":")" + buyer_.public_key().KeyId() + R"("})",
        by_buyer);
    ASSERT_TRUE(envelope.ok()) << envelope.status();
    auto opened = k.OpenDispute(kTenant,
                              R"({"agreementHash":")" + a1 + R"(","receiptHash":")" + receipt + R"(","holdHash":")" +
                                  hold + R"(","openedByAgentId":"agt_buyer","disputeOpenEnvelope":)" +
                                  envelope->canonical + R"(,"arbiterAgentId":"agt_arbiter","summary":"wrong city"})",
                              "2026-04-01T01:00:00.000Z", "o1");
    ASSERT_TRUE(opened.ok()) << opened.status();
    std::string verdict = R"({"schemaVersion":"ArbitrationVerdict.v1","verdictId":"avd_1","caseId":"arb_case_tc_)" + a1 +
                          R"(","tenantId":")" + std::string(kTenant) + R"(","runId":"tc_)" + a1 +
                          R"(","settlementId":"setl_tc_)" + a1 + R"(","disputeId":"disp_tc_)" + a1 +
                          R"(","arbiterAgentId":"agt_arbiter","outcome":"rejected","releaseRatePct":0,)"
                          R"("rationale":"wrong city","evidenceRefs":[],"issuedAt":"2026-04-02T00:00:00.000Z","appealRef":null})";
    auto verdict_hash = objects::ComputeHash(objects::ObjectType::kArbitrationVerdict, *json::Tree::Parse(verdict));
    ASSERT_TRUE(verdict_hash.ok());
    verdict.pop_back();
    verdict += R"(,"signerKeyId":")" + arbiter_.public_key().KeyId() + R"(","signature":")" +
               *arbiter_.SignHashHex(*verdict_hash) + R"("})";
    auto decided = k.SubmitVerdict(kTenant, "arb_case_tc_" + a1, verdict, "2026-04-02T00:00:00.000Z", "v1");
    ASSERT_TRUE(decided.ok()) << decided.status();

    // Agreements 2 and 3 in one batch: 2 settles and its holdback is released by the tick, 3 is
    // voided; one failing operation in the batch leaves no entry.
    auto c2 = k.CreateAgreement(kTenant, CreateRequest("call_2"), kNow, "c2");
    auto c3 = k.CreateAgreement(kTenant, CreateRequest("call_3"), kNow, "c3");
    ASSERT_TRUE(c2.ok() && c3.ok());
    const std::string a2 = Field(c2->json, "agreement.agreementHash"), a3 = Field(c3->json, "agreement.agreementHash");
    auto batch = k.ApplyBatch(kTenant, {
        {Operation::kFund, a2, "", kNow, "f2"},
        {Operation::kFund, a3, "", kNow, "f3"},
        {Operation::kFund, a3, "", kNow, "f3_again"},  // TRANSITION_ILLEGAL
        {Operation::kSettle, "", R"({"agreementHash":")" + a2 +
             R"(","decisionId":"dec_2","receiptId":"rcpt_2","verificationStatus":"amber","releaseRatePct":50})", kNow, "s2"},
        {Operation::kVoid, a3, "", kNow, "void3"},
    });
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(StatusReason((*batch)[2].status), "TRANSITION_ILLEGAL");
    // A marketplace run: RFQ, bid, acceptance, evidence, completion (settled automatically).
    ASSERT_TRUE(k.CreateRfq(kTenant, R"({"rfqId":"rfq_1","posterAgentId":"agt_buyer","budgetCents":1000})", kNow, "m1").ok());
    ASSERT_TRUE(k.SubmitBid(kTenant, "rfq_1", R"({"bidId":"bid_1","bidderAgentId":"agt_tool","amountCents":900,)"
                                              R"("verificationMethod":{"mode":"deterministic",)"
                                              R"("source":"verifier://nooterra/deterministic/latency-threshold-v1"}})",
                            kNow, "m2").ok());
    auto accepted = k.AcceptBid(kTenant, "rfq_1", R"({"bidId":"bid_1"})", kNow, "m3");
    ASSERT_TRUE(accepted.ok()) << accepted.status();
    auto ev = k.AppendRunEvent(kTenant, "run_rfq_1_bid_1", R"({"expectedPrevChainHash":")" +
                                   Field(accepted->json, "run.lastChainHash") +
                                   R"(","type":"EVIDENCE_ADDED","payload":{"evidenceRef":"evidence://x"}})", kNow, "m4");
    ASSERT_TRUE(ev.ok()) << ev.status();
    auto done = k.AppendRunEvent(kTenant, "run_rfq_1_bid_1", R"({"expectedPrevChainHash":")" +
                                     Field(ev->json, "run.lastChainHash") +
                                     R"(","type":"RUN_COMPLETED","payload":{"metrics":{"latencyMs":2000}}})", kNow, "m5");
    ASSERT_TRUE(done.ok()) << done.status();
    // 2000 ms is amber; the default policy does not auto-release amber: manual review, money locked.
    EXPECT_EQ(Field(done->json, "settlement.decisionStatus"), "manual_review_required");
    auto tick = k.RunHoldbackMaintenance(kTenant, "2026-04-03T00:00:00.000Z", false, 100);
    ASSERT_TRUE(tick.ok()) << tick.status();
    EXPECT_EQ(Field(tick->json, "released"), "1");
    // An agent's lifecycle: suspended, then active again (two entries).
    ASSERT_TRUE(k.SetAgentStatus(kTenant, "agt_tool", R"({"status":"suspended","reason":"audit"})", "2026-04-03T00:00:01.000Z", "st1").ok());
    ASSERT_TRUE(k.SetAgentStatus(kTenant, "agt_tool", R"({"status":"active"})", "2026-04-03T00:00:02.000Z", "st2").ok());
  }

  nooterra::testing::TempDir dir_;
  crypto::PrivateKey buyer_ = testing::SeedKey(1), tool_ = testing::SeedKey(2), arbiter_ = testing::SeedKey(3);
};

TEST_F(Oplog, ReplayIntoAnEmptyStoreGivesTheSameStateHash) {
  auto original = Open("original");
  Kernel k(original.get());
  ASSERT_NO_FATAL_FAILURE(Workload(k));
  // 3 agents + 1 deposit + (c1 f1 e1 s1 o1 v1) + (c2 c3) + (f2 f3 s2 void3) + 5 marketplace
  // + 1 tick + 2 agent status changes = 24.
  EXPECT_EQ(Entries(k), 24);
  auto original_hash = k.StateHash(kTenant);
  ASSERT_TRUE(original_hash.ok());

  auto copy = Open("copy");
  Kernel replayer(copy.get());
  auto replayed = replayer.Replay(*original, kTenant);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(Field(*replayed, "entries"), "24");
  EXPECT_EQ(Field(*replayed, "stateHash"), *original_hash);
  EXPECT_EQ(*replayer.StateHash(kTenant), *original_hash);
  EXPECT_EQ(**replayer.GetDocument(kTenant, Kernel::Document::kReceipt, "rcpt_2"),
            **k.GetDocument(kTenant, Kernel::Document::kReceipt, "rcpt_2"));
  EXPECT_EQ(*replayer.VerifyOplog(kTenant), *k.VerifyOplog(kTenant));
  // Another tenant is untouched and hashes as empty.
  EXPECT_EQ(*k.StateHash("tenant_other"), crypto::Sha256Hex(std::string_view("")));

  auto again = replayer.Replay(*original, kTenant);
  EXPECT_EQ(StatusReason(again.status()), "REPLAY_TARGET_NOT_EMPTY");
}

TEST_F(Oplog, TamperingBreaksTheChainAndReplayDetectsADifferentResult) {
  auto s = Open("tamper");
  Kernel k(s.get());
  ASSERT_TRUE(k.RegisterAgent(kTenant, "agt_buyer", buyer_.public_key().ToPem()).ok());
  ASSERT_TRUE(k.Deposit(kTenant, "agt_buyer", "USD", 100, "d1").ok());
  ASSERT_TRUE(k.Deposit(kTenant, "agt_buyer", "USD", 200, "d2").ok());
  EXPECT_EQ(Entries(k), 3);
  std::string second;
  ASSERT_TRUE(s->Read([&](const store::ReadTxn& txn) {
    second = std::string(**txn.Get(store::Table::kOplog, kTenant, "op/000000000002"));
    return absl::OkStatus();
  }).ok());
  // 1. Edit entry 2 in place: entry 3 no longer links to it.
  std::string edited = second;
  edited.replace(edited.find("\"amountCents\":100"), 17, "\"amountCents\":900");
  ASSERT_TRUE(s->Write([&](store::WriteTxn& txn) { return txn.Put(store::Table::kOplog, kTenant, "op/000000000002", edited); }).ok());
  auto broken = k.VerifyOplog(kTenant);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(StatusReason(broken.status()), "OPLOG_BROKEN");
  auto target = Open("target");
  EXPECT_EQ(StatusReason(Kernel(target.get()).Replay(*s, kTenant).status()), "OPLOG_BROKEN");

  // 2. Re-chain the log after the edit (a forger with write access): the chain verifies, but
  //    replaying entry 2 no longer produces the logged result.
  ASSERT_TRUE(s->Write([&](store::WriteTxn& txn) -> absl::Status {
    std::string third(**txn.Get(store::Table::kOplog, kTenant, "op/000000000003"));
    const std::string old_prev = crypto::Sha256Hex(second), new_prev = crypto::Sha256Hex(edited);
    third.replace(third.find(old_prev), 64, new_prev);
    if (auto w = txn.Put(store::Table::kOplog, kTenant, "op/000000000003", third); !w.ok()) return w;
    return txn.Put(store::Table::kOplog, kTenant, "head", "3 " + crypto::Sha256Hex(third));
  }).ok());
  EXPECT_TRUE(k.VerifyOplog(kTenant).ok());
  auto diverged = Kernel(Open("target2").get()).Replay(*s, kTenant);
  EXPECT_EQ(StatusReason(diverged.status()), "REPLAY_DIVERGED");
  EXPECT_NE(diverged.status().message().find("entry 2"), std::string::npos) << diverged.status();
}

}  // namespace
}  // namespace nooterra::agreement
