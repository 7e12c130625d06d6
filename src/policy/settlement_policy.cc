// SettlementPolicy.v1 / VerificationMethod.v1 and evaluateSettlementPolicy
// (05-policy-evaluation.md §1; default hashes in 03-vectors.md §2.4).
#include <algorithm>
#include <cmath>
#include <string>

#include "common/js.h"
#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::policy {

namespace {

constexpr int64_t kSafeMax = 9007199254740991LL;

absl::Status Invalid(std::string_view path, std::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INVALID", StrCat(path, " ", what));
}

json::Tree T(std::string s) { return json::Tree::String(std::move(s)); }
json::Tree N(int64_t v) { return json::Tree::Number(static_cast<double>(v)); }

// An integer in [lo, hi], `fallback` when absent or null.
absl::StatusOr<json::Tree> IntOr(json::Value v, std::string_view path, int64_t lo, int64_t hi,
                                 json::Tree fallback) {
  if (!v.present() || v.is_null()) return fallback;
  const double d = v.is_number() ? v.as_number() : std::nan("");
  if (!v.is_number() || d != std::trunc(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    return Invalid(path, StrCat("must be an integer in [", lo, ", ", hi, "]"));
  }
  return N(static_cast<int64_t>(d));
}

json::Tree TrimmedOrNull(json::Value v) {
  if (!v.is_string()) return json::Tree::Null();
  std::string_view t = js::TrimJs(v.as_string());
  return t.empty() ? json::Tree::Null() : T(std::string(t));
}

absl::StatusOr<json::Tree> ShaOrNull(json::Value v, std::string_view path) {
  if (!v.present() || v.is_null()) return json::Tree::Null();
  std::string h = v.is_string() ? js::LowerTrim(v.as_string()) : std::string();
  if (!js::IsHex64(h)) return Invalid(path, "must be a sha256 hex string or null");
  return T(std::move(h));
}

// meteringPricingEvidence: carried only when the key exists; null or an object of hashes.
absl::Status MeteringEvidence(json::Value holder, std::string_view path, bool with_required,
                              json::Tree* out) {
  json::Value v = holder.Find("meteringPricingEvidence");
  if (!v.present()) return absl::OkStatus();
  if (v.is_null()) {
    out->Set("meteringPricingEvidence", json::Tree::Null());
    return absl::OkStatus();
  }
  if (!v.is_object()) return Invalid(path, "must be an object or null");
  json::Tree e = json::Tree::Object();
  if (with_required) e.Add("required", json::Tree::Bool(v.Find("required").is_bool() && v.Find("required").as_bool()));
  for (std::string_view k : {"pricingMatrixHash", "meteringReportHash", "invoiceClaimHash"}) {
    auto h = ShaOrNull(v.Find(k), StrCat(path, ".", k));
    if (!h.ok()) return h.status();
    e.Add(k, std::move(*h));
  }
  out->Set("meteringPricingEvidence", std::move(e));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<json::Tree> NormalizeSettlementPolicy(json::Value p) {
  if (!p.is_object()) p = json::Value();
  json::Tree out = json::Tree::Object();
  out.Add("schemaVersion", T("SettlementPolicy.v1"));
  json::Value version = p.Find("policyVersion").present() ? p.Find("policyVersion") : p.Find("version");
  auto v = IntOr(version, "policy.policyVersion", 1, kSafeMax, N(1));
  if (!v.ok()) return v.status();
  out.Add("policyVersion", std::move(*v));
  std::string mode = p.Find("mode").is_string() ? js::LowerTrim(p.Find("mode").as_string()) : "automatic";
  if (mode.empty()) mode = "automatic";
  if (mode != "automatic" && mode != "manual-review") return Invalid("policy.mode", "must be automatic or manual-review");
  out.Add("mode", T(mode));
  json::Value r = p.Find("rules");
  if (!r.is_object()) r = json::Value();
  const auto flag = [&](std::string_view k) { return r.Find(k).is_bool() && r.Find(k).as_bool(); };
  json::Tree rules = json::Tree::Object();
  rules.Add("requireDeterministicVerification", json::Tree::Bool(flag("requireDeterministicVerification")));
  // autoReleaseOnGreen is `!== false`: true unless explicitly false.
  rules.Add("autoReleaseOnGreen", json::Tree::Bool(!(r.Find("autoReleaseOnGreen").is_bool() && !r.Find("autoReleaseOnGreen").as_bool())));
  rules.Add("autoReleaseOnAmber", json::Tree::Bool(flag("autoReleaseOnAmber")));
  rules.Add("autoReleaseOnRed", json::Tree::Bool(flag("autoReleaseOnRed")));
  for (const auto& [k, d] : {std::pair<std::string_view, int64_t>{"greenReleaseRatePct", 100}, {"amberReleaseRatePct", 50},
                             {"redReleaseRatePct", 0}}) {
    auto rate = IntOr(r.Find(k), StrCat("policy.rules.", k), 0, 100, N(d));
    if (!rate.ok()) return rate.status();
    rules.Add(k, std::move(*rate));
  }
  auto max = IntOr(r.Find("maxAutoReleaseAmountCents"), "policy.rules.maxAutoReleaseAmountCents", 1, kSafeMax, json::Tree::Null());
  if (!max.ok()) return max.status();
  rules.Add("maxAutoReleaseAmountCents", std::move(*max));
  auto window = IntOr(r.Find("disputeWindowHours"), "policy.rules.disputeWindowHours", 1, 8760, json::Tree::Null());
  if (!window.ok()) return window.status();
  rules.Add("disputeWindowHours", std::move(*window));
  rules.Add("manualReason", TrimmedOrNull(r.Find("manualReason")));
  if (absl::Status s = MeteringEvidence(r, "policy.rules.meteringPricingEvidence", true, &rules); !s.ok()) return s;
  out.Add("rules", std::move(rules));
  return out;
}

absl::StatusOr<json::Tree> NormalizeVerificationMethod(json::Value m) {
  if (!m.is_object()) m = json::Value();
  json::Tree out = json::Tree::Object();
  out.Add("schemaVersion", T("VerificationMethod.v1"));
  std::string mode = m.Find("mode").is_string() ? js::LowerTrim(m.Find("mode").as_string()) : "deterministic";
  if (mode.empty()) mode = "deterministic";
  if (mode != "deterministic" && mode != "attested" && mode != "discretionary") {
    return Invalid("verificationMethod.mode", "must be deterministic, attested or discretionary");
  }
  out.Add("mode", T(mode));
  out.Add("source", TrimmedOrNull(m.Find("source")));
  out.Add("attestor", TrimmedOrNull(m.Find("attestor")));
  out.Add("notes", TrimmedOrNull(m.Find("notes")));
  if (absl::Status s = MeteringEvidence(m, "verificationMethod.meteringPricingEvidence", false, &out); !s.ok()) return s;
  return out;
}

std::string Hash(const json::Tree& normalized) {
  auto digest = json::CanonicalDigest(normalized);
  return digest.ok() ? crypto::HexEncode(crypto::Bytes(digest->data(), digest->size())) : std::string();
}

std::string VerifierHash(std::string_view source, std::string_view verifier_id, std::string_view verifier_version) {
  json::Tree d = json::Tree::Object();
  d.Add("schemaVersion", T("SettlementVerifierDescriptor.v1"));
  d.Add("source", T(std::string(source)));
  d.Add("verifierId", T(std::string(verifier_id)));
  d.Add("verifierVersion", T(std::string(verifier_version)));
  return Hash(d);
}

absl::StatusOr<SettlementEvaluation> EvaluateSettlementPolicy(json::Value policy_in, json::Value method_in,
                                                              std::string_view verification_status,
                                                              std::string_view run_status, int64_t amount) {
  if (verification_status != "green" && verification_status != "amber" && verification_status != "red") {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INPUT_INVALID", "verificationStatus must be green, amber or red");
  }
  if (run_status != "completed" && run_status != "failed") {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INPUT_INVALID", "runStatus must be completed or failed");
  }
  if (amount < 1 || amount > kSafeMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INPUT_INVALID", "amountCents must be a safe integer >= 1");
  }
  auto policy = NormalizeSettlementPolicy(policy_in);
  if (!policy.ok()) return policy.status();
  auto method = NormalizeVerificationMethod(method_in);
  if (!method.ok()) return method.status();
  SettlementEvaluation e;
  e.policy_hash = Hash(*policy);
  e.verification_method_hash = Hash(*method);
  e.verification_status = std::string(verification_status);
  e.run_status = std::string(run_status);
  const json::Tree& rules = *policy->Find("rules");
  const auto add = [&](std::string code) {
    if (std::find(e.reason_codes.begin(), e.reason_codes.end(), code) == e.reason_codes.end()) {
      e.reason_codes.push_back(std::move(code));
    }
  };
  const auto str = [](const json::Tree* t) { return t != nullptr && t->is_string() ? t->as_string() : std::string(); };
  // 1-3: mode, deterministic verification, amount limit.
  if (str(policy->Find("mode")) == "manual-review") add("policy_mode_manual_review");
  if (rules.Find("requireDeterministicVerification")->as_bool() && str(method->Find("mode")) != "deterministic") {
    add("verification_method_not_deterministic");
  }
  const json::Tree* max = rules.Find("maxAutoReleaseAmountCents");
  if (max->is_number() && static_cast<double>(amount) > max->as_number()) add("amount_exceeds_auto_release_limit");
  // 4: metering/pricing evidence, when the policy requires it.
  const json::Tree* required = rules.Find("meteringPricingEvidence");
  if (required != nullptr && required->is_object() && required->Find("required")->as_bool()) {
    const json::Tree* observed = method->Find("meteringPricingEvidence");
    const auto get = [](const json::Tree* o, std::string_view k) {
      const json::Tree* v = o != nullptr && o->is_object() ? o->Find(k) : nullptr;
      return v != nullptr && v->is_string() ? v->as_string() : std::string();
    };
    if (get(required, "pricingMatrixHash").empty()) add("metering_pricing_policy_pricing_matrix_hash_missing");
    if (get(required, "meteringReportHash").empty()) add("metering_pricing_policy_metering_report_hash_missing");
    if (get(observed, "pricingMatrixHash").empty()) add("metering_pricing_pricing_matrix_hash_missing");
    if (get(observed, "meteringReportHash").empty()) add("metering_pricing_metering_report_hash_missing");
    if (!get(required, "invoiceClaimHash").empty() && get(observed, "invoiceClaimHash").empty()) {
      add("metering_pricing_invoice_claim_hash_missing");
    }
    for (const auto& [k, code] : {std::pair<std::string_view, std::string_view>{"pricingMatrixHash", "pricing_matrix"},
                                  {"meteringReportHash", "metering_report"}, {"invoiceClaimHash", "invoice_claim"}}) {
      const std::string a = get(required, k), b = get(observed, k);
      if (!a.empty() && !b.empty() && a != b) add(StrCat("metering_pricing_", code, "_hash_mismatch"));
    }
  }
  // 5: the rate of the status, and whether it may auto-release.
  const std::string status(verification_status);
  const std::string cap = status == "green" ? "Green" : status == "amber" ? "Amber" : "Red";
  int64_t rate = static_cast<int64_t>(rules.Find(StrCat(status, "ReleaseRatePct"))->as_number());
  if (!rules.Find(StrCat("autoReleaseOn", cap))->as_bool()) add(StrCat("auto_release_disabled_for_", status));
  // 6: a failed run releases nothing (no reason code).
  if (run_status == "failed") rate = 0;
  e.release_rate_pct = rate;
  e.release_amount_cents = ReleaseAmountCents(amount, rate);
  e.refund_amount_cents = amount - e.release_amount_cents;
  e.should_auto_resolve = e.reason_codes.empty();
  e.decision_mode = e.should_auto_resolve ? "automatic" : "manual-review";
  e.settlement_status = e.release_amount_cents > 0 ? "released" : "refunded";
  e.policy = std::move(*policy);
  e.verification_method = std::move(*method);
  return e;
}

int64_t ReleaseAmountCents(int64_t amount_cents, int64_t rate_pct) {
  if (rate_pct <= 0) return 0;
  return static_cast<int64_t>(std::min<__int128>(amount_cents, static_cast<__int128>(amount_cents) * rate_pct / 100));
}

std::string EvaluationJson(const SettlementEvaluation& e) {
  json::Tree out = json::Tree::Object();
  out.Add("policy", e.policy);
  out.Add("policyHash", T(e.policy_hash));
  out.Add("verificationMethod", e.verification_method);
  out.Add("verificationMethodHash", T(e.verification_method_hash));
  out.Add("verificationStatus", T(e.verification_status));
  out.Add("runStatus", T(e.run_status));
  out.Add("decisionMode", T(e.decision_mode));
  out.Add("shouldAutoResolve", json::Tree::Bool(e.should_auto_resolve));
  out.Add("releaseRatePct", N(e.release_rate_pct));
  out.Add("releaseAmountCents", N(e.release_amount_cents));
  out.Add("refundAmountCents", N(e.refund_amount_cents));
  out.Add("settlementStatus", T(e.settlement_status));
  json::Tree codes = json::Tree::Array();
  for (const std::string& c : e.reason_codes) codes.Push(T(c));
  out.Add("reasonCodes", std::move(codes));
  auto text = json::CanonicalString(out);
  return text.ok() ? *text : std::string();
}

}  // namespace nooterra::policy
