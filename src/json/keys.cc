// Canonical key order and the small UTF-8 helpers it needs.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "json/internal.h"
#include "nooterra/json.h"

namespace nooterra::json {
namespace internal {

void AppendCodePoint(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int64_t ArrayIndexValue(std::string_view key) {
  if (key.empty() || key.size() > 10) return -1;
  if (key[0] == '0') return key.size() == 1 ? 0 : -1;
  int64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v <= 4294967294LL ? v : -1;
}

}  // namespace internal

namespace {

// Decodes one WTF-8 code point at s[i] (the input is produced by our parser, so it is well
// formed apart from 3-byte surrogate forms) and advances i.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = b(*i);
  if (b0 < 0x80) {
    *i += 1;
    return b0;
  }
  if (b0 < 0xE0 && *i + 1 < s.size()) {
    uint32_t cp = (b0 & 0x1Fu) << 6 | (b(*i + 1) & 0x3Fu);
    *i += 2;
    return cp;
  }
  if (b0 < 0xF0 && *i + 2 < s.size()) {
    uint32_t cp = (b0 & 0x0Fu) << 12 | (b(*i + 1) & 0x3Fu) << 6 | (b(*i + 2) & 0x3Fu);
    *i += 3;
    return cp;
  }
  if (*i + 3 < s.size()) {
    uint32_t cp = (b0 & 0x07u) << 18 | (b(*i + 1) & 0x3Fu) << 12 | (b(*i + 2) & 0x3Fu) << 6 |
                  (b(*i + 3) & 0x3Fu);
    *i += 4;
    return cp;
  }
  *i += 1;
  return b0;
}

// Yields the UTF-16 code units of a WTF-8 string one at a time.
class Utf16Units {
 public:
  Utf16Units(std::string_view s, size_t from) : s_(s), i_(from) {}
  bool done() const { return pending_ == 0 && i_ >= s_.size(); }
  uint32_t Next() {
    if (pending_ != 0) {
      uint32_t unit = pending_;
      pending_ = 0;
      return unit;
    }
    uint32_t cp = NextCodePoint(s_, &i_);
    if (cp < 0x10000) return cp;
    pending_ = 0xDC00 + (cp & 0x3FF);  // the low surrogate comes next
    return 0xD800 + ((cp - 0x10000) >> 10);
  }

 private:
  std::string_view s_;
  size_t i_;
  uint32_t pending_ = 0;
};

// Compares the UTF-16 code-unit sequences of a[from..] and b[from..].
int CompareUtf16From(std::string_view a, std::string_view b, size_t from) {
  Utf16Units ua(a, from), ub(b, from);
  while (true) {
    if (ua.done() || ub.done()) return ua.done() && ub.done() ? 0 : (ua.done() ? -1 : 1);
    uint32_t x = ua.Next(), y = ub.Next();
    if (x != y) return x < y ? -1 : 1;
  }
}

}  // namespace

int CompareKeys(std::string_view a, std::string_view b) {
  // Array-index-like keys first, numerically. Only keys starting with a digit can be one.
  bool digit_a = !a.empty() && a[0] >= '0' && a[0] <= '9';
  bool digit_b = !b.empty() && b[0] >= '0' && b[0] <= '9';
  if (digit_a || digit_b) {
    int64_t ia = digit_a ? internal::ArrayIndexValue(a) : -1;
    int64_t ib = digit_b ? internal::ArrayIndexValue(b) : -1;
    if (ia >= 0 && ib >= 0) return ia < ib ? -1 : (ia > ib ? 1 : 0);
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
  }
  // UTF-8 byte order equals code-point order, which equals UTF-16 order except where a
  // supplementary character meets U+E000..U+FFFF (or a surrogate); fall back only there.
  // Keys are short: an inline scan beats a memcmp call plus a second scan for the position.
  const size_t n = std::min(a.size(), b.size());
  size_t k = 0;
  while (k < n && a[k] == b[k]) ++k;
  if (k == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  uint8_t x = static_cast<uint8_t>(a[k]), y = static_cast<uint8_t>(b[k]);
  if (x < 0x80 || y < 0x80) return x < y ? -1 : 1;  // an ASCII byte decides either way
  // Back up to the start of the code point containing the first difference.
  while (k > 0 && (static_cast<uint8_t>(a[k]) & 0xC0) == 0x80) --k;
  return CompareUtf16From(a, b, k);
}

}  // namespace nooterra::json
