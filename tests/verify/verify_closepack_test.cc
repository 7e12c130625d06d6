// ClosePack (08-closepack.md): the embedded invoice, header bindings, the evidence index and
// the SLA / acceptance surfaces.
#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr char kAtt[] = "attestation/bundle_head_attestation.json";
constexpr char kReport[] = "verify/verification_report.json";
const std::string kZeros(64, '0');

constexpr BundleKind kClose = BundleKind::kClosePack;
constexpr char kClosePass[] = "closepack/strict-pass";
constexpr char kEmbedded[] = "payload/invoice_bundle/";

// Re-seals the embedded invoice, re-binds the ClosePack header to it, re-seals the ClosePack.
void ResealClose(const Bundle& b) {
  const std::string att = b.Reseal(kEmbedded);
  const std::string manifest_hash = b.ReadJson(std::string(kEmbedded) + "manifest.json")["manifestHash"].str();
  b.Edit("nooterra.json", [&](Json& h) {
    h["invoiceBundle"]["manifestHash"] = manifest_hash;
    h["invoiceBundle"]["headAttestationHash"] = att;
  });
  b.Reseal();
}

TEST(VerifyClosePack, EmbeddedInvoiceFailureAndWarnings) {
  Bundle b(kClosePass);
  b.Write("payload/invoice_bundle/invoice/invoice_claim.json", "{}");
  b.Reseal();
  Outcome o = b.Verify(kClose, Strict());
  EXPECT_TRUE(Fails(o, {"sha256 mismatch"}));
  EXPECT_EQ(o.message(), "embedded invoice bundle verification failed");
  // Lenient: the invoice is verified too (non-strictly); its warnings are merged on failure...
  Options l = Lenient();
  l.trust.governance_roots_json.clear();
  EXPECT_TRUE(Fails(b.Verify(kClose, l), {"sha256 mismatch"},
                    {"TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT", "TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT"}));
  // ...and dropped on success.
  Bundle ok(kClosePass);
  EXPECT_TRUE(Passes(ok.Verify(kClose, l), {"TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT"}));
}

TEST(VerifyClosePack, ResealedEmbeddedInvoiceStillPasses) {
  Bundle b(kClosePass);
  ResealClose(b);
  EXPECT_TRUE(Passes(b.Verify(kClose, Strict())));
}

TEST(VerifyClosePack, HeaderBindingsAndEvidence) {
  const CodeCase cases[] = {
      {"closepack invoiceBundle.embeddedPath invalid",
       EditSealed("nooterra.json", [](Json& h) { h["invoiceBundle"]["embeddedPath"] = "payload/invoice_bundle/"; })},
      {"closepack invoiceBundle.manifestHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["invoiceBundle"]["manifestHash"] = kZeros; })},
      {"closepack invoiceBundle.headAttestationHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["invoiceBundle"]["headAttestationHash"] = kZeros; }), false},
      {"missing evidence/evidence_index.json",
       [](const Bundle& b) {
         b.Write("evidence/evidence_index.json", "{");
         b.Reseal();
       }},
      {"unsupported evidence index schemaVersion",
       EditSealed("evidence/evidence_index.json", [](Json& i) { i["schemaVersion"] = "EvidenceIndex.v2"; })},
      {"closepack evidence_index mismatch",
       EditSealed("evidence/evidence_index.json", [](Json& i) { i["items"].at(0)["sha256"] = kZeros; })},
      {"closepack evidence_index mismatch",
       EditSealed("evidence/evidence_index.json", [](Json& i) { i["jobProof"]["embeddedPath"] = "payload/job_proof_bundle"; })},
      {"attestation missing heads.invoiceBundle", EditPackAttestation([](Json& a) { a["heads"]["invoiceBundle"] = nullptr; })},
      {"attestation invoiceBundle.manifestHash mismatch",
       EditPackAttestation([](Json& a) { a["heads"]["invoiceBundle"]["manifestHash"] = kZeros; })},
      {"attestation invoiceBundle.attestationHash mismatch",
       EditPackAttestation([](Json& a) { a["heads"]["invoiceBundle"]["attestationHash"] = kZeros; })},
      {"attestation scope.invoiceId mismatch", EditPackAttestation([](Json& a) { a["scope"]["invoiceId"] = 1; })},
      {"attestation kind mismatch", EditPackAttestation([](Json& a) { a["kind"] = "InvoiceBundle.v1"; })},
  };
  for (const auto& c : cases) RunCodeCase(kClose, kClosePass, c);
  // The generatedAt of a stored index is taken as is.
  Bundle b(kClosePass);
  b.Edit("evidence/evidence_index.json", [](Json& i) { i["generatedAt"] = "whenever"; });
  b.Reseal();
  EXPECT_TRUE(Passes(b.Verify(kClose, Strict())));
}

TEST(VerifyClosePack, ReportIsNotComparedWithTheAttestation) {
  Bundle b(kClosePass);
  b.Edit(kReport, [](Json& r) { r["bundleHeadAttestation"]["attestationHash"] = kZeros; });
  b.SignReport();
  EXPECT_TRUE(Passes(b.Verify(kClose, Strict())));
  b.Edit(kReport, [](Json& r) { r["bundleHeadAttestation"].Erase("attestationHash"); });
  b.SignReport();
  EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {"verification report bundleHeadAttestation.attestationHash missing"}));
}

TEST(VerifyClosePack, MeteringBindingMissingAndJobEventsMissing) {
  {
    // Drop the job attestation's declared hash so the embedded invoice no longer needs the
    // metering report's headAttestationHash; the ClosePack still requires all three members.
    Bundle b(kClosePass);
    b.Edit("payload/invoice_bundle/payload/job_proof_bundle/attestation/bundle_head_attestation.json",
           [](Json& a) { a.Erase("attestationHash"); });
    b.Edit("payload/invoice_bundle/nooterra.json", [](Json& h) { h["inputs"].Erase("jobProofHeadAttestationHash"); });
    b.Edit("payload/invoice_bundle/metering/metering_report.json",
           [](Json& m) { m["jobProof"].Erase("headAttestationHash"); });
    ResealClose(b);
    EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {"meteringReport jobProof binding missing"}));
    EXPECT_TRUE(Fails(b.Verify(kClose, Lenient()), {"meteringReport jobProof binding missing"}));
  }
  {
    // An empty job stream: the strict nested JobProof fails first (its own manifest still pins
    // the old bytes); the lenient run never verifies the job and reaches the ClosePack check.
    Bundle b(kClosePass);
    b.Write("payload/invoice_bundle/payload/job_proof_bundle/events/events.jsonl", "");
    ResealClose(b);
    Outcome o = b.Verify(kClose, Strict());
    EXPECT_TRUE(Fails(o, {"sha256 mismatch"}));
    EXPECT_EQ(o.message(), "embedded invoice bundle verification failed");
    EXPECT_TRUE(Fails(b.Verify(kClose, Lenient()), {"job proof events missing"}));
  }
}

TEST(VerifyClosePack, SlaAndAcceptanceSurfaces) {
  const std::pair<const char*, const char*> surfaces[] = {
      {"sla/sla_definition.json", "sla/sla_evaluation.json"},
      {"acceptance/acceptance_criteria.json", "acceptance/acceptance_evaluation.json"}};
  for (const auto& [definition, evaluation] : surfaces) {
    SCOPED_TRACE(definition);
    const bool sla = definition[0] == 's';
    const std::string incomplete = sla ? "closepack sla surfaces incomplete" : "closepack acceptance surfaces incomplete";
    const std::string warning =
        sla ? "CLOSE_PACK_SLA_SURFACES_MISSING_LENIENT" : "CLOSE_PACK_ACCEPTANCE_SURFACES_MISSING_LENIENT";
    {
      // Only the definition: strict fails, lenient ignores the half surface.
      Bundle b(kClosePass);
      b.Write(evaluation, "{");
      b.Reseal();
      EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {incomplete}));
      if (sla) {
        // SLA_OVERALL_OK reads the *stored* SLA evaluation, which is now absent.
        EXPECT_TRUE(Fails(b.Verify(kClose, Lenient()), {"closepack acceptance_evaluation mismatch"}));
      } else {
        EXPECT_TRUE(Passes(b.Verify(kClose, Lenient())));
      }
    }
    {
      // Only the evaluation: strict fails, lenient warns (keyed on the definition).
      Bundle b(kClosePass);
      b.Write(definition, "[");
      b.Reseal();
      EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {incomplete}));
      EXPECT_TRUE(Passes(b.Verify(kClose, Lenient()), {warning}));
    }
    {
      Bundle b(kClosePass);
      b.Edit(definition, [](Json& d) { d["schemaVersion"] = "Other.v1"; });
      b.Reseal();
      const std::string code =
          sla ? "unsupported sla definition schemaVersion" : "unsupported acceptance criteria schemaVersion";
      EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {code}));
      EXPECT_TRUE(Fails(b.Verify(kClose, Lenient()), {code}));
    }
    {
      Bundle b(kClosePass);
      b.Edit(evaluation, [](Json& e) { e["overallStatus"] = "breach"; });
      b.Reseal();
      const std::string code = sla ? "closepack sla_evaluation mismatch" : "closepack acceptance_evaluation mismatch";
      EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {code}));
      EXPECT_TRUE(Fails(b.Verify(kClose, Lenient()), {code}));
    }
  }
  {
    // Both surfaces absent: strict passes silently, lenient warns twice.
    Bundle b(kClosePass);
    for (const auto& [definition, evaluation] : surfaces) {
      b.Remove(definition);
      b.Remove(evaluation);
      b.Write(definition, "");  // unreadable as JSON = absent; keeps the manifest entry valid
      b.Write(evaluation, "");
    }
    b.Reseal();
    EXPECT_TRUE(Passes(b.Verify(kClose, Strict())));
    EXPECT_TRUE(Passes(b.Verify(kClose, Lenient()),
                       {"CLOSE_PACK_SLA_SURFACES_MISSING_LENIENT", "CLOSE_PACK_ACCEPTANCE_SURFACES_MISSING_LENIENT"}));
  }
}

TEST(VerifyClosePack, SlaRulesAreRecomputed) {
  // An unsupported rule kind evaluates to "unknown" and makes the overall status "unknown".
  Bundle b(kClosePass);
  b.Edit("sla/sla_definition.json", [](Json& d) {
    Json rule = Json::Object();
    rule["kind"] = "SOMETHING_NEW";
    rule["ruleId"] = "r1";
    d["rules"].Push(rule);
  });
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {"closepack sla_evaluation mismatch"}));
  b.Edit("sla/sla_evaluation.json", [](Json& e) {
    Json result = Json::Object();
    result["detail"]["reason"] = "unsupported rule kind";
    result["kind"] = "SOMETHING_NEW";
    result["ruleId"] = "r1";
    result["status"] = "unknown";
    e["results"].Push(result);
    e["overallStatus"] = "unknown";
  });
  // The acceptance criterion SLA_OVERALL_OK reads the stored SLA status.
  b.Edit("acceptance/acceptance_evaluation.json", [](Json& e) {
    e["results"].at(1)["detail"]["overallStatus"] = "unknown";
    e["results"].at(1)["status"] = "fail";
    e["overallStatus"] = "fail";
  });
  b.Reseal();
  EXPECT_TRUE(Passes(b.Verify(kClose, Strict())));
}

}  // namespace
}  // namespace nooterra::verify::testing
