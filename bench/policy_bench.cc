// The unified spend policy (issue 6): one decision of a 20-rule SpendPolicy.v1 without ledger
// access (goal: at most 2 µs); the same policy summing its rolling windows over 1,000 past spends
// held in memory (a SpendHistory, what the C ABI evaluates against); and over the store's spend
// log with 1,000 funded agreements in the last day (goal: at most 10 µs), in one read transaction.
#include <string>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "harness.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/spend_policy.h"
#include "nooterra/store.h"

namespace nooterra::bench {

namespace {

// "YYYY-MM-DDTHH:MM:SS.sssZ" of a UTC instant (a pure conversion, no clock).
std::string IsoMs(int64_t ms) {
  const time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm t;
  gmtime_r(&seconds, &t);
  char buf[96];  // room for any int fields: GCC's -Wformat-truncation checks that
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

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

  // The ledger: 1,000 agreements funded one a minute over the last ~17 hours (3 counterparties),
  // decided at an instant on no minute, hour or day boundary (10:37:12.345): windows ending on a
  // boundary are cheaper to sum (see LedgerSpendView), and real decisions are not aligned.
  const int64_t ledger_now = now + 10 * 3600000 + 37 * 60000 + 12345;
  char tmpl[] = "/tmp/nooterra-policy-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  const std::string dir = tmpl;
  {
    store::Options o;
    o.durable = false;
    auto db = store::Store::Open(dir + "/s", o);
    if (!db.ok()) return;
    agreement::Kernel kernel(db->get());
    const std::string pem = crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view("policy bench")))
                                ->public_key()
                                .ToPem();
    bool ok = kernel.RegisterAgent("bench", "agt_payer", pem).ok() && kernel.Deposit("bench", "agt_payer", "USD", 100000000, "dep").ok();
    for (int c = 0; c < 3; ++c) ok = ok && kernel.RegisterAgent("bench", "counterparties_" + std::to_string(6 + c), pem).ok();
    std::vector<agreement::BatchOp> ops;
    for (int i = 0; i < 1000 && ok; ++i) {
      auto created = kernel.CreateAgreement("bench",
          R"({"agreement":{"toolId":"tools_7","callId":"call_)" + std::to_string(i) +
          R"(","manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d","input":{},)"
          R"("settlementTerms":{"amountCents":7,"currency":"USD"},"payerAgentId":"agt_payer","payeeAgentId":"counterparties_)" +
          std::to_string(6 + i % 3) + R"("},"holdbackBps":0,"challengeWindowMs":0})", "2025-12-31T00:00:00Z", "c" + std::to_string(i));
      if (!created.ok()) return;
      const size_t at = created->json.find("\"agreementHash\":\"") + 17;
      const int64_t minutes_ago = 1000 - i;
      ops.push_back({agreement::Operation::kFund, created->json.substr(at, 64), "",
                     IsoMs(ledger_now - minutes_ago * 60000), "f" + std::to_string(i)});
    }
    if (!ok || !kernel.ApplyBatch("bench", ops).ok()) return;
    request.agreement_hash = std::string(64, 'a');
    const double ledger = MeasureRate(config, [&](uint64_t n) {
      (void)(*db)->Read([&](const store::ReadTxn& txn) {
        auto view = agreement::Kernel::SpendLogView(txn, "bench");
        for (uint64_t i = 0; i < n; ++i) DoNotOptimize(policy->Evaluate(request, *view, ledger_now));
        return absl::OkStatus();
      });
    });
    report->Add("policy_decision_ledger_p50_ns", 1e9 / ledger,
                "the same decision, its 5 rolling windows summed from the store's spend log (1,000 locks "
                "in the last day, decided at an unaligned instant) in one read transaction (goal <= 10000 ns)");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace nooterra::bench
