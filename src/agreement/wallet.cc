// Agent wallet policies in the kernel: Kernel::SetWalletPolicy and the check every escrow lock
// runs (include/nooterra/agreement.h; 05-policy-evaluation.md §3).
//
// Records (per tenant):
//   kObjects "walletpolicy/<agentId>"       the policy's normal form (policy::WalletPolicyJson)
//   kIndex   "spent/<agentId>/<YYYY-MM-DD>"  cents locked by the agent that UTC day (decimal)
// The daily counter is written in the locking transaction itself, which is what makes a daily
// cap hold under concurrency: two locks cannot both read the old total.
#include <charconv>
#include <cstdio>
#include <string>

#include "agreement/records.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
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

}  // namespace

namespace internal {

absl::Status EnforceWalletPolicy(store::WriteTxn& txn, std::string_view tenant, std::string_view payer,
                                 int64_t amount, std::string_view at, bool approved, bool* can_escalate) {
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
  }
  if (spent > ledger::kAmountMax - amount) {
    return Error(Code::kOutOfRange, "LEDGER_OVERFLOW", StrCat("the daily spend of ", payer, " overflows"));
  }
  return txn.Put(store::Table::kIndex, tenant, spent_key, StrCat(spent + amount));
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

}  // namespace nooterra::agreement
