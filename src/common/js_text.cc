// ECMAScript string semantics the protocol leans on: String.prototype.trim, toLowerCase,
// UTF-16 code-unit comparison (what JS `<` and Array.prototype.sort do) and localeCompare.
//
// Case folding and locale collation, the two places where the reference leans on the ECMAScript
// runtime's Unicode tables (toLowerCase for manifest case collisions, localeCompare for the
// ClosePack evidence/SLA/acceptance ordering). No ICU here: the tables below cover what bundles
// contain in practice, and conformance/README.md documents the remaining divergence.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/js.h"
#include "json/internal.h"

namespace nooterra::js {
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



namespace {

bool Even(uint32_t cp) { return (cp & 1) == 0; }

// Simple lower-case mapping (Unicode's UnicodeData lowercase field) for the bicameral scripts of
// the BMP: Latin (Basic, Latin-1, Extended-A/B/Additional), Greek, Cyrillic, Armenian, Georgian,
// Roman numerals, circled letters, fullwidth Latin, and Deseret.
uint32_t LowerCp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x12F) return Even(c) ? c + 1 : c;
  if (c >= 0x132 && c <= 0x137) return Even(c) ? c + 1 : c;
  if (c >= 0x139 && c <= 0x148) return Even(c) ? c : c + 1;
  if (c >= 0x14A && c <= 0x177) return Even(c) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return Even(c) ? c : c + 1;
  if (c >= 0x1CD && c <= 0x1DC) return Even(c) ? c : c + 1;
  if (c >= 0x1DE && c <= 0x1EF) return Even(c) ? c + 1 : c;
  if (c >= 0x1F8 && c <= 0x21F) return Even(c) ? c + 1 : c;
  if (c >= 0x222 && c <= 0x233) return Even(c) ? c + 1 : c;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x3D8 && c <= 0x3EF) return Even(c) ? c + 1 : c;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x460 && c <= 0x481) return Even(c) ? c + 1 : c;
  if (c >= 0x48A && c <= 0x4BF) return Even(c) ? c + 1 : c;
  if (c == 0x4C0) return 0x4CF;
  if (c >= 0x4C1 && c <= 0x4CE) return Even(c) ? c : c + 1;
  if (c >= 0x4D0 && c <= 0x52F) return Even(c) ? c + 1 : c;
  if (c >= 0x531 && c <= 0x556) return c + 48;
  if (c >= 0x10A0 && c <= 0x10C5) return c + 0x1C60;
  if (c >= 0x1E00 && c <= 0x1E95) return Even(c) ? c + 1 : c;
  if (c == 0x1E9E) return 0xDF;
  if (c >= 0x1EA0 && c <= 0x1EFF) return Even(c) ? c + 1 : c;
  if (c >= 0x2160 && c <= 0x216F) return c + 16;
  if (c >= 0x24B6 && c <= 0x24CF) return c + 26;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
  if (c >= 0x10400 && c <= 0x10427) return c + 40;
  return c;
}

}  // namespace

std::string LowerJs(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const uint32_t cp = DecodeUtf8(s, &i);
    if (cp == 0x130) {
      // The one BMP letter whose lower case is two code points: "i" + COMBINING DOT ABOVE.
      out.push_back('i');
      json::internal::AppendCodePoint(0x307, &out);
      continue;
    }
    json::internal::AppendCodePoint(LowerCp(cp), &out);
  }
  return out;
}

namespace {

// Primary weights of ASCII in the CLDR root collation (alternate = non-ignorable, ICU's
// default): whitespace, then punctuation and symbols in the order
//   _ - , ; : ! ? . ' " ( ) [ ] { } @ * / \ & # % ` ^ + < = > | ~ $
// then digits, then letters (case differs only at the tertiary level). 0 = ignorable.
constexpr char kPunctuationOrder[] = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

struct AsciiWeights {
  uint16_t primary[128] = {};
  constexpr AsciiWeights() {
    uint16_t w = 1;
    const char spaces[] = {'\t', '\n', '\v', '\f', '\r', ' '};
    for (char c : spaces) primary[static_cast<int>(c)] = w++;
    for (const char* p = kPunctuationOrder; *p; ++p) primary[static_cast<int>(*p)] = w++;
    for (int c = '0'; c <= '9'; ++c) primary[c] = w++;
    for (int c = 'a'; c <= 'z'; ++c) {
      primary[c] = w;
      primary[c - 'a' + 'A'] = w;
      ++w;
    }
  }
};
constexpr AsciiWeights kWeights;

struct Element {
  uint32_t primary;
  uint8_t tertiary;  // 0 lower / caseless, 1 upper
};

void CollationElements(std::string_view s, std::vector<Element>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    const uint32_t cp = DecodeUtf8(s, &i);
    if (cp < 128) {
      const uint16_t w = kWeights.primary[cp];
      if (w == 0) continue;  // control characters are completely ignorable
      out->push_back({w, static_cast<uint8_t>(cp >= 'A' && cp <= 'Z')});
    } else {
      // Outside ASCII: after every ASCII letter, in code-point order of the lower-case form.
      const uint32_t lower = LowerCp(cp);
      out->push_back({1000 + lower, static_cast<uint8_t>(lower != cp)});
    }
  }
}

}  // namespace

size_t Utf16Length(std::string_view s) {
  size_t units = 0;
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = DecodeUtf8(s, &i);
    units += cp >= 0x10000 ? 2 : 1;
  }
  return units;
}

int LocaleCompare(std::string_view a, std::string_view b) {
  std::vector<Element> ea, eb;
  CollationElements(a, &ea);
  CollationElements(b, &eb);
  const size_t n = std::min(ea.size(), eb.size());
  for (size_t k = 0; k < n; ++k) {
    if (ea[k].primary != eb[k].primary) return ea[k].primary < eb[k].primary ? -1 : 1;
  }
  if (ea.size() != eb.size()) return ea.size() < eb.size() ? -1 : 1;
  for (size_t k = 0; k < n; ++k) {
    if (ea[k].tertiary != eb[k].tertiary) return ea[k].tertiary < eb[k].tertiary ? -1 : 1;
  }
  return 0;
}

}  // namespace nooterra::js
