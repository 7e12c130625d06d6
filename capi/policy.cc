// C ABI of the policy module: a translation of include/nooterra/policy.h.
#include <string>

#include "internal.h"
#include "nooterra/json.h"
#include "nooterra/policy.h"

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

}  // extern "C"
