// Approval standing policies (include/nooterra/standing_policy.h; 05-policy-evaluation.md §7).
//
// The validation messages are the reference's words exactly: a caller that shows them, or a test
// that compares them with the reference's, must see the same text. Member order of the checks is
// the reference's too (the first failure is the message).
#include "nooterra/standing_policy.h"

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

constexpr std::string_view kSchema = "ApprovalStandingPolicy.v1";
constexpr std::string_view kInvalid = "APPROVAL_STANDING_POLICY_INVALID";
constexpr std::string_view kEnvelopeInvalid = "STANDING_ENVELOPE_INVALID";
constexpr std::string_view kPrincipalTypes[] = {"human", "org", "service", "agent"};
constexpr std::string_view kRiskClasses[] = {"low", "medium", "high"};  // in increasing order
constexpr std::string_view kReversibility[] = {"reversible", "partially_reversible", "irreversible"};

template <size_t N>
std::string Joined(const std::string_view (&set)[N]) {
  std::string out;
  for (std::string_view s : set) StrAppend(&out, out.empty() ? "" : "|", s);
  return out;
}

absl::Status Invalid(std::string message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kInvalid, message);
}

// JS `value == null`: absent (undefined) or null.
bool Nullish(json::Value v) { return !v.present() || v.is_null(); }

// assertNonEmptyString: a string (no String() conversion), trimmed, at most `max` UTF-16 units.
absl::StatusOr<std::string> NonEmptyString(json::Value v, std::string_view name, size_t max = 200) {
  const std::string_view t = v.is_string() ? js::TrimJs(v.as_string()) : std::string_view();
  if (t.empty()) return Invalid(StrCat(name, " must be a non-empty string"));
  if (js::Utf16Length(t) > max) return Invalid(StrCat(name, " must be <= ", max, " characters"));
  return std::string(t);
}
// The same on String(value), for the members the reference converts first.
absl::StatusOr<std::string> NonEmptyText(std::string_view text, std::string_view name, size_t max) {
  const std::string_view t = js::TrimJs(text);
  if (t.empty()) return Invalid(StrCat(name, " must be a non-empty string"));
  if (js::Utf16Length(t) > max) return Invalid(StrCat(name, " must be <= ", max, " characters"));
  return std::string(t);
}

// normalizeOptionalString: null, undefined or blank after String() -> null.
absl::StatusOr<json::Tree> OptionalString(json::Value v, std::string_view name, size_t max) {
  if (Nullish(v)) return json::Tree::Null();
  const std::string text = js::ValueString(v);
  if (js::IsBlank(text)) return json::Tree::Null();
  auto s = NonEmptyText(text, name, max);
  if (!s.ok()) return s.status();
  return json::Tree::String(*std::move(s));
}

bool IdChars(std::string_view s) {
  for (char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != ':' && c != '_' && c != '-') return false;
  }
  return !s.empty();
}
absl::StatusOr<std::string> Id(json::Value v, std::string_view name) {
  auto s = NonEmptyString(v, name);
  if (!s.ok()) return s.status();
  if (!IdChars(*s)) return Invalid(StrCat(name, " must match ^[A-Za-z0-9:_-]+$"));
  return s;
}

absl::Status IsoDateTime(json::Value v, std::string_view name, std::string* out) {
  auto s = NonEmptyString(v, name, 128);
  if (!s.ok()) return s.status();
  if (!js::ParseTimeMs(*s)) return Invalid(StrCat(name, " must be an ISO timestamp"));
  *out = *std::move(s);
  return absl::OkStatus();
}

// normalizeSafeInt with allowNull: null, undefined and "" are null; else Number(value), a safe
// integer >= min. -0 reads as 0 (the reference keeps -0 and then cannot canonicalize it).
absl::StatusOr<json::Tree> SafeIntOrNull(json::Value v, std::string_view name, int64_t min) {
  if (Nullish(v) || (v.is_string() && v.as_string().empty())) return json::Tree::Null();
  const double d = js::ToNumber(v);
  if (!js::IsSafeInteger(d) || d < static_cast<double>(min)) return Invalid(StrCat(name, " must be an integer >= ", min));
  return json::Tree::Number(d == 0 ? 0.0 : d);
}

// normalizeStringArray: String() of each element, trimmed, non-blank, first occurrence kept,
// sorted by localeCompare. null/undefined -> null when allowed, else [].
absl::StatusOr<json::Tree> StringArray(json::Value v, std::string_view name, size_t max, bool allow_null,
                                       std::vector<std::string>* items_out = nullptr) {
  if (Nullish(v)) return allow_null ? json::Tree::Null() : json::Tree::Array();
  if (!v.is_array()) return Invalid(StrCat(name, " must be an array"));
  if (v.size() > kStandingListMax) return Invalid(StrCat(name, " must hold at most ", kStandingListMax, " entries"));
  std::set<std::string> seen;  // not a scan of `items`: a long list must not cost n^2
  std::vector<std::string> items;
  for (size_t i = 0; i < v.size(); ++i) {
    auto entry = NonEmptyText(js::ValueString(v.at(i)), StrCat(name, "[", i, "]"), max);
    if (!entry.ok()) return entry.status();
    if (seen.insert(*entry).second) items.push_back(*std::move(entry));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const std::string& a, const std::string& b) { return js::LocaleCompare(a, b) < 0; });
  json::Tree out = json::Tree::Array();
  for (const std::string& s : items) out.Push(json::Tree::String(s));
  if (items_out != nullptr) *items_out = std::move(items);
  return out;
}

// An enum member read as String(value), trimmed and lower-cased; `blank_is` when null or blank.
absl::StatusOr<std::string> LowerEnum(json::Value v, std::string_view name) {
  auto s = NonEmptyText(js::ValueString(v), name, 32);
  if (!s.ok()) return s.status();
  return js::LowerJs(*s);
}

absl::StatusOr<json::Tree> PrincipalRef(json::Value v) {
  if (!v.is_object()) return Invalid("principalRef must be a plain object");
  auto type = NonEmptyString(v.Find("principalType"), "principalRef.principalType", 32);
  if (!type.ok()) return type.status();
  const std::string lowered = js::LowerJs(*type);
  if (!OneOf(kPrincipalTypes, lowered)) {
    return Invalid(StrCat("principalRef.principalType must be one of ", Joined(kPrincipalTypes)));
  }
  auto id = Id(v.Find("principalId"), "principalRef.principalId");
  if (!id.ok()) return id.status();
  json::Tree out = json::Tree::Object();
  out.Add("principalType", json::Tree::String(lowered));
  out.Add("principalId", json::Tree::String(*std::move(id)));
  return out;
}

absl::StatusOr<std::string> Status(json::Value v) {
  if (Nullish(v) || js::IsBlank(js::ValueString(v))) return std::string("active");
  auto s = LowerEnum(v, "status");
  if (!s.ok()) return s.status();
  if (*s != "active" && *s != "disabled") return Invalid("status must be one of active|disabled");
  return s;
}

absl::StatusOr<json::Tree> Constraints(json::Value v) {
  json::Tree out = json::Tree::Object();
  if (Nullish(v)) {
    for (std::string_view k : {"actorAgentIds", "capabilitiesRequested", "dataClassesRequested", "sideEffectsRequested",
                               "maxSpendCents", "maxRiskClass", "reversibilityClasses"}) {
      out.Add(k, json::Tree::Null());
    }
    return out;
  }
  if (!v.is_object()) return Invalid("constraints must be a plain object");
  struct List {
    std::string_view key;
    size_t max;
  };
  for (const List& l : {List{"actorAgentIds", 200}, List{"capabilitiesRequested", 256}, List{"dataClassesRequested", 120},
                        List{"sideEffectsRequested", 120}}) {
    auto list = StringArray(v.Find(l.key), StrCat("constraints.", l.key), l.max, /*allow_null=*/true);
    if (!list.ok()) return list.status();
    out.Add(l.key, *std::move(list));
  }
  auto max_spend = SafeIntOrNull(v.Find("maxSpendCents"), "constraints.maxSpendCents", 0);
  if (!max_spend.ok()) return max_spend.status();
  out.Add("maxSpendCents", *std::move(max_spend));
  const json::Value risk = v.Find("maxRiskClass");
  if (Nullish(risk) || js::IsBlank(js::ValueString(risk))) {
    out.Add("maxRiskClass", json::Tree::Null());
  } else {
    auto r = LowerEnum(risk, "constraints.maxRiskClass");
    if (!r.ok()) return r.status();
    if (!OneOf(kRiskClasses, *r)) return Invalid(StrCat("constraints.maxRiskClass must be one of ", Joined(kRiskClasses)));
    out.Add("maxRiskClass", json::Tree::String(*std::move(r)));
  }
  std::vector<std::string> classes;
  auto rev = StringArray(v.Find("reversibilityClasses"), "constraints.reversibilityClasses", 64, true, &classes);
  if (!rev.ok()) return rev.status();
  for (const std::string& c : classes) {
    if (!OneOf(kReversibility, c)) {
      return Invalid(StrCat("constraints.reversibilityClasses must only include ", Joined(kReversibility)));
    }
  }
  out.Add("reversibilityClasses", *std::move(rev));
  return out;
}

absl::StatusOr<json::Tree> Decision(json::Value v) {
  if (!v.is_object()) return Invalid("decision must be a plain object");
  json::Tree out = json::Tree::Object();
  auto effect = NonEmptyString(v.Find("effect"), "decision.effect", 32);
  if (!effect.ok()) return effect.status();
  const std::string lowered = js::LowerJs(*effect);
  if (lowered != "approve" && lowered != "deny") return Invalid("decision.effect must be one of approve|deny");
  out.Add("effect", json::Tree::String(lowered));
  auto decided_by = OptionalString(v.Find("decidedBy"), "decision.decidedBy", 200);
  if (!decided_by.ok()) return decided_by.status();
  out.Add("decidedBy", *std::move(decided_by));
  auto expires = SafeIntOrNull(v.Find("expiresAfterSeconds"), "decision.expiresAfterSeconds", 1);
  if (!expires.ok()) return expires.status();
  out.Add("expiresAfterSeconds", *std::move(expires));
  auto refs = StringArray(v.Find("evidenceRefs"), "decision.evidenceRefs", 500, /*allow_null=*/false);
  if (!refs.ok()) return refs.status();
  out.Add("evidenceRefs", *std::move(refs));
  const json::Value metadata = v.Find("metadata");
  out.Add("metadata", metadata.is_object() ? json::Tree::FromValue(metadata) : json::Tree::Null());
  return out;
}

// The members every policy carries, checked in the reference's order. `prefix` is "" when
// building and "approvalStandingPolicy." when validating (the reference names a few members
// differently in the two). Fills the normal form when `out` is given.
absl::Status CheckMembers(json::Value in, std::string_view prefix, json::Tree* out) {
  auto id = Id(in.Find("policyId"), StrCat(prefix, "policyId"));
  if (!id.ok()) return id.status();
  auto principal = PrincipalRef(in.Find("principalRef"));
  if (!principal.ok()) return principal.status();
  auto display = NonEmptyString(in.Find("displayName"), StrCat(prefix, "displayName"), 200);
  if (!display.ok()) return display.status();
  auto description = OptionalString(in.Find("description"), StrCat(prefix, "description"), 2000);
  if (!description.ok()) return description.status();
  auto status = Status(in.Find("status"));
  if (!status.ok()) return status.status();
  auto constraints = Constraints(in.Find("constraints"));
  if (!constraints.ok()) return constraints.status();
  auto decision = Decision(in.Find("decision"));
  if (!decision.ok()) return decision.status();
  std::string created_at, updated_at;
  if (absl::Status s = IsoDateTime(in.Find("createdAt"), StrCat(prefix, "createdAt"), &created_at); !s.ok()) return s;
  const json::Value updated = in.Find("updatedAt");
  if (!Nullish(updated)) {
    if (absl::Status s = IsoDateTime(updated, StrCat(prefix, "updatedAt"), &updated_at); !s.ok()) return s;
  }
  if (out == nullptr) return absl::OkStatus();
  *out = json::Tree::Object();
  out->Add("schemaVersion", json::Tree::String(std::string(kSchema)));
  out->Add("policyId", json::Tree::String(*std::move(id)));
  out->Add("principalRef", *std::move(principal));
  out->Add("displayName", json::Tree::String(*std::move(display)));
  out->Add("description", *std::move(description));
  out->Add("status", json::Tree::String(*std::move(status)));
  out->Add("constraints", *std::move(constraints));
  out->Add("decision", *std::move(decision));
  out->Add("createdAt", json::Tree::String(std::move(created_at)));
  out->Add("updatedAt", Nullish(updated) ? json::Tree::Null() : json::Tree::String(std::move(updated_at)));
  return absl::OkStatus();
}

constexpr std::string_view kHashMember[] = {"policyHash"};


// JS truthiness of a JSON value (absent is undefined).
bool Truthy(json::Value v) {
  switch (v.type()) {
    case json::Type::kAbsent:
    case json::Type::kNull:
    case json::Type::kFalse: return false;
    case json::Type::kNumber: return v.as_number() != 0;
    case json::Type::kString: return !v.as_string().empty();
    default: return true;
  }
}
bool NonEmptyArray(json::Value v) { return v.is_array() && v.size() > 0; }

int Specificity(json::Value policy) {
  const json::Value c = policy.Find("constraints");  // absent members of an absent object stay absent
  int score = 0;
  if (NonEmptyArray(c.Find("actorAgentIds"))) score += 3;
  if (NonEmptyArray(c.Find("capabilitiesRequested"))) score += 2;
  if (NonEmptyArray(c.Find("dataClassesRequested"))) score += 1;
  if (NonEmptyArray(c.Find("sideEffectsRequested"))) score += 2;
  if (!Nullish(c.Find("maxSpendCents"))) score += 2;
  if (Truthy(c.Find("maxRiskClass"))) score += 1;
  if (NonEmptyArray(c.Find("reversibilityClasses"))) score += 1;
  return score;
}

// SameValueZero of JSON values, which is what Set.has and Array.prototype.includes compare with:
// objects and arrays are never equal to anything (each is its own object).
bool SameValue(json::Value a, json::Value b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::Type::kNumber: return a.as_number() == b.as_number();
    case json::Type::kString: return a.as_string() == b.as_string();
    case json::Type::kObject:
    case json::Type::kArray: return false;
    default: return true;
  }
}
// `list.includes(text)` for a string.
bool IncludesString(json::Value list, std::string_view text) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list.at(i).is_string() && list.at(i).as_string() == text) return true;
  }
  return false;
}

// includesAll(requested ?? [], allowed ?? null): every requested item is in `allowed`; a null
// allowed list allows anything. A string is iterated by code point, as for-of does.
absl::StatusOr<bool> IncludesAll(json::Value requested, json::Value allowed, std::string_view name) {
  if (Nullish(allowed)) return true;
  if (Nullish(requested)) return true;
  if (requested.is_string()) {
    const std::string_view s = requested.as_string();
    for (size_t i = 0; i < s.size();) {
      const size_t start = i;
      js::DecodeUtf8(s, &i);
      if (!IncludesString(allowed, s.substr(start, i - start))) return false;
    }
    return true;
  }
  if (!requested.is_array()) return MakeError(absl::StatusCode::kInvalidArgument, kEnvelopeInvalid, StrCat("authorityEnvelope.", name, " is not iterable"));
  for (size_t i = 0; i < requested.size(); ++i) {
    bool found = false;
    for (size_t j = 0; j < allowed.size() && !found; ++j) found = SameValue(requested.at(i), allowed.at(j));
    if (!found) return false;
  }
  return true;
}

// String(v ?? ""): null and undefined read as "".
std::string StrOr(json::Value v) { return Nullish(v) ? std::string() : js::ValueString(v); }

// a ?? b for JSON members.
json::Value Coalesce(json::Value a, json::Value b) { return Nullish(a) ? b : a; }

int RiskRank(std::string_view lowered) {
  for (size_t i = 0; i < std::size(kRiskClasses); ++i) {
    if (kRiskClasses[i] == lowered) return static_cast<int>(i) + 1;
  }
  return 0;
}

absl::StatusOr<StandingMatch> MatchValidated(json::Value policy, json::Value env) {
  if (!env.is_object()) return MakeError(absl::StatusCode::kInvalidArgument, kEnvelopeInvalid, "authorityEnvelope is required");
  const json::Value c = policy.Find("constraints");
  StandingMatch m;
  m.specificity = Specificity(policy);
  auto fail = [&m](std::string_view reason) {
    m.reason_code = reason;
    return m;
  };
  const json::Value status = policy.Find("status");
  if (!(status.is_string() && status.as_string() == "active")) return fail("POLICY_DISABLED");
  const json::Value principal = env.Find("principalRef");
  const json::Value stored = policy.Find("principalRef");
  if (js::LowerJs(js::TrimJs(StrOr(principal.Find("principalType")))) != stored.Find("principalType").as_string()) {
    return fail("PRINCIPAL_TYPE_MISMATCH");
  }
  if (StrOr(principal.Find("principalId")) != stored.Find("principalId").as_string()) {
    return fail("PRINCIPAL_ID_MISMATCH");
  }
  const json::Value actors = c.Find("actorAgentIds");
  if (NonEmptyArray(actors) && !IncludesString(actors, StrOr(env.Find("actor").Find("agentId")))) {
    return fail("ACTOR_MISMATCH");
  }
  struct Subset {
    std::string_view member, reason;
  };
  for (const Subset& s : {Subset{"capabilitiesRequested", "CAPABILITY_MISMATCH"}, Subset{"dataClassesRequested", "DATA_CLASS_MISMATCH"},
                          Subset{"sideEffectsRequested", "SIDE_EFFECT_MISMATCH"}}) {
    auto ok = IncludesAll(env.Find(s.member), c.Find(s.member), s.member);
    if (!ok.ok()) return ok.status();
    if (!*ok) return fail(s.reason);
  }
  const json::Value max_spend = c.Find("maxSpendCents");
  if (!Nullish(max_spend)) {
    const json::Value spend = env.Find("spendEnvelope");
    const json::Value requested = Coalesce(spend.Find("maxTotalCents"), spend.Find("maxPerCallCents"));
    const double amount = Nullish(requested) ? 0 : js::ToNumber(requested);
    // !isFinite(amount) || amount > cap; NaN compares false, so it must be caught first.
    if (!std::isfinite(amount) || amount > js::ToNumber(max_spend)) return fail("SPEND_LIMIT_EXCEEDED");
  }
  const json::Value max_risk = c.Find("maxRiskClass");
  if (Truthy(max_risk)) {
    const json::Value risk = env.Find("riskClass");
    const int requested = RiskRank(js::LowerJs(js::TrimJs(StrOr(risk))));
    const int allowed = RiskRank(js::LowerJs(js::TrimJs(js::ValueString(max_risk))));
    if (requested == 0 || allowed == 0 || requested > allowed) return fail("RISK_CLASS_MISMATCH");
  }
  const json::Value classes = c.Find("reversibilityClasses");
  if (NonEmptyArray(classes) && !IncludesString(classes, StrOr(env.Find("reversibilityClass")))) {
    return fail("REVERSIBILITY_MISMATCH");
  }
  m.matched = true;
  m.reason_code = "MATCHED";
  return m;
}

}  // namespace

absl::StatusOr<std::string> BuildStandingPolicy(json::Value input) {
  if (!input.is_object()) return Invalid("approvalStandingPolicy must be a plain object");
  json::Tree policy;
  if (absl::Status s = CheckMembers(input, "", &policy); !s.ok()) return s;
  auto core = json::CanonicalString(policy);
  if (!core.ok()) return core.status();
  policy.Add("policyHash", json::Tree::String(crypto::Sha256Hex(*core)));
  return json::CanonicalString(policy);
}

absl::StatusOr<std::string> ValidateStandingPolicy(json::Value policy) {
  if (!policy.is_object()) return Invalid("approvalStandingPolicy must be a plain object");
  const json::Value schema = policy.Find("schemaVersion");
  if (!(schema.is_string() && schema.as_string() == kSchema)) {
    return Invalid(StrCat("approvalStandingPolicy.schemaVersion must be ", kSchema));
  }
  if (absl::Status s = CheckMembers(policy, "approvalStandingPolicy.", nullptr); !s.ok()) return s;
  json::CanonicalOptions omit;
  omit.omit_members = kHashMember;
  auto digest = json::CanonicalDigest(policy, omit);
  if (!digest.ok()) return digest.status();
  std::string hash = crypto::HexEncode(*digest);
  const json::Value stated = policy.Find("policyHash");
  if (!(stated.is_string() && stated.as_string() == hash)) return Invalid("approvalStandingPolicy.policyHash mismatch");
  return hash;
}

absl::StatusOr<StandingMatch> MatchStandingPolicy(json::Value policy, json::Value envelope) {
  if (auto valid = ValidateStandingPolicy(policy); !valid.ok()) return valid.status();
  return MatchValidated(policy, envelope);
}

absl::StatusOr<std::string> EvaluateStandingPolicies(json::Value policies, json::Value envelope, StandingEffect* effect) {
  std::vector<json::Value> list;
  if (policies.is_array()) {
    if (policies.size() > kStandingPoliciesMax) {
      return Invalid(StrCat("policies must hold at most ", kStandingPoliciesMax, " entries"));
    }
    for (size_t i = 0; i < policies.size(); ++i) list.push_back(policies.at(i));
  } else {
    list.push_back(policies);
  }
  struct Ranked {
    json::Value policy;
    StandingMatch match;
    bool deny;  // the reference's ordering test: String(effect).toLowerCase() === "deny", untrimmed
  };
  std::vector<Ranked> matches;
  json::Tree evaluations = json::Tree::Array();
  for (size_t i = 0; i < list.size(); ++i) {
    auto m = MatchStandingPolicy(list[i], envelope);
    if (!m.ok()) {
      const absl::Status& s = m.status();
      return MakeError(s.code(), StatusReason(s), StrCat("policies[", i, "]: ", s.message()));
    }
    json::Tree e = json::Tree::Object();
    e.Add("policyId", json::Tree::String(std::string(list[i].Find("policyId").as_string())));
    e.Add("policyHash", json::Tree::String(std::string(list[i].Find("policyHash").as_string())));
    e.Add("matched", json::Tree::Bool(m->matched));
    e.Add("reasonCode", json::Tree::String(std::string(m->reason_code)));
    e.Add("specificity", json::Tree::Number(m->specificity));
    evaluations.Push(std::move(e));
    if (m->matched) {
      const bool deny = js::LowerJs(list[i].Find("decision").Find("effect").as_string()) == "deny";
      matches.push_back({list[i], *m, deny});
    }
  }
  std::stable_sort(matches.begin(), matches.end(), [](const Ranked& a, const Ranked& b) {
    if (a.deny != b.deny) return a.deny;
    if (a.match.specificity != b.match.specificity) return a.match.specificity > b.match.specificity;
    return js::LocaleCompare(a.policy.Find("policyId").as_string(), b.policy.Find("policyId").as_string()) < 0;
  });
  json::Tree out = json::Tree::Object();
  StandingEffect outcome = StandingEffect::kNone;
  if (matches.empty()) {
    out.Add("effect", json::Tree::String("none"));
    out.Add("policyId", json::Tree::Null());
    out.Add("policyHash", json::Tree::Null());
    out.Add("specificity", json::Tree::Null());
  } else {
    const Ranked& winner = matches.front();
    const std::string stated = js::LowerJs(js::TrimJs(winner.policy.Find("decision").Find("effect").as_string()));
    outcome = stated == "deny" ? StandingEffect::kDeny : StandingEffect::kApprove;
    out.Add("effect", json::Tree::String(stated));
    out.Add("policyId", json::Tree::String(std::string(winner.policy.Find("policyId").as_string())));
    out.Add("policyHash", json::Tree::String(std::string(winner.policy.Find("policyHash").as_string())));
    out.Add("specificity", json::Tree::Number(winner.match.specificity));
  }
  out.Add("evaluations", std::move(evaluations));
  auto text = json::CanonicalString(out);
  if (!text.ok()) return text.status();
  if (effect != nullptr) *effect = outcome;
  return text;
}

}  // namespace nooterra::policy
