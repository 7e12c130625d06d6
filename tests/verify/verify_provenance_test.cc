// JobProof provenance references (05-jobproof-monthproof.md §2 step 15, §3): every sub-error the
// digest lists, built on the strict-pass JobProof bundle with events appended and signed by the
// fixture server key. Expected facts hashes are computed here from the digest's formula
// (ZoneCoverageFacts.v1), never taken from the verifier.
#include <string>
#include <vector>

#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr BundleKind kJob = BundleKind::kJobProof;
constexpr char kJobPass[] = "jobproof/strict-pass";
constexpr char kEvents[] = "events/events.jsonl";
// chainHash of the strict-pass bundle's only event (evt_job_created).
constexpr char kJobCreatedChain[] = "e698a6e1d597a4be85d31bdac90a34a66b9d43886ad43f59c0cc4e77efdde78d";

// The strict-pass JobProof bundle plus events appended one second apart.
class Stream {
 public:
  Stream() : bundle_(kJobPass) {}

  // Appends an event; returns it as written (with chainHash, payloadHash, signature).
  Json Add(const std::string& id, const std::string& type, Json payload) {
    ++seconds_;
    const std::string at = "2026-02-02T00:00:" + std::string(seconds_ < 10 ? "0" : "") + std::to_string(seconds_) + ".000Z";
    bundle_.AppendEvent("events", Material(id, at, "job_fixture_1", type, std::move(payload)), kServerAId,
                        "job/snapshot.json");
    return bundle_.ReadJsonl(kEvents).back();
  }

  Outcome Verify() {
    bundle_.Reseal();
    return bundle_.Verify(kJob, Strict());
  }

 private:
  Bundle bundle_;
  int seconds_ = 0;
};

// The detail record's sub-error codes, in order.
std::vector<std::string> SubErrors(const Outcome& o) {
  std::vector<std::string> out;
  Json detail = Json::Parse(o.detail());
  const Json* errors = detail.Find("errors");
  if (errors == nullptr) return out;
  for (size_t i = 0; i < errors->size(); ++i) out.push_back(errors->at(i).Find("error")->str());
  return out;
}

// Fails with `provenance refs invalid` (strict and lenient alike) and exactly `sub_errors`.
::testing::AssertionResult RefsInvalid(const Outcome& o, const std::vector<std::string>& sub_errors) {
  ::testing::AssertionResult top = Fails(o, {"provenance refs invalid"});
  if (!top) return top;
  if (SubErrors(o) != sub_errors) {
    std::string got;
    for (const auto& s : SubErrors(o)) got += "\n    " + s;
    return ::testing::AssertionFailure() << "sub-errors differ; got:" << got << "\n  detail: " << o.detail();
  }
  return ::testing::AssertionSuccess();
}

// ZoneCoverageFacts.v1 (digest 05 §3) for one required zone "zone_a" with requiredZonesHash
// "rz_1", threshold 95, no excuses.
std::string FactsHash(const std::string& at_chain, Json coverage = Json::Array()) {
  Json f = Json::Object();
  f["schemaVersion"] = "ZoneCoverageFacts.v1";
  f["evaluatedAtChainHash"] = at_chain;
  f["requiredZonesHash"] = "rz_1";
  f["thresholdPct"] = 95;
  f["requiredZoneIds"] = Json::Array({"zone_a"});
  f["coverageByZone"] = std::move(coverage);
  f["excusedZones"] = Json::Array();
  f["excuseIncidentTypes"] = Json::Array({"BLOCKED_ZONE"});
  return CanonicalHash(f);
}

Json Booking() {
  Json p = Json::Object();
  p["jobId"] = "job_fixture_1";
  p["requiredZonesHash"] = "rz_1";
  Json zone = Json::Object();
  zone["zoneId"] = "zone_a";
  p["requiredZones"]["zones"] = Json::Array({zone});
  p["policySnapshot"]["proofPolicy"]["zoneCoverage"]["thresholdPct"] = 95;
  return p;
}

Json Proof(const std::string& at_chain, const std::string& facts_hash, const char* status = "PASS") {
  Json p = Json::Object();
  p["evaluationId"] = "eval_1";
  p["evaluatedAtChainHash"] = at_chain;
  p["status"] = status;
  p["reasonCodes"] = Json::Array();
  p["missingEvidence"] = Json::Array();
  p["requiredZonesHash"] = "rz_1";
  p["factsHash"] = facts_hash;
  return p;
}

// A reference declaring every member the digest lists, copied from the proof event.
Json FullRef(const Json& proof) {
  Json ref = Json::Object();
  ref["proofEventId"] = *proof.Find("id");
  ref["proofEventChainHash"] = *proof.Find("chainHash");
  ref["proofEventPayloadHash"] = *proof.Find("payloadHash");
  ref["proofEventSignerKeyId"] = *proof.Find("signerKeyId");
  ref["proofEventSignature"] = *proof.Find("signature");
  const Json& p = *proof.Find("payload");
  for (const char* m : {"evaluationId", "evaluatedAtChainHash", "factsHash", "status", "requiredZonesHash", "reasonCodes"}) {
    ref[m] = *p.Find(m);
  }
  return ref;
}

Json With(const char* member, Json value) {
  Json p = Json::Object();
  p[member] = std::move(value);
  return p;
}

// BOOKED, then a proof anchored on the booking with the correct facts hash.
struct Booked {
  Stream s;
  Json booked, proof;
  Booked() {
    booked = s.Add("evt_book", "BOOKED", Booking());
    const std::string at = booked.Find("chainHash")->str();
    proof = s.Add("evt_proof", "PROOF_EVALUATED", Proof(at, FactsHash(at)));
  }
};

TEST(VerifyProvenance, FullyDeclaredReferencesPass) {
  Booked b;
  Json hold = With("triggeringProofRef", FullRef(b.proof));
  hold["missingEvidence"] = Json::Array();
  hold["reasonCodes"] = Json::Array();
  b.s.Add("evt_hold", "SETTLEMENT_HELD", hold);
  b.s.Add("evt_release", "SETTLEMENT_RELEASED", With("releasingProofRef", FullRef(b.proof)));
  b.s.Add("evt_settled", "SETTLED", With("settlementProofRef", FullRef(b.proof)));
  EXPECT_TRUE(Passes(b.s.Verify()));
}

// The digest's own scenario: coverage that arrives after the proof but before the settlement
// makes the proof stale at settlement time; a settlement before that report is fine.
TEST(VerifyProvenance, LateCoverageMakesTheProofStale) {
  Booked fresh;
  fresh.s.Add("evt_settled", "SETTLED", With("settlementProofRef", FullRef(fresh.proof)));
  Json coverage = Json::Object();
  coverage["zoneId"] = "zone_a";
  coverage["coveragePct"] = 100;
  coverage["window"]["startAt"] = "2026-02-02T00:00:00.000Z";
  coverage["window"]["endAt"] = "2026-02-02T00:00:02.000Z";
  fresh.s.Add("evt_cov", "ZONE_COVERAGE_REPORTED", coverage);
  EXPECT_TRUE(Passes(fresh.s.Verify()));

  Booked stale;
  Json cov = stale.s.Add("evt_cov", "ZONE_COVERAGE_REPORTED", coverage);
  stale.s.Add("evt_settled", "SETTLED", With("settlementProofRef", FullRef(stale.proof)));
  Outcome o = stale.s.Verify();
  ASSERT_TRUE(RefsInvalid(o, {"settlement stale at decision time"}));
  // The expected hash in the record is the facts hash with the late coverage included.
  Json entry = Json::Object();
  entry["zoneId"] = "zone_a";
  entry["coveragePct"] = 100;
  entry["window"] = *cov.Find("payload")->Find("window");
  entry["eventId"] = "evt_cov";
  entry["chainHash"] = *cov.Find("chainHash");
  entry["at"] = *cov.Find("at");
  const std::string at = stale.booked.Find("chainHash")->str();
  Json detail = Json::Parse(o.detail());
  const Json& record = detail.Find("errors")->at(0);
  EXPECT_EQ(record.Find("expectedFactsHash")->str(), FactsHash(at, Json::Array({entry})));
  EXPECT_EQ(record.Find("actualFactsHash")->str(), FactsHash(at));
  EXPECT_EQ(detail.Find("checked")->num(), 1);

  // A proof that already saw the coverage is fresh again.
  Booked again;
  Json cov2 = again.s.Add("evt_cov", "ZONE_COVERAGE_REPORTED", coverage);
  entry["chainHash"] = *cov2.Find("chainHash");
  entry["at"] = *cov2.Find("at");
  const std::string at2 = again.booked.Find("chainHash")->str();
  Json proof2 = again.s.Add("evt_proof2", "PROOF_EVALUATED", Proof(at2, FactsHash(at2, Json::Array({entry}))));
  again.s.Add("evt_settled", "SETTLED", With("settlementProofRef", FullRef(proof2)));
  EXPECT_TRUE(Passes(again.s.Verify()));
}

TEST(VerifyProvenance, DetailRecordHasTheReferenceShape) {
  Stream s;
  s.Add("evt_hold", "SETTLEMENT_HELD", With("triggeringProofRef", With("proofEventId", "evt_none")));
  Outcome o = s.Verify();
  ASSERT_TRUE(RefsInvalid(o, {"hold missing referenced PROOF_EVALUATED"}));
  EXPECT_EQ(o.detail(),
            "{\"ok\":false,\"checked\":1,\"errors\":[{\"error\":\"hold missing referenced PROOF_EVALUATED\","
            "\"holdEventId\":\"evt_hold\",\"proofEventId\":\"evt_none\"}]}");
  EXPECT_EQ(o.result.errors[0].message, std::nullopt);  // the code is the record's own error
}

TEST(VerifyProvenance, MissingReferencedProof) {
  for (auto [type, ref, code] : {std::tuple{"SETTLEMENT_HELD", "triggeringProofRef", "hold missing referenced PROOF_EVALUATED"},
                                 std::tuple{"SETTLEMENT_RELEASED", "releasingProofRef", "release missing referenced PROOF_EVALUATED"},
                                 std::tuple{"SETTLED", "settlementProofRef", "settlement missing referenced PROOF_EVALUATED"}}) {
    SCOPED_TRACE(type);
    {  // no reference at all
      Stream s;
      s.Add("evt_decision", type, Json::Object());
      EXPECT_TRUE(RefsInvalid(s.Verify(), {code}));
    }
    {  // a reference to an event of another type
      Stream s;
      s.Add("evt_decision", type, With(ref, With("proofEventId", "evt_job_created")));
      EXPECT_TRUE(RefsInvalid(s.Verify(), {code}));
    }
  }
}

TEST(VerifyProvenance, DeclaredMemberThatDiffers) {
  for (auto [type, ref, code] : {std::tuple{"SETTLEMENT_HELD", "triggeringProofRef", "hold triggeringProofRef mismatch"},
                                 std::tuple{"SETTLEMENT_RELEASED", "releasingProofRef", "release releasingProofRef mismatch"},
                                 std::tuple{"SETTLED", "settlementProofRef", "settlement settlementProofRef mismatch"}}) {
    for (const char* member : {"proofEventChainHash", "proofEventPayloadHash", "proofEventSignerKeyId", "proofEventSignature",
                               "evaluationId", "evaluatedAtChainHash", "factsHash", "status", "requiredZonesHash",
                               "customerPolicyHash", "operatorPolicyHash"}) {
      SCOPED_TRACE(std::string(type) + " " + member);
      Booked b;
      Json r = FullRef(b.proof);
      r[member] = "something else";
      b.s.Add("evt_decision", type, With(ref, r));
      EXPECT_TRUE(RefsInvalid(b.s.Verify(), {code}));
    }
    SCOPED_TRACE(std::string(type) + " reasonCodes");
    Booked b;
    Json r = FullRef(b.proof);
    r["reasonCodes"] = Json::Array({"EXTRA"});
    b.s.Add("evt_decision", type, With(ref, r));
    EXPECT_TRUE(RefsInvalid(b.s.Verify(), {code}));
  }
}

// A member declares something only when it is truthy; "" and 0 are ignored, as in the reference.
TEST(VerifyProvenance, FalsyMembersDeclareNothing) {
  Booked b;
  Json r = FullRef(b.proof);
  r["factsHash"] = "";
  r["evaluationId"] = 0;
  r["customerPolicyHash"] = nullptr;
  r["status"] = false;
  b.s.Add("evt_settled", "SETTLED", With("settlementProofRef", r));
  EXPECT_TRUE(Passes(b.s.Verify()));
}

TEST(VerifyProvenance, HoldArraysMustEqualTheProofs) {
  for (const char* member : {"missingEvidence", "reasonCodes"}) {
    SCOPED_TRACE(member);
    Booked b;
    Json hold = With("triggeringProofRef", With("proofEventId", "evt_proof"));
    hold[member] = Json::Array({"ZONE_COVERAGE"});
    b.s.Add("evt_hold", "SETTLEMENT_HELD", hold);
    EXPECT_TRUE(RefsInvalid(b.s.Verify(), {"hold " + std::string(member) + " mismatch"}));
  }
  // Only holds carry them: the same arrays on a release are not compared.
  Booked b;
  Json release = With("releasingProofRef", With("proofEventId", "evt_proof"));
  release["missingEvidence"] = Json::Array({"ZONE_COVERAGE"});
  b.s.Add("evt_release", "SETTLEMENT_RELEASED", release);
  EXPECT_TRUE(Passes(b.s.Verify()));
}

TEST(VerifyProvenance, FreshnessThatCannotBeChecked) {
  for (auto [type, ref, code] : {std::tuple{"SETTLEMENT_HELD", "triggeringProofRef", "hold freshness check failed"},
                                 std::tuple{"SETTLEMENT_RELEASED", "releasingProofRef", "release freshness check failed"},
                                 std::tuple{"SETTLED", "settlementProofRef", "settlement freshness check failed"}}) {
    SCOPED_TRACE(type);
    {  // the proof names no anchor
      Stream s;
      Json proof = Proof("", "");
      proof.Erase("evaluatedAtChainHash");
      s.Add("evt_proof", "PROOF_EVALUATED", proof);
      s.Add("evt_decision", type, With(ref, With("proofEventId", "evt_proof")));
      Outcome o = s.Verify();
      EXPECT_TRUE(RefsInvalid(o, {code}));
      EXPECT_NE(o.detail().find("\"message\":\"evaluatedAtChainHash must be a non-empty string\""), std::string::npos);
    }
    {  // the anchor is not in the stream
      Stream s;
      s.Add("evt_proof", "PROOF_EVALUATED", Proof(std::string(64, 'a'), ""));
      s.Add("evt_decision", type, With(ref, With("proofEventId", "evt_proof")));
      Outcome o = s.Verify();
      EXPECT_TRUE(RefsInvalid(o, {code}));
      EXPECT_NE(o.detail().find("\"message\":\"evaluatedAtChainHash not found in stream\""), std::string::npos);
    }
  }
}

// Time travel: the anchor must come before the deciding event. Here the proof is anchored on the
// hold itself (it follows the hold in the stream), so at the hold there is nothing to anchor on.
TEST(VerifyProvenance, AnchorAtOrAfterTheDecisionIsNotFound) {
  Stream s;
  s.Add("evt_book", "BOOKED", Booking());
  Json hold = s.Add("evt_hold", "SETTLEMENT_HELD", With("triggeringProofRef", With("proofEventId", "evt_proof")));
  const std::string at = hold.Find("chainHash")->str();
  s.Add("evt_proof", "PROOF_EVALUATED", Proof(at, FactsHash(at)));
  Outcome o = s.Verify();
  EXPECT_TRUE(RefsInvalid(o, {"hold freshness check failed"}));
  EXPECT_NE(o.detail().find("\"message\":\"evaluatedAtChainHash not found in stream\""), std::string::npos);
}

// SETTLED may record FAIL against an INSUFFICIENT_EVIDENCE proof only when it carries a forfeit
// pointer, which must name a SETTLEMENT_FORFEITED event with matching hashes.
TEST(VerifyProvenance, SettlementForfeitPointer) {
  const auto run = [](bool with_forfeit_event, const std::function<void(Json& forfeit_ptr, const Json& event)>& edit) {
    Stream s;
    Json booked = s.Add("evt_book", "BOOKED", Booking());
    const std::string at = booked.Find("chainHash")->str();
    Json proof = s.Add("evt_proof", "PROOF_EVALUATED", Proof(at, FactsHash(at), "INSUFFICIENT_EVIDENCE"));
    Json event;
    if (with_forfeit_event) {
      Json forfeit = With("evaluatedAtChainHash", at);
      forfeit["factsHash"] = FactsHash(at);
      forfeit["decisionRef"]["decisionId"] = "dec_1";
      event = s.Add("evt_forfeit", "SETTLEMENT_FORFEITED", forfeit);
    }
    Json ref = FullRef(proof);
    ref["status"] = "FAIL";
    Json& ptr = ref["forfeit"];
    ptr["forfeitEventId"] = "evt_forfeit";
    if (with_forfeit_event) {
      ptr["forfeitEventChainHash"] = *event.Find("chainHash");
      ptr["forfeitEventPayloadHash"] = *event.Find("payloadHash");
    }
    edit(ptr, event);
    s.Add("evt_settled", "SETTLED", With("settlementProofRef", ref));
    return s.Verify();
  };
  EXPECT_TRUE(Passes(run(true, [](Json&, const Json&) {})));
  EXPECT_TRUE(RefsInvalid(run(false, [](Json&, const Json&) {}), {"settlement forfeit ref missing SETTLEMENT_FORFEITED"}));
  EXPECT_TRUE(RefsInvalid(run(true, [](Json& p, const Json&) { p["forfeitEventChainHash"] = std::string(64, 'c'); }),
                          {"settlement forfeitEventChainHash mismatch"}));
  EXPECT_TRUE(RefsInvalid(run(true, [](Json& p, const Json&) { p["forfeitEventPayloadHash"] = std::string(64, 'c'); }),
                          {"settlement forfeitEventPayloadHash mismatch"}));
  EXPECT_TRUE(RefsInvalid(run(true,
                              [](Json& p, const Json&) {
                                p["forfeitEventChainHash"] = std::string(64, 'c');
                                p["forfeitEventPayloadHash"] = std::string(64, 'c');
                              }),
                          {"settlement forfeitEventChainHash mismatch", "settlement forfeitEventPayloadHash mismatch"}));

  // Without the forfeit pointer, FAIL against INSUFFICIENT_EVIDENCE is a mismatch; a hold never
  // gets the exception.
  Booked b;
  Json proof = b.s.Add("evt_proof_ie", "PROOF_EVALUATED",
                       Proof(b.booked.Find("chainHash")->str(), FactsHash(b.booked.Find("chainHash")->str()), "INSUFFICIENT_EVIDENCE"));
  Json ref = FullRef(proof);
  ref["status"] = "FAIL";
  b.s.Add("evt_settled", "SETTLED", With("settlementProofRef", ref));
  ref["forfeit"]["forfeitEventId"] = "evt_none";
  b.s.Add("evt_hold", "SETTLEMENT_HELD", With("triggeringProofRef", ref));
  EXPECT_TRUE(RefsInvalid(b.s.Verify(), {"settlement settlementProofRef mismatch", "hold triggeringProofRef mismatch"}));
}

TEST(VerifyProvenance, ForfeitDecisionProvenance) {
  const auto run = [](const std::function<void(Json& forfeit, const Json& decision)>& edit) {
    Stream s;
    Json booked = s.Add("evt_book", "BOOKED", Booking());
    const std::string at = booked.Find("chainHash")->str();
    Json d = Json::Object();
    d["decisionId"] = "dec_1";
    d["kind"] = "FORFEIT";
    d["holdId"] = "hold_1";
    d["forfeitureReason"] = "NO_EVIDENCE";
    d["policyHash"] = std::string(64, 'd');
    d["reasonCodes"] = Json::Array({"MISSING_ZONE_COVERAGE"});
    d["evidenceRefs"] = Json::Array({"ev_1"});
    Json decision = s.Add("evt_decision", "DECISION_RECORDED", d);
    Json forfeit = With("evaluatedAtChainHash", at);
    forfeit["factsHash"] = FactsHash(at);
    Json& ref = forfeit["decisionEventRef"];
    ref["decisionEventId"] = "evt_decision";
    ref["decisionEventChainHash"] = *decision.Find("chainHash");
    ref["decisionEventPayloadHash"] = *decision.Find("payloadHash");
    ref["decisionEventSignerKeyId"] = *decision.Find("signerKeyId");
    ref["decisionEventSignature"] = *decision.Find("signature");
    for (const char* m : {"decisionId", "kind", "holdId", "forfeitureReason", "policyHash", "reasonCodes", "evidenceRefs"}) {
      ref[m] = *decision.Find("payload")->Find(m);
    }
    edit(forfeit, decision);
    s.Add("evt_forfeit", "SETTLEMENT_FORFEITED", forfeit);
    return s.Verify();
  };
  EXPECT_TRUE(Passes(run([](Json&, const Json&) {})));
  // decisionRef alone is provenance enough (the reference does not resolve it).
  EXPECT_TRUE(Passes(run([](Json& f, const Json&) {
    f.Erase("decisionEventRef");
    f["decisionRef"]["decisionId"] = "dec_1";
  })));
  EXPECT_TRUE(RefsInvalid(run([](Json& f, const Json&) { f.Erase("decisionEventRef"); }), {"forfeit missing decision provenance"}));
  EXPECT_TRUE(RefsInvalid(run([](Json& f, const Json&) { f["decisionEventRef"]["decisionEventId"] = "evt_book"; }),
                          {"forfeit decisionEventRef missing DECISION_RECORDED"}));
  for (const char* m : {"decisionEventChainHash", "decisionEventPayloadHash", "decisionEventSignerKeyId", "decisionEventSignature",
                        "decisionId", "kind", "holdId", "forfeitureReason", "policyHash"}) {
    SCOPED_TRACE(m);
    EXPECT_TRUE(RefsInvalid(run([m](Json& f, const Json&) { f["decisionEventRef"][m] = "other"; }),
                            {"forfeit decisionEventRef mismatch"}));
  }
  for (const char* m : {"reasonCodes", "evidenceRefs"}) {
    SCOPED_TRACE(m);
    EXPECT_TRUE(RefsInvalid(run([m](Json& f, const Json&) { f["decisionEventRef"][m] = Json::Array({"other"}); }),
                            {"forfeit decisionEventRef mismatch"}));
  }
  EXPECT_TRUE(RefsInvalid(run([](Json& f, const Json&) { f["factsHash"] = std::string(64, '0'); }),
                          {"forfeit stale at decision time"}));
  EXPECT_TRUE(RefsInvalid(run([](Json& f, const Json&) { f.Erase("evaluatedAtChainHash"); }),
                          {"forfeit freshness check failed"}));
}

// Several failing events: one record each, in stream order, and the count of checked events.
TEST(VerifyProvenance, AllSubErrorsAreCollected) {
  Booked b;
  b.s.Add("evt_hold", "SETTLEMENT_HELD", With("triggeringProofRef", With("proofEventId", "evt_none")));
  Json r = FullRef(b.proof);
  r["factsHash"] = "other";
  b.s.Add("evt_release", "SETTLEMENT_RELEASED", With("releasingProofRef", r));
  b.s.Add("evt_forfeit", "SETTLEMENT_FORFEITED", Json::Object());
  Outcome o = b.s.Verify();
  ASSERT_TRUE(RefsInvalid(o, {"hold missing referenced PROOF_EVALUATED", "release releasingProofRef mismatch",
                              "forfeit freshness check failed", "forfeit missing decision provenance"}));
  EXPECT_EQ(Json::Parse(o.detail()).Find("checked")->num(), 3);
}

}  // namespace
}  // namespace nooterra::verify::testing
