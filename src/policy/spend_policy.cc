// The unified spend policy (include/nooterra/spend_policy.h).
#include "nooterra/spend_policy.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "common/js.h"
#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/status.h"

namespace nooterra::policy {

namespace {

constexpr double kSafeIntegerMax = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER
constexpr size_t kIdBytesMax = 128;

// The reason codes in table order (the header's table); the index is the precedence.
enum Reason : int {
  kCurrencyMismatch,
  kDenylistedTool,
  kDenylistedProvider,
  kDenylistedCounterparty,
  kToolNotAllowed,
  kProviderNotAllowed,
  kCounterpartyNotAllowed,
  kMaxPerCall,
  kWindowPayer,
  kWindowCounterparty,
  kWindowAgreement,
  kDelegationDepth,
  kDelegatedBudget,
  kRiskScore,
  kRiskSignal,
  kApprovalRequired,
  kRiskScoreChallenge,
  kRiskSignalChallenge,
  kReasonCount,
};
constexpr std::string_view kReasonNames[kReasonCount] = {
    "SPEND_CURRENCY_MISMATCH",     "SPEND_DENYLISTED_TOOL",      "SPEND_DENYLISTED_PROVIDER",
    "SPEND_DENYLISTED_COUNTERPARTY", "SPEND_TOOL_NOT_ALLOWED",   "SPEND_PROVIDER_NOT_ALLOWED",
    "SPEND_COUNTERPARTY_NOT_ALLOWED", "SPEND_MAX_PER_CALL",      "SPEND_WINDOW_PAYER",
    "SPEND_WINDOW_COUNTERPARTY",   "SPEND_WINDOW_AGREEMENT",     "SPEND_DELEGATION_DEPTH",
    "SPEND_DELEGATED_BUDGET",      "SPEND_RISK_SCORE",           "SPEND_RISK_SIGNAL",
    "SPEND_APPROVAL_REQUIRED",     "SPEND_RISK_SCORE_CHALLENGE", "SPEND_RISK_SIGNAL_CHALLENGE",
};
SpendOutcome ClassOf(int reason) {
  if (reason >= kRiskScoreChallenge) return SpendOutcome::kChallenge;
  if (reason == kApprovalRequired) return SpendOutcome::kEscalate;
  return SpendOutcome::kDeny;
}

constexpr std::string_view kScopeNames[] = {"payer", "counterparty", "agreement"};

absl::Status Invalid(std::string_view path, std::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument, "POLICY_INVALID",
                   StrCat("spendPolicy", path.empty() ? "" : ".", path, " ", what));
}
absl::Status BadRequest(std::string_view member, std::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument, "SPEND_REQUEST_INVALID", StrCat("request.", member, " ", what));
}

// A safe integer in [min, max], or nullopt (the caller reports).
std::optional<int64_t> SafeInt(json::Value v, int64_t min, int64_t max) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.as_number();
  if (d < static_cast<double>(min) || d > static_cast<double>(max) || d > kSafeIntegerMax ||
      d != static_cast<double>(static_cast<int64_t>(d))) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}
constexpr int64_t kSafeMax = 9007199254740991;

bool IsId(json::Value v) {
  if (!v.is_string() || v.as_string().empty() || v.as_string().size() > kIdBytesMax) return false;
  for (unsigned char c : v.as_string()) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Members of `v` other than `known` are an error (a typo must never switch a rule off).
absl::Status OnlyMembers(json::Value v, std::string_view path, std::initializer_list<std::string_view> known) {
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string_view key = v.key_at(i);
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Invalid(StrCat(path, path.empty() ? "" : ".", key), "is not a member of SpendPolicy.v1 here");
    }
  }
  return absl::OkStatus();
}

// An optional list of ids: sorted and de-duplicated into *out; *present says whether it was given.
absl::Status IdList(json::Value v, std::string_view path, size_t max, std::vector<std::string>* out, bool* present) {
  if (!v.present() || v.is_null()) return absl::OkStatus();
  if (!v.is_array() || v.size() > max) return Invalid(path, StrCat("must be an array of at most ", max, " ids"));
  for (size_t i = 0; i < v.size(); ++i) {
    if (!IsId(v.at(i))) return Invalid(StrCat(path, "[", i, "]"), "must be an id (1..128 bytes, no control characters)");
    out->emplace_back(v.at(i).as_string());
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  if (present != nullptr) *present = true;
  return absl::OkStatus();
}

absl::Status OptInt(json::Value parent, std::string_view member, std::string_view path, int64_t min, int64_t max,
                    std::optional<int64_t>* out) {
  const json::Value v = parent.Find(member);
  if (!v.present() || v.is_null()) return absl::OkStatus();
  *out = SafeInt(v, min, max);
  if (!*out) return Invalid(path, StrCat("must be an integer in ", min, "..", max));
  return absl::OkStatus();
}

bool Contains(const std::vector<std::string>& sorted, std::string_view s) {
  return std::binary_search(sorted.begin(), sorted.end(), s, [](std::string_view a, std::string_view b) { return a < b; });
}

json::Tree IdArray(const std::vector<std::string>& ids) {
  json::Tree a = json::Tree::Array();
  for (const auto& id : ids) a.Push(json::Tree::String(id));
  return a;
}

void AppendQuoted(std::string_view s, std::string* out) { json::AppendQuoted(s, out); }

// SpendHistory's order: by payer, currency, time.
bool SpendBefore(const SpendHistory::Spend& a, const SpendHistory::Spend& b) {
  return std::tie(a.payer_agent_id, a.currency, a.at_ms) < std::tie(b.payer_agent_id, b.currency, b.at_ms);
}

}  // namespace

SpendOutcome SpendReasonClass(std::string_view reason) {
  for (int r = 0; r < kReasonCount; ++r) {
    if (kReasonNames[r] == reason) return ClassOf(r);
  }
  return SpendOutcome::kAllow;
}

std::string_view SpendOutcomeName(SpendOutcome outcome) {
  switch (outcome) {
    case SpendOutcome::kAllow: return "allow";
    case SpendOutcome::kChallenge: return "challenge";
    case SpendOutcome::kEscalate: return "escalate";
    case SpendOutcome::kDeny: return "deny";
  }
  return "deny";
}

absl::StatusOr<SpendPolicy> SpendPolicy::Compile(json::Value doc) {
  if (!doc.is_object()) return Invalid("", "must be an object");
  if (absl::Status s = OnlyMembers(doc, "", {"schemaVersion", "currency", "maxPerCallCents", "windows", "allow", "deny",
                                             "delegation", "approval", "risk"});
      !s.ok()) {
    return s;
  }
  const json::Value version = doc.Find("schemaVersion");
  if (!version.is_string() || version.as_string() != "SpendPolicy.v1") return Invalid("schemaVersion", "must be \"SpendPolicy.v1\"");
  SpendPolicy p;
  json::Tree normal = json::Tree::Object();
  normal.Set("schemaVersion", json::Tree::String("SpendPolicy.v1"));

  if (const json::Value c = doc.Find("currency"); c.present() && !c.is_null()) {
    const std::string_view s = c.is_string() ? c.as_string() : std::string_view();
    const bool ok = s.size() == 3 && std::all_of(s.begin(), s.end(), [](char x) { return x >= 'A' && x <= 'Z'; });
    if (!ok) return Invalid("currency", "must be three upper-case letters");
    p.currency_ = std::string(s);
    normal.Set("currency", json::Tree::String(*p.currency_));
  }
  if (absl::Status s = OptInt(doc, "maxPerCallCents", "maxPerCallCents", 0, kSafeMax, &p.max_per_call_cents_); !s.ok()) return s;
  if (p.max_per_call_cents_) normal.Set("maxPerCallCents", json::Tree::Number(static_cast<double>(*p.max_per_call_cents_)));

  if (const json::Value w = doc.Find("windows"); w.present() && !w.is_null()) {
    if (!w.is_array() || w.size() > kSpendWindowsMax) return Invalid("windows", StrCat("must be an array of at most ", kSpendWindowsMax, " windows"));
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string path = StrCat("windows[", i, "]");
      const json::Value e = w.at(i);
      if (!e.is_object()) return Invalid(path, "must be an object");
      if (absl::Status s = OnlyMembers(e, path, {"scope", "windowMs", "maxCents"}); !s.ok()) return s;
      const json::Value scope = e.Find("scope");
      int scope_index = -1;
      for (int k = 0; k < 3; ++k) {
        if (scope.is_string() && scope.as_string() == kScopeNames[k]) scope_index = k;
      }
      if (scope_index < 0) return Invalid(path + ".scope", "must be payer, counterparty or agreement");
      auto ms = SafeInt(e.Find("windowMs"), 1, kSpendWindowMsMax);
      if (!ms) return Invalid(path + ".windowMs", StrCat("must be an integer in 1..", kSpendWindowMsMax));
      auto max = SafeInt(e.Find("maxCents"), 0, kSafeMax);
      if (!max) return Invalid(path + ".maxCents", StrCat("must be an integer in 0..", kSafeMax));
      p.windows_.push_back({static_cast<WindowScope>(scope_index), *ms, *max});
    }
    // Normal form: ordered by scope, length, cap; identical windows once.
    std::sort(p.windows_.begin(), p.windows_.end(), [](const Window& a, const Window& b) {
      return std::tie(a.scope, a.window_ms, a.max_cents) < std::tie(b.scope, b.window_ms, b.max_cents);
    });
    p.windows_.erase(std::unique(p.windows_.begin(), p.windows_.end(),
                                 [](const Window& a, const Window& b) {
                                   return a.scope == b.scope && a.window_ms == b.window_ms && a.max_cents == b.max_cents;
                                 }),
                     p.windows_.end());
    json::Tree list = json::Tree::Array();
    for (const Window& win : p.windows_) {
      json::Tree e = json::Tree::Object();
      e.Set("maxCents", json::Tree::Number(static_cast<double>(win.max_cents)));
      e.Set("scope", json::Tree::String(std::string(kScopeNames[static_cast<int>(win.scope)])));
      e.Set("windowMs", json::Tree::Number(static_cast<double>(win.window_ms)));
      list.Push(std::move(e));
    }
    if (!p.windows_.empty()) normal.Set("windows", std::move(list));
  }

  for (auto [name, lists] : {std::pair{"allow", &p.allow_}, std::pair{"deny", &p.deny_}}) {
    const json::Value v = doc.Find(name);
    if (!v.present() || v.is_null()) continue;
    if (!v.is_object()) return Invalid(name, "must be an object");
    if (absl::Status s = OnlyMembers(v, name, {"tools", "providers", "counterparties"}); !s.ok()) return s;
    json::Tree out = json::Tree::Object();
    for (auto [member, list, present] : {std::tuple{"tools", &lists->tools, &lists->has_tools},
                                         std::tuple{"providers", &lists->providers, &lists->has_providers},
                                         std::tuple{"counterparties", &lists->counterparties, &lists->has_counterparties}}) {
      if (absl::Status s = IdList(v.Find(member), StrCat(name, ".", member), kSpendListMax, list, present); !s.ok()) return s;
      if (*present) out.Set(member, IdArray(*list));
    }
    normal.Set(name, std::move(out));
  }

  if (const json::Value d = doc.Find("delegation"); d.present() && !d.is_null()) {
    if (!d.is_object()) return Invalid("delegation", "must be an object");
    if (absl::Status s = OnlyMembers(d, "delegation", {"maxDepth", "maxDelegatedCents"}); !s.ok()) return s;
    if (absl::Status s = OptInt(d, "maxDepth", "delegation.maxDepth", 0, 64, &p.max_depth_); !s.ok()) return s;
    if (absl::Status s = OptInt(d, "maxDelegatedCents", "delegation.maxDelegatedCents", 0, kSafeMax, &p.max_delegated_cents_); !s.ok()) return s;
    json::Tree out = json::Tree::Object();
    if (p.max_delegated_cents_) out.Set("maxDelegatedCents", json::Tree::Number(static_cast<double>(*p.max_delegated_cents_)));
    if (p.max_depth_) out.Set("maxDepth", json::Tree::Number(static_cast<double>(*p.max_depth_)));
    normal.Set("delegation", std::move(out));
  }
  if (const json::Value a = doc.Find("approval"); a.present() && !a.is_null()) {
    if (!a.is_object()) return Invalid("approval", "must be an object");
    if (absl::Status s = OnlyMembers(a, "approval", {"aboveCents"}); !s.ok()) return s;
    if (absl::Status s = OptInt(a, "aboveCents", "approval.aboveCents", 0, kSafeMax, &p.approval_above_cents_); !s.ok()) return s;
    json::Tree out = json::Tree::Object();
    if (p.approval_above_cents_) out.Set("aboveCents", json::Tree::Number(static_cast<double>(*p.approval_above_cents_)));
    normal.Set("approval", std::move(out));
  }
  if (const json::Value r = doc.Find("risk"); r.present() && !r.is_null()) {
    if (!r.is_object()) return Invalid("risk", "must be an object");
    if (absl::Status s = OnlyMembers(r, "risk", {"denyAtScore", "challengeAtScore", "denySignals", "challengeSignals"}); !s.ok()) return s;
    if (absl::Status s = OptInt(r, "denyAtScore", "risk.denyAtScore", 0, 100, &p.deny_at_score_); !s.ok()) return s;
    if (absl::Status s = OptInt(r, "challengeAtScore", "risk.challengeAtScore", 0, 100, &p.challenge_at_score_); !s.ok()) return s;
    if (absl::Status s = IdList(r.Find("denySignals"), "risk.denySignals", kSpendListMax, &p.deny_signals_, nullptr); !s.ok()) return s;
    if (absl::Status s = IdList(r.Find("challengeSignals"), "risk.challengeSignals", kSpendListMax, &p.challenge_signals_, nullptr); !s.ok()) return s;
    json::Tree out = json::Tree::Object();
    if (p.challenge_at_score_) out.Set("challengeAtScore", json::Tree::Number(static_cast<double>(*p.challenge_at_score_)));
    if (!p.challenge_signals_.empty()) out.Set("challengeSignals", IdArray(p.challenge_signals_));
    if (p.deny_at_score_) out.Set("denyAtScore", json::Tree::Number(static_cast<double>(*p.deny_at_score_)));
    if (!p.deny_signals_.empty()) out.Set("denySignals", IdArray(p.deny_signals_));
    normal.Set("risk", std::move(out));
  }
  auto text = json::CanonicalString(normal);
  if (!text.ok()) return text.status();
  p.normalized_ = std::move(*text);
  p.hash_ = crypto::Sha256Hex(p.normalized_);
  return p;
}

absl::StatusOr<SpendRequest> ParseSpendRequest(json::Value r) {
  if (!r.is_object()) return BadRequest("", "must be an object");
  for (size_t i = 0; i < r.size(); ++i) {
    static constexpr std::string_view kKnown[] = {"amountCents", "currency", "payerAgentId", "counterpartyAgentId",
                                                  "toolId", "providerId", "agreementHash", "delegationDepth",
                                                  "delegatedBudgetCents", "riskScore", "riskSignals"};
    if (std::find(std::begin(kKnown), std::end(kKnown), r.key_at(i)) == std::end(kKnown)) {
      return BadRequest(r.key_at(i), "is not a spend request member");
    }
  }
  SpendRequest out;
  auto amount = SafeInt(r.Find("amountCents"), 1, kSafeMax);
  if (!amount) return BadRequest("amountCents", "must be an integer >= 1");
  out.amount_cents = *amount;
  const json::Value currency = r.Find("currency");
  const std::string_view c = currency.is_string() ? currency.as_string() : std::string_view();
  if (c.size() != 3 || !std::all_of(c.begin(), c.end(), [](char x) { return x >= 'A' && x <= 'Z'; })) {
    return BadRequest("currency", "must be three upper-case letters");
  }
  out.currency = std::string(c);
  for (auto [member, slot, required] : {std::tuple{"payerAgentId", &out.payer_agent_id, true},
                                        std::tuple{"counterpartyAgentId", &out.counterparty_agent_id, true},
                                        std::tuple{"toolId", &out.tool_id, false},
                                        std::tuple{"providerId", &out.provider_id, false},
                                        std::tuple{"agreementHash", &out.agreement_hash, false}}) {
    const json::Value v = r.Find(member);
    if (!v.present() || v.is_null()) {
      if (required) return BadRequest(member, "is required");
      continue;
    }
    if (!IsId(v)) return BadRequest(member, "must be an id (1..128 bytes, no control characters)");
    *slot = std::string(v.as_string());
  }
  if (const json::Value v = r.Find("delegationDepth"); v.present() && !v.is_null()) {
    auto d = SafeInt(v, 0, 64);
    if (!d) return BadRequest("delegationDepth", "must be an integer in 0..64");
    out.delegation_depth = *d;
  }
  if (const json::Value v = r.Find("delegatedBudgetCents"); v.present() && !v.is_null()) {
    out.delegated_budget_cents = SafeInt(v, 0, kSafeMax);
    if (!out.delegated_budget_cents) return BadRequest("delegatedBudgetCents", "must be an integer >= 0");
  }
  if (absl::Status s = ParseRiskInputs(r, &out.risk_score, &out.risk_signals); !s.ok()) return s;
  return out;
}

absl::Status ParseRiskInputs(json::Value r, std::optional<int64_t>* risk_score, std::vector<std::string>* risk_signals) {
  risk_score->reset();
  risk_signals->clear();
  if (!r.is_object()) return BadRequest("", "must be an object");
  if (const json::Value v = r.Find("riskScore"); v.present() && !v.is_null()) {
    *risk_score = SafeInt(v, 0, 100);
    if (!*risk_score) return BadRequest("riskScore", "must be an integer in 0..100");
  }
  if (const json::Value v = r.Find("riskSignals"); v.present() && !v.is_null()) {
    if (!v.is_array() || v.size() > kSpendSignalsMax) {
      return BadRequest("riskSignals", StrCat("must be an array of at most ", kSpendSignalsMax, " ids"));
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (!IsId(v.at(i))) return BadRequest(StrCat("riskSignals[", i, "]"), "must be an id");
      risk_signals->emplace_back(v.at(i).as_string());
    }
    std::sort(risk_signals->begin(), risk_signals->end());
    risk_signals->erase(std::unique(risk_signals->begin(), risk_signals->end()), risk_signals->end());
  }
  return absl::OkStatus();
}

absl::StatusOr<SpendHistory> SpendHistory::Parse(json::Value spends) {
  const auto bad = [](size_t i, std::string_view what) {
    return MakeError(absl::StatusCode::kInvalidArgument, "SPEND_HISTORY_INVALID", StrCat("spends[", i, "] ", what));
  };
  if (!spends.is_array() || spends.size() > kSpendHistoryMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "SPEND_HISTORY_INVALID",
                     StrCat("spends must be an array of at most ", kSpendHistoryMax, " entries"));
  }
  SpendHistory out;
  out.spends_.reserve(spends.size());
  for (size_t i = 0; i < spends.size(); ++i) {
    const json::Value e = spends.at(i);
    if (!e.is_object()) return bad(i, "must be an object");
    Spend s;
    const json::Value at = e.Find("at");
    auto ms = at.is_string() ? js::ParseInstantMs(at.as_string()) : std::nullopt;
    if (!ms) return bad(i, "at must be an ISO 8601 date-time with Z or an offset");
    s.at_ms = *ms;
    auto amount = SafeInt(e.Find("amountCents"), 1, kSafeMax);
    if (!amount) return bad(i, "amountCents must be an integer >= 1");
    s.amount_cents = *amount;
    for (auto [member, slot, required] : {std::tuple{"payerAgentId", &s.payer_agent_id, true},
                                          std::tuple{"currency", &s.currency, true},
                                          std::tuple{"counterpartyAgentId", &s.counterparty_agent_id, true},
                                          std::tuple{"agreementHash", &s.agreement_hash, false}}) {
      const json::Value v = e.Find(member);
      if ((!v.present() || v.is_null()) && !required) continue;
      if (!IsId(v)) return bad(i, StrCat(member, " must be an id"));
      *slot = std::string(v.as_string());
    }
    out.spends_.push_back(std::move(s));
  }
  std::stable_sort(out.spends_.begin(), out.spends_.end(), SpendBefore);
  return out;
}

void SpendHistory::Add(Spend spend) {
  // After the last spend not later than this one: equal keys keep their insertion order.
  spends_.insert(std::upper_bound(spends_.begin(), spends_.end(), spend, SpendBefore), std::move(spend));
}

absl::StatusOr<int64_t> SpendHistory::Spent(std::string_view payer, std::string_view currency, WindowScope scope,
                                            std::string_view key, int64_t from_ms, int64_t to_ms) const {
  // The first spend of (payer, currency) later than from_ms, then forward while inside the window.
  const auto start = std::make_tuple(payer, currency, from_ms);
  auto it = std::partition_point(spends_.begin(), spends_.end(), [&](const Spend& s) {
    return std::make_tuple(std::string_view(s.payer_agent_id), std::string_view(s.currency), s.at_ms) <= start;
  });
  int64_t sum = 0;
  for (; it != spends_.end() && it->payer_agent_id == payer && it->currency == currency && it->at_ms <= to_ms; ++it) {
    if (scope == WindowScope::kCounterparty && it->counterparty_agent_id != key) continue;
    if (scope == WindowScope::kAgreement && it->agreement_hash != key) continue;
    if (__builtin_add_overflow(sum, it->amount_cents, &sum)) {
      return MakeError(absl::StatusCode::kOutOfRange, "SPEND_OVERFLOW", "the spends in a window overflow int64");
    }
  }
  return sum;
}

absl::StatusOr<SpendDecision> SpendPolicy::Evaluate(const SpendRequest& req, const SpendView& view, int64_t now_ms) const {
  bool fired[kReasonCount] = {};
  if (currency_ && *currency_ != req.currency) fired[kCurrencyMismatch] = true;
  if (deny_.has_tools && !req.tool_id.empty() && Contains(deny_.tools, req.tool_id)) fired[kDenylistedTool] = true;
  if (deny_.has_providers && !req.provider_id.empty() && Contains(deny_.providers, req.provider_id)) fired[kDenylistedProvider] = true;
  if (deny_.has_counterparties && Contains(deny_.counterparties, req.counterparty_agent_id)) fired[kDenylistedCounterparty] = true;
  if (allow_.has_tools && !Contains(allow_.tools, req.tool_id)) fired[kToolNotAllowed] = true;
  if (allow_.has_providers && !Contains(allow_.providers, req.provider_id)) fired[kProviderNotAllowed] = true;
  if (allow_.has_counterparties && !Contains(allow_.counterparties, req.counterparty_agent_id)) fired[kCounterpartyNotAllowed] = true;
  if (max_per_call_cents_ && req.amount_cents > *max_per_call_cents_) fired[kMaxPerCall] = true;

  // Window figures, kept until the outcome is known (the decision lists them last).
  struct Figure {
    std::string_view key;
    int64_t spent, after;
  };
  Figure figures[kSpendWindowsMax];
  for (size_t i = 0; i < windows_.size(); ++i) {
    const Window& w = windows_[i];
    std::string_view key;
    if (w.scope == WindowScope::kCounterparty) key = req.counterparty_agent_id;
    if (w.scope == WindowScope::kAgreement) key = req.agreement_hash;
    // An agreement window does not apply to a request that names no agreement.
    const bool applies = w.scope != WindowScope::kAgreement || !key.empty();
    int64_t spent = 0;
    if (applies) {
      auto sum = view.Spent(req.payer_agent_id, req.currency, w.scope, key, now_ms - w.window_ms, now_ms);
      if (!sum.ok()) return sum.status();
      spent = *sum;
    }
    int64_t after = 0;
    if (__builtin_add_overflow(spent, req.amount_cents, &after)) {
      return MakeError(absl::StatusCode::kOutOfRange, "SPEND_OVERFLOW", "spent + amount overflows int64");
    }
    if (applies && after > w.max_cents) fired[kWindowPayer + static_cast<int>(w.scope)] = true;
    figures[i] = {key, spent, after};
  }

  if (max_depth_ && req.delegation_depth > *max_depth_) fired[kDelegationDepth] = true;
  if (req.delegation_depth > 0) {
    std::optional<int64_t> budget = req.delegated_budget_cents;
    if (max_delegated_cents_ && (!budget || *max_delegated_cents_ < *budget)) budget = max_delegated_cents_;
    if (budget && req.amount_cents > *budget) fired[kDelegatedBudget] = true;
  }
  if (req.risk_score && deny_at_score_ && *req.risk_score >= *deny_at_score_) fired[kRiskScore] = true;
  if (req.risk_score && challenge_at_score_ && *req.risk_score >= *challenge_at_score_) fired[kRiskScoreChallenge] = true;
  for (const std::string& signal : req.risk_signals) {
    if (Contains(deny_signals_, signal)) fired[kRiskSignal] = true;
    if (Contains(challenge_signals_, signal)) fired[kRiskSignalChallenge] = true;
  }
  if (approval_above_cents_ && req.amount_cents > *approval_above_cents_) fired[kApprovalRequired] = true;

  SpendDecision d;
  // The reason table is grouped by class (deny, then escalate, then challenge), so table order is
  // the documented reason order; the outcome is the most severe class that fired.
  for (int r = 0; r < kReasonCount; ++r) {
    if (!fired[r]) continue;
    d.reasons.push_back(kReasonNames[r]);
    d.outcome = std::max(d.outcome, ClassOf(r));
  }
  std::string& out = d.json;
  out.reserve(160 + 24 * d.reasons.size() + 140 * windows_.size());
  StrAppend(&out, "{\"amountCents\":", req.amount_cents, ",\"outcome\":\"", SpendOutcomeName(d.outcome),
            "\",\"policyHash\":\"", hash_, "\",\"reasons\":[");
  for (size_t i = 0; i < d.reasons.size(); ++i) StrAppend(&out, i ? ",\"" : "\"", d.reasons[i], "\"");
  out += "],\"windows\":[";
  for (size_t i = 0; i < windows_.size(); ++i) {
    const Window& w = windows_[i];
    StrAppend(&out, i ? ",{\"afterCents\":" : "{\"afterCents\":", figures[i].after, ",\"key\":");
    AppendQuoted(figures[i].key, &out);
    StrAppend(&out, ",\"maxCents\":", w.max_cents, ",\"scope\":\"", kScopeNames[static_cast<int>(w.scope)],
              "\",\"spentCents\":", figures[i].spent, ",\"windowMs\":", w.window_ms, "}");
  }
  out += "]}";
  return d;
}

}  // namespace nooterra::policy
