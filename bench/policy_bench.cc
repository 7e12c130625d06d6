// The unified spend policy (issue 6): one decision of a 20-rule SpendPolicy.v1 without ledger
// access (goal: at most 2 µs), and the same policy summing its rolling windows over 1,000 past
// spends held in memory (a SpendHistory; the store-backed view is not built yet).
#include <string>

#include "harness.h"
#include "nooterra/json.h"
#include "nooterra/spend_policy.h"

namespace nooterra::bench {

namespace {

// 20 rules: currency, per-call cap, 3 deny lists, 3 allow lists, 5 windows, 2 delegation limits,
// approval, 4 risk rules.
std::string TwentyRulePolicy() {
  std::string lists;
  for (const char* kind : {"tools", "providers", "counterparties"}) {
    lists += std::string(lists.empty() ? "" : ",") + "\"" + kind + "\":[";
    for (int i = 0; i < 50; ++i) lists += (i ? ",\"" : "\"") + std::string(kind) + "_" + std::to_string(i) + "\"";
    lists += "]";
  }
  return R"({"schemaVersion":"SpendPolicy.v1","currency":"USD","maxPerCallCents":5000,)"
         R"("deny":{)" + lists + R"(},"allow":{)" + lists + R"(},)"
         R"("windows":[{"scope":"payer","windowMs":3600000,"maxCents":100000},)"
         R"({"scope":"payer","windowMs":86400000,"maxCents":500000},)"
         R"({"scope":"counterparty","windowMs":3600000,"maxCents":20000},)"
         R"({"scope":"counterparty","windowMs":86400000,"maxCents":50000},)"
         R"({"scope":"agreement","windowMs":86400000,"maxCents":10000}],)"
         R"("delegation":{"maxDepth":3,"maxDelegatedCents":2500},"approval":{"aboveCents":2000},)"
         R"("risk":{"denyAtScore":90,"challengeAtScore":70,"denySignals":["SANCTIONED"],"challengeSignals":["NEW_COUNTERPARTY"]}})";
}

}  // namespace

void RunPolicyBenches(const Config& config, Report* report) {
  auto doc = json::Document::Parse(TwentyRulePolicy());
  if (!doc.ok()) return;
  auto policy = policy::SpendPolicy::Compile(doc->root());
  if (!policy.ok()) return;
  policy::SpendRequest request;
  request.amount_cents = 1500;
  request.currency = "USD";
  request.payer_agent_id = "agt_payer";
  request.counterparty_agent_id = "counterparties_7";
  request.tool_id = "tools_7";
  request.provider_id = "providers_7";
  request.agreement_hash = std::string(64, 'a');
  request.delegation_depth = 1;
  request.risk_score = 40;
  request.risk_signals = {"KNOWN_COUNTERPARTY"};
  const int64_t now = 1767225600000;
  const policy::SpendHistory empty;
  const double rate = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(policy->Evaluate(request, empty, now));
  });
  report->Add("policy_decision_p50_ns", 1e9 / rate,
              "one SpendPolicy.v1 decision, 20 rules, no past spends (median round; goal <= 2000 ns)");
  policy::SpendHistory history;
  for (int i = 0; i < 1000; ++i) {
    history.Add({now - int64_t{i} * 60000, 7, "agt_payer", "USD", i % 3 ? "counterparties_7" : "counterparties_8",
                 i % 5 ? std::string(64, 'a') : std::string(64, 'b')});
  }
  const double with_history = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(policy->Evaluate(request, history, now));
  });
  report->Add("policy_decision_history1k_p50_ns", 1e9 / with_history,
              "the same decision, its 5 rolling windows summed over 1,000 past spends in memory");
}

}  // namespace nooterra::bench
