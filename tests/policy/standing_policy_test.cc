// Approval standing policies (05-policy-evaluation.md §7): the shared vectors of
// conformance/vectors/standing-policies.json (hand-derived reason codes, specificities, rankings,
// messages and a normal form), then what the vectors cannot say: the hash over the policy as
// stored, matching that reads stored (unnormalized) values, the limits.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/standing_policy.h"
#include "nooterra/status.h"

namespace nooterra::policy {
namespace {

std::string ReadVectors() {
  std::ifstream in(std::string(NOOTERRA_SOURCE_DIR) + "/conformance/vectors/standing-policies.json", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Canonical(json::Value v) {
  std::string out;
  EXPECT_TRUE(json::AppendCanonical(v, &out).ok());
  return out;
}

json::Document Parse(std::string_view text) {
  auto d = json::Document::Parse(text);
  EXPECT_TRUE(d.ok()) << d.status() << " in " << text;
  return d.ok() ? *std::move(d) : json::Document();
}

class StandingVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = ReadVectors();
    ASSERT_FALSE(text_.empty()) << "conformance/vectors/standing-policies.json is missing";
    doc_ = Parse(text_);
    const json::Value policies = doc_.root().Find("policies");
    ASSERT_GT(policies.size(), 0u);
    for (size_t i = 0; i < policies.size(); ++i) {
      auto built = BuildStandingPolicy(policies.value_at(i));
      ASSERT_TRUE(built.ok()) << policies.key_at(i) << ": " << built.status();
      built_[std::string(policies.key_at(i))] = *built;
    }
  }
  // "[<built policy>, ...]" for the names of a case.
  std::string PolicyArray(json::Value names) {
    std::string out = "[";
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += ",";
      out += built_.at(std::string(names.at(i).as_string()));
    }
    return out + "]";
  }
  std::string text_;
  json::Document doc_;
  std::map<std::string, std::string> built_;
};

TEST_F(StandingVectors, EveryCaseRanksAsDerived) {
  const json::Value cases = doc_.root().Find("cases");
  ASSERT_GE(cases.size(), 30u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const json::Value c = cases.at(i);
    SCOPED_TRACE(std::string(c.Find("name").as_string()));
    json::Document policies = Parse(PolicyArray(c.Find("policies")));
    StandingEffect effect = StandingEffect::kApprove;
    auto result = EvaluateStandingPolicies(policies.root(), c.Find("envelope"), &effect);
    ASSERT_TRUE(result.ok()) << result.status();
    json::Document r = Parse(*result);
    const std::string_view expected_effect = c.Find("effect").as_string();
    EXPECT_EQ(r.root().Find("effect").as_string(), expected_effect);
    EXPECT_EQ(effect, expected_effect == "deny"      ? StandingEffect::kDeny
                      : expected_effect == "approve" ? StandingEffect::kApprove
                                                     : StandingEffect::kNone);
    const json::Value winner = c.Find("winner");
    if (winner.is_null()) {
      EXPECT_TRUE(r.root().Find("policyId").is_null());
      EXPECT_TRUE(r.root().Find("policyHash").is_null());
    } else {
      EXPECT_EQ(r.root().Find("policyId").as_string(), winner.as_string());
      json::Document w = Parse(built_.at(std::string(winner.as_string())));
      EXPECT_EQ(r.root().Find("policyHash").as_string(), w.root().Find("policyHash").as_string());
    }
    const json::Value evals = r.root().Find("evaluations");
    const json::Value reasons = c.Find("reasonCodes");
    const json::Value spec = c.Find("specificity");
    ASSERT_EQ(evals.size(), reasons.size());
    for (size_t j = 0; j < evals.size(); ++j) {
      EXPECT_EQ(evals.at(j).Find("reasonCode").as_string(), reasons.at(j).as_string()) << j;
      EXPECT_EQ(evals.at(j).Find("matched").as_bool(), reasons.at(j).as_string() == "MATCHED") << j;
      EXPECT_EQ(evals.at(j).Find("specificity").as_number(), spec.at(j).as_number()) << j;
      EXPECT_EQ(evals.at(j).Find("policyId").as_string(), c.Find("policies").at(j).as_string());
    }
  }
}

TEST_F(StandingVectors, EvaluateErrorsNameThePolicyAndTheMember) {
  const json::Value errors = doc_.root().Find("evaluateErrors");
  ASSERT_GT(errors.size(), 0u);
  for (size_t i = 0; i < errors.size(); ++i) {
    const json::Value e = errors.at(i);
    SCOPED_TRACE(std::string(e.Find("name").as_string()));
    json::Document policies = Parse(PolicyArray(e.Find("policies")));
    StandingEffect effect = StandingEffect::kDeny;
    auto result = EvaluateStandingPolicies(policies.root(), e.Find("envelope"), &effect);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(StatusReason(result.status()), e.Find("reason").as_string());
    EXPECT_EQ(std::string(result.status().message()), e.Find("message").as_string());
    EXPECT_EQ(effect, StandingEffect::kDeny);  // untouched on error
  }
}

TEST_F(StandingVectors, EveryBuildErrorCarriesTheReferenceMessage) {
  const json::Value errors = doc_.root().Find("buildErrors");
  ASSERT_GE(errors.size(), 20u);
  for (size_t i = 0; i < errors.size(); ++i) {
    const json::Value e = errors.at(i);
    SCOPED_TRACE(std::string(e.Find("name").as_string()));
    auto built = BuildStandingPolicy(e.Find("input"));
    ASSERT_FALSE(built.ok());
    EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(StatusReason(built.status()), "APPROVAL_STANDING_POLICY_INVALID");
    EXPECT_EQ(std::string(built.status().message()), e.Find("message").as_string());
  }
}

TEST_F(StandingVectors, TheNormalFormAndItsHash) {
  const json::Value nf = doc_.root().Find("normalForm");
  auto built = BuildStandingPolicy(nf.Find("input"));
  ASSERT_TRUE(built.ok()) << built.status();
  const std::string expected_core = Canonical(nf.Find("expected"));
  // The hash is sha256 of the canonical policy without policyHash, computed here from the
  // expected normal form rather than taken from the builder.
  const std::string expected = expected_core.substr(0, expected_core.size() - 1) + R"(,"policyHash":")" +
                               crypto::Sha256Hex(expected_core) + "\"}";
  EXPECT_EQ(Canonical(Parse(*built).root()), Canonical(Parse(expected).root()));
  json::Document policy = Parse(*built);
  auto hash = ValidateStandingPolicy(policy.root());
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, crypto::Sha256Hex(expected_core));
  json::Document env = Parse(R"({"principalRef":{"principalType":"human","principalId":"user_1"},"actor":{"agentId":"agt_a"},)"
                             R"("riskClass":"low","dataClassesRequested":["Internal"]})");
  auto m = MatchStandingPolicy(policy.root(), env.root());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->matched);
  EXPECT_EQ(m->reason_code, "MATCHED");
  EXPECT_EQ(m->specificity, static_cast<int>(nf.Find("specificity").as_number()));
}

// A stored policy as given (hash over its own bytes, no normalization).
std::string Stored(std::string_view core) {
  return std::string(core.substr(0, core.size() - 1)) + R"(,"policyHash":")" + crypto::Sha256Hex(Canonical(Parse(core).root())) + "\"}";
}
constexpr std::string_view kCore =
    R"({"schemaVersion":"ApprovalStandingPolicy.v1","policyId":"p1","principalRef":{"principalType":"human","principalId":"u1"},)"
    R"("displayName":"d","description":null,"status":"active","constraints":null,)"
    R"("decision":{"effect":"approve","decidedBy":null,"expiresAfterSeconds":null,"evidenceRefs":[],"metadata":null},)"
    R"("createdAt":"2026-01-01T00:00:00Z","updatedAt":null})";

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(StandingPolicy, ValidationHashesThePolicyAsStoredAndRefusesTampering) {
  json::Document ok = Parse(Stored(kCore));
  EXPECT_TRUE(ValidateStandingPolicy(ok.root()).ok());
  // Any change after hashing is caught, including one in a member the builder would drop.
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{R"("displayName":"d")", R"("displayName":"e")"},
                          {R"("constraints":null)", R"("constraints":null,"extra":1)"}}) {
    std::string tampered = Replace(Stored(kCore), from, to);
    json::Document t = Parse(tampered);
    auto v = ValidateStandingPolicy(t.root());
    ASSERT_FALSE(v.ok()) << from;
    EXPECT_EQ(std::string(v.status().message()), "approvalStandingPolicy.policyHash mismatch");
  }
  json::Document bad_schema = Parse(Stored(Replace(std::string(kCore), "ApprovalStandingPolicy.v1", "ApprovalStandingPolicy.v2")));
  EXPECT_EQ(std::string(ValidateStandingPolicy(bad_schema.root()).status().message()),
            "approvalStandingPolicy.schemaVersion must be ApprovalStandingPolicy.v1");
  json::Document bad_name = Parse(Stored(Replace(std::string(kCore), R"("displayName":"d")", R"("displayName":" ")")));
  EXPECT_EQ(std::string(ValidateStandingPolicy(bad_name.root()).status().message()),
            "approvalStandingPolicy.displayName must be a non-empty string");
  json::Document not_object = Parse("[]");
  EXPECT_EQ(std::string(ValidateStandingPolicy(not_object.root()).status().message()), "approvalStandingPolicy must be a plain object");
}

TEST(StandingPolicy, MatchingReadsStoredValuesAsTheReferenceDoes) {
  json::Document env = Parse(R"({"principalRef":{"principalType":"human","principalId":"u1"}})");
  // " active " validates (trimmed to check it) but is not exactly "active": disabled.
  json::Document padded = Parse(Stored(Replace(std::string(kCore), R"("status":"active")", R"("status":" active ")")));
  ASSERT_TRUE(ValidateStandingPolicy(padded.root()).ok());
  auto m = MatchStandingPolicy(padded.root(), env.root());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->reason_code, "POLICY_DISABLED");
  // A missing status validates as active and matches as disabled too.
  json::Document no_status = Parse(Stored(Replace(std::string(kCore), R"("status":"active",)", "")));
  ASSERT_TRUE(ValidateStandingPolicy(no_status.root()).ok());
  EXPECT_EQ(MatchStandingPolicy(no_status.root(), env.root())->reason_code, "POLICY_DISABLED");
  // " deny " ranks as an approve (the reference lower-cases without trimming), so a more specific
  // approve beats it; alone, it wins and reports its trimmed effect.
  const std::string padded_deny = Stored(Replace(std::string(kCore), R"("effect":"approve")", R"("effect":" deny ")"));
  const std::string specific_approve =
      Stored(Replace(Replace(std::string(kCore), R"("constraints":null)", R"("constraints":{"maxSpendCents":10})"), R"("policyId":"p1")",
                     R"("policyId":"p2")"));
  json::Document both = Parse("[" + padded_deny + "," + specific_approve + "]");
  StandingEffect effect = StandingEffect::kNone;
  auto r = EvaluateStandingPolicies(both.root(), env.root(), &effect);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(effect, StandingEffect::kApprove);
  EXPECT_EQ(Parse(*r).root().Find("policyId").as_string(), "p2");
  json::Document alone = Parse(padded_deny);
  r = EvaluateStandingPolicies(alone.root(), env.root(), &effect);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(effect, StandingEffect::kDeny);
  EXPECT_EQ(Parse(*r).root().Find("effect").as_string(), "deny");
  // A tampered policy in a list is an error naming its index; nothing is ranked.
  json::Document tampered = Parse("[" + Stored(kCore) + "," + Replace(Stored(kCore), R"("displayName":"d")", R"("displayName":"x")") + "]");
  r = EvaluateStandingPolicies(tampered.root(), env.root(), &effect);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()), "policies[1]: approvalStandingPolicy.policyHash mismatch");
}

TEST(StandingPolicy, NamedLimits) {
  std::string list = "[";
  for (size_t i = 0; i <= kStandingListMax; ++i) list += (i ? ",\"a" : "\"a") + std::to_string(i) + "\"";
  list += "]";
  json::Document too_long = Parse(Replace(std::string(kCore), R"("constraints":null)", R"("constraints":{"actorAgentIds":)" + list + "}"));
  auto b = BuildStandingPolicy(too_long.root());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(std::string(b.status().message()), "constraints.actorAgentIds must hold at most 1024 entries");
  // One fewer entry is accepted: the limit is the named number, not something near it.
  const size_t last = list.rfind(",\"a");
  json::Document at_limit =
      Parse(Replace(std::string(kCore), R"("constraints":null)", R"("constraints":{"actorAgentIds":)" + list.substr(0, last) + "]}"));
  EXPECT_TRUE(BuildStandingPolicy(at_limit.root()).ok());
  std::string many = "[";
  for (size_t i = 0; i <= kStandingPoliciesMax; ++i) many += (i ? "," : "") + Stored(kCore);
  many += "]";
  json::Document policies = Parse(many);
  json::Document env = Parse("{}");
  auto r = EvaluateStandingPolicies(policies.root(), env.root(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()), "policies must hold at most 1024 entries");
}

}  // namespace
}  // namespace nooterra::policy
