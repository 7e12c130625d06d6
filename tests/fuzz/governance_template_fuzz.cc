// libFuzzer target: governance policy templates (include/nooterra/governance_template.h) and
// approval standing policies (include/nooterra/standing_policy.h) on untrusted documents. The
// input is "<template or policy JSON>\n<request or envelope JSON>". Standing properties: a built
// policy validates with the hash it states, builds to itself, and any evaluation is a result or a
// typed INVALID_ARGUMENT with one of the documented reasons. Governance properties:
// evaluation of any two JSON values is a decision, never an error; the decision parses, names the
// outcome it reports, and is identical when evaluated twice; a template that normalizes has a
// normal form that normalizes to itself with its hash required; a failure is a typed error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nooterra/governance_template.h"
#include "nooterra/json.h"
#include "nooterra/standing_policy.h"
#include "nooterra/status.h"

namespace {

using namespace nooterra;

void CheckStanding(json::Value policy, json::Value envelope) {
  auto typed = [](const absl::Status& s) {
    const std::string reason = StatusReason(s);
    return s.code() == absl::StatusCode::kInvalidArgument &&
           (reason == "APPROVAL_STANDING_POLICY_INVALID" || reason == "STANDING_ENVELOPE_INVALID" ||
            reason.rfind("JSON_", 0) == 0);
  };
  policy::StandingEffect effect;
  if (auto r = policy::EvaluateStandingPolicies(policy, envelope, &effect); !r.ok() && !typed(r.status())) std::abort();
  auto built = policy::BuildStandingPolicy(policy);
  if (!built.ok()) {
    if (!typed(built.status())) std::abort();
    return;
  }
  auto doc = json::Document::Parse(*built);
  if (!doc.ok()) std::abort();
  auto hash = policy::ValidateStandingPolicy(doc->root());
  if (!hash.ok() || *hash != doc->root().Find("policyHash").as_string()) std::abort();
  auto again = policy::BuildStandingPolicy(doc->root());
  if (!again.ok() || *again != *built) std::abort();
  auto r = policy::EvaluateStandingPolicies(doc->root(), envelope, &effect);
  if (!r.ok()) {
    if (StatusReason(r.status()) != "STANDING_ENVELOPE_INVALID") std::abort();
    return;
  }
  auto result = json::Document::Parse(*r);
  if (!result.ok()) std::abort();
  const bool matched = result->root().Find("evaluations").at(0).Find("matched").as_bool();
  if (matched != (effect != policy::StandingEffect::kNone)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (64 << 10)) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  auto tmpl = json::Document::Parse(input.substr(0, nl));
  auto request = json::Document::Parse(nl == std::string_view::npos ? "{}" : input.substr(nl + 1));
  if (!tmpl.ok() || !request.ok()) return 0;

  CheckStanding(tmpl->root(), request->root());

  policy::GovernanceDecision outcome;
  auto d = policy::EvaluateGovernanceTemplate(tmpl->root(), request->root(), &outcome);
  if (!d.ok()) std::abort();
  auto parsed = json::Document::Parse(*d);
  if (!parsed.ok()) std::abort();
  const std::string_view decision = parsed->root().Find("decision").as_string();
  const std::string_view expected = outcome == policy::GovernanceDecision::kAllow       ? "allow"
                                    : outcome == policy::GovernanceDecision::kChallenge ? "challenge"
                                                                                        : "deny";
  if (decision != expected) std::abort();
  if ((outcome == policy::GovernanceDecision::kAllow) != (parsed->root().Find("blockingIssues").size() == 0)) {
    std::abort();
  }
  auto twice = policy::EvaluateGovernanceTemplate(tmpl->root(), request->root(), nullptr);
  if (!twice.ok() || *twice != *d) std::abort();

  auto normal = policy::NormalizeGovernanceTemplate(tmpl->root(), false);
  if (!normal.ok()) {
    if (StatusReason(normal.status()) != "POLICY_TEMPLATE_INVALID") std::abort();
    return 0;
  }
  auto again = policy::NormalizeGovernanceTemplate(json::Document::Parse(*normal)->root(), true);
  if (!again.ok() || *again != *normal) std::abort();
  return 0;
}
