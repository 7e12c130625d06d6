// Agent wallet policies in the kernel: Kernel::SetWalletPolicy and the check every escrow lock
// runs (include/nooterra/agreement.h; 05-policy-evaluation.md §3).
//
// Records (per tenant):
//   kObjects "walletpolicy/<agentId>"       the policy's normal form (policy::WalletPolicyJson)
//   kIndex   "spent/<agentId>/<YYYY-MM-DD>"  cents locked by the agent that UTC day (decimal)
//   kIndex   "spendlog/<agentId>/<currency>/<time>/<spendId>"  one entry per lock:
//            "<amount>\t<counterparty>\t<agreementHash>"; <time> = ms + 9e15, 17 digits, so
//            keys sort by time and a rolling window is one range scan
// Both are written in the locking transaction itself, which is what makes every cap hold under
// concurrency: two locks cannot both read the old total. Spend windows count the locks recorded
// since the spend log exists (stores written before it undercount their earlier locks).
#include <charconv>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;

namespace {

// "YYYY-MM-DD" of a UTC instant in milliseconds (civil-from-days, Howard Hinnant).
std::string UtcDay(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

constexpr int64_t kSpendTimeOffset = 9000000000000000;  // > the ECMAScript time range (8.64e15)

std::string SpendTimeKey(int64_t ms) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%017lld", static_cast<long long>(ms + kSpendTimeOffset));
  return buf;
}

// The spend log as the spend policy's SpendView, read inside the locking transaction.
class LedgerSpendView : public policy::SpendView {
 public:
  LedgerSpendView(const store::ReadTxn& txn, std::string_view tenant) : txn_(txn), tenant_(tenant) {}
  absl::StatusOr<int64_t> Spent(std::string_view payer, std::string_view currency, policy::WindowScope scope,
                                std::string_view key, int64_t from_ms, int64_t to_ms) const override {
    const std::string prefix = StrCat("spendlog/", payer, "/", currency, "/");
    const std::string last = SpendTimeKey(to_ms);
    int64_t sum = 0;
    absl::Status inner;
    absl::Status scanned = txn_.Scan(store::Table::kIndex, tenant_, prefix, SpendTimeKey(from_ms + 1),
                                     [&](std::string_view k, std::string_view v) {
      const std::string_view time = k.substr(prefix.size(), 17);
      if (time > last) return false;  // past the window's end
      const size_t tab1 = v.find('\t'), tab2 = tab1 == std::string_view::npos ? tab1 : v.find('\t', tab1 + 1);
      int64_t amount = 0;
      if (tab2 == std::string_view::npos ||
          std::from_chars(v.data(), v.data() + tab1, amount).ec != std::errc()) {
        inner = Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend-log entry ", k, " does not parse"));
        return false;
      }
      if (scope == policy::WindowScope::kCounterparty && v.substr(tab1 + 1, tab2 - tab1 - 1) != key) return true;
      if (scope == policy::WindowScope::kAgreement && v.substr(tab2 + 1) != key) return true;
      if (__builtin_add_overflow(sum, amount, &sum)) {
        inner = Error(Code::kOutOfRange, "SPEND_OVERFLOW", "the spends in a window overflow int64");
        return false;
      }
      return true;
    });
    if (!inner.ok()) return inner;
    if (!scanned.ok()) return scanned;
    return sum;
  }

 private:
  const store::ReadTxn& txn_;
  std::string_view tenant_;
};

}  // namespace

namespace internal {

absl::Status EnforceWalletPolicy(store::WriteTxn& txn, std::string_view tenant, std::string_view payer,
                                 int64_t amount, std::string_view at, const SpendContext& spend, bool approved,
                                 bool* can_escalate) {
  if (can_escalate != nullptr) *can_escalate = false;
  auto at_ms = TimeMs(at, "the lock time");
  if (!at_ms.ok()) return at_ms.status();
  const std::string spent_key = StrCat("spent/", payer, "/", UtcDay(*at_ms));
  auto spent_text = txn.Get(store::Table::kIndex, tenant, spent_key);
  if (!spent_text.ok()) return spent_text.status();
  int64_t spent = 0;
  if (spent_text->has_value() &&
      std::from_chars((*spent_text)->data(), (*spent_text)->data() + (*spent_text)->size(), spent).ec != std::errc()) {
    return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend counter ", spent_key, " does not parse"));
  }
  auto stored = txn.Get(store::Table::kObjects, tenant, StrCat("walletpolicy/", payer));
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    auto doc = json::Document::Parse(**stored);
    if (!doc.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "wallet policy record does not parse");
    auto policy = policy::ParseWalletPolicy(doc->root());
    if (!policy.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "wallet policy record is invalid");
    if (approved) policy->require_approval_above_cents.reset();
    const std::string_view blocked = policy::CheckWalletPolicy(*policy, amount, spent);
    if (!blocked.empty()) {
      if (can_escalate != nullptr) {
        *can_escalate = blocked == "WALLET_POLICY_APPROVAL_REQUIRED" && !policy->approver_agent_ids.empty();
      }
      return Error(Code::kFailedPrecondition, blocked,
                   StrCat("wallet policy of ", payer, " blocks locking ", amount, " (spent ", spent, " on ",
                          UtcDay(*at_ms), "; policy ", policy::WalletPolicyJson(*policy), ")"));
    }
    if (policy->spend_policy) {
      policy::SpendRequest request;
      request.amount_cents = amount;
      request.currency = std::string(spend.currency);
      request.payer_agent_id = std::string(payer);
      request.counterparty_agent_id = std::string(spend.counterparty);
      request.agreement_hash = std::string(spend.agreement_hash);
      if (spend.tool_from_agreement) {
        auto agreement = LoadObject(txn, tenant, objects::ObjectType::kToolCallAgreement,
                                    StrCat("agreement/", spend.agreement_hash));
        if (!agreement.ok()) return agreement.status();
        if (agreement->has_value()) request.tool_id = S((*agreement)->body, "toolId");
      }
      auto decision = policy->spend_policy->Evaluate(request, LedgerSpendView(txn, tenant), *at_ms);
      if (!decision.ok()) return decision.status();
      // An approver's approval answers escalate and challenge reasons; it never lifts a deny.
      std::string_view blocking;
      bool only_reviewable = true;
      for (std::string_view reason : decision->reasons) {
        const bool deny = policy::SpendReasonClass(reason) == policy::SpendOutcome::kDeny;
        if (deny || !approved) {
          if (blocking.empty()) blocking = reason;
          only_reviewable = only_reviewable && !deny;
        }
      }
      if (!blocking.empty()) {
        if (can_escalate != nullptr) *can_escalate = only_reviewable && !policy->approver_agent_ids.empty();
        return Error(Code::kFailedPrecondition, blocking,
                     StrCat("spend policy of ", payer, " decides ", policy::SpendOutcomeName(decision->outcome),
                            " for locking ", amount, ": ", decision->json));
      }
    }
  }
  if (spent > ledger::kAmountMax - amount) {
    return Error(Code::kOutOfRange, "LEDGER_OVERFLOW", StrCat("the daily spend of ", payer, " overflows"));
  }
  if (absl::Status s = txn.Put(store::Table::kIndex, tenant, spent_key, StrCat(spent + amount)); !s.ok()) return s;
  // Put, not Insert: a lock that is refused later in this transaction (a second hold for the
  // same call) must fail with its own reason, and its transaction discards this entry anyway.
  return txn.Put(store::Table::kIndex, tenant,
                    StrCat("spendlog/", payer, "/", spend.currency, "/", SpendTimeKey(*at_ms), "/", spend.spend_id),
                    StrCat(amount, "\t", spend.counterparty, "\t", spend.agreement_hash));
}

}  // namespace internal

absl::StatusOr<Result> Kernel::SetWalletPolicy(std::string_view tenant, std::string_view agent_id,
                                               std::string_view policy_json, std::string_view idempotency_key) {
  auto doc = ParseRequest(policy_json);
  if (!doc.ok()) return doc.status();
  auto policy = policy::ParseWalletPolicy(doc->root());
  if (!policy.ok()) return policy.status();
  const std::string normal = policy::WalletPolicyJson(*policy);
  const std::string request = StrCat(R"({"agentId":)", Canonical(T(std::string(agent_id))), R"(,"walletPolicy":)", normal, "}");
  return Run(store_, batch_, tenant, idempotency_key, "", "setWalletPolicy", request,
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    if (auto agent = LoadAgent(txn, tenant, agent_id); !agent.ok()) return agent.status();
    if (auto w = txn.Put(store::Table::kObjects, tenant, StrCat("walletpolicy/", agent_id), normal); !w.ok()) return w;
    return request;
  });
}

absl::StatusOr<std::string> Kernel::SimulateSpendPolicy(std::string_view tenant, std::string_view payer,
                                                       std::string_view candidate_policy_json) const {
  auto doc = ParseRequest(candidate_policy_json);
  if (!doc.ok()) return doc.status();
  auto candidate = policy::SpendPolicy::Compile(doc->root());
  if (!candidate.ok()) return candidate.status();
  std::string locks = "[";
  int64_t total = 0, blocked = 0;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    const std::string prefix = StrCat("spendlog/", payer, "/");
    std::vector<std::pair<std::string, std::string>> entries;  // (key after the prefix, value)
    absl::Status scanned = txn.Scan(store::Table::kIndex, tenant, prefix, [&](std::string_view k, std::string_view v) {
      entries.emplace_back(std::string(k.substr(prefix.size())), std::string(v));
      return true;
    });
    if (!scanned.ok()) return scanned;
    policy::SpendHistory history;  // the locks before the one evaluated
    for (const auto& [rest, value] : entries) {
      // rest = <currency>/<time>/<spendId>; value = <amount>\t<counterparty>\t<agreementHash>
      const size_t slash1 = rest.find('/'), slash2 = slash1 == std::string::npos ? slash1 : rest.find('/', slash1 + 1);
      const size_t tab1 = value.find('\t'), tab2 = tab1 == std::string::npos ? tab1 : value.find('\t', tab1 + 1);
      int64_t time_key = 0, amount = 0;
      if (slash2 == std::string::npos || tab2 == std::string::npos ||
          std::from_chars(rest.data() + slash1 + 1, rest.data() + slash2, time_key).ec != std::errc() ||
          std::from_chars(value.data(), value.data() + tab1, amount).ec != std::errc()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend-log entry ", prefix, rest, " does not parse"));
      }
      policy::SpendRequest request;
      request.amount_cents = amount;
      request.currency = rest.substr(0, slash1);
      request.payer_agent_id = std::string(payer);
      request.counterparty_agent_id = value.substr(tab1 + 1, tab2 - tab1 - 1);
      request.agreement_hash = value.substr(tab2 + 1);
      const std::string spend_id = rest.substr(slash2 + 1);
      if (spend_id.rfind("fund:", 0) == 0) {
        auto agreement = LoadObject(txn, tenant, objects::ObjectType::kToolCallAgreement,
                                    StrCat("agreement/", request.agreement_hash));
        if (!agreement.ok()) return agreement.status();
        if (agreement->has_value()) request.tool_id = S((*agreement)->body, "toolId");
      }
      const int64_t at_ms = time_key - kSpendTimeOffset;
      auto decision = candidate->Evaluate(request, history, at_ms);
      if (!decision.ok()) return decision.status();
      ++total;
      if (decision->outcome != policy::SpendOutcome::kAllow) ++blocked;
      // Members in canonical order.
      StrAppend(&locks, total > 1 ? "," : "", "{\"agreementHash\":");
      json::AppendQuoted(request.agreement_hash, &locks);
      StrAppend(&locks, ",\"amountCents\":", amount, ",\"at\":\"", js::FormatIsoMs(at_ms), "\",\"counterpartyAgentId\":");
      json::AppendQuoted(request.counterparty_agent_id, &locks);
      StrAppend(&locks, ",\"currency\":");
      json::AppendQuoted(request.currency, &locks);
      StrAppend(&locks, ",\"outcome\":\"", policy::SpendOutcomeName(decision->outcome), "\",\"reasons\":[");
      for (size_t i = 0; i < decision->reasons.size(); ++i) StrAppend(&locks, i ? ",\"" : "\"", decision->reasons[i], "\"");
      StrAppend(&locks, "],\"spendId\":");
      json::AppendQuoted(spend_id, &locks);
      locks += "}";
      history.Add({at_ms, amount, std::string(payer), request.currency, request.counterparty_agent_id,
                   request.agreement_hash});
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  std::string out = StrCat("{\"blocked\":", blocked, ",\"candidatePolicyHash\":\"", candidate->hash(), "\",\"locks\":",
                           locks, "],\"payerAgentId\":");
  json::AppendQuoted(payer, &out);
  StrAppend(&out, ",\"total\":", total, "}");
  return out;
}

}  // namespace nooterra::agreement
