// Every forbidden transition of the tool-call holdback machine: a typed error, and nothing
// changes (balances, hold, case, audit). Allowed transitions without a dispute (auto-release).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nooterra/agreement.h"
#include "nooterra/ids.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "agreement/agreement_fixture.h"
#include "agreement/records.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using objects::ObjectType;
using testing::Field;

constexpr char kTenant[] = "tenant_t";
constexpr char kT0[] = "2026-03-01T00:00:00.000Z";

crypto::PrivateKey Key(std::string_view name) {
  return *crypto::PrivateKey::FromSeed(crypto::Sha256Digest(name));
}

class Transitions : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Options o;
    o.durable = false;
    store_ = std::move(*store::Store::Open(dir_.sub("s"), o));
    kernel_ = std::make_unique<Kernel>(store_.get());
    for (const auto& [id, key] : {std::pair{std::string("agt_payer"), &payer_}, {std::string("agt_payee"), &payee_},
                                  {std::string("agt_arbiter"), &arbiter_}, {std::string("agt_other"), &other_}}) {
      ASSERT_TRUE(kernel_->RegisterAgent(kTenant, id, key->public_key().ToPem()).ok());
    }
    ASSERT_TRUE(kernel_->Deposit(kTenant, "agt_payer", "USD", 25000, "dep").ok());
  }

  std::string LockRequest(int64_t amount = 10000, std::string payee = "agt_payee") const {
    return R"({"agreementHash":")" + agreement_ + R"(","receiptHash":")" + receipt_ +
           R"(","payerAgentId":"agt_payer","payeeAgentId":")" + payee + R"(","amountCents":)" +
           std::to_string(amount) + R"(,"currency":"USD","holdbackBps":2000,"challengeWindowMs":800,"createdAt":")" +
           kT0 + R"("})";
  }

  std::string Lock() {
    auto r = kernel_->LockHold(kTenant, LockRequest(), kT0, "lock");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? Field(r->json, "hold.holdHash") : "";
  }

  std::string Envelope(const std::string& hold, const crypto::PrivateKey& signer, std::string opener = "agt_payee",
                       std::string opened_at = "2026-03-01T00:00:00.100Z") const {
    objects::BuildOptions o;
    o.signer = &signer;
    auto e = objects::Build(ObjectType::kDisputeOpenEnvelope,
                            R"({"envelopeId":")" + ids::DisputeOpenEnvelopeId(agreement_) + R"(","caseId":")" +
                                ids::ToolCallCaseId(agreement_) + R"(","tenantId":")" + kTenant +
                                R"(","agreementHash":")" + agreement_ + R"(","receiptHash":")" + receipt_ +
                                R"(","holdHash":")" + hold + R"(","openedByAgentId":")" + opener +
                                R"(","openedAt":")" + opened_at +
                                R"(","reasonCode":"TOOL_CALL_DISPUTE","nonce":"nonce_0000000001","signerKeyId":")" +
                                signer.public_key().KeyId() + R"("})",
                            o);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? e->canonical : "";
  }

  std::string OpenRequest(const std::string& hold, const std::string& envelope, std::string opener = "agt_payee",
                          std::string extra = "") const {
    return R"({"agreementHash":")" + agreement_ + R"(","receiptHash":")" + receipt_ + R"(","holdHash":")" + hold +
           R"(","openedByAgentId":")" + opener + R"(",)" + (envelope.empty() ? "" : R"("disputeOpenEnvelope":)" + envelope + ",") +
           R"("arbiterAgentId":"agt_arbiter","summary":"dispute")" + extra + "}";
  }

  std::string Verdict(int rate, const crypto::PrivateKey& signer) const {
    const std::string case_id = ids::ToolCallCaseId(agreement_);
    const std::string core =
        R"({"schemaVersion":"ArbitrationVerdict.v1","verdictId":"avd_t1","caseId":")" + case_id +
        R"(","tenantId":")" + kTenant + R"(","runId":")" + ids::ToolCallRunId(agreement_) + R"(","settlementId":")" +
        ids::ToolCallSettlementId(agreement_) + R"(","disputeId":")" + ids::ToolCallDisputeId(agreement_) +
        R"(","arbiterAgentId":"agt_arbiter","outcome":"partial","releaseRatePct":)" + std::to_string(rate) +
        R"(,"rationale":"r","evidenceRefs":[],"issuedAt":"2026-03-01T00:00:00.500Z","appealRef":null})";
    auto doc = json::Document::Parse(core);
    auto hash = objects::ComputeHash(ObjectType::kArbitrationVerdict, doc->root());
    const crypto::Signature sig = signer.Sign(*crypto::DigestFromHex(*hash));
    return core.substr(0, core.size() - 1) + R"(,"signerKeyId":")" + arbiter_.public_key().KeyId() +
           R"(","signature":")" + crypto::Base64Encode(crypto::Bytes(sig.data(), 64)) + R"("})";
  }

  // The payee's reputation facts; `extra` holds the request's other members.
  std::string Facts(const std::string& extra, std::string agent = "agt_payee") const {
    auto r = kernel_->ReputationFacts(kTenant, R"({"agentId":")" + agent + R"(",)" + extra + "}");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : "";
  }

  // Everything a failed call must leave untouched.
  std::string Snapshot() const {
    std::string s = *kernel_->GetWallet(kTenant, "agt_payer", "USD") + *kernel_->GetWallet(kTenant, "agt_payee", "USD");
    if (!hold_.empty()) s += kernel_->GetHold(kTenant, hold_)->value_or("");
    s += kernel_->GetCase(kTenant, ids::ToolCallCaseId(agreement_))->value_or("");
    s += Facts(R"("asOf":"2030-01-01T00:00:00.000Z","includeEvents":true)");  // no reputation event either
    EXPECT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
      auto v = ledger::Check(txn, kTenant);
      EXPECT_TRUE(v.ok() && v->empty());
      return absl::OkStatus();
    }).ok());
    return s;
  }

  void ExpectRefused(const absl::Status& status, absl::StatusCode code, std::string_view reason,
                     const std::string& before) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_EQ(StatusReason(status), reason) << status;
    EXPECT_EQ(Snapshot(), before);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Kernel> kernel_;
  crypto::PrivateKey payer_ = Key("payer"), payee_ = Key("payee"), arbiter_ = Key("arbiter"), other_ = Key("other");
  std::string agreement_ = crypto::Sha256Hex(std::string_view("t:agreement"));
  std::string receipt_ = crypto::Sha256Hex(std::string_view("t:receipt"));
  std::string hold_;
};

TEST_F(Transitions, LockHoldRefusals) {
  const std::string before = Snapshot();
  ExpectRefused(kernel_->LockHold(kTenant, LockRequest(200000), kT0, "k1").status(),
                absl::StatusCode::kFailedPrecondition, "LEDGER_INSUFFICIENT_FUNDS", before);
  ExpectRefused(kernel_->LockHold(kTenant, LockRequest(10000, "agt_payer"), kT0, "k2").status(),
                absl::StatusCode::kInvalidArgument, "TOOL_CALL_PARTIES_INVALID", before);
  ExpectRefused(kernel_->LockHold(kTenant, R"({"agreementHash":"x","amountCents":5,"holdbackBps":20000})", kT0, "k3").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->LockHold(kTenant, LockRequest(), kT0, "").status(), absl::StatusCode::kInvalidArgument,
                "IDEMPOTENCY_KEY_INVALID", before);
  ExpectRefused(kernel_->LockHold(kTenant, LockRequest(), "2026-03-01T00:00:00", "k4").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->LockHold(kTenant, "[1]", kT0, "k5").status(), absl::StatusCode::kInvalidArgument,
                "SCHEMA_INVALID", before);
  hold_ = Lock();
  const std::string locked = Snapshot();
  ExpectRefused(kernel_->LockHold(kTenant, LockRequest(), kT0, "lock_again").status(),
                absl::StatusCode::kFailedPrecondition, "TOOL_CALL_HOLD_EXISTS", locked);
}

TEST_F(Transitions, OpenDisputeRefusals) {
  hold_ = Lock();
  const std::string before = Snapshot();
  const std::string good = Envelope(hold_, payee_);
  const std::string missing_hold(64, 'e');
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(missing_hold, good), kT0, "o1").status(),
                absl::StatusCode::kNotFound, "HOLD_NOT_FOUND", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest("nothex", good), kT0, "o2").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good), "2026-03-01T00:00:00.801Z", "o3").status(),
                absl::StatusCode::kFailedPrecondition, "DISPUTE_WINDOW_EXPIRED", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good, "agt_payee", R"(,"caseId":"arb_case_other")"), kT0, "o4").status(),
                absl::StatusCode::kInvalidArgument, "CASE_ID_NOT_DETERMINISTIC", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, ""), kT0, "o5").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, other_, "agt_other"), "agt_other"), kT0, "o6").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  // Signed by a key other than the opener's registered one.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, other_)), kT0, "o7").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  // The envelope names the payee, the request the payer.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good, "agt_payer"), kT0, "o8").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  // A tampered envelope (hash no longer matches): the signature over the recomputed hash fails.
  std::string tampered = good;
  tampered.replace(tampered.find("TOOL_CALL_DISPUTE"), 17, "TOOL_CALL_DISPUTX");
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, tampered), kT0, "o9").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  std::string no_summary = OpenRequest(hold_, good);
  no_summary.replace(no_summary.find(R"("summary":"dispute")"), 19, R"("summary":"")");
  ExpectRefused(kernel_->OpenDispute(kTenant, no_summary, kT0, "o10").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  std::string unknown_arbiter = OpenRequest(hold_, good);
  unknown_arbiter.replace(unknown_arbiter.find("agt_arbiter"), 11, "agt_nobody_");
  ExpectRefused(kernel_->OpenDispute(kTenant, unknown_arbiter, kT0, "o11").status(), absl::StatusCode::kNotFound,
                "AGENT_NOT_FOUND", before);
  std::string wrong_receipt = OpenRequest(hold_, good);
  wrong_receipt.replace(wrong_receipt.find(receipt_), 64, std::string(64, 'a'));
  ExpectRefused(kernel_->OpenDispute(kTenant, wrong_receipt, kT0, "o12").status(), absl::StatusCode::kInvalidArgument,
                "TOOL_CALL_DISPUTE_BINDING_MISMATCH", before);
  // Finally the good one opens.
  EXPECT_TRUE(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good), kT0, "o_ok").ok());
}

// 04 §4 / 02 "arbiter assignment": the arbiter drawn from a panel. The expected draw is
// recomputed here from the digest's formula over a hand-written canonical basis.
TEST_F(Transitions, ArbiterDrawnFromAPanel) {
  for (const char* id : {"agt_panel_c", "agt_panel_a"}) {
    ASSERT_TRUE(kernel_->RegisterAgent(kTenant, id, Key(id).public_key().ToPem()).ok());
  }
  hold_ = Lock();
  const std::string good = Envelope(hold_, payee_);
  auto with_arbiter = [&](const std::string& member) {
    std::string r = OpenRequest(hold_, good);
    r.replace(r.find(R"("arbiterAgentId":"agt_arbiter")"), 30, member);
    return r;
  };
  const std::string before = Snapshot();
  // Refusals: both members, neither, an empty or oversized panel, a bad candidate, and a draw
  // that lands on an unregistered agent (a panel of one).
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("arbiterAgentId":"agt_arbiter","panelCandidateAgentIds":["agt_panel_a"])"), kT0, "p1").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("priority":"normal")"), kT0, "p2").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("panelCandidateAgentIds":[])"), kT0, "p3").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  std::string big = R"("panelCandidateAgentIds":[)";
  for (size_t i = 0; i <= kPanelCandidatesMax; ++i) big += (i ? ",\"agt_" : "\"agt_") + std::to_string(i) + "\"";
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(big + "]"), kT0, "p4").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("panelCandidateAgentIds":["agt_panel_a",7])"), kT0, "p5").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("panelCandidateAgentIds":["  "])"), kT0, "p6").status(),
                absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("panelCandidateAgentIds":["agt_ghost"])"), kT0, "p7").status(),
                absl::StatusCode::kNotFound, "AGENT_NOT_FOUND", before);
  // Nobody judges their own dispute: the payer, the payee (here also the opener) may be neither
  // the named arbiter nor a candidate of the panel, wherever the draw would land.
  for (const char* member : {R"("arbiterAgentId":"agt_payer")", R"("arbiterAgentId":"agt_payee")",
                             R"("panelCandidateAgentIds":["agt_panel_a"," agt_payer "])",
                             R"("panelCandidateAgentIds":["agt_payee","agt_panel_a","agt_panel_c"])"}) {
    ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(member), kT0, std::string("pp_") + member).status(),
                  absl::StatusCode::kInvalidArgument, "DISPUTE_ARBITER_IS_PARTY", before);
  }

  // Untrimmed, duplicated and unsorted in; trimmed, unique and sorted in the case.
  auto opened = kernel_->OpenDispute(
      kTenant, with_arbiter(R"("panelCandidateAgentIds":[" agt_panel_c","agt_arbiter","agt_panel_a ","agt_panel_c"])"),
      kT0, "p_ok");
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::vector<std::string> sorted = {"agt_arbiter", "agt_panel_a", "agt_panel_c"};
  const std::string basis = R"({"disputeId":")" + ids::ToolCallDisputeId(agreement_) +
                            R"(","panelCandidateAgentIds":["agt_arbiter","agt_panel_a","agt_panel_c"],"runId":")" +
                            ids::ToolCallRunId(agreement_) + R"(","tenantId":")" + kTenant + R"("})";
  const std::string assignment = crypto::Sha256Hex(std::string_view(basis));
  const std::string expected = sorted[std::stoul(assignment.substr(0, 8), nullptr, 16) % sorted.size()];
  EXPECT_EQ(Field(opened->json, "arbitrationCase.arbiterAgentId"), expected);
  EXPECT_EQ(Field(opened->json, "arbitrationCase.metadata.assignmentHash"), assignment);
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_EQ(Field(opened->json, "arbitrationCase.metadata.panelCandidateAgentIds." + std::to_string(i)), sorted[i]);
  }
  EXPECT_EQ(Field(opened->json, "arbitrationCase.metadata.panelCandidateAgentIds.3"), "");
  // The same panel in another order draws the same arbiter (a retry under a new key is refused
  // because the case is open, which shows the draw does not depend on the input order).
  ExpectRefused(kernel_->OpenDispute(kTenant, with_arbiter(R"("panelCandidateAgentIds":["agt_panel_a","agt_panel_c","agt_arbiter"])"), kT0, "p_again").status(),
                absl::StatusCode::kFailedPrecondition, "DISPUTE_ALREADY_OPEN", Snapshot());
}

// 04 §4: an operator's override opens a case after the window, without an envelope, for a
// claimant who is not a party; metadata.override records it. A verdict then closes it.
TEST_F(Transitions, AdminOverrideOpensWithoutEnvelopeAfterTheWindow) {
  hold_ = Lock();
  const std::string late = "2026-03-01T00:00:05.000Z";  // the 800 ms window has passed
  const std::string before = Snapshot();
  const std::string over = R"(,"adminOverride":{"reason":" customer escalation ","principalId":"ops_alice"})";
  for (const char* bad : {R"(,"adminOverride":{"reason":"","principalId":"ops_alice"})",
                          R"(,"adminOverride":{"reason":"r"})",
                          R"(,"adminOverride":{"reason":"r","principalId":"ops_alice","scope":"x"})",
                          R"(,"adminOverride":true)"}) {
    ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, "", "agt_operator", bad), late, std::string("a_") + bad).status(),
                  absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  }
  // Without the override, the same request is refused.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, payee_)), late, "a_plain").status(),
                absl::StatusCode::kFailedPrecondition, "DISPUTE_WINDOW_EXPIRED", before);
  // An envelope given with an override is still checked in full.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, other_), "agt_payee", over), late, "a_env").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);

  auto opened = kernel_->OpenDispute(kTenant, OpenRequest(hold_, "", "agt_operator", over), late, "a_ok");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(Field(opened->json, "arbitrationCase.metadata.override.enabled"), "true");
  EXPECT_EQ(Field(opened->json, "arbitrationCase.metadata.override.reason"), "customer escalation");
  EXPECT_EQ(Field(opened->json, "arbitrationCase.metadata.override.openedByPrincipalId"), "ops_alice");
  EXPECT_EQ(Field(opened->json, "arbitrationCase.claimantAgentId"), "agt_operator");
  EXPECT_EQ(Field(opened->json, "arbitrationCase.respondentAgentId"), "agt_payee");
  EXPECT_EQ(opened->json.find("disputeOpenEnvelope"), std::string::npos);
  // The hold is frozen: the tick after the window reports it blocked.
  auto tick = kernel_->RunHoldbackMaintenance(kTenant, late, false, 10);
  ASSERT_TRUE(tick.ok()) << tick.status();
  EXPECT_EQ(Field(tick->json, "blocked"), "1");
  auto verdict = kernel_->SubmitVerdict(kTenant, ids::ToolCallCaseId(agreement_), Verdict(100, arbiter_), late, "v");
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_EQ(Field(kernel_->GetHold(kTenant, hold_)->value_or("{}"), "status"), "released");
}

// 05 §5: a hold that pinned its request hash (the execution intent's requestFingerprint) needs
// that hash as evidence to open a dispute; the verdict re-checks the merged evidence.
TEST_F(Transitions, RequestHashBindingEvidence) {
  const std::string request = crypto::Sha256Hex(std::string_view("t:request"));
  std::string lock = LockRequest();
  lock.insert(lock.size() - 1, R"(,"executionIntent":{"intentId":"intent_t","requestFingerprint":{"requestSha256":")" +
                                   request + R"("},"idempotencyKey":"lock","createdAt":")" + kT0 +
                                   R"(","expiresAt":"2026-03-01T00:10:00.000Z"})");
  auto locked = kernel_->LockHold(kTenant, lock, kT0, "lock");
  ASSERT_TRUE(locked.ok()) << locked.status();
  hold_ = Field(locked->json, "hold.holdHash");
  ASSERT_EQ(Field(locked->json, "hold.metadata.executionIntent.requestFingerprint.requestSha256"), request);
  const std::string good = Envelope(hold_, payee_);
  const std::string before = Snapshot();
  const std::string other = crypto::Sha256Hex(std::string_view("t:other"));
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good), kT0, "b1").status(),
                absl::StatusCode::kInvalidArgument, "X402_TOOL_CALL_OPEN_BINDING_EVIDENCE_REQUIRED", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good, "agt_payee", R"(,"evidenceRefs":["ipfs:x"])"), kT0, "b2").status(),
                absl::StatusCode::kInvalidArgument, "X402_TOOL_CALL_OPEN_BINDING_EVIDENCE_REQUIRED", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good, "agt_payee", R"(,"evidenceRefs":["http:request_sha256:)" + other + R"("])"), kT0, "b3").status(),
                absl::StatusCode::kInvalidArgument, "X402_TOOL_CALL_OPEN_BINDING_EVIDENCE_MISMATCH", before);
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, good, "agt_payee", R"(,"evidenceRefs":["http:request_sha256:)" + request +
                                                                                     R"(","http:request_sha256:)" + other + R"("])"),
                                     kT0, "b4").status(),
                absl::StatusCode::kInvalidArgument, "X402_TOOL_CALL_OPEN_BINDING_EVIDENCE_MISMATCH", before);
  // An operator's override is bound by the same evidence.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, "", "agt_operator", R"(,"adminOverride":{"reason":"r","principalId":"ops"})"), kT0, "b5").status(),
                absl::StatusCode::kInvalidArgument, "X402_TOOL_CALL_OPEN_BINDING_EVIDENCE_REQUIRED", before);
  // The request's hash (untrimmed, beside other evidence) opens the case, and the verdict,
  // whose evidence merges with the case's, closes it.
  auto opened = kernel_->OpenDispute(
      kTenant, OpenRequest(hold_, good, "agt_payee", R"(,"evidenceRefs":["ipfs:x"," http:request_sha256:)" + request + R"( "])"),
      kT0, "b_ok");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(Field(opened->json, "arbitrationCase.evidenceRefs.1"), "http:request_sha256:" + request);
  auto verdict = kernel_->SubmitVerdict(kTenant, ids::ToolCallCaseId(agreement_), Verdict(0, arbiter_), kT0, "v");
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_EQ(Field(kernel_->GetHold(kTenant, hold_)->value_or("{}"), "status"), "refunded");
}

// Agent lifecycle (AgentIdentity.v1 status) and the participant guards it feeds.
TEST_F(Transitions, AgentLifecycle) {
  const std::string t1 = "2026-03-01T00:00:00.050Z", t2 = "2026-03-01T00:00:00.150Z";
  // Refusals change nothing.
  std::string before = Snapshot();
  const std::string status_before = **kernel_->GetAgentStatus(kTenant, "agt_payee");
  EXPECT_EQ(Field(status_before, "status"), "active");
  EXPECT_FALSE(kernel_->GetAgentStatus(kTenant, "agt_nobody")->has_value());
  ExpectRefused(kernel_->SetAgentStatus(kTenant, "agt_nobody", R"({"status":"suspended"})", t1, "s0").status(),
                absl::StatusCode::kNotFound, "AGENT_NOT_FOUND", before);
  for (const char* bad : {R"({"status":"paused"})", R"({})", R"({"status":"suspended","why":"x"})",
                          R"({"status":"suspended","reason":7})"}) {
    ExpectRefused(kernel_->SetAgentStatus(kTenant, "agt_payee", bad, t1, std::string("s_") + bad).status(),
                  absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", before);
  }
  ExpectRefused(kernel_->SetAgentStatus(kTenant, "agt_payee", R"({"status":"active"})", t1, "s1").status(),
                absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL", before);
  EXPECT_EQ(**kernel_->GetAgentStatus(kTenant, "agt_payee"), status_before);

  // A suspended payee blocks the lock; reactivated, the lock goes through.
  auto suspended = kernel_->SetAgentStatus(kTenant, "agt_payee", R"({"status":"suspended","reason":" review "})", t1, "s2");
  ASSERT_TRUE(suspended.ok()) << suspended.status();
  EXPECT_EQ(Field(suspended->json, "history.0.reason"), "review");
  before = Snapshot();
  ExpectRefused(kernel_->LockHold(kTenant, LockRequest(), t1, "lock_s").status(), absl::StatusCode::kFailedPrecondition,
                "AGENT_SUSPENDED", before);
  ExpectRefused(kernel_->SetAgentStatus(kTenant, "agt_payee", R"({"status":"active"})", kT0, "s3").status(),
                absl::StatusCode::kFailedPrecondition, "AGENT_STATUS_TIME_REGRESSION", before);
  ASSERT_TRUE(kernel_->SetAgentStatus(kTenant, "agt_payee", R"({"status":"active"})", t2, "s4").ok());
  auto locked = kernel_->LockHold(kTenant, LockRequest(), t2, "lock");
  ASSERT_TRUE(locked.ok()) << locked.status();
  hold_ = Field(locked->json, "hold.holdHash");

  // The envelope says it was signed at 0.100, while the payee was suspended (0.050-0.150): its
  // signature does not count, although the payee is active again now.
  before = Snapshot();
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, payee_)), "2026-03-01T00:00:00.200Z", "o1").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  // A revoked arbiter blocks the open; revoked is final.
  ASSERT_TRUE(kernel_->SetAgentStatus(kTenant, "agt_other", R"({"status":"revoked"})", t2, "s5").ok());
  ExpectRefused(kernel_->SetAgentStatus(kTenant, "agt_other", R"({"status":"active"})", t2, "s6").status(),
                absl::StatusCode::kFailedPrecondition, "TRANSITION_ILLEGAL", Snapshot());
  std::string with_other = OpenRequest(hold_, Envelope(hold_, payee_, "agt_payee", "2026-03-01T00:00:00.160Z"));
  with_other.replace(with_other.find("agt_arbiter"), 11, "agt_other");
  ExpectRefused(kernel_->OpenDispute(kTenant, with_other, "2026-03-01T00:00:00.200Z", "o2").status(),
                absl::StatusCode::kFailedPrecondition, "AGENT_REVOKED", before);
  // Signed after the reactivation: the case opens.
  auto opened = kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, payee_, "agt_payee", "2026-03-01T00:00:00.160Z")),
                                     "2026-03-01T00:00:00.200Z", "o3");
  ASSERT_TRUE(opened.ok()) << opened.status();
  // The arbiter suspended at 0.300: a verdict it dates 0.500 is not its signature; reactivated,
  // the same verdict is still dated inside the suspension; a suspended arbiter blocks any verdict.
  ASSERT_TRUE(kernel_->SetAgentStatus(kTenant, "agt_arbiter", R"({"status":"suspended"})", "2026-03-01T00:00:00.300Z", "s7").ok());
  before = Snapshot();
  ExpectRefused(kernel_->SubmitVerdict(kTenant, ids::ToolCallCaseId(agreement_), Verdict(100, arbiter_), "2026-03-01T00:00:00.600Z", "v1").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  ASSERT_TRUE(kernel_->SetAgentStatus(kTenant, "agt_arbiter", R"({"status":"active"})", "2026-03-01T00:00:00.700Z", "s8").ok());
  ExpectRefused(kernel_->SubmitVerdict(kTenant, ids::ToolCallCaseId(agreement_), Verdict(100, arbiter_), "2026-03-01T00:00:00.800Z", "v2").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", Snapshot());
  EXPECT_EQ(Field(**kernel_->GetAgentStatus(kTenant, "agt_arbiter"), "history.1.status"), "active");
}

TEST_F(Transitions, VerdictRefusals) {
  hold_ = Lock();
  const std::string case_id = ids::ToolCallCaseId(agreement_);
  ExpectRefused(kernel_->SubmitVerdict(kTenant, case_id, Verdict(100, arbiter_), kT0, "v0").status(),
                absl::StatusCode::kNotFound, "CASE_NOT_FOUND", Snapshot());
  ASSERT_TRUE(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, payee_)), kT0, "open").ok());
  const std::string before = Snapshot();
  ExpectRefused(kernel_->SubmitVerdict(kTenant, case_id, Verdict(50, arbiter_), kT0, "v1").status(),
                absl::StatusCode::kInvalidArgument, "TOOL_CALL_VERDICT_NOT_BINARY", before);
  ExpectRefused(kernel_->SubmitVerdict(kTenant, case_id, Verdict(100, other_), kT0, "v2").status(),
                absl::StatusCode::kInvalidArgument, "DISPUTE_INVALID_SIGNER", before);
  ExpectRefused(kernel_->SubmitVerdict(kTenant, "arb_case_tc_other", Verdict(100, arbiter_), kT0, "v3").status(),
                absl::StatusCode::kNotFound, "CASE_NOT_FOUND", before);
  ExpectRefused(kernel_->SubmitVerdict(kTenant, case_id, "{", kT0, "v4").status(), absl::StatusCode::kInvalidArgument,
                "JSON_SYNTAX", before);
  // The good verdict settles; any later verdict replays the one adjustment.
  auto ok = kernel_->SubmitVerdict(kTenant, case_id, Verdict(0, arbiter_), kT0, "v_ok");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Field(ok->json, "settlementAdjustment.kind"), "holdback_refund");
  // The payer won: the payee's record gains dispute_opened, verdict_issued, penalty_dispute_lost
  // and adjustment_applied (the refund), in time order (ties by eventId).
  const std::string facts = Facts(R"("asOf":"2030-01-01T00:00:00Z","includeEvents":true)");
  EXPECT_EQ(Field(facts, "facts.totals.eventCount"), "4");
  EXPECT_EQ(Field(facts, "facts.totals.disputes.payerWin"), "1");
  EXPECT_EQ(Field(facts, "facts.totals.economics.refundedCents"), "2000");
  EXPECT_EQ(Field(facts, "facts.totals.economics.adjustmentAppliedCents"), "2000");
  EXPECT_EQ(Field(facts, "events.0.eventKind"), "dispute_opened");
  EXPECT_EQ(Field(facts, "events.0.facts.openedByRole"), "payee");
  EXPECT_THAT(Field(facts, "events.1.eventId"), ::testing::StartsWith("rep_adj_"));
  EXPECT_THAT(Field(facts, "events.2.eventId"), ::testing::StartsWith("rep_pen_"));
  EXPECT_THAT(Field(facts, "events.3.eventId"), ::testing::StartsWith("rep_vrd_"));
  const std::string settled = Snapshot();
  auto different = kernel_->SubmitVerdict(kTenant, case_id, Verdict(100, arbiter_), kT0, "v_later");
  ASSERT_TRUE(different.ok());
  EXPECT_EQ(Field(different->json, "settlementAdjustment.kind"), "holdback_refund");
  EXPECT_EQ(Snapshot(), settled);
  // A closed case's hold is no longer held: a new dispute cannot open.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, payee_)), kT0, "reopen").status(),
                absl::StatusCode::kFailedPrecondition, "HOLD_NOT_ACTIVE", settled);
}

TEST_F(Transitions, AutoReleaseOnlyAfterTheWindowAndOnce) {
  hold_ = Lock();
  // Not before the window has strictly passed (createdAt + 800 ms).
  auto early = kernel_->RunHoldbackMaintenance(kTenant, "2026-03-01T00:00:00.800Z", false, 10);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(Field(early->json, "released"), "0");
  // A dry run reports without moving money.
  const std::string before = Snapshot();
  auto dry = kernel_->RunHoldbackMaintenance(kTenant, "2026-03-01T00:00:00.801Z", true, 10);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(Snapshot(), before);
  auto tick = kernel_->RunHoldbackMaintenance(kTenant, "2026-03-01T00:00:00.801Z", false, 10);
  ASSERT_TRUE(tick.ok());
  EXPECT_EQ(Field(tick->json, "released"), "1");
  EXPECT_EQ(Field(**kernel_->GetHold(kTenant, hold_), "status"), "released");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_payee", "USD"), R"({"available":2000,"escrow":0})");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_payer", "USD"), R"({"available":23000,"escrow":0})");
  auto again = kernel_->RunHoldbackMaintenance(kTenant, "2026-03-01T00:00:09.000Z", false, 10);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Field(again->json, "attempted"), "0");
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_payee", "USD"), R"({"available":2000,"escrow":0})");
  // And a verdict can no longer move it: there is no case, and opening one is too late.
  ExpectRefused(kernel_->OpenDispute(kTenant, OpenRequest(hold_, Envelope(hold_, payee_)), "2026-03-01T00:00:00.100Z", "late").status(),
                absl::StatusCode::kFailedPrecondition, "HOLD_NOT_ACTIVE", Snapshot());
  EXPECT_EQ(StatusReason(kernel_->RunHoldbackMaintenance(kTenant, kT0, false, 0).status()), "SCHEMA_INVALID");
}

TEST_F(Transitions, ReputationOfAnAutoRelease) {
  hold_ = Lock();
  EXPECT_EQ(Field(Facts(R"("asOf":"2030-01-01T00:00:00Z")"), "facts.totals.eventCount"), "0");
  ASSERT_TRUE(kernel_->RunHoldbackMaintenance(kTenant, "2026-03-01T00:00:00.801Z", false, 10).ok());
  const std::string facts = Facts(R"("toolId":"tool_call","asOf":"2026-03-01T00:00:00.801Z","includeEvents":true)");
  EXPECT_EQ(Field(facts, "events.0.eventId"), "rep_rel_" + agreement_);
  EXPECT_EQ(Field(facts, "events.0.eventKind"), "holdback_auto_released");
  EXPECT_EQ(Field(facts, "events.0.occurredAt"), "2026-03-01T00:00:00.801Z");
  EXPECT_EQ(Field(facts, "events.0.subject.counterpartyAgentId"), "agt_payer");
  EXPECT_EQ(Field(facts, "events.0.sourceRef.holdHash"), hold_);
  EXPECT_EQ(Field(facts, "facts.totals.eventCount"), "1");
  EXPECT_EQ(Field(facts, "facts.totals.economics.autoReleasedCents"), "2000");
  EXPECT_EQ(Field(facts, "facts.totals.economics.settledCents"), "2000");
  EXPECT_EQ(Field(facts, "facts.totals.economics.adjustmentAppliedCents"), "0");
  EXPECT_EQ(Field(facts, "facts.totals.disputes.rate"), "null");  // no decisions to divide by
  EXPECT_EQ(Field(facts, "facts.totals.latencyMs.p50"), "null");
  EXPECT_EQ(Field(facts, "windowStartAt"), "null");
  // Window edges: asOf - window < occurredAt <= asOf.
  auto count = [&](const std::string& extra) { return Field(Facts(extra), "facts.totals.eventCount"); };
  EXPECT_EQ(count(R"("asOf":"2026-03-01T00:00:00.800Z")"), "0");
  EXPECT_EQ(count(R"("window":"7d","asOf":"2026-03-08T00:00:00.800Z")"), "1");
  EXPECT_EQ(count(R"("window":"7d","asOf":"2026-03-08T00:00:00.801Z")"), "0");
  EXPECT_EQ(count(R"("window":"30d","asOf":"2026-03-08T00:00:00.801Z")"), "1");
  EXPECT_EQ(count(R"("window":"30d","asOf":"2026-03-31T00:00:00.801Z")"), "0");
  // An offset is a time like any other: 01:00:00.801+01:00 is the event's instant.
  EXPECT_EQ(count(R"("asOf":"2026-03-01T01:00:00.801+01:00")"), "1");
  EXPECT_EQ(Field(Facts(R"("window":"7d","asOf":"2026-03-08T00:00:00.800Z")"), "windowStartAt"),
            "2026-03-01T00:00:00.800Z");
  // Filters: another tool, the payer (not the subject), another tenant.
  EXPECT_EQ(count(R"("toolId":"tool_other","asOf":"2030-01-01T00:00:00Z")"), "0");
  EXPECT_EQ(count(R"("toolId":null,"asOf":"2030-01-01T00:00:00Z")"), "1");
  EXPECT_EQ(Field(Facts(R"("asOf":"2030-01-01T00:00:00Z")", "agt_payer"), "facts.totals.eventCount"), "0");
  auto other = kernel_->ReputationFacts("tenant_u", R"({"agentId":"agt_payee","asOf":"2030-01-01T00:00:00Z"})");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Field(*other, "facts.totals.eventCount"), "0");
  // Bad requests: a typed error naming the member.
  for (const char* bad : {R"({"agentId":"agt_payee","asOf":"2030-01-01T00:00:00Z","limit":1})",
                          R"({"agentId":"agt_payee","asOf":"2030-01-01T00:00:00Z","window":"1d"})",
                          R"({"agentId":"agt_payee"})", R"({"agentId":"agt_payee","asOf":"2030-01-01T00:00:00"})",
                          R"({"agentId":"agt_payee","asOf":"2030-01-01T00:00:00Z","includeEvents":"yes"})",
                          R"({"agentId":"agt_payee","asOf":"2030-01-01T00:00:00Z","toolId":7})",
                          R"({"asOf":"2030-01-01T00:00:00Z"})", R"({"agentId":"a/b","asOf":"2030-01-01T00:00:00Z"})",
                          R"([])"}) {
    auto r = kernel_->ReputationFacts(kTenant, bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(StatusReason(r.status()), "SCHEMA_INVALID") << bad << " " << r.status();
  }
  EXPECT_EQ(StatusReason(kernel_->ReputationFacts(kTenant, "{").status()), "JSON_SYNTAX");
  EXPECT_EQ(StatusReason(kernel_->ReputationFacts("bad tenant", "{}").status()), "STORE_TENANT_INVALID");
}

TEST_F(Transitions, EscrowConservationIsCheckedInsideTheTransaction) {
  hold_ = Lock();
  auto audit = kernel_->CheckStore(kTenant);
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok) << audit->json;
  // Money moved into the payer's escrow behind the kernel's back (a raw ledger posting no record
  // accounts for): the next operation that moves this payer's escrow is refused inside its own
  // transaction, and nothing of it stays.
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) {
    return ledger::Post(txn, kTenant, ledger::Move("rogue", {"agt_payer", "USD", ledger::Bucket::kAvailable},
                                                   {"agt_payer", "USD", ledger::Bucket::kEscrow}, 5));
  }).ok());
  // The read-back audit (run after every write in the sanitizer build) sees it too.
  const absl::Status read_back = internal::ReadBack(*store_, kTenant);
  EXPECT_EQ(read_back.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(StatusReason(read_back), "INVARIANT_READBACK");
  EXPECT_THAT(std::string(read_back.message()), ::testing::HasSubstr("escrow agt_payer/USD: ledger holds 2005"));
  // A write that does not touch that payer's escrow still commits; where the library re-audits
  // after every commit (the sanitizer build of `make test`) it then reports the tenant's state.
  auto deposit = kernel_->Deposit(kTenant, "agt_payee", "USD", 1, "dep_readback");
  if (internal::ReadBackChecks()) {
    EXPECT_EQ(StatusReason(deposit.status()), "INVARIANT_READBACK") << deposit.status();
  } else {
    EXPECT_TRUE(deposit.ok()) << deposit.status();
  }
  const std::string before = *kernel_->StateHash(kTenant);
  auto tick = kernel_->RunHoldbackMaintenance(kTenant, "2026-03-01T00:00:01.000Z", false, 10);
  EXPECT_EQ(tick.status().code(), absl::StatusCode::kInternal) << tick.status();
  EXPECT_EQ(StatusReason(tick.status()), "INVARIANT_ESCROW_CONSERVATION");
  EXPECT_THAT(std::string(tick.status().message()), ::testing::HasSubstr("the ledger holds 5, the kernel's records account for 0"));
  EXPECT_EQ(*kernel_->StateHash(kTenant), before);
  EXPECT_EQ(Field(**kernel_->GetHold(kTenant, hold_), "status"), "held");
  audit = kernel_->CheckStore(kTenant);
  ASSERT_TRUE(audit.ok());
  EXPECT_FALSE(audit->ok);
  EXPECT_THAT(audit->json, ::testing::HasSubstr("escrow agt_payer/USD: ledger holds 2005"));
  // A count edited in the store is an audit violation of its own.
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) {
    return txn.Put(store::Table::kIndex, kTenant, "escrow_count/agt_payer/USD", "7");
  }).ok());
  audit = kernel_->CheckStore(kTenant);
  ASSERT_TRUE(audit.ok());
  EXPECT_THAT(audit->json, ::testing::HasSubstr("escrow count agt_payer/USD: the write path counted 7"));
}

TEST_F(Transitions, AgentsAndDeposits) {
  EXPECT_TRUE(kernel_->RegisterAgent(kTenant, "agt_payer", payer_.public_key().ToPem())->already_existed);
  EXPECT_EQ(StatusReason(kernel_->RegisterAgent(kTenant, "agt_payer", other_.public_key().ToPem()).status()),
            "AGENT_KEY_CONFLICT");
  EXPECT_EQ(StatusReason(kernel_->RegisterAgent(kTenant, "a", other_.public_key().ToPem()).status()), "SCHEMA_INVALID");
  EXPECT_EQ(StatusReason(kernel_->RegisterAgent(kTenant, "agt_x", "not a pem").status()), "KEY_INVALID_PEM");
  auto replay = kernel_->Deposit(kTenant, "agt_payer", "USD", 25000, "dep");
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->already_existed);
  EXPECT_EQ(*kernel_->GetWallet(kTenant, "agt_payer", "USD"), R"({"available":25000,"escrow":0})");
  EXPECT_EQ(StatusReason(kernel_->Deposit(kTenant, "agt_payer", "USD", 1, "dep").status()), "IDEMPOTENCY_KEY_CONFLICT");
  EXPECT_EQ(StatusReason(kernel_->Deposit(kTenant, "agt_payer", "USD", 0, "dep0").status()), "SCHEMA_INVALID");
  // Another tenant sees nothing of this one.
  EXPECT_EQ(*kernel_->GetWallet("tenant_u", "agt_payer", "USD"), R"({"available":0,"escrow":0})");
  EXPECT_EQ(StatusReason(kernel_->LockHold("tenant_u", LockRequest(), kT0, "x").status()), "LEDGER_INSUFFICIENT_FUNDS");
}

}  // namespace
}  // namespace nooterra::agreement
