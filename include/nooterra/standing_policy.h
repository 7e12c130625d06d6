// Approval standing policies (module `policy`; 05-policy-evaluation.md §7): the reference's
// ApprovalStandingPolicy.v1 — a principal's reusable, pre-decided answer ("approve" or "deny") to
// authority envelopes that fall inside its constraints — built, validated, matched and ranked as
// the reference does.
//
// Matching an envelope against one policy: the first failing check is the reason —
// POLICY_DISABLED, PRINCIPAL_TYPE_MISMATCH, PRINCIPAL_ID_MISMATCH, ACTOR_MISMATCH,
// CAPABILITY_MISMATCH, DATA_CLASS_MISMATCH, SIDE_EFFECT_MISMATCH (requested lists must be subsets
// of the allowed ones; a null allowed list allows anything), SPEND_LIMIT_EXCEEDED (the envelope's
// spendEnvelope.maxTotalCents ?? maxPerCallCents ?? 0 against maxSpendCents),
// RISK_CLASS_MISMATCH (low < medium < high), REVERSIBILITY_MISMATCH — else MATCHED. Specificity:
// actors +3, capabilities +2, data classes +1, side effects +2, maxSpendCents +2, maxRiskClass +1,
// reversibility classes +1. Among matching policies: deny before approve, then the higher
// specificity, then policyId in localeCompare order (input order on ties).
//
// Reference semantics kept on purpose, because they decide outcomes: matching reads the policy
// as stored (validation trims and lower-cases only to check it; the policyHash covers the stored
// bytes), so a stored status other than exactly "active" is POLICY_DISABLED, and a stored effect
// " deny " (untrimmed) ranks as an approve; envelope values go through ECMAScript String() and
// Number(); a requested list given as a string is iterated by code point.
//
// Divergences (documented in conformance/README.md): `createdAt` is required when building (the
// reference defaults it to the wall clock; the core never reads one); Date.parse accepts the
// ECMAScript date-time format and the variants js::ParseTimeMs documents, not V8's legacy
// formats; the named limits below. A requested list that is not iterable (a number, an object)
// makes the reference throw a TypeError; here it is INVALID_ARGUMENT STANDING_ENVELOPE_INVALID.
//
// Pure functions of their inputs; thread-safe.
#ifndef NOOTERRA_STANDING_POLICY_H_
#define NOOTERRA_STANDING_POLICY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nooterra/json.h"

namespace nooterra::policy {

// Named limits (INVALID_ARGUMENT beyond them; the reference has none).
inline constexpr size_t kStandingListMax = 1024;      // entries of one constraint or evidence list
inline constexpr size_t kStandingPoliciesMax = 1024;  // policies ranked in one evaluation

// buildApprovalStandingPolicyV1: from {policyId, principalRef, displayName, description?,
// status?, constraints?, decision, createdAt, updatedAt?} (other members ignored) to the normal
// form as canonical JSON, policyHash = sha256(canonical(policy minus policyHash)).
// Errors: INVALID_ARGUMENT APPROVAL_STANDING_POLICY_INVALID with the reference's message (it names
// the member); JSON_NEGATIVE_ZERO from metadata.
absl::StatusOr<std::string> BuildStandingPolicy(json::Value input);

// validateApprovalStandingPolicyV1: every member checked as the builder checks it, and policyHash
// equal to sha256(canonical(the policy as given, minus policyHash)). Returns that hash.
// Errors: INVALID_ARGUMENT APPROVAL_STANDING_POLICY_INVALID ("approvalStandingPolicy.<member> ...").
absl::StatusOr<std::string> ValidateStandingPolicy(json::Value policy);

struct StandingMatch {
  bool matched = false;
  std::string_view reason_code;  // static storage: "MATCHED", "POLICY_DISABLED", ...
  int specificity = 0;
};

// matchApprovalStandingPolicyV1 (validates the policy first).
// Errors: INVALID_ARGUMENT APPROVAL_STANDING_POLICY_INVALID (the policy), STANDING_ENVELOPE_INVALID
// (the envelope is not an object, or a requested list is not iterable).
absl::StatusOr<StandingMatch> MatchStandingPolicy(json::Value policy, json::Value envelope);

enum class StandingEffect { kNone = 0, kApprove = 1, kDeny = 2 };  // values of NOOTERRA_STANDING_*

// Matches the envelope against every policy (an array, or one policy object) and picks the winner
// by the precedence above. Result (canonical JSON; a nooterra result, not a protocol artifact):
//   {"effect": "approve" | "deny" | "none", "policyId": <winner's> | null,
//    "policyHash": <winner's> | null, "specificity": <winner's> | null,
//    "evaluations": [{"policyId","policyHash","matched","reasonCode","specificity"}, ...]}
// with evaluations in input order and the winner's effect trimmed and lower-cased.
// Errors: as MatchStandingPolicy, the policy's index in the message ("policies[2]: ..."); more
// than kStandingPoliciesMax policies.
absl::StatusOr<std::string> EvaluateStandingPolicies(json::Value policies, json::Value envelope, StandingEffect* effect);

}  // namespace nooterra::policy

#endif  // NOOTERRA_STANDING_POLICY_H_
