// Case folding and locale collation, the two places where the reference leans on the ECMAScript
// runtime's Unicode tables (toLowerCase for manifest case collisions, localeCompare for the
// ClosePack evidence/SLA/acceptance ordering). No ICU here: the tables below cover what bundles
// contain in practice, and conformance/README.md documents the remaining divergence.
#include "json/internal.h"
#include "verify/internal.h"

namespace nooterra::verify::internal {

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

}  // namespace nooterra::verify::internal
