// The protocol's published vectors, read from ../shared/reference (never copied into the repo):
// canonicalJson cases, every object's canonical form and hash, failure vectors, the manifest
// of raw-byte hashes, and the signed-object vectors.
#include <string>

#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "support/reference.h"

namespace nooterra::json {
namespace {

using nooterra::testing::ReadReference;

constexpr char kVectors[] = "conformance/v1/protocol-vectors/v1.json";
constexpr char kFailure[] = "conformance/v1/protocol-vectors/failure-vectors.v1.json";
constexpr char kManifest[] = "conformance/v1/protocol-vectors/manifest.v1.json";
constexpr char kSigned[] = "conformance/v1/signed-object-vectors/v1.json";

// Canonical text of a value inside a parsed vector file.
std::string CanonOf(Value v) {
  std::string out;
  absl::Status s = AppendCanonical(v, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

Document Load(const char* path) {
  std::string text = ReadReference(path);
  auto doc = Document::Parse(text);
  EXPECT_TRUE(doc.ok()) << path << ": " << doc.status();
  return doc.ok() ? std::move(*doc) : Document();
}

TEST(ProtocolVectors, CanonicalJsonCases) {
  Document doc = Load(kVectors);
  Value cases = doc.root().Find("canonicalJson").Find("cases");
  ASSERT_EQ(cases.size(), 3u) << "expected the 3 canonicalJson cases of " << kVectors;
  for (size_t i = 0; i < cases.size(); ++i) {
    Value c = cases.at(i);
    std::string name(c.Find("name").as_string());
    std::string expected(c.Find("canonical").as_string());
    int checked = 0;
    for (const char* member : {"value", "valueA", "valueB"}) {
      Value v = c.Find(member);
      if (!v.present()) continue;
      EXPECT_EQ(CanonOf(v), expected) << name << "." << member;
      ++checked;
    }
    EXPECT_GE(checked, 1) << name;
    EXPECT_EQ(crypto::Sha256Hex(expected), c.Find("sha256").as_string()) << name;
    // The expected canonical string is a fixed point of our canonicalizer.
    auto again = Canonicalize(expected);
    ASSERT_TRUE(again.ok()) << name;
    EXPECT_EQ(*again, expected) << name;
  }
}

// Every "<x>CanonicalJson" string in an object vector, with its "<x>Sha256" (or "sha256" for
// the plain "canonicalJson"), must round-trip byte for byte and hash to the stated value.
int CheckObjectVector(std::string_view name, Value vec) {
  int checked = 0;
  for (size_t i = 0; i < vec.size(); ++i) {
    std::string key(vec.key_at(i));
    constexpr std::string_view kSuffix = "CanonicalJson";
    std::string prefix;
    if (key == "canonicalJson") {
      prefix = "";
    } else if (key.size() > kSuffix.size() &&
               key.compare(key.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      prefix = key.substr(0, key.size() - kSuffix.size());
    } else {
      continue;
    }
    std::string text(vec.value_at(i).as_string());
    std::string hash_key = prefix.empty() ? "sha256" : prefix + "Sha256";
    std::string expected_hash(vec.Find(hash_key).as_string());
    EXPECT_FALSE(expected_hash.empty()) << name << ": no " << hash_key;
    auto canon = Canonicalize(text);
    auto hex = CanonicalSha256Hex(text);
    if (!canon.ok() || !hex.ok()) {
      ADD_FAILURE() << name << "." << key << ": " << canon.status();
      continue;
    }
    EXPECT_EQ(*canon, text) << name << "." << key << " is not a fixed point";
    EXPECT_EQ(*hex, expected_hash) << name << "." << key;
    ++checked;
  }
  return checked;
}

TEST(ProtocolVectors, EveryObjectRoundTripsAndHashes) {
  Document doc = Load(kVectors);
  Value root = doc.root();
  int objects = 0, strings = 0;
  for (size_t i = 0; i < root.size(); ++i) {
    Value v = root.value_at(i);
    if (!v.is_object() || !v.Find("canonicalJson").is_string()) continue;
    ++objects;
    strings += CheckObjectVector(root.key_at(i), v);
  }
  // 21 protocol objects (01-canonical-json.md §7), several with core/input/output forms.
  EXPECT_EQ(objects, 21);
  EXPECT_GE(strings, objects);  // at least the main form of each; several add core/input forms
}

TEST(ProtocolVectors, BundleHashesAreHex) {
  Document doc = Load(kVectors);
  for (const char* kind : {"jobProof", "monthProof", "financePack", "invoice"}) {
    Value v = doc.root().Find(kind);
    ASSERT_TRUE(v.is_object()) << kind;
    for (const char* h : {"manifestHash", "headAttestationHash", "verificationReportHash"}) {
      EXPECT_TRUE(crypto::DigestFromHex(v.Find(h).as_string()).ok()) << kind << "." << h;
    }
  }
}

TEST(FailureVectors, CasesAndReasonCodeSet) {
  Document doc = Load(kFailure);
  Value cases = doc.root().Find("cases");
  ASSERT_EQ(cases.size(), 2u);
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string id(cases.at(i).Find("id").as_string());
    EXPECT_EQ(CheckObjectVector(id, cases.at(i)), 1) << id;
  }
  auto digest = CanonicalDigest(doc.root().Find("reasonCodes"));
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(crypto::HexEncode(*digest), doc.root().Find("reasonCodesSha256").as_string());
}

TEST(Manifest, RawFileHashesAndObjectSet) {
  Document doc = Load(kManifest);
  Value root = doc.root();
  for (const char* entry : {"protocolVectors", "failureVectors"}) {
    Value e = root.Find(entry);
    std::string file = "conformance/v1/protocol-vectors/" + std::string(e.Find("file").as_string());
    // Raw bytes: the manifest commits to the file exactly as shipped.
    EXPECT_EQ(crypto::Sha256Hex(ReadReference(file)), e.Find("sha256").as_string()) << file;
  }
  auto digest = CanonicalDigest(root.Find("interopObjects"));
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(crypto::HexEncode(*digest), root.Find("interopObjectSetSha256").as_string());
  // Every listed interop object exists in v1.json.
  Document vectors = Load(kVectors);
  Value objs = root.Find("interopObjects");
  ASSERT_GT(objs.size(), 20u);
  for (size_t i = 0; i < objs.size(); ++i) {
    EXPECT_TRUE(vectors.root().Find(objs.at(i).as_string()).present()) << objs.at(i).as_string();
  }
}

TEST(SignedObjectVectors, CanonicalAndHash) {
  Document doc = Load(kSigned);
  Value cases = doc.root().Find("cases");
  ASSERT_EQ(cases.size(), 5u);
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string id(cases.at(i).Find("id").as_string());
    EXPECT_EQ(CheckObjectVector(id, cases.at(i)), 1) << id;
  }
}

}  // namespace
}  // namespace nooterra::json
