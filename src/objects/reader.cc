// The Reader: one protocol member rule per method (02-object-model.md "Conventions").
#include <cmath>
#include <string>

#include "common/js.h"
#include "common/strings.h"
#include "nooterra/status.h"
#include "objects/internal.h"

namespace nooterra::objects::internal {

std::optional<int64_t> ParseTimestampMs(std::string_view s) {
  // The reference reads offset-less date-times in the server's local time zone; a kernel that
  // gives the same bytes on every machine cannot, so they are refused (conformance/README.md).
  js::TimeForm form;
  auto ms = js::ParseTime(s, &form);
  if (!ms || (!form.date_only && !form.has_offset)) return std::nullopt;
  return ms;
}

bool MatchesIdChars(std::string_view s, IdChars chars) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == ':' || c == '_' || c == '-') continue;
    if (c == '.' && chars != IdChars::kBasic) continue;
    if (c == '/' && chars == IdChars::kWide) continue;
    return false;
  }
  return true;
}

std::string HexOf(const crypto::Digest& d) {
  return crypto::HexEncode(crypto::Bytes(d.data(), d.size()));
}

namespace {

std::string_view CharsText(IdChars chars) {
  switch (chars) {
    case IdChars::kBasic: return "[A-Za-z0-9:_-]";
    case IdChars::kWide: return "[A-Za-z0-9:._/-]";
    case IdChars::kCode: return "[A-Za-z0-9._:-]";
  }
  return "";
}

}  // namespace

bool Reader::Has(std::string_view key) const {
  json::Value v = in_.Find(key);
  return v.present() && !v.is_null();
}

void Reader::Fail(std::string_view reason, std::string_view key, std::string_view what) {
  if (!status_.ok()) return;
  status_ = MakeError(absl::StatusCode::kInvalidArgument, reason, StrCat(Path(key), " ", what));
}

Reader Reader::Nested(std::string_view key) {
  json::Value v = in_.Find(key);
  if (v.present() && !v.is_null() && !v.is_object()) Fail(kReasonType, key, "must be an object");
  return Reader(Path(key), v);
}

void Reader::Adopt(const Reader& nested) {
  if (status_.ok() && !nested.ok()) status_ = nested.status();
}

std::optional<std::string> Reader::OptId(std::string_view key, size_t min, size_t max,
                                         IdChars chars) {
  json::Value v = in_.Find(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    Fail(kReasonType, key, "must be a string");
    return std::nullopt;
  }
  std::string_view t = js::TrimJs(v.as_string());
  if (t.empty()) return std::nullopt;
  if (t.size() < min || t.size() > max || !MatchesIdChars(t, chars)) {
    Fail(kReasonId, key, StrCat("must be ", min, "..", max, " characters of ", CharsText(chars)));
    return std::nullopt;
  }
  return std::string(t);
}

std::string Reader::Id(std::string_view key, size_t min, size_t max, IdChars chars) {
  auto id = OptId(key, min, max, chars);
  if (!id) {
    Fail(kReasonRequired, key, "is required");
    return std::string();
  }
  return *id;
}

std::optional<std::string> Reader::OptText(std::string_view key, bool trim, size_t max) {
  json::Value v = in_.Find(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    Fail(kReasonType, key, "must be a string");
    return std::nullopt;
  }
  std::string_view s = v.as_string();
  if (js::IsBlank(s)) return std::nullopt;
  if (trim) s = js::TrimJs(s);
  if (Utf16Length(s) > max) {
    Fail(kReasonLength, key, StrCat("must be at most ", max, " characters"));
    return std::nullopt;
  }
  return std::string(s);
}

std::string Reader::Text(std::string_view key, bool trim, size_t max) {
  auto s = OptText(key, trim, max);
  if (!s) {
    Fail(kReasonRequired, key, "is required");
    return std::string();
  }
  return *s;
}

std::optional<std::string> Reader::OptString(std::string_view key) {
  json::Value v = in_.Find(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    Fail(kReasonType, key, "must be a string or null");
    return std::nullopt;
  }
  if (v.as_string().size() > 4000) {
    Fail(kReasonLength, key, "must be at most 4000 characters");
    return std::nullopt;
  }
  return std::string(v.as_string());
}

std::optional<std::string> Reader::OptSha(std::string_view key, bool strict) {
  json::Value v = in_.Find(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    Fail(kReasonType, key, "must be a string");
    return std::nullopt;
  }
  std::string s(v.as_string());
  if (!strict) s = js::LowerTrim(s);
  if (!js::IsHex64(s)) {
    Fail(kReasonSha256, key,
         strict ? "must be a lowercase sha256 hex string" : "must be a sha256 hex string");
    return std::nullopt;
  }
  return s;
}

std::string Reader::Sha(std::string_view key, bool strict) {
  auto s = OptSha(key, strict);
  if (!s) {
    Fail(kReasonRequired, key, "is required");
    return std::string();
  }
  return *s;
}

std::optional<int64_t> Reader::OptInt(std::string_view key, int64_t min, int64_t max) {
  json::Value v = in_.Find(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  // The reference coerces with Number(x) and would accept "10"; we take numbers only.
  const double d = v.is_number() ? v.as_number() : std::nan("");
  if (!v.is_number() || d != std::trunc(d) || d < static_cast<double>(min) ||
      d > static_cast<double>(max)) {
    Fail(kReasonInteger, key,
         max == kSafeIntMax ? StrCat("must be an integer >= ", min)
                            : StrCat("must be an integer in [", min, ", ", max, "]"));
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

int64_t Reader::Int(std::string_view key, int64_t min, int64_t max) {
  auto v = OptInt(key, min, max);
  if (!v) {
    Fail(kReasonRequired, key, "is required");
    return min;
  }
  return *v;
}

std::string Reader::Currency(std::string_view key) {
  json::Value v = in_.Find(key);
  std::string c = "USD";
  if (v.present() && !v.is_null()) {
    if (!v.is_string()) {
      Fail(kReasonType, key, "must be a string");
      return c;
    }
    std::string_view t = js::TrimJs(v.as_string());
    if (!t.empty()) {
      c.assign(t);
      for (char& ch : c) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      }
    }
  }
  bool ok = c.size() >= 3 && c.size() <= 12 && c[0] >= 'A' && c[0] <= 'Z';
  for (char ch : c) ok = ok && ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_');
  if (!ok) Fail(kReasonCurrency, key, "must match ^[A-Z][A-Z0-9_]{2,11}$");
  return c;
}

std::optional<std::string_view> Reader::TimestampText(std::string_view key,
                                                      std::string_view fallback, bool trim,
                                                      int64_t* ms) {
  json::Value v = in_.Find(key);
  std::string_view text = fallback;
  if (v.present() && !v.is_null()) {
    if (!v.is_string()) {
      Fail(kReasonType, key, "must be a string");
      return std::nullopt;
    }
    text = v.as_string();
  }
  if (trim) text = js::TrimJs(text);
  if (text.empty()) {
    Fail(kReasonRequired, key, "is required");
    return std::nullopt;
  }
  auto parsed = ParseTimestampMs(text);
  if (!parsed) {
    Fail(kReasonTimestamp, key, "must be an ISO 8601 date-time with Z or an offset");
    return std::nullopt;
  }
  *ms = *parsed;
  return text;
}

std::string Reader::IsoNorm(std::string_view key, std::string_view fallback) {
  int64_t ms = 0;
  return TimestampText(key, fallback, /*trim=*/false, &ms) ? js::FormatIsoMs(ms) : std::string();
}

std::string Reader::IsoVerbatim(std::string_view key, std::string_view fallback, bool trim) {
  int64_t ms = 0;
  auto text = TimestampText(key, fallback, trim, &ms);
  return text ? std::string(*text) : std::string();
}

std::optional<std::string> Reader::OptIsoVerbatim(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  int64_t ms = 0;
  auto text = TimestampText(key, "", /*trim=*/false, &ms);
  return text ? std::optional<std::string>(*text) : std::nullopt;
}

std::string Reader::Enum(std::string_view key, std::initializer_list<std::string_view> values,
                         Case c, std::string_view fallback) {
  json::Value v = in_.Find(key);
  std::string s(fallback);
  if (v.present() && !v.is_null()) {
    if (!v.is_string()) {
      Fail(kReasonType, key, "must be a string");
      return std::string();
    }
    s.assign(js::TrimJs(v.as_string()));
    for (char& ch : s) {
      if (c == Case::kLower && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      if (c == Case::kUpper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
  }
  if (s.empty()) {
    Fail(kReasonRequired, key, "is required");
    return s;
  }
  for (std::string_view allowed : values) {
    if (s == allowed) return s;
  }
  std::string list;
  for (std::string_view allowed : values) StrAppend(&list, list.empty() ? "" : "|", allowed);
  Fail(kReasonEnum, key, StrCat("must be one of ", list));
  return std::string();
}

std::optional<json::Tree> Reader::OptObject(std::string_view key) {
  json::Value v = in_.Find(key);
  if (!v.present() || v.is_null()) return std::nullopt;
  if (!v.is_object()) {
    Fail(kReasonType, key, "must be an object");
    return std::nullopt;
  }
  return json::Tree::FromValue(v);
}

std::string TwinId(Reader& r, std::string_view key, std::string_view twin, size_t min, size_t max) {
  auto id = r.OptId(key, min, max);
  auto other = r.OptId(twin, min, max);
  if (!r.ok()) return std::string();
  if (!id && !other) {
    r.Fail(kReasonRequired, key, "is required");
    return std::string();
  }
  if (id && other && *id != *other) {
    r.Fail(kReasonConstraint, twin, StrCat("must equal ", key));
    return std::string();
  }
  return id ? *id : *other;
}

void LifecycleMembers(Reader& r, const Context& ctx, std::initializer_list<std::string_view> statuses,
                      std::string_view initial_status, const std::string& created, json::Tree* out) {
  const std::string status = r.Enum("status", statuses, Reader::Case::kAsIs, initial_status);
  const int64_t revision = r.OptInt("revision", 0).value_or(0);
  const std::string updated = r.IsoVerbatim("updatedAt", created);
  const auto resolved = r.OptIsoVerbatim("resolvedAt");
  if (!ctx.validate && r.ok()) {
    if (status != initial_status) r.Fail(kReasonConstraint, "status", StrCat("of a new object must be ", initial_status));
    else if (revision != 0) r.Fail(kReasonConstraint, "revision", "of a new object must be 0");
    else if (updated != created) r.Fail(kReasonConstraint, "updatedAt", "of a new object must equal createdAt");
    else if (resolved) r.Fail(kReasonConstraint, "resolvedAt", "cannot be set on a new object");
  }
  out->Add("status", S(status));
  out->Add("revision", N(revision));
  out->Add("updatedAt", S(updated));
  if (resolved) out->Add("resolvedAt", S(*resolved));
}

json::Tree TrimmedUniqueStrings(Reader* r, std::string_view key) {
  json::Tree out = json::Tree::Array();
  json::Value v = r->Raw(key);
  if (!v.present() || v.is_null()) return out;
  if (!v.is_array()) {
    r->Fail(kReasonType, key, "must be an array of strings");
    return out;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    json::Value item = v.at(i);
    if (!item.is_string()) {
      r->Fail(kReasonType, key, "must be an array of strings");
      return out;
    }
    std::string_view t = js::TrimJs(item.as_string());
    if (t.empty()) continue;
    bool seen = false;
    for (const json::Tree& e : out.items()) seen = seen || e.as_string() == t;
    if (!seen) out.Push(S(std::string(t)));
  }
  return out;
}

}  // namespace nooterra::objects::internal
