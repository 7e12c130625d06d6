// C ABI of the policy module: a translation of include/nooterra/policy.h.
#include <cstring>
#include <string>

#include "internal.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/governance_template.h"
#include "nooterra/standing_policy.h"
#include "nooterra/json.h"
#include "nooterra/policy.h"
#include "nooterra/spend_policy.h"
#include "common/js.h"

using namespace nooterra;  // NOLINT: translation unit of C entry points only

namespace {

// The parsed document of an optional JSON argument (empty text = absent).
absl::Status ParseOptional(const uint8_t* data, size_t size, json::Document* doc, json::Value* value) {
  if (data == nullptr || size == 0) {
    *value = json::Value();
    return absl::OkStatus();
  }
  auto parsed = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) return parsed.status();
  *doc = std::move(*parsed);
  *value = doc->root();
  return absl::OkStatus();
}

}  // namespace

extern "C" {

int32_t nooterra_policy_evaluate_settlement(const uint8_t* policy_json, size_t policy_size,
                                            const uint8_t* method_json, size_t method_size,
                                            const char* verification_status, const char* run_status,
                                            int64_t amount_cents, nooterra_buffer_t* out_evaluation,
                                            nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (verification_status == nullptr) return capi::NullArgument("verification_status");
    if (run_status == nullptr) return capi::NullArgument("run_status");
    if (out_evaluation == nullptr) return capi::NullArgument("out_evaluation");
    json::Document policy_doc, method_doc;
    json::Value policy, method;
    if (absl::Status s = ParseOptional(policy_json, policy_size, &policy_doc, &policy); !s.ok()) return s;
    if (absl::Status s = ParseOptional(method_json, method_size, &method_doc, &method); !s.ok()) return s;
    auto evaluation = policy::EvaluateSettlementPolicy(policy, method, verification_status, run_status, amount_cents);
    if (!evaluation.ok()) return evaluation.status();
    return capi::FillBuffer(policy::EvaluationJson(*evaluation), out_evaluation);
  });
}

int32_t nooterra_policy_normalize(int32_t kind, const uint8_t* policy_json, size_t policy_size,
                                  nooterra_buffer_t* out_json, char out_hash_hex[65], nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_json == nullptr || (policy_json == nullptr && policy_size != 0)) {
      return capi::NullArgument("policy_json and out_json");
    }
    auto doc = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(policy_json), policy_size));
    if (!doc.ok()) return doc.status();
    std::string normal, hash;
    if (kind == NOOTERRA_POLICY_SETTLEMENT) {
      auto p = policy::NormalizeSettlementPolicy(doc->root());
      if (!p.ok()) return p.status();
      auto text = json::CanonicalString(*p);
      if (!text.ok()) return text.status();
      normal = *text;
      hash = policy::Hash(*p);
    } else if (kind == NOOTERRA_POLICY_WALLET) {
      auto p = policy::ParseWalletPolicy(doc->root());
      if (!p.ok()) return p.status();
      normal = policy::WalletPolicyJson(*p);
      hash = crypto::Sha256Hex(normal);
    } else if (kind == NOOTERRA_POLICY_SPEND) {
      auto p = policy::SpendPolicy::Compile(doc->root());
      if (!p.ok()) return p.status();
      normal = p->normalized();
      hash = p->hash();
    } else if (kind == NOOTERRA_POLICY_GOVERNANCE_TEMPLATE) {
      auto p = policy::NormalizeGovernanceTemplate(doc->root(), /*require_hash=*/false);
      if (!p.ok()) return p.status();
      normal = *std::move(p);
      auto normal_doc = json::Document::Parse(normal);
      if (!normal_doc.ok()) return normal_doc.status();
      hash = std::string(normal_doc->root().Find("templateHash").as_string());
    } else if (kind == NOOTERRA_POLICY_APPROVAL_STANDING) {
      // A stated policyHash is checked as the reference's validate does (over the policy as
      // given) before the normal form is built: a tampered stored policy is refused, not rehashed.
      if (doc->root().Find("policyHash").present()) {
        if (auto valid = policy::ValidateStandingPolicy(doc->root()); !valid.ok()) return valid.status();
      }
      auto p = policy::BuildStandingPolicy(doc->root());
      if (!p.ok()) return p.status();
      normal = *std::move(p);
      auto normal_doc = json::Document::Parse(normal);
      if (!normal_doc.ok()) return normal_doc.status();
      hash = std::string(normal_doc->root().Find("policyHash").as_string());
    } else {
      return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_KIND_UNKNOWN", "kind must be NOOTERRA_POLICY_*");
    }
    if (absl::Status s = capi::FillBuffer(normal, out_json); !s.ok()) return s;
    if (out_hash_hex != nullptr) std::memcpy(out_hash_hex, hash.c_str(), 65);
    return absl::OkStatus();
  });
}

int32_t nooterra_policy_governance_evaluate(const uint8_t* template_json, size_t template_size,
                                            const uint8_t* request_json, size_t request_size,
                                            nooterra_buffer_t* out_decision, int32_t* out_outcome,
                                            nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_decision == nullptr || (template_json == nullptr && template_size != 0) ||
        (request_json == nullptr && request_size != 0)) {
      return capi::NullArgument("template_json, request_json and out_decision");
    }
    auto tmpl = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(template_json), template_size));
    if (!tmpl.ok()) return tmpl.status();
    auto request = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(request_json), request_size));
    if (!request.ok()) return request.status();
    policy::GovernanceDecision outcome = policy::GovernanceDecision::kDeny;
    auto decision = policy::EvaluateGovernanceTemplate(tmpl->root(), request->root(), &outcome);
    if (!decision.ok()) return decision.status();
    if (absl::Status s = capi::FillBuffer(*decision, out_decision); !s.ok()) return s;
    if (out_outcome != nullptr) *out_outcome = static_cast<int32_t>(outcome);
    return absl::OkStatus();
  });
}

int32_t nooterra_policy_standing_evaluate(const uint8_t* policies_json, size_t policies_size,
                                          const uint8_t* envelope_json, size_t envelope_size,
                                          nooterra_buffer_t* out_result, int32_t* out_effect,
                                          nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_result == nullptr || (policies_json == nullptr && policies_size != 0) ||
        (envelope_json == nullptr && envelope_size != 0)) {
      return capi::NullArgument("policies_json, envelope_json and out_result");
    }
    auto policies = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(policies_json), policies_size));
    if (!policies.ok()) return policies.status();
    auto envelope = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(envelope_json), envelope_size));
    if (!envelope.ok()) return envelope.status();
    policy::StandingEffect effect = policy::StandingEffect::kNone;
    auto result = policy::EvaluateStandingPolicies(policies->root(), envelope->root(), &effect);
    if (!result.ok()) return result.status();
    if (absl::Status s = capi::FillBuffer(*result, out_result); !s.ok()) return s;
    if (out_effect != nullptr) *out_effect = static_cast<int32_t>(effect);
    return absl::OkStatus();
  });
}

int32_t nooterra_policy_governance_catalog(nooterra_buffer_t* out_catalog, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_catalog == nullptr) return capi::NullArgument("out_catalog");
    auto catalog = policy::GovernanceTemplateCatalog();
    if (!catalog.ok()) return catalog.status();
    return capi::FillBuffer(*catalog, out_catalog);
  });
}

int32_t nooterra_policy_simulate(nooterra_store_t* store, const char* tenant, const uint8_t* policy_json,
                                 size_t policy_size, nooterra_buffer_t* out_report, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || out_report == nullptr || (policy_json == nullptr && policy_size != 0)) {
      return capi::NullArgument("tenant, policy_json and out_report");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto report = agreement::Kernel(lease->get()).SimulateSettlementPolicy(
        tenant, std::string_view(reinterpret_cast<const char*>(policy_json), policy_size));
    if (!report.ok()) return report.status();
    return capi::FillBuffer(*report, out_report);
  });
}

int32_t nooterra_spend_policy_simulate(nooterra_store_t* store, const char* tenant, const char* payer,
                                       const uint8_t* policy_json, size_t policy_size, nooterra_buffer_t* out_report,
                                       nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || payer == nullptr || out_report == nullptr || (policy_json == nullptr && policy_size != 0)) {
      return capi::NullArgument("tenant, payer, policy_json and out_report");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto report = agreement::Kernel(lease->get()).SimulateSpendPolicy(
        tenant, payer, std::string_view(reinterpret_cast<const char*>(policy_json), policy_size));
    if (!report.ok()) return report.status();
    return capi::FillBuffer(*report, out_report);
  });
}

int32_t nooterra_spend_policy_compile(const uint8_t* policy_json, size_t policy_size,
                                      nooterra_spend_policy_t** out_policy, char out_hash_hex[65],
                                      nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_policy == nullptr || (policy_json == nullptr && policy_size != 0)) {
      return capi::NullArgument("policy_json and out_policy");
    }
    *out_policy = nullptr;
    auto doc = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(policy_json), policy_size));
    if (!doc.ok()) return doc.status();
    auto p = policy::SpendPolicy::Compile(doc->root());
    if (!p.ok()) return p.status();
    if (out_hash_hex != nullptr) std::memcpy(out_hash_hex, p->hash().c_str(), 65);
    *out_policy = reinterpret_cast<nooterra_spend_policy_t*>(new policy::SpendPolicy(*std::move(p)));
    return absl::OkStatus();
  });
}

void nooterra_spend_policy_free(nooterra_spend_policy_t* policy) {
  delete reinterpret_cast<policy::SpendPolicy*>(policy);
}

int32_t nooterra_spend_policy_evaluate(const nooterra_spend_policy_t* policy, const uint8_t* request_json,
                                       size_t request_size, const uint8_t* spends_json, size_t spends_size,
                                       const char* now, nooterra_buffer_t* out_decision, int32_t* out_outcome,
                                       nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (policy == nullptr) return capi::NullArgument("policy");
    if (now == nullptr) return capi::NullArgument("now");
    if (out_decision == nullptr) return capi::NullArgument("out_decision");
    if (request_json == nullptr && request_size != 0) return capi::NullArgument("request_json");
    auto now_ms = js::ParseInstantMs(now);
    if (!now_ms) {
      return MakeError(absl::StatusCode::kInvalidArgument, "SPEND_TIME_INVALID",
                       "now must be an ISO 8601 date-time with Z or an offset");
    }
    auto request_doc = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(request_json), request_size));
    if (!request_doc.ok()) return request_doc.status();
    auto request = policy::ParseSpendRequest(request_doc->root());
    if (!request.ok()) return request.status();
    json::Document spends_doc;
    json::Value spends;
    if (absl::Status s = ParseOptional(spends_json, spends_size, &spends_doc, &spends); !s.ok()) return s;
    policy::SpendHistory history;
    if (spends.present()) {
      auto parsed = policy::SpendHistory::Parse(spends);
      if (!parsed.ok()) return parsed.status();
      history = *std::move(parsed);
    }
    auto decision = reinterpret_cast<const policy::SpendPolicy*>(policy)->Evaluate(*request, history, *now_ms);
    if (!decision.ok()) return decision.status();
    if (absl::Status s = capi::FillBuffer(decision->json, out_decision); !s.ok()) return s;
    if (out_outcome != nullptr) *out_outcome = static_cast<int32_t>(decision->outcome);
    return absl::OkStatus();
  });
}

}  // extern "C"
