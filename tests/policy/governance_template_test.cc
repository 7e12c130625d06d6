// Governance policy templates (05-policy-evaluation.md §6): the template normal form and hash, the
// checks in order with the reference's messages, the decision classes, ECMAScript Number()/trim/
// toLowerCase on inputs, every validation message, the limits. Expected bytes are written here
// from the digest's rules, not captured from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "nooterra/crypto.h"
#include "nooterra/governance_template.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::policy {
namespace {

// The indie starter template, as the reference seeds it, with keys in canonical order.
constexpr std::string_view kIndieControls =
    R"({"approvals":{"tiers":[{"approverRole":"none","maxAmountUsdCents":10000,"requiredApprovers":0,"tierId":"auto"},)"
    R"({"approverRole":"owner","maxAmountUsdCents":25000,"requiredApprovers":1,"tierId":"owner"}]},)"
    R"("dataAccess":{"allowExternalTransfer":false,"allowedDataClasses":["public","internal"]},)"
    R"("escalation":{"autoBlockRiskLevels":["critical"],"requireApprovalForRiskLevels":["high","critical"]},)"
    R"("spend":{"currency":"USD","monthlyUsdCents":300000,"perActionUsdCents":25000}})";

std::string IndieCore() {
  return std::string(R"({"controls":)") + std::string(kIndieControls) +
         R"(,"description":"Lean controls for solo builders with strict fail-closed limits.",)"
         R"("name":"Indie Safe Default","operatingProfile":"indie","templateId":"gov.indie.safe-default",)"
         R"("templateVersion":1})";
}
std::string IndieHash() { return crypto::Sha256Hex(IndieCore()); }

// The indie template as a caller would write it (input member order, no hash).
std::string IndieInput(std::string_view replace_from = "", std::string_view replace_to = "") {
  std::string t = R"({"templateId":"gov.indie.safe-default","templateVersion":1,"operatingProfile":"indie",)"
                  R"("name":"Indie Safe Default","description":"Lean controls for solo builders with strict fail-closed limits.",)"
                  R"("controls":)" + std::string(kIndieControls) + "}";
  if (!replace_from.empty()) {
    const size_t at = t.find(replace_from);
    EXPECT_NE(at, std::string::npos) << replace_from;
    if (at != std::string::npos) t.replace(at, replace_from.size(), replace_to);
  }
  return t;
}

struct Outcome {
  std::string json;
  GovernanceDecision decision = GovernanceDecision::kAllow;
};

Outcome Eval(std::string_view tmpl, std::string_view request) {
  auto t = json::Document::Parse(tmpl);
  auto r = json::Document::Parse(request);
  EXPECT_TRUE(t.ok() && r.ok());
  Outcome o;
  auto s = EvaluateGovernanceTemplate(t->root(), r->root(), &o.decision);
  EXPECT_TRUE(s.ok()) << s.status();
  o.json = s.ok() ? *s : "";
  return o;
}

// The failing check codes of a decision, in order, joined by ",".
std::string FailedCodes(const std::string& decision) {
  auto d = json::Document::Parse(decision);
  std::string out;
  const json::Value checks = d->root().Find("checks");
  for (size_t i = 0; i < checks.size(); ++i) {
    if (checks.at(i).Find("ok").as_bool()) continue;
    if (!out.empty()) out += ',';
    out += std::string(checks.at(i).Find("code").as_string());
  }
  return out;
}

std::string Member(const std::string& decision, std::string_view path1, std::string_view path2 = "") {
  auto d = json::Document::Parse(decision);
  json::Value v = d->root().Find(path1);
  if (!path2.empty()) v = v.Find(path2);
  std::string out;
  EXPECT_TRUE(json::AppendCanonical(v, &out).ok());
  return out;
}

TEST(GovernanceTemplate, NormalFormAndHashFollowTheDigestFormula) {
  auto doc = json::Document::Parse(IndieInput());
  auto normal = NormalizeGovernanceTemplate(doc->root(), false);
  ASSERT_TRUE(normal.ok()) << normal.status();
  const std::string expected = std::string(R"({"controls":)") + std::string(kIndieControls) +
                               R"(,"description":"Lean controls for solo builders with strict fail-closed limits.",)"
                               R"("name":"Indie Safe Default","operatingProfile":"indie",)"
                               R"("schemaVersion":"GovernancePolicyTemplate.v1","templateHash":")" +
                               IndieHash() + R"(","templateId":"gov.indie.safe-default","templateVersion":1})";
  EXPECT_EQ(*normal, expected);
  // validateGovernancePolicyTemplate requires the hash; a correct one (any case, padded) passes.
  EXPECT_EQ(StatusReason(NormalizeGovernanceTemplate(doc->root(), true).status()), "POLICY_TEMPLATE_INVALID");
  std::string upper = IndieHash();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto with_hash = json::Document::Parse(IndieInput("{\"templateId\"", "{\"templateHash\":\" " + upper + " \",\"templateId\""));
  auto checked = NormalizeGovernanceTemplate(with_hash->root(), true);
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(*checked, expected);
  // The normal form is a fixed point.
  auto again = json::Document::Parse(*normal);
  EXPECT_EQ(*NormalizeGovernanceTemplate(again->root(), true), expected);
  // Trimming and case: ids, profile, classes and levels lower-cased; currency upper-cased; the
  // name and description only trimmed.
  auto messy = json::Document::Parse(
      IndieInput("\"templateId\":\"gov.indie.safe-default\"", "\"templateId\":\"  GOV.Indie.Safe-Default\\n\"")
);
  EXPECT_EQ(*NormalizeGovernanceTemplate(messy->root(), false), expected);
  auto messy2 = json::Document::Parse(IndieInput("\"currency\":\"USD\"", "\"currency\":\" usd \""));
  EXPECT_EQ(*NormalizeGovernanceTemplate(messy2->root(), false), expected);
}

TEST(GovernanceTemplate, CatalogHoldsTheThreeStarters) {
  auto catalog = GovernanceTemplateCatalog();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  auto d = json::Document::Parse(*catalog);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->root().Find("schemaVersion").as_string(), "GovernancePolicyTemplateCatalog.v1");
  const json::Value templates = d->root().Find("templates");
  ASSERT_EQ(templates.size(), 3u);
  EXPECT_EQ(templates.at(0).Find("templateId").as_string(), "gov.indie.safe-default");
  EXPECT_EQ(templates.at(0).Find("templateHash").as_string(), IndieHash());
  EXPECT_EQ(templates.at(1).Find("templateId").as_string(), "gov.smb.balanced-controls");
  EXPECT_EQ(templates.at(2).Find("templateId").as_string(), "gov.enterprise.strict-controls");
  for (size_t i = 0; i < 3; ++i) {  // each one validates with its own hash
    EXPECT_TRUE(NormalizeGovernanceTemplate(templates.at(i), true).ok());
  }
  auto smb = StarterGovernanceTemplate("", " SMB ");
  ASSERT_TRUE(smb.ok() && smb->has_value());
  EXPECT_NE((*smb)->find("\"templateId\":\"gov.smb.balanced-controls\""), std::string::npos);
  auto indie = StarterGovernanceTemplate("gov.indie.safe-default", "");
  ASSERT_TRUE(indie.ok() && indie->has_value());
  auto indie_doc = json::Document::Parse(**indie);
  EXPECT_EQ(indie_doc->root().Find("templateHash").as_string(), IndieHash());
  EXPECT_FALSE(StarterGovernanceTemplate("gov.indie.safe-default", "smb")->has_value());  // both filters apply
  EXPECT_EQ(StatusReason(StarterGovernanceTemplate("", "huge").status()), "POLICY_TEMPLATE_INVALID");
  EXPECT_EQ(StatusReason(StarterGovernanceTemplate("X", "").status()), "POLICY_TEMPLATE_INVALID");
}

TEST(GovernanceTemplate, AllowDecisionBytes) {
  const Outcome o = Eval(IndieInput(), R"({"amountUsdCents":5000,"dataClass":"internal","riskLevel":"low"})");
  EXPECT_EQ(o.decision, GovernanceDecision::kAllow);
  const std::string expected =
      R"({"blockingIssues":[],"checks":[)"
      R"({"checkId":"spend_per_action_limit","message":"amount is within per-action spend limit","ok":true},)"
      R"({"checkId":"spend_monthly_limit","message":"monthly spend remains within configured limit","ok":true},)"
      R"({"checkId":"data_class_allowed","message":"data class is allowlisted for this template","ok":true},)"
      R"({"checkId":"external_transfer_allowed","message":"external transfer policy allows this request","ok":true},)"
      R"({"checkId":"approval_threshold_met","message":"request satisfies approval threshold","ok":true},)"
      R"({"checkId":"risk_requires_approval","message":"risk-level approval requirement is satisfied","ok":true},)"
      R"({"checkId":"risk_level_not_blocked","message":"risk level is not auto-blocked","ok":true}],)"
      R"("decision":"allow","matchedApprovalTierId":"auto",)"
      R"("request":{"amountUsdCents":5000,"approvalsProvided":0,"dataClass":"internal","externalTransfer":false,)"
      R"("monthlySpendUsdCents":0,"riskLevel":"low"},"requiredApprovers":0,)"
      R"("schemaVersion":"GovernancePolicyDecision.v1","templateRef":{"operatingProfile":"indie","templateHash":")" +
      IndieHash() + R"(","templateId":"gov.indie.safe-default","templateVersion":1}})";
  EXPECT_EQ(o.json, expected);
}

TEST(GovernanceTemplate, DenyDecisionBytesWithTierGap) {
  // 30000 > perAction 25000, and no tier reaches 30000: both deny codes, tier null.
  const Outcome o = Eval(IndieInput(), R"({"amountUsdCents":30000,"dataClass":"public","riskLevel":"low"})");
  EXPECT_EQ(o.decision, GovernanceDecision::kDeny);
  EXPECT_EQ(Member(o.json, "blockingIssues"),
            R"([{"code":"PER_ACTION_LIMIT_EXCEEDED","message":"amount exceeds per-action spend limit"},)"
            R"({"code":"POLICY_TEMPLATE_TIER_GAP","message":"approval tiers do not cover the request amount"}])");
  EXPECT_EQ(Member(o.json, "checks"),
            R"([{"checkId":"spend_per_action_limit","code":"PER_ACTION_LIMIT_EXCEEDED","message":"amount exceeds per-action spend limit","ok":false},)"
            R"({"checkId":"spend_monthly_limit","message":"monthly spend remains within configured limit","ok":true},)"
            R"({"checkId":"data_class_allowed","message":"data class is allowlisted for this template","ok":true},)"
            R"({"checkId":"external_transfer_allowed","message":"external transfer policy allows this request","ok":true},)"
            R"({"checkId":"approval_tier_coverage","code":"POLICY_TEMPLATE_TIER_GAP","message":"approval tiers do not cover the request amount","ok":false},)"
            R"({"checkId":"risk_requires_approval","message":"risk-level approval requirement is satisfied","ok":true},)"
            R"({"checkId":"risk_level_not_blocked","message":"risk level is not auto-blocked","ok":true}])");
  EXPECT_EQ(Member(o.json, "matchedApprovalTierId"), "null");
  EXPECT_EQ(Member(o.json, "requiredApprovers"), "null");
  EXPECT_EQ(Member(o.json, "decision"), "\"deny\"");
}

TEST(GovernanceTemplate, EveryCheckAtItsBoundary) {
  const std::string t = IndieInput();
  struct Case {
    const char* request;
    const char* failed;
    GovernanceDecision decision;
    const char* tier;
  };
  const Case cases[] = {
      // Exactly at the per-action cap (and the top tier): allowed by the cap, one approval needed.
      {R"({"amountUsdCents":25000,"dataClass":"public","riskLevel":"low","approvalsProvided":1})", "",
       GovernanceDecision::kAllow, "\"owner\""},
      {R"({"amountUsdCents":25000,"dataClass":"public","riskLevel":"low"})", "APPROVAL_THRESHOLD_NOT_MET",
       GovernanceDecision::kChallenge, "\"owner\""},
      // Tier edges: 10000 is the auto tier, 10001 the owner tier.
      {R"({"amountUsdCents":10000,"dataClass":"public","riskLevel":"low"})", "", GovernanceDecision::kAllow,
       "\"auto\""},
      {R"({"amountUsdCents":10001,"dataClass":"public","riskLevel":"low"})", "APPROVAL_THRESHOLD_NOT_MET",
       GovernanceDecision::kChallenge, "\"owner\""},
      // Monthly: exactly at the cap passes, one over fails.
      {R"({"amountUsdCents":10000,"monthlySpendUsdCents":290000,"dataClass":"public","riskLevel":"low"})", "",
       GovernanceDecision::kAllow, "\"auto\""},
      {R"({"amountUsdCents":10000,"monthlySpendUsdCents":290001,"dataClass":"public","riskLevel":"low"})",
       "MONTHLY_LIMIT_EXCEEDED", GovernanceDecision::kDeny, "\"auto\""},
      {R"({"amountUsdCents":1,"dataClass":"confidential","riskLevel":"low"})", "DATA_CLASS_FORBIDDEN",
       GovernanceDecision::kDeny, "\"auto\""},
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"low","externalTransfer":true})",
       "EXTERNAL_TRANSFER_FORBIDDEN", GovernanceDecision::kDeny, "\"auto\""},
      // Only exactly true counts as an external transfer.
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"low","externalTransfer":"true"})", "",
       GovernanceDecision::kAllow, "\"auto\""},
      // Risk: high needs one approval (challenge), critical is also blocked (deny wins).
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"high"})", "RISK_APPROVAL_REQUIRED",
       GovernanceDecision::kChallenge, "\"auto\""},
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"high","approvalsProvided":1})", "",
       GovernanceDecision::kAllow, "\"auto\""},
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"critical"})",
       "RISK_APPROVAL_REQUIRED,RISK_LEVEL_BLOCKED", GovernanceDecision::kDeny, "\"auto\""},
      // Several failing rules: every one recorded, in check order.
      {R"({"amountUsdCents":20000,"monthlySpendUsdCents":299999,"dataClass":"restricted","riskLevel":"high","externalTransfer":true})",
       "MONTHLY_LIMIT_EXCEEDED,DATA_CLASS_FORBIDDEN,EXTERNAL_TRANSFER_FORBIDDEN,APPROVAL_THRESHOLD_NOT_MET,"
       "RISK_APPROVAL_REQUIRED",
       GovernanceDecision::kDeny, "\"owner\""},
  };
  for (const Case& c : cases) {
    const Outcome o = Eval(t, c.request);
    EXPECT_EQ(FailedCodes(o.json), c.failed) << c.request;
    EXPECT_EQ(o.decision, c.decision) << c.request;
    EXPECT_EQ(Member(o.json, "matchedApprovalTierId"), c.tier) << c.request;
  }
}

TEST(GovernanceTemplate, RequestValuesGoThroughNumberTrimAndLowerCase) {
  const std::string t = IndieInput();
  const std::string normal =
      R"({"amountUsdCents":16,"approvalsProvided":2,"dataClass":"public","externalTransfer":false,"monthlySpendUsdCents":0,"riskLevel":"medium"})";
  for (const char* r : {
           R"({"amountUsdCents":16,"dataClass":"public","riskLevel":"medium","approvalsProvided":2})",
           R"({"amountUsdCents":"16","dataClass":" PUBLIC ","riskLevel":"Medium","approvalsProvided":"2"})",
           R"({"amountUsdCents":"0x10","dataClass":"public","riskLevel":"medium","approvalsProvided":[2],"monthlySpendUsdCents":null})",
           R"({"amountUsdCents":[[16]],"dataClass":"public","riskLevel":"medium","approvalsProvided":" 2 ","monthlySpendUsdCents":""})",
           R"({"amountUsdCents":"1.6e1","dataClass":"public\t","riskLevel":"medium","approvalsProvided":true,"monthlySpendUsdCents":false})",
       }) {
    const Outcome o = Eval(t, r);
    std::string expected = normal;
    if (std::string_view(r).find("true,") != std::string_view::npos) {
      expected.replace(expected.find("\"approvalsProvided\":2"), 21, "\"approvalsProvided\":1");
    }
    EXPECT_EQ(Member(o.json, "request"), expected) << r;
  }
  // "-0" reads as 0 (the reference would keep -0 and fail to canonicalize its own output).
  EXPECT_EQ(Member(Eval(t, R"({"amountUsdCents":1,"monthlySpendUsdCents":"-0","dataClass":"public","riskLevel":"low"})").json,
                   "request", "monthlySpendUsdCents"),
            "0");
}

TEST(GovernanceTemplate, InvalidRequestsAreDenyDecisionsNamingTheMember) {
  const std::string t = IndieInput();
  struct Case {
    const char* request;
    const char* message;
  };
  const Case cases[] = {
      {"[]", "request must be an object"},
      {R"({"dataClass":"public","riskLevel":"low"})", "request.amountUsdCents must be a safe integer >= 1"},
      {R"({"amountUsdCents":null,"dataClass":"public","riskLevel":"low"})",
       "request.amountUsdCents must be a safe integer >= 1"},
      {R"({"amountUsdCents":1.5,"dataClass":"public","riskLevel":"low"})",
       "request.amountUsdCents must be a safe integer >= 1"},
      {R"({"amountUsdCents":9007199254740992,"dataClass":"public","riskLevel":"low"})",
       "request.amountUsdCents must be a safe integer >= 1"},
      {R"({"amountUsdCents":"12abc","dataClass":"public","riskLevel":"low"})",
       "request.amountUsdCents must be a safe integer >= 1"},
      {R"({"amountUsdCents":1,"monthlySpendUsdCents":-1,"dataClass":"public","riskLevel":"low"})",
       "request.monthlySpendUsdCents must be a safe integer >= 0"},
      {R"({"amountUsdCents":1,"riskLevel":"low"})", "request.dataClass is required"},
      {R"({"amountUsdCents":1,"dataClass":"  ","riskLevel":"low"})", "request.dataClass is required"},
      {R"({"amountUsdCents":1,"dataClass":"secret","riskLevel":"low"})",
       "request.dataClass must be public|internal|confidential|restricted"},
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":7})", "request.riskLevel is required"},
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"extreme"})",
       "request.riskLevel must be low|medium|high|critical"},
      {R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"low","approvalsProvided":{}})",
       "request.approvalsProvided must be a safe integer >= 0"},
  };
  for (const Case& c : cases) {
    const Outcome o = Eval(t, c.request);
    EXPECT_EQ(o.decision, GovernanceDecision::kDeny) << c.request;
    EXPECT_EQ(o.json, std::string(R"({"blockingIssues":[{"code":"POLICY_REQUEST_INVALID","message":")") +
                          c.message +
                          R"("}],"checks":[{"checkId":"request_or_template_valid","code":"POLICY_REQUEST_INVALID",)"
                          R"("message":")" + c.message +
                          R"(","ok":false}],"decision":"deny","schemaVersion":"GovernancePolicyDecision.v1"})")
        << c.request;
  }
}

TEST(GovernanceTemplate, InvalidTemplatesNameTheMemberInTheReferenceWords) {
  struct Case {
    std::string tmpl;
    const char* message;
  };
  const Case cases[] = {
      {"[]", "template must be an object"},
      {IndieInput("\"templateId\":\"gov.indie.safe-default\"", "\"templateId\":\"\""), "template.templateId is required"},
      {IndieInput("\"templateId\":\"gov.indie.safe-default\"", "\"templateId\":\"9gov\""),
       "template.templateId must match /^[a-z][a-z0-9._-]{2,63}$/"},
      {IndieInput("\"templateId\":\"gov.indie.safe-default\"", "\"templateId\":\"ab\""),
       "template.templateId must match /^[a-z][a-z0-9._-]{2,63}$/"},
      {IndieInput("\"templateVersion\":1", "\"templateVersion\":0"), "template.templateVersion must be a safe integer >= 1"},
      {IndieInput("\"operatingProfile\":\"indie\"", "\"operatingProfile\":\"solo\""),
       "template.operatingProfile must be indie|smb|enterprise"},
      {IndieInput("\"name\":\"Indie Safe Default\"", "\"name\":null"), "template.name is required"},
      {IndieInput("\"description\":\"Lean controls for solo builders with strict fail-closed limits.\"",
                  "\"description\":[]"),
       "template.description is required"},
      {IndieInput("\"controls\":", "\"controls\":[],\"x\":"), "template.controls must be an object"},
      {IndieInput("\"spend\":{", "\"spend\":7,\"s\":{"), "template.controls.spend must be an object"},
      {IndieInput("\"currency\":\"USD\"", "\"currency\":\"\""), "template.controls.spend.currency is required"},
      {IndieInput("\"currency\":\"USD\"", "\"currency\":\"u\\u00dfd\""), "template.controls.spend.currency must be ASCII"},
      {IndieInput("\"perActionUsdCents\":25000", "\"perActionUsdCents\":0"),
       "template.controls.spend.perActionUsdCents must be a safe integer >= 1"},
      {IndieInput("\"monthlyUsdCents\":300000", "\"monthlyUsdCents\":24999"),
       "template.controls.spend.perActionUsdCents must be <= monthlyUsdCents"},
      {IndieInput("\"dataAccess\":{", "\"dataAccess\":null,\"d\":{"), "template.controls.dataAccess must be an object"},
      {IndieInput("\"allowedDataClasses\":[\"public\",\"internal\"]", "\"allowedDataClasses\":[]"),
       "template.controls.dataAccess.allowedDataClasses must be a non-empty array"},
      {IndieInput("\"allowedDataClasses\":[\"public\",\"internal\"]", "\"allowedDataClasses\":[\"public\",\" PUBLIC\"]"),
       "template.controls.dataAccess.allowedDataClasses[1] must not contain duplicates"},
      {IndieInput("\"allowedDataClasses\":[\"public\",\"internal\"]", "\"allowedDataClasses\":[\"public\",\"\"]"),
       "template.controls.dataAccess.allowedDataClasses[1] is required"},
      {IndieInput("\"allowedDataClasses\":[\"public\",\"internal\"]", "\"allowedDataClasses\":[\"public\",\"Secret\"]"),
       "template.controls.dataAccess.allowedDataClasses contains unsupported class: secret"},
      {IndieInput("\"approvals\":{", "\"approvals\":\"x\",\"a\":{"), "template.controls.approvals must be an object"},
      {IndieInput("\"tiers\":[", "\"tiers\":[7,"), "template.controls.approvals.tiers[0] must be an object"},
      {IndieInput("\"maxAmountUsdCents\":25000", "\"maxAmountUsdCents\":10000"),
       "template.controls.approvals.tiers[1].maxAmountUsdCents must increase monotonically"},
      {IndieInput("\"tierId\":\"owner\"", "\"tierId\":\" \""), "template.controls.approvals.tiers[1].tierId is required"},
      {IndieInput("\"requiredApprovers\":1", "\"requiredApprovers\":-1"),
       "template.controls.approvals.tiers[1].requiredApprovers must be a safe integer >= 0"},
      {IndieInput("\"approverRole\":\"owner\"", "\"approverRole\":1"),
       "template.controls.approvals.tiers[1].approverRole is required"},
      {IndieInput("\"perActionUsdCents\":25000", "\"perActionUsdCents\":25001"),
       "template.controls.approvals.tiers must cover controls.spend.perActionUsdCents"},
      {IndieInput("\"escalation\":{", "\"escalation\":[],\"e\":{"), "template.controls.escalation must be an object"},
      {IndieInput("\"autoBlockRiskLevels\":[\"critical\"]", "\"autoBlockRiskLevels\":\"critical\""),
       "template.controls.escalation.autoBlockRiskLevels must be a non-empty array"},
      {IndieInput("\"requireApprovalForRiskLevels\":[\"high\",\"critical\"]",
                  "\"requireApprovalForRiskLevels\":[\"high\",\"severe\"]"),
       "template.controls.escalation contains unsupported risk level: severe"},
      {IndieInput("{\"templateId\"", "{\"templateHash\":\"abc\",\"templateId\""),
       "template.templateHash must be a sha256 hex when provided"},
      {IndieInput("{\"templateId\"", "{\"templateHash\":\"" + std::string(64, 'a') + "\",\"templateId\""),
       "template.templateHash mismatch"},
  };
  for (const Case& c : cases) {
    const Outcome o = Eval(c.tmpl, R"({"amountUsdCents":1,"dataClass":"public","riskLevel":"low"})");
    EXPECT_EQ(o.decision, GovernanceDecision::kDeny) << c.tmpl;
    EXPECT_EQ(Member(o.json, "blockingIssues"),
              std::string(R"([{"code":"POLICY_TEMPLATE_INVALID","message":")") + c.message + "\"}]")
        << c.tmpl;
    auto doc = json::Document::Parse(c.tmpl);
    auto n = NormalizeGovernanceTemplate(doc->root(), false);
    EXPECT_EQ(StatusReason(n.status()), "POLICY_TEMPLATE_INVALID");
    EXPECT_EQ(n.status().message(), c.message);
  }
  // An empty or null templateHash is "not provided".
  for (const char* h : {"\"\"", "\"  \"", "null"}) {
    auto doc = json::Document::Parse(IndieInput("{\"templateId\"", std::string("{\"templateHash\":") + h + ",\"templateId\""));
    EXPECT_TRUE(NormalizeGovernanceTemplate(doc->root(), false).ok()) << h;
    EXPECT_EQ(NormalizeGovernanceTemplate(doc->root(), true).status().message(), "template.templateHash is required");
  }
}

TEST(GovernanceTemplate, NamedLimits) {
  std::string tiers = "[";
  for (size_t i = 0; i <= kGovernanceTiersMax; ++i) {
    tiers += (i ? "," : "") + std::string(R"({"tierId":"t","maxAmountUsdCents":)") + std::to_string(25000 + i) +
             R"(,"requiredApprovers":0,"approverRole":"r"})";
  }
  tiers += "]";
  const std::string too_many = IndieInput(
      R"([{"approverRole":"none","maxAmountUsdCents":10000,"requiredApprovers":0,"tierId":"auto"},{"approverRole":"owner","maxAmountUsdCents":25000,"requiredApprovers":1,"tierId":"owner"}])",
      tiers);
  auto doc = json::Document::Parse(too_many);
  EXPECT_EQ(NormalizeGovernanceTemplate(doc->root(), false).status().message(),
            "template.controls.approvals.tiers must hold at most 64 tiers");
  const std::string long_name = IndieInput("\"name\":\"Indie Safe Default\"",
                                           "\"name\":\"" + std::string(kGovernanceTextMax + 1, 'n') + "\"");
  auto doc2 = json::Document::Parse(long_name);
  EXPECT_EQ(NormalizeGovernanceTemplate(doc2->root(), false).status().message(), "template.name must be at most 4096 bytes");
  // At the limit: accepted.
  auto doc3 = json::Document::Parse(
      IndieInput("\"name\":\"Indie Safe Default\"", "\"name\":\"" + std::string(kGovernanceTextMax, 'n') + "\""));
  EXPECT_TRUE(NormalizeGovernanceTemplate(doc3->root(), false).ok());
}

// conformance/vectors/governance-templates.json, shared with the Python and Node suites.
TEST(GovernanceTemplate, SharedVectors) {
  const std::string path = std::string(NOOTERRA_SOURCE_DIR) + "/conformance/vectors/governance-templates.json";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream text;
  text << in.rdbuf();
  auto doc = json::Document::Parse(text.str());
  ASSERT_TRUE(doc.ok()) << doc.status();
  const json::Value cases = doc->root().Find("cases");
  ASSERT_GE(cases.size(), 10u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const json::Value c = cases.at(i);
    const std::string name(c.Find("name").as_string());
    std::string tmpl;
    if (c.Find("template").is_string()) {
      auto starter = StarterGovernanceTemplate(c.Find("template").as_string(), "");
      ASSERT_TRUE(starter.ok() && starter->has_value()) << name;
      tmpl = **starter;
    } else {
      ASSERT_TRUE(json::AppendCanonical(c.Find("template"), &tmpl).ok());
    }
    std::string request;
    ASSERT_TRUE(json::AppendCanonical(c.Find("request"), &request).ok());
    const Outcome o = Eval(tmpl, request);
    EXPECT_EQ(Member(o.json, "decision"), "\"" + std::string(c.Find("decision").as_string()) + "\"") << name;
    std::string codes;
    auto d = json::Document::Parse(o.json);
    const json::Value issues = d->root().Find("blockingIssues");
    for (size_t k = 0; k < issues.size(); ++k) codes += std::string(k ? "," : "") + std::string(issues.at(k).Find("code").as_string());
    std::string expected_codes;
    const json::Value want = c.Find("blockingCodes");
    for (size_t k = 0; k < want.size(); ++k) expected_codes += std::string(k ? "," : "") + std::string(want.at(k).as_string());
    EXPECT_EQ(codes, expected_codes) << name;
    if (c.Find("matchedApprovalTierId").present()) {
      std::string tier;
      ASSERT_TRUE(json::AppendCanonical(c.Find("matchedApprovalTierId"), &tier).ok());
      EXPECT_EQ(Member(o.json, "matchedApprovalTierId"), tier) << name;
    } else {
      EXPECT_FALSE(d->root().Find("matchedApprovalTierId").present()) << name;
      EXPECT_EQ(issues.at(0).Find("message").as_string(), c.Find("message").as_string()) << name;
    }
  }
}

}  // namespace
}  // namespace nooterra::policy
