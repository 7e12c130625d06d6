// VerifyObject: a change to any hashed member breaks verification, a change to an excluded
// member does not; and every finding code, exercised once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/object_fixture.h"

namespace nooterra::objects {
namespace {

using testing::BaseInputs;
using testing::VectorSigner;

Object Instance(ObjectType type) { return testing::BuiltInstance(type); }

// A different value of the same JSON type (keeps shapes plausible).
json::Tree Mutated(const json::Tree& v) {
  switch (v.type()) {
    case json::Type::kString: {
      std::string s = v.as_string();
      // Flip the last character within hex so hashes stay hashes.
      s.back() = s.back() == '0' ? '1' : '0';
      return json::Tree::String(s);
    }
    case json::Type::kNumber:
      return json::Tree::Number(v.as_number() + 1);
    case json::Type::kTrue:
    case json::Type::kFalse:
      return json::Tree::Bool(!v.as_bool());
    case json::Type::kArray: {
      json::Tree a = v;
      a.Push(json::Tree::String("mutation"));
      return a;
    }
    case json::Type::kObject: {
      json::Tree o = v;
      o.Set("mutation", json::Tree::Bool(true));
      return o;
    }
    default:
      return json::Tree::String("mutation");
  }
}

bool HashIsCovered(ObjectType type, std::string_view member) {
  auto core = CoreMembersOf(type);
  if (!core.empty()) return std::find(core.begin(), core.end(), member) != core.end();
  auto ex = ExcludedMembersOf(type);
  return std::find(ex.begin(), ex.end(), member) == ex.end();
}

class EveryType : public ::testing::TestWithParam<int32_t> {
 protected:
  ObjectType type() const { return static_cast<ObjectType>(GetParam()); }
};

TEST_P(EveryType, HashedMembersBreakVerificationExcludedOnesDoNot) {
  const Object object = Instance(type());
  const crypto::PublicKey key = testing::VectorPublicKey();
  const std::string self = std::string(HashMemberOf(type()));
  const bool whole = self.empty();
  size_t hashed = 0, excluded = 0;
  for (const auto& [member, value] : object.body.members()) {
    if (member == "schemaVersion" || member == "signature" || member == self) continue;
    json::Tree changed = object.body;
    changed.Set(member, Mutated(value));
    auto hash = ComputeHash(type(), changed);
    ASSERT_TRUE(hash.ok());
    auto report = VerifyObject(*json::CanonicalString(changed), absl::MakeConstSpan(&key, 1));
    ASSERT_TRUE(report.ok());
    bool hash_error = false;
    for (const Finding& f : report->errors) {
      hash_error = hash_error || f.code.find("HASH_MISMATCH") != std::string::npos ||
                   f.code.find("SIGNATURE_INVALID") != std::string::npos;
    }
    if (whole || HashIsCovered(type(), member)) {
      ++hashed;
      EXPECT_NE(*hash, object.hash) << member;
      // Types hashed as a whole carry no self-hash to contradict: only the hash moves.
      if (!whole) {
        EXPECT_TRUE(hash_error) << member << ": " << RenderVerifyReportJson(*report);
        EXPECT_FALSE(report->ok) << member;
      }
    } else {
      ++excluded;
      EXPECT_EQ(*hash, object.hash) << member;
      EXPECT_FALSE(hash_error) << member << ": " << RenderVerifyReportJson(*report);
    }
  }
  EXPECT_GT(hashed, 3u);
  // The unmutated instance verifies.
  auto clean = VerifyObject(object.canonical, absl::MakeConstSpan(&key, 1));
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok) << RenderVerifyReportJson(*clean);
  EXPECT_EQ(clean->hash, object.hash);
  (void)excluded;
}

TEST_P(EveryType, ParseRoundTripsAndRejectsNonNormalForm) {
  const Object object = Instance(type());
  auto parsed = Parse(object.canonical);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->canonical, object.canonical);
  EXPECT_EQ(parsed->hash, object.hash);
  json::Tree extra = object.body;
  extra.Set("unexpectedMember", json::Tree::Number(1));
  auto rejected = Parse(*json::CanonicalString(extra));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(StatusReason(rejected.status()), kReasonNotNormalized);
}

INSTANTIATE_TEST_SUITE_P(Types, EveryType, ::testing::Range(1, kObjectTypeCount + 1),
                         [](const auto& param_info) {
                           std::string n(SchemaVersionOf(static_cast<ObjectType>(param_info.param)));
                           for (char& c : n) c = c == '.' ? '_' : c;
                           return n;
                         });

// ------------------------------------------------------------------------------------------
// Finding codes

std::vector<std::string> Codes(const std::string& text, absl::Span<const crypto::PublicKey> keys,
                               bool warnings = false) {
  auto report = VerifyObject(text, keys);
  EXPECT_TRUE(report.ok()) << report.status();
  std::vector<std::string> out;
  if (!report.ok()) return out;
  for (const Finding& f : warnings ? report->warnings : report->errors) out.push_back(f.code);
  return out;
}

std::string With(const Object& o, std::string_view member, json::Tree value) {
  json::Tree t = o.body;
  t.Set(member, std::move(value));
  return *json::CanonicalString(t);
}

std::string WithSig(const Object& o, std::string_view member, json::Tree value) {
  json::Tree t = o.body;
  t.Find("signature")->Set(member, std::move(value));
  return *json::CanonicalString(t);
}

using ::testing::Contains;
using ::testing::ElementsAre;

const crypto::PublicKey& Key() {
  static const crypto::PublicKey key = testing::VectorPublicKey();
  return key;
}
absl::Span<const crypto::PublicKey> Keys() { return absl::MakeConstSpan(&Key(), 1); }

TEST(VerifyCodes, UnknownAndNonObjects) {
  EXPECT_THAT(Codes(R"({"schemaVersion":"Nope.v9"})", {}), ElementsAre("OBJECT_TYPE_UNKNOWN"));
  EXPECT_THAT(Codes(R"({"a":1})", {}), ElementsAre("OBJECT_TYPE_UNKNOWN"));
  EXPECT_THAT(Codes("[1]", {}), ElementsAre("OBJECT_NOT_AN_OBJECT"));
}

TEST(VerifyCodes, UnusableInputIsAStatus) {
  EXPECT_EQ(StatusReason(VerifyObject("{", {}).status()), "JSON_SYNTAX");
  std::string big(kObjectBytesMax + 1, ' ');
  EXPECT_EQ(StatusReason(VerifyObject(big, {}).status()), "OBJECT_TOO_LARGE");
  std::vector<crypto::PublicKey> many(kVerifyKeysMax + 1, Key());
  EXPECT_EQ(StatusReason(VerifyObject("{}", many).status()), "OBJECT_TOO_MANY_KEYS");
}

TEST(VerifyCodes, InvalidAndNotNormalized) {
  const Object hold = Instance(ObjectType::kFundingHold);
  EXPECT_THAT(Codes(With(hold, "amountCents", json::Tree::Number(0)), Keys()),
              Contains("OBJECT_INVALID"));
  EXPECT_THAT(Codes(With(hold, "currency", json::Tree::String("usd")), Keys()),
              Contains("OBJECT_NOT_NORMALIZED"));
  const Object manifest = Instance(ObjectType::kToolManifest);
  EXPECT_THAT(Codes(With(manifest, "endpoints", json::Tree::Array()), Keys()),
              Contains("TOOL_MANIFEST_INVALID"));
  const Object action = Instance(ObjectType::kOperatorAction);
  EXPECT_THAT(Codes(With(action, "action", json::Tree::String("DROP")), Keys()),
              Contains("OPERATOR_ACTION_SCHEMA_INVALID"));
}

TEST(VerifyCodes, HashFindings) {
  const Object agreement = Instance(ObjectType::kToolCallAgreement);
  json::Tree no_hash = agreement.body;
  no_hash.Erase("agreementHash");
  EXPECT_THAT(Codes(*json::CanonicalString(no_hash), Keys()), Contains("OBJECT_HASH_MISSING"));
  EXPECT_THAT(Codes(With(agreement, "agreementHash", json::Tree::String(std::string(64, 'a'))), Keys()),
              ElementsAre("OBJECT_HASH_MISMATCH"));
  const Object evidence = Instance(ObjectType::kToolCallEvidence);
  EXPECT_THAT(Codes(WithSig(evidence, "evidenceHash", json::Tree::String(std::string(64, 'b'))), Keys()),
              Contains("OBJECT_SIGNATURE_HASH_MISMATCH"));
  const Object manifest = Instance(ObjectType::kToolManifest);
  EXPECT_THAT(Codes(WithSig(manifest, "manifestHash", json::Tree::String(std::string(64, 'c'))), Keys()),
              Contains("TOOL_MANIFEST_SIGNATURE_INVALID"));
  const Object action = Instance(ObjectType::kOperatorAction);
  EXPECT_THAT(Codes(WithSig(action, "actionHash", json::Tree::String(std::string(64, 'd'))), Keys()),
              Contains("OPERATOR_ACTION_HASH_MISMATCH"));
  const Object decision = Instance(ObjectType::kPolicyDecision);
  EXPECT_THAT(Codes(With(decision, "evaluationHash", json::Tree::String(std::string(64, 'e'))), Keys()),
              Contains("OBJECT_EVALUATION_HASH_MISMATCH"));
  const Object record = Instance(ObjectType::kSettlementDecisionRecordV2);
  EXPECT_THAT(Codes(With(record, "artifactHash", json::Tree::String(std::string(64, 'f'))), Keys()),
              ElementsAre("OBJECT_ARTIFACT_HASH_MISMATCH"));
  // A correct artifactHash (hash of the body without it) passes.
  auto body_hash = json::CanonicalDigest(record.body);
  ASSERT_TRUE(body_hash.ok());
  EXPECT_THAT(Codes(With(record, "artifactHash",
                         json::Tree::String(crypto::HexEncode(crypto::Bytes(body_hash->data(), 32)))),
                    Keys()),
              ElementsAre());
}

TEST(VerifyCodes, SignatureFindings) {
  const Object evidence = Instance(ObjectType::kToolCallEvidence);
  std::string forged(88, 'A');
  forged.replace(86, 2, "==");
  EXPECT_THAT(Codes(WithSig(evidence, "signature", json::Tree::String(forged)), Keys()),
              ElementsAre("OBJECT_SIGNATURE_INVALID"));
  EXPECT_THAT(Codes(WithSig(evidence, "signature", json::Tree::String("not base64!")), Keys()),
              Contains("OBJECT_SIGNATURE_INVALID"));
  const Object action = Instance(ObjectType::kOperatorAction);
  EXPECT_THAT(Codes(WithSig(action, "signatureBase64", json::Tree::String(forged)), Keys()),
              Contains("OPERATOR_ACTION_SIGNATURE_INVALID"));
  const Object manifest = Instance(ObjectType::kToolManifest);
  json::Tree unsigned_manifest = manifest.body;
  unsigned_manifest.Erase("signature");
  EXPECT_THAT(Codes(*json::CanonicalString(unsigned_manifest), Keys()),
              Contains("TOOL_MANIFEST_SIGNATURE_MISSING"));
  const Object verdict = Instance(ObjectType::kArbitrationVerdict);
  json::Tree unsigned_verdict = verdict.body;
  unsigned_verdict.Erase("signature");
  EXPECT_THAT(Codes(*json::CanonicalString(unsigned_verdict), Keys()),
              Contains("OBJECT_SIGNATURE_MISSING"));
  // Without the key: a warning, and the object still verifies.
  EXPECT_THAT(Codes(manifest.canonical, {}, /*warnings=*/true),
              ElementsAre("TOOL_MANIFEST_SIGNATURE_KEY_MISSING"));
  EXPECT_THAT(Codes(evidence.canonical, {}, /*warnings=*/true),
              ElementsAre("OBJECT_SIGNATURE_KEY_NOT_SUPPLIED"));
  EXPECT_THAT(Codes(evidence.canonical, {}), ElementsAre());
}

TEST(Sign, ResignsFromContentAndRefusesUnsignableTypes) {
  const Object evidence = Instance(ObjectType::kToolCallEvidence);
  // Tamper with the declared hash and signature: Sign recomputes both from content.
  std::string tampered = WithSig(evidence, "signature", json::Tree::String("x"));
  json::Tree t = *json::Tree::Parse(tampered);
  t.Set("evidenceHash", json::Tree::String(std::string(64, '0')));
  auto signed_again = Sign(*json::CanonicalString(t), VectorSigner());
  ASSERT_TRUE(signed_again.ok()) << signed_again.status();
  EXPECT_EQ(signed_again->canonical, evidence.canonical);
  auto refused = Sign(Instance(ObjectType::kFundingHold).canonical, VectorSigner());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(StatusReason(refused.status()), kReasonUnsignable);
  const Object manifest = Instance(ObjectType::kToolManifest);
  auto manifest_again = Sign(manifest.canonical, VectorSigner());
  ASSERT_TRUE(manifest_again.ok()) << manifest_again.status();
  EXPECT_EQ(manifest_again->canonical, manifest.canonical);
  const Object action = Instance(ObjectType::kOperatorAction);
  auto action_again = Sign(action.canonical, VectorSigner());
  ASSERT_TRUE(action_again.ok()) << action_again.status();
  EXPECT_EQ(action_again->canonical, action.canonical);
}

TEST(Report, RendersCanonicalJson) {
  auto report = VerifyObject(Instance(ObjectType::kToolCallAgreement).canonical, {});
  ASSERT_TRUE(report.ok());
  const std::string json = RenderVerifyReportJson(*report);
  auto canonical = json::Canonicalize(json);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical, json);
  EXPECT_NE(json.find("\"ok\":true"), std::string::npos);
  EXPECT_NE(json.find("\"schemaVersion\":\"ToolCallAgreement.v1\""), std::string::npos);
}

}  // namespace
}  // namespace nooterra::objects
