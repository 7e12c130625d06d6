// Manifest and file rules of the bundle verifier (04-shared-building-blocks.md §2-§5,
// 12-security-cases.md, 09 §1.2), the run-level codes (FAIL_ON_WARNINGS, option errors) and the
// cases where we refuse what the reference crashes on or silently accepts.
#include <sys/stat.h>

#include <filesystem>

#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr BundleKind kJob = BundleKind::kJobProof;
constexpr BundleKind kMonth = BundleKind::kMonthProof;
constexpr BundleKind kFinance = BundleKind::kFinancePack;
constexpr BundleKind kInvoice = BundleKind::kInvoiceBundle;
constexpr BundleKind kClose = BundleKind::kClosePack;

constexpr char kNonStrictJob[] = "jobproof/nonstrict-pass-missing-verification-report";
const char* const kZeros = "0000000000000000000000000000000000000000000000000000000000000000";

Json Entry(Json name, const char* sha = kZeros) {
  Json e = Json::Object();
  e["name"] = std::move(name);
  e["sha256"] = sha;
  e["bytes"] = 1;
  return e;
}

void AddEntry(const Bundle& b, Json entry, size_t at = SIZE_MAX) {
  b.Edit("manifest.json", [&](Json& m) {
    if (at == SIZE_MAX) {
      m["files"].Push(std::move(entry));
    } else {
      m["files"].InsertAt(at, std::move(entry));
    }
  });
}

void RemoveEntry(const Bundle& b, std::string_view name, std::string_view prefix = "") {
  b.Edit(std::string(prefix) + "manifest.json", [&](Json& m) {
    Json& files = m["files"];
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].Find("name") && files[i].Find("name")->str() == name) {
        files.EraseAt(i);
        return;
      }
    }
    ADD_FAILURE() << "no manifest entry " << name;
  });
}

struct KindBundle {
  BundleKind kind;
  const char* rel;
};
const KindBundle kStrictPass[] = {{kJob, "jobproof/strict-pass"},
                                  {kMonth, "monthproof/strict-pass"},
                                  {kFinance, "financepack/strict-pass"},
                                  {kInvoice, "invoicebundle/strict-pass"},
                                  {kClose, "closepack/strict-pass"}};

// ---- the helpers themselves: a re-sealed unchanged bundle still passes (else every mutation
// test below would prove nothing).

TEST(VerifyFixture, StrictPassBundlesPassStrictAndLenientAlsoAfterReseal) {
  for (const auto& k : kStrictPass) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(Passes(b.Verify(k.kind, Strict())));
    EXPECT_TRUE(Passes(b.Verify(k.kind, Lenient())));
    b.Reseal();
    b.ResignPolicy();
    b.ResignRevocations();
    b.Reseal();
    EXPECT_TRUE(Passes(b.Verify(k.kind, Strict())));
    Outcome o = b.Verify(k.kind, Strict());
    ASSERT_TRUE(o.result.manifest_hash.has_value());
    EXPECT_EQ(*o.result.manifest_hash, b.ReadJson("manifest.json").Find("manifestHash")->str());
  }
}

// ---- §2 path rules: every MANIFEST_PATH_INVALID reason, before the (stale) manifest hash.

struct PathCase {
  const char* label;
  Json name;
  const char* reason;
  bool null_path;
};

TEST(VerifyManifestPaths, EveryInvalidReasonFiresBeforeTheManifestHash) {
  const PathCase cases[] = {
      {"number", Json(5), "empty", true},
      {"missing", Json(), "empty", true},
      {"blank", Json("   "), "empty", true},
      {"empty", Json(""), "empty", true},
      {"absolute", Json("/etc/passwd"), "absolute", false},
      {"backslash", Json("job\\snapshot.json"), "backslash", false},
      {"nul", Json(std::string("job/a\0b", 7)), "nul", false},
      {"colon", Json("c:x"), "colon", false},
      {"url", Json("https://x/y"), "colon", false},
      {"trailing slash", Json("job/"), "trailing_slash", false},
      {"empty segment", Json("a//b"), "segment", false},
      {"dot", Json("job/./x"), "traversal", false},
      {"dotdot", Json("../outside.txt"), "traversal", false},
      {"inner dotdot", Json("job/../../x"), "traversal", false},
      {"lone dot", Json("."), "traversal", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    Bundle b(kNonStrictJob);
    ASSERT_TRUE(b.ok());
    Json e = Entry(c.name);
    if (c.name.is_null()) e.Erase("name");
    AddEntry(b, e);
    Outcome o = b.Verify(kJob, Lenient());
    EXPECT_TRUE(Fails(o, {"MANIFEST_PATH_INVALID"}));
    EXPECT_NE(o.detail().find(std::string("\"reason\":\"") + c.reason + "\""), std::string::npos) << o.detail();
    if (c.null_path) {
      EXPECT_FALSE(o.result.errors.at(0).path.has_value());
    } else {
      EXPECT_EQ(o.path(), c.name.str());
    }
    // Also in strict mode (never downgraded).
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"MANIFEST_PATH_INVALID"}));
  }
}

TEST(VerifyManifestPaths, FirstBadEntryInManifestOrderWins) {
  Bundle b(kNonStrictJob);
  AddEntry(b, Entry("a//b"), 0);
  AddEntry(b, Entry("/abs"));
  Outcome o = b.Verify(kJob, Lenient());
  EXPECT_TRUE(Fails(o, {"MANIFEST_PATH_INVALID"}));
  EXPECT_EQ(o.path(), "a//b");
}

TEST(VerifyManifestPaths, DuplicatePath) {
  Bundle b(kNonStrictJob);
  AddEntry(b, Entry("job/snapshot.json"));
  Outcome o = b.Verify(kJob, Lenient());
  EXPECT_TRUE(Fails(o, {"MANIFEST_DUPLICATE_PATH"}));
  EXPECT_EQ(o.path(), "job/snapshot.json");
}

TEST(VerifyManifestPaths, CaseCollisionReportedOnTheLaterEntry) {
  {
    Bundle b(kNonStrictJob);
    AddEntry(b, Entry("JOB/snapshot.json"));
    Outcome o = b.Verify(kJob, Lenient());
    EXPECT_TRUE(Fails(o, {"MANIFEST_PATH_CASE_COLLISION"}));
    EXPECT_EQ(o.path(), "JOB/snapshot.json");
    EXPECT_NE(o.detail().find("\"conflict\":\"job/snapshot.json\""), std::string::npos) << o.detail();
  }
  {
    Bundle b(kNonStrictJob);
    AddEntry(b, Entry("Job/Snapshot.json"), 0);
    Outcome o = b.Verify(kJob, Lenient());
    EXPECT_TRUE(Fails(o, {"MANIFEST_PATH_CASE_COLLISION"}));
    EXPECT_EQ(o.path(), "job/snapshot.json");
  }
  {
    // Full Unicode lower-casing, not ASCII only: "É" folds to "é".
    Bundle b(kNonStrictJob);
    AddEntry(b, Entry("notes/\xC3\xA9t\xC3\xA9.txt"));
    AddEntry(b, Entry("notes/\xC3\x89T\xC3\x89.txt"));
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"MANIFEST_PATH_CASE_COLLISION"}));
  }
  {
    // Exact duplicates are caught by the duplicate rule first.
    Bundle b(kNonStrictJob);
    AddEntry(b, Entry("extra/Notes.txt"));
    AddEntry(b, Entry("extra/Notes.txt"));
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"MANIFEST_DUPLICATE_PATH"}));
  }
}

TEST(VerifyManifestPaths, NamesThatOnlyLookOddAreFine) {
  // Dots inside a segment, spaces inside, unlisted extra files, a wrong `bytes` value.
  Bundle b("jobproof/strict-pass");
  b.Write("extra/..hidden", "x");
  b.Write("notes/a.b..c d.txt", "hello");
  AddEntry(b, Entry("notes/a.b..c d.txt", crypto::Sha256Hex(std::string("hello")).c_str()));
  b.Edit("manifest.json", [](Json& m) { m["files"][0]["bytes"] = 999999; });
  b.SealManifest();
  b.ResignAttestation();
  b.ResignReport("", b.ReadJson("attestation/bundle_head_attestation.json").Find("attestationHash")->str());
  EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
}

// ---- §3 manifest hash

TEST(VerifyManifestHash, MissingEmptyOrNullManifestHash) {
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    Bundle b("jobproof/strict-pass");
    b.Edit("manifest.json", [&](Json& m) {
      if (variant == 0) m.Erase("manifestHash");
      if (variant == 1) m["manifestHash"] = "";
      if (variant == 2) m["manifestHash"] = nullptr;
    });
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"manifest missing manifestHash"}));
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"manifest missing manifestHash"}));
  }
  // A number is "present" but can never equal the computed hex hash.
  Bundle b("jobproof/strict-pass");
  b.Edit("manifest.json", [](Json& m) { m["manifestHash"] = 5; });
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"manifestHash mismatch"}));
}

TEST(VerifyManifestHash, AnyMemberChangeIsAMismatchInEveryKind) {
  for (const auto& k : kStrictPass) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    b.Edit("manifest.json", [](Json& m) { m["generatedAt"] = "2030-01-01T00:00:00.000Z"; });
    EXPECT_TRUE(Fails(b.Verify(k.kind, Strict()), {"manifestHash mismatch"}));
    EXPECT_TRUE(Fails(b.Verify(k.kind, Lenient()), {"manifestHash mismatch"}));
  }
}

TEST(VerifyManifestHash, UnsupportedSchemaKindAndType) {
  {
    Bundle b("jobproof/strict-pass");
    b.Edit("manifest.json", [](Json& m) { m["schemaVersion"] = "ProofBundleManifest.v2"; });
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"unsupported manifest schemaVersion"}));
  }
  {
    Bundle b("monthproof/strict-pass");
    b.Edit("manifest.json", [](Json& m) { m["kind"] = "JobProofBundle.v1"; });
    EXPECT_TRUE(Fails(b.Verify(kMonth, Lenient()), {"unsupported bundle kind"}));
  }
  {
    // [J] does not check the manifest kind itself (only the attestation compares it).
    Bundle b("jobproof/strict-pass");
    b.Edit("manifest.json", [](Json& m) { m["kind"] = "Whatever.v1"; });
    b.SealManifest();
    EXPECT_FALSE(b.Verify(kJob, Strict()).result.verification_ok);
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"attestation kind mismatch"}));
  }
  for (const auto& k : {kStrictPass[2], kStrictPass[3], kStrictPass[4]}) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    b.Edit("nooterra.json", [](Json& h) { h["type"] = "Other.v1"; });
    EXPECT_TRUE(Fails(b.Verify(k.kind, Strict()), {"unsupported bundle type"}));
    Bundle c(k.rel);
    c.Edit("manifest.json", [](Json& m) { m["schemaVersion"] = "X.v1"; });
    EXPECT_TRUE(Fails(c.Verify(k.kind, Lenient()), {"unsupported manifest schemaVersion"}));
  }
}

// ---- §4 required files

TEST(VerifyManifestRequired, StrictFailsLenientWarnsForProofBundles) {
  {
    Bundle b("jobproof/strict-pass");
    RemoveEntry(b, "job/snapshot.json");
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"manifest missing required files"}));
    EXPECT_NE(o.detail().find("job/snapshot.json"), std::string::npos);
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient()), {"MANIFEST_MISSING_REQUIRED_FILES"}));
  }
  {
    // Strict-only names (governance/*) are not required in lenient runs.
    Bundle b("jobproof/strict-pass");
    RemoveEntry(b, "governance/tenant/snapshot.json");
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"manifest missing required files"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
  {
    Bundle b("monthproof/strict-pass");
    RemoveEntry(b, "keys/public_keys.json");
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kMonth, Strict()), {"manifest missing required files"}));
    EXPECT_TRUE(Passes(b.Verify(kMonth, Lenient()), {"MANIFEST_MISSING_REQUIRED_FILES"}));
  }
}

TEST(VerifyManifestRequired, StrictFailsLenientIgnoresForOtherKinds) {
  const std::pair<KindBundle, const char*> cases[] = {{kStrictPass[2], "finance/reconcile.json"},
                                                       {kStrictPass[3], "invoice/invoice_claim.json"},
                                                       {kStrictPass[4], "evidence/evidence_index.json"}};
  for (const auto& [k, name] : cases) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    RemoveEntry(b, name);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(k.kind, Strict()), {"manifest missing required files"}));
    EXPECT_TRUE(Passes(b.Verify(k.kind, Lenient())));
  }
}

// ---- §5 file hashes

TEST(VerifyManifestFiles, Sha256MismatchInEveryKind) {
  const std::pair<KindBundle, const char*> cases[] = {{kStrictPass[0], "job/snapshot.json"},
                                                       {kStrictPass[1], "events/events.jsonl"},
                                                       {kStrictPass[2], "finance/reconcile.json"},
                                                       {kStrictPass[3], "pricing/pricing_matrix.json"},
                                                       {kStrictPass[4], "sla/sla_definition.json"}};
  for (const auto& [k, name] : cases) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    b.Write(name, b.Read(name) + " ");
    for (bool strict : {true, false}) {
      Outcome o = b.Verify(k.kind, TrustOptions(strict));
      EXPECT_TRUE(Fails(o, {"sha256 mismatch"}));
      EXPECT_EQ(o.path(), name);
    }
  }
}

TEST(VerifyManifestFiles, UppercaseDeclaredHashIsAMismatch) {
  Bundle b("jobproof/strict-pass");
  b.Edit("manifest.json", [](Json& m) {
    std::string sha = m["files"][0]["sha256"].str();
    for (char& c : sha) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    m["files"][0]["sha256"] = sha;
  });
  b.SealManifest();
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"sha256 mismatch"}));
}

TEST(VerifyManifestFiles, MissingFileDependsOnKind) {
  const std::tuple<KindBundle, const char*, const char*> cases[] = {
      {kStrictPass[0], "job/snapshot.json", "missing file"},
      {kStrictPass[1], "events/payload_material.jsonl", "missing file"},
      {kStrictPass[2], "finance/GLBatch.v1.json", "missing file"},
      {kStrictPass[3], "metering/metering_report.json", "failed to hash file"},
      {kStrictPass[4], "acceptance/acceptance_criteria.json", "failed to hash file"}};
  for (const auto& [k, name, code] : cases) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    b.Remove(name);
    for (bool strict : {true, false}) {
      Outcome o = b.Verify(k.kind, TrustOptions(strict));
      EXPECT_TRUE(Fails(o, {code}));
      EXPECT_EQ(o.path(), name);
    }
  }
}

TEST(VerifyManifestFiles, DirectoryInsteadOfFileFailsToHash) {
  Bundle b("jobproof/strict-pass");
  b.Remove("job/snapshot.json");
  std::filesystem::create_directory(b.Path("job/snapshot.json"));
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"failed to hash file"}));
  EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"failed to hash file"}));
}

TEST(VerifyManifestFiles, FirstFailingEntryInManifestOrderWins) {
  Bundle b("jobproof/strict-pass");
  b.Write("keys/public_keys.json", b.Read("keys/public_keys.json") + " ");  // last entry: mismatch
  b.Remove("events/events.jsonl");                                          // first entry: missing
  Outcome o = b.Verify(kJob, Strict());
  EXPECT_TRUE(Fails(o, {"missing file"}));
  EXPECT_EQ(o.path(), "events/events.jsonl");
}

TEST(VerifyManifestFiles, HashConcurrencyNeverChangesTheResult) {
  Bundle b("jobproof/strict-pass");
  for (int i = 0; i < 100; ++i) {
    const std::string name = "extra/f" + std::to_string(i) + ".txt";
    b.Write(name, std::to_string(i));
    AddEntry(b, Entry(name.c_str(), crypto::Sha256Hex(std::to_string(i)).c_str()));
  }
  b.Write("extra/f77.txt", "tampered");
  b.Write("extra/f93.txt", "tampered");
  b.SealManifest();
  for (uint32_t threads : {1u, 2u, 8u, 256u}) {
    Options o = Strict();
    o.hash_concurrency = threads;
    Outcome out = b.Verify(kJob, o);
    EXPECT_TRUE(Fails(out, {"sha256 mismatch"}));
    EXPECT_EQ(out.path(), "extra/f77.txt");
  }
}

// ---- symlinks: refused at the leaf (like the reference) and anywhere on the way (stricter).

TEST(VerifyManifestSymlinks, LeafSymlinkIsForbiddenDanglingOrNot) {
  for (const char* target : {"../outside.txt", "../keys/public_keys.json", "snapshot.json.real"}) {
    SCOPED_TRACE(target);
    Bundle b("jobproof/strict-pass");
    std::filesystem::copy_file(b.Path("job/snapshot.json"), b.Path("job/snapshot.json.real"));
    b.Remove("job/snapshot.json");
    std::filesystem::create_symlink(target, b.Path("job/snapshot.json"));
    for (bool strict : {true, false}) {
      Outcome o = b.Verify(kJob, TrustOptions(strict));
      EXPECT_TRUE(Fails(o, {"MANIFEST_SYMLINK_FORBIDDEN"}));
      EXPECT_EQ(o.path(), "job/snapshot.json");
    }
  }
}

TEST(VerifyManifestSymlinks, SymlinkedIntermediateDirectoryIsRefused) {
  // The reference follows a symlinked directory; we never leave the bundle, even through a link
  // to an identical copy (conformance/README.md).
  Bundle b("jobproof/strict-pass");
  std::filesystem::copy(b.Path("job"), b.parent() + "/job-copy", std::filesystem::copy_options::recursive);
  b.Remove("job");
  std::filesystem::create_directory_symlink("../job-copy", b.Path("job"));
  Outcome o = b.Verify(kJob, Strict());
  EXPECT_TRUE(Fails(o, {"MANIFEST_SYMLINK_FORBIDDEN"}));
  EXPECT_EQ(o.path(), "job/snapshot.json");
}

TEST(VerifyManifestSymlinks, NoReadEscapesTheBundleForUnlistedFiles) {
  // verify/ is outside the manifest: a symlinked report directory pointing at a valid copy is
  // still never read (the report counts as absent).
  Bundle b("jobproof/strict-pass");
  std::filesystem::copy(b.Path("verify"), b.parent() + "/verify-copy", std::filesystem::copy_options::recursive);
  b.Remove("verify");
  std::filesystem::create_directory_symlink("../verify-copy", b.Path("verify"));
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"missing verify/verification_report.json"}));
  EXPECT_TRUE(Passes(b.Verify(kJob, Lenient()), {"VERIFICATION_REPORT_MISSING_LENIENT"}));
}

TEST(VerifyManifestSymlinks, SymlinkEarlierInTheManifestWinsOverALaterMismatch) {
  Bundle b("jobproof/strict-pass");
  b.Write("keys/public_keys.json", b.Read("keys/public_keys.json") + " ");
  b.Remove("events/payload_material.jsonl");
  std::filesystem::create_symlink("events.jsonl", b.Path("events/payload_material.jsonl"));
  Outcome o = b.Verify(kJob, Strict());
  EXPECT_TRUE(Fails(o, {"MANIFEST_SYMLINK_FORBIDDEN"}));
  EXPECT_EQ(o.path(), "events/payload_material.jsonl");
}

// ---- where we do better than the reference (it crashes or silently accepts)

TEST(VerifyBetterThanReference, MissingManifestIsBundleFileMissing) {
  for (const auto& k : kStrictPass) {
    SCOPED_TRACE(k.rel);
    Bundle b(k.rel);
    b.Remove("manifest.json");
    Outcome o = b.Verify(k.kind, Strict());
    EXPECT_TRUE(Fails(o, {"BUNDLE_FILE_MISSING"}));
    EXPECT_EQ(o.path(), "manifest.json");
    EXPECT_FALSE(o.message().empty());
  }
}

TEST(VerifyBetterThanReference, MissingHeaderIsBundleFileMissing) {
  Bundle b("invoicebundle/strict-pass");
  b.Remove("nooterra.json");
  Outcome o = b.Verify(kInvoice, Strict());
  EXPECT_TRUE(Fails(o, {"BUNDLE_FILE_MISSING"}));
  EXPECT_EQ(o.path(), "nooterra.json");
}

TEST(VerifyBetterThanReference, UnparsableManifestIsBundleJsonInvalid) {
  for (const char* text : {"{", "", "{\"files\":[}", "not json"}) {
    Bundle b("jobproof/strict-pass");
    b.Write("manifest.json", text);
    Outcome o = b.Verify(kJob, Lenient());
    EXPECT_TRUE(Fails(o, {"BUNDLE_JSON_INVALID"}));
    EXPECT_EQ(o.path(), "manifest.json");
  }
}

TEST(VerifyBetterThanReference, BomBeforeManifestIsBundleJsonBom) {
  Bundle b("jobproof/strict-pass");
  b.Write("manifest.json", "\xEF\xBB\xBF" + b.Read("manifest.json"));
  Outcome o = b.Verify(kJob, Strict());
  EXPECT_TRUE(Fails(o, {"BUNDLE_JSON_BOM"}));
  EXPECT_EQ(o.path(), "manifest.json");
}

TEST(VerifyBetterThanReference, ManifestThatIsADirectoryIsUnreadable) {
  Bundle b("jobproof/strict-pass");
  b.Remove("manifest.json");
  std::filesystem::create_directory(b.Path("manifest.json"));
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"BUNDLE_FILE_UNREADABLE"}));
}

TEST(VerifyBetterThanReference, ManifestFilesNotAnArray) {
  for (const Json& files : {Json::Object(), Json("events/events.jsonl"), Json(3), Json(true)}) {
    SCOPED_TRACE(files.Dump());
    Bundle b("jobproof/strict-pass");
    b.Edit("manifest.json", [&](Json& m) { m["files"] = files; });
    b.Write("job/snapshot.json", "tampered");
    b.SealManifest();
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"MANIFEST_FILES_INVALID"}));
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"MANIFEST_FILES_INVALID"}));
  }
  // `files` absent: an empty list (nothing hashed) — strict then misses the required files.
  Bundle b("jobproof/strict-pass");
  b.Edit("manifest.json", [](Json& m) { m.Erase("files"); });
  b.SealManifest();
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"manifest missing required files"}));
}

TEST(VerifyBetterThanReference, EntryWithoutSha256IsRefused) {
  for (const Json& sha : {Json(), Json(5), Json(nullptr)}) {
    Bundle b("jobproof/strict-pass");
    b.Edit("manifest.json", [&](Json& m) {
      Json& e = m["files"][10];  // job/snapshot.json
      ASSERT_EQ(e["name"].str(), "job/snapshot.json");
      if (sha.is_null()) {
        e.Erase("sha256");
      } else {
        e["sha256"] = sha;
      }
    });
    b.Write("job/snapshot.json", "tampered");
    b.SealManifest();
    Outcome o = b.Verify(kJob, Lenient());
    EXPECT_TRUE(Fails(o, {"MANIFEST_ENTRY_SHA256_MISSING"}));
    EXPECT_EQ(o.path(), "job/snapshot.json");
  }
}

TEST(VerifyBetterThanReference, DirectoryThatDoesNotExistOrIsAFile) {
  Bundle b("jobproof/strict-pass");
  Options o = Strict();
  for (const std::string& dir : {b.parent() + "/does-not-exist", b.Path("manifest.json"), std::string("")}) {
    SCOPED_TRACE(dir);
    auto r = VerifyBundle(dir, kJob, o);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->ok);
    EXPECT_FALSE(r->verification_ok);
    ASSERT_EQ(r->errors.size(), 1u);
    EXPECT_EQ(r->errors[0].code, "BUNDLE_DIR_UNREADABLE");
    EXPECT_TRUE(r->warnings.empty());
    EXPECT_FALSE(r->manifest_hash.has_value());
  }
}

TEST(VerifyBetterThanReference, NamedLimits) {
  {
    Bundle b("jobproof/strict-pass");
    Options o = Strict();
    o.limits.file_bytes_max = 100;  // events/events.jsonl is 515 bytes
    Outcome out = b.Verify(kJob, o);
    EXPECT_TRUE(Fails(out, {"BUNDLE_LIMIT_FILE_BYTES"}));
    EXPECT_EQ(out.path(), "events/events.jsonl");
  }
  {
    Bundle b("jobproof/strict-pass");
    Options o = Strict();
    o.limits.manifest_files_max = 11;  // the manifest lists 12
    EXPECT_TRUE(Fails(b.Verify(kJob, o), {"BUNDLE_LIMIT_MANIFEST_FILES"}));
    o.limits.manifest_files_max = 12;
    EXPECT_TRUE(Passes(b.Verify(kJob, o)));
  }
  {
    Bundle b("jobproof/strict-pass");
    Options o = Strict();
    o.limits.json_bytes_max = 500;  // manifest.json is larger
    EXPECT_TRUE(Fails(b.Verify(kJob, o), {"BUNDLE_LIMIT_JSON_BYTES"}));
  }
  {
    // A required JSONL read over the line limit: ClosePack reads the doubly embedded job events.
    Bundle b("closepack/strict-pass");
    Options o = Lenient();
    o.limits.jsonl_lines_max = 0;
    Outcome out = b.Verify(kClose, o);
    EXPECT_TRUE(Fails(out, {"BUNDLE_LIMIT_JSONL_LINES"}));
    EXPECT_EQ(out.path(), "payload/invoice_bundle/payload/job_proof_bundle/events/events.jsonl");
  }
}

// ---- run-level codes

TEST(VerifyRun, FailOnWarningsOnlyWhenVerifiedWithWarnings) {
  Bundle b(kNonStrictJob);
  Options o = Lenient();
  o.fail_on_warnings = true;
  Outcome out = b.Verify(kJob, o);
  EXPECT_FALSE(out.result.ok);
  EXPECT_TRUE(out.result.verification_ok);
  EXPECT_EQ(out.errors, std::vector<std::string>{"FAIL_ON_WARNINGS"});
  EXPECT_EQ(out.warnings, std::vector<std::string>{"VERIFICATION_REPORT_MISSING_LENIENT"});
  EXPECT_NE(out.detail().find("\"warningsCount\":1"), std::string::npos) << out.detail();
  EXPECT_TRUE(out.result.manifest_hash.has_value());

  // No warnings: nothing to fail on.
  Bundle clean("jobproof/strict-pass");
  Options s = Strict();
  s.fail_on_warnings = true;
  EXPECT_TRUE(Passes(clean.Verify(kJob, s)));

  // A failed verification keeps its own code only, warnings stay warnings.
  Bundle bad(kNonStrictJob);
  bad.Write("job/snapshot.json", "x");
  EXPECT_TRUE(Fails(bad.Verify(kJob, o), {"sha256 mismatch"}));
}

TEST(VerifyRun, WarningsAreKeptOnFailure) {
  Bundle b(kNonStrictJob);
  b.Write("job/snapshot.json", "x");
  Options o = Lenient();
  o.trust.governance_roots_json = "  ";
  EXPECT_TRUE(Fails(b.Verify(kJob, o), {"sha256 mismatch"}, {"TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT"}));
}

TEST(VerifyRun, UnusableOptionsAreAStatusNotAResult) {
  Bundle b("jobproof/strict-pass");
  for (uint32_t threads : {0u, 257u}) {
    Options o = Strict();
    o.hash_concurrency = threads;
    auto r = VerifyBundle(b.dir(), kJob, o);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
  auto r = VerifyBundle(b.dir(), static_cast<BundleKind>(99), Strict());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VerifyRun, SummaryOnlyOnSuccess) {
  Bundle b("financepack/strict-pass");
  Outcome o = b.Verify(kFinance, Strict());
  ASSERT_TRUE(Passes(o));
  EXPECT_EQ(o.result.period.value_or(""), "2026-01");
  EXPECT_EQ(o.result.type.value_or(""), "FinancePackBundle.v1");
  EXPECT_EQ(o.result.tenant_id.value_or(""), "tenant_fixture");
  b.Write("finance/reconcile.json", "{}");
  Outcome bad = b.Verify(kFinance, Strict());
  EXPECT_FALSE(bad.result.period.has_value());
  EXPECT_FALSE(bad.result.type.has_value());
  EXPECT_FALSE(bad.result.manifest_hash.has_value());
}

}  // namespace
}  // namespace nooterra::verify::testing
