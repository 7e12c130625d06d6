// Error objects and owned buffers of the C ABI.
#include <cstdlib>
#include <cstring>
#include <string>

#include "internal.h"

struct nooterra_error_t {
  int32_t code;
  int64_t offset;
  std::string reason;
  std::string message;
};

namespace {
// One translation table: the C codes are Abseil's canonical codes, pair by pair.
#define NOOTERRA_SAME(c_name, absl_name) \
  static_assert(c_name == static_cast<int>(absl::StatusCode::absl_name), #c_name)
NOOTERRA_SAME(NOOTERRA_OK, kOk);
NOOTERRA_SAME(NOOTERRA_CANCELLED, kCancelled);
NOOTERRA_SAME(NOOTERRA_UNKNOWN, kUnknown);
NOOTERRA_SAME(NOOTERRA_INVALID_ARGUMENT, kInvalidArgument);
NOOTERRA_SAME(NOOTERRA_DEADLINE_EXCEEDED, kDeadlineExceeded);
NOOTERRA_SAME(NOOTERRA_NOT_FOUND, kNotFound);
NOOTERRA_SAME(NOOTERRA_ALREADY_EXISTS, kAlreadyExists);
NOOTERRA_SAME(NOOTERRA_PERMISSION_DENIED, kPermissionDenied);
NOOTERRA_SAME(NOOTERRA_RESOURCE_EXHAUSTED, kResourceExhausted);
NOOTERRA_SAME(NOOTERRA_FAILED_PRECONDITION, kFailedPrecondition);
NOOTERRA_SAME(NOOTERRA_ABORTED, kAborted);
NOOTERRA_SAME(NOOTERRA_OUT_OF_RANGE, kOutOfRange);
NOOTERRA_SAME(NOOTERRA_UNIMPLEMENTED, kUnimplemented);
NOOTERRA_SAME(NOOTERRA_INTERNAL, kInternal);
NOOTERRA_SAME(NOOTERRA_UNAVAILABLE, kUnavailable);
NOOTERRA_SAME(NOOTERRA_DATA_LOSS, kDataLoss);
NOOTERRA_SAME(NOOTERRA_UNAUTHENTICATED, kUnauthenticated);
#undef NOOTERRA_SAME

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",          "UNKNOWN",       "INVALID_ARGUMENT",  "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",  "UNIMPLEMENTED",     "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",        "UNAUTHENTICATED"};
}  // namespace

namespace nooterra::capi {

int32_t Report(const absl::Status& status, nooterra_error_t** error) {
  int32_t code = static_cast<int32_t>(status.code());
  if (error == nullptr) return code;
  if (status.ok()) {
    *error = nullptr;
    return code;
  }
  // Allocation failure here would lose the error; report the code alone in that case.
  auto* e = new (std::nothrow) nooterra_error_t;
  if (e != nullptr) {
    try {
      e->code = code;
      std::optional<uint64_t> offset = StatusOffset(status);
      e->offset = offset ? static_cast<int64_t>(*offset) : -1;
      e->reason = StatusReason(status);
      e->message = std::string(status.message());
    } catch (...) {
      delete e;
      e = nullptr;
    }
  }
  *error = e;
  return code;
}

absl::Status FillBuffer(std::string_view bytes, nooterra_buffer_t* buffer) {
  auto* data = static_cast<uint8_t*>(std::malloc(bytes.size() + 1));
  if (data == nullptr) {
    return MakeError(absl::StatusCode::kResourceExhausted, "OUT_OF_MEMORY", "out of memory");
  }
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  data[bytes.size()] = 0;
  nooterra_buffer_dispose(buffer);
  buffer->data = data;
  buffer->size = bytes.size();
  return absl::OkStatus();
}

}  // namespace nooterra::capi

extern "C" {

int32_t nooterra_error_code(const nooterra_error_t* error) {
  return error == nullptr ? NOOTERRA_OK : error->code;
}

const char* nooterra_code_name(int32_t code) {
  if (code < 0 || code >= static_cast<int32_t>(sizeof(kCodeNames) / sizeof(kCodeNames[0]))) {
    return "UNKNOWN";
  }
  return kCodeNames[code];
}

const char* nooterra_error_reason(const nooterra_error_t* error) {
  return error == nullptr ? "" : error->reason.c_str();
}

const char* nooterra_error_message(const nooterra_error_t* error) {
  return error == nullptr ? "" : error->message.c_str();
}

int64_t nooterra_error_offset(const nooterra_error_t* error) {
  return error == nullptr ? -1 : error->offset;
}

void nooterra_error_free(nooterra_error_t* error) { delete error; }

void nooterra_buffer_dispose(nooterra_buffer_t* buffer) {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  buffer->data = nullptr;
  buffer->size = 0;
}

}  // extern "C"
