// Keys, key ids and signatures of the reference data, byte for byte: Ed25519 is deterministic,
// so re-signing each vector's digest with the test-only private keys must reproduce the stored
// signature exactly, and each stored signature must verify.
#include <string>

#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "support/reference.h"

namespace nooterra::crypto {
namespace {

using nooterra::testing::ReadReference;

json::Document Load(const std::string& path) {
  auto doc = json::Document::Parse(ReadReference(path));
  EXPECT_TRUE(doc.ok()) << path << ": " << doc.status();
  return doc.ok() ? std::move(*doc) : json::Document();
}

struct TestKey {
  PrivateKey priv;
  PublicKey pub;
  std::string public_pem;
};

TestKey VectorSigner() {
  json::Document doc = Load("keys/ed25519_test_keypair.json");
  std::string priv_pem(doc.root().Find("privateKeyPem").as_string());
  std::string pub_pem(doc.root().Find("publicKeyPem").as_string());
  auto priv = PrivateKey::FromPem(priv_pem);
  auto pub = PublicKey::FromPem(pub_pem);
  EXPECT_TRUE(priv.ok() && pub.ok());
  if (!priv.ok() || !pub.ok()) std::abort();  // the suite cannot continue without the key
  return TestKey{std::move(*priv), *pub, pub_pem};
}

TEST(KeyIds, FixtureKeysDeriveTheirIds) {
  // 02-cryptography.md §2: every fixture key derives to its listed id.
  json::Document doc = Load("keys/fixture_keypairs.json");
  const std::pair<const char*, const char*> expected[] = {
      {"govRoot", "key_4bd1ee0813b265cb6670a1cc"},
      {"timeAuthority", "key_0c6b00150d3433d8d612eef2"},
      {"serverA", "key_9ed38005b42d9364601ffab3"},
      {"serverB", "key_c1868dd2389722b00bec86dc"}};
  for (const auto& [role, id] : expected) {
    json::Value k = doc.root().Find(role);
    ASSERT_TRUE(k.is_object()) << role;
    std::string pem(k.Find("publicKeyPem").as_string());
    EXPECT_EQ(KeyIdFromPem(pem), id) << role;
    EXPECT_EQ(k.Find("keyId").as_string(), id) << role;
    // Parsing and re-emitting the PEM gives the identical text, hence the identical id.
    auto pub = PublicKey::FromPem(pem);
    ASSERT_TRUE(pub.ok()) << role;
    EXPECT_EQ(pub->ToPem(), pem) << role;
    // The private key belongs to the public key and re-emits byte for byte.
    std::string priv_pem(k.Find("privateKeyPem").as_string());
    auto priv = PrivateKey::FromPem(priv_pem);
    ASSERT_TRUE(priv.ok()) << role;
    EXPECT_EQ(priv->public_key().raw(), pub->raw()) << role;
    EXPECT_EQ(priv->ToPem(), priv_pem) << role;
  }
  EXPECT_EQ(HexEncode(AsBytes(*Base64DecodeStrict(
                "MCowBQYDK2VwAyEAQ70D1FtwopWnvJeFsiKdThSP/9QADgSeaZYKip79KQI="))),
            "302a300506032b657003210043bd03d45b70a295a7bc9785b2229d4e148fffd4000e049e69960a8a9efd2902");
}

TEST(KeyIds, TrailingNewlineMatters) {
  json::Document doc = Load("keys/fixture_keypairs.json");
  std::string pem(doc.root().Find("serverA").Find("publicKeyPem").as_string());
  ASSERT_FALSE(pem.empty());
  EXPECT_EQ(KeyIdFromPem(pem), "key_9ed38005b42d9364601ffab3");
  EXPECT_EQ(KeyIdFromPem(pem.substr(0, pem.size() - 1)), "key_34aa19fb206a903c24616806");
}

TEST(KeyIds, VectorSigner) {
  TestKey k = VectorSigner();
  EXPECT_EQ(KeyIdFromPem(k.public_pem), "key_282c80df2381d6831a92e89b");
  json::Document vectors = Load("conformance/v1/protocol-vectors/v1.json");
  EXPECT_EQ(vectors.root().Find("signer").Find("keyId").as_string(), KeyIdFromPem(k.public_pem));
}

// Signs `hash_hex` and checks both directions against `signature_b64`.
void CheckSignature(const TestKey& k, std::string_view what, std::string_view hash_hex,
                    std::string_view signature_b64) {
  ASSERT_FALSE(hash_hex.empty()) << what;
  ASSERT_FALSE(signature_b64.empty()) << what;
  auto resigned = k.priv.SignHashHex(hash_hex);
  ASSERT_TRUE(resigned.ok()) << what;
  EXPECT_EQ(*resigned, signature_b64) << what;
  auto digest = DigestFromHex(hash_hex);
  ASSERT_TRUE(digest.ok());
  EXPECT_TRUE(k.pub.Verify(*digest, AsBytes(Base64DecodeLenient(signature_b64)))) << what;
  // Over the hex text instead of the digest bytes, it must not verify.
  Digest of_text = Sha256Digest(hash_hex);
  EXPECT_FALSE(k.pub.Verify(of_text, AsBytes(Base64DecodeLenient(signature_b64)))) << what;
}

TEST(Signatures, ProtocolVectorObjects) {
  TestKey k = VectorSigner();
  json::Document doc = Load("conformance/v1/protocol-vectors/v1.json");
  json::Value root = doc.root();
  // toolCallEvidence: signature over evidenceHash (the core hash).
  json::Value ev = root.Find("toolCallEvidence");
  CheckSignature(k, "toolCallEvidence", ev.Find("evidenceHash").as_string(),
                 ev.Find("signature").as_string());
  EXPECT_EQ(ev.Find("evidenceHash").as_string(), ev.Find("coreSha256").as_string());
  // policyDecision: over policyDecisionHash.
  json::Value pd = root.Find("policyDecision");
  CheckSignature(k, "policyDecision", pd.Find("policyDecisionHash").as_string(),
                 pd.Find("signature").as_string());
  // operatorAction: over actionHash.
  json::Value oa = root.Find("operatorAction");
  CheckSignature(k, "operatorAction", oa.Find("actionHash").as_string(),
                 oa.Find("signature").as_string());
  // toolManifest: the embedded signature block signs manifestHash.
  json::Value tm = root.Find("toolManifest");
  auto manifest = json::Document::Parse(tm.Find("canonicalJson").as_string());
  ASSERT_TRUE(manifest.ok());
  json::Value sig = manifest->root().Find("signature");
  EXPECT_EQ(sig.Find("manifestHash").as_string(), tm.Find("manifestHash").as_string());
  CheckSignature(k, "toolManifest", sig.Find("manifestHash").as_string(),
                 sig.Find("signature").as_string());
  EXPECT_EQ(KeyIdFromPem(sig.Find("signerPublicKeyPem").as_string()),
            sig.Find("signerKeyId").as_string());
}

TEST(Signatures, SignedObjectVectors) {
  TestKey k = VectorSigner();
  json::Document doc = Load("conformance/v1/signed-object-vectors/v1.json");
  json::Value cases = doc.root().Find("cases");
  ASSERT_EQ(cases.size(), 5u);
  for (size_t i = 0; i < cases.size(); ++i) {
    json::Value c = cases.at(i);
    std::string id(c.Find("id").as_string());
    // These sign the SHA-256 of the canonical JSON.
    auto hex = json::CanonicalSha256Hex(c.Find("canonicalJson").as_string());
    ASSERT_TRUE(hex.ok()) << id;
    EXPECT_EQ(*hex, c.Find("sha256").as_string()) << id;
    CheckSignature(k, id, *hex, c.Find("signature").as_string());
    EXPECT_EQ(c.Find("signatureKeyId").as_string(), KeyIdFromPem(k.public_pem)) << id;
  }
}

TEST(Signatures, JobProofHeadAttestation) {
  // 02-cryptography.md §4: the strict-pass attestation verifies over the 32 digest bytes of
  // attestationHash with serverA, and re-signing reproduces the stored signature.
  json::Document keys = Load("conformance/v1/producer/fixture_keypairs.json");
  json::Value server_a = keys.root().Find("serverA");
  auto priv = PrivateKey::FromPem(server_a.Find("privateKeyPem").as_string());
  auto pub = PublicKey::FromPem(server_a.Find("publicKeyPem").as_string());
  ASSERT_TRUE(priv.ok() && pub.ok());
  TestKey k{std::move(*priv), *pub, std::string(server_a.Find("publicKeyPem").as_string())};
  json::Document att =
      Load("conformance/v1/bundles/jobproof/strict-pass/attestation/bundle_head_attestation.json");
  std::string_view omit[] = {"signature", "attestationHash"};
  auto digest = json::CanonicalDigest(att.root(), {omit});
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(HexEncode(*digest), "c70b62f9e28ac91fa07073c802495d1801921c0d01924a2538f981a7e18f8d5b");
  EXPECT_EQ(att.root().Find("attestationHash").as_string(), HexEncode(*digest));
  CheckSignature(k, "jobproof attestation", HexEncode(*digest),
                 att.root().Find("signature").as_string());
}

}  // namespace
}  // namespace nooterra::crypto
