// Helpers shared by the release verifier's sources. Not installed.
#ifndef NOOTERRA_SRC_VERIFY_RELEASE_INTERNAL_H_
#define NOOTERRA_SRC_VERIFY_RELEASE_INTERNAL_H_

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "nooterra/json.h"

namespace nooterra::release::internal {

// Number.MAX_SAFE_INTEGER: above it doubles stop being exact integers.
inline constexpr int64_t kSafeIntegerMax = 9007199254740991;

// The value of a JSON number that is an integer in [0, 2^53 - 1], else std::nullopt.
inline std::optional<int64_t> NonNegativeSafeInteger(json::Value v) {
  if (!v.is_number()) return std::nullopt;
  double d = v.as_number();
  if (!std::isfinite(d) || std::floor(d) != d || d < 0 ||
      d > static_cast<double>(kSafeIntegerMax)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

// Decodes one code point of (WTF-8) `s` at `*i` and advances; bytes that do not start a valid
// sequence decode as themselves, which is enough for ordering.
inline uint32_t NextCodePoint(std::string_view s, size_t* i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(*i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (*i + n > s.size()) n = 1;
  for (size_t k = 1; k < n; ++k) {
    if ((b(*i + k) & 0xC0) != 0x80) n = 1;
  }
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(*i + k) & 0x3F);
  *i += n;
  return cp;
}

// JavaScript's `a < b` on strings: UTF-16 code-unit order. It differs from byte (code point)
// order only between supplementary characters (surrogate pairs, D800..DFFF) and U+E000..U+FFFF.
inline bool Utf16Less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint32_t x = NextCodePoint(a, &i), y = NextCodePoint(b, &j);
    if (x == y) continue;
    // Compare the first UTF-16 units; equal first units (two supplementary characters with the
    // same high surrogate) fall back to code points, which order the low surrogates the same way.
    uint32_t ux = x >= 0x10000 ? 0xD800 + ((x - 0x10000) >> 10) : x;
    uint32_t uy = y >= 0x10000 ? 0xD800 + ((y - 0x10000) >> 10) : y;
    if (ux != uy) return ux < uy;
    return x < y;
  }
  return i == a.size() && j < b.size();
}

// String.prototype.trim: removes ECMAScript white space and line terminators at both ends.
inline bool IsJsSpace(uint32_t cp) {
  return cp == 0x09 || cp == 0x0A || cp == 0x0B || cp == 0x0C || cp == 0x0D || cp == 0x20 ||
         cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

inline std::string_view TrimJs(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!IsJsSpace(NextCodePoint(s, &next))) break;
    begin = next;
  }
  size_t end = begin, i = begin;
  while (i < s.size()) {
    if (!IsJsSpace(NextCodePoint(s, &i))) end = i;
  }
  return s.substr(begin, end - begin);
}

}  // namespace nooterra::release::internal

#endif  // NOOTERRA_SRC_VERIFY_RELEASE_INTERNAL_H_
