#include "nooterra/signer_lifecycle.h"

#include <array>
#include <string>

#include "common/strings.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::verify {
namespace {

constexpr std::string_view kCanonicalCodes[] = {
    "",
    "KEY_NOT_REGISTERED",
    "KEY_EVENT_TIME_INVALID",
    "KEY_STATUS_INVALID",
    "KEY_LIFECYCLE_INVALID",
    "KEY_NOT_YET_VALID",
    "KEY_EXPIRED",
    "KEY_ROTATED",
    "KEY_REVOKED",
    "KEY_CHAIN_GAP",
};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` decimal digits at s[pos]; false when any of them is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

// Days from 1970-01-01 to year-month-01 of the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil). Adding day - 1 afterwards gives ECMAScript MakeDay's roll-over for days
// beyond the end of the month, which Date.parse applies to days up to 31.
int64_t DaysFromCivil(int64_t y, int m) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsAbsentOrBlank(const std::optional<std::string>& v) {
  return !v.has_value() || TrimAscii(*v).empty();
}

std::string Describe(json::Type type) {
  switch (type) {
    case json::Type::kNumber:
      return "<number>";
    case json::Type::kTrue:
    case json::Type::kFalse:
      return "<boolean>";
    case json::Type::kArray:
      return "<array>";
    case json::Type::kObject:
      return "<object>";
    default:
      return "<value>";
  }
}

// JSON member → optional string: absent/null → nullopt; string → its bytes; any other type → a
// placeholder that can never validate (see SignerLifecycleQueryFromJson in the header).
std::optional<std::string> OptionalString(json::Value v) {
  if (!v.present() || v.is_null()) return std::nullopt;
  if (v.is_string()) return std::string(v.as_string());
  return Describe(v.type());
}

// One lifecycle time: absent when blank, else it must parse.
struct TimeField {
  const char* name;
  const std::optional<std::string>* text;
  std::optional<int64_t> ms;
};

SignerLifecycleDecision Deny(SignerLifecycleCode code, std::string message) {
  SignerLifecycleDecision d;
  d.ok = false;
  d.code = code;
  d.message = std::move(message);
  return d;
}

enum class KeyStatus { kActive, kRotated, kRevoked };

struct Lifecycle {
  KeyStatus status = KeyStatus::kActive;
  std::optional<int64_t> valid_from, valid_to, rotated_at, revoked_at;
};

// Step 5 of the rules, at time t. The first failing condition wins.
SignerValidity EvaluateAt(const Lifecycle& k, int64_t t) {
  SignerLifecycleCode code = SignerLifecycleCode::kOk;
  if (k.valid_from && t < *k.valid_from) {
    code = SignerLifecycleCode::kKeyNotYetValid;
  } else if (k.valid_to && t > *k.valid_to) {
    code = SignerLifecycleCode::kKeyExpired;
  } else if (k.rotated_at && t >= *k.rotated_at) {
    code = SignerLifecycleCode::kKeyRotated;
  } else if (k.revoked_at && t >= *k.revoked_at) {
    code = SignerLifecycleCode::kKeyRevoked;
  } else if ((k.status == KeyStatus::kRotated && !k.rotated_at) ||
             (k.status == KeyStatus::kRevoked && !k.revoked_at)) {
    // A key marked rotated or revoked without the time it happened cannot be placed on the
    // timeline, so no signing time can be proven to precede it: deny rather than guess.
    code = SignerLifecycleCode::kKeyChainGap;
  }
  return SignerValidity{code == SignerLifecycleCode::kOk, code};
}

}  // namespace

std::string_view SignerLifecycleCanonicalCode(SignerLifecycleCode code) {
  auto i = static_cast<size_t>(code);
  return i < std::size(kCanonicalCodes) ? kCanonicalCodes[i] : std::string_view("KEY_UNKNOWN");
}

std::string SignerLifecycleLegacyCode(SignerLifecycleCode code) {
  if (code == SignerLifecycleCode::kOk) return "";
  return StrCat("IDENTITY_SIGNER_", SignerLifecycleCanonicalCode(code));
}

std::optional<int64_t> ParseSignerTimeMs(std::string_view text) {
  // Pattern: ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$
  std::string_view s = TrimAscii(text);
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || s[10] != 'T' || !Digits(s, 11, 2, &hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' || !Digits(s, 17, 2, &second)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    size_t n = pos - start;
    if (n < 1 || n > 9) return std::nullopt;
    // Date.parse keeps milliseconds only; further digits are truncated, not rounded.
    for (size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < n ? s[start + i] - '0' : 0);
  }
  int64_t offset_minutes = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (s[pos] == '-' ? -1 : 1) * int64_t{oh * 60 + om};
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // Field ranges as ECMAScript's date-time parser checks them.
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  if (hour > 24 || (hour == 24 && (minute != 0 || second != 0 || millis != 0))) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, month) + (day - 1);
  int64_t ms = ((days * 24 + hour) * 60 + minute) * 60000 + int64_t{second} * 1000 + millis;
  return ms - offset_minutes * 60000;
}

SignerLifecycleDecision EvaluateSignerLifecycle(const SignerLifecycleQuery& query) {
  // 1. Registration.
  if (!query.signer_key.has_value()) {
    if (query.require_registered) {
      return Deny(SignerLifecycleCode::kKeyNotRegistered, "signer key is not registered");
    }
    SignerLifecycleDecision d;
    d.ok = true;
    return d;
  }
  const SignerKeyRecord& key = *query.signer_key;

  // 2. Evaluation times.
  std::optional<int64_t> at = ParseSignerTimeMs(query.at);
  if (!at) {
    return Deny(SignerLifecycleCode::kKeyEventTimeInvalid,
                "evaluation time `at` must be an ISO date-time");
  }
  std::optional<int64_t> now = at;
  if (query.now.has_value()) {
    now = ParseSignerTimeMs(*query.now);
    if (!now) {
      return Deny(SignerLifecycleCode::kKeyEventTimeInvalid,
                  "evaluation time `now` must be an ISO date-time");
    }
  }

  // 3. Status.
  Lifecycle life;
  if (key.status.has_value()) {
    std::string status(TrimAscii(*key.status));
    // ASCII folding is enough: no non-ASCII character lower-cases to a letter of these words.
    for (char& c : status) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (status == "active") {
      life.status = KeyStatus::kActive;
    } else if (status == "rotated") {
      life.status = KeyStatus::kRotated;
    } else if (status == "revoked") {
      life.status = KeyStatus::kRevoked;
    } else {
      return Deny(SignerLifecycleCode::kKeyStatusInvalid,
                  "signer key status must be active, rotated or revoked");
    }
  }

  // 4. Lifecycle times.
  std::array<TimeField, 4> fields = {{{"validFrom", &key.valid_from, std::nullopt},
                                      {"validTo", &key.valid_to, std::nullopt},
                                      {"rotatedAt", &key.rotated_at, std::nullopt},
                                      {"revokedAt", &key.revoked_at, std::nullopt}}};
  for (TimeField& f : fields) {
    if (IsAbsentOrBlank(*f.text)) continue;
    f.ms = ParseSignerTimeMs(**f.text);
    if (!f.ms) {
      return Deny(SignerLifecycleCode::kKeyLifecycleInvalid,
                  StrCat("signerKey.", f.name, " must be an ISO date-time"));
    }
  }
  life.valid_from = fields[0].ms;
  life.valid_to = fields[1].ms;
  life.rotated_at = fields[2].ms;
  life.revoked_at = fields[3].ms;
  if (life.valid_from && life.valid_to && *life.valid_from > *life.valid_to) {
    return Deny(SignerLifecycleCode::kKeyLifecycleInvalid,
                "signerKey.validFrom must not be after signerKey.validTo");
  }

  // 5. Point evaluations, 6. verdict.
  SignerLifecycleDecision d;
  d.valid_at = EvaluateAt(life, *at);
  d.valid_now = EvaluateAt(life, *now);
  if (!d.valid_at->ok) {
    d.code = d.valid_at->code;
    d.message =
        StrCat("signer key not valid at the event time: ", SignerLifecycleCanonicalCode(d.code));
  } else if (query.enforce_current_validity && !d.valid_now->ok) {
    d.code = d.valid_now->code;
    d.message = StrCat("signer key not valid now: ", SignerLifecycleCanonicalCode(d.code));
  }
  d.ok = d.code == SignerLifecycleCode::kOk;
  return d;
}

absl::StatusOr<SignerLifecycleQuery> SignerLifecycleQueryFromJson(json::Value input) {
  if (!input.is_object()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "SIGNER_LIFECYCLE_INPUT_INVALID",
                     "signer lifecycle input must be a JSON object");
  }
  SignerLifecycleQuery q;
  json::Value key = input.Find("signerKey");
  if (key.is_object()) {
    SignerKeyRecord r;
    r.status = OptionalString(key.Find("status"));
    r.valid_from = OptionalString(key.Find("validFrom"));
    r.valid_to = OptionalString(key.Find("validTo"));
    r.rotated_at = OptionalString(key.Find("rotatedAt"));
    r.revoked_at = OptionalString(key.Find("revokedAt"));
    q.signer_key = std::move(r);
  }
  // A missing or non-string `at` becomes "" or a placeholder: both fail step 2.
  q.at = OptionalString(input.Find("at")).value_or("");
  q.now = OptionalString(input.Find("now"));
  json::Value require = input.Find("requireRegistered");
  q.require_registered = !(require.type() == json::Type::kFalse);
  q.enforce_current_validity = input.Find("enforceCurrentValidity").type() == json::Type::kTrue;
  return q;
}

std::string SignerLifecycleDecisionJson(const SignerLifecycleDecision& d) {
  auto code = [](bool ok, SignerLifecycleCode c) {
    return ok ? json::Tree::Null() : json::Tree::String(std::string(SignerLifecycleCanonicalCode(c)));
  };
  json::Tree out = json::Tree::Object();
  out.Add("ok", json::Tree::Bool(d.ok));
  out.Add("canonicalCode", code(d.ok, d.code));
  out.Add("legacyCode", d.ok ? json::Tree::Null() : json::Tree::String(SignerLifecycleLegacyCode(d.code)));
  for (auto [v, name] : {std::pair{&d.valid_at, std::string_view("validAt")}, std::pair{&d.valid_now, std::string_view("validNow")}}) {
    out.Add(StrCat(name, "Ok"), v->has_value() ? json::Tree::Bool((*v)->ok) : json::Tree::Null());
    out.Add(StrCat(name, "CanonicalCode"), v->has_value() ? code((*v)->ok, (*v)->code) : json::Tree::Null());
  }
  out.Add("message", d.ok ? json::Tree::Null() : json::Tree::String(d.message));
  auto text = json::CanonicalString(out);
  // Only strings and booleans go in: canonicalization cannot fail.
  return text.ok() ? *std::move(text) : std::string("{\"ok\":false}");
}

}  // namespace nooterra::verify
