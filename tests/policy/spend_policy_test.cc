// The unified spend policy (include/nooterra/spend_policy.h): every rule kind and reason code at
// its boundary (exactly at a cap, one unit over), precedence between several failing rules,
// rolling-window edges in time, window scopes, normal form and hash, validation errors naming the
// JSON path, and sharing a compiled policy between threads. Expected outcomes come from the
// header's table, written down here by hand.
#include "nooterra/spend_policy.h"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/status.h"

namespace nooterra::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00.000Z
constexpr int64_t kHour = 3600000;

SpendPolicy Compile(std::string_view text) {
  auto doc = json::Document::Parse(text);
  EXPECT_TRUE(doc.ok()) << doc.status();
  auto p = SpendPolicy::Compile(doc->root());
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *std::move(p) : *SpendPolicy::Compile(json::Document::Parse(R"({"schemaVersion":"SpendPolicy.v1"})")->root());
}

absl::Status CompileError(std::string_view text) {
  auto doc = json::Document::Parse(text);
  EXPECT_TRUE(doc.ok()) << doc.status();
  return SpendPolicy::Compile(doc->root()).status();
}

SpendRequest Request(int64_t amount = 100) {
  SpendRequest r;
  r.amount_cents = amount;
  r.currency = "USD";
  r.payer_agent_id = "agt_payer";
  r.counterparty_agent_id = "agt_tool";
  r.tool_id = "tool_search";
  r.provider_id = "prov_a";
  r.agreement_hash = std::string(64, 'a');
  return r;
}

SpendHistory::Spend Past(int64_t at_ms, int64_t amount, std::string counterparty = "agt_tool",
                         std::string agreement = std::string(64, 'a'), std::string payer = "agt_payer",
                         std::string currency = "USD") {
  return {at_ms, amount, std::move(payer), std::move(currency), std::move(counterparty), std::move(agreement)};
}

struct Outcome {
  SpendOutcome outcome;
  std::vector<std::string> reasons;
  std::string json;
};
Outcome Eval(const SpendPolicy& p, const SpendRequest& r, const SpendHistory& h = {}) {
  auto d = p.Evaluate(r, h, kNow);
  EXPECT_TRUE(d.ok()) << d.status();
  if (!d.ok()) return {SpendOutcome::kDeny, {"EVALUATION_FAILED"}, ""};
  return {d->outcome, std::vector<std::string>(d->reasons.begin(), d->reasons.end()), d->json};
}

// One rule at a time: exactly at the boundary passes, one unit beyond fires exactly `code`.
struct Boundary {
  const char* policy;
  std::function<void(SpendRequest*, bool over)> set;
  const char* code;
  SpendOutcome outcome;
};

TEST(SpendPolicy, EveryRuleAtItsBoundary) {
  const Boundary cases[] = {
      {R"("currency":"USD")", [](SpendRequest* r, bool over) { r->currency = over ? "EUR" : "USD"; },
       "SPEND_CURRENCY_MISMATCH", SpendOutcome::kDeny},
      {R"("deny":{"tools":["tool_bad"]})", [](SpendRequest* r, bool over) { r->tool_id = over ? "tool_bad" : "tool_bad2"; },
       "SPEND_DENYLISTED_TOOL", SpendOutcome::kDeny},
      {R"("deny":{"providers":["prov_bad"]})", [](SpendRequest* r, bool over) { r->provider_id = over ? "prov_bad" : "prov_ok"; },
       "SPEND_DENYLISTED_PROVIDER", SpendOutcome::kDeny},
      {R"("deny":{"counterparties":["agt_evil"]})",
       [](SpendRequest* r, bool over) { r->counterparty_agent_id = over ? "agt_evil" : "agt_tool"; },
       "SPEND_DENYLISTED_COUNTERPARTY", SpendOutcome::kDeny},
      {R"("allow":{"tools":["tool_search"]})", [](SpendRequest* r, bool over) { r->tool_id = over ? "tool_other" : "tool_search"; },
       "SPEND_TOOL_NOT_ALLOWED", SpendOutcome::kDeny},
      {R"("allow":{"providers":["prov_a"]})", [](SpendRequest* r, bool over) { r->provider_id = over ? "" : "prov_a"; },
       "SPEND_PROVIDER_NOT_ALLOWED", SpendOutcome::kDeny},
      {R"("allow":{"counterparties":["agt_tool"]})",
       [](SpendRequest* r, bool over) { r->counterparty_agent_id = over ? "agt_other" : "agt_tool"; },
       "SPEND_COUNTERPARTY_NOT_ALLOWED", SpendOutcome::kDeny},
      {R"("maxPerCallCents":500)", [](SpendRequest* r, bool over) { r->amount_cents = over ? 501 : 500; },
       "SPEND_MAX_PER_CALL", SpendOutcome::kDeny},
      {R"("delegation":{"maxDepth":2})", [](SpendRequest* r, bool over) { r->delegation_depth = over ? 3 : 2; },
       "SPEND_DELEGATION_DEPTH", SpendOutcome::kDeny},
      {R"("delegation":{"maxDelegatedCents":300})",
       [](SpendRequest* r, bool over) {
         r->delegation_depth = 1;
         r->amount_cents = over ? 301 : 300;
       },
       "SPEND_DELEGATED_BUDGET", SpendOutcome::kDeny},
      {R"("delegation":{})",
       [](SpendRequest* r, bool over) {
         r->delegation_depth = 1;
         r->delegated_budget_cents = 250;
         r->amount_cents = over ? 251 : 250;
       },
       "SPEND_DELEGATED_BUDGET", SpendOutcome::kDeny},
      {R"("risk":{"denyAtScore":90})", [](SpendRequest* r, bool over) { r->risk_score = over ? 90 : 89; },
       "SPEND_RISK_SCORE", SpendOutcome::kDeny},
      {R"("risk":{"denySignals":["SANCTIONED"]})",
       [](SpendRequest* r, bool over) { r->risk_signals = {over ? "SANCTIONED" : "NEW_COUNTERPARTY"}; },
       "SPEND_RISK_SIGNAL", SpendOutcome::kDeny},
      {R"("approval":{"aboveCents":1000})", [](SpendRequest* r, bool over) { r->amount_cents = over ? 1001 : 1000; },
       "SPEND_APPROVAL_REQUIRED", SpendOutcome::kEscalate},
      {R"("risk":{"challengeAtScore":70})", [](SpendRequest* r, bool over) { r->risk_score = over ? 70 : 69; },
       "SPEND_RISK_SCORE_CHALLENGE", SpendOutcome::kChallenge},
      {R"("risk":{"challengeSignals":["NEW_COUNTERPARTY"]})",
       [](SpendRequest* r, bool over) { r->risk_signals = {over ? "NEW_COUNTERPARTY" : "KNOWN"}; },
       "SPEND_RISK_SIGNAL_CHALLENGE", SpendOutcome::kChallenge},
  };
  for (const Boundary& c : cases) {
    SCOPED_TRACE(c.code);
    const SpendPolicy p = Compile(std::string(R"({"schemaVersion":"SpendPolicy.v1",)") + c.policy + "}");
    SpendRequest at = Request(), over = Request();
    c.set(&at, false);
    c.set(&over, true);
    Outcome allowed = Eval(p, at);
    EXPECT_EQ(allowed.outcome, SpendOutcome::kAllow);
    EXPECT_THAT(allowed.reasons, IsEmpty());
    Outcome fired = Eval(p, over);
    EXPECT_EQ(fired.outcome, c.outcome);
    EXPECT_THAT(fired.reasons, ElementsAre(c.code));
  }
}

TEST(SpendPolicy, WindowsCapEachScopeInclusively) {
  const SpendPolicy p = Compile(R"({"schemaVersion":"SpendPolicy.v1","windows":[
      {"scope":"payer","windowMs":3600000,"maxCents":1000},
      {"scope":"counterparty","windowMs":3600000,"maxCents":600},
      {"scope":"agreement","windowMs":86400000,"maxCents":400}]})");
  SpendHistory h;
  h.Add(Past(kNow - 10, 300));                                     // this counterparty, this agreement
  h.Add(Past(kNow - 20, 200, "agt_other", std::string(64, 'b')));  // payer only
  h.Add(Past(kNow - 30, 999, "agt_tool", std::string(64, 'a'), "agt_someone_else"));  // another payer
  h.Add(Past(kNow - 40, 999, "agt_tool", std::string(64, 'a'), "agt_payer", "EUR"));  // another currency
  // payer 500 spent, counterparty 300, agreement 300.
  EXPECT_EQ(Eval(p, Request(100), h).outcome, SpendOutcome::kAllow);  // agreement 400 = cap
  EXPECT_THAT(Eval(p, Request(101), h).reasons, ElementsAre("SPEND_WINDOW_AGREEMENT"));
  SpendRequest other_agreement = Request(300);  // counterparty 600 = cap, payer 800
  other_agreement.agreement_hash = std::string(64, 'c');
  EXPECT_EQ(Eval(p, other_agreement, h).outcome, SpendOutcome::kAllow);
  other_agreement.amount_cents = 301;
  EXPECT_THAT(Eval(p, other_agreement, h).reasons, ElementsAre("SPEND_WINDOW_COUNTERPARTY"));
  SpendRequest elsewhere = Request(500);  // a new counterparty: payer 1000 = cap
  elsewhere.counterparty_agent_id = "agt_new";
  elsewhere.agreement_hash = "";
  EXPECT_EQ(Eval(p, elsewhere, h).outcome, SpendOutcome::kAllow);
  elsewhere.amount_cents = 501;
  EXPECT_THAT(Eval(p, elsewhere, h).reasons, ElementsAre("SPEND_WINDOW_PAYER"));
  // All three at once, in table order.
  EXPECT_THAT(Eval(p, Request(1000), h).reasons,
              ElementsAre("SPEND_WINDOW_PAYER", "SPEND_WINDOW_COUNTERPARTY", "SPEND_WINDOW_AGREEMENT"));
}

TEST(SpendPolicy, RollingWindowEdgesInTime) {
  const SpendPolicy p = Compile(
      R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":3600000,"maxCents":100}]})");
  const auto with_spend_at = [&](int64_t at) {
    SpendHistory h;
    h.Add(Past(at, 100));
    return Eval(p, Request(1), h).outcome;
  };
  EXPECT_EQ(with_spend_at(kNow - kHour), SpendOutcome::kAllow);     // exactly windowMs ago: left the window
  EXPECT_EQ(with_spend_at(kNow - kHour + 1), SpendOutcome::kDeny);  // one ms later: still inside
  EXPECT_EQ(with_spend_at(kNow), SpendOutcome::kDeny);              // at now: inside
  EXPECT_EQ(with_spend_at(kNow + 1), SpendOutcome::kAllow);         // after now: not yet spent
}

TEST(SpendPolicy, PrecedenceDenyOverEscalateOverChallenge) {
  const SpendPolicy p = Compile(R"({"schemaVersion":"SpendPolicy.v1","maxPerCallCents":500,
      "approval":{"aboveCents":100},"risk":{"challengeAtScore":50,"challengeSignals":["NEW_COUNTERPARTY"]},
      "deny":{"tools":["tool_search"]}})");
  SpendRequest r = Request(600);
  r.risk_score = 60;
  r.risk_signals = {"NEW_COUNTERPARTY"};
  Outcome all = Eval(p, r);
  EXPECT_EQ(all.outcome, SpendOutcome::kDeny);
  EXPECT_THAT(all.reasons, ElementsAre("SPEND_DENYLISTED_TOOL", "SPEND_MAX_PER_CALL", "SPEND_APPROVAL_REQUIRED",
                                       "SPEND_RISK_SCORE_CHALLENGE", "SPEND_RISK_SIGNAL_CHALLENGE"));
  r.tool_id = "tool_fine";
  r.amount_cents = 400;
  Outcome escalated = Eval(p, r);
  EXPECT_EQ(escalated.outcome, SpendOutcome::kEscalate);
  EXPECT_THAT(escalated.reasons,
              ElementsAre("SPEND_APPROVAL_REQUIRED", "SPEND_RISK_SCORE_CHALLENGE", "SPEND_RISK_SIGNAL_CHALLENGE"));
  r.amount_cents = 100;
  EXPECT_EQ(Eval(p, r).outcome, SpendOutcome::kChallenge);
  r.risk_score = 49;
  r.risk_signals.clear();
  EXPECT_EQ(Eval(p, r).outcome, SpendOutcome::kAllow);
}

TEST(SpendPolicy, DelegationBudgetIsTheLowerOfRequestAndPolicy) {
  const SpendPolicy p = Compile(R"({"schemaVersion":"SpendPolicy.v1","delegation":{"maxDelegatedCents":300}})");
  SpendRequest r = Request(250);
  r.delegation_depth = 1;
  r.delegated_budget_cents = 200;  // lower than the policy's 300
  EXPECT_THAT(Eval(p, r).reasons, ElementsAre("SPEND_DELEGATED_BUDGET"));
  r.delegated_budget_cents = 1000;  // the policy's 300 applies
  EXPECT_EQ(Eval(p, r).outcome, SpendOutcome::kAllow);
  r.amount_cents = 301;
  EXPECT_THAT(Eval(p, r).reasons, ElementsAre("SPEND_DELEGATED_BUDGET"));
  r.delegation_depth = 0;  // acting for itself: no delegated budget
  EXPECT_EQ(Eval(p, r).outcome, SpendOutcome::kAllow);
}

TEST(SpendPolicy, DecisionBytesAndNormalForm) {
  const SpendPolicy p = Compile(R"({"windows":[{"windowMs":60000,"maxCents":50,"scope":"counterparty"},
      {"maxCents":900,"scope":"payer","windowMs":3600000},{"maxCents":900,"scope":"payer","windowMs":3600000}],
      "allow":{"tools":["b","a","b"]},"schemaVersion":"SpendPolicy.v1","currency":"USD","risk":null})");
  const std::string normal =
      R"({"allow":{"tools":["a","b"]},"currency":"USD","schemaVersion":"SpendPolicy.v1","windows":[)"
      R"({"maxCents":900,"scope":"payer","windowMs":3600000},{"maxCents":50,"scope":"counterparty","windowMs":60000}]})";
  EXPECT_EQ(p.normalized(), normal);
  EXPECT_EQ(p.hash(), crypto::Sha256Hex(normal));
  SpendHistory h;
  h.Add(Past(kNow - 1000, 40));
  SpendRequest r = Request(20);
  r.tool_id = "a";
  auto d = p.Evaluate(r, h, kNow);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->json, R"({"amountCents":20,"outcome":"deny","policyHash":")" + crypto::Sha256Hex(normal) +
                         R"(","reasons":["SPEND_WINDOW_COUNTERPARTY"],"windows":[)"
                         R"({"afterCents":60,"key":"","maxCents":900,"scope":"payer","spentCents":40,"windowMs":3600000},)"
                         R"({"afterCents":60,"key":"agt_tool","maxCents":50,"scope":"counterparty","spentCents":40,"windowMs":60000}]})");
  // The decision is canonical JSON already.
  EXPECT_EQ(*json::Canonicalize(d->json), d->json);
}

TEST(SpendPolicy, InvalidDocumentsNameThePath) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([])", "spendPolicy must be an object"},
      {R"({"schemaVersion":"SpendPolicy.v2"})", "spendPolicy.schemaVersion"},
      {R"({"schemaVersion":"SpendPolicy.v1","maxPerCall":5})", "spendPolicy.maxPerCall is not a member"},
      {R"({"schemaVersion":"SpendPolicy.v1","maxPerCallCents":-1})", "spendPolicy.maxPerCallCents"},
      {R"({"schemaVersion":"SpendPolicy.v1","maxPerCallCents":1.5})", "spendPolicy.maxPerCallCents"},
      {R"({"schemaVersion":"SpendPolicy.v1","currency":"usd"})", "spendPolicy.currency"},
      {R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":1,"maxCents":1},{"scope":"payer","windowMs":0,"maxCents":1}]})",
       "spendPolicy.windows[1].windowMs"},
      {R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"tenant","windowMs":1,"maxCents":1}]})",
       "spendPolicy.windows[0].scope"},
      {R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":1,"maxCents":1,"x":1}]})",
       "spendPolicy.windows[0].x is not a member"},
      {R"({"schemaVersion":"SpendPolicy.v1","allow":{"tools":["a",7]}})", "spendPolicy.allow.tools[1]"},
      {R"({"schemaVersion":"SpendPolicy.v1","deny":{"agents":[]}})", "spendPolicy.deny.agents is not a member"},
      {R"({"schemaVersion":"SpendPolicy.v1","delegation":{"maxDepth":65}})", "spendPolicy.delegation.maxDepth"},
      {R"({"schemaVersion":"SpendPolicy.v1","risk":{"denyAtScore":101}})", "spendPolicy.risk.denyAtScore"},
      {R"({"schemaVersion":"SpendPolicy.v1","approval":{"aboveCents":"100"}})", "spendPolicy.approval.aboveCents"},
  };
  for (const auto& [text, path] : cases) {
    SCOPED_TRACE(text);
    absl::Status s = CompileError(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(StatusReason(s), "POLICY_INVALID");
    EXPECT_THAT(std::string(s.message()), HasSubstr(path));
  }
  // Named limit: at most kSpendWindowsMax windows.
  std::string many = R"({"schemaVersion":"SpendPolicy.v1","windows":[)";
  for (size_t i = 0; i <= kSpendWindowsMax; ++i) {
    many += (i ? "," : "") + std::string(R"({"scope":"payer","windowMs":)") + std::to_string(i + 1) + R"(,"maxCents":1})";
  }
  EXPECT_THAT(std::string(CompileError(many + "]}").message()), HasSubstr("at most 16 windows"));
}

TEST(SpendPolicy, RequestsAndHistoriesAreValidated) {
  const std::pair<const char*, const char*> bad_requests[] = {
      {R"({"amountCents":0,"currency":"USD","payerAgentId":"a","counterpartyAgentId":"b"})", "request.amountCents"},
      {R"({"amountCents":1,"currency":"US","payerAgentId":"a","counterpartyAgentId":"b"})", "request.currency"},
      {R"({"amountCents":1,"currency":"USD","counterpartyAgentId":"b"})", "request.payerAgentId is required"},
      {R"({"amountCents":1,"currency":"USD","payerAgentId":"a","counterpartyAgentId":"b","tip":1})", "request.tip"},
      {R"({"amountCents":1,"currency":"USD","payerAgentId":"a","counterpartyAgentId":"b","riskScore":101})", "request.riskScore"},
      {R"({"amountCents":1,"currency":"USD","payerAgentId":"a","counterpartyAgentId":"b","delegationDepth":-1})",
       "request.delegationDepth"},
  };
  for (const auto& [text, what] : bad_requests) {
    SCOPED_TRACE(text);
    auto s = ParseSpendRequest(json::Document::Parse(text)->root()).status();
    EXPECT_EQ(StatusReason(s), "SPEND_REQUEST_INVALID");
    EXPECT_THAT(std::string(s.message()), HasSubstr(what));
  }
  auto ok = ParseSpendRequest(json::Document::Parse(
      R"({"amountCents":5,"currency":"USD","payerAgentId":"a","counterpartyAgentId":"b","riskSignals":["y","x","y"]})")->root());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->risk_signals, ElementsAre("x", "y"));
  auto history = SpendHistory::Parse(json::Document::Parse(
      R"([{"at":"2026-01-01T00:00:00Z","amountCents":5,"payerAgentId":"a","currency":"USD","counterpartyAgentId":"b"},
          {"at":"yesterday","amountCents":5,"payerAgentId":"a","currency":"USD","counterpartyAgentId":"b"}])")->root());
  EXPECT_EQ(StatusReason(history.status()), "SPEND_HISTORY_INVALID");
  EXPECT_THAT(std::string(history.status().message()), HasSubstr("spends[1] at"));
}

TEST(SpendPolicy, ACompiledPolicyIsSharedBetweenThreads) {
  const SpendPolicy p = Compile(R"({"schemaVersion":"SpendPolicy.v1","maxPerCallCents":500,
      "windows":[{"scope":"payer","windowMs":3600000,"maxCents":1000}],"approval":{"aboveCents":200}})");
  SpendHistory h;
  for (int i = 0; i < 100; ++i) h.Add(Past(kNow - i * 1000, 5));
  const std::string expected = Eval(p, Request(300), h).json;
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto d = p.Evaluate(Request(300), h, kNow);
        if (!d.ok() || d->json != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_THAT(expected, HasSubstr(R"("outcome":"escalate")"));
}

}  // namespace
}  // namespace nooterra::policy
