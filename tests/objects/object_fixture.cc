#include "objects/object_fixture.h"

#include <gtest/gtest.h>

#include "support/reference.h"

namespace nooterra::testing {

using objects::ObjectType;

const json::Document& ProtocolVectors() {
  static const json::Document* doc = [] {
    auto parsed = json::Document::Parse(ReadReference("conformance/v1/protocol-vectors/v1.json"));
    if (!parsed.ok()) {
      ADD_FAILURE() << "protocol vectors: " << parsed.status();
      return new json::Document(*json::Document::Parse("{}"));
    }
    return new json::Document(std::move(*parsed));
  }();
  return *doc;
}

const crypto::PrivateKey& VectorSigner() {
  static const crypto::PrivateKey* key = [] {
    auto doc = json::Document::Parse(ReadReference("keys/ed25519_test_keypair.json"));
    std::string pem = doc.ok() ? StringMember(doc->root(), "privateKeyPem") : "";
    auto k = crypto::PrivateKey::FromPem(pem);
    if (!k.ok()) {
      ADD_FAILURE() << "vector signer key: " << k.status();
      uint8_t seed[32] = {0};
      return new crypto::PrivateKey(*crypto::PrivateKey::FromSeed(seed));
    }
    return new crypto::PrivateKey(std::move(*k));
  }();
  return *key;
}

crypto::PublicKey VectorPublicKey() { return VectorSigner().public_key(); }

const std::vector<VectorEntry>& KernelVectorEntries() {
  static const std::vector<VectorEntry> entries = {
      {"toolManifest", ObjectType::kToolManifest},
      {"toolCallAgreement", ObjectType::kToolCallAgreement},
      {"toolCallEvidence", ObjectType::kToolCallEvidence},
      {"settlementDecisionRecord", ObjectType::kSettlementDecisionRecordV1},
      {"settlementDecisionRecordV2", ObjectType::kSettlementDecisionRecordV2},
      {"settlementReceipt", ObjectType::kSettlementReceipt},
      {"policyDecision", ObjectType::kPolicyDecision},
      {"operatorAction", ObjectType::kOperatorAction},
      {"marketplaceOffer", ObjectType::kMarketplaceOffer},
      {"marketplaceAcceptance", ObjectType::kMarketplaceAcceptance},
      {"reputationEvent", ObjectType::kReputationEvent},
      {"disputeOpenEnvelope", ObjectType::kDisputeOpenEnvelope},
      {"agreementDelegation", ObjectType::kAgreementDelegation},
      {"agentWallet", ObjectType::kAgentWallet},
      {"agentRunSettlement", ObjectType::kAgentRunSettlement},
  };
  return entries;
}

std::string StringMember(json::Value v, std::string_view key) {
  json::Value m = v.Find(key);
  return m.is_string() ? std::string(m.as_string()) : std::string();
}

json::Tree InputsFromVector(const std::string& name) {
  json::Value entry = ProtocolVectors().root().Find(name);
  auto tree = json::Tree::Parse(StringMember(entry, "canonicalJson"));
  if (!tree.ok()) {
    ADD_FAILURE() << name << ": " << tree.status();
    return json::Tree::Object();
  }
  json::Tree in = std::move(*tree);
  const auto raw = [&](std::string_view member, std::string_view hash_member) {
    std::string text = StringMember(entry, member);
    if (text.empty()) return;
    auto parsed = json::Tree::Parse(text);
    ASSERT_TRUE(parsed.ok()) << name << "." << member;
    in.Erase(hash_member);
    in.Set(std::string(member.substr(0, member.size() - std::string_view("CanonicalJson").size())),
           std::move(*parsed));
  };
  // The raw documents in place of their hashes: the builder must hash them itself.
  raw("inputSchemaCanonicalJson", "inputSchemaHash");
  raw("outputSchemaCanonicalJson", "outputSchemaHash");
  raw("inputCanonicalJson", "inputHash");
  raw("outputCanonicalJson", "outputHash");
  // What the builder computes: the self-hash and PolicyDecision's evaluationHash.
  for (const auto& e : KernelVectorEntries()) {
    if (e.name == name) in.Erase(objects::HashMemberOf(e.type));
  }
  in.Erase("evaluationHash");
  if (name == "toolManifest") in.Set("signerPublicKeyPem", json::Tree::Bool(true));
  if (name == "operatorAction") {
    const json::Tree* sig = in.Find("signature");
    if (sig != nullptr && sig->Find("signedAt") != nullptr) in.Set("signedAt", *sig->Find("signedAt"));
  }
  // The envelope vector carries a placeholder signature string, which is an input.
  if (name != "disputeOpenEnvelope") in.Erase("signature");
  return in;
}

}  // namespace nooterra::testing
