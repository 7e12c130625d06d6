// C ABI of the objects module: a translation of include/nooterra/objects.h, nothing more.
#include <cstring>
#include <string>
#include <vector>

#include "internal.h"
#include "nooterra/objects.h"

using namespace nooterra;  // NOLINT: translation unit of C entry points only

namespace {

void CopyHash(const std::string& hash, char* out_hex) {
  if (out_hex == nullptr) return;
  std::memset(out_hex, 0, 65);
  std::memcpy(out_hex, hash.data(), hash.size() < 64 ? hash.size() : 64);
}

std::string_view Text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

absl::Status UnknownType(int32_t type) {
  return MakeError(absl::StatusCode::kInvalidArgument, objects::kReasonUnknownType,
                   "unknown object type (use NOOTERRA_OBJECT_*)");
}

}  // namespace

extern "C" {

const char* nooterra_object_schema_version(int32_t type) {
  auto t = objects::TypeFromInt(type);
  // The schema strings are static literals in the type table, so data() is NUL-terminated.
  return t ? objects::SchemaVersionOf(*t).data() : nullptr;
}

int32_t nooterra_object_type_from_schema(const char* schema_version, int32_t* out_type,
                                         nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (schema_version == nullptr) return capi::NullArgument("schema_version");
    if (out_type == nullptr) return capi::NullArgument("out_type");
    auto t = objects::TypeFromSchemaVersion(schema_version);
    if (!t) {
      return MakeError(absl::StatusCode::kInvalidArgument, objects::kReasonUnknownType,
                       std::string("unknown schemaVersion ") + schema_version);
    }
    *out_type = static_cast<int32_t>(*t);
    return absl::OkStatus();
  });
}

int32_t nooterra_object_build(int32_t type, const uint8_t* inputs_json, size_t inputs_size,
                              const nooterra_object_build_options_t* options,
                              nooterra_buffer_t* out_json, char out_hash_hex[65],
                              nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (inputs_json == nullptr && inputs_size != 0) return capi::NullArgument("inputs_json");
    if (out_json == nullptr) return capi::NullArgument("out_json");
    auto t = objects::TypeFromInt(type);
    if (!t) return UnknownType(type);
    objects::BuildOptions o;
    if (options != nullptr) {
      if (options->struct_size != sizeof(nooterra_object_build_options_t)) {
        return MakeError(absl::StatusCode::kInvalidArgument, "STRUCT_SIZE",
                         "nooterra_object_build_options_t.struct_size is not a known size; "
                         "initialize with NOOTERRA_OBJECT_BUILD_OPTIONS_INIT");
      }
      if (options->signer != nullptr) o.signer = &options->signer->key;
      if (options->now != nullptr) o.now = options->now;
    }
    auto built = objects::Build(*t, Text(inputs_json, inputs_size), o);
    if (!built.ok()) return built.status();
    if (absl::Status s = capi::FillBuffer(built->canonical, out_json); !s.ok()) return s;
    CopyHash(built->hash, out_hash_hex);
    return absl::OkStatus();
  });
}

int32_t nooterra_object_validate(const uint8_t* json, size_t size, int32_t* out_type,
                                 char out_hash_hex[65], nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (json == nullptr && size != 0) return capi::NullArgument("json");
    auto parsed = objects::Parse(Text(json, size));
    if (!parsed.ok()) return parsed.status();
    if (out_type != nullptr) *out_type = static_cast<int32_t>(parsed->type);
    CopyHash(parsed->hash, out_hash_hex);
    return absl::OkStatus();
  });
}

int32_t nooterra_object_hash(const uint8_t* json, size_t size, char out_hash_hex[65],
                             nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (json == nullptr && size != 0) return capi::NullArgument("json");
    if (out_hash_hex == nullptr) return capi::NullArgument("out_hash_hex");
    auto doc = json::Document::Parse(Text(json, size));
    if (!doc.ok()) return doc.status();
    json::Value root = doc->root();
    if (!root.is_object()) {
      return MakeError(absl::StatusCode::kInvalidArgument, objects::kReasonNotObject,
                       "an object must be a JSON object");
    }
    json::Value sv = root.Find("schemaVersion");
    auto t = sv.is_string() ? objects::TypeFromSchemaVersion(sv.as_string()) : std::nullopt;
    if (!t) {
      return MakeError(absl::StatusCode::kInvalidArgument, objects::kReasonUnknownType,
                       "schemaVersion is missing or unknown");
    }
    auto hash = objects::ComputeHash(*t, root);
    if (!hash.ok()) return hash.status();
    CopyHash(*hash, out_hash_hex);
    return absl::OkStatus();
  });
}

int32_t nooterra_object_sign(const uint8_t* json, size_t size, const nooterra_private_key_t* key,
                             nooterra_buffer_t* out_json, char out_hash_hex[65],
                             nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (json == nullptr && size != 0) return capi::NullArgument("json");
    if (key == nullptr) return capi::NullArgument("key");
    if (out_json == nullptr) return capi::NullArgument("out_json");
    auto signed_object = objects::Sign(Text(json, size), key->key);
    if (!signed_object.ok()) return signed_object.status();
    if (absl::Status s = capi::FillBuffer(signed_object->canonical, out_json); !s.ok()) return s;
    CopyHash(signed_object->hash, out_hash_hex);
    return absl::OkStatus();
  });
}

int32_t nooterra_object_verify(const uint8_t* json, size_t size,
                               const nooterra_public_key_t* const* keys, size_t key_count,
                               nooterra_buffer_t* out_report, int32_t* out_ok,
                               nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (json == nullptr && size != 0) return capi::NullArgument("json");
    if (keys == nullptr && key_count != 0) return capi::NullArgument("keys");
    if (out_report == nullptr) return capi::NullArgument("out_report");
    if (key_count > objects::kVerifyKeysMax) {
      return MakeError(absl::StatusCode::kInvalidArgument, "OBJECT_TOO_MANY_KEYS",
                       "at most 64 public keys may be supplied");
    }
    std::vector<crypto::PublicKey> list;
    list.reserve(key_count);
    for (size_t i = 0; i < key_count; ++i) {
      if (keys[i] == nullptr) return capi::NullArgument("keys[i]");
      list.push_back(keys[i]->key);
    }
    auto report = objects::VerifyObject(Text(json, size), list);
    if (!report.ok()) return report.status();
    if (absl::Status s = capi::FillBuffer(objects::RenderVerifyReportJson(*report), out_report);
        !s.ok()) {
      return s;
    }
    if (out_ok != nullptr) *out_ok = report->ok ? 1 : 0;
    return absl::OkStatus();
  });
}

}  // extern "C"
