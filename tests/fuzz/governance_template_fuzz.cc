// libFuzzer target: governance policy templates (include/nooterra/governance_template.h) on
// untrusted templates and requests. The input is "<template JSON>\n<request JSON>". Properties:
// evaluation of any two JSON values is a decision, never an error; the decision parses, names the
// outcome it reports, and is identical when evaluated twice; a template that normalizes has a
// normal form that normalizes to itself with its hash required; a failure is a typed error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nooterra/governance_template.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nooterra;
  if (size > (64 << 10)) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  auto tmpl = json::Document::Parse(input.substr(0, nl));
  auto request = json::Document::Parse(nl == std::string_view::npos ? "{}" : input.substr(nl + 1));
  if (!tmpl.ok() || !request.ok()) return 0;

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
