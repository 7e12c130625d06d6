// libFuzzer target: the unified spend policy (include/nooterra/spend_policy.h) on untrusted
// documents and requests. The input is "<policy JSON>\n<request JSON>\n<spends JSON>". Properties:
// every failure is a typed error; a compiled policy's normal form compiles again to the same hash;
// evaluation never fails on a valid request and history, its outcome agrees with its reasons, and
// evaluating twice gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nooterra/json.h"
#include "nooterra/spend_policy.h"
#include "nooterra/status.h"

namespace {

void Typed(const absl::Status& s) {
  if (!s.ok() && nooterra::StatusReason(s).empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nooterra;
  if (size > (64 << 10)) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t a = input.find('\n');
  const size_t b = a == std::string_view::npos ? a : input.find('\n', a + 1);
  const std::string_view policy_text = input.substr(0, a);
  const std::string_view request_text = a == std::string_view::npos ? "{}" : input.substr(a + 1, b - a - 1);
  const std::string_view spends_text = b == std::string_view::npos ? "[]" : input.substr(b + 1);

  auto policy_doc = json::Document::Parse(policy_text);
  Typed(policy_doc.status());
  if (!policy_doc.ok()) return 0;
  auto policy = policy::SpendPolicy::Compile(policy_doc->root());
  Typed(policy.status());
  if (!policy.ok()) return 0;
  auto again = policy::SpendPolicy::Compile(json::Document::Parse(policy->normalized())->root());
  if (!again.ok() || again->hash() != policy->hash() || again->normalized() != policy->normalized()) std::abort();

  auto request_doc = json::Document::Parse(request_text);
  auto spends_doc = json::Document::Parse(spends_text);
  if (!request_doc.ok() || !spends_doc.ok()) return 0;
  auto request = policy::ParseSpendRequest(request_doc->root());
  Typed(request.status());
  auto history = policy::SpendHistory::Parse(spends_doc->root());
  Typed(history.status());
  if (!request.ok() || !history.ok()) return 0;
  auto d = policy->Evaluate(*request, *history, 1767225600000);
  Typed(d.status());
  if (!d.ok()) {
    if (d.status().code() != absl::StatusCode::kOutOfRange) std::abort();  // only a sum overflow may fail
    return 0;
  }
  if ((d->outcome == policy::SpendOutcome::kAllow) != d->reasons.empty()) std::abort();
  auto twice = policy->Evaluate(*request, *history, 1767225600000);
  if (!twice.ok() || twice->json != d->json) std::abort();
  if (!json::Document::Parse(d->json).ok()) std::abort();
  return 0;
}
