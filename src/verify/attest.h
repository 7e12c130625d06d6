// Head attestations and verification reports (04-shared-building-blocks.md §14-§15), and the
// per-kind verifiers built on them.
#ifndef NOOTERRA_SRC_VERIFY_ATTEST_H_
#define NOOTERRA_SRC_VERIFY_ATTEST_H_

#include <optional>
#include <string>
#include <vector>

#include "verify/events.h"

namespace nooterra::verify::internal {

// Which verifier's copy of a helper applies ([J] [M] [F] [I] [C] in the digest).
enum class Variant { kJob, kMonth, kFinance, kInvoice, kClose };

struct DocCheck {
  const Scope* scope = nullptr;
  const Governance* governance = nullptr;
  const KeyFile* keys = nullptr;
  Variant variant = Variant::kJob;
  std::string subject_type;  // the policy rule / report subject type
};

// ECMAScript truthiness of a JSON value.
bool Truthy(json::Value v);

// §14 steps 1-2.
Fail AttestationHeader(json::Value att, Variant v);
// §14 steps 5-8; *hash = the computed attestation hash.
Fail AttestationSignature(json::Value att, const DocCheck& c, std::string* hash);
// §15; `attestation_hash` = the computed hash of a verified attestation, if any.
Fail VerifyReport(json::Value report, const DocCheck& c, std::string_view manifest_hash,
                  const std::optional<std::string>& attestation_hash);
// [F][I]: a valid report's own warnings become CLI warnings.
void SurfaceReportWarnings(json::Value report, std::vector<Warning>* warnings);

// ---- steps shared by the three pack kinds [F][I][C] ----
// Steps 1-7: roots warning, header type, manifest schema, paths, manifest hash, required names
// (strict only), file hashes (`missing_code` for an absent file).
Fail PackPrelude(const Scope& b, std::string_view type, std::string_view manifest_schema,
                 std::initializer_list<std::string_view> required, std::string_view missing_code,
                 std::vector<Warning>* warnings, JsonFile* header, JsonFile* manifest,
                 std::string* manifest_hash);
// The report step: presence (strict) or warning, §15 verification; for [F][I] (`surface`) the
// report's warnings are surfaced and, in strict runs, its attestation hash bound.
Fail PackReportStep(const Scope& b, const DocCheck& check, std::string_view manifest_hash,
                    const std::optional<std::string>& attestation_hash, bool surface,
                    std::vector<Warning>* warnings);
// [I][C] attestation bindings: kind, tenantId and scope.invoiceId (when the header has them),
// manifestHash.
Fail InvoiceScopedBinding(json::Value att, json::Value header, std::string_view kind,
                          std::string_view manifest_hash);

// [J] provenance references (05 §3): nullopt when every reference holds, else the reference's
// detail record {ok:false, checked, errors:[...]} as JSON text.
std::optional<std::string> CheckProvenance(const std::vector<json::Document>& events);

// ---- the five kinds ----
struct KindResult {
  std::string tenant_id_json = "null";  // JSON text of the summary tenantId
  std::optional<std::string> tenant_id, period, type, manifest_hash;
  std::optional<std::string> attestation_hash;  // computed hash of a verified attestation
};

Fail VerifyProofBundle(const Scope& b, bool month, std::vector<Warning>* warnings, KindResult* out);
Fail VerifyFinancePack(const Scope& b, std::vector<Warning>* warnings, KindResult* out);
Fail VerifyInvoiceBundle(const Scope& b, std::vector<Warning>* warnings, KindResult* out);
Fail VerifyClosePack(const Scope& b, std::vector<Warning>* warnings, KindResult* out);

// The warning every kind adds first in non-strict runs without governance roots.
void RootsMissingWarning(const Scope& b, std::vector<Warning>* warnings);

}  // namespace nooterra::verify::internal

#endif  // NOOTERRA_SRC_VERIFY_ATTEST_H_
