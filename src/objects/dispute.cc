// OperatorAction.v1, DisputeOpenEnvelope.v1, ArbitrationCase.v1, ArbitrationVerdict.v1
// (02-object-model.md §10-13).
#include <string>

#include "common/js.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

namespace {

// An upper-cased code of `min`..`max` characters drawn from A-Z, 0-9 and `punct`, optionally
// starting with a letter: justificationCode ^[A-Z][A-Z0-9._:-]*$, reasonCode ^[A-Z0-9_]{2,64}$.
std::string UpperCode(Reader& r, std::string_view key, size_t min, size_t max,
                      bool letter_first, std::string_view punct, std::string_view pattern) {
  std::string s = r.Text(key, /*trim=*/true, max);
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  bool ok = s.size() >= min && (!letter_first || (s[0] >= 'A' && s[0] <= 'Z'));
  for (char c : s) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                punct.find(c) != std::string_view::npos);
  }
  if (r.ok() && !ok) r.Fail(kReasonFormat, key, std::string("must match ") + std::string(pattern));
  return s;
}

// The ids that place a case or verdict: case, tenant, run, settlement, dispute.
void AddDisputeScope(Reader& r, json::Tree* out) {
  out->Add("caseId", S(r.Id("caseId", 3, 240)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("runId", S(r.Id("runId", 1, 128)));
  out->Add("settlementId", S(r.Id("settlementId", 1, 200)));
  out->Add("disputeId", S(r.Id("disputeId", 1, 240)));
}

}  // namespace

bool StartsWithDateTime(std::string_view s) {
  static constexpr char kShape[] = "dddd-dd-ddT";
  if (s.size() < 11) return false;
  for (size_t i = 0; i < 11; ++i) {
    const char want = kShape[i], c = s[i];
    if (want == 'd' ? !(c >= '0' && c <= '9') : c != want) return false;
  }
  return true;
}

void BuildOperatorAction(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("OperatorAction.v1"));
  SetIf(out, "actionId", r.OptId("actionId", 1, 240, IdChars::kWide));
  Reader case_ref = r.Nested("caseRef");
  if (!r.Raw("caseRef").is_object()) r.Fail(kReasonRequired, "caseRef", "is required");
  json::Tree c = json::Tree::Object();
  c.Set("kind", S(case_ref.Enum("kind", {"challenge", "dispute", "escalation"}, Reader::Case::kLower)));
  c.Set("caseId", S(case_ref.Id("caseId", 1, 240, IdChars::kWide)));
  r.Adopt(case_ref);
  out->Add("caseRef", std::move(c));
  out->Add("action", S(r.Enum("action", {"APPROVE", "REJECT", "REQUEST_INFO", "OVERRIDE_ALLOW",
                                         "OVERRIDE_DENY"},
                              Reader::Case::kUpper)));
  out->Add("justificationCode", S(UpperCode(r, "justificationCode", 1, 128, /*letter_first=*/true,
                                            "._:-", "^[A-Z][A-Z0-9._:-]*$")));
  SetIf(out, "justification", r.OptText("justification", /*trim=*/true, 2000));

  Reader actor_in = r.Nested("actor");
  if (!r.Raw("actor").is_object()) r.Fail(kReasonRequired, "actor", "is required");
  json::Tree actor = json::Tree::Object();
  const std::string_view operator_key = actor_in.Has("operatorId") ? "operatorId" : "id";
  actor.Set("operatorId", S(actor_in.Id(operator_key, 1, 200, IdChars::kWide)));
  if (auto role = actor_in.OptText("role", /*trim=*/true, 128)) {
    std::string lower = js::LowerTrim(*role);
    bool ok = true;
    for (char ch : lower) {
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                  ch == ':' || ch == '-');
    }
    if (!ok) actor_in.Fail(kReasonFormat, "role", "must match ^[a-z0-9._:-]+$");
    actor.Set("role", S(lower));
  }
  SetIf(&actor, "tenantId", actor_in.OptId("tenantId", 1, 128, IdChars::kWide));
  SetIf(&actor, "sessionId", actor_in.OptId("sessionId", 1, 256, IdChars::kWide));
  if (auto metadata = actor_in.OptObject("metadata")) actor.Set("metadata", std::move(*metadata));
  r.Adopt(actor_in);
  out->Add("actor", std::move(actor));

  // OperatorAction additionally insists on a date-time (YYYY-MM-DDT...), not a bare date.
  json::Value acted_raw = r.Raw("actedAt");
  std::string_view acted_text = acted_raw.is_string() ? acted_raw.as_string() : std::string_view(ctx.now);
  if (!acted_text.empty() && !StartsWithDateTime(acted_text)) {
    r.Fail(kReasonTimestamp, "actedAt", "must start with YYYY-MM-DDT");
  }
  out->Add("actedAt", S(r.IsoNorm("actedAt", ctx.now)));
  if (r.Raw("metadata").present()) {
    if (!r.Raw("metadata").is_object()) {
      r.Fail(kReasonType, "metadata", "must be an object when present");
    } else {
      out->Add("metadata", json::Tree::FromValue(r.Raw("metadata")));
    }
  }
}

void BuildDisputeOpenEnvelope(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("DisputeOpenEnvelope.v1"));
  out->Add("artifactType", S(r.Enum("artifactType", {"DisputeOpenEnvelope.v1"}, Reader::Case::kAsIs,
                                    "DisputeOpenEnvelope.v1")));
  const std::string id = TwinId(r, "envelopeId", "artifactId", 3, 240);
  out->Add("artifactId", S(id));
  out->Add("envelopeId", S(id));
  out->Add("caseId", S(r.Id("caseId", 3, 240)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("agreementHash", S(r.Sha("agreementHash")));
  out->Add("receiptHash", S(r.Sha("receiptHash")));
  out->Add("holdHash", S(r.Sha("holdHash")));
  out->Add("openedByAgentId", S(r.Id("openedByAgentId", 3, 128)));
  out->Add("openedAt", S(r.IsoNorm("openedAt", ctx.now)));
  out->Add("reasonCode", S(UpperCode(r, "reasonCode", 2, 64, /*letter_first=*/false, "_",
                                     "^[A-Z0-9_]{2,64}$")));
  out->Add("nonce", S(r.Id("nonce", 8, 240)));
  out->Add("signerKeyId", S(r.Id("signerKeyId", 8, 240)));
}

void BuildArbitrationCase(Reader& r, const Context& ctx, json::Tree* out) {
  // The case record (no self-hash). Tool-call cases open straight in `under_review`.
  out->Add("schemaVersion", S("ArbitrationCase.v1"));
  AddDisputeScope(r, out);
  out->Add("claimantAgentId", S(r.Id("claimantAgentId", 3, 128)));
  out->Add("respondentAgentId", S(r.Id("respondentAgentId", 3, 128)));
  out->Add("arbiterAgentId", OrNull(r.OptId("arbiterAgentId", 3, 128)));
  out->Add("priority", S(r.Enum("priority", {"low", "normal", "high", "critical"},
                                Reader::Case::kLower, "normal")));
  out->Add("status", S(r.Enum("status", {"open", "under_review", "verdict_issued", "closed"},
                              Reader::Case::kLower, "open")));
  const std::string opened = r.IsoVerbatim("openedAt", ctx.now);
  out->Add("openedAt", S(opened));
  out->Add("closedAt", OrNull(r.OptIsoVerbatim("closedAt")));
  out->Add("summary", OrNull(r.OptText("summary", /*trim=*/true, 4000)));
  out->Add("evidenceRefs", TrimmedUniqueStrings(&r, "evidenceRefs"));
  SetIf(out, "verdictId", r.OptId("verdictId", 1, 240));
  SetIf(out, "verdictHash", r.OptSha("verdictHash"));
  out->Add("appealRef", OrNull(r.OptObject("appealRef")));
  if (auto metadata = r.OptObject("metadata")) out->Add("metadata", std::move(*metadata));
  out->Add("revision", N(r.OptInt("revision", 1).value_or(1)));
  const std::string created = r.IsoVerbatim("createdAt", opened);
  out->Add("createdAt", S(created));
  out->Add("updatedAt", S(r.IsoVerbatim("updatedAt", created)));
}

void BuildArbitrationVerdict(Reader& r, const Context& ctx, json::Tree* out) {
  // The hashed core first (CoreMembersOf), then the record members.
  out->Add("schemaVersion", S("ArbitrationVerdict.v1"));
  out->Add("verdictId", S(r.Id("verdictId", 1, 240)));
  AddDisputeScope(r, out);
  out->Add("arbiterAgentId", S(r.Id("arbiterAgentId", 3, 128)));
  out->Add("outcome", S(r.Enum("outcome", {"accepted", "rejected", "partial"}, Reader::Case::kLower)));
  out->Add("releaseRatePct", N(r.Int("releaseRatePct", 0, 100)));
  out->Add("rationale", S(r.Text("rationale", /*trim=*/false, 4000)));
  out->Add("evidenceRefs", TrimmedUniqueStrings(&r, "evidenceRefs"));
  const std::string issued = r.IsoVerbatim("issuedAt", ctx.now, /*trim=*/true);
  out->Add("issuedAt", S(issued));
  json::Tree appeal = json::Tree::Null();
  if (r.Has("appealRef")) {
    Reader a = r.Nested("appealRef");
    if (!r.Raw("appealRef").is_object()) r.Fail(kReasonType, "appealRef", "must be an object or null");
    appeal = json::Tree::Object();
    appeal.Set("appealCaseId", S(a.Id("appealCaseId", 3, 240)));
    appeal.Set("parentVerdictId", S(a.Id("parentVerdictId", 1, 240)));
    appeal.Set("reason", OrNull(a.OptText("reason", /*trim=*/true, 2000)));
    r.Adopt(a);
  }
  out->Add("appealRef", std::move(appeal));
  if (auto metadata = r.OptObject("metadata")) out->Add("metadata", std::move(*metadata));
  out->Add("revision", N(r.OptInt("revision", 1).value_or(1)));
  out->Add("createdAt", S(r.IsoVerbatim("createdAt", issued)));
  out->Add("updatedAt", S(r.IsoVerbatim("updatedAt", issued)));
}

}  // namespace nooterra::objects::internal
