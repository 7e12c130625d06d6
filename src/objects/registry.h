// The per-type table of src/objects/registry.cc, shared with verify_object.cc. Not installed.
#ifndef NOOTERRA_SRC_OBJECTS_REGISTRY_H_
#define NOOTERRA_SRC_OBJECTS_REGISTRY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

enum class SigStyle {
  kNone,
  kEnvelope,  // optional {algorithm, signerKeyId, <hash>, signature} (evidence, policy decision)
  kManifest,  // required envelope; manifestHash lives only inside it
  kOperator,  // OperatorActionSignature.v1 {schemaVersion, algorithm, keyId, signedAt, actionHash, signatureBase64}
  kPlain,     // `signature` is a bare base64 string; the key id is the hashed `signerKeyId`
  kVerdict,   // required envelope over the verdict core
};

struct TypeSpec {
  ObjectType type;
  std::string_view schema;
  BuildFn build;
  std::string_view hash_member;      // top-level self-hash member ("" none)
  std::string_view sig_hash_member;  // hash echoed inside the signature envelope ("" none)
  absl::Span<const std::string_view> excluded;
  absl::Span<const std::string_view> core;  // when set, the hash covers exactly these members
  SigStyle sig;
  std::string_view code_prefix;  // protocol-specific finding codes ("TOOL_MANIFEST"), else ""
};

const TypeSpec& SpecOf(ObjectType type);
// Self-hash of a body with the type's exclusions (or core); "" if it cannot be canonicalized.
std::string HashOfTree(const TypeSpec& spec, const json::Tree& body);
// Validate-mode rebuild of an existing instance (members checked, declared hashes kept).
absl::StatusOr<Object> RebuildInstance(ObjectType type, json::Value instance);
absl::StatusOr<ObjectType> DetectType(json::Value root);
// The first member where an instance differs from its normal form, in words.
std::string FirstDifference(const json::Tree& normal, json::Value instance);
// Parses object JSON under the object limits.
absl::StatusOr<json::Document> ParseText(std::string_view text);

}  // namespace nooterra::objects::internal

#endif  // NOOTERRA_SRC_OBJECTS_REGISTRY_H_
