// conformance/kernel-v0, the tool-call holdback dispute cases, in process
// (../shared/protocol/kernel/07-kernel-v0-conformance.md, case kind A, steps 1-11), with every
// assertion the reference runner makes plus the "expected (derivable)" state.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/js.h"
#include "nooterra/agreement.h"
#include "nooterra/ids.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/reference.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using objects::ObjectType;

constexpr char kTenant[] = "tenant_default";
constexpr char kT0[] = "2026-02-01T00:00:00.000Z";

crypto::PrivateKey Key(std::string_view name) {
  return *crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view(name)));
}

json::Document Json(const std::string& text) {
  auto doc = json::Document::Parse(text);
  EXPECT_TRUE(doc.ok()) << text;
  return doc.ok() ? std::move(*doc) : *json::Document::Parse("{}");
}

std::string Str(json::Value v, std::string_view path) {
  while (true) {
    const size_t dot = path.find('.');
    if (dot == std::string_view::npos) break;
    v = v.Find(path.substr(0, dot));
    path = path.substr(dot + 1);
  }
  json::Value m = v.Find(path);
  return m.is_string() ? std::string(m.as_string()) : std::string();
}

double Num(json::Value v, std::string_view key) {
  json::Value m = v.Find(key);
  return m.is_number() ? m.as_number() : -1;
}

// artifactHash == sha256(canonical(artifact minus artifactHash)).
bool ArtifactHashHolds(const std::string& artifact) {
  auto doc = json::Document::Parse(artifact);
  if (!doc.ok()) return false;
  const std::string_view omit[] = {"artifactHash"};
  json::CanonicalOptions options;
  options.omit_members = omit;
  auto digest = json::CanonicalDigest(doc->root(), options);
  return digest.ok() && crypto::HexEncode(crypto::Bytes(digest->data(), 32)) == Str(doc->root(), "artifactHash");
}

struct Case {
  std::string id;
  std::string verdict;  // "payee" | "payer"
};

std::vector<Case> ToolCallCases() {
  std::vector<Case> out;
  auto doc = json::Document::Parse(testing::ReadReference("conformance/kernel-v0/cases.json"));
  if (!doc.ok()) return out;
  json::Value cases = doc->root().Find("cases");
  for (size_t i = 0; i < cases.size(); ++i) {
    if (Str(cases.at(i), "kind") == "tool_call_holdback_dispute") {
      out.push_back({Str(cases.at(i), "id"), Str(cases.at(i), "verdict")});
    }
  }
  return out;
}

std::string Text(json::Value v) {
  std::string out;
  EXPECT_TRUE(json::AppendCanonical(v, &out).ok());
  return out;
}

// Step 9's call, parsed.
json::Document ReplayEvaluate(const Kernel& kernel, const std::string& agreement) {
  auto r = kernel.ReplayEvaluateToolCall(kTenant, agreement);
  EXPECT_TRUE(r.ok()) << r.status();
  return Json(r.ok() ? *r : std::string("{}"));
}

class KernelV0 : public ::testing::TestWithParam<Case> {};

TEST_P(KernelV0, ToolCallHoldbackDispute) {
  const Case& c = GetParam();
  const std::string sfx = c.id;
  const bool payer_wins = c.verdict == "payer";
  testing::TempDir dir;
  store::Options options;
  options.durable = false;
  auto store = store::Store::Open(dir.sub("s"), options);
  ASSERT_TRUE(store.ok()) << store.status();
  Kernel kernel(store->get());

  // Setup: three agents, their keys, 25000 for the payer.
  const std::string payer = "agt_conf_payer_" + sfx, payee = "agt_conf_payee_" + sfx,
                    arbiter = "agt_conf_arbiter_" + sfx;
  const crypto::PrivateKey payer_key = Key("payer" + sfx), payee_key = Key("payee" + sfx),
                           arbiter_key = Key("arbiter" + sfx);
  for (const auto& [id, key] : {std::pair{payer, &payer_key}, {payee, &payee_key}, {arbiter, &arbiter_key}}) {
    auto reg = kernel.RegisterAgent(kTenant, id, key->public_key().ToPem());
    ASSERT_TRUE(reg.ok()) << reg.status();
    EXPECT_EQ(Str(Json(reg->json).root(), "keyId"), key->public_key().KeyId());
  }
  ASSERT_TRUE(kernel.Deposit(kTenant, payer, "USD", 25000, "credit_" + sfx).ok());

  const std::string agreement = crypto::Sha256Hex("conf:tc:agreement:" + sfx);
  const std::string receipt = crypto::Sha256Hex("conf:tc:receipt:" + sfx);
  const std::string request_sha = crypto::Sha256Hex("conf:tc:request:" + sfx);
  const std::string intent_id = "intent_conf_" + sfx;

  // Step 1: lock the hold.
  const std::string lock_request =
      R"({"agreementHash":")" + agreement + R"(","receiptHash":")" + receipt +
      R"(","payerAgentId":")" + payer + R"(","payeeAgentId":")" + payee +
      R"(","amountCents":10000,"currency":"USD","holdbackBps":2000,"challengeWindowMs":800,"createdAt":")" +
      kT0 + R"(","executionIntent":{"schemaVersion":"ExecutionIntent.v1","intentId":")" + intent_id +
      R"(","requestFingerprint":{"requestSha256":")" + request_sha +
      R"("},"idempotencyKey":"lock_)" + sfx + R"(","createdAt":")" + kT0 +
      R"(","expiresAt":"2026-02-01T00:10:00.000Z"}})";
  auto locked = kernel.LockHold(kTenant, lock_request, kT0, "lock_" + sfx);
  ASSERT_TRUE(locked.ok()) << locked.status();
  json::Document lock_doc = Json(locked->json);
  json::Value hold = lock_doc.root().Find("hold");
  const std::string hold_hash = Str(hold, "holdHash");
  ASSERT_EQ(hold_hash.size(), 64u);
  EXPECT_EQ(Num(hold, "heldAmountCents"), 2000);
  EXPECT_EQ(Str(hold, "status"), "held");
  EXPECT_EQ(Num(hold, "revision"), 0);
  EXPECT_EQ(Str(hold, "metadata.executionIntent.requestFingerprint.requestSha256"), request_sha);
  EXPECT_EQ(*kernel.GetWallet(kTenant, payer, "USD"), R"({"available":23000,"escrow":2000})");
  // The same key and request replays; the same key with another request conflicts.
  auto replay = kernel.LockHold(kTenant, lock_request, kT0, "lock_" + sfx);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->already_existed);
  EXPECT_EQ(replay->json, locked->json);
  auto conflict = kernel.LockHold(kTenant, R"({"agreementHash":"x"})", kT0, "lock_" + sfx);
  EXPECT_EQ(StatusReason(conflict.status()), "IDEMPOTENCY_KEY_CONFLICT");

  // Step 9's evaluation before any dispute: nothing to expect of the hold, no adjustment allowed.
  {
    json::Document r = ReplayEvaluate(kernel, agreement);
    EXPECT_EQ(Str(r.root(), "replay.stage"), "no_dispute");
    EXPECT_TRUE(r.root().Find("replay").Find("expected").Find("adjustmentKind").is_null());
    EXPECT_TRUE(r.root().Find("comparisons").Find("chainConsistent").as_bool()) << Text(r.root());
    EXPECT_EQ(r.root().Find("issues").size(), 0u);
  }

  // Step 2: the opener signs a DisputeOpenEnvelope and opens the dispute.
  const std::string& opener = payer_wins ? payer : payee;
  const crypto::PrivateKey& opener_key = payer_wins ? payer_key : payee_key;
  const std::string open_at = "2026-02-01T00:00:00.100Z";
  const std::string case_id = ids::ToolCallCaseId(agreement);
  objects::BuildOptions sign;
  sign.signer = &opener_key;
  auto envelope = objects::Build(
      ObjectType::kDisputeOpenEnvelope,
      R"({"envelopeId":")" + ids::DisputeOpenEnvelopeId(agreement) + R"(","caseId":")" + case_id +
          R"(","tenantId":")" + kTenant + R"(","agreementHash":")" + agreement + R"(","receiptHash":")" +
          receipt + R"(","holdHash":")" + hold_hash + R"(","openedByAgentId":")" + opener +
          R"(","openedAt":")" + open_at + R"(","reasonCode":"TOOL_CALL_DISPUTE","nonce":"nonce_)" +
          crypto::Sha256Hex(agreement + ":" + opener).substr(0, 16) + R"(","signerKeyId":")" +
          opener_key.public_key().KeyId() + R"("})",
      sign);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  const std::string open_request =
      R"({"agreementHash":")" + agreement + R"(","receiptHash":")" + receipt + R"(","holdHash":")" +
      hold_hash + R"(","openedByAgentId":")" + opener + R"(","disputeOpenEnvelope":)" +
      envelope->canonical + R"(,"arbiterAgentId":")" + arbiter +
      R"(","summary":"Conformance dispute","evidenceRefs":["http:request_sha256:)" + request_sha + R"("]})";
  auto opened = kernel.OpenDispute(kTenant, open_request, open_at, "open_" + sfx);
  ASSERT_TRUE(opened.ok()) << opened.status();
  json::Document open_doc = Json(opened->json);
  json::Value kase = open_doc.root().Find("arbitrationCase");
  EXPECT_EQ(Str(kase, "caseId"), case_id);
  EXPECT_EQ(Str(kase, "disputeId"), ids::ToolCallDisputeId(agreement));
  EXPECT_EQ(Str(kase, "settlementId"), ids::ToolCallSettlementId(agreement));
  EXPECT_EQ(Str(kase, "runId"), ids::ToolCallRunId(agreement));

  // Step 3: a second open is refused (before the envelope is even looked at).
  auto duplicate = kernel.OpenDispute(
      kTenant,
      R"({"agreementHash":")" + agreement + R"(","receiptHash":")" + receipt + R"(","holdHash":")" +
          hold_hash + R"(","openedByAgentId":")" + opener +
          R"(","arbiterAgentId":")" + arbiter + R"(","summary":"Conformance dispute duplicate open","evidenceRefs":[]})",
      open_at, "open_dup_" + sfx);
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusReason(duplicate.status()), "DISPUTE_ALREADY_OPEN");

  // Step 4: the artifacts of the open.
  EXPECT_EQ(Str(open_doc.root(), "arbitrationCaseArtifact.artifactId"), "arbitration_case_" + case_id);
  EXPECT_EQ(Str(open_doc.root(), "disputeOpenEnvelopeArtifact.artifactId"), "dopen_tc_" + agreement);
  auto case_artifact = kernel.GetArtifact(kTenant, "arbitration_case_" + case_id);
  ASSERT_TRUE(case_artifact.ok() && case_artifact->has_value());
  json::Document ca = Json(**case_artifact);
  EXPECT_EQ(Str(ca.root(), "schemaVersion"), "ArbitrationCase.v1");
  EXPECT_EQ(Str(ca.root(), "artifactType"), "ArbitrationCase.v1");
  for (std::string_view k : {"caseId", "runId", "disputeId", "settlementId"}) EXPECT_EQ(Str(ca.root(), k), Str(kase, k));
  EXPECT_EQ(Num(ca.root(), "revision"), 1);
  EXPECT_EQ(Str(ca.root(), "status"), "under_review");
  EXPECT_TRUE(ArtifactHashHolds(**case_artifact));
  auto env_artifact = kernel.GetArtifact(kTenant, "dopen_tc_" + agreement);
  ASSERT_TRUE(env_artifact.ok() && env_artifact->has_value());
  json::Document ea = Json(**env_artifact);
  EXPECT_EQ(Str(ea.root(), "schemaVersion"), "DisputeOpenEnvelope.v1");
  EXPECT_EQ(Str(ea.root(), "artifactType"), "DisputeOpenEnvelope.v1");
  EXPECT_EQ(Str(ea.root(), "caseId"), case_id);
  EXPECT_EQ(Str(ea.root(), "agreementHash"), agreement);
  EXPECT_EQ(Str(ea.root(), "receiptHash"), receipt);
  EXPECT_EQ(Str(ea.root(), "holdHash"), hold_hash);
  EXPECT_EQ(Str(ea.root(), "openedByAgentId"), opener);
  EXPECT_EQ(Str(ea.root(), "signerKeyId"), opener_key.public_key().KeyId());
  EXPECT_EQ(Str(ea.root(), "envelopeHash").size(), 64u);
  const crypto::PublicKey opener_pub = opener_key.public_key();
  auto env_report = objects::VerifyObject(**env_artifact, absl::MakeConstSpan(&opener_pub, 1));
  ASSERT_TRUE(env_report.ok());
  EXPECT_TRUE(env_report->ok) << objects::RenderVerifyReportJson(*env_report);
  EXPECT_EQ(env_report->signatures_verified, 1);
  EXPECT_TRUE(ArtifactHashHolds(**env_artifact));

  // Step 5: the window passes, but the open case freezes the hold.
  auto tick = kernel.RunHoldbackMaintenance(kTenant, "2026-02-01T00:00:00.825Z", false, 250);
  ASSERT_TRUE(tick.ok()) << tick.status();
  json::Document tick_doc = Json(tick->json);
  EXPECT_GE(Num(tick_doc.root(), "blocked"), 1);
  EXPECT_THAT(tick->json, ::testing::HasSubstr(R"({"caseId":")" + case_id + R"(","holdHash":")" + hold_hash + R"("})"));
  EXPECT_EQ(Str(Json(**kernel.GetHold(kTenant, hold_hash)).root(), "status"), "held");

  // Step 9's evaluation while the case is open: the hold must still be held, no adjustment.
  {
    json::Document r = ReplayEvaluate(kernel, agreement);
    EXPECT_EQ(Str(r.root(), "replay.stage"), "active_dispute");
    EXPECT_EQ(Str(r.root(), "replay.expected.holdStatus"), "held");
    EXPECT_TRUE(r.root().Find("comparisons").Find("chainConsistent").as_bool()) << Text(r.root());
  }

  // Step 6: the arbiter's signed verdict.
  const std::string issued_at = "2026-02-01T00:00:00.900Z";
  const std::string verdict_id = ids::ConformanceVerdictId(case_id, issued_at);
  const std::string core =
      R"({"schemaVersion":"ArbitrationVerdict.v1","verdictId":")" + verdict_id + R"(","caseId":")" + case_id +
      R"(","tenantId":")" + kTenant + R"(","runId":")" + ids::ToolCallRunId(agreement) +
      R"(","settlementId":")" + ids::ToolCallSettlementId(agreement) + R"(","disputeId":")" +
      ids::ToolCallDisputeId(agreement) + R"(","arbiterAgentId":")" + arbiter + R"(","outcome":")" +
      (payer_wins ? "rejected" : "accepted") + R"(","releaseRatePct":)" + (payer_wins ? "0" : "100") +
      R"(,"rationale":")" + (payer_wins ? "Refund holdback to payer." : "Release holdback to payee.") +
      R"(","evidenceRefs":[],"issuedAt":")" + issued_at + R"(","appealRef":null})";
  auto core_doc = json::Document::Parse(core);
  auto verdict_hash = objects::ComputeHash(ObjectType::kArbitrationVerdict, core_doc->root());
  ASSERT_TRUE(verdict_hash.ok());
  const crypto::Signature sig = arbiter_key.Sign(*crypto::DigestFromHex(*verdict_hash));
  const std::string submission = core.substr(0, core.size() - 1) + R"(,"signerKeyId":")" +
                                 arbiter_key.public_key().KeyId() + R"(","signature":")" +
                                 crypto::Base64Encode(crypto::Bytes(sig.data(), sig.size())) + R"("})";
  auto verdict = kernel.SubmitVerdict(kTenant, case_id, submission, issued_at, "verdict_" + sfx);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  json::Document vd = Json(verdict->json);
  EXPECT_EQ(Str(vd.root(), "arbitrationCaseArtifact.artifactId"), "arbitration_case_" + case_id + "_r2");
  EXPECT_EQ(Str(vd.root(), "arbitrationVerdictArtifact.artifactId"), "arbitration_verdict_" + verdict_id);
  json::Value adjustment = vd.root().Find("settlementAdjustment");
  EXPECT_EQ(Str(adjustment, "adjustmentId"), "sadj_agmt_" + agreement + "_holdback");
  EXPECT_EQ(Str(adjustment, "kind"), payer_wins ? "holdback_refund" : "holdback_release");
  EXPECT_EQ(Str(Json(**kernel.GetHold(kTenant, hold_hash)).root(), "status"), payer_wins ? "refunded" : "released");
  // Expected (derivable): amount, binding, time, money.
  EXPECT_EQ(Num(adjustment, "amountCents"), 2000);
  EXPECT_EQ(Str(adjustment, "verdictRef.caseId"), case_id);
  EXPECT_EQ(Str(adjustment, "verdictRef.verdictHash"), *verdict_hash);
  EXPECT_EQ(Str(adjustment, "createdAt"), issued_at);
  // The stored adjustment is the one the verdict returned, found by its deterministic id.
  auto stored_adjustment = kernel.GetAdjustment(kTenant, "sadj_agmt_" + agreement + "_holdback");
  ASSERT_TRUE(stored_adjustment.ok() && stored_adjustment->has_value()) << stored_adjustment.status();
  json::Document sad = Json(**stored_adjustment);
  EXPECT_EQ(Str(sad.root(), "adjustmentHash"), Str(adjustment, "adjustmentHash"));
  EXPECT_FALSE(Str(sad.root(), "adjustmentHash").empty());
  EXPECT_EQ(Str(sad.root(), "kind"), Str(adjustment, "kind"));
  EXPECT_FALSE(kernel.GetAdjustment(kTenant, "sadj_agmt_" + std::string(64, '0') + "_holdback")->has_value());
  EXPECT_FALSE(kernel.GetAdjustment("other_tenant", "sadj_agmt_" + agreement + "_holdback")->has_value());
  if (payer_wins) {
    EXPECT_EQ(*kernel.GetWallet(kTenant, payer, "USD"), R"({"available":25000,"escrow":0})");
    EXPECT_EQ(*kernel.GetWallet(kTenant, payee, "USD"), R"({"available":0,"escrow":0})");
  } else {
    EXPECT_EQ(*kernel.GetWallet(kTenant, payer, "USD"), R"({"available":23000,"escrow":0})");
    EXPECT_EQ(*kernel.GetWallet(kTenant, payee, "USD"), R"({"available":2000,"escrow":0})");
  }

  // Step 7: the verdict's artifacts.
  auto r2 = kernel.GetArtifact(kTenant, "arbitration_case_" + case_id + "_r2");
  ASSERT_TRUE(r2.ok() && r2->has_value());
  json::Document r2d = Json(**r2);
  EXPECT_EQ(Num(r2d.root(), "revision"), 2);
  EXPECT_EQ(Str(r2d.root(), "status"), "closed");
  EXPECT_EQ(Str(r2d.root(), "verdictId"), verdict_id);
  EXPECT_EQ(Str(r2d.root(), "verdictHash"), Str(vd.root(), "arbitrationVerdict.verdictHash"));
  EXPECT_TRUE(ArtifactHashHolds(**r2));
  auto va = kernel.GetArtifact(kTenant, "arbitration_verdict_" + verdict_id);
  ASSERT_TRUE(va.ok() && va->has_value());
  json::Document vad = Json(**va);
  EXPECT_EQ(Str(vad.root(), "schemaVersion"), "ArbitrationVerdict.v1");
  EXPECT_EQ(Str(vad.root(), "artifactType"), "ArbitrationVerdict.v1");
  EXPECT_EQ(Str(vad.root(), "caseId"), case_id);
  EXPECT_EQ(Str(vad.root(), "verdictId"), verdict_id);
  EXPECT_EQ(Str(vad.root(), "signature.algorithm"), "ed25519");
  EXPECT_EQ(Str(vad.root(), "signature.signerKeyId"), arbiter_key.public_key().KeyId());
  auto recomputed = objects::ComputeHash(ObjectType::kArbitrationVerdict, vad.root());
  EXPECT_EQ(Str(vad.root(), "signature.verdictHash"), *recomputed);
  const crypto::PublicKey arbiter_pub = arbiter_key.public_key();
  auto va_report = objects::VerifyObject(**va, absl::MakeConstSpan(&arbiter_pub, 1));
  ASSERT_TRUE(va_report.ok());
  EXPECT_TRUE(va_report->ok) << objects::RenderVerifyReportJson(*va_report);
  EXPECT_EQ(va_report->signatures_verified, 1);
  EXPECT_TRUE(ArtifactHashHolds(**va));

  // Step 8: the same verdict again (new key): replayed, no money moves.
  const std::string wallet_before = *kernel.GetWallet(kTenant, payer, "USD");
  auto again = kernel.SubmitVerdict(kTenant, case_id, submission, issued_at, "verdict_again_" + sfx);
  ASSERT_TRUE(again.ok()) << again.status();
  json::Document ad = Json(again->json);
  EXPECT_EQ(ad.root().Find("alreadyExisted").as_bool(), true);
  EXPECT_EQ(Str(ad.root(), "settlementAdjustment.adjustmentId"), "sadj_agmt_" + agreement + "_holdback");
  EXPECT_EQ(Str(ad.root(), "arbitrationCaseArtifact.artifactId"), "arbitration_case_" + case_id + "_r2");
  EXPECT_EQ(Str(ad.root(), "arbitrationVerdictArtifact.artifactId"), "arbitration_verdict_" + verdict_id);
  EXPECT_EQ(*kernel.GetWallet(kTenant, payer, "USD"), wallet_before);

  // Step 9: replay evaluation of the tool call from the stored records.
  {
    json::Document r = ReplayEvaluate(kernel, agreement);
    EXPECT_TRUE(r.root().Find("comparisons").Find("chainConsistent").as_bool()) << Text(r.root());
    EXPECT_EQ(Str(r.root(), "replay.expected.adjustmentKind"), payer_wins ? "holdback_refund" : "holdback_release");
    // Derivable beyond the pack's assertions: the stage, the expected hold status and amount.
    EXPECT_EQ(Str(r.root(), "replay.stage"), "terminal_dispute");
    EXPECT_EQ(Str(r.root(), "replay.expected.holdStatus"), payer_wins ? "refunded" : "released");
    EXPECT_EQ(Num(r.root().Find("replay").Find("expected"), "amountCents"), 2000);
    EXPECT_EQ(r.root().Find("issues").size(), 0u);
    auto missing = kernel.ReplayEvaluateToolCall(kTenant, std::string(64, 'f'));
    EXPECT_EQ(StatusReason(missing.status()), "TOOL_CALL_HOLD_NOT_FOUND");
    EXPECT_EQ(StatusReason(kernel.ReplayEvaluateToolCall(kTenant, "abc").status()), "SCHEMA_INVALID");
  }

  // Step 10: the payee's reputation facts.
  const std::string as_of = "2026-02-01T00:00:01.000Z";
  auto facts_request = [&](const std::string& at) {
    return R"({"agentId":")" + payee + R"(","toolId":"tool_call","window":"allTime","asOf":")" + at +
           R"(","includeEvents":true})";
  };
  auto facts = kernel.ReputationFacts(kTenant, facts_request(as_of));
  ASSERT_TRUE(facts.ok()) << facts.status();
  json::Document fd = Json(*facts);
  json::Value totals = fd.root().Find("facts").Find("totals");
  EXPECT_GE(Num(totals.Find("disputes"), "opened"), 1);
  EXPECT_GE(Num(totals.Find("disputes"), payer_wins ? "payerWin" : "payeeWin"), 1);
  EXPECT_GE(Num(totals.Find("economics"), "adjustmentAppliedCents"), Num(adjustment, "amountCents"));
  EXPECT_TRUE(js::ParseInstantMs(Str(fd.root(), "asOf")).has_value());
  json::Value events = fd.root().Find("events");
  std::set<std::string> event_ids;
  std::vector<std::string> kinds;
  for (size_t i = 0; i < events.size(); ++i) {
    event_ids.insert(Str(events.at(i), "eventId"));
    kinds.push_back(Str(events.at(i), "eventKind"));
    // Every event is a valid, self-hashed ReputationEvent.v1 about the payee.
    std::string text;
    ASSERT_TRUE(json::AppendCanonical(events.at(i), &text).ok());
    auto report = objects::VerifyObject(text, {});
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << text;
    EXPECT_EQ(report->type, ObjectType::kReputationEvent);
    EXPECT_EQ(Str(events.at(i), "subject.agentId"), payee);
  }
  EXPECT_EQ(event_ids.size(), events.size()) << "event ids are unique";
  // Expected payee-subject events: dispute_opened, verdict_issued, adjustment_applied, plus
  // penalty_dispute_lost when the payer wins.
  std::vector<std::string> expected_kinds = {"dispute_opened", "verdict_issued", "adjustment_applied"};
  if (payer_wins) expected_kinds.push_back("penalty_dispute_lost");
  std::sort(kinds.begin(), kinds.end());
  std::sort(expected_kinds.begin(), expected_kinds.end());
  EXPECT_EQ(kinds, expected_kinds);
  EXPECT_EQ(Num(totals, "eventCount"), static_cast<double>(expected_kinds.size()));
  auto event = [&](const std::string& id) -> json::Value {
    for (size_t i = 0; i < events.size(); ++i) {
      if (Str(events.at(i), "eventId") == id) return events.at(i);
    }
    ADD_FAILURE() << "no reputation event " << id;
    return json::Value();
  };
  auto case_r1 = kernel.GetArtifact(kTenant, "arbitration_case_" + case_id);
  ASSERT_TRUE(case_r1.ok() && case_r1->has_value());
  json::Value dsp = event("rep_dsp_" + agreement);
  EXPECT_EQ(Str(dsp, "sourceRef.artifactId"), "arbitration_case_" + case_id);
  EXPECT_EQ(Str(dsp, "sourceRef.hash"), Str(Json(**case_r1).root(), "artifactHash"));
  EXPECT_EQ(Str(dsp, "sourceRef.hash").size(), 64u);
  json::Value vrd = event("rep_vrd_" + *verdict_hash);
  EXPECT_EQ(Str(vrd, "sourceRef.artifactId"), "arbitration_verdict_" + verdict_id);
  EXPECT_EQ(Str(vrd, "sourceRef.hash"), Str(vad.root(), "artifactHash"));
  json::Value adj = event("rep_adj_" + Str(adjustment, "adjustmentId"));
  EXPECT_EQ(Str(adj, "sourceRef.sourceId"), Str(adjustment, "adjustmentId"));
  EXPECT_EQ(Str(adj, "sourceRef.hash"), Str(adjustment, "adjustmentHash"));
  if (payer_wins) {
    // rep_pen_<sha256(canonical({tenantId, occurredAt, eventKind, subject, sourceRef, facts}))>.
    for (size_t i = 0; i < events.size(); ++i) {
      if (Str(events.at(i), "eventKind") != "penalty_dispute_lost") continue;
      json::Tree seed = json::Tree::Object();
      for (std::string_view k : {"tenantId", "occurredAt", "eventKind", "subject", "sourceRef", "facts"}) {
        seed.Add(k, json::Tree::FromValue(events.at(i).Find(k)));
      }
      EXPECT_EQ(Str(events.at(i), "eventId"), "rep_pen_" + crypto::Sha256Hex(*json::CanonicalString(seed)));
    }
  }

  // Step 11: retry stability. A later tick has nothing left to do; the facts read now, later and
  // with asOf pinned again are the same aggregate, event for event.
  auto tick2 = kernel.RunHoldbackMaintenance(kTenant, "2026-02-01T00:00:05.000Z", false, 250);
  ASSERT_TRUE(tick2.ok());
  EXPECT_EQ(Num(Json(tick2->json).root(), "released"), 0);
  const std::string first_facts = Text(fd.root().Find("facts"));
  for (const std::string& at : {std::string("2026-02-01T00:00:06.000Z"), as_of}) {
    auto reread = kernel.ReputationFacts(kTenant, facts_request(at));
    ASSERT_TRUE(reread.ok()) << reread.status();
    json::Document rd = Json(*reread);
    EXPECT_EQ(Text(rd.root().Find("facts")), first_facts);
    EXPECT_EQ(rd.root().Find("events").size(), events.size());
  }

  // `nooterra store export` (another process: the store is closed meanwhile) writes the
  // closed case's verdict artifact and the adjustment beside the agreement's documents, byte
  // for byte as the kernel returns them.
  store->reset();
  {
    int code = -1;
    const std::string out = testing::RunCommand(std::string(NOOTERRA_CLI_PATH) + " store export " + dir.sub("s") +
                                                    " --tenant " + kTenant + " --agreement " + agreement +
                                                    " --out " + dir.sub("export"), &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_THAT(out, ::testing::HasSubstr(R"({"name":"verdict.json","sha256":")"));
    EXPECT_THAT(out, ::testing::HasSubstr(R"({"name":"adjustment.json","sha256":")"));
    EXPECT_THAT(out, ::testing::HasSubstr(R"({"name":"reputation.json","sha256":")"));
  }
  store = store::Store::Open(dir.sub("s"), options);
  ASSERT_TRUE(store.ok()) << store.status();
  Kernel reopened(store->get());
  auto read_file = [&](const std::string& name) {
    std::ifstream in(dir.sub("export") + "/" + name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(read_file("verdict.json"), **reopened.GetArtifact(kTenant, ids::VerdictArtifactId(verdict_id)) + "\n");
  EXPECT_EQ(read_file("adjustment.json"),
            **reopened.GetAdjustment(kTenant, ids::HoldbackAdjustmentId(agreement)) + "\n");
  // The agreement's reputation events, each byte-equal to the stored artifact.
  {
    auto exported = json::Document::Parse(read_file("reputation.json"));
    ASSERT_TRUE(exported.ok());
    std::vector<std::string> ids_seen;
    for (size_t i = 0; i < exported->root().size(); ++i) {
      const std::string id = Str(exported->root().at(i), "eventId");
      ids_seen.push_back(id);
      std::string text;
      ASSERT_TRUE(json::AppendCanonical(exported->root().at(i), &text).ok());
      EXPECT_EQ(text, **reopened.GetArtifact(kTenant, id)) << id;
    }
    EXPECT_THAT(ids_seen, ::testing::Contains("rep_dsp_" + agreement));
    EXPECT_THAT(ids_seen, ::testing::Contains("rep_adj_" + ids::HoldbackAdjustmentId(agreement)));
  }

  // Step 9 sees tampering: with the verdict artifact gone the chain no longer closes, and with
  // the adjustment gone too the terminal stage lacks the adjustment it must have produced.
  auto remove = [&](std::string key) {
    ASSERT_TRUE((*store)->Write([&](store::WriteTxn& txn) { return txn.Delete(store::Table::kObjects, kTenant, key); }).ok());
  };
  remove("art/" + ids::VerdictArtifactId(verdict_id));
  {
    json::Document r = ReplayEvaluate(reopened, agreement);
    EXPECT_FALSE(r.root().Find("comparisons").Find("chainConsistent").as_bool());
    EXPECT_EQ(Text(r.root().Find("issues")),
              R"(["VERDICT_ARTIFACT_ERROR:NOT_FOUND","TERMINAL_DISPUTE_REPLAY_INCOMPLETE"])");
  }
  remove("adj/" + ids::HoldbackAdjustmentId(agreement));
  {
    json::Document r = ReplayEvaluate(reopened, agreement);
    EXPECT_FALSE(r.root().Find("comparisons").Find("chainConsistent").as_bool());
    EXPECT_TRUE(r.root().Find("adjustmentId").is_null());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, KernelV0, ::testing::ValuesIn(ToolCallCases()),
                         [](const auto& case_info) { return case_info.param.id; });

// Case kind B: an RFQ, a bid, its acceptance, two chained run events and the automatic
// settlement of the completed run, then the run's replay evaluation.
TEST(KernelV0Marketplace, RunReplayEvaluate) {
  auto pack = json::Document::Parse(testing::ReadReference("conformance/kernel-v0/cases.json"));
  ASSERT_TRUE(pack.ok()) << "conformance/kernel-v0/cases.json missing";
  bool listed = false;
  for (size_t i = 0; i < pack->root().Find("cases").size(); ++i) {
    listed = listed || Str(pack->root().Find("cases").at(i), "kind") == "marketplace_run_replay_evaluate";
  }
  ASSERT_TRUE(listed) << "the pack no longer lists the marketplace case";
  testing::TempDir dir;
  store::Options options;
  options.durable = false;
  auto store = store::Store::Open(dir.sub("s"), options);
  ASSERT_TRUE(store.ok()) << store.status();
  Kernel kernel(store->get());
  const std::string sfx = "mkt1", payer = "agt_conf_mkt_payer_" + sfx, payee = "agt_conf_mkt_payee_" + sfx;
  ASSERT_TRUE(kernel.RegisterAgent(kTenant, payer, Key("mp").public_key().ToPem()).ok());
  ASSERT_TRUE(kernel.RegisterAgent(kTenant, payee, Key("me").public_key().ToPem()).ok());
  ASSERT_TRUE(kernel.Deposit(kTenant, payer, "USD", 25000, "credit_" + sfx).ok());

  // Steps 2-4: RFQ, bid, acceptance.
  const std::string rfq_id = "rfq_conf_replay_" + sfx, bid_id = "bid_conf_replay_" + sfx;
  auto rfq = kernel.CreateRfq(kTenant, R"({"rfqId":")" + rfq_id + R"(","title":"Conformance replay","description":"d",)"
                                  R"("capability":"conformance.replay_evaluate","posterAgentId":")" + payer +
                                  R"(","budgetCents":10000,"currency":"USD"})", kT0, "rfq_" + sfx);
  ASSERT_TRUE(rfq.ok()) << rfq.status();
  auto bid = kernel.SubmitBid(kTenant, rfq_id, R"({"bidId":")" + bid_id + R"(","bidderAgentId":")" + payee +
                                  R"(","amountCents":10000,"currency":"USD","etaSeconds":60,"note":"n",)"
                                  R"("verificationMethod":{"mode":"deterministic",)"
                                  R"("source":"verifier://nooterra/deterministic/latency-threshold-v1"}})", kT0, "bid_" + sfx);
  ASSERT_TRUE(bid.ok()) << bid.status();
  auto accepted = kernel.AcceptBid(kTenant, rfq_id, R"({"bidId":")" + bid_id + R"(","payerAgentId":")" + payer +
                                       R"(","acceptedByAgentId":")" + payer + R"(","settlement":{"payerAgentId":")" + payer +
                                       R"("}})", kT0, "accept_" + sfx);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  json::Document acc = Json(accepted->json);
  const std::string run_id = Str(acc.root(), "runId");
  ASSERT_FALSE(run_id.empty());
  // Expected (derivable): the run id, RUN_CREATED by the payee, the escrow lock, the pinned
  // policy and method, the locked settlement with its pending record and receipt.
  EXPECT_EQ(run_id, "run_" + rfq_id + "_" + bid_id);
  EXPECT_EQ(*kernel.GetWallet(kTenant, payer, "USD"), R"({"available":15000,"escrow":10000})");
  const std::string policy_hash = Str(acc.root(), "agreement.policyHash");
  EXPECT_EQ(policy_hash.substr(0, 8) + policy_hash.substr(58), "006f479440c0d8");
  const std::string method_hash = Str(acc.root(), "agreement.verificationMethodHash");
  EXPECT_EQ(method_hash.substr(0, 8) + method_hash.substr(60), "051cd7c3e2ff");
  EXPECT_EQ(Num(acc.root().Find("agreement"), "disputeWindowDays"), 3);
  json::Value locked = acc.root().Find("settlement");
  EXPECT_EQ(Str(locked, "settlementId"), "setl_" + run_id);
  EXPECT_EQ(Str(locked, "status"), "locked");
  EXPECT_EQ(Str(locked, "decisionStatus"), "pending");
  EXPECT_EQ(Str(locked, "decisionTrace.phase"), "agreement.accepted");
  EXPECT_EQ(Str(locked, "decisionTrace.decisionRecord.schemaVersion"), "SettlementDecisionRecord.v2");
  EXPECT_EQ(Str(locked, "decisionTrace.decisionRecord.decisionStatus"), "pending");
  EXPECT_EQ(Str(locked, "decisionTrace.settlementReceipt.status"), "locked");
  EXPECT_EQ(Str(locked, "decisionTrace.settlementReceipt.finalityState"), "pending");
  auto run_doc = kernel.GetRun(kTenant, run_id);
  ASSERT_TRUE(run_doc.ok() && run_doc->has_value());
  EXPECT_EQ(Str(Json(**run_doc).root().Find("events").at(0), "type"), "RUN_CREATED");
  EXPECT_EQ(Str(Json(**run_doc).root().Find("events").at(0), "actor.id"), payee);

  // Steps 5-6: evidence, then completion with a 250 ms latency (green: auto-release 100 %).
  const std::string head0 = Str(acc.root(), "run.lastChainHash");
  const std::string evidence_ref = "evidence://conf/" + run_id + "/output.json";
  auto evidence = kernel.AppendRunEvent(kTenant, run_id, R"({"expectedPrevChainHash":")" + head0 +
                                            R"(","type":"EVIDENCE_ADDED","payload":{"evidenceRef":")" + evidence_ref + R"("}})",
                                        "2026-02-01T00:00:01.000Z", "ev1_" + sfx);
  ASSERT_TRUE(evidence.ok()) << evidence.status();
  const std::string head1 = Str(Json(evidence->json).root(), "run.lastChainHash");
  EXPECT_EQ(head1.size(), 64u);
  EXPECT_NE(head1, head0);
  // A stale head is refused and changes nothing.
  auto stale = kernel.AppendRunEvent(kTenant, run_id, R"({"expectedPrevChainHash":")" + head0 +
                                         R"(","type":"RUN_COMPLETED","payload":{}})", "2026-02-01T00:00:01.500Z", "stale_" + sfx);
  EXPECT_EQ(StatusReason(stale.status()), "RUN_EVENT_PREV_CHAIN_HASH_MISMATCH");
  auto completed = kernel.AppendRunEvent(kTenant, run_id, R"({"expectedPrevChainHash":")" + head1 +
                                             R"(","type":"RUN_COMPLETED","payload":{"outputRef":")" + evidence_ref +
                                             R"(","metrics":{"latencyMs":250}}})", "2026-02-01T00:00:02.000Z", "done_" + sfx);
  ASSERT_TRUE(completed.ok()) << completed.status();

  // Step 7: the settlement's decision record names the deterministic latency verifier.
  auto stored = kernel.GetRunSettlement(kTenant, run_id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  json::Document sd = Json(**stored);
  json::Value record = sd.root().Find("decisionTrace").Find("decisionRecord");
  ASSERT_TRUE(record.is_object());
  EXPECT_EQ(Str(record, "verifierRef.modality"), "deterministic");
  EXPECT_EQ(Str(record, "verifierRef.verifierId"), "nooterra.deterministic.latency-threshold");
  const std::string verifier_hash = Str(record, "verifierRef.verifierHash");
  ASSERT_TRUE(js::IsHex64(verifier_hash));
  EXPECT_EQ(verifier_hash.substr(0, 8) + verifier_hash.substr(60), "824d46dffefd");
  // Expected (derivable): v2, the pinned hashes, auto-resolved, the final receipt, the money.
  EXPECT_EQ(Str(record, "schemaVersion"), "SettlementDecisionRecord.v2");
  EXPECT_EQ(Str(record, "policyHashUsed"), policy_hash);
  EXPECT_EQ(Str(record, "verificationMethodHashUsed"), method_hash);
  EXPECT_EQ(Str(sd.root(), "decisionStatus"), "auto_resolved");
  json::Value receipt = sd.root().Find("decisionTrace").Find("settlementReceipt");
  EXPECT_EQ(Str(receipt, "status"), "released");
  EXPECT_EQ(Num(receipt, "releasedAmountCents"), 10000);
  EXPECT_EQ(Num(receipt, "refundedAmountCents"), 0);
  EXPECT_EQ(Num(receipt, "releaseRatePct"), 100);
  EXPECT_EQ(Str(receipt, "finalityState"), "final");
  EXPECT_EQ(Str(receipt, "decisionRef.decisionHash"), Str(record, "decisionHash"));
  EXPECT_EQ(*kernel.GetWallet(kTenant, payer, "USD"), R"({"available":15000,"escrow":0})");
  EXPECT_EQ(*kernel.GetWallet(kTenant, payee, "USD"), R"({"available":10000,"escrow":0})");
  for (json::Value object : {record, receipt}) {
    std::string text;
    ASSERT_TRUE(json::AppendCanonical(object, &text).ok());
    auto report = objects::VerifyObject(text, {});
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << text;
  }

  // Step 8: replay evaluation from the stored records.
  auto replay = kernel.ReplayEvaluateRun(kTenant, run_id);
  ASSERT_TRUE(replay.ok()) << replay.status();
  json::Document rd = Json(*replay);
  for (std::string_view k : {"kernelBindingsValid", "policyDecisionMatchesStored", "decisionRecordReplayCriticalMatchesStored",
                             "verifierRefMatchesStored", "matchesStoredDecision"}) {
    EXPECT_TRUE(rd.root().Find("comparisons").Find(k).is_bool() && rd.root().Find("comparisons").Find(k).as_bool())
        << k << " " << *replay;
  }

  // Beyond the pack: the event chain re-derives from the digest's formulas, a terminal run
  // refuses more events, the store audits clean, and replay sees a tampered receipt.
  run_doc = kernel.GetRun(kTenant, run_id);
  json::Document rund = Json(**run_doc);
  json::Value events = rund.root().Find("events");
  ASSERT_EQ(events.size(), 3u);
  json::Tree prev = json::Tree::Null();
  for (size_t i = 0; i < events.size(); ++i) {
    json::Tree material = json::Tree::Object();
    for (std::string_view k : {"v", "id", "at", "streamId", "type", "actor", "payload"}) {
      material.Add(k, json::Tree::FromValue(events.at(i).Find(k)));
    }
    const std::string payload_hash = crypto::Sha256Hex(*json::CanonicalString(material));
    EXPECT_EQ(Str(events.at(i), "payloadHash"), payload_hash);
    json::Tree link = json::Tree::Object();
    link.Add("v", json::Tree::Number(1));
    link.Add("prevChainHash", prev);
    link.Add("payloadHash", json::Tree::String(payload_hash));
    const std::string chain_hash = crypto::Sha256Hex(*json::CanonicalString(link));
    EXPECT_EQ(Str(events.at(i), "chainHash"), chain_hash);
    prev = json::Tree::String(chain_hash);
  }
  EXPECT_EQ(Str(rund.root(), "run.lastChainHash"), Str(events.at(2), "chainHash"));
  auto after = kernel.AppendRunEvent(kTenant, run_id, R"({"expectedPrevChainHash":")" + Str(events.at(2), "chainHash") +
                                         R"(","type":"RUN_HEARTBEAT"})", "2026-02-01T00:00:03.000Z", "late_" + sfx);
  EXPECT_EQ(StatusReason(after.status()), "TRANSITION_ILLEGAL");
  auto check = kernel.CheckStore(kTenant);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->ok) << check->json;
  std::string tampered = **stored;
  tampered.replace(tampered.find(R"("releasedAmountCents":10000)"), 26, R"("releasedAmountCents":10001)");
  ASSERT_TRUE((*store)->Write([&](store::WriteTxn& txn) {
    return txn.Put(store::Table::kObjects, kTenant, "runsetl/" + run_id, tampered);
  }).ok());
  auto replay2 = kernel.ReplayEvaluateRun(kTenant, run_id);
  ASSERT_TRUE(replay2.ok());
  EXPECT_FALSE(Json(*replay2).root().Find("comparisons").Find("kernelBindingsValid").as_bool());
  EXPECT_THAT(*replay2, ::testing::HasSubstr("settlement_receipt_hash_mismatch"));
}

TEST(KernelV0Cases, TheReferencePackHasBothToolCallCases) {
  // Guards the parameterised test above against an empty (missing) case list.
  const auto cases = ToolCallCases();
  ASSERT_EQ(cases.size(), 2u) << "conformance/kernel-v0/cases.json missing or changed";
}

}  // namespace
}  // namespace nooterra::agreement
