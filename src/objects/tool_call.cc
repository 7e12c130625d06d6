// ToolManifest.v1, ToolCallAgreement.v1, ToolCallEvidence.v1 (02-object-model.md §1-3).
#include <string>

#include "common/js.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

namespace {

// sha256(canonical(value ?? {})): the schema, input and output hashes.
std::string HashOrEmptyObject(Reader& r, std::string_view key) {
  json::Value v = r.Raw(key);
  if (!v.present() || v.is_null()) {
    return "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";  // sha256("{}")
  }
  auto digest = json::CanonicalDigest(v);
  if (!digest.ok()) {
    r.Fail(kReasonFormat, key, "cannot be canonicalized (-0 or a non-finite number)");
    return std::string();
  }
  return HexOf(*digest);
}

// The given hash member, else the hash of the raw member (e.g. inputHash from input).
std::string GivenOrHashed(Reader& r, std::string_view hash_key, std::string_view raw_key) {
  if (r.Has(hash_key)) return r.Sha(hash_key);
  return HashOrEmptyObject(r, raw_key);
}

}  // namespace

void BuildToolManifest(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("ToolManifest.v1"));
  out->Add("toolId", S(r.Text("toolId", /*trim=*/false)));
  out->Add("toolVersion", S(r.Text("toolVersion", /*trim=*/false)));
  json::Value endpoints = r.Raw("endpoints");
  if (!endpoints.is_array() || endpoints.size() == 0) {
    r.Fail(kReasonRequired, "endpoints", "must be a non-empty array");
  } else {
    out->Add("endpoints", json::Tree::FromValue(endpoints));
  }
  out->Add("inputSchemaHash", S(GivenOrHashed(r, "inputSchemaHash", "inputSchema")));
  out->Add("outputSchemaHash", S(GivenOrHashed(r, "outputSchemaHash", "outputSchema")));
  out->Add("verifierHints", OrNull(r.OptObject("verifierHints")));
  out->Add("createdAt", S(r.IsoVerbatim("createdAt", ctx.now)));
}

void BuildToolCallAgreement(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("ToolCallAgreement.v1"));
  out->Add("toolId", S(r.Text("toolId", /*trim=*/true)));
  out->Add("manifestHash", S(r.Sha("manifestHash")));
  out->Add("callId", S(r.Text("callId", /*trim=*/true)));
  out->Add("inputHash", S(GivenOrHashed(r, "inputHash", "input")));
  out->Add("acceptanceCriteria", OrNull(r.OptObject("acceptanceCriteria")));
  out->Add("settlementTerms", OrNull(r.OptObject("settlementTerms")));
  out->Add("payerAgentId", OrNull(r.OptText("payerAgentId", /*trim=*/true, 200)));
  out->Add("payeeAgentId", OrNull(r.OptText("payeeAgentId", /*trim=*/true, 200)));
  out->Add("createdAt", S(r.IsoNorm("createdAt", ctx.now)));
}

void BuildToolCallEvidence(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("ToolCallEvidence.v1"));
  out->Add("agreementHash", S(r.Sha("agreementHash")));
  out->Add("callId", S(r.Text("callId", /*trim=*/true)));
  out->Add("inputHash", S(r.Sha("inputHash")));
  out->Add("outputHash", S(GivenOrHashed(r, "outputHash", "output")));
  out->Add("outputRef", OrNull(r.OptText("outputRef", /*trim=*/true)));
  out->Add("metrics", OrNull(r.OptObject("metrics")));
  const std::string started = r.IsoNorm("startedAt", ctx.now);
  const std::string completed = r.IsoNorm("completedAt", started);
  out->Add("startedAt", S(started));
  out->Add("completedAt", S(completed));
  out->Add("createdAt", S(r.IsoNorm("createdAt", completed)));
}

}  // namespace nooterra::objects::internal
