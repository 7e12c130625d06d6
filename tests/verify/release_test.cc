// Release verification (include/nooterra/release.h): every case of
// conformance/v1/release-cases.json, then each error code on a mutated copy of
// releases/release_pass in a temporary directory (re-signed with the test-only keys where the
// mutation must keep the signature valid).
#include "nooterra/release.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"
#include "support/reference.h"
#include "verify/release_internal.h"

namespace nooterra::release {
namespace {

using nooterra::testing::ReadReference;
using nooterra::testing::ReferenceDir;
using Codes = std::set<std::string>;

Codes CodesOf(const std::vector<Issue>& issues) {
  Codes out;
  for (const Issue& e : issues) out.insert(e.code);
  return out;
}

// The runner's code extraction: string codes, trimmed, deduplicated.
Codes ExpectedCodes(json::Value arr) {
  Codes out;
  for (size_t i = 0; i < arr.size(); ++i) {
    json::Value v = arr.at(i);
    if (v.is_string()) out.insert(std::string(internal::TrimJs(v.as_string())));
  }
  return out;
}

std::string Join(const Codes& codes) {
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "" : ",") + c;
  return "[" + out + "]";
}

TEST(ReleaseConformance, AllReferenceCasesPass) {
  std::string text = ReadReference("conformance/v1/release-cases.json");
  ASSERT_FALSE(text.empty());
  auto doc = json::Document::Parse(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  json::Value cases = doc->root().Find("cases");
  ASSERT_TRUE(cases.is_array());
  ASSERT_GT(cases.size(), 0u) << "no release cases: the pack is empty or malformed";
  const std::string base = ReferenceDir() + "/conformance/v1/";
  size_t passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    json::Value c = cases.at(i);
    std::string id(c.Find("id").as_string());
    json::Value expected = c.Find("expected");
    VerifyOptions options;
    options.dir = base + std::string(c.Find("releaseDir").as_string());
    ASSERT_TRUE(std::filesystem::is_directory(options.dir))
        << id << ": reference release directory missing: " << options.dir;
    if (c.Find("trustFile").is_string()) {
      options.trust_file = base + std::string(c.Find("trustFile").as_string());
    }
    Report r = VerifyReleaseDir(options);
    bool match = true;
    auto check = [&](const char* what, const std::string& want, const std::string& got) {
      if (want == got) return;
      match = false;
      ADD_FAILURE() << id << ": " << what << " expected=" << want << " actual=" << got;
    };
    auto b = [](bool v) { return std::string(v ? "true" : "false"); };
    check("exitCode", std::to_string(static_cast<int>(expected.Find("exitCode").as_number())),
          std::to_string(ExitCode(r)));
    check("ok", b(expected.Find("ok").as_bool()), b(r.ok));
    check("signatureOk", b(expected.Find("signatureOk").as_bool()), b(r.signature_ok));
    check("artifactsOk", b(expected.Find("artifactsOk").as_bool()), b(r.artifacts_ok));
    check("errors", Join(ExpectedCodes(expected.Find("errors"))), Join(CodesOf(r.errors)));
    check("warnings", Join(ExpectedCodes(expected.Find("warnings"))), Join(CodesOf(r.warnings)));
    // The JSON output is canonical and carries the same verdict.
    std::string out = ReportToJson(r);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back(), '\n');
    auto canonical = json::Canonicalize(out);
    ASSERT_TRUE(canonical.ok()) << id << ": " << canonical.status();
    EXPECT_EQ(*canonical + "\n", out) << id;
    if (match) ++passed;
  }
  EXPECT_EQ(passed, cases.size());
  std::printf("release-cases: %zu/%zu cases passed\n", passed, cases.size());
}

TEST(ReleaseConformance, IndexMessageHash) {
  // 11-other-packs.md §5.2: the message hash of every fixture index.
  std::string index = ReadReference("conformance/v1/releases/release_pass/release_index_v1.json");
  auto hex = json::CanonicalSha256Hex(index);
  ASSERT_TRUE(hex.ok()) << hex.status();
  EXPECT_EQ(*hex, "545e5a9991ef47acc5f529ab676092f727e3bca20930233cc0a0fb7ebdb4e4a7");
}

struct Key {
  crypto::PrivateKey priv;
  std::string pem;
  std::string id;
};

Key LoadKey(const std::string& file, const char* member) {
  auto doc = json::Document::Parse(ReadReference(file));
  if (!doc.ok()) {
    ADD_FAILURE() << file << ": " << doc.status();
    std::abort();  // nothing below can run without the test keys
  }
  json::Value k = member ? doc->root().Find(member) : doc->root();
  auto priv = crypto::PrivateKey::FromPem(k.Find("privateKeyPem").as_string());
  if (!priv.ok()) {
    ADD_FAILURE() << file << ": " << priv.status();
    std::abort();
  }
  std::string pem(k.Find("publicKeyPem").as_string());
  return Key{std::move(*priv), pem, crypto::KeyIdFromPem(pem)};
}

std::string Quote(std::string_view s) {
  std::string out;
  json::AppendQuoted(s, &out);
  return out;
}

// A copy of releases/release_pass plus helpers to mutate, re-sign and verify it.
class ReleaseDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(nooterra::testing::ReferenceExists("keys/ed25519_test_keypair.json") &&
                nooterra::testing::ReferenceExists("keys/fixture_keypairs.json"))
        << "reference data missing: the test-only keys are not under " << ReferenceDir()
        << "/keys (set NOOTERRA_REFERENCE_DIR)";
    char tmpl[] = "/tmp/nooterra-release-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/release";
    std::filesystem::create_directory(dir_);
    for (const char* f : {"a.tgz", "b.tar.gz", "release_index_v1.json", "release_index_v1.sig"}) {
      std::string bytes = ReadReference(std::string("conformance/v1/releases/release_pass/") + f);
      ASSERT_FALSE(bytes.empty()) << f;
      Write(dir_ + "/" + f, bytes);
    }
    index_ = ReadReference("conformance/v1/releases/release_pass/release_index_v1.json");
    trust_ = root_ + "/trust.json";
    Write(trust_, ReadReference("conformance/v1/release-trust.json"));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static void Write(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    ASSERT_TRUE(out.good()) << path;
  }

  // One ReleaseIndexSignature.v1 object over `index` by `key`.
  static std::string SignatureOf(const Key& key, const std::string& index) {
    auto hex = json::CanonicalSha256Hex(index);
    EXPECT_TRUE(hex.ok()) << hex.status();
    auto sig = key.priv.SignHashHex(hex.ok() ? *hex : std::string(64, '0'));
    EXPECT_TRUE(sig.ok());
    return "{\"algorithm\":\"ed25519-sha256\",\"keyId\":" + Quote(key.id) +
           ",\"messageSha256\":\"" + (hex.ok() ? *hex : "") +
           "\",\"publicKeyPem\":" + Quote(key.pem) +
           ",\"schemaVersion\":\"ReleaseIndexSignature.v1\",\"signatureBase64\":" +
           Quote(sig.ok() ? *sig : "") + "}";
  }

  void WriteSignatures(const std::vector<std::string>& entries) {
    std::string list;
    for (const auto& e : entries) list += (list.empty() ? "" : ",") + e;
    Write(dir_ + "/release_index_v1.sig",
          "{\"schemaVersion\":\"ReleaseIndexSignatures.v1\",\"signatures\":[" + list + "]}");
  }

  // Rewrites the index (applying `from` → `to`) and re-signs it with `signers`.
  void Mutate(const std::string& from, const std::string& to, std::vector<const Key*> signers) {
    size_t at = index_.find(from);
    ASSERT_NE(at, std::string::npos) << "fixture changed? " << from;
    index_.replace(at, from.size(), to);
    Write(dir_ + "/release_index_v1.json", index_);
    std::vector<std::string> entries;
    for (const Key* k : signers) entries.push_back(SignatureOf(*k, index_));
    WriteSignatures(entries);
  }

  Report Verify(const Limits& limits = {}) {
    VerifyOptions o;
    o.dir = dir_;
    o.trust_file = trust_;
    o.limits = limits;
    return VerifyReleaseDir(o);
  }

  static std::string TrustV2(const std::string& keys,
                             const std::string& policy = "{\"minSignatures\":1}") {
    return "{\"schemaVersion\":\"ReleaseTrust.v2\",\"policy\":" + policy + ",\"keys\":[" + keys +
           "]}";
  }
  static std::string TrustKeyJson(const Key& k, const std::string& extra = "") {
    return "{\"keyId\":" + Quote(k.id) + ",\"publicKeyPem\":" + Quote(k.pem) + extra + "}";
  }

  static const Key& TestKey() {
    static const Key* k = new Key(LoadKey("keys/ed25519_test_keypair.json", nullptr));
    return *k;
  }
  static const Key& ServerA() {
    static const Key* k = new Key(LoadKey("keys/fixture_keypairs.json", "serverA"));
    return *k;
  }

  std::string root_, dir_, trust_, index_;
};

// Expects exactly `codes`, the exit code, and a consistent `ok`.
void ExpectOutcome(const Report& r, const Codes& codes, int exit_code) {
  EXPECT_EQ(Join(CodesOf(r.errors)), Join(codes));
  EXPECT_EQ(ExitCode(r), exit_code);
  EXPECT_EQ(r.ok, codes.empty() && exit_code == 0);
  for (const Issue& e : r.errors) EXPECT_FALSE(e.message.empty()) << e.code;
}

const Codes kBadSignature = {std::string(kSignatureInvalid),
                             std::string(kSignatureQuorumNotSatisfied)};

TEST_F(ReleaseDirTest, CopyAndResignedCopyPass) {
  Report r = Verify();
  ExpectOutcome(r, {}, 0);
  EXPECT_TRUE(r.signature_ok && r.artifacts_ok);
  EXPECT_EQ(r.tag, "v0.0.0-conformance");
  EXPECT_EQ(r.version, "0.0.0-conformance");
  EXPECT_EQ(r.commit, "0123456789abcdef0123456789abcdef01234567");
  Mutate("\"tag\":\"v0.0.0-conformance\"", "\"tag\":\"v9\"", {&TestKey()});
  r = Verify();
  ExpectOutcome(r, {}, 0);
  EXPECT_EQ(r.tag, "v9");
}

TEST_F(ReleaseDirTest, SingleUnwrappedSignatureAndTrustV1) {
  Write(dir_ + "/release_index_v1.sig", SignatureOf(TestKey(), index_));
  ExpectOutcome(Verify(), {}, 0);
  Write(trust_, "{\"schemaVersion\":\"ReleaseTrust.v1\",\"releaseRoots\":{" + Quote(TestKey().id) +
                    ":" + Quote(TestKey().pem) + "}}");
  ExpectOutcome(Verify(), {}, 0);
}

TEST_F(ReleaseDirTest, SignatureCarriedKeyIsIgnoredAndHashCaseFolded) {
  std::string sig = SignatureOf(TestKey(), index_);
  // Another public key inside the signature changes nothing: only the trust file's key counts.
  sig.replace(sig.find(Quote(TestKey().pem)), Quote(TestKey().pem).size(), Quote(ServerA().pem));
  size_t h = sig.find("545e5a");
  for (size_t i = h; i < h + 64; ++i) sig[i] = static_cast<char>(std::toupper(sig[i]));
  WriteSignatures({sig});
  ExpectOutcome(Verify(), {}, 0);
}

TEST_F(ReleaseDirTest, IndexInvalid) {
  // Without time bounds, so that the missing index is reported once.
  Write(trust_, TrustV2(TrustKeyJson(TestKey())));
  Write(dir_ + "/release_index_v1.json", "{\"release\":");
  Report r = Verify();
  ExpectOutcome(r, {std::string(kIndexInvalid)}, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, std::string(kIndexFileName));
  EXPECT_FALSE(r.signature_ok);
  EXPECT_TRUE(r.artifacts_ok);

  Write(dir_ + "/release_index_v1.json", "[]");  // JSON, but not an index
  ExpectOutcome(Verify(), {std::string(kIndexInvalid)}, 1);

  std::filesystem::remove(dir_ + "/release_index_v1.json");
  ExpectOutcome(Verify(), {std::string(kIndexInvalid)}, 1);
}

TEST_F(ReleaseDirTest, IndexWithoutCanonicalFormIsInvalid) {
  // -0 has no canonical form; the reference crashes, we report the index.
  Mutate("\"canonicalJson\":", "\"x\":-0,\"canonicalJson\":", {});
  Write(dir_ + "/release_index_v1.sig",
        ReadReference("conformance/v1/releases/release_pass/release_index_v1.sig"));
  ExpectOutcome(Verify(), {std::string(kIndexInvalid)}, 1);
}

TEST_F(ReleaseDirTest, IndexInvalidWithoutBuildTimeForTimeBoundTrust) {
  Mutate("\"buildEpochSeconds\":1700000000,", "", {&TestKey()});
  Report r = Verify();  // release-trust.json has notBeforeEpochSeconds: 0
  ExpectOutcome(r, {std::string(kIndexInvalid)}, 1);
  EXPECT_TRUE(r.signature_ok);  // the signature itself is fine
  // A trust file without time bounds does not need the build time.
  Write(trust_, TrustV2(TrustKeyJson(TestKey())));
  ExpectOutcome(Verify(), {}, 0);
}

TEST_F(ReleaseDirTest, IndexLimits) {
  Limits small;
  small.index_bytes_max = 100;
  ExpectOutcome(Verify(small), {std::string(kIndexInvalid)}, 1);
  Limits one;
  one.artifacts_max = 1;
  Report r = Verify(one);
  ExpectOutcome(r, {std::string(kIndexInvalid)}, 1);
  EXPECT_FALSE(r.artifacts_ok);
}

TEST_F(ReleaseDirTest, SignatureFileInvalid) {
  Write(dir_ + "/release_index_v1.sig", "not json");
  Report r = Verify();
  ExpectOutcome(r, {std::string(kSignatureInvalid)}, 4);
  EXPECT_EQ(r.errors[0].path, std::string(kSignatureFileName));
  Write(dir_ + "/release_index_v1.sig", "{\"schemaVersion\":\"Other.v1\"}");
  ExpectOutcome(Verify(), {std::string(kSignatureInvalid)}, 4);
  Write(dir_ + "/release_index_v1.sig", "null");
  ExpectOutcome(Verify(), {std::string(kSignatureInvalid)}, 4);
  std::filesystem::remove(dir_ + "/release_index_v1.sig");
  ExpectOutcome(Verify(), {std::string(kSignatureInvalid)}, 4);
  Write(dir_ + "/release_index_v1.sig", SignatureOf(TestKey(), index_));
  Limits none;
  none.signature_file_bytes_max = 10;
  ExpectOutcome(Verify(none), {std::string(kSignatureInvalid)}, 4);
}

TEST_F(ReleaseDirTest, SignatureEntryInvalid) {
  const std::string good = SignatureOf(TestKey(), index_);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<std::string> bad = {
      with("\"keyId\":", "\"keyIdX\":"),  // no keyId
      with("\"schemaVersion\":\"ReleaseIndexSignature.v1\"", "\"schemaVersion\":\"X\""),
      with("\"messageSha256\":\"545e", "\"messageSha256\":\"645e"),       // wrong message
      with("\"signatureBase64\":", "\"signatureBase64\":\"  \",\"x\":"),  // blank
      with("\"signatureBase64\":\"", "\"signatureBase64\":\"AAAA"),       // bad bytes
      "null",                                                             // not an object
  };
  for (const std::string& s : bad) {
    WriteSignatures({s});
    ExpectOutcome(Verify(), kBadSignature, 4);
  }
  // The index changed after signing.
  Mutate("\"tag\":\"v0.0.0-conformance\"", "\"tag\":\"v6\"", {});
  WriteSignatures({good});
  ExpectOutcome(Verify(), kBadSignature, 4);
}

TEST_F(ReleaseDirTest, SignatureUnsupportedAlgorithm) {
  std::string s = SignatureOf(TestKey(), index_);
  s.replace(s.find("ed25519-sha256"), 14, "rsa-sha256");
  WriteSignatures({s});
  ExpectOutcome(
      Verify(),
      {std::string(kSignatureUnsupportedAlgorithm), std::string(kSignatureQuorumNotSatisfied)}, 4);
}

TEST_F(ReleaseDirTest, UnusableTrustedKeyIsASignatureError) {
  // ReleaseTrust.v1 has no keyId derivation check, so a garbage PEM reaches verification
  // (the reference's OpenSSL call throws and is reported the same way).
  Write(trust_, "{\"schemaVersion\":\"ReleaseTrust.v1\",\"releaseRoots\":{" + Quote(TestKey().id) +
                    ":\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"}}");
  ExpectOutcome(Verify(), kBadSignature, 4);
}

TEST_F(ReleaseDirTest, TooManySignatures) {
  Limits zero;
  zero.signatures_max = 0;
  ExpectOutcome(Verify(zero), {std::string(kSignatureInvalid)}, 4);
}

TEST_F(ReleaseDirTest, SignerUnauthorized) {
  WriteSignatures({SignatureOf(ServerA(), index_)});
  ExpectOutcome(Verify(),
                {std::string(kSignerUnauthorized), std::string(kSignatureQuorumNotSatisfied)}, 4);
}

TEST_F(ReleaseDirTest, TimeWindowBoundaries) {
  // buildEpochSeconds is 1700000000: notBefore and notAfter are inclusive, revokedAt is not.
  const Codes unauthorized = {std::string(kSignerUnauthorized),
                              std::string(kSignatureQuorumNotSatisfied)};
  const Codes revoked = {std::string(kSignerRevoked), std::string(kSignatureQuorumNotSatisfied)};
  struct Case {
    const char* extra;
    Codes codes;
  } cases[] = {
      {",\"notBeforeEpochSeconds\":1700000000", {}},
      {",\"notBeforeEpochSeconds\":1700000001", unauthorized},
      {",\"notAfterEpochSeconds\":1700000000", {}},
      {",\"notAfterEpochSeconds\":1699999999", unauthorized},
      {",\"revokedAtEpochSeconds\":1700000001", {}},
      {",\"revokedAtEpochSeconds\":1700000000", revoked},
      // Revocation is reported before the window.
      {",\"revokedAtEpochSeconds\":1,\"notBeforeEpochSeconds\":1800000000", revoked},
      {",\"notBeforeEpochSeconds\":null", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.extra);
    Write(trust_, TrustV2(TrustKeyJson(TestKey(), c.extra)));
    ExpectOutcome(Verify(), c.codes, c.codes.empty() ? 0 : 4);
  }
}

TEST_F(ReleaseDirTest, Quorum) {
  const std::string both = TrustKeyJson(TestKey()) + "," + TrustKeyJson(ServerA());
  const Codes quorum = {std::string(kSignatureQuorumNotSatisfied)};
  // A required key that did not sign.
  Write(trust_,
        TrustV2(both, "{\"minSignatures\":1,\"requiredKeyIds\":[" + Quote(ServerA().id) + "]}"));
  ExpectOutcome(Verify(), quorum, 4);
  // Two distinct signers satisfy minSignatures 2 and both requirements.
  Write(trust_, TrustV2(both, "{\"minSignatures\":2,\"requiredKeyIds\":[" + Quote(ServerA().id) +
                                  "," + Quote(TestKey().id) + "]}"));
  Mutate("\"tag\":\"v0.0.0-conformance\"", "\"tag\":\"v2\"", {&TestKey(), &ServerA()});
  ExpectOutcome(Verify(), {}, 0);
  // The same signer twice counts once.
  WriteSignatures({SignatureOf(TestKey(), index_), SignatureOf(TestKey(), index_)});
  Write(trust_, TrustV2(both, "{\"minSignatures\":2}"));
  ExpectOutcome(Verify(), quorum, 4);
  // A required id with blanks around it is kept verbatim and can never be met.
  Write(trust_,
        TrustV2(both, "{\"minSignatures\":1,\"requiredKeyIds\":[\" " + TestKey().id + "\"]}"));
  ExpectOutcome(Verify(), quorum, 4);
}

TEST_F(ReleaseDirTest, TrustMissing) {
  VerifyOptions o;
  o.dir = dir_;
  Report r = VerifyReleaseDir(o);
  ExpectOutcome(r, {std::string(kTrustMissing)}, 3);
  EXPECT_FALSE(r.signature_ok);
  EXPECT_TRUE(r.artifacts_ok);
}

TEST_F(ReleaseDirTest, TrustInvalidThroughVerify) {
  std::filesystem::remove(trust_);
  ExpectOutcome(Verify(), {std::string(kTrustInvalid)}, 3);
  Write(trust_, "{");
  ExpectOutcome(Verify(), {std::string(kTrustInvalid)}, 3);
  // A trust problem outranks every other code in the exit status.
  std::filesystem::remove(dir_ + "/a.tgz");
  Report r = Verify();
  EXPECT_EQ(ExitCode(r), 3);
  EXPECT_EQ(CodesOf(r.errors), (Codes{std::string(kTrustInvalid), std::string(kAssetMissing)}));
}

TEST_F(ReleaseDirTest, TrustInvalidShapes) {
  const Key& k = TestKey();
  const std::string good_key = TrustKeyJson(k);
  const std::vector<std::string> bad = {
      "[]",
      "{\"schemaVersion\":\"ReleaseTrust.v3\"}",
      "{\"schemaVersion\":\"ReleaseTrust.v1\"}",
      "{\"schemaVersion\":\"ReleaseTrust.v2\",\"keys\":[]}",
      TrustV2(good_key, "{\"minSignatures\":0}"),
      TrustV2(good_key, "{\"minSignatures\":1.5}"),
      TrustV2(good_key, "{\"minSignatures\":\"1\"}"),
      TrustV2(good_key, "{\"minSignatures\":1,\"requiredKeyIds\":\"" + k.id + "\"}"),
      TrustV2(good_key, "{\"minSignatures\":1,\"requiredKeyIds\":[5]}"),
      "{\"schemaVersion\":\"ReleaseTrust.v2\",\"policy\":{\"minSignatures\":1},\"keys\":{}}",
      TrustV2("{\"keyId\":\"key_000000000000000000000000\",\"publicKeyPem\":" + Quote(k.pem) + "}"),
      TrustV2(TrustKeyJson(k, ",\"revokedAtEpochSeconds\":\"1600000000\"")),
      TrustV2(TrustKeyJson(k, ",\"notBeforeEpochSeconds\":-1")),
      TrustV2(TrustKeyJson(k, ",\"notAfterEpochSeconds\":1.5")),
  };
  for (const std::string& t : bad) {
    auto parsed = ParseTrust(t);
    EXPECT_FALSE(parsed.ok()) << t;
    EXPECT_EQ(StatusReason(parsed.status()), "RELEASE_TRUST_INVALID") << t;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << t;
  }
  Limits limits;
  limits.trust_keys_max = 1;
  auto many = ParseTrust(TrustV2(good_key + "," + good_key), limits);
  EXPECT_EQ(many.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusReason(many.status()), "RELEASE_TRUST_INVALID");
  limits = Limits();
  limits.trust_file_bytes_max = 10;
  EXPECT_EQ(ParseTrust(TrustV2(good_key), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(ReleaseDirTest, TrustNormalization) {
  // Skipped entries (as the reference): non-objects, blank ids or PEMs. Ids are trimmed.
  auto t = ParseTrust(TrustV2("5,{\"keyId\":\" \",\"publicKeyPem\":\"x\"}," +
                              TrustKeyJson(ServerA()) + "," + TrustKeyJson(TestKey())));
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->keys.size(), 2u);
  EXPECT_EQ(t->keys[0].key_id, TestKey().id);  // sorted: key_282c… before key_9ed3…
  EXPECT_EQ(t->keys[1].key_id, ServerA().id);
  EXPECT_EQ(t->min_signatures, 1u);
  EXPECT_FALSE(t->required_key_ids.has_value());
  EXPECT_FALSE(t->RequiresSignatureTime());
  EXPECT_NE(t->Find(ServerA().id), nullptr);
  EXPECT_EQ(t->Find("key_missing"), nullptr);
  auto v1 =
      ParseTrust("{\"schemaVersion\":\"ReleaseTrust.v1\",\"releaseRoots\":{\"k\":5,\"\":\"x\"}}");
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_TRUE(v1->keys.empty());
  EXPECT_EQ(v1->schema_version, 1);
}

TEST_F(ReleaseDirTest, ArtifactsDuplicatePath) {
  std::string a =
      "{\"kind\":\"npm-tgz\",\"path\":\"a.tgz\",\"sha256\":"
      "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\","
      "\"sizeBytes\":6}";
  Mutate("\"artifacts\":[", "\"artifacts\":[" + a + ",", {&TestKey()});
  Report r = Verify();
  ExpectOutcome(r, {std::string(kArtifactsDuplicatePath)}, 5);
  EXPECT_FALSE(r.artifacts_ok);
  EXPECT_TRUE(r.signature_ok);
  EXPECT_EQ(r.errors[0].path, "a.tgz");
}

TEST_F(ReleaseDirTest, AssetEntryInvalid) {
  const std::string hash =
      "\"sha256\":\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\"";
  for (const std::string& entry :
       {std::string("{\"path\":\"c.tgz\"}"), std::string("{\"sha256\":\"ab\"}"),
        std::string("{\"path\":5,") + hash + "}", std::string("7"),
        "{\"path\":\"../release/a.tgz\"," + hash + "}", "{\"path\":\"/etc/hostname\"," + hash + "}",
        "{\"path\":\"x//a.tgz\"," + hash + "}", "{\"path\":\"./a.tgz\"," + hash + "}",
        "{\"path\":\"c:a.tgz\"," + hash + "}", "{\"path\":\"x\\\\a.tgz\"," + hash + "}",
        "{\"path\":\"x/\"," + hash + "}", "{\"path\":\"\\ud800.tgz\"," + hash + "}",
        "{\"path\":\"" + std::string(600, 'a') + "\"," + hash + "}"}) {
    SCOPED_TRACE(entry);
    TearDown();  // a fresh copy for each entry
    SetUp();
    Mutate("\"artifacts\":[", "\"artifacts\":[" + entry + ",", {&TestKey()});
    Report r = Verify();
    ExpectOutcome(r, {std::string(kAssetEntryInvalid)}, 5);
    EXPECT_FALSE(r.artifacts_ok);
  }
}

TEST_F(ReleaseDirTest, AssetMissing) {
  std::filesystem::remove(dir_ + "/b.tar.gz");
  Report r = Verify();
  ExpectOutcome(r, {std::string(kAssetMissing)}, 5);
  EXPECT_EQ(r.errors[0].path, "b.tar.gz");
  EXPECT_TRUE(r.signature_ok);
  // A directory, a symbolic link (even to the right bytes) and a FIFO are not release assets.
  std::filesystem::create_directory(dir_ + "/b.tar.gz");
  ExpectOutcome(Verify(), {std::string(kAssetMissing)}, 5);
  std::filesystem::remove(dir_ + "/b.tar.gz");
  Write(root_ + "/b.copy", ReadReference("conformance/v1/releases/release_pass/b.tar.gz"));
  std::filesystem::create_symlink(root_ + "/b.copy", dir_ + "/b.tar.gz");
  ExpectOutcome(Verify(), {std::string(kAssetMissing)}, 5);
  std::filesystem::remove(dir_ + "/b.tar.gz");
  ASSERT_EQ(::mkfifo((dir_ + "/b.tar.gz").c_str(), 0600), 0);
  ExpectOutcome(Verify(), {std::string(kAssetMissing)}, 5);
}

TEST_F(ReleaseDirTest, AssetBehindSymlinkedDirectoryIsMissing) {
  std::filesystem::create_directory(root_ + "/elsewhere");
  Write(root_ + "/elsewhere/a.tgz", ReadReference("conformance/v1/releases/release_pass/a.tgz"));
  std::filesystem::create_directory_symlink(root_ + "/elsewhere", dir_ + "/sub");
  Mutate("\"path\":\"a.tgz\"", "\"path\":\"sub/a.tgz\"", {&TestKey()});
  ExpectOutcome(Verify(), {std::string(kAssetMissing)}, 5);
  // The same layout with a real directory passes.
  std::filesystem::remove(dir_ + "/sub");
  std::filesystem::create_directory(dir_ + "/sub");
  Write(dir_ + "/sub/a.tgz", ReadReference("conformance/v1/releases/release_pass/a.tgz"));
  ExpectOutcome(Verify(), {}, 0);
}

TEST_F(ReleaseDirTest, AssetSizeMismatch) {
  Mutate("\"sizeBytes\":6", "\"sizeBytes\":7", {&TestKey()});
  Report r = Verify();
  ExpectOutcome(r, {std::string(kAssetSizeMismatch)}, 5);
  EXPECT_FALSE(r.artifacts_ok);
  EXPECT_TRUE(r.signature_ok);
}

TEST_F(ReleaseDirTest, AssetHashMismatch) {
  Write(dir_ + "/a.tgz", "XXXXXX");  // same size, other bytes
  Report r = Verify();
  ExpectOutcome(r, {std::string(kAssetHashMismatch)}, 5);
  EXPECT_EQ(r.errors[0].path, "a.tgz");
  // Size and hash are both reported when both differ.
  Write(dir_ + "/a.tgz", "XXXXXXX");
  ExpectOutcome(Verify(), {std::string(kAssetSizeMismatch), std::string(kAssetHashMismatch)}, 5);
}

TEST_F(ReleaseDirTest, AssetTooLarge) {
  Limits limits;
  limits.artifact_bytes_max = 5;
  Report r = Verify(limits);
  ExpectOutcome(r, {std::string(kAssetTooLarge)}, 5);
  EXPECT_EQ(r.errors.size(), 2u);  // both 6-byte assets
}

TEST_F(ReleaseDirTest, MissingDirectory) {
  VerifyOptions o;
  o.dir = root_ + "/nope";
  o.trust_file = trust_;
  Report r = VerifyReleaseDir(o);
  ExpectOutcome(r, {std::string(kIndexInvalid), std::string(kSignatureInvalid)}, 4);
}

TEST_F(ReleaseDirTest, InstalledCheck) {
  Report ok = Verify();
  ASSERT_TRUE(ok.ok);
  Report r = ok;
  ApplyInstalledCheck(R"({"tool":{"name":"nooterra-verify","version":"0.0.0-conformance",)"
                      R"("commit":"0123456789abcdef0123456789abcdef01234567"}})",
                      &r);
  ExpectOutcome(r, {}, 0);

  r = ok;
  ApplyInstalledCheck(R"({"tool":{"name":"nooterra-verify","version":"0.2.8","commit":null}})", &r);
  ExpectOutcome(r, {std::string(kInstalledMismatch)}, 6);
  ASSERT_TRUE(r.errors[0].detail_json.has_value());
  EXPECT_EQ(*r.errors[0].detail_json,
            R"({"actual":{"commit":null,"name":"nooterra-verify","version":"0.2.8"},)"
            R"("expected":{"commit":"0123456789abcdef0123456789abcdef01234567",)"
            R"("version":"0.0.0-conformance"}})");
  EXPECT_NE(ReportToJson(r).find("\"detail\":{\"actual\""), std::string::npos);

  // A release without commit and with version "unknown" constrains nothing.
  r = ok;
  r.commit.reset();
  r.version = "unknown";
  ApplyInstalledCheck(R"({"tool":{}})", &r);
  ExpectOutcome(r, {}, 0);

  r = ok;
  ApplyInstalledCheck("Usage: ...", &r);
  ExpectOutcome(r, {std::string(kInstalledCheckFailed)}, 1);
  r = ok;
  AddInstalledCheckFailure("command failed exit=2", &r);
  ExpectOutcome(r, {std::string(kInstalledCheckFailed)}, 1);
}

TEST(ReleaseOutput, CanonicalJsonSortedErrors) {
  std::filesystem::path missing =
      std::filesystem::temp_directory_path() / "nooterra-no-such-release";
  VerifyOptions o;
  o.dir = missing.string();
  Report r = VerifyReleaseDir(o);
  // Null paths sort as "": before "release_index_v1.json", then by code.
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].code, kTrustMissing);
  EXPECT_EQ(r.errors[1].path, std::string(kIndexFileName));
  EXPECT_EQ(r.errors[2].path, std::string(kSignatureFileName));
  std::string out = ReportToJson(r);
  auto canonical = json::Canonicalize(out);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical + "\n", out);
  EXPECT_EQ(out.rfind("{\"artifactsOk\":true,\"errors\":[{\"code\":\"RELEASE_TRUST_MISSING\"", 0),
            0u);
  EXPECT_NE(out.find("\"release\":{\"commit\":null,\"tag\":\"\",\"version\":\"\"}"),
            std::string::npos);
  std::string text = ReportToText(r);
  EXPECT_EQ(text.rfind("nooterra-release verify\nok=false\nsignature.ok=false\n", 0), 0u);
  EXPECT_NE(text.find("error=RELEASE_TRUST_MISSING path= msg="), std::string::npos);
}

TEST(ReleaseOutput, ExitCodePrecedence) {
  auto exit_for = [](std::vector<std::string> codes) {
    Report r;
    for (auto& c : codes) r.errors.push_back(Issue{c, "m", std::nullopt, std::nullopt});
    return ExitCode(r);
  };
  Report ok;
  ok.ok = true;
  EXPECT_EQ(ExitCode(ok), 0);
  EXPECT_EQ(exit_for({}), 1);  // not ok without errors (never produced, but defined)
  EXPECT_EQ(exit_for({"RELEASE_ASSET_MISSING", "RELEASE_SIGNER_REVOKED", "RELEASE_TRUST_INVALID"}),
            3);
  EXPECT_EQ(exit_for({"RELEASE_ASSET_MISSING", "RELEASE_SIGNATURE_INVALID"}), 4);
  EXPECT_EQ(exit_for({"RELEASE_INDEX_INVALID", "RELEASE_ARTIFACTS_DUPLICATE_PATH"}), 5);
  EXPECT_EQ(exit_for({"RELEASE_INSTALLED_MISMATCH"}), 6);
  EXPECT_EQ(exit_for({"RELEASE_INDEX_INVALID"}), 1);
}

TEST(ReleaseInternal, Utf16OrderAndTrim) {
  EXPECT_TRUE(internal::Utf16Less("", "a"));
  EXPECT_FALSE(internal::Utf16Less("a", ""));
  EXPECT_FALSE(internal::Utf16Less("a", "a"));
  EXPECT_TRUE(internal::Utf16Less("a", "ab"));
  // U+1F600 (surrogates D83D DE00) sorts before U+FF21 in UTF-16, after it in UTF-8.
  EXPECT_TRUE(internal::Utf16Less("\xF0\x9F\x98\x80", "\xEF\xBC\xA1"));
  EXPECT_FALSE(internal::Utf16Less("\xEF\xBC\xA1", "\xF0\x9F\x98\x80"));
  EXPECT_EQ(internal::TrimJs("\xC2\xA0 key \xE2\x80\xA8"), "key");
  EXPECT_EQ(internal::TrimJs(" \t"), "");
}

}  // namespace
}  // namespace nooterra::release
