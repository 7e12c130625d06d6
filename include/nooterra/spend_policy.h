// The unified spend policy (module `policy`): every rule kind that decides whether an agent may
// spend — per-call caps, rolling-window caps per payer, counterparty or agreement, allow and deny
// lists of tools, providers and counterparties, delegation depth and delegated budget, an approval
// threshold that escalates, risk scores and signals that challenge or deny — in one document
// (SpendPolicy.v1), compiled once and evaluated by one pure function with one precedence.
//
// Outcomes and precedence. Every rule that fires adds its reason code; the outcome is the most
// severe class among them: deny > escalate > challenge > allow (no reason). Reasons are listed by
// class (deny first, then escalate, then challenge) and within a class in the order of the table
// below, without duplicates, so identical inputs give identical bytes.
//
//   class      reason code                       fires when
//   deny       SPEND_CURRENCY_MISMATCH           policy.currency is set and differs from the request's
//   deny       SPEND_DENYLISTED_TOOL             toolId is in deny.tools
//   deny       SPEND_DENYLISTED_PROVIDER         providerId is in deny.providers
//   deny       SPEND_DENYLISTED_COUNTERPARTY     counterpartyAgentId is in deny.counterparties
//   deny       SPEND_TOOL_NOT_ALLOWED            allow.tools is set and toolId is not in it
//   deny       SPEND_PROVIDER_NOT_ALLOWED        allow.providers is set and providerId is not in it
//   deny       SPEND_COUNTERPARTY_NOT_ALLOWED    allow.counterparties is set and the counterparty is not in it
//   deny       SPEND_MAX_PER_CALL                amountCents > maxPerCallCents
//   deny       SPEND_WINDOW_PAYER                spent + amount > maxCents for a payer window
//   deny       SPEND_WINDOW_COUNTERPARTY         ... for a window scoped to the request's counterparty
//   deny       SPEND_WINDOW_AGREEMENT            ... for a window scoped to the request's agreement
//   deny       SPEND_DELEGATION_DEPTH            delegationDepth > delegation.maxDepth
//   deny       SPEND_DELEGATED_BUDGET            delegationDepth > 0 and amount > delegatedBudgetCents
//                                                (or > delegation.maxDelegatedCents, the lower wins)
//   deny       SPEND_RISK_SCORE                  riskScore >= risk.denyAtScore
//   deny       SPEND_RISK_SIGNAL                 a request signal is in risk.denySignals
//   escalate   SPEND_APPROVAL_REQUIRED           amountCents > approval.aboveCents
//   challenge  SPEND_RISK_SCORE_CHALLENGE        riskScore >= risk.challengeAtScore
//   challenge  SPEND_RISK_SIGNAL_CHALLENGE       a request signal is in risk.challengeSignals
//
// Every cap is inclusive: exactly at a cap is allowed, one unit over is not. A rolling window of
// windowMs covers the spends at times t with now - windowMs < t <= now (a spend exactly windowMs
// ago has left the window). Window sums come from a SpendView, which the kernel implements over
// the ledger inside the write transaction that locks the money, and the C ABI over a list of past
// spends the caller supplies: evaluation itself reads no clock and no store.
//
// Named limits: kSpendWindowsMax windows, kSpendListMax entries per list, kSpendSignalsMax
// signals per request, ids of 1..128 bytes. Compiled policies are immutable and safe to share
// between threads.
#ifndef NOOTERRA_SPEND_POLICY_H_
#define NOOTERRA_SPEND_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nooterra/json.h"

namespace nooterra::policy {

inline constexpr size_t kSpendWindowsMax = 16;
inline constexpr size_t kSpendListMax = 1024;
inline constexpr size_t kSpendSignalsMax = 64;
inline constexpr int64_t kSpendWindowMsMax = int64_t{366} * 24 * 3600 * 1000;  // one leap year
inline constexpr size_t kSpendHistoryMax = 1000000;  // past spends a SpendHistory may hold

enum class SpendOutcome : int32_t { kAllow = 0, kChallenge = 1, kEscalate = 2, kDeny = 3 };
std::string_view SpendOutcomeName(SpendOutcome outcome);  // "allow" | "challenge" | "escalate" | "deny"

// The class of a reason code of the table above (kAllow for a code that is not in it).
SpendOutcome SpendReasonClass(std::string_view reason);

enum class WindowScope : int32_t { kPayer = 0, kCounterparty = 1, kAgreement = 2 };

// One payment an agent wants to make. Parsed from
// {"amountCents","currency","payerAgentId","counterpartyAgentId","toolId"?,"providerId"?,
//  "agreementHash"?,"delegationDepth"?,"delegatedBudgetCents"?,"riskScore"?,"riskSignals"?}.
struct SpendRequest {
  int64_t amount_cents = 0;  // >= 1
  std::string currency;      // 3 upper-case letters
  std::string payer_agent_id;
  std::string counterparty_agent_id;
  std::string tool_id;       // "" = not a tool call
  std::string provider_id;   // "" = none
  std::string agreement_hash;
  int64_t delegation_depth = 0;                 // 0 = the payer acts for itself
  std::optional<int64_t> delegated_budget_cents;  // the budget its delegator granted
  std::optional<int64_t> risk_score;              // 0..100
  std::vector<std::string> risk_signals;          // sorted, unique
};
// INVALID_ARGUMENT, reason SPEND_REQUEST_INVALID, naming the member.
absl::StatusOr<SpendRequest> ParseSpendRequest(json::Value request);
// The risk members of a request object ("riskScore" 0..100, "riskSignals" ids, both optional or
// null): what the kernel's Fund and LockHold requests carry into the payer's spend policy.
// Signals come back sorted and unique. Other members are not looked at. INVALID_ARGUMENT
// SPEND_REQUEST_INVALID naming the member.
absl::Status ParseRiskInputs(json::Value request, std::optional<int64_t>* risk_score,
                             std::vector<std::string>* risk_signals);

// The payer's past spends, as the ledger knows them.
class SpendView {
 public:
  virtual ~SpendView() = default;
  // Sum of `payer`'s spends in `currency` at times t with from_ms < t <= to_ms, restricted to the
  // counterparty or agreement `key` for those scopes (key is "" for kPayer).
  virtual absl::StatusOr<int64_t> Spent(std::string_view payer, std::string_view currency, WindowScope scope,
                                        std::string_view key, int64_t from_ms, int64_t to_ms) const = 0;
};

// A SpendView over an explicit list of past spends: what the C ABI and the CLI evaluate against.
class SpendHistory : public SpendView {
 public:
  struct Spend {
    int64_t at_ms;
    int64_t amount_cents;
    std::string payer_agent_id, currency, counterparty_agent_id, agreement_hash;
  };
  // [{"at": date-time with Z or an offset, "amountCents", "payerAgentId", "currency",
  //   "counterpartyAgentId", "agreementHash"?}, ...] (at most kSpendHistoryMax entries);
  //   INVALID_ARGUMENT SPEND_HISTORY_INVALID naming the entry.
  static absl::StatusOr<SpendHistory> Parse(json::Value spends);
  // Kept ordered by (payer, currency, time), so a window is a binary search plus the spends in it.
  void Add(Spend spend);
  absl::StatusOr<int64_t> Spent(std::string_view payer, std::string_view currency, WindowScope scope,
                                std::string_view key, int64_t from_ms, int64_t to_ms) const override;

 private:
  std::vector<Spend> spends_;
};

struct SpendDecision {
  SpendOutcome outcome = SpendOutcome::kAllow;
  std::vector<std::string_view> reasons;  // see the table above (static strings)
  // {"amountCents","outcome","policyHash","reasons","windows":[{"afterCents","key","maxCents",
  //  "scope","spentCents","windowMs"}]} as canonical JSON: the decision and the figures behind it.
  std::string json;
};

class SpendPolicy {
 public:
  // Validates and compiles a SpendPolicy.v1 document. INVALID_ARGUMENT POLICY_INVALID whose
  // message names the JSON path (e.g. "spendPolicy.windows[1].windowMs must be ...").
  static absl::StatusOr<SpendPolicy> Compile(json::Value policy);
  // The normal form (canonical JSON: lists sorted and de-duplicated, absent rules omitted) and
  // its SHA-256, the policy hash an agreement pins.
  const std::string& normalized() const { return normalized_; }
  const std::string& hash() const { return hash_; }
  // Pure: the same policy, request, view contents and `now_ms` give the same bytes. Fails only
  // when the view fails (its status is returned) or a window sum overflows (OUT_OF_RANGE).
  absl::StatusOr<SpendDecision> Evaluate(const SpendRequest& request, const SpendView& view, int64_t now_ms) const;

 private:
  struct Window {
    WindowScope scope;
    int64_t window_ms;
    int64_t max_cents;
  };
  struct Lists {
    std::vector<std::string> tools, providers, counterparties;
    bool has_tools = false, has_providers = false, has_counterparties = false;
  };
  std::optional<std::string> currency_;
  std::optional<int64_t> max_per_call_cents_;
  std::vector<Window> windows_;
  Lists allow_, deny_;
  std::optional<int64_t> max_depth_, max_delegated_cents_;
  std::optional<int64_t> approval_above_cents_;
  std::optional<int64_t> deny_at_score_, challenge_at_score_;
  std::vector<std::string> deny_signals_, challenge_signals_;
  std::string normalized_, hash_;
};

}  // namespace nooterra::policy

#endif  // NOOTERRA_SPEND_POLICY_H_
