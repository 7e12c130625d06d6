// Small helpers of the verifier: failure records, ECMAScript-compatible trimming and
// Date.parse, JSON member access, decimal big integers for the invoice math.
#include <algorithm>
#include <cstring>

#include "common/strings.h"
#include "verify/internal.h"

namespace nooterra::verify::internal {

Fail F(std::string error) {
  auto f = std::make_unique<Failure>();
  f->error = std::move(error);
  return f;
}

Fail FPath(std::string error, std::string path) {
  Fail f = F(std::move(error));
  f->path = std::move(path);
  return f;
}

Fail FMessage(std::string code, std::string path, std::string message) {
  Fail f = FPath(std::move(code), std::move(path));
  f->message = std::move(message);
  return f;
}

Fail Wrap(std::string outer, Fail inner) {
  Fail f = F(std::move(outer));
  f->cause = std::move(inner);
  return f;
}

Fail With(Fail f, std::string name, std::string_view string_value) {
  f->fields.emplace_back(std::move(name), Quote(string_value));
  return f;
}

Fail WithJson(Fail f, std::string name, std::string json_text) {
  f->fields.emplace_back(std::move(name), std::move(json_text));
  return f;
}

namespace {

// Decodes one UTF-8 code point at s[i]; invalid bytes decode as themselves (never happens for
// strings that came through the JSON parser, which repairs them to U+FFFD).
uint32_t DecodeAt(std::string_view s, size_t* i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  uint32_t c = b(*i);
  size_t need = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 0;
  if (need == 0 || *i + need >= s.size()) {
    ++*i;
    return c;
  }
  uint32_t cp = need == 1 ? (c & 0x1F) : need == 2 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k <= need; ++k) cp = (cp << 6) | (b(*i + k) & 0x3F);
  *i += need + 1;
  return cp;
}

bool IsJsSpace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace

uint32_t DecodeUtf8(std::string_view s, size_t* i) { return DecodeAt(s, i); }

std::string_view TrimJs(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsJsSpace(DecodeAt(s, &next))) break;
    begin = next;
  }
  size_t end = s.size();
  while (end > begin) {
    // Step back to the start of the previous code point.
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t probe = start;
    if (!IsJsSpace(DecodeAt(s, &probe))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

bool IsBlank(std::string_view s) { return TrimJs(s).empty(); }

std::optional<std::string_view> Str(json::Value v, std::string_view key) {
  json::Value m = v.Find(key);
  if (!m.is_string()) return std::nullopt;
  return m.as_string();
}

std::optional<std::string_view> NonBlank(json::Value v, std::string_view key) {
  auto s = Str(v, key);
  if (!s || IsBlank(*s)) return std::nullopt;
  return s;
}

std::string Quote(std::string_view s) {
  std::string out;
  json::AppendQuoted(s, &out);
  return out;
}

std::string CanonicalOf(json::Value v) {
  if (!v.present()) return "null";
  std::string out;
  if (!json::AppendCanonical(v, &out).ok()) return std::string();
  return out;
}

std::string HashHex(json::Value v, std::initializer_list<std::string_view> omit) {
  json::CanonicalOptions options;
  options.omit_members = absl::Span<const std::string_view>(omit.begin(), omit.size());
  auto digest = json::CanonicalDigest(v, options);
  if (!digest.ok()) return std::string();  // never equal to a declared 64-hex hash
  return crypto::HexEncode(crypto::Bytes(digest->data(), digest->size()));
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string LowerTrim(std::string_view s) {
  std::string out(TrimJs(s));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int CompareUtf16(std::string_view a, std::string_view b) {
  // Code-point order equals UTF-16 order except that supplementary planes (surrogates,
  // 0xD800..) sort before U+E000..U+FFFF in UTF-16.
  const auto key = [](uint32_t cp) -> uint32_t {
    if (cp >= 0x10000) return 0xD800 + ((cp - 0x10000) >> 10);  // the high surrogate
    return cp;
  };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint32_t ca = DecodeAt(a, &i), cb = DecodeAt(b, &j);
    if (ca == cb) continue;
    uint32_t ka = key(ca), kb = key(cb);
    if (ka != kb) return ka < kb ? -1 : 1;
    return ca < cb ? -1 : 1;  // same high surrogate: low surrogates follow code-point order
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Date.parse

namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date. Days past the
  // end of the month roll over, as V8 does for "2026-02-30".
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t* pos, size_t n, int64_t* value) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[*pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

}  // namespace

std::optional<int64_t> ParseTimeMs(std::string_view s) {
  size_t p = 0;
  int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    bool negative = s[p] == '-';
    ++p;
    if (!Digits(s, &p, 6, &year)) return std::nullopt;
    if (negative && year == 0) return std::nullopt;  // -000000 is invalid per ECMA-262
    if (negative) year = -year;
  } else if (!Digits(s, &p, 4, &year)) {
    return std::nullopt;
  }
  bool date_only = true;
  if (p < s.size() && s[p] == '-') {
    ++p;
    if (!Digits(s, &p, 2, &month)) return std::nullopt;
    if (p < s.size() && s[p] == '-') {
      ++p;
      if (!Digits(s, &p, 2, &day)) return std::nullopt;
    }
  }
  int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    date_only = false;
    ++p;
    if (!Digits(s, &p, 2, &hour) || p >= s.size() || s[p] != ':') return std::nullopt;
    ++p;
    if (!Digits(s, &p, 2, &minute)) return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!Digits(s, &p, 2, &second)) return std::nullopt;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        size_t start = p;
        int64_t scale = 100;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          ms += (s[p] - '0') * scale;  // truncated to milliseconds
          scale /= 10;
          ++p;
        }
        if (p == start) return std::nullopt;
      }
    }
    if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
      ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
      int64_t sign = s[p] == '-' ? -1 : 1, oh = 0, om = 0;
      ++p;
      if (!Digits(s, &p, 2, &oh) || p >= s.size() || s[p] != ':') return std::nullopt;
      ++p;
      if (!Digits(s, &p, 2, &om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
    }
  } else if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;  // date-only with an explicit Z
  }
  (void)date_only;
  if (p != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  if (hour > 24 || minute > 59 || second > 59) return std::nullopt;
  if (hour == 24 && (minute != 0 || second != 0 || ms != 0)) return std::nullopt;
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t t = ((days * 24 + hour) * 60 + minute - offset_min) * 60000 + second * 1000 + ms;
  // ECMAScript time values are limited to +-8.64e15 ms.
  if (t > 8640000000000000LL || t < -8640000000000000LL) return std::nullopt;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Decimal big integers

bool IsDigitString(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string DecimalNormalize(std::string_view digits) {
  size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

std::string DecimalAdd(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return DecimalNormalize(out);
}

std::string DecimalMul(std::string_view a, std::string_view b) {
  std::vector<uint32_t> acc(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    const uint32_t da = static_cast<uint32_t>(a[a.size() - 1 - i] - '0');
    if (da == 0) continue;
    for (size_t j = 0; j < b.size(); ++j) {
      acc[i + j] += da * static_cast<uint32_t>(b[b.size() - 1 - j] - '0');
    }
  }
  // Inputs are capped at kDecimalDigitsMax digits, so no cell exceeds 81 * 4096 before this.
  for (size_t k = 0; k + 1 < acc.size(); ++k) {
    acc[k + 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string out;
  for (size_t k = acc.size(); k-- > 0;) out.push_back(static_cast<char>('0' + acc[k] % 10));
  return out.empty() ? "0" : DecimalNormalize(out);
}

}  // namespace nooterra::verify::internal
