// FinancePack (06-financepack.md) and InvoiceBundle (07-invoicebundle.md): nested bundles,
// header bindings, artifacts, reconcile, pricing signatures and the big-integer invoice math.
// ClosePack is in verify_closepack_test.cc.
#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr BundleKind kFinance = BundleKind::kFinancePack;
constexpr BundleKind kInvoice = BundleKind::kInvoiceBundle;
constexpr char kFinancePass[] = "financepack/strict-pass";
constexpr char kInvoicePass[] = "invoicebundle/strict-pass";
constexpr char kAtt[] = "attestation/bundle_head_attestation.json";
constexpr char kReport[] = "verify/verification_report.json";
const std::string kZeros(64, '0');

// ---- FinancePack

TEST(VerifyFinancePack, NestedMonthIsVerifiedStrictlyOnly) {
  Bundle b(kFinancePass);
  b.Write("month/events/events.jsonl", b.Read("month/events/events.jsonl") + "\n");
  b.Reseal();
  Outcome o = b.Verify(kFinance, Strict());
  EXPECT_TRUE(Fails(o, {"sha256 mismatch"}));
  EXPECT_EQ(o.message(), "month proof strict verification failed");
  EXPECT_TRUE(Passes(b.Verify(kFinance, Lenient())));
}

TEST(VerifyFinancePack, HeaderAndArtifactBindings) {
  const CodeCase cases[] = {
      {"monthProofBundleHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["inputs"]["monthProofBundleHash"] = kZeros; })},
      {"glBatchHash mismatch", EditSealed("nooterra.json", [](Json& h) { h["inputs"]["glBatchHash"] = kZeros; })},
      {"journalCsvHash mismatch", EditSealed("nooterra.json", [](Json& h) { h["inputs"]["journalCsvHash"] = kZeros; })},
      {"journalCsvArtifactHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["inputs"]["journalCsvArtifactHash"] = kZeros; })},
      {"financeAccountMapHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["inputs"]["financeAccountMapHash"] = "h_other"; })},
      {"reconcileReportHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["inputs"]["reconcileReportHash"] = kZeros; })},
      {"journalCsv.csvSha256 mismatch",
       [](const Bundle& b) {
         b.Write("finance/JournalCsv.v1.csv", "a,b\n1,3\n");
         b.Reseal();
       }},
  };
  for (const auto& c : cases) RunCodeCase(kFinance, kFinancePass, c);
}

TEST(VerifyFinancePack, ArtifactChecksForBothArtifacts) {
  const std::pair<const char*, const char*> artifacts[] = {{"finance/GLBatch.v1.json", "GLBatch"},
                                                           {"finance/JournalCsv.v1.json", "JournalCsv"}};
  for (const auto& [rel, label] : artifacts) {
    SCOPED_TRACE(label);
    const std::string type = std::string(label) + ".v1";
    const std::pair<const char*, std::function<void(Json&)>> cases[] = {
        {"invalid artifact JSON", [](Json& a) { a = Json::Array(); }},
        {"artifactType mismatch", [](Json& a) { a["artifactType"] = "Other.v1"; }},
        {"schemaVersion mismatch", [](Json& a) { a["schemaVersion"] = "Other.v1"; }},
        {"missing artifactHash", [](Json& a) { a.Erase("artifactHash"); }},
        {"artifactHash mismatch", [](Json& a) { a["tenantId"] = "tenant_other"; }},
    };
    for (const auto& [code, fn] : cases) {
      RunCodeCase(kFinance, kFinancePass,
          CodeCase{code, EditSealed(rel, fn), true, nullptr});
      Bundle b(kFinancePass);
      EditSealed(rel, fn)(b);
      EXPECT_EQ(b.Verify(kFinance, Strict()).message(), std::string(label) + ": " + code);
    }
  }
  // A re-hashed artifact that is self-consistent still has to match the header input.
  Bundle b(kFinancePass);
  b.Edit("finance/GLBatch.v1.json", [](Json& a) {
    a["artifactId"] = "gl_other";
    a["artifactHash"] = CanonicalHash(a, {"artifactHash"});
  });
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kFinance, Strict()), {"glBatchHash mismatch"}));
}

TEST(VerifyFinancePack, AttestationInnerCodesAreErrorsInBothModes) {
  const CodeCase cases[] = {
      {"invalid bundle head attestation JSON", [](const Bundle& b) { b.Write(kAtt, "7"); }},
      {"attestation kind mismatch", EditPackAttestation([](Json& a) { a["kind"] = "InvoiceBundle.v1"; })},
      {"attestation tenantId mismatch", EditPackAttestation([](Json& a) { a["tenantId"] = nullptr; })},
      {"attestation scope.period mismatch", EditPackAttestation([](Json& a) { a["scope"]["period"] = "2026-02"; })},
      {"attestation manifestHash mismatch", EditPackAttestation([](Json& a) { a["manifestHash"] = kZeros; })},
      {"attestationHash mismatch", [](const Bundle& b) { b.Edit(kAtt, [](Json& a) { a["generatedAt"] = "x"; }); }},
      {"attestation missing heads", EditPackAttestation([](Json& a) { a.Erase("heads"); })},
      {"attestation missing heads.monthProof", EditPackAttestation([](Json& a) { a["heads"]["monthProof"] = true; })},
      {"attestation monthProof.manifestHash mismatch",
       EditPackAttestation([](Json& a) { a["heads"]["monthProof"]["manifestHash"] = kZeros; })},
      {"attestation monthProof.attestationHash mismatch",
       EditPackAttestation([](Json& a) { a["heads"]["monthProof"]["attestationHash"] = kZeros; }), false},
      {"attestation missing signature fields", EditPackAttestation([](Json& a) { a["signedAt"] = " "; }), false},
      {"unknown attestation signerKeyId", [](const Bundle& b) {
         b.Edit(kAtt, [](Json& a) {
           a["signerKeyId"] = kServerBId;
           SignObject(&a, "attestationHash", {"attestationHash", "signature"}, kServerBId);
         });
       }},
  };
  for (const auto& c : cases) {
    CodeCase with_message = c;
    with_message.message = "bundle head attestation invalid";
    RunCodeCase(kFinance, kFinancePass, with_message);
  }
  // Lenient: an unsigned attestation is fine for [F][I][C]; strict wants the signature fields.
  Bundle b(kFinancePass);
  b.Edit(kAtt, [](Json& a) {
    a.Erase("signature");
    a.Erase("signerKeyId");
  });
  b.ResignReport("", b.SignAttestation());
  EXPECT_TRUE(Fails(b.Verify(kFinance, Strict()), {"attestation missing signature fields"}));
  EXPECT_TRUE(Passes(b.Verify(kFinance, Lenient())));
  // Absent: strict error, lenient warning (one, unlike [J][M]).
  Bundle c(kFinancePass);
  c.Remove(kAtt);
  EXPECT_TRUE(Fails(c.Verify(kFinance, Strict()), {"missing attestation/bundle_head_attestation.json"}));
  EXPECT_TRUE(Passes(c.Verify(kFinance, Lenient()), {"BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT"}));
}

TEST(VerifyFinancePack, ReportKeysAndBindingAndSurfacedWarnings) {
  {
    Bundle b(kFinancePass);
    b.Edit(kReport, [](Json& r) {
      r["signerKeyId"] = kServerBId;
      r["signer"]["keyId"] = kServerBId;
      SignObject(&r, "reportHash", {"reportHash", "signature"}, kServerBId);
    });
    Outcome o = b.Verify(kFinance, Strict());
    EXPECT_TRUE(Fails(o, {"verification report signerKeyId not found in month keys"}));
    EXPECT_EQ(o.message(), "verification report invalid");
  }
  {
    // [F] compares the binding only after the report verified: a top-level failure.
    Bundle b(kFinancePass);
    b.Edit(kReport, [](Json& r) { r["bundleHeadAttestation"]["attestationHash"] = kZeros; });
    b.SignReport();
    Outcome o = b.Verify(kFinance, Strict());
    EXPECT_TRUE(Fails(o, {"verification report bundleHeadAttestation.attestationHash mismatch"}));
    EXPECT_EQ(o.message(), "");
    EXPECT_TRUE(Passes(b.Verify(kFinance, Lenient())));
  }
  // The closed-set codes the CLI never emits itself can only arrive this way.
  for (const char* code : {"TOOL_VERSION_UNKNOWN", "TOOL_COMMIT_UNKNOWN", "LEGACY_KEYS_FORMAT_USED",
                           "NONSERVER_REVOCATION_NOT_ENFORCED", "MISSING_GOVERNANCE_SNAPSHOT_LENIENT",
                           "UNSIGNED_REPORT_LENIENT"}) {
    SCOPED_TRACE(code);
    Bundle b(kFinancePass);
    b.Edit(kReport, [&](Json& r) {
      Json w = Json::Object();
      w["code"] = code;
      r["warnings"].Push(w);
    });
    b.SignReport();
    Outcome o = b.Verify(kFinance, Strict());
    EXPECT_TRUE(Passes(o, {code}));
    ASSERT_EQ(o.result.warnings.size(), 1u);
    EXPECT_EQ(o.result.warnings[0].detail_json, "{\"source\":\"verification_report\"}");
    Options fow = Strict();
    fow.fail_on_warnings = true;
    Outcome f = b.Verify(kFinance, fow);
    EXPECT_EQ(f.errors, std::vector<std::string>{"FAIL_ON_WARNINGS"});
    EXPECT_EQ(f.warnings, std::vector<std::string>{code});
    EXPECT_TRUE(f.result.verification_ok);
    EXPECT_FALSE(f.result.ok);
  }
  Bundle missing(kFinancePass);
  missing.Remove(kReport);
  EXPECT_TRUE(Fails(missing.Verify(kFinance, Strict()), {"missing verify/verification_report.json"}));
  EXPECT_TRUE(Passes(missing.Verify(kFinance, Lenient()), {"VERIFICATION_REPORT_MISSING_LENIENT"}));
}

// ---- FinancePack reconcile (06 §3): party statements in month/artifacts/PartyStatement.v1/

Json GlLine(const char* party, const char* account, const char* entry, int amount) {
  Json l = Json::Object();
  l["accountId"] = account;
  l["amountCents"] = amount;
  l["entryId"] = entry;
  l["partyId"] = party;
  return l;
}

Json Statement(const char* party, Json totals, Json entries) {
  Json s = Json::Object();
  s["artifactType"] = "PartyStatement.v1";
  s["basis"] = "settledAt";
  s["partyId"] = party;
  s["period"] = "2026-01";
  s["schemaVersion"] = "PartyStatement.v1";
  s["statement"]["includedEntryIds"] = std::move(entries);
  s["statement"]["totalsByAccountId"] = std::move(totals);
  s["artifactHash"] = CanonicalHash(s, {"artifactHash"});
  return s;
}

Json Totals(const char* account, int amount) {
  Json t = Json::Object();
  t[account] = amount;
  return t;
}

// A balanced two-party GL batch with matching statements and reconcile.json; the bundle passes.
void Balanced(const Bundle& b) {
  b.Edit("finance/GLBatch.v1.json", [](Json& g) {
    g["batch"]["lines"] = Json::Array({GlLine("party_a", "acc_1", "e1", 100), GlLine("party_b", "acc_1", "e2", -100)});
    g["artifactHash"] = CanonicalHash(g, {"artifactHash"});
  });
  const std::string dir = "month/artifacts/PartyStatement.v1/";
  b.WriteJson(dir + "a.json", Statement("party_a", Totals("acc_1", 100), Json::Array({"e1"})));
  b.WriteJson(dir + "b.json", Statement("party_b", Totals("acc_1", -100), Json::Array({"e2"})));
  b.Write("finance/reconcile.json",
          "{\"basis\":\"settledAt\",\"entryCount\":2,\"ok\":true,\"period\":\"2026-01\",\"totalsKeys\":2}");
  const std::string gl_hash = b.ReadJson("finance/GLBatch.v1.json").Find("artifactHash")->str();
  const std::string rec_hash = crypto::Sha256Hex(b.Read("finance/reconcile.json"));
  b.Edit("nooterra.json", [&](Json& h) {
    h["inputs"]["glBatchHash"] = gl_hash;
    h["inputs"]["reconcileReportHash"] = rec_hash;
  });
  b.Reseal();
}

TEST(VerifyFinanceReconcile, BalancedStatementsPass) {
  Bundle b(kFinancePass);
  Balanced(b);
  EXPECT_TRUE(Passes(b.Verify(kFinance, Strict())));
  // The stored result must be the recomputed one (canonical comparison).
  b.Write("finance/reconcile.json",
          "{\"basis\":\"settledAt\",\"entryCount\":3,\"ok\":true,\"period\":\"2026-01\",\"totalsKeys\":2}");
  const std::string rec_hash = crypto::Sha256Hex(b.Read("finance/reconcile.json"));
  b.Edit("nooterra.json", [&](Json& h) { h["inputs"]["reconcileReportHash"] = rec_hash; });
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kFinance, Strict()), {"reconcile.json mismatch"}));
}

TEST(VerifyFinanceReconcile, EveryReachableReason) {
  const std::string dir = "month/artifacts/PartyStatement.v1/";
  const std::pair<const char*, std::function<void(const Bundle&)>> cases[] = {
      {"glBatch does not net to zero",
       [](const Bundle& b) {
         b.Edit("finance/GLBatch.v1.json", [](Json& g) {
           g["batch"]["lines"].at(1)["amountCents"] = -99;
           g["artifactHash"] = CanonicalHash(g, {"artifactHash"});
         });
       }},
      {"expected PartyStatement.v1",
       [&](const Bundle& b) {
         b.Edit(dir + "a.json", [](Json& s) {
           s.Erase("artifactType");
           s["schemaVersion"] = "Other.v1";
         });
       }},
      {"schemaVersion mismatch", [&](const Bundle& b) { b.Edit(dir + "a.json", [](Json& s) { s["schemaVersion"] = "X"; }); }},
      {"missing partyStatement artifactHash",
       [&](const Bundle& b) { b.Edit(dir + "a.json", [](Json& s) { s["artifactHash"] = " "; }); }},
      {"partyStatement artifactHash mismatch",
       [&](const Bundle& b) { b.Edit(dir + "a.json", [](Json& s) { s["partyId"] = "party_c"; }); }},
      {"partyStatement period mismatch",
       [&](const Bundle& b) {
         b.WriteJson(dir + "c.json", [] {
           Json s = Statement("party_c", Json::Object(), Json::Array());
           s["period"] = "2026-02";
           s["artifactHash"] = CanonicalHash(s, {"artifactHash"});
           return s;
         }());
       }},
      {"partyStatement basis mismatch",
       [&](const Bundle& b) {
         Json s = Statement("party_c", Json::Object(), Json::Array());
         s["basis"] = "createdAt";
         s["artifactHash"] = CanonicalHash(s, {"artifactHash"});
         b.WriteJson(dir + "c.json", s);
       }},
      {"partyStatement totalsByAccountId missing",
       [&](const Bundle& b) {
         Json s = Statement("party_c", Json::Object(), Json::Array());
         s["statement"].Erase("totalsByAccountId");
         s["artifactHash"] = CanonicalHash(s, {"artifactHash"});
         b.WriteJson(dir + "c.json", s);
       }},
      {"partyStatement totalsByAccountId contains non-integer",
       [&](const Bundle& b) { b.WriteJson(dir + "c.json", Statement("party_c", Totals("acc_9", 0), Json::Array())); }},
      {"totals mismatch",
       [&](const Bundle& b) { b.WriteJson(dir + "b.json", Statement("party_b", Totals("acc_1", -50), Json::Array({"e2"}))); }},
      {"included entry ids mismatch",
       [&](const Bundle& b) { b.WriteJson(dir + "b.json", Statement("party_b", Totals("acc_1", -100), Json::Array())); }},
  };
  for (const auto& [code, mutate] : cases) {
    SCOPED_TRACE(code);
    Bundle b(kFinancePass);
    Balanced(b);
    mutate(b);
    if (std::string(code) == "partyStatement totalsByAccountId contains non-integer") {
      Json s = b.ReadJson(dir + "c.json");
      s["statement"]["totalsByAccountId"]["acc_9"] = 1.5;
      s["artifactHash"] = CanonicalHash(s, {"artifactHash"});
      b.WriteJson(dir + "c.json", s);
    }
    // Keep the header bound to the (possibly re-hashed) GL batch.
    const std::string gl_hash = b.ReadJson("finance/GLBatch.v1.json").Find("artifactHash")->str();
    b.Edit("nooterra.json", [&](Json& h) { h["inputs"]["glBatchHash"] = gl_hash; });
    b.Reseal();
    Outcome o = b.Verify(kFinance, Strict());
    EXPECT_TRUE(Fails(o, {code}));
    EXPECT_EQ(o.message(), std::string("reconcile failed: ") + code);
    EXPECT_TRUE(Fails(b.Verify(kFinance, Lenient()), {code}));
  }
}

// ---- InvoiceBundle: pricing signatures (07 §3)

constexpr char kSigs[] = "pricing/pricing_matrix_signatures.json";
constexpr char kMatrix[] = "pricing/pricing_matrix.json";

// Re-binds the v2 signatures file to the current matrix and re-signs with govRoot.
void ResignPricing(const Bundle& b) {
  const std::string binding = CanonicalHash(b.ReadJson(kMatrix));
  b.Edit(kSigs, [&](Json& s) {
    s["pricingMatrixCanonicalHash"] = binding;
    s["signatures"].at(0)["signature"] = SignHex(binding, kGovRootId);
  });
}

void RemoveManifestEntry(const Bundle& b, std::string_view name) {
  b.Edit("manifest.json", [&](Json& m) {
    for (size_t i = 0; i < m["files"].size(); ++i) {
      if (m["files"][i].Find("name")->str() == name) {
        m["files"].EraseAt(i);
        return;
      }
    }
  });
}

TEST(VerifyInvoicePricing, MissingUnsignedAndTrust) {
  {
    Bundle b(kInvoicePass);
    RemoveManifestEntry(b, kSigs);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kInvoice, Strict()), {"PRICING_MATRIX_SIGNATURE_MISSING"}));
    Outcome o = b.Verify(kInvoice, Lenient());
    EXPECT_TRUE(Passes(o, {"PRICING_MATRIX_UNSIGNED_LENIENT"}));
  }
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    // No usable signature: none at all, only an untrusted signer, or a signer the allowlist drops.
    Bundle b(kInvoicePass);
    Options s = Strict();
    if (variant == 0) b.Edit(kSigs, [](Json& j) { j["signatures"] = Json::Array(); });
    if (variant == 1) {
      b.Edit(kSigs, [](Json& j) {
        j["signatures"].at(0)["signerKeyId"] = kServerAId;
        j["signatures"].at(0)["signature"] = SignHex(j["pricingMatrixCanonicalHash"].str(), kServerAId);
      });
    }
    if (variant == 2) s.trust.pricing_signer_ids_json = "[\"key_someone_else\"]";
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kInvoice, s), {"PRICING_MATRIX_SIGNATURE_MISSING"}));
    Options l = Lenient();
    l.trust.pricing_signer_ids_json = s.trust.pricing_signer_ids_json;
    EXPECT_TRUE(Passes(b.Verify(kInvoice, l)));
  }
  Bundle b(kInvoicePass);
  Options s = Strict();
  s.trust.pricing_signers_json = "";
  EXPECT_TRUE(Fails(b.Verify(kInvoice, s), {"strict requires trusted pricing signer keys"}));
  Options l = Lenient();
  l.trust.pricing_signers_json = "";
  EXPECT_TRUE(Passes(b.Verify(kInvoice, l)));
  for (auto field : {&Trust::pricing_signers_json, &Trust::pricing_signer_ids_json}) {
    Options bad = Strict();
    bad.trust.*field = "{";
    EXPECT_TRUE(Fails(b.Verify(kInvoice, bad), {"TRUST_ANCHORS_INVALID"}));
    Options bad_lenient = Lenient();
    bad_lenient.trust.*field = "{";
    EXPECT_TRUE(Fails(b.Verify(kInvoice, bad_lenient), {"TRUST_ANCHORS_INVALID"}));
  }
  Options allowed = Strict();
  allowed.trust.pricing_signer_ids_json = std::string("[\"") + kGovRootId + "\"]";
  EXPECT_TRUE(Passes(b.Verify(kInvoice, allowed)));
}

TEST(VerifyInvoicePricing, SignatureFileCodes) {
  const CodeCase cases[] = {
      {"PRICING_MATRIX_SIGNATURE_PAYLOAD_MISMATCH",
       EditSealed(kSigs, [](Json& s) { s["pricingMatrixCanonicalHash"] = kZeros; })},
      {"PRICING_MATRIX_SIGNATURE_PAYLOAD_MISMATCH",
       EditSealed(kMatrix, [](Json& m) { m["prices"].at(0)["unitPriceCents"] = "151"; })},
      {"PRICING_MATRIX_SIGNATURE_INVALID",
       EditSealed(kSigs, [](Json& s) {
         s["signatures"].at(0)["signature"] = SignHex(s["pricingMatrixCanonicalHash"].str(), kServerAId);
       })},
      {"unsupported pricing matrix signatures schemaVersion",
       EditSealed(kSigs, [](Json& s) { s["schemaVersion"] = "PricingMatrixSignatures.v3"; })},
      {"invalid JSON",
       [](const Bundle& b) {
         b.Write(kSigs, "{");
         b.Reseal();
       }},
      {"invalid JSON",
       [](const Bundle& b) {
         b.Write(kMatrix, "[");
         b.Reseal();
       }},
  };
  for (const auto& c : cases) RunCodeCase(kInvoice, kInvoicePass, c);
  Bundle b(kInvoicePass);
  b.Write(kSigs, "{");
  b.Reseal();
  EXPECT_EQ(b.Verify(kInvoice, Strict()).path(), kSigs);
}

TEST(VerifyInvoicePricing, LegacyV1BytesBinding) {
  Bundle b(kInvoicePass);
  std::string matrix_sha;
  Json manifest = b.ReadJson("manifest.json");
  for (size_t i = 0; i < manifest["files"].size(); ++i) {
    if (manifest["files"][i]["name"].str() == kMatrix) matrix_sha = manifest["files"][i]["sha256"].str();
  }
  ASSERT_FALSE(matrix_sha.empty());
  b.Edit(kSigs, [&](Json& s) {
    s["schemaVersion"] = "PricingMatrixSignatures.v1";
    s.Erase("pricingMatrixCanonicalHash");
    s["pricingMatrixHash"] = matrix_sha;
    s["signatures"].at(0)["signature"] = SignHex(matrix_sha, kGovRootId);
  });
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kInvoice, Strict()), {"PRICING_MATRIX_SIGNATURE_V1_BYTES_LEGACY_STRICT_REJECTED"}));
  EXPECT_TRUE(Passes(b.Verify(kInvoice, Lenient()), {"WARN_PRICING_SIGNATURE_V1_BYTES_LEGACY"}));
  b.Edit(kSigs, [](Json& s) { s["pricingMatrixHash"] = kZeros; });
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kInvoice, Lenient()), {"PRICING_MATRIX_SIGNATURE_PAYLOAD_MISMATCH"},
                    {"WARN_PRICING_SIGNATURE_V1_BYTES_LEGACY"}));
}

// ---- InvoiceBundle: nested job, bindings, attestation

TEST(VerifyInvoiceBundle, NestedJobIsVerifiedStrictlyOnly) {
  Bundle b(kInvoicePass);
  b.Write("payload/job_proof_bundle/job/snapshot.json", "{}");
  b.Reseal();
  Outcome o = b.Verify(kInvoice, Strict());
  EXPECT_TRUE(Fails(o, {"sha256 mismatch"}));
  EXPECT_EQ(o.message(), "job proof strict verification failed");
  EXPECT_EQ(o.path(), "");  // the CLI path is the outer record's
  EXPECT_TRUE(Passes(b.Verify(kInvoice, Lenient())));
}

std::function<void(Json&)> SetJobProof(const char* member, Json value) {
  return [member, value](Json& d) { d["jobProof"][member] = value; };
}

TEST(VerifyInvoiceBundle, BindingCodes) {
  const CodeCase cases[] = {
      {"jobProofBundleHash mismatch", EditSealed("nooterra.json", [](Json& h) { h["inputs"]["jobProofBundleHash"] = kZeros; })},
      {"jobProofHeadAttestationHash mismatch",
       EditSealed("nooterra.json", [](Json& h) { h["inputs"]["jobProofHeadAttestationHash"] = kZeros; })},
      {"unsupported pricing schemaVersion",
       [](const Bundle& b) {
         b.Edit(kMatrix, [](Json& m) { m["schemaVersion"] = "PricingMatrix.v2"; });
         ResignPricing(b);
         b.Reseal();
       }},
      {"unsupported metering schemaVersion",
       EditSealed("metering/metering_report.json", [](Json& m) { m["schemaVersion"] = "MeteringReport.v2"; })},
      {"unsupported invoice claim schemaVersion",
       EditSealed("invoice/invoice_claim.json", [](Json& c) { c.Erase("schemaVersion"); })},
      {"meteringReport jobProof.embeddedPath mismatch",
       EditSealed("metering/metering_report.json", SetJobProof("embeddedPath", "payload/job_proof_bundle/"))},
      {"meteringReport jobProof.manifestHash mismatch",
       EditSealed("metering/metering_report.json", SetJobProof("manifestHash", kZeros))},
      {"meteringReport jobProof.headAttestationHash mismatch",
       EditSealed("metering/metering_report.json", SetJobProof("headAttestationHash", nullptr))},
      {"invoiceClaim jobProof.embeddedPath mismatch",
       EditSealed("invoice/invoice_claim.json", SetJobProof("embeddedPath", "payload/other"))},
      {"invoiceClaim jobProof.manifestHash mismatch",
       EditSealed("invoice/invoice_claim.json", SetJobProof("manifestHash", kZeros))},
      {"invoiceClaim jobProof.headAttestationHash mismatch",
       EditSealed("invoice/invoice_claim.json", SetJobProof("headAttestationHash", kZeros))},
      {"metering evidenceRef not in job proof manifest",
       EditSealed("metering/metering_report.json", [](Json& m) { m["evidenceRefs"].at(0)["path"] = "job/nope.json"; })},
      {"metering evidenceRef sha256 mismatch",
       EditSealed("metering/metering_report.json", [](Json& m) { m["evidenceRefs"].at(0)["sha256"] = kZeros; })},
  };
  for (const auto& c : cases) RunCodeCase(kInvoice, kInvoicePass, c);
}

TEST(VerifyInvoiceBundle, AttestationAndReportCodes) {
  const CodeCase cases[] = {
      {"invalid bundle head attestation JSON", [](const Bundle& b) { b.Write(kAtt, "null"); }},
      {"attestation scope mismatch", EditPackAttestation([](Json& a) { a["scope"] = "invoice_fixture_1"; })},
      {"attestation scope.invoiceId mismatch", EditPackAttestation([](Json& a) { a["scope"]["invoiceId"] = "invoice_x"; })},
      {"attestation tenantId mismatch", EditPackAttestation([](Json& a) { a["tenantId"] = "t"; })},
      {"attestation missing heads.jobProof", EditPackAttestation([](Json& a) { a["heads"].Erase("jobProof"); })},
      {"attestation jobProof.manifestHash mismatch", EditPackAttestation([](Json& a) { a["heads"]["jobProof"]["manifestHash"] = kZeros; })},
      {"attestation jobProof.attestationHash mismatch",
       EditPackAttestation([](Json& a) { a["heads"]["jobProof"]["attestationHash"] = kZeros; })},
      {"attestation signature invalid",
       [](const Bundle& b) { b.Edit(kAtt, [](Json& a) { a["signature"] = SignHex(a["attestationHash"].str(), kServerBId); }); }},
  };
  for (const auto& c : cases) {
    CodeCase with_message = c;
    with_message.message = "bundle head attestation invalid";
    RunCodeCase(kInvoice, kInvoicePass, with_message);
  }
  Bundle b(kInvoicePass);
  b.Edit(kReport, [](Json& r) { r["bundleHeadAttestation"]["attestationHash"] = kZeros; });
  b.SignReport();
  EXPECT_TRUE(Fails(b.Verify(kInvoice, Strict()), {"verification report bundleHeadAttestation.attestationHash mismatch"}));
  b.Edit(kReport, [](Json& r) { r["warnings"] = Json::Array({[] {
                                   Json w = Json::Object();
                                   w["code"] = "TOOL_COMMIT_UNKNOWN";
                                   return w;
                                 }()}); });
  b.ResignReport("", b.ReadJson(kAtt)["attestationHash"].str());
  EXPECT_TRUE(Passes(b.Verify(kInvoice, Strict()), {"TOOL_COMMIT_UNKNOWN"}));
  EXPECT_TRUE(Passes(b.Verify(kInvoice, Lenient()), {"TOOL_COMMIT_UNKNOWN"}));
}

// ---- InvoiceBundle: big-integer invoice math (07 §4)

void SetMath(const Bundle& b, Json prices, Json items, Json total, const Json* line_items) {
  b.Edit(kMatrix, [&](Json& m) { m["prices"] = prices; });
  ResignPricing(b);
  b.Edit("metering/metering_report.json", [&](Json& m) { m["items"] = items; });
  b.Edit("invoice/invoice_claim.json", [&](Json& c) {
    c["totalCents"] = total;
    if (line_items) {
      c["lineItems"] = *line_items;
    } else {
      c.Erase("lineItems");
    }
  });
  b.Reseal();
}

Json Price(const char* code, Json unit) {
  Json p = Json::Object();
  p["code"] = code;
  p["unitPriceCents"] = std::move(unit);
  return p;
}

Json Item(const char* code, Json quantity) {
  Json i = Json::Object();
  i["code"] = code;
  i["quantity"] = std::move(quantity);
  return i;
}

Json LineItem(Json code, Json quantity, Json unit, Json amount) {
  Json l = Json::Object();
  l["amountCents"] = std::move(amount);
  l["code"] = std::move(code);
  l["quantity"] = std::move(quantity);
  l["unitPriceCents"] = std::move(unit);
  return l;
}

TEST(VerifyInvoiceMath, NumbersBeyondTwoToTheSixtyFour) {
  // 2^64 * (2^64 + 1) + 7 * 3, computed independently (Python big integers).
  const Json prices = Json::Array({Price("BIG", "18446744073709551616"), Price("SMALL", "3")});
  const Json items = Json::Array({Item("SMALL", "7"), Item("BIG", "18446744073709551617")});
  const Json lines = Json::Array({LineItem("SMALL", "7", "3", "21"),
                                  LineItem("BIG", "18446744073709551617", "18446744073709551616",
                                           "340282366920938463481821351505477763072")});
  Bundle b(kInvoicePass);
  SetMath(b, prices, items, "340282366920938463481821351505477763093", &lines);
  EXPECT_TRUE(Passes(b.Verify(kInvoice, Strict())));
  // Leading zeros: numeric for the total, textual for line items.
  Bundle z(kInvoicePass);
  SetMath(z, prices, items, "000340282366920938463481821351505477763093", &lines);
  EXPECT_TRUE(Passes(z.Verify(kInvoice, Strict())));
  // Off by one in the last digit.
  Bundle off(kInvoicePass);
  SetMath(off, prices, items, "340282366920938463481821351505477763094", &lines);
  EXPECT_TRUE(Fails(off.Verify(kInvoice, Strict()), {"invoiceClaim totalCents mismatch"}));
  // A line item off by 2^64 (a 64-bit implementation would wrap here).
  const Json wrong = Json::Array({LineItem("SMALL", "7", "3", "21"),
                                  LineItem("BIG", "18446744073709551617", "18446744073709551616",
                                           "340282366920938463463374607431768211456")});
  Bundle li(kInvoicePass);
  SetMath(li, prices, items, "340282366920938463481821351505477763093", &wrong);
  EXPECT_TRUE(Fails(li.Verify(kInvoice, Strict()), {"invoiceClaim lineItems mismatch"}));
}

TEST(VerifyInvoiceMath, Codes) {
  const Json prices = Json::Array({Price("WORK_MINUTES", "150")});
  const Json items = Json::Array({Item("WORK_MINUTES", "10")});
  struct MathCase {
    const char* code;  // "" = passes
    Json prices, items, total;
    bool with_lines;
    Json lines;
  };
  const MathCase cases[] = {
      {"invoice pricing code unknown", prices, Json::Array({Item("OTHER", "1")}), "150", false, nullptr},
      {"invoice pricing code unknown", Json::Array({Price("WORK_MINUTES", 150)}), items, "1500", false, nullptr},
      {"invoiceClaim totalCents invalid", prices, items, 1500, false, nullptr},
      {"invoiceClaim totalCents invalid", prices, items, "", false, nullptr},
      {"invoiceClaim totalCents invalid", prices, items, "-1500", false, nullptr},
      {"invoiceClaim totalCents invalid", prices, items, "1.5e3", false, nullptr},
      {"invoiceClaim totalCents mismatch", prices, items, "1501", false, nullptr},
      {"invoiceClaim lineItems mismatch", prices, items, "1500", true,
       Json::Array({LineItem("WORK_MINUTES", "010", "150", "1500")})},
      {"invoiceClaim lineItems mismatch", prices, items, "1500", true,
       Json::Array({LineItem("WORK_MINUTES", "10", "150", "1500"), LineItem("X", "0", "0", "0")})},
      // Non-digit quantities are skipped, numeric line-item members are string-converted.
      {"", prices, Json::Array({Item("WORK_MINUTES", "10"), Item("WORK_MINUTES", 5), Item("WORK_MINUTES", "x")}),
       "1500", true, Json::Array({LineItem("WORK_MINUTES", 10, 150, 1500)})},
      {"", prices, Json::Array(), "0", true, Json::Array()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.code) + " " + c.items.Dump() + " " + c.total.Dump());
    Bundle b(kInvoicePass);
    SetMath(b, c.prices, c.items, c.total, c.with_lines ? &c.lines : nullptr);
    if (*c.code) {
      EXPECT_TRUE(Fails(b.Verify(kInvoice, Strict()), {c.code}));
      EXPECT_TRUE(Fails(b.Verify(kInvoice, Lenient()), {c.code}));
    } else {
      EXPECT_TRUE(Passes(b.Verify(kInvoice, Strict())));
    }
  }
}

TEST(VerifyInvoiceMath, AmountDigitLimit) {
  Bundle b(kInvoicePass);
  const std::string huge(5000, '9');
  SetMath(b, Json::Array({Price("WORK_MINUTES", "1")}), Json::Array({Item("WORK_MINUTES", huge)}), huge, nullptr);
  EXPECT_TRUE(Fails(b.Verify(kInvoice, Strict()), {"INVOICE_AMOUNT_TOO_LONG"}));
}


}  // namespace
}  // namespace nooterra::verify::testing
