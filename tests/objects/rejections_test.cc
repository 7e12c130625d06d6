// Every builder rejection rule, and every type's base inputs building cleanly: one row per
// (type, member, bad value) with the stable reason it must produce.
#include <gtest/gtest.h>

#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/object_fixture.h"

namespace nooterra::objects {
namespace {

using testing::BaseInputs;

struct Rejection {
  ObjectType type;
  const char* path;   // "member" or "member.child"
  const char* value;  // JSON text; nullptr deletes the member
  std::string_view reason;
};

constexpr char kDel[] = "";

void Apply(json::Tree* in, std::string_view path, const char* value) {
  json::Tree* target = in;
  std::string_view key = path;
  if (size_t dot = path.find('.'); dot != std::string_view::npos) {
    target = in->Find(path.substr(0, dot));
    ASSERT_NE(target, nullptr) << path;
    key = path.substr(dot + 1);
  }
  if (value == kDel) {
    target->Erase(key);
    return;
  }
  auto parsed = json::Tree::Parse(value);
  ASSERT_TRUE(parsed.ok()) << value;
  target->Set(key, std::move(*parsed));
}

class BuilderRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(BuilderRejects, WithItsReason) {
  const Rejection& row = GetParam();
  json::Tree in = BaseInputs(row.type);
  Apply(&in, row.path, row.value);
  BuildOptions options;
  options.signer = &testing::VectorSigner();
  if (row.type == ObjectType::kDisputeOpenEnvelope) options.signer = nullptr;
  auto built = Build(row.type, *json::CanonicalString(in), options);
  ASSERT_FALSE(built.ok()) << row.path << " accepted: " << built->canonical;
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusReason(built.status()), row.reason) << built.status();
  // The message names the member.
  std::string leaf(row.path);
  leaf = leaf.substr(leaf.find('.') == std::string::npos ? 0 : leaf.find('.') + 1);
  EXPECT_NE(std::string(built.status().message()).find(leaf), std::string::npos)
      << built.status();
}

using T = ObjectType;
const std::string kLongText = "\"" + std::string(2001, 'x') + "\"";
const Rejection kRows[] = {
    {T::kToolManifest, "toolId", kDel, kReasonRequired},
    {T::kToolManifest, "endpoints", "[]", kReasonRequired},
    {T::kToolManifest, "verifierHints", "\"x\"", kReasonType},
    {T::kToolManifest, "createdAt", "\"2026-02-01T00:00:00\"", kReasonTimestamp},
    {T::kToolManifest, "signerPublicKeyPem", "7", kReasonType},
    {T::kToolCallAgreement, "manifestHash", "\"xyz\"", kReasonSha256},
    {T::kToolCallAgreement, "callId", "\"   \"", kReasonRequired},
    {T::kToolCallAgreement, "settlementTerms", "5", kReasonType},
    {T::kToolCallAgreement, "createdAt", "\"Feb 1 2026\"", kReasonTimestamp},
    {T::kToolCallAgreement, "toolId", "7", kReasonType},
    {T::kToolCallAgreement, "payerAgentId", "3", kReasonType},
    {T::kToolCallEvidence, "agreementHash", kDel, kReasonRequired},
    {T::kToolCallEvidence, "inputHash", "\"gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg\"", kReasonSha256},
    {T::kToolCallEvidence, "startedAt", kDel, kReasonRequired},
    {T::kToolCallEvidence, "metrics", "[]", kReasonType},
    {T::kToolCallEvidence, "outputRef", "{}", kReasonType},
    {T::kFundingHold, "heldAmountCents", "20000", kReasonConstraint},
    {T::kFundingHold, "holdbackBps", "10001", kReasonInteger},
    {T::kFundingHold, "payerAgentId", "\"ab\"", kReasonId},
    {T::kFundingHold, "challengeWindowMs", "-1", kReasonInteger},
    {T::kFundingHold, "currency", "\"US\"", kReasonCurrency},
    {T::kFundingHold, "tenantId", "\"tenant default\"", kReasonId},
    {T::kFundingHold, "metadata", "[]", kReasonType},
    {T::kSettlementDecisionRecordV1, "decisionId", "\"bad id!\"", kReasonId},
    {T::kSettlementDecisionRecordV1, "decidedAt", "\"not a date\"", kReasonTimestamp},
    {T::kSettlementDecisionRecordV1, "policyRef.policyHash", "\"nothex\"", kReasonSha256},
    {T::kSettlementDecisionRecordV1, "decisionStatus", kDel, kReasonRequired},
    {T::kSettlementDecisionRecordV1, "agreementId", "12", kReasonType},
    {T::kSettlementDecisionRecordV1, "bindings", "[1]", kReasonType},
    {T::kSettlementDecisionRecordV2, "policyHashUsed", kDel, kReasonRequired},
    {T::kSettlementDecisionRecordV2, "profileHashUsed", "\"zz\"", kReasonSha256},
    {T::kSettlementDecisionRecordV2, "policyNormalizationVersion", "{}", kReasonType},
    {T::kSettlementReceipt, "amountCents", "0", kReasonInteger},
    {T::kSettlementReceipt, "releasedAmountCents", "1.5", kReasonInteger},
    {T::kSettlementReceipt, "refundedAmountCents", "\"100\"", kReasonInteger},
    {T::kSettlementReceipt, "currency", "\"1SD\"", kReasonCurrency},
    {T::kSettlementReceipt, "decisionRef", kDel, kReasonRequired},
    {T::kSettlementReceipt, "decisionRef.decisionHash", "\"x\"", kReasonSha256},
    {T::kSettlementReceipt, "createdAt", "\"2026-13-01T00:00:00Z\"", kReasonTimestamp},
    {T::kSettlementAdjustment, "kind", "\"bonus\"", kReasonEnum},
    {T::kSettlementAdjustment, "verdictRef.verdictHash", "\"x\"", kReasonSha256},
    {T::kSettlementAdjustment, "adjustmentId", "\"ab\"", kReasonId},
    {T::kSettlementAdjustment, "amountCents", "-5", kReasonInteger},
    {T::kPolicyDecision, "decisionMode", "\"sometimes\"", kReasonEnum},
    {T::kPolicyDecision, "reasonCodes", "[\"bad code!\"]", kReasonFormat},
    {T::kPolicyDecision, "verificationStatus", "\"Not Valid!\"", kReasonFormat},
    {T::kPolicyDecision, "policyRef.policyHash", kDel, kReasonRequired},
    {T::kPolicyDecision, "gateId", "\"gate id\"", kReasonId},
    {T::kPolicyDecision, "reasonCodes", "\"x\"", kReasonType},
    {T::kOperatorAction, "action", "\"DELETE\"", kReasonEnum},
    {T::kOperatorAction, "justificationCode", "\"1abc\"", kReasonFormat},
    {T::kOperatorAction, "caseRef.kind", "\"other\"", kReasonEnum},
    {T::kOperatorAction, "actor", kDel, kReasonRequired},
    {T::kOperatorAction, "actor.role", "\"Bad Role\"", kReasonFormat},
    {T::kOperatorAction, "justification", kLongText.c_str(), kReasonLength},
    {T::kOperatorAction, "actedAt", "\"2026-02-01\"", kReasonTimestamp},
    {T::kOperatorAction, "signedAt", "\"2026-02-01\"", kReasonTimestamp},
    {T::kOperatorAction, "metadata", "5", kReasonType},
    {T::kDisputeOpenEnvelope, "reasonCode", "\"bad-code\"", kReasonFormat},
    {T::kDisputeOpenEnvelope, "nonce", "\"short\"", kReasonId},
    {T::kDisputeOpenEnvelope, "signature", kDel, kReasonRequired},
    {T::kDisputeOpenEnvelope, "openedAt", "\"2026-02-01T00:03:00\"", kReasonTimestamp},
    {T::kDisputeOpenEnvelope, "holdHash", kDel, kReasonRequired},
    {T::kArbitrationCase, "status", "\"pending\"", kReasonEnum},
    {T::kArbitrationCase, "claimantAgentId", kDel, kReasonRequired},
    {T::kArbitrationCase, "evidenceRefs", "[1]", kReasonType},
    {T::kArbitrationVerdict, "outcome", "\"maybe\"", kReasonEnum},
    {T::kArbitrationVerdict, "releaseRatePct", "101", kReasonInteger},
    {T::kArbitrationVerdict, "rationale", kDel, kReasonRequired},
    {T::kArbitrationVerdict, "evidenceRefs", "\"x\"", kReasonType},
    {T::kArbitrationVerdict, "appealRef", "5", kReasonType},
    {T::kAgreementDelegation, "childAgreementHash", "\"a492f2471e80f6e61cad6cb760398acb6c21949e319e0f69f55def0c31ea0fa2\"", kReasonConstraint},
    {T::kAgreementDelegation, "delegationDepth", "4", kReasonConstraint},
    {T::kAgreementDelegation, "ancestorChain", "[]", kReasonConstraint},
    {T::kAgreementDelegation, "ancestorChain", "[\"nothex\"]", kReasonFormat},
    {T::kAgreementDelegation, "budgetCapCents", "0", kReasonInteger},
    {T::kAgentWallet, "walletId", "\"wallet_other\"", kReasonConstraint},
    {T::kAgentWallet, "availableCents", "-1", kReasonInteger},
    {T::kAgentRunSettlement, "status", "\"pending\"", kReasonEnum},
    {T::kAgentRunSettlement, "amountCents", kDel, kReasonRequired},
    {T::kMarketplaceOffer, "revision", "0", kReasonInteger},
    {T::kMarketplaceOffer, "proposalHash", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", kReasonSha256},
    {T::kMarketplaceOffer, "proposalHash", kDel, kReasonRequired},
    {T::kMarketplaceOffer, "etaSeconds", "0", kReasonInteger},
    {T::kMarketplaceAcceptance, "runId", kDel, kReasonRequired},
    {T::kMarketplaceAcceptance, "offerRef.offerHash", "\"4A8CD54515B58DB4608B17A24543A5DC316D9E74DB7BA14C7E77A20736D61E1A\"", kReasonSha256},
    {T::kReputationEvent, "eventKind", "\"bogus\"", kReasonEnum},
    {T::kReputationEvent, "subject.agentId", "\"ab\"", kReasonId},
    {T::kReputationEvent, "sourceRef", "{\"kind\":\"x_kind\"}", kReasonRequired},
    {T::kReputationEvent, "facts", "[]", kReasonType},
    {T::kReputationEvent, "subject.role", "\"owner\"", kReasonEnum},
    {T::kReputationEvent, "artifactId", "\"rep_other_id\"", kReasonConstraint},
    {T::kDisputeOpenEnvelope, "artifactType", "\"ReputationEvent.v1\"", kReasonEnum},
    {T::kFundingHold, "schemaVersion", "\"FundingHold.v2\"", kReasonConstraint},
};

INSTANTIATE_TEST_SUITE_P(Rows, BuilderRejects, ::testing::ValuesIn(kRows),
                         [](const auto& param_info) {
                           std::string name(SchemaVersionOf(param_info.param.type));
                           name += "_";
                           name += param_info.param.path;
                           name += "_" + std::to_string(param_info.index);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(BuilderRejects, EveryTypeHasRows) {
  for (int32_t t = 1; t <= kObjectTypeCount; ++t) {
    int rows = 0;
    for (const Rejection& r : kRows) rows += static_cast<int32_t>(r.type) == t;
    EXPECT_GE(rows, 2) << SchemaVersionOf(static_cast<ObjectType>(t));
  }
}

TEST(BuilderRejects, InputsMustBeAnObject) {
  auto built = Build(ObjectType::kFundingHold, "[1,2]");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(StatusReason(built.status()), kReasonNotObject);
  auto not_json = Build(ObjectType::kFundingHold, "{\"a\":");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(StatusReason(not_json.status()), "JSON_SYNTAX");
}

TEST(BuilderRejects, SignedTypesNeedASigner) {
  for (ObjectType t : {ObjectType::kToolManifest, ObjectType::kOperatorAction,
                       ObjectType::kArbitrationVerdict}) {
    auto built = Build(t, *json::CanonicalString(BaseInputs(t)));
    ASSERT_FALSE(built.ok()) << SchemaVersionOf(t);
    EXPECT_EQ(StatusReason(built.status()), kReasonSignerRequired);
  }
}

TEST(BuilderRejects, EnvelopeSignerKeyIdMustBeTheSigningKey) {
  BuildOptions options;
  options.signer = &testing::VectorSigner();
  auto built = Build(ObjectType::kDisputeOpenEnvelope,
                     *json::CanonicalString(BaseInputs(ObjectType::kDisputeOpenEnvelope)), options);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(StatusReason(built.status()), kReasonConstraint);
}

TEST(BuilderRejects, ManifestPemMustBeTheSigningKey) {
  json::Tree in = BaseInputs(ObjectType::kToolManifest);
  uint8_t seed[32] = {7};
  auto other = crypto::PrivateKey::FromSeed(seed);
  ASSERT_TRUE(other.ok());
  in.Set("signerPublicKeyPem", json::Tree::String(other->public_key().ToPem()));
  BuildOptions options;
  options.signer = &testing::VectorSigner();
  auto built = Build(ObjectType::kToolManifest, *json::CanonicalString(in), options);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(StatusReason(built.status()), kReasonConstraint);
}

TEST(BuilderDefaults, NowFillsDefaultTimestampsOnlyWhenGiven) {
  json::Tree in = BaseInputs(ObjectType::kToolCallEvidence);
  in.Erase("startedAt");
  in.Erase("completedAt");
  in.Erase("createdAt");
  BuildOptions options;
  options.now = "2026-03-01T10:00:00+02:00";
  auto built = Build(ObjectType::kToolCallEvidence, *json::CanonicalString(in), options);
  ASSERT_TRUE(built.ok()) << built.status();
  for (std::string_view k : {"startedAt", "completedAt", "createdAt"}) {
    EXPECT_EQ(built->body.Find(k)->as_string(), "2026-03-01T08:00:00.000Z") << k;
  }
}

TEST(BuilderDefaults, ArbitrationCaseRecord) {
  auto built = Build(ObjectType::kArbitrationCase,
                     *json::CanonicalString(BaseInputs(ObjectType::kArbitrationCase)));
  ASSERT_TRUE(built.ok()) << built.status();
  // Evidence refs trimmed and de-duplicated in order; nullable members forced; defaults.
  EXPECT_EQ(*json::CanonicalString(*built->body.Find("evidenceRefs")),
            R"(["evidence://a","evidence://b"])");
  EXPECT_TRUE(built->body.Find("closedAt")->is_null());
  EXPECT_TRUE(built->body.Find("appealRef")->is_null());
  EXPECT_EQ(built->body.Find("priority")->as_string(), "normal");
  EXPECT_EQ(built->body.Find("revision")->as_number(), 1);
  EXPECT_EQ(built->body.Find("updatedAt")->as_string(), "2026-02-01T00:00:01.500Z");
  // Hashed as a whole (no self-hash member).
  EXPECT_EQ(built->hash, crypto::Sha256Hex(built->canonical));
  auto parsed = Parse(built->canonical);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
}

}  // namespace
}  // namespace nooterra::objects

namespace nooterra::objects {
namespace {

// Every member of every type's inputs (and of their nested objects), replaced by a value of
// another JSON type: the builder must reject it with a typed reason naming the member, unless
// the protocol itself is lenient there (listed, with the reference behaviour it mirrors).
json::Tree OtherType(const json::Tree& v) {
  switch (v.type()) {
    case json::Type::kString: return json::Tree::Number(12345);
    case json::Type::kNumber: return json::Tree::String("not-a-number");
    case json::Type::kTrue:
    case json::Type::kFalse: return json::Tree::String("yes");
    default: return json::Tree::Number(7);
  }
}

bool LenientByProtocol(ObjectType type, const std::string& path) {
  static const std::pair<ObjectType, std::string_view> kLenient[] = {
      // PolicyDecision: `shouldAutoResolve === true`; invalid numbers become 0; policyRef id and
      // version become null when invalid (02-object-model.md §9).
      {ObjectType::kPolicyDecision, "shouldAutoResolve"},
      {ObjectType::kPolicyDecision, "releaseRatePct"},
      {ObjectType::kPolicyDecision, "releaseAmountCents"},
      {ObjectType::kPolicyDecision, "refundAmountCents"},
      {ObjectType::kPolicyDecision, "policyRef.policyId"},
      {ObjectType::kPolicyDecision, "policyRef.policyVersion"},
      // Hash inputs: any JSON value is hashed as given (sha256(canonical(x ?? {}))).
      {ObjectType::kToolCallAgreement, "input"},
      {ObjectType::kToolCallEvidence, "output"},
      {ObjectType::kToolManifest, "inputSchema"},
      {ObjectType::kToolManifest, "outputSchema"},
      // SettlementAdjustment: a verdictRef that is not an object is omitted (§5).
      {ObjectType::kSettlementAdjustment, "verdictRef"},
      // The endpoints array's members are not validated by the builder.
      {ObjectType::kToolManifest, "endpoints"},
  };
  for (const auto& [t, p] : kLenient) {
    if (t == type && p == path) return true;
  }
  // MarketplaceOffer copies policy, policyRef and verificationMethod as given (§17).
  return type == ObjectType::kMarketplaceOffer && path.rfind("policyRef.", 0) == 0;
}

TEST(BuilderRejects, EveryMemberOfTheWrongType) {
  size_t rejected = 0, lenient = 0;
  for (int32_t t = 1; t <= kObjectTypeCount; ++t) {
    const ObjectType type = static_cast<ObjectType>(t);
    const json::Tree base = testing::BaseInputs(type);
    std::vector<std::pair<std::string, std::string>> paths;  // (parent, member)
    for (const auto& [k, v] : base.members()) {
      if (k == "schemaVersion" || k == "signature" || v.is_null()) continue;
      paths.emplace_back("", k);
      if (v.is_object() && k != "metadata" && k != "settlementTerms" && k != "facts" &&
          k != "verifierHints" && k != "acceptanceCriteria" && k != "metrics" && k != "input" &&
          k != "output" && k != "inputSchema" && k != "outputSchema" && k != "policy" &&
          k != "verificationMethod" && k != "offer") {
        for (const auto& [nk, nv] : v.members()) {
          if (!nv.is_null() && nk != "metadata") paths.emplace_back(k, nk);
        }
      }
    }
    for (const auto& [parent, member] : paths) {
      json::Tree in = base;
      json::Tree* holder = parent.empty() ? &in : in.Find(parent);
      holder->Set(member, OtherType(*holder->Find(member)));
      const std::string path = parent.empty() ? member : parent + "." + member;
      BuildOptions options;
      if (type != ObjectType::kDisputeOpenEnvelope) options.signer = &testing::VectorSigner();
      auto built = Build(type, *json::CanonicalString(in), options);
      if (LenientByProtocol(type, path)) {
        ++lenient;
        continue;
      }
      ++rejected;
      ASSERT_FALSE(built.ok()) << SchemaVersionOf(type) << "." << path << " accepted";
      EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_FALSE(StatusReason(built.status()).empty());
      EXPECT_NE(std::string(built.status().message()).find(member), std::string::npos)
          << SchemaVersionOf(type) << "." << path << ": " << built.status();
    }
  }
  EXPECT_GT(rejected, 200u);
  EXPECT_EQ(lenient, 17u);  // the 12 listed + MarketplaceOffer.policyRef's 5 members
}

}  // namespace
}  // namespace nooterra::objects
