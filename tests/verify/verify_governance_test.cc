// Governance: policy (04 §7), trust anchors and the strict chain (§8), signer authorization
// (§9), timestamp proofs (§10) and the prospective revocation-list checks (§12).
#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr BundleKind kJob = BundleKind::kJobProof;
constexpr BundleKind kMonth = BundleKind::kMonthProof;
constexpr BundleKind kFinance = BundleKind::kFinancePack;
constexpr BundleKind kInvoice = BundleKind::kInvoiceBundle;
constexpr BundleKind kClose = BundleKind::kClosePack;
constexpr char kJobPass[] = "jobproof/strict-pass";
constexpr char kPolicy[] = "governance/policy.json";
constexpr char kList[] = "governance/revocations.json";
constexpr char kAtt[] = "attestation/bundle_head_attestation.json";
constexpr char kReport[] = "verify/verification_report.json";

// Edits the policy (not re-signed) and re-seals the bundle around it.
void EditPolicy(const Bundle& b, const std::function<void(Json&)>& fn) {
  b.Edit(kPolicy, fn);
  b.Reseal();
}

Json& AttRule(Json& p) { return p["bundleHeadAttestationSigners"][0]; }
Json& ReportRule(Json& p) { return p["verificationReportSigners"][0]; }

// ---- §7 policy presence and version

TEST(VerifyPolicy, MissingPolicyStrictFailsLenientWarns) {
  for (const char* text : {"[]", "{", "\"policy\"", "null"}) {
    SCOPED_TRACE(text);
    Bundle b(kJobPass);
    b.Write(kPolicy, text);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"missing governance/policy.json"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient()), {"GOVERNANCE_POLICY_MISSING_LENIENT"}));
  }
  const std::pair<BundleKind, const char*> kinds[] = {{kMonth, "monthproof/strict-pass"},
                                                       {kFinance, "financepack/strict-pass"},
                                                       {kInvoice, "invoicebundle/strict-pass"},
                                                       {kClose, "closepack/strict-pass"}};
  for (const auto& [kind, rel] : kinds) {
    SCOPED_TRACE(rel);
    Bundle b(rel);
    b.Write(kPolicy, "[]");
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"missing governance/policy.json"}));
    EXPECT_TRUE(Passes(b.Verify(kind, Lenient()), {"GOVERNANCE_POLICY_MISSING_LENIENT"}));
  }
}

TEST(VerifyPolicy, V1PolicyStrictFailsLenientWarns) {
  Bundle b(kJobPass);
  EditPolicy(b, [](Json& p) {
    p["schemaVersion"] = "GovernancePolicy.v1";
    p.Erase("revocationList");
  });
  b.ResignPolicy();
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"strict requires GovernancePolicy.v2"}));
  EXPECT_TRUE(Passes(b.Verify(kJob, Lenient()), {"GOVERNANCE_POLICY_V1_ACCEPTED_LENIENT"}));
}

struct ParserCase {
  const char* code;
  std::function<void(Json&)> mutate;
};

TEST(VerifyPolicy, EveryParserStringIsTheStrictCodeAndLenientIgnoresIt) {
  const ParserCase cases[] = {
      {"unsupported governance policy schemaVersion", [](Json& p) { p["schemaVersion"] = "GovernancePolicy.v3"; }},
      {"unsupported governance policy schemaVersion", [](Json& p) { p.Erase("schemaVersion"); }},
      {"policy.policyId must be a non-empty string", [](Json& p) { p["policyId"] = "  "; }},
      {"policy.generatedAt must be a non-empty string", [](Json& p) { p.Erase("generatedAt"); }},
      {"governance policy algorithms must be a non-empty array", [](Json& p) { p["algorithms"] = Json::Array(); }},
      {"governance policy algorithms must be a non-empty array", [](Json& p) { p["algorithms"] = "ed25519"; }},
      {"governance policy does not allow ed25519", [](Json& p) { p["algorithms"] = Json::Array({"rsa", 5}); }},
      {"governance policy verificationReportSigners must be an array",
       [](Json& p) { p["verificationReportSigners"] = Json::Object(); }},
      {"governance policy bundleHeadAttestationSigners must be an array",
       [](Json& p) { p.Erase("bundleHeadAttestationSigners"); }},
      {"verificationReportSigners[0] must be an object", [](Json& p) { ReportRule(p) = 5; }},
      {"bundleHeadAttestationSigners[1] must be an object",
       [](Json& p) { p["bundleHeadAttestationSigners"].Push(Json::Array()); }},
      {"bundleHeadAttestationSigners[0].subjectType must be a non-empty string",
       [](Json& p) { AttRule(p)["subjectType"] = ""; }},
      {"bundleHeadAttestationSigners[0].allowedScopes must be a non-empty array",
       [](Json& p) { AttRule(p)["allowedScopes"] = Json::Array(); }},
      {"bundleHeadAttestationSigners[0].allowedScopes contains invalid scope",
       [](Json& p) { AttRule(p)["allowedScopes"] = Json::Array({"global", "planet"}); }},
      {"bundleHeadAttestationSigners[0].allowedKeyIds must be an array",
       [](Json& p) { AttRule(p)["allowedKeyIds"] = nullptr; }},
      {"verificationReportSigners[0].requireGoverned must be a boolean",
       [](Json& p) { ReportRule(p)["requireGoverned"] = "true"; }},
      {"verificationReportSigners[0].requiredPurpose must be 'server'",
       [](Json& p) { ReportRule(p)["requiredPurpose"] = "robot"; }},
      {"governance policy revocationList missing", [](Json& p) { p.Erase("revocationList"); }},
      {"governance policy revocationList missing", [](Json& p) { p["revocationList"] = "governance/x.json"; }},
      {"governance policy revocationList invalid", [](Json& p) { p["revocationList"]["sha256"] = "ABC"; }},
      {"governance policy revocationList invalid", [](Json& p) { p["revocationList"]["path"] = " "; }},
      // v1: allowedKeyIds may be null but not anything else.
      {"bundleHeadAttestationSigners[0].allowedKeyIds must be an array or null",
       [](Json& p) {
         p["schemaVersion"] = "GovernancePolicy.v1";
         AttRule(p)["allowedKeyIds"] = "key";
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    Bundle b(kJobPass);
    EditPolicy(b, c.mutate);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    EXPECT_EQ(o.message(), "invalid governance/policy.json");
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
}

TEST(VerifyPolicy, NormalizedFormsParseAndV1NullKeyIdsIsFine) {
  Bundle b(kJobPass);
  EditPolicy(b, [](Json& p) {
    p["algorithms"] = Json::Array({" ED25519 ", "ed25519"});
    AttRule(p)["allowedScopes"] = Json::Array({"GLOBAL", " tenant"});
    AttRule(p)["requiredPurpose"] = " Server ";
  });
  // The hash is over the normalized record, so these spellings do not even need a new signature.
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  Bundle v1(kJobPass);
  EditPolicy(v1, [](Json& p) {
    p["schemaVersion"] = "GovernancePolicy.v1";
    AttRule(p)["allowedKeyIds"] = nullptr;
  });
  EXPECT_TRUE(Passes(v1.Verify(kJob, Lenient()), {"GOVERNANCE_POLICY_V1_ACCEPTED_LENIENT"}));
}

// ---- §8 trust anchors

TEST(VerifyTrust, StrictRequiresGovernanceRootsLenientWarns) {
  Bundle b(kJobPass);
  for (const char* roots : {"", "   ", "{}", "{\"key_x\":\"\"}", "{\" \":\"pem\"}"}) {
    SCOPED_TRACE(roots);
    Options s = Strict();
    s.trust.governance_roots_json = roots;
    EXPECT_TRUE(Fails(b.Verify(kJob, s), {"strict requires trusted governance root keys"}));
  }
  for (const char* roots : {"", " \n\t"}) {
    Options l = Lenient();
    l.trust.governance_roots_json = roots;
    EXPECT_TRUE(Passes(b.Verify(kJob, l), {"TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT"}));
  }
  // Every kind adds the warning.
  const std::pair<BundleKind, const char*> kinds[] = {{kMonth, "monthproof/strict-pass"},
                                                       {kFinance, "financepack/strict-pass"},
                                                       {kInvoice, "invoicebundle/strict-pass"},
                                                       {kClose, "closepack/strict-pass"}};
  for (const auto& [kind, rel] : kinds) {
    SCOPED_TRACE(rel);
    Bundle k(rel);
    Options l = Lenient();
    l.trust.governance_roots_json.clear();
    EXPECT_TRUE(Passes(k.Verify(kind, l), {"TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT"}));
  }
}

TEST(VerifyTrust, MalformedAnchorsFailOnlyWhereNeeded) {
  Bundle b(kJobPass);
  for (const char* roots : {"{", "[]", "\"x\"", "{\"a\":"}) {
    SCOPED_TRACE(roots);
    Options s = Strict();
    s.trust.governance_roots_json = roots;
    Outcome o = b.Verify(kJob, s);
    EXPECT_TRUE(Fails(o, {"TRUST_ANCHORS_INVALID"}));
    EXPECT_NE(o.message().find("NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON"), std::string::npos) << o.message();
    // Lenient runs never parse the roots: no failure, and no "missing" warning (not blank).
    Options l = Lenient();
    l.trust.governance_roots_json = roots;
    EXPECT_TRUE(Passes(b.Verify(kJob, l)));
  }
  Options s = Strict();
  s.trust.time_authorities_json = "{";
  Outcome o = b.Verify(kJob, s);
  EXPECT_TRUE(Fails(o, {"TRUST_ANCHORS_INVALID"}));
  EXPECT_NE(o.message().find("NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON"), std::string::npos) << o.message();
  // Unused anchors: the pricing signers are never read for a JobProof.
  Options p = Strict();
  p.trust.pricing_signers_json = "{";
  p.trust.pricing_signer_ids_json = "{";
  EXPECT_TRUE(Passes(b.Verify(kJob, p)));
}

TEST(VerifyTrust, WrongRootsAndWrongRootKey) {
  Bundle b(kJobPass);
  Options s = Strict();
  s.trust.governance_roots_json = "{\"key_fake\":\"x\"}";
  Outcome o = b.Verify(kJob, s);
  EXPECT_TRUE(Fails(o, {"governance policy signerKeyId not trusted"}));
  EXPECT_EQ(o.message(), "governance policy signature invalid");
  // The right id but another key's PEM: the signature does not verify.
  Json roots = Json::Object();
  roots[kGovRootId] = FixturePublicPem(kServerAId);
  s.trust.governance_roots_json = roots.Dump();
  EXPECT_TRUE(Fails(b.Verify(kJob, s), {"governance policy signature invalid"}));
  // An unparseable PEM never verifies (no crash).
  roots[kGovRootId] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  s.trust.governance_roots_json = roots.Dump();
  EXPECT_TRUE(Fails(b.Verify(kJob, s), {"governance policy signature invalid"}));
}

// ---- §8 policy signature

TEST(VerifyPolicySignature, EachInnerReason) {
  const ParserCase cases[] = {
      {"governance policy missing signature fields", [](Json& p) { p.Erase("signature"); }},
      {"governance policy missing signature fields", [](Json& p) { p["signerKeyId"] = " "; }},
      {"governance policy missing signature fields", [](Json& p) { p["policyHash"] = ""; }},
      {"governance policy signerKeyId not trusted", [](Json& p) { p["signerKeyId"] = kServerAId; }},
      {"governance policyHash mismatch", [](Json& p) { p["policyId"] = "another_policy"; }},
      {"governance policy signature invalid",
       [](Json& p) { p["signature"] = SignHex(p["policyHash"].str(), kServerAId); }},
      {"governance policy signature invalid", [](Json& p) { p["signature"] = "AAAA"; }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    Bundle b(kJobPass);
    EditPolicy(b, c.mutate);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    EXPECT_EQ(o.message(), c.code == std::string("governance policy signature invalid")
                               ? ""
                               : "governance policy signature invalid");
    // Lenient runs do not check the signature.
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
}

TEST(VerifyPolicySignature, ResignedPolicyPassesAndUnknownMembersAreOutsideTheHash) {
  Bundle b(kJobPass);
  EditPolicy(b, [](Json& p) { p["policyId"] = "another_policy"; });
  b.ResignPolicy();
  b.Reseal();
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  EditPolicy(b, [](Json& p) { p["comment"] = "not part of the normalized record"; });
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
}

TEST(VerifyPolicySignature, RevocationListPathRules) {
  {
    Bundle b(kJobPass);
    EditPolicy(b, [](Json& p) { p["revocationList"]["path"] = "revocations.json"; });
    b.ResignPolicy();
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"governance policy revocationList.path invalid"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
  // The reference crashes on a missing list; we name the file. A ".." path never leaves the
  // bundle (the walk refuses it) and counts as missing.
  for (const char* path : {"governance/nope.json", "governance/../manifest.json", "governance/"}) {
    SCOPED_TRACE(path);
    Bundle b(kJobPass);
    EditPolicy(b, [&](Json& p) { p["revocationList"]["path"] = path; });
    b.ResignPolicy();
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_FALSE(o.result.verification_ok);
    ASSERT_EQ(o.errors.size(), 1u);
    EXPECT_TRUE(o.errors[0] == "BUNDLE_FILE_MISSING" || o.errors[0] == "BUNDLE_FILE_UNREADABLE") << o.errors[0];
  }
}

// ---- §8 revocation list

TEST(VerifyRevocationList, EveryParseReason) {
  const ParserCase cases[] = {
      {"revocation list must be an object", [](Json& l) { l = Json::Array(); }},
      {"unsupported revocation list schemaVersion", [](Json& l) { l["schemaVersion"] = "RevocationList.v2"; }},
      {"revocation list listId missing", [](Json& l) { l["listId"] = " "; }},
      {"revocation list generatedAt missing", [](Json& l) { l["generatedAt"] = 5; }},
      {"revocation list rotations must be an array", [](Json& l) { l["rotations"] = Json::Object(); }},
      {"revocation list revocations must be an array", [](Json& l) { l.Erase("revocations"); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    Bundle b(kJobPass);
    b.Edit(kList, c.mutate);
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    EXPECT_EQ(o.message(), "invalid governance revocation list");
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
}

TEST(VerifyRevocationList, EverySignatureReason) {
  const ParserCase cases[] = {
      {"revocation list missing signature fields", [](Json& l) { l.Erase("signature"); }},
      {"revocation list missing signature fields", [](Json& l) { l.Erase("listHash"); }},
      {"revocation list signerKeyId not trusted", [](Json& l) { l["signerKeyId"] = kServerAId; }},
      {"revocation listHash mismatch", [](Json& l) { l["listId"] = "another_list"; }},
      {"revocation list signature invalid", [](Json& l) { l["signature"] = SignHex(l["listHash"].str(), kServerBId); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    Bundle b(kJobPass);
    b.Edit(kList, c.mutate);
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    if (std::string(c.code) != "revocation list signature invalid") {
      EXPECT_EQ(o.message(), "revocation list signature invalid");
    }
  }
}

TEST(VerifyRevocationList, MalformedRowsAreDroppedFromTheHash) {
  Bundle b(kJobPass);
  b.Edit(kList, [](Json& l) {
    Json row = Json::Object();
    row["keyId"] = "";
    row["revokedAt"] = "2026-01-01T00:00:00.000Z";
    l["revocations"].Push(row);
    l["rotations"].Push(5);
  });
  b.Reseal();
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
}

TEST(VerifyRevocationList, ListHashMustMatchThePolicyBinding) {
  const std::tuple<BundleKind, const char*, const char*> kinds[] = {
      {kJob, kJobPass, "revocation list hash mismatch"},
      {kMonth, "monthproof/strict-pass", "revocation list hash mismatch"},
      {kFinance, "financepack/strict-pass", "revocation list hash mismatch"},
      {kInvoice, "invoicebundle/strict-pass", "revocation list hash mismatch"},
      {kClose, "closepack/strict-pass", "revocationList sha256 mismatch"}};
  for (const auto& [kind, rel, code] : kinds) {
    SCOPED_TRACE(rel);
    Bundle b(rel);
    b.Edit(kList, [](Json& l) {
      l["listId"] = "another_list";
      SignObject(&l, "listHash", {"listHash", "signature"}, kGovRootId);
    });
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {code}));
    EXPECT_TRUE(Passes(b.Verify(kind, Lenient())));
    // Binding the policy to the new list (and re-signing it) makes the bundle whole again.
    b.ResignRevocations();
    b.Reseal();
    EXPECT_TRUE(Passes(b.Verify(kind, Strict())));
  }
}

// ---- §9 authorization (strict only)

// Adds serverB to the key file (purpose/validFrom as given), lets both rules allow it and
// makes it the attestation signer.
void SignAttestationWithServerB(const Bundle& b, const Json& purpose, const Json& valid_from, bool require_governed) {
  b.Edit("keys/public_keys.json", [&](Json& k) { k["keys"].Push(KeyRow(kServerBId, purpose, valid_from)); });
  b.Edit(kPolicy, [&](Json& p) {
    AttRule(p)["allowedKeyIds"] = Json::Array({kServerAId, kServerBId});
    AttRule(p)["requireGoverned"] = require_governed;
  });
  b.ResignPolicy();
  b.Edit(kAtt, [](Json& a) { a["signerKeyId"] = kServerBId; });
  b.Reseal();
}

TEST(VerifyAuthorization, RuleLookupScopeAndKeyId) {
  const ParserCase cases[] = {
      {"no governance policy rule for subjectType", [](Json& p) { AttRule(p)["subjectType"] = "MonthProofBundle.v1"; }},
      {"signer scope not allowed by policy", [](Json& p) { AttRule(p)["allowedScopes"] = Json::Array({"tenant"}); }},
      {"signer keyId not allowed by policy", [](Json& p) { AttRule(p)["allowedKeyIds"] = Json::Array({kServerBId}); }},
      {"signer keyId not allowed by policy", [](Json& p) { AttRule(p)["allowedKeyIds"] = Json::Array(); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    Bundle b(kJobPass);
    b.Edit(kPolicy, c.mutate);
    b.ResignPolicy();
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    EXPECT_EQ(o.message(), "bundle head attestation invalid");
    EXPECT_NE(o.detail().find("\"attestation signer not authorized\""), std::string::npos) << o.detail();
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
}

TEST(VerifyAuthorization, NotGovernedAndPurpose) {
  {
    Bundle b(kJobPass);
    SignAttestationWithServerB(b, "server", "2026-01-01T00:00:00.000Z", /*require_governed=*/true);
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"signer key is not governed"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
  {
    Bundle b(kJobPass);
    SignAttestationWithServerB(b, "robot", "2026-01-01T00:00:00.000Z", /*require_governed=*/false);
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"signer key purpose not allowed by policy"}));
  }
  {
    Bundle b(kJobPass);
    SignAttestationWithServerB(b, nullptr, "2026-01-01T00:00:00.000Z", /*require_governed=*/false);
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"signer key purpose not allowed by policy"}));
  }
  {
    // Purpose is normalized (trim + lower-case).
    Bundle b(kJobPass);
    SignAttestationWithServerB(b, " SERVER ", "2026-01-01T00:00:00.000Z", /*require_governed=*/false);
    EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  }
}

TEST(VerifyAuthorization, SignerKeyValidFromAndWindow) {
  {
    Bundle b(kJobPass);
    SignAttestationWithServerB(b, "server", nullptr, /*require_governed=*/false);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"attestation signer key missing validFrom"}));
    EXPECT_EQ(o.message(), "bundle head attestation invalid");
  }
  {
    Bundle b(kJobPass);
    SignAttestationWithServerB(b, "server", "2026-03-01T00:00:00.000Z", /*require_governed=*/false);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"attestation signer key not valid"}));
    EXPECT_NE(o.detail().find("KEY_NOT_YET_VALID"), std::string::npos) << o.detail();
    // [J] lenient: the full check at signedAt fails too, but only as a warning.
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient()), {"BUNDLE_HEAD_ATTESTATION_INVALID"}));
  }
}

TEST(VerifyAuthorization, ReportSignerIsAuthorizedSeparately) {
  {
    Bundle b(kJobPass);
    b.Edit(kPolicy, [](Json& p) { ReportRule(p)["allowedKeyIds"] = Json::Array({kServerBId}); });
    b.ResignPolicy();
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"signer keyId not allowed by policy"}));
    EXPECT_EQ(o.message(), "verification report invalid");
    EXPECT_NE(o.detail().find("\"verification report signer not authorized\""), std::string::npos) << o.detail();
  }
  {
    // The report's signer.scope is the authorization scope.
    Bundle b(kJobPass);
    b.Edit(kPolicy, [](Json& p) { ReportRule(p)["allowedScopes"] = Json::Array({"global"}); });
    b.ResignPolicy();
    b.Edit(kReport, [](Json& r) { r["signer"]["scope"] = "tenant"; });
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"signer scope not allowed by policy"}));
    EXPECT_EQ(o.message(), "verification report invalid");
  }
  {
    Bundle b(kJobPass);
    b.Edit("keys/public_keys.json", [](Json& k) { k["keys"].Push(KeyRow(kServerBId, "server", nullptr)); });
    b.Edit(kPolicy, [](Json& p) {
      ReportRule(p)["allowedKeyIds"] = Json::Array({kServerAId, kServerBId});
      ReportRule(p)["requireGoverned"] = false;
    });
    b.ResignPolicy();
    b.Edit(kReport, [](Json& r) {
      r["signerKeyId"] = kServerBId;
      r["signer"]["keyId"] = kServerBId;
    });
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"verification report signer key missing validFrom"}));
    b.Edit("keys/public_keys.json", [](Json& k) { k["keys"][1]["validFrom"] = "2026-12-01T00:00:00.000Z"; });
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"verification report signer key not valid"}));
    b.Edit("keys/public_keys.json", [](Json& k) { k["keys"][1]["validFrom"] = "2026-01-01T00:00:00.000Z"; });
    b.Reseal();
    EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  }
}

// ---- §10 + §12 prospective revocation-list checks and timestamp proofs

Json Revocation(const char* key_id, const char* at) {
  Json r = Json::Object();
  r["keyId"] = key_id;
  r["reason"] = nullptr;
  r["revokedAt"] = at;
  r["scope"] = nullptr;
  return r;
}

Json Rotation(const char* old_id, const char* new_id, const char* at) {
  Json r = Json::Object();
  r["newKeyId"] = new_id;
  r["oldKeyId"] = old_id;
  r["reason"] = nullptr;
  r["rotatedAt"] = at;
  r["scope"] = nullptr;
  return r;
}

void SetList(const Bundle& b, const Json& revocations, const Json& rotations) {
  b.Edit(kList, [&](Json& l) {
    l["revocations"] = revocations;
    l["rotations"] = rotations;
  });
  b.ResignRevocations();
  b.Reseal();
}

// Adds a timestamp proof to the document at `rel` (core = document minus `omit`), signed by
// `signer`, then re-signs the document.
void AddProof(const Bundle& b, const char* rel, std::initializer_list<std::string_view> omit, const char* timestamp,
              const char* signer = kTimeAuthorityId, const char* sign_with = kTimeAuthorityId,
              bool wrong_message = false) {
  b.Edit(rel, [&](Json& d) {
    d.Erase("timestampProof");
    Json proof = Json::Object();
    proof["kind"] = "ed25519_time_authority";
    proof["messageHash"] = wrong_message ? std::string(64, 'a') : CanonicalHash(d, omit);
    proof["schemaVersion"] = "TimestampProof.v1";
    proof["signerKeyId"] = signer;
    proof["timestamp"] = timestamp;
    proof["signature"] = SignHex(CanonicalHash(proof, {"signature"}), sign_with);
    d["timestampProof"] = proof;
  });
}

void ProveAttestationTime(const Bundle& b, const char* timestamp, const char* signer = kTimeAuthorityId,
                          const char* sign_with = kTimeAuthorityId, bool wrong_message = false) {
  AddProof(b, kAtt, {"attestationHash", "signature", "timestampProof"}, timestamp, signer, sign_with, wrong_message);
  const std::string att = b.SignAttestation();
  b.ResignReport("", att);
}

void ProveReportTime(const Bundle& b, const char* timestamp) {
  AddProof(b, kReport, {"reportHash", "signature", "timestampProof"}, timestamp);
  b.SignReport();
}

TEST(VerifyProspective, RevokedAtOrAfterIsSignerRevoked) {
  for (const char* at : {"2026-02-01T00:00:00.000Z", "2026-02-02T00:00:00.000Z"}) {
    SCOPED_TRACE(at);
    Bundle b(kJobPass);
    SetList(b, Json::Array({Revocation(kServerAId, at)}), Json::Array());
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"SIGNER_REVOKED"}));
    EXPECT_EQ(o.message(), "bundle head attestation invalid");
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
}

TEST(VerifyProspective, FutureRevocationNeedsATrustworthyTime) {
  Bundle b(kJobPass);
  SetList(b, Json::Array({Revocation(kServerAId, "2026-03-01T00:00:00.000Z")}), Json::Array());
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"SIGNING_TIME_UNPROVABLE"}));

  ProveAttestationTime(b, "2026-02-02T00:00:00.000Z");
  Outcome o = b.Verify(kJob, Strict());
  EXPECT_TRUE(Fails(o, {"SIGNING_TIME_UNPROVABLE"}));  // the report has no proof yet
  EXPECT_EQ(o.message(), "verification report invalid");

  ProveReportTime(b, "2026-02-02T00:00:00.000Z");
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));

  // Without trusted time authorities the same proofs are worthless.
  Options no_ta = Strict();
  no_ta.trust.time_authorities_json.clear();
  EXPECT_TRUE(Fails(b.Verify(kJob, no_ta), {"SIGNING_TIME_UNPROVABLE"}));
}

TEST(VerifyProspective, UntrustworthyProofsAreIgnored) {
  struct ProofCase {
    const char* label;
    const char* signer;
    const char* sign_with;
    bool wrong_message;
  };
  const ProofCase cases[] = {{"unknown authority", kServerAId, kServerAId, false},
                             {"bad signature", kTimeAuthorityId, kServerAId, false},
                             {"wrong messageHash", kTimeAuthorityId, kTimeAuthorityId, true}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    Bundle b(kJobPass);
    SetList(b, Json::Array({Revocation(kServerAId, "2026-03-01T00:00:00.000Z")}), Json::Array());
    ProveAttestationTime(b, "2026-02-02T00:00:00.000Z", c.signer, c.sign_with, c.wrong_message);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"SIGNING_TIME_UNPROVABLE"}));
    EXPECT_EQ(o.message(), "bundle head attestation invalid");
  }
}

TEST(VerifyProspective, ProvenTimeReplacesSignedAt) {
  // signedAt is before the revocation, but the trusted proof says the signature came after it.
  Bundle b(kJobPass);
  SetList(b, Json::Array({Revocation(kServerAId, "2026-03-01T00:00:00.000Z")}), Json::Array());
  ProveAttestationTime(b, "2026-03-02T00:00:00.000Z");
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"SIGNER_REVOKED"}));
}

TEST(VerifyProspective, Rotation) {
  {
    Bundle b(kJobPass);
    SetList(b, Json::Array(), Json::Array({Rotation(kServerAId, kServerBId, "2026-02-01T00:00:00.000Z")}));
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"SIGNER_ROTATED"}));
  }
  {
    Bundle b(kJobPass);
    SetList(b, Json::Array(), Json::Array({Rotation(kServerAId, kServerBId, "2026-05-01T00:00:00.000Z")}));
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"SIGNING_TIME_UNPROVABLE"}));
    ProveAttestationTime(b, "2026-02-02T00:00:00.000Z");
    ProveReportTime(b, "2026-02-02T00:00:00.000Z");
    EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  }
}

TEST(VerifyProspective, SignerNotYetValidOnlyForJobMonthAndFinance) {
  // Rotating serverB -> serverA in the future makes serverA valid only from then on.
  const std::tuple<BundleKind, const char*, bool> kinds[] = {{kJob, kJobPass, true},
                                                             {kMonth, "monthproof/strict-pass", true},
                                                             {kFinance, "financepack/strict-pass", true},
                                                             {kInvoice, "invoicebundle/strict-pass", false},
                                                             {kClose, "closepack/strict-pass", false}};
  for (const auto& [kind, rel, checked] : kinds) {
    SCOPED_TRACE(rel);
    Bundle b(rel);
    SetList(b, Json::Array(), Json::Array({Rotation(kServerBId, kServerAId, "2026-03-01T00:00:00.000Z")}));
    if (checked) {
      EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"SIGNER_NOT_YET_VALID"}));
    } else {
      EXPECT_TRUE(Passes(b.Verify(kind, Strict())));
    }
  }
}

TEST(VerifyProspective, RevocationAppliesToEveryKind) {
  const std::pair<BundleKind, const char*> kinds[] = {{kMonth, "monthproof/strict-pass"},
                                                       {kFinance, "financepack/strict-pass"},
                                                       {kInvoice, "invoicebundle/strict-pass"},
                                                       {kClose, "closepack/strict-pass"}};
  for (const auto& [kind, rel] : kinds) {
    SCOPED_TRACE(rel);
    Bundle b(rel);
    SetList(b, Json::Array({Revocation(kServerAId, "2026-02-01T00:00:00.000Z")}), Json::Array());
    EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"SIGNER_REVOKED"}));
    Bundle later(rel);
    SetList(later, Json::Array({Revocation(kServerAId, "2026-06-01T00:00:00.000Z")}), Json::Array());
    EXPECT_TRUE(Fails(later.Verify(kind, Strict()), {"SIGNING_TIME_UNPROVABLE"}));
  }
}

TEST(VerifyProspective, ClosePackNeverTrustsItsOwnTimestampProofs) {
  // 04 §10: the reference's ClosePack calls the proof checker wrongly, so even a valid proof
  // leaves the time unprovable.
  Bundle b("closepack/strict-pass");
  SetList(b, Json::Array({Revocation(kServerAId, "2026-06-01T00:00:00.000Z")}), Json::Array());
  ProveAttestationTime(b, "2026-02-02T00:00:00.000Z");
  ProveReportTime(b, "2026-02-02T00:00:00.000Z");
  EXPECT_TRUE(Fails(b.Verify(kClose, Strict()), {"SIGNING_TIME_UNPROVABLE"}));
}

}  // namespace
}  // namespace nooterra::verify::testing
