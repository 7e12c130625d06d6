// Error conventions of the C++ core.
//
// Every fallible function returns absl::Status / absl::StatusOr<T> with one of Abseil's canonical
// codes (the C ABI copies the code number unchanged). Two optional payloads make errors
// machine-readable without parsing message text:
//   - a *reason*: a stable UPPER_SNAKE identifier such as "JSON_SYNTAX" or "KEY_INVALID_PEM";
//   - an *offset*: the byte offset in the caller's input where the problem was found.
// Messages are for people and may change between releases; reasons and codes do not.
#ifndef NOOTERRA_STATUS_H_
#define NOOTERRA_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace nooterra {

// Builds a status with `code`, a stable `reason` and a human `message`. `offset` (a byte offset
// in the input being processed) is attached when given.
absl::Status MakeError(absl::StatusCode code, std::string_view reason, std::string_view message,
                       std::optional<uint64_t> offset = std::nullopt);

// The stable reason attached by MakeError, or "" when the status carries none (OK included).
std::string StatusReason(const absl::Status& status);

// The byte offset attached by MakeError, if any.
std::optional<uint64_t> StatusOffset(const absl::Status& status);

}  // namespace nooterra

#endif  // NOOTERRA_STATUS_H_
