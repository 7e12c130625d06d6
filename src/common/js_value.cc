// ECMAScript conversions of JSON values (String(), Number()) the protocol's normalizers apply to
// whatever a document holds: the reference writes `Number(value)` and `String(value)` and hashes
// or compares the results, so "25", [25] and 25 must all read as 25 here too.
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "common/js.h"
#include "nooterra/json.h"

namespace nooterra::js {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsDigitIn(char c, int radix) {
  if (radix == 16) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  return c >= '0' && c < static_cast<char>('0' + radix);
}

// StringToNumber (ECMA-262 7.1.4.1.1) on the already-trimmed text.
double StringToNumber(std::string_view s) {
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' || s[1] == 'b' ||
                                      s[1] == 'B')) {
    const int radix = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
    double v = 0;
    for (char c : s.substr(2)) {
      if (!IsDigitIn(c, radix)) return kNaN;
      const int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      v = v * radix + d;  // exact below 2^53, which is all a safe-integer check can accept
    }
    return v;
  }
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') i = 1;
  const std::string_view body = s.substr(i);
  if (body == "Infinity") return negative ? -std::numeric_limits<double>::infinity()
                                          : std::numeric_limits<double>::infinity();
  // StrUnsignedDecimalLiteral: digits [. digits] | . digits, then an optional exponent.
  size_t j = 0, int_digits = 0, frac_digits = 0;
  while (j < body.size() && body[j] >= '0' && body[j] <= '9') ++j, ++int_digits;
  if (j < body.size() && body[j] == '.') {
    ++j;
    while (j < body.size() && body[j] >= '0' && body[j] <= '9') ++j, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return kNaN;
  if (j < body.size() && (body[j] == 'e' || body[j] == 'E')) {
    size_t k = j + 1;
    if (k < body.size() && (body[k] == '+' || body[k] == '-')) ++k;
    const size_t exp_start = k;
    while (k < body.size() && body[k] >= '0' && body[k] <= '9') ++k;
    if (k == exp_start) return kNaN;
    j = k;
  }
  if (j != body.size()) return kNaN;
  double v = 0;
  // from_chars reads exactly this grammar (no sign, no hex, no "inf") with correct rounding and
  // without the C locale strtod would consult.
  const auto r = std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow is Infinity, underflow 0 in ECMAScript; from_chars leaves v unspecified.
    bool big = false;
    const size_t e = body.find_first_of("eE");
    big = e == std::string_view::npos || body[e + 1] != '-';
    v = big ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (r.ec != std::errc() || r.ptr != body.data() + body.size()) {
    return kNaN;
  }
  return negative ? -v : v;
}

}  // namespace

std::string ValueString(json::Value v) {
  switch (v.type()) {
    case json::Type::kAbsent: return "";
    case json::Type::kNull: return "null";
    case json::Type::kFalse: return "false";
    case json::Type::kTrue: return "true";
    case json::Type::kNumber: {
      std::string out;
      if (!json::AppendNumber(v.as_number(), &out).ok()) return "";  // non-finite never parses
      return out;
    }
    case json::Type::kString: return std::string(v.as_string());
    case json::Type::kObject: return "[object Object]";
    case json::Type::kArray: {
      // Array.prototype.join: null and undefined elements print as "".
      std::string out;
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        if (!v.at(i).is_null()) out += ValueString(v.at(i));
      }
      return out;
    }
  }
  return "";
}

double ToNumber(json::Value v) {
  switch (v.type()) {
    case json::Type::kAbsent: return kNaN;
    case json::Type::kNull: return 0;
    case json::Type::kFalse: return 0;
    case json::Type::kTrue: return 1;
    case json::Type::kNumber: return v.as_number();
    case json::Type::kString: return StringToNumber(TrimJs(v.as_string()));
    case json::Type::kObject: return kNaN;
    case json::Type::kArray: return StringToNumber(TrimJs(ValueString(v)));
  }
  return kNaN;
}

bool IsSafeInteger(double d) {
  return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= 9007199254740991.0;
}

}  // namespace nooterra::js
