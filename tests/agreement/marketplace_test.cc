// Marketplace runs beyond the conformance case (kernel_v0_test.cc): every refusal is typed and
// leaves the tenant's state hash unchanged; manual review keeps the money locked and replays
// consistently until an operator resolves it; a failed run; idempotent retries; the escrow audit counts locked run settlements.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "agreement/agreement_fixture.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using testing::Field;

constexpr char kTenant[] = "tenant_mkt";
constexpr char kT0[] = "2026-05-01T00:00:00.000Z";
constexpr char kLatencyMethod[] =
    R"({"mode":"deterministic","source":"verifier://nooterra/deterministic/latency-threshold-v1"})";

class Marketplace : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Options o;
    o.durable = false;
    store_ = std::move(*store::Store::Open(dir_.sub("s"), o));
    kernel_ = std::make_unique<Kernel>(store_.get());
    ASSERT_TRUE(kernel_->RegisterAgent(kTenant, "agt_poster", testing::SeedKey(1).public_key().ToPem()).ok());
    ASSERT_TRUE(kernel_->RegisterAgent(kTenant, "agt_worker", testing::SeedKey(2).public_key().ToPem()).ok());
    ASSERT_TRUE(kernel_->Deposit(kTenant, "agt_poster", "USD", 5000, "dep").ok());
  }

  std::string Hash() { return *kernel_->StateHash(kTenant); }

  void ExpectRefused(const absl::Status& status, absl::StatusCode code, std::string_view reason, const std::string& before) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_EQ(StatusReason(status), reason) << status;
    EXPECT_EQ(Hash(), before) << "a refused call changed the store";
  }

  // RFQ + bid (+ acceptance): returns the run's head chain hash.
  std::string Accepted(int64_t amount = 3000, const char* method = kLatencyMethod) {
    EXPECT_TRUE(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_a","posterAgentId":"agt_poster","budgetCents":4000})", kT0, "r").ok());
    auto bid = kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"bid_a","bidderAgentId":"agt_worker","amountCents":)" +
                                                        std::to_string(amount) + R"(,"verificationMethod":)" + method + "}",
                                  kT0, "b");
    EXPECT_TRUE(bid.ok()) << bid.status();
    auto accepted = kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_a"})", kT0, "a");
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return accepted.ok() ? Field(accepted->json, "run.lastChainHash") : "";
  }

  absl::StatusOr<Result> Append(const std::string& head, const std::string& type, const std::string& payload,
                                const std::string& key) {
    return kernel_->AppendRunEvent(kTenant, kRun, R"({"expectedPrevChainHash":")" + head + R"(","type":")" + type +
                                                      R"(","payload":)" + payload + "}",
                                   "2026-05-01T00:00:05.000Z", key);
  }

  // The worker's reputation facts (all time, with events).
  std::string WorkerFacts() {
    auto r = kernel_->ReputationFacts(
        kTenant, R"({"agentId":"agt_worker","asOf":"2026-06-01T00:00:00.000Z","includeEvents":true})");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : "";
  }

  static constexpr char kRun[] = "run_rfq_a_bid_a";
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Kernel> kernel_;
};

TEST_F(Marketplace, RefusalsAreTypedAndChangeNothing) {
  std::string before = Hash();
  ExpectRefused(kernel_->CreateRfq(kTenant, R"({"rfqId":"bad id","posterAgentId":"agt_poster","budgetCents":1})", kT0, "r0").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  // Ids are 1..60 characters, so that run_<rfqId>_<bidId> stays within a runId's 128.
  ExpectRefused(kernel_->CreateRfq(kTenant, R"({"rfqId":")" + std::string(61, 'r') + R"(","posterAgentId":"agt_poster","budgetCents":1})",
                                   kT0, "r60").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_x","posterAgentId":"agt_nobody","budgetCents":1})", kT0, "r1").status(),
                absl::StatusCode::kNotFound, "AGENT_NOT_FOUND", before);
  ExpectRefused(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_x","posterAgentId":"agt_poster","budgetCents":0})", kT0, "r2").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_x","posterAgentId":"agt_poster","budgetCents":1,"currency":"usd"})",
                                   kT0, "r3").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->SubmitBid(kTenant, "rfq_none", R"({"bidId":"b","bidderAgentId":"agt_worker","amountCents":1})", kT0, "b0").status(),
                absl::StatusCode::kNotFound, "MARKET_RFQ_NOT_FOUND", before);
  ASSERT_TRUE(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_a","posterAgentId":"agt_poster","budgetCents":4000})", kT0, "r").ok());
  before = Hash();
  ExpectRefused(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_a","posterAgentId":"agt_poster","budgetCents":5})", kT0, "r4").status(),
                absl::StatusCode::kAlreadyExists, "MARKET_RFQ_EXISTS", before);
  ExpectRefused(kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"b","bidderAgentId":"agt_worker","amountCents":4001})", kT0, "b1").status(),
                absl::StatusCode::kFailedPrecondition, "MARKET_BID_OVER_BUDGET", before);
  ExpectRefused(kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"b","bidderAgentId":"agt_worker","amountCents":1,"currency":"EUR"})",
                                   kT0, "b2").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"b","bidderAgentId":"agt_worker","amountCents":1,)"
                                                     R"("verificationMethod":{"mode":"telepathy"}})", kT0, "b3").status(),
                absl::StatusCode::kInvalidArgument, "POLICY_INVALID", before);
  // A bid the poster cannot fund (9000 of 5000): the acceptance's escrow lock fails after the run,
  // agreement and settlement were written in its transaction, and nothing of them stays.
  ASSERT_TRUE(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_b","posterAgentId":"agt_poster","budgetCents":9000})", kT0, "rb").ok());
  ASSERT_TRUE(kernel_->SubmitBid(kTenant, "rfq_b", R"({"bidId":"bid_b","bidderAgentId":"agt_worker","amountCents":9000})", kT0, "bb").ok());
  before = Hash();
  ExpectRefused(kernel_->AcceptBid(kTenant, "rfq_b", R"({"bidId":"bid_b"})", kT0, "ab").status(),
                absl::StatusCode::kFailedPrecondition, "LEDGER_INSUFFICIENT_FUNDS", before);
  EXPECT_FALSE(kernel_->GetRun(kTenant, "run_rfq_b_bid_b")->has_value());
  ASSERT_TRUE(kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"bid_big","bidderAgentId":"agt_worker","amountCents":4000})", kT0, "bg").ok());
  ASSERT_TRUE(kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"bid_a","bidderAgentId":"agt_worker","amountCents":3000})", kT0, "b").ok());
  before = Hash();
  ExpectRefused(kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_none"})", kT0, "a0").status(),
                absl::StatusCode::kNotFound, "MARKET_BID_NOT_FOUND", before);
  ExpectRefused(kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_a","payerAgentId":"agt_worker"})", kT0, "a1").status(),
                absl::StatusCode::kFailedPrecondition, "MARKET_PAYER_MISMATCH", before);
  ExpectRefused(kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_a","settlement":{"payerAgentId":7}})", kT0, "a2").status(),
                absl::StatusCode::kFailedPrecondition, "MARKET_PAYER_MISMATCH", before);
  ASSERT_TRUE(kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_a"})", kT0, "a").ok());
  before = Hash();
  ExpectRefused(kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_big"})", kT0, "a3").status(),
                absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL", before);
  ExpectRefused(kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"late","bidderAgentId":"agt_worker","amountCents":1})", kT0, "b4").status(),
                absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL", before);
  const std::string head = Field(**kernel_->GetRun(kTenant, kRun), "run.lastChainHash");
  ExpectRefused(Append(head, "RUN_CREATED", "{}", "e0").status(), absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(Append(head, "EVIDENCE_ADDED", "{}", "e1").status(), absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(Append(head, "RUN_STARTED", R"({"runId":"run_other"})", "e2").status(), absl::StatusCode::kInvalidArgument,
                "SCHEMA_INVALID", before);
  ExpectRefused(Append(std::string(64, '0'), "RUN_STARTED", "{}", "e3").status(), absl::StatusCode::kFailedPrecondition,
                "RUN_EVENT_PREV_CHAIN_HASH_MISMATCH", before);
  ExpectRefused(kernel_->AppendRunEvent(kTenant, "run_none", R"({"expectedPrevChainHash":"x","type":"RUN_STARTED"})", kT0, "e4").status(),
                absl::StatusCode::kNotFound, "RUN_NOT_FOUND", before);
  ExpectRefused(kernel_->ReplayEvaluateRun(kTenant, "run_none").status(), absl::StatusCode::kNotFound, "RUN_NOT_FOUND", before);
}

// 02 §17: acceptance writes the accepted MarketplaceOffer.v2 and the MarketplaceAcceptance.v2,
// both self-hashed objects that verify, bound to each other and referenced by the agreement.
TEST_F(Marketplace, AcceptanceWritesTheOfferAndTheAcceptance) {
  ASSERT_TRUE(kernel_->CreateRfq(kTenant, R"({"rfqId":"rfq_a","posterAgentId":"agt_poster","budgetCents":4000})", kT0, "r").ok());
  auto bid = kernel_->SubmitBid(kTenant, "rfq_a",
                                R"({"bidId":"bid_a","bidderAgentId":"agt_worker","amountCents":3000,"etaSeconds":60,)"
                                R"("note":"fast","verificationMethod":)" + std::string(kLatencyMethod) + "}",
                                kT0, "b");
  ASSERT_TRUE(bid.ok()) << bid.status();
  auto accepted = kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_a"})", "2026-05-01T00:00:01.000Z", "a");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  auto doc = json::Document::Parse(accepted->json);
  ASSERT_TRUE(doc.ok());
  std::string offer, acceptance;
  ASSERT_TRUE(json::AppendCanonical(doc->root().Find("offer"), &offer).ok());
  ASSERT_TRUE(json::AppendCanonical(doc->root().Find("acceptance"), &acceptance).ok());
  for (const std::string* o : {&offer, &acceptance}) {
    auto report = objects::VerifyObject(*o, {});
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->ok) << *o;
    EXPECT_EQ(report->hash, report->declared_hash);
  }
  EXPECT_EQ(Field(offer, "offerId"), "ofr_rfq_a_bid_a_r1");
  EXPECT_EQ(Field(offer, "proposerAgentId"), "agt_worker");
  EXPECT_EQ(Field(offer, "amountCents"), "3000");
  EXPECT_EQ(Field(offer, "etaSeconds"), "60");
  EXPECT_EQ(Field(offer, "note"), "fast");
  // proposalHash: the bid as submitted, without its status.
  auto submitted = json::Document::Parse(bid->json);
  json::Tree proposal = json::Tree::FromValue(submitted->root().Find("bid"));
  ASSERT_TRUE(proposal.Erase("status"));
  EXPECT_EQ(Field(offer, "proposalHash"), crypto::Sha256Hex(*json::CanonicalString(proposal)));
  EXPECT_EQ(Field(acceptance, "acceptanceId"), "acc_agr_run_rfq_a_bid_a");
  EXPECT_EQ(Field(acceptance, "acceptedByAgentId"), "agt_poster");
  EXPECT_EQ(Field(acceptance, "acceptedAt"), "2026-05-01T00:00:01.000Z");
  EXPECT_EQ(Field(acceptance, "offerRef.offerId"), "ofr_rfq_a_bid_a_r1");
  EXPECT_EQ(Field(acceptance, "offerRef.offerHash"), Field(offer, "offerHash"));
  EXPECT_EQ(Field(acceptance, "acceptedProposalHash"), Field(offer, "proposalHash"));
  EXPECT_EQ(Field(accepted->json, "agreement.offerRef.offerHash"), Field(offer, "offerHash"));
  EXPECT_EQ(Field(accepted->json, "agreement.acceptanceRef.acceptanceHash"), Field(acceptance, "acceptanceHash"));
  auto check = kernel_->CheckStore(kTenant);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << check->json;
}

// 05 §1.3: the RFQ's milestones become the agreement's terms, and the release rate is capped by
// the milestones the run completed whose gate and evidence count are met.
TEST_F(Marketplace, MilestonesCapTheRelease) {
  const std::string before = Hash();
  const std::string rfq = R"({"rfqId":"rfq_a","posterAgentId":"agt_poster","budgetCents":4000,"milestones":)";
  for (const std::string& bad :
       {std::string(R"(7)"), std::string(R"([])"), std::string(R"([{"milestoneId":"m1","releaseRatePct":101}])"),
        std::string(R"([{"milestoneId":"m1","releaseRatePct":10,"statusGate":"blue"}])"),
        std::string(R"([{"milestoneId":"m1","releaseRatePct":10,"weight":1}])"),
        std::string(R"([{"milestoneId":"m1","releaseRatePct":10},{"milestoneId":"m1","releaseRatePct":10}])"),
        std::string(R"([{"milestoneId":"m 1","releaseRatePct":10}])"),
        std::string(R"([{"milestoneId":"m1","releaseRatePct":10,"requiredEvidenceCount":-1}])")}) {
    ExpectRefused(kernel_->CreateRfq(kTenant, rfq + bad + "}", kT0, "bad_" + bad).status(),
                  absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  }
  std::string many = "[";
  for (int i = 0; i <= 32; ++i) {
    // Appended piece by piece: "," + std::string(...) trips a GCC 12 false -Wrestrict.
    if (i > 0) many += ",";
    many += R"({"milestoneId":"m)";
    many += std::to_string(i);
    many += R"(","releaseRatePct":1})";
  }
  ExpectRefused(kernel_->CreateRfq(kTenant, rfq + many + "]}", kT0, "many").status(), absl::StatusCode::kInvalidArgument,
                "SCHEMA_INVALID", before);

  // m1 (any gate) 30 + m2 (green) 40 count; m3 needs two pieces of evidence and the run has one;
  // m4 was not completed. Green would release 100 %: the cap is 70 %.
  ASSERT_TRUE(kernel_->CreateRfq(kTenant, rfq + R"([{"milestoneId":"m1","releaseRatePct":30},)"
                                                R"({"milestoneId":"m2","releaseRatePct":40,"statusGate":"green"},)"
                                                R"({"milestoneId":"m3","releaseRatePct":20,"requiredEvidenceCount":2},)"
                                                R"({"milestoneId":"m4","releaseRatePct":10}]})",
                                 kT0, "r").ok());
  auto bid = kernel_->SubmitBid(kTenant, "rfq_a", R"({"bidId":"bid_a","bidderAgentId":"agt_worker","amountCents":3000,"verificationMethod":)" +
                                                      std::string(kLatencyMethod) + "}", kT0, "b");
  ASSERT_TRUE(bid.ok()) << bid.status();
  auto accepted = kernel_->AcceptBid(kTenant, "rfq_a", R"({"bidId":"bid_a"})", kT0, "a");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(Field(accepted->json, "agreement.terms.milestones.1.statusGate"), "green");
  EXPECT_EQ(Field(accepted->json, "agreement.terms.milestones.0.statusGate"), "any");
  EXPECT_EQ(Field(accepted->json, "agreement.terms.milestones.0.requiredEvidenceCount"), "0");
  auto evidence = Append(Field(accepted->json, "run.lastChainHash"), "EVIDENCE_ADDED", R"({"evidenceRef":"ipfs:one"})", "e");
  ASSERT_TRUE(evidence.ok()) << evidence.status();
  auto done = Append(Field(evidence->json, "run.lastChainHash"), "RUN_COMPLETED",
                     R"({"metrics":{"latencyMs":100,"completedMilestoneIds":["m1","m2","m3"]}})", "c");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(Field(done->json, "settlement.decisionTrace.policyDecision.verificationStatus"), "green");
  EXPECT_EQ(Field(done->json, "settlement.decisionStatus"), "auto_resolved");
  EXPECT_EQ(Field(done->json, "settlement.releaseRatePct"), "70");
  EXPECT_EQ(Field(done->json, "settlement.releasedAmountCents"), "2100");
  EXPECT_EQ(Field(done->json, "settlement.refundedAmountCents"), "900");
  EXPECT_THAT(done->json, ::testing::HasSubstr("milestone_release_cap_applied"));
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_worker", "USD"), R"({"available":2100,"escrow":0})");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_poster", "USD"), R"({"available":2900,"escrow":0})");
  auto replay = kernel_->ReplayEvaluateRun(kTenant, kRun);
  ASSERT_TRUE(replay.ok()) << replay.status();
  for (const char* k : {"matchesStoredDecision", "policyDecisionMatchesStored", "kernelBindingsValid"}) {
    EXPECT_THAT(*replay, ::testing::HasSubstr(std::string("\"") + k + "\":true")) << *replay;
  }
  auto check = kernel_->CheckStore(kTenant);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << check->json;

  // `nooterra store export --run` (another process; the store is closed meanwhile) writes the
  // run's documents byte for byte as the kernel returns them, and the log entries of its RFQ.
  kernel_.reset();
  store_.reset();
  int code = -1;
  const std::string manifest = testing::RunCommand(std::string(NOOTERRA_CLI_PATH) + " store export " + dir_.sub("s") +
                                                       " --tenant " + kTenant + " --run " + kRun + " --out " +
                                                       dir_.sub("export"), &code);
  ASSERT_EQ(code, 0) << manifest;
  const std::string bad = testing::RunCommand(std::string(NOOTERRA_CLI_PATH) + " store export " + dir_.sub("s") +
                                                  " --tenant " + kTenant + " --run run_none --out " + dir_.sub("x"), &code);
  EXPECT_NE(code, 0);
  EXPECT_THAT(bad, ::testing::HasSubstr("RUN_NOT_FOUND"));
  store::Options o;
  o.durable = false;
  store_ = std::move(*store::Store::Open(dir_.sub("s"), o));
  kernel_ = std::make_unique<Kernel>(store_.get());
  auto read_file = [&](const std::string& name) {
    std::ifstream in(dir_.sub("export") + "/" + name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  using RunDoc = Kernel::RunDocument;
  EXPECT_EQ(read_file("run.json"), **kernel_->GetRun(kTenant, kRun) + "\n");
  EXPECT_EQ(read_file("settlement.json"), **kernel_->GetRunSettlement(kTenant, kRun) + "\n");
  EXPECT_EQ(read_file("agreement.json"), **kernel_->GetRunDocument(kTenant, RunDoc::kAgreement, kRun) + "\n");
  EXPECT_EQ(read_file("offer.json"), **kernel_->GetRunDocument(kTenant, RunDoc::kOffer, kRun) + "\n");
  EXPECT_EQ(read_file("acceptance.json"), **kernel_->GetRunDocument(kTenant, RunDoc::kAcceptance, kRun) + "\n");
  EXPECT_EQ(Field(read_file("reputation_decision.json"), "eventKind"), "decision_approved");
  // createRfq, submitBid, acceptBid, the evidence and the completion, in log order.
  const std::string log = read_file("operations.jsonl");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 5) << log;
  size_t at = 0;
  for (const char* op : {"createRfq", "submitBid", "acceptBid", "appendRunEvent", "appendRunEvent"}) {
    at = log.find(std::string("\"operation\":\"") + op + "\"", at);
    ASSERT_NE(at, std::string::npos) << op;
    ++at;
  }
  for (const char* name : {"run.json", "agreement.json", "settlement.json", "offer.json", "acceptance.json",
                           "reputation_decision.json", "operations.jsonl"}) {
    EXPECT_THAT(manifest, ::testing::HasSubstr(std::string(R"({"name":")") + name + R"(","sha256":")")) << name;
  }
}

TEST_F(Marketplace, ManualReviewKeepsTheMoneyLockedAndReplaysConsistently) {
  const std::string head = Accepted();
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_poster", "USD"), R"({"available":2000,"escrow":3000})");
  // 2500 ms: amber (between the thresholds); the default policy does not auto-release amber.
  auto done = Append(head, "RUN_COMPLETED", R"({"metrics":{"latencyMs":2500}})", "c");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(Field(done->json, "settlement.status"), "locked");
  EXPECT_EQ(Field(done->json, "settlement.decisionStatus"), "manual_review_required");
  EXPECT_EQ(Field(done->json, "settlement.decisionTrace.verifierExecution.reasonCodes.0"),
            "verifier_plugin_latency_between_thresholds");
  EXPECT_EQ(Field(done->json, "settlement.decisionTrace.settlementReceipt.finalityState"), "pending");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_poster", "USD"), R"({"available":2000,"escrow":3000})");
  EXPECT_EQ(Field(WorkerFacts(), "facts.totals.eventCount"), "0");  // no decision yet, no event
  auto check = kernel_->CheckStore(kTenant);  // escrow still accounted for by the locked settlement
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << check->json;
  auto replay = kernel_->ReplayEvaluateRun(kTenant, kRun);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(Field(*replay, "replay.expectedDecisionStatus"), "manual_review_required");
  for (const char* k : {"matchesStoredDecision", "policyDecisionMatchesStored", "verifierRefMatchesStored", "kernelBindingsValid"}) {
    EXPECT_THAT(*replay, ::testing::HasSubstr(std::string("\"") + k + "\":true")) << *replay;
  }
  // The retry of the completion replays its result; nothing moves twice.
  auto retry = Append(head, "RUN_COMPLETED", R"({"metrics":{"latencyMs":2500}})", "c");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->already_existed);
  EXPECT_EQ(retry->json, done->json);

  // An operator resolves the review: floor(3000 * 33 / 100) = 990 to the worker, 2010 back.
  std::string before = Hash();
  ExpectRefused(kernel_->ResolveRunSettlement(kTenant, kRun, R"({"releaseRatePct":101})", kT0, "m0").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->ResolveRunSettlement(kTenant, "run_none", R"({"releaseRatePct":33})", kT0, "m1").status(),
                absl::StatusCode::kNotFound, "RUN_SETTLEMENT_NOT_FOUND", before);
  auto resolved = kernel_->ResolveRunSettlement(kTenant, kRun, R"({"releaseRatePct":33,"decisionReason":"partly late"})",
                                                "2026-05-01T00:00:09.000Z", "m");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(Field(resolved->json, "settlement.status"), "released");
  EXPECT_EQ(Field(resolved->json, "settlement.decisionStatus"), "manual_resolved");
  EXPECT_EQ(Field(resolved->json, "settlement.decisionReason"), "partly late");
  EXPECT_EQ(Field(resolved->json, "settlement.decisionTrace.phase"), "settlement.manual_resolved");
  EXPECT_EQ(Field(resolved->json, "settlement.decisionTrace.settlementReceipt.releasedAmountCents"), "990");
  EXPECT_EQ(Field(resolved->json, "settlement.decisionTrace.settlementReceipt.finalityState"), "final");
  EXPECT_EQ(Field(resolved->json, "settlement.decisionTrace.decisionRecord.decisionStatus"), "manual_resolved");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_poster", "USD"), R"({"available":4010,"escrow":0})");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_worker", "USD"), R"({"available":990,"escrow":0})");
  replay = kernel_->ReplayEvaluateRun(kTenant, kRun);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(Field(*replay, "replay.expectedDecisionStatus"), "manual_resolved");
  for (const char* k : {"matchesStoredDecision", "policyDecisionMatchesStored", "verifierRefMatchesStored", "kernelBindingsValid"}) {
    EXPECT_THAT(*replay, ::testing::HasSubstr(std::string("\"") + k + "\":true")) << *replay;
  }
  check = kernel_->CheckStore(kTenant);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << check->json;
  // The operator's decision released money: decision_approved, rep_dec_<decisionHash>.
  const std::string facts = WorkerFacts();
  const std::string decision_hash =
      Field(resolved->json, "settlement.decisionTrace.settlementReceipt.decisionRef.decisionHash");
  ASSERT_EQ(decision_hash.size(), 64u);
  EXPECT_EQ(Field(facts, "facts.totals.eventCount"), "1");
  EXPECT_EQ(Field(facts, "facts.totals.decisions.approved"), "1");
  EXPECT_EQ(Field(facts, "facts.totals.economics.settledCents"), "990");
  EXPECT_EQ(Field(facts, "facts.totals.economics.refundedCents"), "2010");
  EXPECT_EQ(Field(facts, "events.0.eventId"), "rep_dec_" + decision_hash);
  EXPECT_EQ(Field(facts, "events.0.eventKind"), "decision_approved");
  EXPECT_EQ(Field(facts, "events.0.sourceRef.decisionHash"), decision_hash);
  EXPECT_EQ(Field(facts, "events.0.subject.counterpartyAgentId"), "agt_poster");
  before = Hash();
  ExpectRefused(kernel_->ResolveRunSettlement(kTenant, kRun, R"({"releaseRatePct":100})", kT0, "m2").status(),
                absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL", before);
}

TEST_F(Marketplace, AFailedRunAndTheDefaultVerifier) {
  // No plugin matches a discretionary method: the default verifierRef, status from the run.
  const std::string head = Accepted(1000, R"({"mode":"discretionary"})");
  auto failed = Append(head, "RUN_FAILED", R"({"code":"TIMEOUT","message":"m"})", "f");
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(Field(failed->json, "run.status"), "failed");
  EXPECT_EQ(Field(failed->json, "settlement.decisionTrace.verifierExecution.verifierRef.verifierId"), "nooterra.policy-engine");
  EXPECT_EQ(Field(failed->json, "settlement.decisionTrace.verifierExecution.verifierRef.verifierHash"), "null");
  EXPECT_EQ(Field(failed->json, "settlement.decisionTrace.policyDecision.verificationStatus"), "red");
  EXPECT_EQ(Field(failed->json, "settlement.decisionTrace.policyDecision.runStatus"), "failed");
  auto replay = kernel_->ReplayEvaluateRun(kTenant, kRun);
  ASSERT_TRUE(replay.ok());
  EXPECT_THAT(*replay, ::testing::HasSubstr(R"("kernelBindingsValid":true)"));
  EXPECT_THAT(*replay, ::testing::HasSubstr(R"("policyDecisionMatchesStored":true)"));
  // Red goes to review (no event yet); the operator refunds everything: decision_rejected,
  // and the dispute rate now has a denominator.
  EXPECT_EQ(Field(WorkerFacts(), "facts.totals.eventCount"), "0");
  auto refunded = kernel_->ResolveRunSettlement(kTenant, kRun, R"({"releaseRatePct":0})", "2026-05-01T00:00:09.000Z", "m");
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  EXPECT_EQ(Field(refunded->json, "settlement.status"), "refunded");
  const std::string facts = WorkerFacts();
  EXPECT_EQ(Field(facts, "facts.totals.decisions.rejected"), "1");
  EXPECT_EQ(Field(facts, "facts.totals.decisions.total"), "1");
  EXPECT_EQ(Field(facts, "facts.totals.disputes.rate"), "0");
  EXPECT_EQ(Field(facts, "facts.totals.economics.refundedCents"), "1000");
  EXPECT_EQ(Field(facts, "events.0.eventKind"), "decision_rejected");
  EXPECT_EQ(Field(facts, "events.0.eventId"),
            "rep_dec_" + Field(refunded->json, "settlement.decisionTrace.settlementReceipt.decisionRef.decisionHash"));
}

}  // namespace
}  // namespace nooterra::agreement
