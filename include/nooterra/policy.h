// Policy evaluation. First slice: the reference's settlement policy — SettlementPolicy.v1 and
// VerificationMethod.v1 normalization and hashes, and `evaluateSettlementPolicy` with its reason
// codes (../shared/protocol/kernel/05-policy-evaluation.md §1), byte for byte.
//
// Outcomes map onto allow / escalate: `shouldAutoResolve` (no reason) is an allow; any reason
// makes the decision `manual-review` (escalate: money stays locked until a person resolves).
// A refund is an *amount* outcome of an allowed decision, not a deny.
//
// Pure functions; thread-safe.
#ifndef NOOTERRA_POLICY_H_
#define NOOTERRA_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nooterra/json.h"
#include "nooterra/spend_policy.h"

namespace nooterra::policy {

// SettlementPolicy.v1 in normal form. `policy` absent, null or not an object gives the
// defaults. INVALID_ARGUMENT with reason POLICY_INVALID (the message names the JSON path) for a
// value outside its rule (rates 0..100, maxAutoReleaseAmountCents >= 1, disputeWindowHours
// 1..8760, mode automatic | manual-review, policyVersion >= 1, hashes sha256).
absl::StatusOr<json::Tree> NormalizeSettlementPolicy(json::Value policy);
// VerificationMethod.v1 in normal form (mode deterministic | attested | discretionary).
absl::StatusOr<json::Tree> NormalizeVerificationMethod(json::Value method);

// sha256(canonical(x)) of a normalized policy or method (policyHash / verificationMethodHash).
std::string Hash(const json::Tree& normalized);

// verifierHash of a verifier descriptor:
// sha256(canonical({schemaVersion:"SettlementVerifierDescriptor.v1", source, verifierId,
// verifierVersion})).
std::string VerifierHash(std::string_view source, std::string_view verifier_id,
                         std::string_view verifier_version);

struct SettlementEvaluation {
  json::Tree policy;                   // normalized
  std::string policy_hash;
  json::Tree verification_method;      // normalized
  std::string verification_method_hash;
  std::string verification_status;    // green | amber | red
  std::string run_status;             // completed | failed
  std::string decision_mode;          // automatic | manual-review
  bool should_auto_resolve = false;
  int64_t release_rate_pct = 0;
  int64_t release_amount_cents = 0;
  int64_t refund_amount_cents = 0;
  std::string settlement_status;      // released | refunded
  std::vector<std::string> reason_codes;  // in rule order, de-duplicated, not sorted
};

// The release of a settlement at a rate (05 §1.2, 06 §1): rate <= 0 ? 0 :
// min(amount, floor(amount * rate / 100)), on 128-bit products. The refund is amount - release.
int64_t ReleaseAmountCents(int64_t amount_cents, int64_t rate_pct);

// evaluateSettlementPolicy. Errors: INVALID_ARGUMENT (POLICY_INVALID; POLICY_INPUT_INVALID for
// a verificationStatus outside green|amber|red, a runStatus outside completed|failed, or an
// amount that is not a safe integer >= 1).
absl::StatusOr<SettlementEvaluation> EvaluateSettlementPolicy(json::Value policy,
                                                              json::Value verification_method,
                                                              std::string_view verification_status,
                                                              std::string_view run_status,
                                                              int64_t amount_cents);

// {"policy","policyHash","verificationMethod","verificationMethodHash","verificationStatus",
//  "runStatus","decisionMode","shouldAutoResolve","releaseRatePct","releaseAmountCents",
//  "refundAmountCents","settlementStatus","reasonCodes"} as canonical JSON.
std::string EvaluationJson(const SettlementEvaluation& evaluation);

// ---------------------------------------------------------------------------------------------
// The agent wallet policy (05 §3, the reference's assertSettlementWithinWalletPolicy): limits a
// payer's spend before escrow is locked. Each limit applies only when present.
struct WalletPolicy {
  std::optional<int64_t> max_per_transaction_cents;   // maxPerTransactionCents
  std::optional<int64_t> require_approval_above_cents; // requireApprovalAboveCents
  std::optional<int64_t> max_daily_cents;             // maxDailyCents (UTC day)
  // approverAgentIds (our extension): agents whose signed OperatorAction may approve a lock the
  // approval rule escalated. Sorted, unique. Empty: WALLET_POLICY_APPROVAL_REQUIRED simply blocks,
  // as in the reference.
  std::vector<std::string> approver_agent_ids;
  // spendPolicy (our extension): a SpendPolicy.v1 the kernel evaluates on every lock after the
  // three rules above, with its rolling windows summed from the ledger's spend log in the same
  // write transaction (include/nooterra/spend_policy.h). Shared: a compiled policy is immutable.
  std::shared_ptr<const SpendPolicy> spend_policy;
};

// Parses {"maxPerTransactionCents"?, "requireApprovalAboveCents"?, "maxDailyCents"?,
// "approverAgentIds"?: [agent id, ...], "spendPolicy"?: SpendPolicy.v1} (null or absent = no
// such limit / no approvers / no spend policy). Stricter than the reference, which silently ignores a limit that is
// not a safe integer >= 0: here that is INVALID_ARGUMENT POLICY_INVALID naming the member, so a
// typo can never switch a limit off. Unknown members are POLICY_INVALID too.
absl::StatusOr<WalletPolicy> ParseWalletPolicy(json::Value policy);
// The normal form: only the limits that are set, as canonical JSON.
std::string WalletPolicyJson(const WalletPolicy& policy);

// The first rule that fails, in the reference's order, or "" when the spend is allowed:
//   amount > maxPerTransactionCents               -> "WALLET_POLICY_MAX_PER_TX"        (deny)
//   amount > requireApprovalAboveCents            -> "WALLET_POLICY_APPROVAL_REQUIRED" (escalate)
//   spent_today + amount > maxDailyCents          -> "WALLET_POLICY_MAX_DAILY"         (deny)
// Exactly at a limit is allowed.
std::string_view CheckWalletPolicy(const WalletPolicy& policy, int64_t amount_cents, int64_t spent_today_cents);

}  // namespace nooterra::policy

#endif  // NOOTERRA_POLICY_H_
