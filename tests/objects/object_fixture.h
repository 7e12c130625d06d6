// Shared helpers of the object tests: the protocol vectors and the fixture signer.
#ifndef NOOTERRA_TESTS_OBJECTS_OBJECT_FIXTURE_H_
#define NOOTERRA_TESTS_OBJECTS_OBJECT_FIXTURE_H_

#include <string>
#include <vector>

#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"

namespace nooterra::testing {

// conformance/v1/protocol-vectors/v1.json (parsed once).
const json::Document& ProtocolVectors();
// The vector signer (keys/ed25519_test_keypair.json, key_282c80df2381d6831a92e89b).
const crypto::PrivateKey& VectorSigner();
crypto::PublicKey VectorPublicKey();

// The kernel-object entries of the protocol vectors: entry name -> object type.
struct VectorEntry {
  std::string name;
  objects::ObjectType type;
};
const std::vector<VectorEntry>& KernelVectorEntries();

// Builder inputs re-derived from a vector object: the object minus what the builder computes
// (self-hash, signature, evaluationHash), plus the raw documents the vector publishes
// (input/output/schema JSON) in place of their hashes.
json::Tree InputsFromVector(const std::string& entry_name);

// Valid builder inputs for every type: the vector-derived inputs where a protocol vector
// exists, the 03-vectors.md §2 inputs for FundingHold / SettlementAdjustment /
// ArbitrationVerdict, and a tool-call case record for ArbitrationCase.
json::Tree BaseInputs(objects::ObjectType type);

// BaseInputs(type) built (and signed with VectorSigner() where the type signs).
objects::Object BuiltInstance(objects::ObjectType type);

std::string StringMember(json::Value v, std::string_view key);

}  // namespace nooterra::testing

#endif  // NOOTERRA_TESTS_OBJECTS_OBJECT_FIXTURE_H_
