// PolicyDecision.v1 and its evaluationHash (02-object-model.md §9).
#include <algorithm>
#include <string>
#include <vector>

#include "common/js.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

namespace {

// A lower-case token (^[a-z0-9_-]+$, at most `max` characters) or null when absent.
std::optional<std::string> Token(Reader& r, std::string_view key, size_t max) {
  json::Value v = r.Raw(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    r.Fail(kReasonType, key, "must be a string");
    return std::nullopt;
  }
  std::string s = js::LowerTrim(v.as_string());
  if (s.empty()) return std::nullopt;
  bool ok = s.size() <= max;
  for (char c : s) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (!ok) {
    r.Fail(kReasonFormat, key, "must match ^[a-z0-9_-]+$ (case-insensitive) and be short");
    return std::nullopt;
  }
  return s;
}

// int in [lo, hi], else nullopt (the reference silently replaces invalid numbers).
std::optional<int64_t> SoftInt(json::Value v, int64_t lo, int64_t hi) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.as_number();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi) ||
      d != static_cast<double>(static_cast<int64_t>(d))) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

// reasonCodes: non-strings dropped, trimmed, empties dropped, <=128 characters of
// [A-Za-z0-9._:-] (else an error), de-duplicated, sorted with localeCompare.
json::Tree ReasonCodes(Reader& r) {
  json::Tree out = json::Tree::Array();
  json::Value v = r.Raw("reasonCodes");
  if (!v.present() || v.is_null()) return out;
  if (!v.is_array()) {
    r.Fail(kReasonType, "reasonCodes", "must be an array");
    return out;
  }
  std::vector<std::string> codes;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v.at(i).is_string()) continue;
    std::string_view t = js::TrimJs(v.at(i).as_string());
    if (t.empty()) continue;
    if (t.size() > 128 || !MatchesIdChars(t, IdChars::kCode)) {
      r.Fail(kReasonFormat, "reasonCodes", "entries must be 1..128 characters of [A-Za-z0-9._:-]");
      return out;
    }
    if (std::find(codes.begin(), codes.end(), t) == codes.end()) codes.emplace_back(t);
  }
  std::stable_sort(codes.begin(), codes.end(), [](const std::string& a, const std::string& b) {
    return js::LocaleCompare(a, b) < 0;
  });
  for (std::string& c : codes) out.Push(S(std::move(c)));
  return out;
}

}  // namespace

void BuildPolicyDecision(Reader& r, const Context& ctx, json::Tree* out) {
  out->Add("schemaVersion", S("PolicyDecision.v1"));
  out->Add("decisionId", S(r.Id("decisionId", 1, 240)));
  out->Add("tenantId", S(r.Id("tenantId", 1, 128)));
  out->Add("runId", S(r.Id("runId", 1, 128)));
  out->Add("settlementId", S(r.Id("settlementId", 1, 200)));
  if (auto gate = r.OptId("gateId", 1, 240)) out->Add("gateId", S(*gate));

  // policyRef: from `policyRef`, with `policyInput` ({policyId | id, policyVersion}) as the
  // reference builder's fallback for the id and version.
  Reader ref = r.Nested("policyRef");
  json::Value input = r.Raw("policyInput");
  json::Value id_value = ref.Raw("policyId");
  if (!id_value.is_string() && input.is_object()) {
    id_value = input.Find("policyId").is_string() ? input.Find("policyId") : input.Find("id");
  }
  std::optional<std::string> policy_id;
  if (id_value.is_string()) {
    std::string_view t = js::TrimJs(id_value.as_string());
    if (!t.empty() && t.size() <= 128 && MatchesIdChars(t, IdChars::kCode)) policy_id = std::string(t);
  }
  json::Value version_value = ref.Raw("policyVersion");
  if (!version_value.is_number() && input.is_object()) version_value = input.Find("policyVersion");
  json::Tree policy_ref = json::Tree::Object();
  policy_ref.Set("policyId", OrNull(policy_id));
  policy_ref.Set("policyVersion", OrNull(SoftInt(version_value, 1, kSafeIntMax)));
  policy_ref.Set("policyHash", S(ref.Sha("policyHash")));
  policy_ref.Set("verificationMethodHash", S(ref.Sha("verificationMethodHash")));
  r.Adopt(ref);
  out->Add("policyRef", std::move(policy_ref));

  out->Add("decisionMode", S(r.Enum("decisionMode", {"automatic", "manual-review"},
                                    Reader::Case::kLower)));
  out->Add("verificationStatus", OrNull(Token(r, "verificationStatus", 32)));
  out->Add("runStatus", OrNull(Token(r, "runStatus", 32)));
  out->Add("shouldAutoResolve", json::Tree::Bool(r.Raw("shouldAutoResolve").is_bool() &&
                                                 r.Raw("shouldAutoResolve").as_bool()));
  out->Add("settlementStatus", OrNull(Token(r, "settlementStatus", 64)));
  const auto rate = SoftInt(r.Raw("releaseRatePct"), 0, 100);
  const auto release = SoftInt(r.Raw("releaseAmountCents"), 0, kSafeIntMax);
  const auto refund = SoftInt(r.Raw("refundAmountCents"), 0, kSafeIntMax);
  out->Add("releaseRatePct", N(rate.value_or(0)));
  out->Add("releaseAmountCents", N(release.value_or(0)));
  out->Add("refundAmountCents", N(refund.value_or(0)));
  out->Add("reasonCodes", ReasonCodes(r));
  out->Add("createdAt", S(r.IsoNorm("createdAt", ctx.now)));
  if (auto metadata = r.OptObject("metadata")) out->Add("metadata", std::move(*metadata));
  // evaluationHash pins the inputs of the decision; an existing instance keeps its declared
  // value here so that VerifyObject can report a mismatch as such.
  if (ctx.validate && r.Raw("evaluationHash").is_string()) {
    out->Add("evaluationHash", S(std::string(r.Raw("evaluationHash").as_string())));
  } else {
    // The reference evaluates invalid numbers as null where the outer object says 0.
    json::Tree evaluated = *out;
    evaluated.Set("releaseRatePct", OrNull(rate));
    evaluated.Set("releaseAmountCents", OrNull(release));
    evaluated.Set("refundAmountCents", OrNull(refund));
    out->Add("evaluationHash", S(PolicyEvaluationHash(evaluated)));
  }
}

std::string PolicyEvaluationHash(const json::Tree& d) {
  // PolicyDecisionEvaluationInput.v1 over the normalized members.
  const auto copy = [&](std::string_view key) {
    const json::Tree* v = d.Find(key);
    return v ? *v : json::Tree::Null();
  };
  const json::Tree* ref = d.Find("policyRef");
  json::Tree in = json::Tree::Object();
  in.Set("schemaVersion", S("PolicyDecisionEvaluationInput.v1"));
  in.Set("policyHash", ref && ref->Find("policyHash") ? *ref->Find("policyHash") : json::Tree());
  in.Set("verificationMethodHash",
         ref && ref->Find("verificationMethodHash") ? *ref->Find("verificationMethodHash")
                                                    : json::Tree());
  in.Set("verificationStatus", copy("verificationStatus"));
  in.Set("runStatus", copy("runStatus"));
  in.Set("shouldAutoResolve", copy("shouldAutoResolve"));
  in.Set("releaseRatePct", copy("releaseRatePct"));
  in.Set("releaseAmountCents", copy("releaseAmountCents"));
  in.Set("refundAmountCents", copy("refundAmountCents"));
  in.Set("settlementStatus", copy("settlementStatus"));
  in.Set("reasons", copy("reasonCodes"));
  auto digest = json::CanonicalDigest(in);
  return digest.ok() ? HexOf(*digest) : std::string();
}

}  // namespace nooterra::objects::internal
