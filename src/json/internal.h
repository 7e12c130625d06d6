// Helpers shared by the JSON parser and writer. Not installed.
#ifndef NOOTERRA_SRC_JSON_INTERNAL_H_
#define NOOTERRA_SRC_JSON_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/status/status.h"
#include "nooterra/json.h"

namespace nooterra::json::internal {

// Zero bytes appended to the parser's copy of the input, so that 16-byte vector loads and
// fixed-length literal compares never read past the allocation. A zero byte is never valid JSON
// outside a string and stops every scan, so the padding cannot be mistaken for content.
inline constexpr size_t kPadding = 64;

// Hard ceiling on document size regardless of Limits: node indexes and offsets are 32-bit.
inline constexpr uint64_t kDocumentBytesHardMax = uint64_t{1} << 31;

// Length of the UTF-8 sequence at p if it is well formed (1..4). Otherwise minus the length of
// its maximal ill-formed subpart (WHATWG "maximal subpart" rule, which Node follows): that many
// bytes become one U+FFFD. Reads at most 4 bytes; the caller guarantees they are readable.
// Inline: the fast path's string loop calls it, and an out-of-line call there makes the
// compiler keep the loop's vector constants on the stack (calls clobber every xmm register).
inline int Utf8Sequence(const uint8_t* p) {
  uint8_t b0 = p[0];
  if (b0 < 0x80) return 1;
  // Allowed range of the second byte depends on the lead byte (excludes overlongs, surrogates
  // and code points above U+10FFFF); later bytes are always 80..BF.
  uint8_t lo = 0x80, hi = 0xBF;
  int need;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  for (int i = 1; i <= need; ++i) {
    uint8_t b = p[i];
    if (b < lo || b > hi) return -i;
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

// Appends the UTF-8 (or, for surrogates, generalized UTF-8) encoding of code point cp.
void AppendCodePoint(uint32_t cp, std::string* out);

// The value of an array-index-like key ("0".."4294967294", canonical spelling), or -1.
int64_t ArrayIndexValue(std::string_view key);

// Bit i set when byte p[i] (of 16) is '"', '\\', a control character or non-ASCII.
inline unsigned SpecialMask16(const char* p) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // One signed compare finds three kinds: after XOR 0x02, '"' (0x22) becomes 0x20 and the
  // control characters stay below 0x20, so "< 0x21" is '"' or a control character (no other
  // ASCII byte maps below 0x21: 0x20 and 0x21 become 0x22 and 0x23), and bytes >= 0x80 stay
  // negative, so it catches non-ASCII too. Only '\\' needs its own compare.
  const __m128i flipped = _mm_xor_si128(v, _mm_set1_epi8(0x02));
  // Computed as its complement (bytes that are none of those) and inverted in the scalar:
  // SSE2 has no "less than" that leaves its operand alone, and GCC's rewrite of one costs an
  // extra compare against zero per 16 bytes.
  const __m128i plain = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                         _mm_cmpgt_epi8(flipped, _mm_set1_epi8(0x20)));
  return static_cast<unsigned>(_mm_movemask_epi8(plain)) ^ 0xFFFFu;
#else
  unsigned mask = 0;
  for (int i = 0; i < 16; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) mask |= 1u << i;
  }
  return mask;
#endif
}

// Position of the first byte at or after p that is '"', '\\', a control character or
// non-ASCII. Relies on the zero padding to stop.
inline const char* ScanPlain(const char* p) {
  while (true) {
    const unsigned mask = SpecialMask16(p);
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
}

inline size_t SkipWs(const char* t, size_t pos) {
  while (t[pos] == ' ' || t[pos] == '\n' || t[pos] == '\r' || t[pos] == '\t') ++pos;
  return pos;
}

// One JSON number token, scanned (and its value computed) as JSON.parse does.
struct NumberToken {
  size_t end = 0;                // one past its last byte
  double value = 0;
  bool plain_integer = false;    // -?[1-9][0-9]{0,14} or 0 / -0: prints as written, unless -0
  const char* error = nullptr;   // grammar error (message), at error_offset
  size_t error_offset = 0;
};
// Scans the number at t[start] (zero-padded input, so digit loops stop).
NumberToken ScanNumber(const char* t, size_t start);

// ECMAScript Number::toString(d) into buf; false for -0, NaN and infinities.
bool FormatFiniteNumber(double d, char (&buf)[32], size_t* len);

// A sort key for one object member: array-index keys get their numeric value in `rank` (they
// sort first); other keys get rank 2^32 and their first 8 bytes, big-endian, in `prefix`.
// When both keys are pure ASCII in those bytes, comparing prefixes decides the UTF-16 order
// whenever the prefixes differ; only equal prefixes fall back to the full comparison.
// `padded` says at least 8 bytes are readable from key.data() (keys inside the padded input
// copy), which allows one unaligned load instead of a byte loop.
using MemberKey = Document::MemberKey;  // pair = the member's position in the input
inline constexpr uint64_t kNonIndexRank = uint64_t{1} << 32;

// Fills *k in place: returning the 40-byte struct by value made GCC build it on the stack with
// narrow stores and copy it with wide loads, a store-forwarding stall per member.
inline void FillMemberKey(MemberKey* k, std::string_view key, uint32_t pair, bool padded) {
  k->rank = kNonIndexRank;
  k->pair = pair;
  k->key = key;
  if (!key.empty() && key[0] >= '0' && key[0] <= '9') {
    int64_t index = ArrayIndexValue(key);
    if (index >= 0) k->rank = static_cast<uint64_t>(index);
  }
  size_t n = key.size() < 8 ? key.size() : 8;
  uint64_t v = 0;
  if (padded) {
    std::memcpy(&v, key.data(), 8);
    if (n < 8) v &= (uint64_t{1} << (8 * n)) - 1;  // little-endian: keep the first n bytes
  } else {
    std::memcpy(&v, key.data(), n);
  }
  k->ascii_prefix = (v & 0x8080808080808080ull) == 0;
  k->prefix = __builtin_bswap64(v);  // big-endian: integer order = byte order
}

// Canonical order of two distinct-or-equal keys, without the input-position tie break.
inline int CompareMemberKeys(const MemberKey& a, const MemberKey& b) {
  if (a.rank != b.rank) return a.rank < b.rank ? -1 : 1;
  if (a.rank != kNonIndexRank) return 0;  // the same array index: the same key
  if (a.prefix != b.prefix && a.ascii_prefix && b.ascii_prefix) return a.prefix < b.prefix ? -1 : 1;
  return CompareKeys(a.key, b.key);
}

// Canonical order, ties broken by input position (so the last duplicate sorts last).
inline bool MemberLess(const MemberKey& a, const MemberKey& b) {
  int c = CompareMemberKeys(a, b);
  if (c != 0) return c < 0;
  return a.pair < b.pair;
}

// The fast canonical path alone (src/json/canonicalizer.cc): true with the canonical text in
// *out, or false where it declines to the Document path. For tests, which must show that the
// inputs they compare really took the fast path.
bool TryFastCanonical(std::string_view text, const Limits& limits, std::string* out);
// The same, hashing as it goes (the Canonicalizer::Digest mode, which hashes and drops output
// that no open object can reorder any more).
bool TryFastCanonicalDigest(std::string_view text, const Limits& limits, crypto::Digest* out);
// Which of the fast path's modes produced the canonical text (see canonicalizer.cc): the
// identity mode (the input was canonical text up to member order: nothing copied), the copying
// mode, or neither. For tests.
enum class FastMode { kDeclined, kIdentity, kCopying };
FastMode FastCanonicalMode(std::string_view text, const Limits& limits);

}  // namespace nooterra::json::internal

#endif  // NOOTERRA_SRC_JSON_INTERNAL_H_
