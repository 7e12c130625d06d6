// The agreement's own life on the kernel: create, fund, evidence, settle (decision + receipt +
// holdback), void; forbidden transitions; and random traffic with random retries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "nooterra/agreement.h"
#include "nooterra/ids.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "agreement/agreement_fixture.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using objects::ObjectType;
using testing::Field;

constexpr char kTenant[] = "tenant_s";
constexpr char kNow[] = "2026-04-01T00:00:00.000Z";

class Settlement : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Options o;
    o.durable = false;
    store_ = std::move(*store::Store::Open(dir_.sub("s"), o));
    kernel_ = std::make_unique<Kernel>(store_.get());
    ASSERT_TRUE(kernel_->RegisterAgent(kTenant, "agt_buyer", buyer_.public_key().ToPem()).ok());
    ASSERT_TRUE(kernel_->RegisterAgent(kTenant, "agt_tool", tool_.public_key().ToPem()).ok());
    ASSERT_TRUE(kernel_->Deposit(kTenant, "agt_buyer", "USD", 10000, "dep").ok());
  }

  std::string Create(const std::string& call_id, int64_t amount = 1500) {
    const std::string request =
        R"({"agreement":{"toolId":"tool_weather","callId":")" + call_id +
        R"(","manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d","input":{"city":"Bern"},)"
        R"("settlementTerms":{"amountCents":)" + std::to_string(amount) +
        R"(,"currency":"USD"},"payerAgentId":"agt_buyer","payeeAgentId":"agt_tool"},"holdbackBps":1000,"challengeWindowMs":800})";
    auto r = kernel_->CreateAgreement(kTenant, request, kNow, "create_" + call_id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? Field(r->json, "agreement.agreementHash") : "";
  }

  std::string Evidence(const std::string& agreement, const std::string& call_id,
                       const crypto::PrivateKey& signer) {
    auto a = kernel_->GetAgreement(kTenant, agreement);
    // inputHash of {"city":"Bern"}
    const std::string input_hash = crypto::Sha256Hex(std::string_view(R"({"city":"Bern"})"));
    objects::BuildOptions o;
    o.signer = &signer;
    auto e = objects::Build(ObjectType::kToolCallEvidence,
                            R"({"agreementHash":")" + agreement + R"(","callId":")" + call_id + R"(","inputHash":")" +
                                input_hash + R"(","output":{"tempC":4},"startedAt":"2026-04-01T00:00:00.100Z"})",
                            o);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? e->canonical : "";
  }

  std::string SettleRequest(const std::string& agreement, int rate, const std::string& tag) {
    return R"({"agreementHash":")" + agreement + R"(","decisionId":"dec_)" + tag + R"(","receiptId":"rcpt_)" + tag +
           R"(","releaseRatePct":)" + std::to_string(rate) +
           R"(,"verificationStatus":"green","policyHashUsed":"006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8",)"
           R"("verificationMethodHashUsed":"20d2f1b1e148b5e337fe1f38258ded31682d8d3de9bea5c0078fa4d1e8ffc070"})";
  }

  std::string Wallet(const std::string& agent) { return *kernel_->GetWallet(kTenant, agent, "USD"); }

  // The ledger audit and escrow conservation (records vs escrow balances) both hold.
  void ExpectSoundLedger() {
    ASSERT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
      auto v = ledger::Check(txn, kTenant);
      EXPECT_TRUE(v.ok() && v->empty()) << (v.ok() && !v->empty() ? v->front() : "");
      return absl::OkStatus();
    }).ok());
    auto escrow = kernel_->AuditEscrow(kTenant);
    ASSERT_TRUE(escrow.ok()) << escrow.status();
    EXPECT_TRUE(escrow->empty()) << escrow->front();
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Kernel> kernel_;
  crypto::PrivateKey buyer_ = *crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view("buyer")));
  crypto::PrivateKey tool_ = *crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view("tool")));
};

TEST_F(Settlement, FullReleaseKeepsTheHoldbackUntilTheWindowPasses) {
  const std::string h = Create("call_1");
  ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "fund_1").ok());
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":8500,"escrow":1500})");
  auto ev = kernel_->SubmitEvidence(kTenant, Evidence(h, "call_1", tool_), kNow, "ev_1");
  ASSERT_TRUE(ev.ok()) << ev.status();
  EXPECT_EQ(Field(ev->json, "record.status"), "evidenced");
  auto settled = kernel_->Settle(kTenant, SettleRequest(h, 100, "1"), "2026-04-01T00:00:01.000Z", "settle_1");
  ASSERT_TRUE(settled.ok()) << settled.status();
  // Decision and receipt: valid protocol objects, bound by id and hash.
  auto doc = json::Document::Parse(settled->json);
  std::string decision, receipt;
  (void)json::AppendCanonical(doc->root().Find("decisionRecord"), &decision);
  (void)json::AppendCanonical(doc->root().Find("settlementReceipt"), &receipt);
  auto dr = objects::VerifyObject(decision, {});
  auto rr = objects::VerifyObject(receipt, {});
  ASSERT_TRUE(dr.ok() && rr.ok());
  EXPECT_TRUE(dr->ok) << objects::RenderVerifyReportJson(*dr);
  EXPECT_TRUE(rr->ok) << objects::RenderVerifyReportJson(*rr);
  EXPECT_EQ(Field(settled->json, "settlementReceipt.decisionRef.decisionHash"), dr->hash);
  EXPECT_EQ(Field(settled->json, "settlementReceipt.releasedAmountCents"), "1500");
  EXPECT_EQ(Field(settled->json, "settlementReceipt.refundedAmountCents"), "0");
  EXPECT_EQ(Field(settled->json, "hold.heldAmountCents"), "150");
  EXPECT_EQ(Field(settled->json, "hold.receiptHash"), rr->hash);
  EXPECT_EQ(Wallet("agt_tool"), R"({"available":1350,"escrow":0})");
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":8500,"escrow":150})");
  // The tick pays the holdback once the window has passed.
  ASSERT_TRUE(kernel_->RunHoldbackMaintenance(kTenant, "2026-04-01T00:00:01.801Z", false, 10).ok());
  EXPECT_EQ(Wallet("agt_tool"), R"({"available":1500,"escrow":0})");
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":8500,"escrow":0})");
  EXPECT_EQ(Field(**kernel_->GetAgreement(kTenant, h), "status"), "settled");
  ExpectSoundLedger();
}

TEST_F(Settlement, PartialAndZeroReleases) {
  const std::string h = Create("call_2");
  ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "fund_2").ok());
  auto settled = kernel_->Settle(kTenant, SettleRequest(h, 60, "2"), kNow, "settle_2");
  ASSERT_TRUE(settled.ok()) << settled.status();
  // release floor(1500*60/100) = 900, refund 600, holdback floor(900*1000/10000) = 90.
  EXPECT_EQ(Field(settled->json, "settlementReceipt.releasedAmountCents"), "900");
  EXPECT_EQ(Field(settled->json, "settlementReceipt.refundedAmountCents"), "600");
  EXPECT_EQ(Field(settled->json, "hold.heldAmountCents"), "90");
  EXPECT_EQ(Wallet("agt_tool"), R"({"available":810,"escrow":0})");
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":9100,"escrow":90})");

  const std::string z = Create("call_3", 999);
  ASSERT_TRUE(kernel_->Fund(kTenant, z, kNow, "fund_3").ok());
  auto refunded = kernel_->Settle(kTenant, SettleRequest(z, 0, "3"), kNow, "settle_3");
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  EXPECT_EQ(Field(refunded->json, "settlementReceipt.status"), "refunded");
  EXPECT_EQ(Field(refunded->json, "hold"), "null");
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":9100,"escrow":90})");
  ExpectSoundLedger();
}

TEST_F(Settlement, ASettledHoldbackCanBeDisputedAndRefunded) {
  const std::string h = Create("call_4");
  ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "fund_4").ok());
  auto settled = kernel_->Settle(kTenant, SettleRequest(h, 100, "4"), kNow, "settle_4");
  ASSERT_TRUE(settled.ok());
  const std::string hold = Field(settled->json, "hold.holdHash");
  const std::string receipt = Field(settled->json, "hold.receiptHash");
  objects::BuildOptions o;
  o.signer = &buyer_;
  auto envelope = objects::Build(ObjectType::kDisputeOpenEnvelope,
      R"({"envelopeId":")" + ids::DisputeOpenEnvelopeId(h) + R"(","caseId":")" + ids::ToolCallCaseId(h) +
      R"(","tenantId":")" + kTenant + R"(","agreementHash":")" + h + R"(","receiptHash":")" + receipt +
      R"(","holdHash":")" + hold + R"(","openedByAgentId":"agt_buyer","openedAt":")" + kNow +
      R"(","reasonCode":"TOOL_CALL_DISPUTE","nonce":"nonce_00000004","signerKeyId":")" + buyer_.public_key().KeyId() + R"("})", o);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  const crypto::PrivateKey arbiter = *crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view("arb")));
  ASSERT_TRUE(kernel_->RegisterAgent(kTenant, "agt_arb", arbiter.public_key().ToPem()).ok());
  auto opened = kernel_->OpenDispute(kTenant,
      R"({"agreementHash":")" + h + R"(","receiptHash":")" + receipt + R"(","holdHash":")" + hold +
      R"(","openedByAgentId":"agt_buyer","disputeOpenEnvelope":)" + envelope->canonical +
      R"(,"arbiterAgentId":"agt_arb","summary":"wrong city"})", kNow, "open_4");
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string case_id = ids::ToolCallCaseId(h);
  const std::string core =
      R"({"schemaVersion":"ArbitrationVerdict.v1","verdictId":"avd_4","caseId":")" + case_id + R"(","tenantId":")" +
      kTenant + R"(","runId":")" + ids::ToolCallRunId(h) + R"(","settlementId":")" + ids::ToolCallSettlementId(h) +
      R"(","disputeId":")" + ids::ToolCallDisputeId(h) +
      R"(","arbiterAgentId":"agt_arb","outcome":"rejected","releaseRatePct":0,"rationale":"refund","evidenceRefs":[],"issuedAt":")" +
      kNow + R"(","appealRef":null})";
  auto hash = objects::ComputeHash(ObjectType::kArbitrationVerdict, json::Document::Parse(core)->root());
  const crypto::Signature sig = arbiter.Sign(*crypto::DigestFromHex(*hash));
  auto verdict = kernel_->SubmitVerdict(kTenant, case_id,
      core.substr(0, core.size() - 1) + R"(,"signerKeyId":")" + arbiter.public_key().KeyId() + R"(","signature":")" +
          crypto::Base64Encode(crypto::Bytes(sig.data(), 64)) + R"("})", kNow, "verdict_4");
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":8650,"escrow":0})");  // 10000 - 1350
  EXPECT_EQ(Wallet("agt_tool"), R"({"available":1350,"escrow":0})");
  ExpectSoundLedger();
}

TEST_F(Settlement, ForbiddenTransitionsChangeNothing) {
  const std::string h = Create("call_5");
  const auto refused = [&](const absl::Status& s, absl::StatusCode code, std::string_view reason) {
    const std::string before = Wallet("agt_buyer") + Wallet("agt_tool") + kernel_->GetAgreement(kTenant, h)->value_or("");
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_EQ(StatusReason(s), reason) << s;
    EXPECT_EQ(Wallet("agt_buyer") + Wallet("agt_tool") + kernel_->GetAgreement(kTenant, h)->value_or(""), before);
  };
  refused(kernel_->Settle(kTenant, SettleRequest(h, 100, "x1"), kNow, "s_x1").status(),
          absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL");
  refused(kernel_->SubmitEvidence(kTenant, Evidence(h, "call_5", tool_), kNow, "e_x1").status(),
          absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL");
  refused(kernel_->Void(kTenant, h, kNow, "v_x1").status(), absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL");
  ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "fund_5").ok());
  refused(kernel_->Fund(kTenant, h, kNow, "fund_5b").status(), absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL");
  refused(kernel_->SubmitEvidence(kTenant, Evidence(h, "call_5", buyer_), kNow, "e_x2").status(),
          absl::StatusCode::kInvalidArgument, "EVIDENCE_SIGNER_INVALID");
  refused(kernel_->SubmitEvidence(kTenant, Evidence(h, "call_other", tool_), kNow, "e_x3").status(),
          absl::StatusCode::kInvalidArgument, "EVIDENCE_BINDING_MISMATCH");
  refused(kernel_->Settle(kTenant, SettleRequest(h, 101, "x2"), kNow, "s_x2").status(),
          absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID");
  ASSERT_TRUE(kernel_->Void(kTenant, h, kNow, "void_5").ok());
  EXPECT_EQ(Wallet("agt_buyer"), R"({"available":10000,"escrow":0})");
  refused(kernel_->Settle(kTenant, SettleRequest(h, 100, "x3"), kNow, "s_x3").status(),
          absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL");
  // Creation refusals.
  EXPECT_EQ(StatusReason(kernel_->CreateAgreement(kTenant, R"({"agreement":{"toolId":"t","callId":"c","manifestHash":")" +
                                                               std::string(64, 'a') + R"(","payerAgentId":"agt_buyer","payeeAgentId":"agt_tool"}})",
                                                  kNow, "c_x1").status()),
            "SCHEMA_INVALID");
  EXPECT_EQ(StatusReason(kernel_->CreateAgreement(kTenant, R"({"agreement":{"toolId":"t","callId":"c","manifestHash":")" +
                                                               std::string(64, 'a') + R"(","settlementTerms":{"amountCents":5,"currency":"USD"},"payerAgentId":"agt_buyer","payeeAgentId":"agt_nobody"}})",
                                                  kNow, "c_x2").status()),
            "AGENT_NOT_FOUND");
  EXPECT_EQ(StatusReason(kernel_->CreateAgreement(kTenant, R"({"agreement":{"agreementHash":")" + std::string(64, 'b') +
                                                               R"(","toolId":"t","callId":"c","manifestHash":")" + std::string(64, 'a') +
                                                               R"(","settlementTerms":{"amountCents":5,"currency":"USD"},"payerAgentId":"agt_buyer","payeeAgentId":"agt_tool"}})",
                                                  kNow, "c_x3").status()),
            "OBJECT_HASH_MISMATCH");
  EXPECT_EQ(StatusReason(kernel_->Fund(kTenant, std::string(64, 'c'), kNow, "f_x").status()), "AGREEMENT_NOT_FOUND");
  const std::string big = Create("call_big", 20000);
  EXPECT_EQ(StatusReason(kernel_->Fund(kTenant, big, kNow, "f_big").status()), "LEDGER_INSUFFICIENT_FUNDS");
  ExpectSoundLedger();
}

TEST_F(Settlement, ThePinnedPolicyDecidesInsideTheTransaction) {
  // Default policy, green: automatic, full release, the pinned hash in the decision record.
  const std::string h = Create("call_p1");
  ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "fund_p1").ok());
  auto automatic = kernel_->Settle(kTenant,
      R"({"agreementHash":")" + h + R"(","decisionId":"dec_p1","receiptId":"rcpt_p1","verificationStatus":"green"})",
      kNow, "settle_p1");
  ASSERT_TRUE(automatic.ok()) << automatic.status();
  EXPECT_EQ(Field(automatic->json, "decisionRecord.decisionStatus"), "auto_resolved");
  EXPECT_EQ(Field(automatic->json, "decisionRecord.decisionMode"), "automatic");
  EXPECT_EQ(Field(automatic->json, "decisionRecord.policyHashUsed"),
            "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8");
  EXPECT_EQ(Field(automatic->json, "settlementReceipt.releasedAmountCents"), "1500");
  // The evaluation is pinned as a PolicyDecision.v1 artifact that verifies on its own, with the
  // evaluationHash a fresh evaluation of the same pinned documents gives.
  EXPECT_EQ(Field(automatic->json, "policyDecision.decisionId"), "pdec_dec_p1");
  EXPECT_EQ(Field(automatic->json, "policyDecision.policyRef.policyHash"),
            "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8");
  EXPECT_EQ(Field(automatic->json, "policyDecision.releaseAmountCents"), "1500");
  {
    auto doc = json::Document::Parse(automatic->json);
    auto pd = json::CanonicalString(json::Tree::FromValue(doc->root().Find("policyDecision")));
    ASSERT_TRUE(pd.ok());
    auto report = objects::VerifyObject(*pd, {});
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << objects::RenderVerifyReportJson(*report);
    auto rebuilt = objects::Build(ObjectType::kPolicyDecision,
        R"({"decisionId":"pdec_dec_p1","tenantId":")" + std::string(kTenant) + R"(","runId":"tc_)" + h +
        R"(","settlementId":"setl_tc_)" + h + R"(","policyRef":{"policyHash":"006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8",)"
        R"("verificationMethodHash":"20d2f1b1e148b5e337fe1f38258ded31682d8d3de9bea5c0078fa4d1e8ffc070","policyVersion":1},)"
        R"("decisionMode":"automatic","verificationStatus":"green","runStatus":"completed","shouldAutoResolve":true,)"
        R"("settlementStatus":"released","releaseRatePct":100,"releaseAmountCents":1500,"refundAmountCents":0,)"
        R"("reasonCodes":[],"createdAt":")" + std::string(kNow) + R"("})");
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
    EXPECT_EQ(Field(automatic->json, "policyDecision.evaluationHash"), Field(rebuilt->canonical, "evaluationHash"));
    EXPECT_EQ(Field(**kernel_->GetAgreement(kTenant, h), "policyDecisionHash"), report->hash);
  }

  // A strict pinned policy escalates: money stays in escrow until an operator resolves.
  const std::string request =
      R"({"agreement":{"toolId":"tool_weather","callId":"call_p2","manifestHash":")" + std::string(64, 'a') +
      R"(","settlementTerms":{"amountCents":1500,"currency":"USD"},"payerAgentId":"agt_buyer","payeeAgentId":"agt_tool"},)"
      R"("holdbackBps":0,"policy":{"rules":{"maxAutoReleaseAmountCents":500}}})";
  auto created = kernel_->CreateAgreement(kTenant, request, kNow, "create_p2");
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string h2 = Field(created->json, "agreement.agreementHash");
  const std::string pinned = Field(created->json, "record.policyHash");
  EXPECT_NE(pinned, "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8");
  ASSERT_TRUE(kernel_->Fund(kTenant, h2, kNow, "fund_p2").ok());
  const std::string before = Wallet("agt_buyer") + Wallet("agt_tool");
  auto review = kernel_->Settle(kTenant,
      R"({"agreementHash":")" + h2 + R"(","decisionId":"dec_p2","receiptId":"rcpt_p2","verificationStatus":"green"})",
      kNow, "settle_p2");
  ASSERT_TRUE(review.ok()) << review.status();
  EXPECT_EQ(Field(review->json, "decisionMode"), "manual-review");
  EXPECT_EQ(Field(review->json, "record.status"), "review");
  EXPECT_THAT(review->json, ::testing::HasSubstr("amount_exceeds_auto_release_limit"));
  EXPECT_EQ(Field(review->json, "policyDecision.decisionMode"), "manual-review");
  EXPECT_EQ(Field(review->json, "policyDecision.shouldAutoResolve"), "false");
  EXPECT_EQ(Field(review->json, "policyDecision.policyRef.policyHash"), pinned);
  EXPECT_EQ(Wallet("agt_buyer") + Wallet("agt_tool"), before);
  auto again = kernel_->Settle(kTenant,
      R"({"agreementHash":")" + h2 + R"(","decisionId":"dec_p2b","receiptId":"rcpt_p2b","verificationStatus":"green"})",
      kNow, "settle_p2b");
  EXPECT_EQ(StatusReason(again.status()), "POLICY_MANUAL_REVIEW_REQUIRED");
  auto wrong_pin = kernel_->Settle(kTenant,
      R"({"agreementHash":")" + h2 + R"(","decisionId":"dec_p2c","receiptId":"rcpt_p2c","releaseRatePct":50,"policyHash":")" +
          std::string(64, '0') + R"("})",
      kNow, "settle_p2c");
  EXPECT_EQ(StatusReason(wrong_pin.status()), "POLICY_HASH_MISMATCH");
  auto resolved = kernel_->Settle(kTenant,
      R"({"agreementHash":")" + h2 + R"(","decisionId":"dec_p2d","receiptId":"rcpt_p2d","releaseRatePct":50,"policyHash":")" +
          pinned + R"(","verificationStatus":"green"})",
      kNow, "settle_p2d");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(Field(resolved->json, "decisionRecord.decisionStatus"), "manual_resolved");
  EXPECT_EQ(Field(resolved->json, "decisionRecord.policyHashUsed"), pinned);
  EXPECT_EQ(Field(resolved->json, "settlementReceipt.releasedAmountCents"), "750");
  ExpectSoundLedger();
  // A pinned policy must be valid.
  auto invalid = kernel_->CreateAgreement(kTenant,
      R"({"agreement":{"toolId":"t","callId":"call_p3","manifestHash":")" + std::string(64, 'a') +
          R"(","settlementTerms":{"amountCents":5,"currency":"USD"},"payerAgentId":"agt_buyer","payeeAgentId":"agt_tool"},)"
          R"("policy":{"rules":{"greenReleaseRatePct":101}}})",
      kNow, "create_p3");
  EXPECT_EQ(StatusReason(invalid.status()), "POLICY_INVALID");
}

TEST_F(Settlement, RandomTrafficWithRetriesNeverMovesMoneyTwice) {
  // Random operations on a few agreements. A third of the calls retry an earlier successful
  // call exactly (same key, same request): it must replay without moving money. A sixth reuse
  // an earlier key for another request: it must conflict and change nothing. After every step
  // the ledger audits clean and the buyer's 10000 is all in the two wallets.
  std::mt19937 rng(5);
  std::vector<std::string> agreements;
  for (int i = 0; i < 6; ++i) agreements.push_back(Create("call_r" + std::to_string(i), 100 + 37 * i));
  struct Call {
    std::string key;
    int op;
    size_t agreement;
    int rate;
  };
  std::vector<Call> done;
  const auto run = [&](const Call& c) -> absl::StatusOr<Result> {
    const std::string& h = agreements[c.agreement];
    switch (c.op) {
      case 0: return kernel_->Fund(kTenant, h, kNow, c.key);
      case 1: return kernel_->SubmitEvidence(kTenant, Evidence(h, "call_r" + std::to_string(c.agreement), tool_), kNow, c.key);
      case 2: return kernel_->Settle(kTenant, SettleRequest(h, c.rate, c.key), kNow, c.key);
      case 3: return kernel_->Void(kTenant, h, kNow, c.key);
      default: return kernel_->RunHoldbackMaintenance(kTenant, "2026-04-01T00:00:05.000Z", false, 10);
    }
  };
  int applied = 0, replays = 0, conflicts = 0;
  for (int step = 0; step < 300; ++step) {
    const std::string before = Wallet("agt_buyer") + Wallet("agt_tool");
    const int kind = rng() % 6;
    const bool retry = kind <= 2 && !done.empty();
    if (kind < 2 && !done.empty()) {
      auto r = run(done[rng() % done.size()]);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_TRUE(r->already_existed);
      ++replays;
    } else if (kind == 2 && !done.empty()) {
      Call c = done[rng() % done.size()];
      c.op = (c.op + 1) % 4;  // another operation under the same key
      auto r = run(c);
      EXPECT_FALSE(r.ok());
      if (!r.ok()) {
        EXPECT_EQ(StatusReason(r.status()), "IDEMPOTENCY_KEY_CONFLICT") << r.status();
        ++conflicts;
      }
    } else {
      Call c{"k" + std::to_string(step), static_cast<int>(rng() % 5), rng() % agreements.size(),
             static_cast<int>(rng() % 101)};
      auto r = run(c);
      if (r.ok() && !r->already_existed) {
        ++applied;
        if (c.op != 4) done.push_back(c);
      }
    }
    if (retry) {
      EXPECT_EQ(Wallet("agt_buyer") + Wallet("agt_tool"), before) << "a retry moved money";
    }
    ExpectSoundLedger();
    auto b = json::Document::Parse(Wallet("agt_buyer"));
    auto t = json::Document::Parse(Wallet("agt_tool"));
    const double total = b->root().Find("available").as_number() + b->root().Find("escrow").as_number() +
                         t->root().Find("available").as_number() + t->root().Find("escrow").as_number();
    EXPECT_EQ(total, 10000);
  }
  EXPECT_GT(applied, 10);
  EXPECT_GT(replays, 30);
  EXPECT_GT(conflicts, 10);
}

TEST_F(Settlement, SimulatingACandidatePolicyOverRecordedDecisions) {
  for (const auto& [call, amount] : {std::pair<std::string, int64_t>{"call_s1", 1500}, {"call_s2", 400}}) {
    const std::string h = Create(call, amount);
    ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "f_" + call).ok());
    ASSERT_TRUE(kernel_->Settle(kTenant, R"({"agreementHash":")" + h + R"(","decisionId":"dec_)" + call +
                                             R"(","receiptId":"rcpt_)" + call + R"(","verificationStatus":"green"})",
                                kNow, "s_" + call).ok());
  }
  // The default policy again: nothing would change.
  auto same = kernel_->SimulateSettlementPolicy(kTenant, "{}");
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(Field(*same, "total"), "2");
  EXPECT_EQ(Field(*same, "changed"), "0");
  EXPECT_EQ(Field(*same, "candidatePolicyHash"), "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8");
  // A 500-cent auto-release cap: the 1500 settlement would have gone to manual review (same
  // amounts: the cap escalates, it does not cut the release).
  auto capped = kernel_->SimulateSettlementPolicy(kTenant, R"({"rules":{"maxAutoReleaseAmountCents":500}})");
  ASSERT_TRUE(capped.ok()) << capped.status();
  EXPECT_EQ(Field(*capped, "changed"), "1");
  EXPECT_THAT(*capped, ::testing::HasSubstr(
      R"("candidate":{"decisionMode":"manual-review","reasonCodes":["amount_exceeds_auto_release_limit"],"refundAmountCents":0,"releaseAmountCents":1500},"changed":true,"decisionId":"pdec_dec_call_s1")"));
  EXPECT_THAT(*capped, ::testing::HasSubstr(R"("changed":false,"decisionId":"pdec_dec_call_s2")"));
  EXPECT_EQ(StatusReason(kernel_->SimulateSettlementPolicy(kTenant, R"({"rules":{"greenReleaseRatePct":101}})").status()),
            "POLICY_INVALID");
  EXPECT_EQ(Field(*kernel_->SimulateSettlementPolicy("tenant_empty", "{}"), "total"), "0");
}

TEST_F(Settlement, EscrowConservationFindsMoneyWithoutARecord) {
  const std::string h = Create("call_c");
  ASSERT_TRUE(kernel_->Fund(kTenant, h, kNow, "f").ok());
  ExpectSoundLedger();
  // Move 1 cent into escrow behind the kernel's back: the ledger still balances, but no record
  // accounts for it.
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) {
    return ledger::Post(txn, kTenant, ledger::Move("rogue", ledger::Account{"agt_buyer", "USD", ledger::Bucket::kAvailable},
                                                   ledger::Account{"agt_buyer", "USD", ledger::Bucket::kEscrow}, 1));
  }).ok());
  auto escrow = kernel_->AuditEscrow(kTenant);
  ASSERT_TRUE(escrow.ok());
  ASSERT_EQ(escrow->size(), 1u);
  EXPECT_EQ(escrow->front(), "escrow agt_buyer/USD: ledger holds 1501, open agreements and held holds account for 1500");
  EXPECT_EQ(StatusReason(kernel_->AuditEscrow("bad tenant").status()), "STORE_TENANT_INVALID");
}

}  // namespace
}  // namespace nooterra::agreement
