// C ABI of the json module.
#include <cstring>
#include <string>

#include "internal.h"
#include "nooterra/json.h"

namespace nooterra::capi {
namespace {

// Reads a caller's limits struct, accepting any size from the first published layout up to
// ours (fields it does not carry keep their defaults), so old callers keep working.
absl::Status ReadLimits(const nooterra_json_limits_t* in, json::Limits* out) {
  *out = json::Limits{};
  if (in == nullptr) return absl::OkStatus();
  constexpr uint32_t kMin = offsetof(nooterra_json_limits_t, string_bytes_max) + sizeof(uint64_t);
  if (in->struct_size < kMin || in->struct_size > sizeof(nooterra_json_limits_t)) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STRUCT_SIZE",
                     "nooterra_json_limits_t.struct_size is not a known size; initialize with "
                     "NOOTERRA_JSON_LIMITS_INIT");
  }
  if (in->depth_max == 0 || in->document_bytes_max == 0 || in->string_bytes_max == 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, "LIMITS_INVALID",
                     "JSON limits must be positive");
  }
  out->depth_max = in->depth_max;
  out->document_bytes_max = in->document_bytes_max;
  out->string_bytes_max = in->string_bytes_max;
  return absl::OkStatus();
}

absl::Status CheckInput(const uint8_t* json, size_t size) {
  if (json == nullptr && size > 0) return NullArgument("json");
  return absl::OkStatus();
}

std::string_view View(const uint8_t* data, size_t size) {
  return size == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace
}  // namespace nooterra::capi

using namespace nooterra;  // NOLINT: translation unit of C entry points only

extern "C" {

int32_t nooterra_json_canonicalize(const uint8_t* json_text, size_t json_size,
                                   const nooterra_json_limits_t* limits, nooterra_buffer_t* out,
                                   nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (absl::Status s = capi::CheckInput(json_text, json_size); !s.ok()) return s;
    json::Limits l;
    if (absl::Status s = capi::ReadLimits(limits, &l); !s.ok()) return s;
    auto canonical = json::Canonicalize(capi::View(json_text, json_size), l);
    if (!canonical.ok()) return canonical.status();
    return capi::FillBuffer(*canonical, out);
  });
}

int32_t nooterra_json_canonical_hash(const uint8_t* json_text, size_t json_size,
                                     const nooterra_json_limits_t* limits, char out_hex[65],
                                     nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_hex == nullptr) return capi::NullArgument("out_hex");
    if (absl::Status s = capi::CheckInput(json_text, json_size); !s.ok()) return s;
    json::Limits l;
    if (absl::Status s = capi::ReadLimits(limits, &l); !s.ok()) return s;
    // No heap allocation for a small document: CanonicalSha256 keeps its state on the stack and
    // the hex goes straight into the caller's buffer (a std::string of 64 characters would be
    // one). ~200 ns for the 60-byte document of capi_canonical_hash_small_ns, in quiet batches.
    auto digest = json::CanonicalSha256(capi::View(json_text, json_size), l);
    if (!digest.ok()) return digest.status();
    crypto::HexEncodeTo(*digest, out_hex);
    out_hex[64] = '\0';
    return absl::OkStatus();
  });
}

}  // extern "C"
