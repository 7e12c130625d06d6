// The deterministic id formulas, checked against ids the protocol vectors carry.
#include <gtest/gtest.h>

#include "nooterra/ids.h"
#include "objects/object_fixture.h"

namespace nooterra::ids {
namespace {

using testing::ProtocolVectors;
using testing::StringMember;

json::Value Vector(std::string_view name) { return ProtocolVectors().root().Find(name); }

json::Value Object(std::string_view name, json::Document* holder) {
  auto doc = json::Document::Parse(StringMember(Vector(name), "canonicalJson"));
  EXPECT_TRUE(doc.ok()) << name;
  *holder = std::move(*doc);
  return holder->root();
}

TEST(Ids, MatchTheProtocolVectors) {
  json::Document d1, d2, d3, d4, d5, d6;
  json::Value envelope = Object("disputeOpenEnvelope", &d1);
  const std::string h = StringMember(envelope, "agreementHash");
  EXPECT_EQ(DisputeOpenEnvelopeId(h), StringMember(envelope, "envelopeId"));
  EXPECT_EQ(ToolCallCaseId(h), StringMember(envelope, "caseId"));

  json::Value wallet = Object("agentWallet", &d2);
  EXPECT_EQ(WalletId(StringMember(wallet, "agentId")), StringMember(wallet, "walletId"));

  json::Value settlement = Object("agentRunSettlement", &d3);
  EXPECT_EQ(RunSettlementId(StringMember(settlement, "runId")), StringMember(settlement, "settlementId"));

  json::Value offer = Object("marketplaceOffer", &d4);
  EXPECT_EQ(OfferId(StringMember(offer, "rfqId"), StringMember(offer, "bidId"),
                    StringMember(offer, "proposalId"), 2),
            StringMember(offer, "offerId"));
  EXPECT_EQ(OfferId("rfq_1", "bid_1", "", 3), "ofr_rfq_1_bid_1_r3");

  json::Value acceptance = Object("marketplaceAcceptance", &d5);
  EXPECT_EQ(AcceptanceId(StringMember(acceptance, "agreementId"), "x", "y"),
            StringMember(acceptance, "acceptanceId"));
  EXPECT_EQ(AcceptanceId("", "rfq_1", "bid_1"), "acc_rfq_1_bid_1");

  json::Value event = Object("reputationEvent", &d6);
  EXPECT_EQ(DecisionReputationEventId(StringMember(event.Find("sourceRef"), "decisionHash")),
            StringMember(event, "eventId"));
}

TEST(Ids, ToolCallFamilyAndArtifacts) {
  const std::string h(64, 'a');
  EXPECT_EQ(ToolCallRunId(h), "tc_" + h);
  EXPECT_EQ(ToolCallDisputeId(h), "disp_tc_" + h);
  EXPECT_EQ(ToolCallSettlementId(h), "setl_tc_" + h);
  EXPECT_EQ(HoldbackAdjustmentId(h), "sadj_agmt_" + h + "_holdback");
  EXPECT_EQ(CaseArtifactId("arb_case_tc_x", 1), "arbitration_case_arb_case_tc_x");
  EXPECT_EQ(CaseArtifactId("arb_case_tc_x", 2), "arbitration_case_arb_case_tc_x_r2");
  EXPECT_EQ(VerdictArtifactId("avd_1"), "arbitration_verdict_avd_1");
  EXPECT_EQ(EscrowHoldOperationId("a", "r"), "escrow_hold_tc_a_r");
  EXPECT_EQ(EscrowJournalEntryId("t", "op"), "escrow:t:op");
  EXPECT_EQ(RunDisputeId("run_1"), "dsp_run_1");
  // avd_ + the first 16 hex digits of sha256("conf:<caseId>:<issuedAt>").
  EXPECT_EQ(ConformanceVerdictId("c", "t"),
            "avd_" + crypto::Sha256Hex(std::string_view("conf:c:t")).substr(0, 16));
}

}  // namespace
}  // namespace nooterra::ids
