#include "nooterra/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "common/strings.h"

namespace nooterra {
namespace {
// Payload type URLs. Private to the library: callers use StatusReason / StatusOffset.
constexpr char kReasonUrl[] = "nooterra.dev/reason";
constexpr char kOffsetUrl[] = "nooterra.dev/offset";
}  // namespace

absl::Status MakeError(absl::StatusCode code, std::string_view reason, std::string_view message,
                       std::optional<uint64_t> offset) {
  absl::Status status(code, ToAbsl(message));
  if (status.ok()) return status;  // an OK code carries no payload
  status.SetPayload(kReasonUrl, absl::Cord(ToAbsl(reason)));
  if (offset.has_value()) status.SetPayload(kOffsetUrl, absl::Cord(std::to_string(*offset)));
  return status;
}

std::string StatusReason(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

std::optional<uint64_t> StatusOffset(const absl::Status& status) {
  auto payload = status.GetPayload(kOffsetUrl);
  uint64_t value = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace nooterra
