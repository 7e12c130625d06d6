// Governance policy templates (module `policy`; 05-policy-evaluation.md §6): the reference's
// GovernancePolicyTemplate.v1 — per-action and monthly USD caps, allowed data classes, external
// transfer, an approval ladder and risk escalation — and its GovernancePolicyDecision.v1, byte for
// byte.
//
// Evaluation runs the checks in the reference's order, each recorded as {checkId, ok, message,
// code?}: spend_per_action_limit, spend_monthly_limit, data_class_allowed,
// external_transfer_allowed, then approval_tier_coverage (no tier covers the amount) or
// approval_threshold_met, risk_requires_approval, risk_level_not_blocked. Every failed check adds
// a blocking issue {code, message}. Decision: deny when any issue is PER_ACTION_LIMIT_EXCEEDED,
// MONTHLY_LIMIT_EXCEEDED, DATA_CLASS_FORBIDDEN, EXTERNAL_TRANSFER_FORBIDDEN, RISK_LEVEL_BLOCKED or
// POLICY_TEMPLATE_TIER_GAP; challenge when only APPROVAL_THRESHOLD_NOT_MET / RISK_APPROVAL_REQUIRED
// fired; allow otherwise. An invalid template or request is not an error either: it is a deny
// decision whose single check `request_or_template_valid` carries POLICY_TEMPLATE_INVALID or
// POLICY_REQUEST_INVALID and the reference's message (it names the member).
//
// Reference semantics kept on purpose: numbers go through ECMAScript Number() ("25" and [25] are
// 25, null is 0), strings are trimmed with String.prototype.trim, ids and enum values are
// lower-cased with toLowerCase, `allowExternalTransfer` / `externalTransfer` count only when
// exactly true.
//
// Divergences (documented in conformance/README.md): the currency is upper-cased in ASCII only — a
// currency with a non-ASCII character is POLICY_TEMPLATE_INVALID instead of a runtime-dependent
// Unicode mapping; and the named limits below, which the reference does not have.
//
// Pure functions of their inputs; thread-safe.
#ifndef NOOTERRA_GOVERNANCE_TEMPLATE_H_
#define NOOTERRA_GOVERNANCE_TEMPLATE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nooterra/json.h"

namespace nooterra::policy {

// Named limits (POLICY_TEMPLATE_INVALID beyond them).
inline constexpr size_t kGovernanceTiersMax = 64;          // approval tiers per template
inline constexpr size_t kGovernanceTextMax = 4096;         // bytes of a name, description, id or role

enum class GovernanceDecision { kAllow = 0, kChallenge = 1, kDeny = 3 };  // values of NOOTERRA_SPEND_*

// The normal form of a GovernancePolicyTemplate.v1 as canonical JSON: {schemaVersion, templateId,
// templateVersion, operatingProfile, name, description, controls, templateHash}, where
// templateHash = sha256(canonical({templateId, templateVersion, operatingProfile, name,
// description, controls})). A templateHash in the input must equal it; `require_hash` (the
// reference's validateGovernancePolicyTemplate) also requires one to be present.
// Errors: INVALID_ARGUMENT POLICY_TEMPLATE_INVALID with the reference's message.
absl::StatusOr<std::string> NormalizeGovernanceTemplate(json::Value tmpl, bool require_hash);

// evaluateGovernancePolicyTemplate: the GovernancePolicyDecision.v1 as canonical JSON. Invalid
// inputs are deny decisions, not errors (see above); the only error is INTERNAL, which would mean
// a bug here. `decision` receives the outcome.
absl::StatusOr<std::string> EvaluateGovernanceTemplate(json::Value tmpl, json::Value request, GovernanceDecision* decision);

// {"schemaVersion":"GovernancePolicyTemplateCatalog.v1","templates":[...]}: the three starter
// templates (gov.indie.safe-default, gov.smb.balanced-controls, gov.enterprise.strict-controls)
// in normal form.
absl::StatusOr<std::string> GovernanceTemplateCatalog();

// The starter template matching both filters (empty = any; trimmed and lower-cased), highest
// templateVersion first; nullopt when none matches. Errors: INVALID_ARGUMENT
// POLICY_TEMPLATE_INVALID for a filter outside the template id pattern or indie|smb|enterprise.
absl::StatusOr<std::optional<std::string>> StarterGovernanceTemplate(std::string_view template_id,
                                                                     std::string_view operating_profile);

}  // namespace nooterra::policy

#endif  // NOOTERRA_GOVERNANCE_TEMPLATE_H_
