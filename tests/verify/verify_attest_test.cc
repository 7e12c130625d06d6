// Head attestations and verification reports of JobProof and MonthProof bundles (04 §14,
// §15, 05 §2 steps 14 and 16): every inner code, strict (error) vs lenient (warning) behaviour.
#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr BundleKind kJob = BundleKind::kJobProof;
constexpr BundleKind kMonth = BundleKind::kMonthProof;
constexpr char kJobPass[] = "jobproof/strict-pass";
constexpr char kMonthPass[] = "monthproof/strict-pass";
constexpr char kAtt[] = "attestation/bundle_head_attestation.json";
constexpr char kReport[] = "verify/verification_report.json";
const std::string kZeros(64, '0');

// Edits the attestation, re-signs it (unless told not to) and re-binds the report to it.
void EditAtt(const Bundle& b, const std::function<void(Json&)>& fn, bool resign = true) {
  b.Edit(kAtt, fn);
  if (resign) b.ResignReport("", b.SignAttestation());
}

void EditReport(const Bundle& b, const std::function<void(Json&)>& fn, bool resign = true) {
  b.Edit(kReport, fn);
  if (resign) b.SignReport();
}

struct AttCase {
  const char* code;
  std::function<void(const Bundle&)> mutate;
};

void ExpectAttestationCase(BundleKind kind, const char* rel, const AttCase& c) {
  SCOPED_TRACE(c.code);
  Bundle b(rel);
  c.mutate(b);
  Outcome o = b.Verify(kind, Strict());
  EXPECT_TRUE(Fails(o, {c.code}));
  EXPECT_EQ(o.message(), "bundle head attestation invalid");
  // [J][M] lenient: an invalid attestation is only a warning.
  EXPECT_TRUE(Passes(b.Verify(kind, Lenient()), {"BUNDLE_HEAD_ATTESTATION_INVALID"}));
}

TEST(VerifyAttestation, JobProofInnerCodes) {
  const AttCase cases[] = {
      {"invalid attestation JSON", [](const Bundle& b) { b.Write(kAtt, "[1,2]"); }},
      {"unsupported attestation schemaVersion",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["schemaVersion"] = "BundleHeadAttestation.v2"; }); }},
      {"attestation kind mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["kind"] = "MonthProofBundle.v1"; }); }},
      {"attestation kind mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a.Erase("kind"); }); }},
      {"attestation tenantId mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["tenantId"] = "tenant_x"; }); }},
      {"attestation scope mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["scope"]["jobId"] = "job_x"; }); }},
      {"attestation scope mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a.Erase("scope"); }); }},
      {"attestation manifestHash mismatch",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["manifestHash"] = kZeros; }); }},
      {"attestation missing signer fields", [](const Bundle& b) { EditAtt(b, [](Json& a) { a.Erase("signedAt"); }); }},
      {"attestation missing signer fields", [](const Bundle& b) {
         b.Edit(kAtt, [](Json& a) {
           a.Erase("signature");
           a["attestationHash"] = CanonicalHash(a, {"attestationHash", "signature"});
         });
       }},
      {"attestationHash mismatch",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["generatedAt"] = "2026-02-03T00:00:00.000Z"; }, false); }},
      {"unknown attestation signerKeyId", [](const Bundle& b) {
         b.Edit(kAtt, [](Json& a) {
           a["signerKeyId"] = kServerBId;
           SignObject(&a, "attestationHash", {"attestationHash", "signature"}, kServerBId);
         });
       }},
      {"attestation signature invalid", [](const Bundle& b) {
         b.Edit(kAtt, [](Json& a) { a["signature"] = SignHex(a["attestationHash"].str(), kServerBId); });
       }},
      {"attestation missing heads", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"] = "heads"; }); }},
      {"attestation missing heads.job", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"].Erase("job"); }); }},
      {"attestation missing heads.job", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["job"] = 0; }); }},
      {"attestation job head mismatch (chainHash)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["job"]["lastChainHash"] = kZeros; }); }},
      {"attestation job head mismatch (eventId)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["job"]["lastEventId"] = "evt_x"; }); }},
      {"attestation global governance head mismatch (chainHash)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["governance"]["global"]["lastChainHash"] = kZeros; }); }},
      {"attestation global governance head mismatch (eventId)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["governance"]["global"]["lastEventId"] = "e"; }); }},
      {"attestation tenant governance head mismatch (chainHash)",
       [](const Bundle& b) {
         b.AppendEvent("governance/tenant/events",
                       Material("evt_t", "2026-01-02T00:00:00.000Z", "governance", "TENANT_POLICY_UPDATED",
                                Json::Object()),
                       "", "governance/tenant/snapshot.json");
         b.Reseal();
         EditAtt(b, [](Json& a) { a["heads"]["governance"]["tenant"]["lastChainHash"] = kZeros; });
       }},
      {"attestation tenant governance head mismatch (eventId)",
       [](const Bundle& b) {
         b.AppendEvent("governance/tenant/events",
                       Material("evt_t", "2026-01-02T00:00:00.000Z", "governance", "TENANT_POLICY_UPDATED",
                                Json::Object()),
                       "", "governance/tenant/snapshot.json");
         b.Reseal();
         EditAtt(b, [](Json& a) { a["heads"]["governance"]["tenant"]["lastEventId"] = "evt_other"; });
       }},
  };
  for (const auto& c : cases) ExpectAttestationCase(kJob, kJobPass, c);
}

TEST(VerifyAttestation, HeadsAreComparedOnlyWhenBothSidesAreTruthy) {
  Bundle b(kJobPass);
  EditAtt(b, [](Json& a) {
    a["heads"]["job"]["lastChainHash"] = nullptr;
    a["heads"]["job"]["lastEventId"] = "";
    a["heads"]["governance"]["global"] = Json::Object();
    a["heads"]["governance"]["tenant"]["lastChainHash"] = kZeros;  // tenant snapshot declares null
  });
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  EditAtt(b, [](Json& a) { a["heads"].Erase("governance"); });
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
}

TEST(VerifyAttestation, MonthProofInnerCodes) {
  const AttCase cases[] = {
      {"attestation missing heads.month", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"].Erase("month"); }); }},
      {"attestation month head mismatch (chainHash)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["month"]["lastChainHash"] = kZeros; }); }},
      {"attestation month head mismatch (chainHash)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["month"].Erase("lastChainHash"); }); }},
      {"attestation month head mismatch (eventId)",
       [](const Bundle& b) { EditAtt(b, [](Json& a) { a["heads"]["month"]["lastEventId"] = "evt_x"; }); }},
      {"attestation kind mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["kind"] = "JobProofBundle.v1"; }); }},
      {"attestation scope mismatch", [](const Bundle& b) { EditAtt(b, [](Json& a) { a["scope"]["period"] = "2026-02"; }); }},
      {"invalid attestation JSON", [](const Bundle& b) { b.Write(kAtt, "\"attestation\""); }},
  };
  for (const auto& c : cases) ExpectAttestationCase(kMonth, kMonthPass, c);
}

TEST(VerifyAttestation, AbsentAttestationStrictFailsLenientWarnsTwice) {
  for (const auto& [kind, rel] : {std::pair{kJob, kJobPass}, std::pair{kMonth, kMonthPass}}) {
    SCOPED_TRACE(rel);
    for (bool unparsable : {false, true}) {
      Bundle b(rel);
      if (unparsable) {
        b.Write(kAtt, "{");
      } else {
        b.Remove(kAtt);
      }
      EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"missing attestation/bundle_head_attestation.json"}));
      EXPECT_TRUE(Passes(b.Verify(kind, Lenient()),
                         {"MISSING_BUNDLE_HEAD_ATTESTATION", "BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT"}));
    }
  }
}

TEST(VerifyAttestation, AbsentReportStrictFailsLenientWarns) {
  for (const auto& [kind, rel] : {std::pair{kJob, kJobPass}, std::pair{kMonth, kMonthPass}}) {
    SCOPED_TRACE(rel);
    Bundle b(rel);
    b.Write(kReport, "not json");
    EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"missing verify/verification_report.json"}));
    EXPECT_TRUE(Passes(b.Verify(kind, Lenient()), {"VERIFICATION_REPORT_MISSING_LENIENT"}));
  }
}

// ---- verification report (§15)

struct ReportCase {
  const char* code;
  std::function<void(const Bundle&)> mutate;
  bool lenient_fails;  // the check also runs in lenient mode
};

TEST(VerifyReport, EveryInnerCode) {
  const ReportCase cases[] = {
      {"invalid verification report JSON", [](const Bundle& b) { b.Write(kReport, "[]"); }, true},
      {"unsupported verification report schemaVersion",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["schemaVersion"] = "VerificationReport.v2"; }); }, true},
      {"unsupported verification report profile",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["profile"] = "lenient"; }); }, true},
      {"warnings must be an array", [](const Bundle& b) { EditReport(b, [](Json& r) { r["warnings"] = "none"; }); }, true},
      {"warning must be an object", [](const Bundle& b) { EditReport(b, [](Json& r) { r["warnings"].Push(5); }); }, true},
      {"invalid warning code",
       [](const Bundle& b) {
         EditReport(b, [](Json& r) {
           Json w = Json::Object();
           w["code"] = "MANIFEST_MISSING_REQUIRED_FILES";  // emitted by the CLI, but not in the closed set
           r["warnings"].Push(w);
         });
       },
       true},
      {"invalid verification report subject", [](const Bundle& b) { EditReport(b, [](Json& r) { r["subject"] = 1; }); },
       true},
      {"verification report subject.type mismatch",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["subject"]["type"] = "MonthProofBundle.v1"; }); }, true},
      {"verification report subject.manifestHash mismatch",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["subject"]["manifestHash"] = kZeros; }); }, true},
      {"verification report missing bundleHeadAttestation",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r.Erase("bundleHeadAttestation"); }); }, false},
      {"verification report bundleHeadAttestation.attestationHash missing",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["bundleHeadAttestation"]["attestationHash"] = " "; }); },
       false},
      {"verification report bundleHeadAttestation.attestationHash mismatch",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["bundleHeadAttestation"]["attestationHash"] = kZeros; }); },
       false},
      {"verification report missing reportHash", [](const Bundle& b) { EditReport(b, [](Json& r) { r.Erase("reportHash"); }, false); },
       true},
      {"verification report reportHash mismatch",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["tool"]["version"] = "9.9.9"; }, false); }, true},
      {"verification report missing signature",
       [](const Bundle& b) {
         EditReport(b, [](Json& r) {
           r.Erase("signature");
           r["reportHash"] = CanonicalHash(r, {"reportHash", "signature"});
         }, false);
       },
       false},
      {"verification report missing signature",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r.Erase("signedAt"); }); }, false},
      {"verification report signer must be an object",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["signer"] = "server"; }); }, true},
      {"verification report signer.keyId missing", [](const Bundle& b) { EditReport(b, [](Json& r) { r["signer"].Erase("keyId"); }); },
       true},
      {"verification report signer.keyId mismatch",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["signer"]["keyId"] = kServerBId; }); }, true},
      {"verification report signer.scope invalid",
       [](const Bundle& b) { EditReport(b, [](Json& r) { r["signer"]["scope"] = "Global"; }); }, true},
      {"unknown verification report signerKeyId",
       [](const Bundle& b) {
         b.Edit(kReport, [](Json& r) {
           r["signerKeyId"] = kServerBId;
           r["signer"]["keyId"] = kServerBId;
           SignObject(&r, "reportHash", {"reportHash", "signature"}, kServerBId);
         });
       },
       true},
      {"verification report signature invalid",
       [](const Bundle& b) {
         b.Edit(kReport, [](Json& r) { r["signature"] = SignHex(r["reportHash"].str(), kServerBId); });
       },
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    Bundle b(kJobPass);
    c.mutate(b);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    EXPECT_EQ(o.message(), "verification report invalid");
    const std::string code = c.code;
    if (code == "warnings must be an array" || code == "warning must be an object" || code == "invalid warning code") {
      EXPECT_NE(o.detail().find("verification report warnings invalid: " + code), std::string::npos) << o.detail();
    }
    if (c.lenient_fails) {
      EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {c.code}));
    } else {
      EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
    }
  }
}

TEST(VerifyReport, ValidOptionalPartsPass) {
  Bundle b(kJobPass);
  EditReport(b, [](Json& r) {
    Json w = Json::Object();
    w["code"] = "TOOL_VERSION_UNKNOWN";
    r["warnings"].Push(w);  // valid, and JobProof does not surface report warnings
    r["signer"]["scope"] = nullptr;
  });
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  EditReport(b, [](Json& r) {
    r["signer"] = nullptr;
    r["warnings"] = nullptr;
  });
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
}

TEST(VerifyReport, AttestationHashBindingNeedsAVerifiedAttestation) {
  // Lenient with an invalid attestation: nothing to compare the report's binding with.
  Bundle b(kJobPass);
  EditAtt(b, [](Json& a) { a["tenantId"] = "tenant_x"; });
  EXPECT_TRUE(Passes(b.Verify(kJob, Lenient()), {"BUNDLE_HEAD_ATTESTATION_INVALID"}));
}

TEST(VerifyReport, MonthProofReportToo) {
  Bundle b(kMonthPass);
  EditReport(b, [](Json& r) { r["subject"]["type"] = "JobProofBundle.v1"; });
  EXPECT_TRUE(Fails(b.Verify(kMonth, Strict()), {"verification report subject.type mismatch"}));
  Bundle c(kMonthPass);
  EditReport(c, [](Json& r) { r["bundleHeadAttestation"]["attestationHash"] = kZeros; });
  EXPECT_TRUE(Fails(c.Verify(kMonth, Strict()), {"verification report bundleHeadAttestation.attestationHash mismatch"}));
}

}  // namespace
}  // namespace nooterra::verify::testing
