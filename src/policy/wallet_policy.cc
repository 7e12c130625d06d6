// The agent wallet policy (include/nooterra/policy.h; 05-policy-evaluation.md §3).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "common/strings.h"
#include "nooterra/json.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::policy {

namespace {

constexpr double kSafeIntegerMax = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

constexpr std::string_view kMembers[] = {"maxPerTransactionCents", "requireApprovalAboveCents", "maxDailyCents",
                                         "approverAgentIds", "spendPolicy"};
constexpr size_t kApproversMax = 32;

absl::Status Invalid(std::string_view member, std::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INVALID", StrCat("walletPolicy.", member, " ", what));
}

}  // namespace

absl::StatusOr<WalletPolicy> ParseWalletPolicy(json::Value policy) {
  if (!policy.is_object()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INVALID", "walletPolicy must be an object");
  }
  for (size_t i = 0; i < policy.size(); ++i) {
    const std::string_view key = policy.key_at(i);
    bool known = false;
    for (std::string_view m : kMembers) known = known || key == m;
    if (!known) return Invalid(key, "is not a wallet policy member");
  }
  WalletPolicy out;
  std::optional<int64_t>* slots[] = {&out.max_per_transaction_cents, &out.require_approval_above_cents,
                                     &out.max_daily_cents};
  if (const json::Value approvers = policy.Find("approverAgentIds"); approvers.present() && !approvers.is_null()) {
    if (!approvers.is_array() || approvers.size() > kApproversMax) {
      return Invalid("approverAgentIds", StrCat("must be an array of at most ", kApproversMax, " agent ids"));
    }
    for (size_t i = 0; i < approvers.size(); ++i) {
      const json::Value id = approvers.at(i);
      bool ok = id.is_string() && id.as_string().size() >= 3 && id.as_string().size() <= 128;
      for (char c : ok ? id.as_string() : std::string_view()) {
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
                    c == '_' || c == '-');
      }
      if (!ok) return Invalid("approverAgentIds", "entries are agent ids (3..128 of [A-Za-z0-9:_-])");
      out.approver_agent_ids.emplace_back(id.as_string());
    }
    std::sort(out.approver_agent_ids.begin(), out.approver_agent_ids.end());
    out.approver_agent_ids.erase(std::unique(out.approver_agent_ids.begin(), out.approver_agent_ids.end()),
                                 out.approver_agent_ids.end());
  }
  if (const json::Value spend = policy.Find("spendPolicy"); spend.present() && !spend.is_null()) {
    auto compiled = SpendPolicy::Compile(spend);
    if (!compiled.ok()) return compiled.status();
    out.spend_policy = std::make_shared<const SpendPolicy>(*std::move(compiled));
  }
  for (size_t i = 0; i < 3; ++i) {
    const json::Value v = policy.Find(kMembers[i]);
    if (!v.present() || v.is_null()) continue;
    const double d = v.is_number() ? v.as_number() : -1;
    if (!v.is_number() || d < 0 || d > kSafeIntegerMax || d != static_cast<double>(static_cast<int64_t>(d))) {
      return Invalid(kMembers[i], "must be a safe integer >= 0 (or null for no limit)");
    }
    *slots[i] = static_cast<int64_t>(d);
  }
  return out;
}

std::string WalletPolicyJson(const WalletPolicy& policy) {
  // Members in canonical order: approverAgentIds < maxDailyCents < maxPerTransactionCents <
  // requireApprovalAboveCents.
  std::string out = "{";
  if (!policy.approver_agent_ids.empty()) {
    out += "\"approverAgentIds\":[";
    for (size_t i = 0; i < policy.approver_agent_ids.size(); ++i) {
      out += StrCat(i > 0 ? "," : "", "\"", policy.approver_agent_ids[i], "\"");  // ids need no escaping
    }
    out += "]";
  }
  auto add = [&](std::string_view key, const std::optional<int64_t>& v) {
    if (!v) return;
    if (out.size() > 1) out += ',';
    out += StrCat("\"", key, "\":", *v);
  };
  add("maxDailyCents", policy.max_daily_cents);
  add("maxPerTransactionCents", policy.max_per_transaction_cents);
  add("requireApprovalAboveCents", policy.require_approval_above_cents);
  if (policy.spend_policy) {
    if (out.size() > 1) out += ',';
    out += "\"spendPolicy\":" + policy.spend_policy->normalized();
  }
  return out + "}";
}

std::string_view CheckWalletPolicy(const WalletPolicy& policy, int64_t amount_cents, int64_t spent_today_cents) {
  if (policy.max_per_transaction_cents && amount_cents > *policy.max_per_transaction_cents) {
    return "WALLET_POLICY_MAX_PER_TX";
  }
  if (policy.require_approval_above_cents && amount_cents > *policy.require_approval_above_cents) {
    return "WALLET_POLICY_APPROVAL_REQUIRED";
  }
  // Compared without overflow: spent + amount > max  <=>  amount > max - spent (both >= 0).
  if (policy.max_daily_cents && (spent_today_cents > *policy.max_daily_cents ||
                                  amount_cents > *policy.max_daily_cents - spent_today_cents)) {
    return "WALLET_POLICY_MAX_DAILY";
  }
  return "";
}

}  // namespace nooterra::policy
