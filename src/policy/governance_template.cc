// Governance policy templates (include/nooterra/governance_template.h; 05-policy-evaluation.md §6).
//
// The messages below are part of the decision bytes (every check records one), so they are the
// reference's words exactly; so are the validation messages, which an invalid decision carries.
#include "nooterra/governance_template.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/js.h"
#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::policy {

namespace {

constexpr std::string_view kTemplateSchema = "GovernancePolicyTemplate.v1";
constexpr std::string_view kCatalogSchema = "GovernancePolicyTemplateCatalog.v1";
constexpr std::string_view kDecisionSchema = "GovernancePolicyDecision.v1";
constexpr std::string_view kDataClasses[] = {"public", "internal", "confidential", "restricted"};
constexpr std::string_view kRiskLevels[] = {"low", "medium", "high", "critical"};
constexpr std::string_view kProfiles[] = {"indie", "smb", "enterprise"};

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// A validation failure: the reference's TypeError message; the caller picks the code.
struct Failure {
  std::string message;
};

// normalizeNonEmptyString: trimmed; anything but a non-blank string is "<path> is required".
bool NonEmpty(json::Value v, const std::string& path, std::string* out, Failure* f) {
  const std::string_view t = v.is_string() ? js::TrimJs(v.as_string()) : std::string_view();
  if (t.empty()) return f->message = path + " is required", false;
  if (t.size() > kGovernanceTextMax) {
    return f->message = StrCat(path, " must be at most ", kGovernanceTextMax, " bytes"), false;
  }
  *out = std::string(t);
  return true;
}

// normalizeSafeInt: Number(value), a safe integer >= min. -0 (from "-0") reads as 0: the
// reference keeps -0 and then fails to canonicalize its own output.
bool SafeInt(json::Value v, const std::string& path, int64_t min, int64_t* out, Failure* f) {
  const double d = js::ToNumber(v);
  if (!js::IsSafeInteger(d) || d < static_cast<double>(min)) {
    return f->message = StrCat(path, " must be a safe integer >= ", min), false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

// normalizeStringList: a non-empty array of non-blank strings, trimmed, lower-cased, no duplicates.
bool StringList(json::Value v, const std::string& path, std::vector<std::string>* out, Failure* f) {
  if (!v.is_array() || v.size() == 0) return f->message = path + " must be a non-empty array", false;
  std::set<std::string> seen;  // not a scan of `out`: a long list must not cost n^2
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string item_path = StrCat(path, "[", i, "]");
    std::string item;
    if (!NonEmpty(v.at(i), item_path, &item, f)) return false;
    item = js::LowerJs(item);
    if (!seen.insert(item).second) return f->message = item_path + " must not contain duplicates", false;
    out->push_back(std::move(item));
  }
  return true;
}

bool IsObject(json::Value v) { return v.is_object(); }

struct Tier {
  std::string id, role;
  int64_t max_amount = 0, required_approvers = 0;
};

struct Template {
  std::string id, profile, name, description, currency, hash;
  int64_t version = 0, per_action = 0, monthly = 0;
  std::vector<std::string> data_classes, require_approval_levels, auto_block_levels;
  bool allow_external_transfer = false;
  std::vector<Tier> tiers;
};

json::Tree StringArray(const std::vector<std::string>& items) {
  json::Tree a = json::Tree::Array();
  for (const std::string& s : items) a.Push(json::Tree::String(s));
  return a;
}
json::Tree Int(int64_t v) { return json::Tree::Number(static_cast<double>(v)); }

json::Tree Controls(const Template& t) {
  json::Tree spend = json::Tree::Object();
  spend.Add("currency", json::Tree::String(t.currency));
  spend.Add("perActionUsdCents", Int(t.per_action));
  spend.Add("monthlyUsdCents", Int(t.monthly));
  json::Tree data = json::Tree::Object();
  data.Add("allowedDataClasses", StringArray(t.data_classes));
  data.Add("allowExternalTransfer", json::Tree::Bool(t.allow_external_transfer));
  json::Tree tiers = json::Tree::Array();
  for (const Tier& tier : t.tiers) {
    json::Tree o = json::Tree::Object();
    o.Add("tierId", json::Tree::String(tier.id));
    o.Add("maxAmountUsdCents", Int(tier.max_amount));
    o.Add("requiredApprovers", Int(tier.required_approvers));
    o.Add("approverRole", json::Tree::String(tier.role));
    tiers.Push(std::move(o));
  }
  json::Tree approvals = json::Tree::Object();
  approvals.Add("tiers", std::move(tiers));
  json::Tree escalation = json::Tree::Object();
  escalation.Add("requireApprovalForRiskLevels", StringArray(t.require_approval_levels));
  escalation.Add("autoBlockRiskLevels", StringArray(t.auto_block_levels));
  json::Tree c = json::Tree::Object();
  c.Add("spend", std::move(spend));
  c.Add("dataAccess", std::move(data));
  c.Add("approvals", std::move(approvals));
  c.Add("escalation", std::move(escalation));
  return c;
}

// The hashed core: {templateId, templateVersion, operatingProfile, name, description, controls}.
json::Tree Core(const Template& t) {
  json::Tree o = json::Tree::Object();
  o.Add("templateId", json::Tree::String(t.id));
  o.Add("templateVersion", Int(t.version));
  o.Add("operatingProfile", json::Tree::String(t.profile));
  o.Add("name", json::Tree::String(t.name));
  o.Add("description", json::Tree::String(t.description));
  o.Add("controls", Controls(t));
  return o;
}

// Only strings from parsed JSON and safe integers go in, so canonicalization cannot fail; if it
// ever did, the caller gets INTERNAL rather than bytes nobody checked.
absl::StatusOr<std::string> Canonical(const json::Tree& t) { return json::CanonicalString(t); }

bool IsTemplateId(std::string_view id) {
  if (id.size() < 3 || id.size() > 64 || !(id[0] >= 'a' && id[0] <= 'z')) return false;
  for (char c : id.substr(1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

bool Tiers(json::Value v, const std::string& path, std::vector<Tier>* out, Failure* f) {
  if (!v.is_array() || v.size() == 0) return f->message = path + " must be a non-empty array", false;
  if (v.size() > kGovernanceTiersMax) {
    return f->message = StrCat(path, " must hold at most ", kGovernanceTiersMax, " tiers"), false;
  }
  int64_t previous_max = -1;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string tier_path = StrCat(path, "[", i, "]");
    const json::Value raw = v.at(i);
    if (!IsObject(raw)) return f->message = tier_path + " must be an object", false;
    Tier t;
    if (!NonEmpty(raw.Find("tierId"), tier_path + ".tierId", &t.id, f)) return false;
    t.id = js::LowerJs(t.id);
    if (!SafeInt(raw.Find("maxAmountUsdCents"), tier_path + ".maxAmountUsdCents", 0, &t.max_amount, f) ||
        !SafeInt(raw.Find("requiredApprovers"), tier_path + ".requiredApprovers", 0, &t.required_approvers, f) ||
        !NonEmpty(raw.Find("approverRole"), tier_path + ".approverRole", &t.role, f)) {
      return false;
    }
    if (t.max_amount <= previous_max) return f->message = tier_path + ".maxAmountUsdCents must increase monotonically", false;
    previous_max = t.max_amount;
    out->push_back(std::move(t));
  }
  return true;
}

// normalizeGovernancePolicyTemplateInternal, field by field in the reference's order (the first
// failure is the message).
bool ParseTemplate(json::Value in, bool require_hash, Template* t, Failure* f) {
  const std::string p = "template";
  if (!IsObject(in)) return f->message = p + " must be an object", false;
  if (!NonEmpty(in.Find("templateId"), p + ".templateId", &t->id, f)) return false;
  t->id = js::LowerJs(t->id);
  if (!IsTemplateId(t->id)) return f->message = p + ".templateId must match /^[a-z][a-z0-9._-]{2,63}$/", false;
  if (!SafeInt(in.Find("templateVersion"), p + ".templateVersion", 1, &t->version, f)) return false;
  if (!NonEmpty(in.Find("operatingProfile"), p + ".operatingProfile", &t->profile, f)) return false;
  t->profile = js::LowerJs(t->profile);
  if (!OneOf(kProfiles, t->profile)) return f->message = p + ".operatingProfile must be indie|smb|enterprise", false;
  if (!NonEmpty(in.Find("name"), p + ".name", &t->name, f) ||
      !NonEmpty(in.Find("description"), p + ".description", &t->description, f)) {
    return false;
  }
  const json::Value controls = in.Find("controls");
  if (!IsObject(controls)) return f->message = p + ".controls must be an object", false;

  const json::Value spend = controls.Find("spend");
  if (!IsObject(spend)) return f->message = p + ".controls.spend must be an object", false;
  if (!NonEmpty(spend.Find("currency"), p + ".controls.spend.currency", &t->currency, f)) return false;
  for (char& c : t->currency) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      // Divergence: toUpperCase's Unicode mapping ("ß" -> "SS") is not reproduced; refused instead.
      return f->message = p + ".controls.spend.currency must be ASCII", false;
    }
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (!SafeInt(spend.Find("perActionUsdCents"), p + ".controls.spend.perActionUsdCents", 1, &t->per_action, f) ||
      !SafeInt(spend.Find("monthlyUsdCents"), p + ".controls.spend.monthlyUsdCents", 1, &t->monthly, f)) {
    return false;
  }
  if (t->per_action > t->monthly) {
    return f->message = p + ".controls.spend.perActionUsdCents must be <= monthlyUsdCents", false;
  }

  const json::Value data = controls.Find("dataAccess");
  if (!IsObject(data)) return f->message = p + ".controls.dataAccess must be an object", false;
  const std::string classes_path = p + ".controls.dataAccess.allowedDataClasses";
  if (!StringList(data.Find("allowedDataClasses"), classes_path, &t->data_classes, f)) return false;
  for (const std::string& c : t->data_classes) {
    if (!OneOf(kDataClasses, c)) return f->message = classes_path + " contains unsupported class: " + c, false;
  }
  t->allow_external_transfer = data.Find("allowExternalTransfer").type() == json::Type::kTrue;

  const json::Value approvals = controls.Find("approvals");
  if (!IsObject(approvals)) return f->message = p + ".controls.approvals must be an object", false;
  if (!Tiers(approvals.Find("tiers"), p + ".controls.approvals.tiers", &t->tiers, f)) return false;
  if (t->tiers.back().max_amount < t->per_action) {
    return f->message = p + ".controls.approvals.tiers must cover controls.spend.perActionUsdCents", false;
  }

  const json::Value escalation = controls.Find("escalation");
  if (!IsObject(escalation)) return f->message = p + ".controls.escalation must be an object", false;
  if (!StringList(escalation.Find("requireApprovalForRiskLevels"),
                  p + ".controls.escalation.requireApprovalForRiskLevels", &t->require_approval_levels, f) ||
      !StringList(escalation.Find("autoBlockRiskLevels"), p + ".controls.escalation.autoBlockRiskLevels",
                  &t->auto_block_levels, f)) {
    return false;
  }
  for (const auto* list : {&t->require_approval_levels, &t->auto_block_levels}) {
    for (const std::string& level : *list) {
      if (!OneOf(kRiskLevels, level)) {
        return f->message = p + ".controls.escalation contains unsupported risk level: " + level, false;
      }
    }
  }

  const absl::StatusOr<std::string> core = Canonical(Core(*t));
  if (!core.ok()) return f->message = std::string(core.status().message()), false;
  const std::string expected = crypto::Sha256Hex(*core);
  const json::Value given = in.Find("templateHash");
  std::string hash;
  if (given.present() && !given.is_null()) hash = js::LowerJs(js::TrimJs(js::ValueString(given)));
  if (!hash.empty() && !js::IsHex64(hash)) return f->message = p + ".templateHash must be a sha256 hex when provided", false;
  if (!hash.empty() && hash != expected) return f->message = p + ".templateHash mismatch", false;
  if (require_hash && hash.empty()) return f->message = p + ".templateHash is required", false;
  t->hash = expected;
  return true;
}

absl::StatusOr<std::string> NormalFormJson(const Template& t) {
  json::Tree o = Core(t);
  o.Add("schemaVersion", json::Tree::String(std::string(kTemplateSchema)));
  o.Add("templateHash", json::Tree::String(t.hash));
  return Canonical(o);
}

struct Request {
  int64_t amount = 0, monthly_spend = 0, approvals_provided = 0;
  std::string data_class, risk_level;
  bool external_transfer = false;
};

// normalizeDecisionRequest. `?? 0`: null and absent read as 0.
bool ParseRequest(json::Value r, Request* out, Failure* f) {
  if (!IsObject(r)) return f->message = "request must be an object", false;
  const auto given = [](json::Value v) { return v.present() && !v.is_null(); };
  if (!SafeInt(r.Find("amountUsdCents"), "request.amountUsdCents", 1, &out->amount, f)) return false;
  const json::Value monthly = r.Find("monthlySpendUsdCents");
  if (given(monthly) && !SafeInt(monthly, "request.monthlySpendUsdCents", 0, &out->monthly_spend, f)) return false;
  if (!NonEmpty(r.Find("dataClass"), "request.dataClass", &out->data_class, f)) return false;
  out->data_class = js::LowerJs(out->data_class);
  if (!OneOf(kDataClasses, out->data_class)) {
    return f->message = "request.dataClass must be public|internal|confidential|restricted", false;
  }
  if (!NonEmpty(r.Find("riskLevel"), "request.riskLevel", &out->risk_level, f)) return false;
  out->risk_level = js::LowerJs(out->risk_level);
  if (!OneOf(kRiskLevels, out->risk_level)) return f->message = "request.riskLevel must be low|medium|high|critical", false;
  const json::Value approvals = r.Find("approvalsProvided");
  if (given(approvals) && !SafeInt(approvals, "request.approvalsProvided", 0, &out->approvals_provided, f)) {
    return false;
  }
  out->external_transfer = r.Find("externalTransfer").type() == json::Type::kTrue;
  return true;
}

json::Tree Check(std::string_view id, bool ok, std::string_view message, std::string_view code) {
  json::Tree c = json::Tree::Object();
  c.Add("checkId", json::Tree::String(std::string(id)));
  c.Add("ok", json::Tree::Bool(ok));
  c.Add("message", json::Tree::String(std::string(message)));
  if (!ok) c.Add("code", json::Tree::String(std::string(code)));
  return c;
}
json::Tree Issue(std::string_view code, std::string_view message) {
  json::Tree i = json::Tree::Object();
  i.Add("code", json::Tree::String(std::string(code)));
  i.Add("message", json::Tree::String(std::string(message)));
  return i;
}

absl::StatusOr<std::string> InvalidDecision(std::string_view code, const std::string& message) {
  json::Tree checks = json::Tree::Array();
  checks.Push(Check("request_or_template_valid", false, message, code));
  json::Tree issues = json::Tree::Array();
  issues.Push(Issue(code, message));
  json::Tree d = json::Tree::Object();
  d.Add("schemaVersion", json::Tree::String(std::string(kDecisionSchema)));
  d.Add("decision", json::Tree::String("deny"));
  d.Add("checks", std::move(checks));
  d.Add("blockingIssues", std::move(issues));
  return Canonical(d);
}

// The starter templates, as the reference seeds them (normalized through the same path as any
// other template, so their hashes are computed, not copied).
constexpr std::string_view kStarterSeeds[] = {
    R"({"templateId":"gov.indie.safe-default","templateVersion":1,"operatingProfile":"indie",
"name":"Indie Safe Default","description":"Lean controls for solo builders with strict fail-closed limits.",
"controls":{"spend":{"currency":"USD","perActionUsdCents":25000,"monthlyUsdCents":300000},
"dataAccess":{"allowedDataClasses":["public","internal"],"allowExternalTransfer":false},
"approvals":{"tiers":[{"tierId":"auto","maxAmountUsdCents":10000,"requiredApprovers":0,"approverRole":"none"},
{"tierId":"owner","maxAmountUsdCents":25000,"requiredApprovers":1,"approverRole":"owner"}]},
"escalation":{"requireApprovalForRiskLevels":["high","critical"],"autoBlockRiskLevels":["critical"]}}})",
    R"({"templateId":"gov.smb.balanced-controls","templateVersion":1,"operatingProfile":"smb",
"name":"SMB Balanced Controls","description":"Balanced controls for growing teams with deterministic approval ladders.",
"controls":{"spend":{"currency":"USD","perActionUsdCents":150000,"monthlyUsdCents":1500000},
"dataAccess":{"allowedDataClasses":["public","internal","confidential"],"allowExternalTransfer":false},
"approvals":{"tiers":[{"tierId":"auto","maxAmountUsdCents":40000,"requiredApprovers":0,"approverRole":"none"},
{"tierId":"manager","maxAmountUsdCents":100000,"requiredApprovers":1,"approverRole":"team_manager"},
{"tierId":"director","maxAmountUsdCents":150000,"requiredApprovers":2,"approverRole":"operations_director"}]},
"escalation":{"requireApprovalForRiskLevels":["high","critical"],"autoBlockRiskLevels":["critical"]}}})",
    R"({"templateId":"gov.enterprise.strict-controls","templateVersion":1,"operatingProfile":"enterprise",
"name":"Enterprise Strict Controls","description":"Conservative controls for regulated environments and multi-team governance.",
"controls":{"spend":{"currency":"USD","perActionUsdCents":500000,"monthlyUsdCents":8000000},
"dataAccess":{"allowedDataClasses":["public","internal","confidential"],"allowExternalTransfer":false},
"approvals":{"tiers":[{"tierId":"manager","maxAmountUsdCents":100000,"requiredApprovers":1,"approverRole":"manager"},
{"tierId":"director","maxAmountUsdCents":300000,"requiredApprovers":2,"approverRole":"director"},
{"tierId":"executive","maxAmountUsdCents":500000,"requiredApprovers":3,"approverRole":"executive"}]},
"escalation":{"requireApprovalForRiskLevels":["medium","high","critical"],"autoBlockRiskLevels":["critical"]}}})",
};

absl::StatusOr<Template> StarterTemplate(std::string_view seed) {
  auto doc = json::Document::Parse(seed);
  if (!doc.ok()) return doc.status();
  Template t;
  Failure f;
  if (!ParseTemplate(doc->root(), false, &t, &f)) {
    return MakeError(absl::StatusCode::kInternal, "POLICY_TEMPLATE_INVALID", "starter template: " + f.message);
  }
  return t;
}

}  // namespace

absl::StatusOr<std::string> NormalizeGovernanceTemplate(json::Value tmpl, bool require_hash) {
  Template t;
  Failure f;
  if (!ParseTemplate(tmpl, require_hash, &t, &f)) {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_TEMPLATE_INVALID", f.message);
  }
  return NormalFormJson(t);
}

absl::StatusOr<std::string> EvaluateGovernanceTemplate(json::Value tmpl, json::Value request, GovernanceDecision* decision) {
  if (decision != nullptr) *decision = GovernanceDecision::kDeny;
  Template t;
  Failure f;
  if (!ParseTemplate(tmpl, false, &t, &f)) return InvalidDecision("POLICY_TEMPLATE_INVALID", f.message);
  Request r;
  if (!ParseRequest(request, &r, &f)) return InvalidDecision("POLICY_REQUEST_INVALID", f.message);

  json::Tree checks = json::Tree::Array();
  json::Tree issues = json::Tree::Array();
  bool deny = false, any = false;
  // One check: its record, and a blocking issue when it fails. `denies`: the issue's code is in
  // the reference's deny set (the others challenge).
  const auto check = [&](std::string_view id, bool ok, std::string_view ok_message, std::string_view fail_message,
                         std::string_view code, bool denies) {
    checks.Push(Check(id, ok, ok ? ok_message : fail_message, code));
    if (!ok) {
      issues.Push(Issue(code, fail_message));
      any = true;
      deny = deny || denies;
    }
  };
  check("spend_per_action_limit", r.amount <= t.per_action, "amount is within per-action spend limit",
        "amount exceeds per-action spend limit", "PER_ACTION_LIMIT_EXCEEDED", true);
  // Both operands are safe integers: the sum is exact in int64 (the reference adds doubles, exact
  // below 2^53; above it both round the same way for a comparison against a safe integer cap).
  check("spend_monthly_limit", r.monthly_spend + r.amount <= t.monthly, "monthly spend remains within configured limit",
        "monthly spend limit would be exceeded", "MONTHLY_LIMIT_EXCEEDED", true);
  check("data_class_allowed", Contains(t.data_classes, r.data_class), "data class is allowlisted for this template",
        "data class is not allowed by template controls", "DATA_CLASS_FORBIDDEN", true);
  check("external_transfer_allowed", !r.external_transfer || t.allow_external_transfer,
        "external transfer policy allows this request", "external transfer is blocked by template controls",
        "EXTERNAL_TRANSFER_FORBIDDEN", true);
  const Tier* tier = nullptr;
  for (const Tier& candidate : t.tiers) {
    if (r.amount <= candidate.max_amount) {
      tier = &candidate;
      break;
    }
  }
  if (tier == nullptr) {
    check("approval_tier_coverage", false, "approval tiers cover the request amount",
          "approval tiers do not cover the request amount", "POLICY_TEMPLATE_TIER_GAP", true);
  } else {
    check("approval_threshold_met", r.approvals_provided >= tier->required_approvers,
          "request satisfies approval threshold", "request does not satisfy approval threshold",
          "APPROVAL_THRESHOLD_NOT_MET", false);
  }
  check("risk_requires_approval", !Contains(t.require_approval_levels, r.risk_level) || r.approvals_provided > 0,
        "risk-level approval requirement is satisfied", "risk level requires at least one explicit approval",
        "RISK_APPROVAL_REQUIRED", false);
  check("risk_level_not_blocked", !Contains(t.auto_block_levels, r.risk_level), "risk level is not auto-blocked",
        "risk level is auto-blocked by template escalation controls", "RISK_LEVEL_BLOCKED", true);

  const GovernanceDecision outcome =
      deny ? GovernanceDecision::kDeny : any ? GovernanceDecision::kChallenge : GovernanceDecision::kAllow;
  if (decision != nullptr) *decision = outcome;

  json::Tree ref = json::Tree::Object();
  ref.Add("templateId", json::Tree::String(t.id));
  ref.Add("templateVersion", Int(t.version));
  ref.Add("operatingProfile", json::Tree::String(t.profile));
  ref.Add("templateHash", json::Tree::String(t.hash));
  json::Tree req = json::Tree::Object();
  req.Add("amountUsdCents", Int(r.amount));
  req.Add("monthlySpendUsdCents", Int(r.monthly_spend));
  req.Add("dataClass", json::Tree::String(r.data_class));
  req.Add("riskLevel", json::Tree::String(r.risk_level));
  req.Add("approvalsProvided", Int(r.approvals_provided));
  req.Add("externalTransfer", json::Tree::Bool(r.external_transfer));
  json::Tree d = json::Tree::Object();
  d.Add("schemaVersion", json::Tree::String(std::string(kDecisionSchema)));
  d.Add("decision", json::Tree::String(outcome == GovernanceDecision::kDeny        ? "deny"
                                       : outcome == GovernanceDecision::kChallenge ? "challenge"
                                                                                   : "allow"));
  d.Add("templateRef", std::move(ref));
  d.Add("request", std::move(req));
  d.Add("matchedApprovalTierId", tier != nullptr ? json::Tree::String(tier->id) : json::Tree::Null());
  d.Add("requiredApprovers", tier != nullptr ? Int(tier->required_approvers) : json::Tree::Null());
  d.Add("checks", std::move(checks));
  d.Add("blockingIssues", std::move(issues));
  return Canonical(d);
}

absl::StatusOr<std::string> GovernanceTemplateCatalog() {
  std::string out = StrCat("{\"schemaVersion\":\"", kCatalogSchema, "\",\"templates\":[");
  bool first = true;
  for (std::string_view seed : kStarterSeeds) {
    const absl::StatusOr<Template> t = StarterTemplate(seed);
    if (!t.ok()) return t.status();
    const absl::StatusOr<std::string> normal = NormalFormJson(*t);
    if (!normal.ok()) return normal.status();
    if (!first) out += ',';
    first = false;
    out += *normal;
  }
  out += "]}";
  return out;
}

absl::StatusOr<std::optional<std::string>> StarterGovernanceTemplate(std::string_view template_id,
                                                                     std::string_view operating_profile) {
  const std::string id = js::LowerJs(js::TrimJs(template_id));
  const std::string profile = js::LowerJs(js::TrimJs(operating_profile));
  if (!id.empty() && !IsTemplateId(id)) {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_TEMPLATE_INVALID",
                     "templateId must match /^[a-z][a-z0-9._-]{2,63}$/");
  }
  if (!profile.empty() && !OneOf(kProfiles, profile)) {
    return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_TEMPLATE_INVALID",
                     "operatingProfile must be indie|smb|enterprise");
  }
  // Every starter is version 1, so "highest version first" is the catalog order.
  for (std::string_view seed : kStarterSeeds) {
    const absl::StatusOr<Template> t = StarterTemplate(seed);
    if (!t.ok()) return t.status();
    if ((id.empty() || t->id == id) && (profile.empty() || t->profile == profile)) {
      absl::StatusOr<std::string> normal = NormalFormJson(*t);
      if (!normal.ok()) return normal.status();
      return std::optional<std::string>(*std::move(normal));
    }
  }
  return std::optional<std::string>();
}

}  // namespace nooterra::policy
