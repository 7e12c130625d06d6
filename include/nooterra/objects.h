// Protocol objects: build, validate, hash, sign and verify every kernel object byte for byte.
//
// Rules: ../shared/protocol/kernel/02-object-model.md (members, normalization, which members each
// self-hash excludes, signatures) and 01 (canonical JSON, Ed25519 over the 32 digest bytes, key
// ids, timestamp normalization, localeCompare ordering).
//
// Model. Every object is a JSON document: canonical JSON is the interchange and hashing form.
// `ObjectType` names the type; `Object` holds the normalized body (a json::Tree), its canonical
// bytes and its self-hash. Builders take their inputs as JSON whose member names are the object's
// own (plus a few builder-only inputs such as `input` for ToolCallAgreement's inputHash), so the
// same inputs drive the C++ API, the C ABI, the bindings and `nooterra build-object`.
//
// Determinism. Nothing here reads a clock or a random source: timestamps the reference would
// default to "now" must be given (or come from BuildOptions::now), keys come in as arguments.
//
// Errors. Invalid inputs fail with INVALID_ARGUMENT and a stable reason (see kReason* below);
// the message names the member ("ToolCallAgreement.v1.manifestHash must be a sha256 hex
// string"). Divergences from the reference (offset-less timestamps rejected, numeric strings
// not coerced to numbers) are listed in conformance/README.md.
//
// Threads: all functions are pure; Object is a value (copy freely, share const).
#ifndef NOOTERRA_OBJECTS_H_
#define NOOTERRA_OBJECTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::objects {

// Values are part of the C ABI (nooterra_object_type_t): never reuse or renumber.
enum class ObjectType : int32_t {
  kToolManifest = 1,
  kToolCallAgreement = 2,
  kToolCallEvidence = 3,
  kFundingHold = 4,
  kSettlementDecisionRecordV1 = 5,
  kSettlementDecisionRecordV2 = 6,
  kSettlementReceipt = 7,
  kSettlementAdjustment = 8,
  kPolicyDecision = 9,
  kOperatorAction = 10,
  kDisputeOpenEnvelope = 11,
  kArbitrationCase = 12,
  kArbitrationVerdict = 13,
  kAgreementDelegation = 14,
  kAgentWallet = 15,
  kAgentRunSettlement = 16,
  kMarketplaceOffer = 17,
  kMarketplaceAcceptance = 18,
  kReputationEvent = 19,
};
inline constexpr int32_t kObjectTypeCount = 19;

// Stable reasons of builder and validator errors (StatusReason()).
inline constexpr std::string_view kReasonRequired = "OBJECT_FIELD_REQUIRED";
inline constexpr std::string_view kReasonType = "OBJECT_FIELD_TYPE";          // wrong JSON type
inline constexpr std::string_view kReasonId = "OBJECT_FIELD_ID";              // id charset/length
inline constexpr std::string_view kReasonSha256 = "OBJECT_FIELD_SHA256";      // not 64 hex
inline constexpr std::string_view kReasonInteger = "OBJECT_FIELD_INTEGER";    // not an int in range
inline constexpr std::string_view kReasonTimestamp = "OBJECT_FIELD_TIMESTAMP";
inline constexpr std::string_view kReasonEnum = "OBJECT_FIELD_ENUM";
inline constexpr std::string_view kReasonCurrency = "OBJECT_FIELD_CURRENCY";
inline constexpr std::string_view kReasonLength = "OBJECT_FIELD_LENGTH";      // text too long/short
inline constexpr std::string_view kReasonFormat = "OBJECT_FIELD_FORMAT";      // other pattern
inline constexpr std::string_view kReasonConstraint = "OBJECT_CONSTRAINT";    // cross-member rule
inline constexpr std::string_view kReasonSignerRequired = "OBJECT_SIGNER_REQUIRED";
inline constexpr std::string_view kReasonUnknownType = "OBJECT_TYPE_UNKNOWN";
inline constexpr std::string_view kReasonNotNormalized = "OBJECT_NOT_NORMALIZED";  // Parse()
inline constexpr std::string_view kReasonUnsignable = "OBJECT_NOT_SIGNABLE";
inline constexpr std::string_view kReasonNotObject = "OBJECT_NOT_AN_OBJECT";

// Named limits.
inline constexpr size_t kObjectBytesMax = 4 << 20;   // JSON text of one object or its inputs
inline constexpr uint32_t kObjectDepthMax = 64;      // nesting of free-form members
inline constexpr size_t kVerifyKeysMax = 64;         // public keys offered to VerifyObject

// "ToolCallAgreement.v1" etc.
std::string_view SchemaVersionOf(ObjectType type);
// "ToolCallAgreement.v1" -> kToolCallAgreement; nullopt for any other string.
std::optional<ObjectType> TypeFromSchemaVersion(std::string_view schema_version);
// Also accepts the C ABI's integer values.
std::optional<ObjectType> TypeFromInt(int32_t value);
// The self-hash member ("agreementHash"), or "" for types hashed only as a whole
// (AgentWallet, AgentRunSettlement, ArbitrationCase). For ToolManifest, OperatorAction and
// ArbitrationVerdict the self-hash lives inside `signature` (manifestHash / actionHash /
// verdictHash) and this returns that name.
std::string_view HashMemberOf(ObjectType type);
// Members left out of the self-hash (e.g. FundingHold: holdHash, status, resolvedAt, updatedAt,
// revision, metadata). ArbitrationVerdict hashes a fixed core instead (CoreMembersOf).
absl::Span<const std::string_view> ExcludedMembersOf(ObjectType type);
absl::Span<const std::string_view> CoreMembersOf(ObjectType type);
// True when the type carries an Ed25519 signature (optional for evidence and policy decisions).
bool IsSignable(ObjectType type);

// A normalized object.
struct Object {
  ObjectType type{};
  json::Tree body;         // the full object, signature included
  std::string canonical;   // canonical JSON of `body`
  std::string hash;        // self-hash (lowercase hex); sha256(canonical) for whole-hash types
};

struct BuildOptions {
  // Signs the object when set (types with a signature). ToolManifest, OperatorAction and
  // ArbitrationVerdict require it; DisputeOpenEnvelope needs it or a `signature` input.
  const crypto::PrivateKey* signer = nullptr;
  // Used for timestamps the reference defaults to the current time, when the inputs omit them.
  // Empty: those timestamps are required inputs.
  std::string now;
};

// Builds an object of `type` from `inputs` (a JSON object). The result is normalized, hashed
// and (if a signer is given) signed; building the same inputs twice gives identical bytes.
absl::StatusOr<Object> Build(ObjectType type, json::Value inputs, const BuildOptions& options = {});
absl::StatusOr<Object> Build(ObjectType type, std::string_view inputs_json,
                             const BuildOptions& options = {});

// Parses an existing instance (type from its schemaVersion), validates every member with the
// builder's rules and checks that it is already in normal form. Does not check hashes or
// signatures (VerifyObject does). NOT_FOUND-free: failures are INVALID_ARGUMENT.
absl::StatusOr<Object> Parse(std::string_view json_text);

// The self-hash recomputed from content (the type's exclusions applied).
absl::StatusOr<std::string> ComputeHash(ObjectType type, json::Value object);
absl::StatusOr<std::string> ComputeHash(ObjectType type, const json::Tree& object);

// Signs (or re-signs) a parsed object: recomputes its self-hash, writes the hash members and the
// signature envelope, returns the new object. INVALID_ARGUMENT for unsignable types.
absl::StatusOr<Object> Sign(std::string_view json_text, const crypto::PrivateKey& key);

// ------------------------------------------------------------------------------------------
// Storage form: FlatBuffers (src/objects/objects.fbs, compiled by flatc at build time)
//
// The types the kernel stores have a FlatBuffers table: hashes as 32 raw bytes, amounts as
// integers, free-form members as canonical JSON text. The conversion is lossless: converting an
// object to its buffer and back gives the same canonical bytes and the same hash.

// True for ToolCallAgreement, ToolCallEvidence, FundingHold, SettlementDecisionRecord v1/v2,
// SettlementReceipt, SettlementAdjustment, PolicyDecision, DisputeOpenEnvelope,
// ArbitrationCase, ArbitrationVerdict, ReputationEvent and AgentWallet.
bool HasStorageForm(ObjectType type);
// The FlatBuffer of an object. INVALID_ARGUMENT with reason OBJECT_NO_STORAGE_FORM for other
// types, OBJECT_NOT_STORABLE when a member has no field (an object that was not normalized).
absl::StatusOr<std::string> ToFlatBuffer(const Object& object);
// Verifies `bytes` as a FlatBuffer of `type` (never trusting offsets), converts it back and
// recomputes the canonical JSON and the hash. DATA_LOSS with reason OBJECT_BUFFER_CORRUPT when
// the buffer does not verify or holds what no object can (a 31-byte hash, bad JSON text).
absl::StatusOr<Object> FromFlatBuffer(ObjectType type, std::string_view bytes);

// ------------------------------------------------------------------------------------------
// Verify any object

struct Finding {
  std::string code;     // e.g. OBJECT_HASH_MISMATCH, TOOL_MANIFEST_SIGNATURE_INVALID
  std::string message;
};

struct VerifyReport {
  bool ok = false;                  // no errors
  std::string schema_version;       // as found ("" when missing)
  std::optional<ObjectType> type;
  std::string hash;                 // recomputed self-hash ("" when it could not be computed)
  std::string declared_hash;        // the embedded self-hash ("" when none)
  int32_t signatures_verified = 0;  // embedded signatures checked against a supplied key
  int32_t signatures_unchecked = 0; // embedded signatures whose key was not supplied
  std::vector<Finding> errors;
  std::vector<Finding> warnings;
};

// Detects the type from `schemaVersion`, validates the members, recomputes the self-hash and
// compares it with the embedded one(s), checks an embedded `artifactHash`, and verifies each
// embedded signature whose key id matches one of `keys`. Fails (non-OK status) only for unusable
// input: text that is not JSON, over the limits, or too many keys; everything about the object
// itself is a finding in the report.
absl::StatusOr<VerifyReport> VerifyObject(std::string_view json_text,
                                          absl::Span<const crypto::PublicKey> keys);

// {"ok":..,"schemaVersion":..,"type":..,"hash":..,"declaredHash":..,"signatures":{..},
//  "errors":[{"code","message"}],"warnings":[..]} (canonical JSON, one line).
std::string RenderVerifyReportJson(const VerifyReport& report);

}  // namespace nooterra::objects

#endif  // NOOTERRA_OBJECTS_H_
