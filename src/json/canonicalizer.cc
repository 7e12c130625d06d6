// Text in, canonical text (or its SHA-256) out: the Canonicalizer and the one-shot helpers.
//
// Two paths produce the same bytes:
//   - the fast path below writes the canonical form while it parses, with no document built:
//     each string, integer and literal is copied as written (for input that needs no decoding
//     its canonical spelling IS its input spelling), members of an object are written in input
//     order and, only when that order is not canonical, the object's finished member texts are
//     permuted once when it closes. A member's text is already canonical when its object closes
//     (inner objects close first), so one permutation per object is enough. It runs first in
//     an identity mode, for input that is canonical text up to member order (compact, numbers
//     spelled as they print: most protocol objects), where the output is the input copy
//     itself and nothing is copied; at the first byte that proves otherwise it starts again,
//     copying (see FastCanonicalizeImpl).
//   - the Document path (parser.cc + writer.cc), which handles everything.
// The fast path declines, and the Document path takes over from the start, whenever the input
// needs more than copying: an escape or invalid UTF-8 in a string, a limit reached, a syntax
// error, -0 or a non-finite number, or reordering work beyond a linear budget (deeply nested
// unsorted objects would otherwise be moved once per level). So every error, with its reason,
// offset and message, comes from one place: the Document parser. The fuzz target and the
// property tests compare both paths byte for byte.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "json/internal.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::json {

using internal::kPadding;

// Buffers kept between calls (no allocation once warmed up).
struct Canonicalizer::FastState {
  // A raw growable array: growing it does not zero-fill (unlike std::string), and the hot loop
  // keeps its own cursor in a register (std::vector's size, reloaded after every byte store
  // through a char pointer that may alias it, cost a fifth of the instructions). The first
  // kInline elements live in the array itself, so a FastState on the stack (the one-shot
  // functions) handles a small document with no allocation: a one-shot hash of a 60-byte
  // document spent about a third of its non-SHA instructions in malloc and free.
  template <typename T, size_t kInline>
  struct Buffer {
    T* data = inline_data;  // inline_data or heap
    size_t capacity = kInline;
    std::unique_ptr<T[]> heap;
    T inline_data[kInline];

    Buffer() = default;
    Buffer(const Buffer&) = delete;  // `data` may point into the object itself
    Buffer& operator=(const Buffer&) = delete;
    // Room for n elements; the first `keep` survive a reallocation.
    T* Reserve(size_t n, size_t keep = 0) {
      if (n > capacity) {
        const size_t grown = std::max(n, capacity * 2);
        std::unique_ptr<T[]> next(new T[grown]);
        if (keep > 0) std::memcpy(next.get(), data, keep * sizeof(T));
        heap = std::move(next);
        data = heap.get();
        capacity = grown;
      }
      return data;
    }
  };
  // The key's bytes are read where they were copied to, in the output (after the quote at
  // `begin`): keys are copied verbatim, and offsets survive the output moving.
  struct Member {
    uint64_t prefix;   // first 8 key bytes, big-endian, zero-filled
    uint32_t key_len;
    uint32_t begin;    // output offset of the key's opening quote
    uint32_t end;      // output offset one past the value
    uint32_t simple;   // no leading digit (never an array index) and an ASCII 8-byte prefix
  };
  struct Frame {
    // kFinalArray: an array, while hashing, with no object open at or below it: its output
    // so far is final and may be hashed and dropped.
    enum Kind : uint8_t { kTop, kArray, kFinalArray, kObject };
    uint32_t out_start;    // output offset of '{' or '['
    uint32_t member_base;  // first member of this object in `members`
    Kind kind;        // kTop: the sentinel below the outermost value
    bool sorted;      // members so far are strictly increasing, with no "__proto__"
    bool all_simple;  // every member's key so far is `simple`
    bool proto;       // a "__proto__" member was seen (it is dropped)
  };
  // Inline sizes: a document of up to ~900 bytes, 31 keys and 15 levels (protocol objects)
  // allocates nothing; ~4 KB in all.
  Buffer<char, 1024> text;     // input copy + kPadding zero bytes
  Buffer<char, 1024> out;      // canonical output
  Buffer<char, 1024> reorder;  // scratch for permuting one object's members
  Buffer<Member, 32> members;
  Buffer<Frame, 16> frames;
  std::vector<uint32_t> order;  // permutation of an object too large for the stack arrays
  // Per call, kept here rather than in locals: rarely used, and a local the compiler thinks
  // live competes for the registers the hot loop needs.
  const char* text_end = nullptr;  // end of the input copy in `text`
  uint64_t move_budget = 0;        // reordering work left (bytes moved)
  const char* result = nullptr;    // where the canonical text is, after a successful call
  bool identity = false;           // ... and whether the identity mode made it
  bool retry = false;  // the identity mode gave up where the copying mode may not
};

namespace {

using Member = Canonicalizer::FastState::Member;
using Frame = Canonicalizer::FastState::Frame;

// "__proto_", the first 8 bytes of "__proto__", as the little-endian word they load as.
constexpr uint64_t kProtoPrefix = 0x5f6f746f72705f5full;

inline const char* SkipWs(const char* p) {
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
  return p;
}

// End of a non-negative integer of at most 15 digits at p (its first byte is a digit) that
// prints as written: no fraction or exponent after it, no leading zero; null otherwise (the
// general number path then formats it, or declines: "01" is an error).
inline const char* PlainIntegerEnd(const char* p) {
  const char* e = p + 1;
  while (*e >= '0' && *e <= '9') ++e;
  if (e - p > 15 || *e == '.' || *e == 'e' || *e == 'E' || (*p == '0' && e - p > 1)) {
    return nullptr;
  }
  return e;
}

// The key of member m of the output `out`.
inline std::string_view KeyOf(const Member& m, const char* out) {
  return std::string_view(out + m.begin + 1, m.key_len);
}

// Strictly before, in canonical order (the common case decided by the 8-byte prefixes).
inline bool KeyBefore(const Member& a, const Member& b, const char* out) {
  if ((a.simple & b.simple) != 0 && a.prefix != b.prefix) return a.prefix < b.prefix;
  return CompareKeys(KeyOf(a, out), KeyOf(b, out)) < 0;
}

// Objects up to this many members are permuted with arrays on the stack.
constexpr uint32_t kSmallObject = 64;

// Batcher's odd-even merge sort network for N (a power of two) inputs, as (i, j) pairs: after
// compare-exchanging each pair in turn, any N values are sorted. Sorting n < N values is the
// same network on n values padded with N - n maximal ones; a pair that touches a padding
// position never moves it (the maximum stays in the higher slot), so those pairs are left out:
// Pairs<N, n> is the network for exactly n values.
template <uint32_t N, uint32_t n>
struct Network {
  template <typename Visit>
  static constexpr void ForEach(Visit visit) {
    for (uint32_t p = 1; p < N; p *= 2)
      for (uint32_t k = p; k >= 1; k /= 2)
        for (uint32_t j = k % p; j + k < N; j += 2 * k)
          for (uint32_t i = 0; i < k && i + j + k < N; ++i)
            if ((i + j) / (2 * p) == (i + j + k) / (2 * p) && i + j + k < n) visit(i + j, i + j + k);
  }
  static constexpr uint32_t Count() {
    uint32_t count = 0;
    ForEach([&count](uint32_t, uint32_t) { ++count; });
    return count;
  }
  struct Pair {
    uint8_t a, b;
  };
  static constexpr std::array<Pair, Count()> Pairs() {
    std::array<Pair, Count()> out{};
    uint32_t at = 0;
    ForEach([&out, &at](uint32_t a, uint32_t b) {
      out[at++] = Pair{static_cast<uint8_t>(a), static_cast<uint8_t>(b)};
    });
    return out;
  }
  static constexpr std::array<Pair, Count()> kPairs = Pairs();
};

// Sorts v[0..n) with no data-dependent branch: an insertion sort's exits mispredict on every
// new key order.
template <uint32_t N, uint32_t n>
inline void SortByNetwork(uint64_t* v) {
#pragma GCC unroll 64
  for (const auto& pair : Network<N, n>::kPairs) {
    const uint64_t a = v[pair.a];
    const uint64_t b = v[pair.b];
    v[pair.a] = a < b ? a : b;
    v[pair.b] = a < b ? b : a;
  }
}

// Sorts the n distinct keys v[0..n).
inline void SortKeyed(uint64_t* v, uint32_t n) {
  switch (n) {
    case 0:
    case 1: return;
    case 2: return SortByNetwork<2, 2>(v);
    case 3: return SortByNetwork<4, 3>(v);
    case 4: return SortByNetwork<4, 4>(v);
    case 5: return SortByNetwork<8, 5>(v);
    case 6: return SortByNetwork<8, 6>(v);
    case 7: return SortByNetwork<8, 7>(v);
    case 8: return SortByNetwork<8, 8>(v);
    case 9: return SortByNetwork<16, 9>(v);
    case 10: return SortByNetwork<16, 10>(v);
    case 11: return SortByNetwork<16, 11>(v);
    case 12: return SortByNetwork<16, 12>(v);
    case 13: return SortByNetwork<16, 13>(v);
    case 14: return SortByNetwork<16, 14>(v);
    case 15: return SortByNetwork<16, 15>(v);
    case 16: return SortByNetwork<16, 16>(v);
    default: break;
  }
  for (uint32_t i = 1; i < n; ++i) {
    const uint64_t x = v[i];
    uint32_t j = i;
    for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

// Appends member `cur` of the output at `base`, with the byte before it (its separator), to
// r[rl..); returns the new length. 32-byte moves: the gather buffer has 32 bytes of slack and
// the output is readable kPadding bytes past its end.
inline size_t AppendMember(char* r, size_t rl, const char* base, const Member& cur) {
  const char* from = base + cur.begin - 1;
  const char* const until = base + cur.end;
  char* to = r + rl;
  do {
    std::memcpy(to, from, 16);
    std::memcpy(to + 16, from + 16, 16);
    to += 32;
    from += 32;
  } while (from < until);
  return rl + (cur.end - cur.begin + 1);
}

// The output's start and end. Passed in and returned by value: if the caller passed the
// addresses of its cursors, it would have to keep them in memory throughout its loop.
struct Cursors {
  char* o;
  char* w;
};

// Rewrites the n members m[] of the object opened at f.out_start (output o..w) in canonical
// order, keeping the last of duplicate keys and dropping "__proto__" (as the Document writer
// does). An object that starts the output (the root) is gathered into the scratch buffer,
// which then is the output (no copy back). Returns the output's new start and end, or a null
// start when the move budget is spent.
Cursors CloseUnsortedObject(Canonicalizer::FastState& s, const Frame& f, const Member* m,
                            uint32_t n, char* const o, char* const w) {
  const bool root = f.out_start == 0;
  const size_t body = static_cast<size_t>(w - o) - (f.out_start + 1);
  if (body * 2 > s.move_budget) return Cursors{nullptr, nullptr};
  s.move_budget -= body * 2;
  // The gather: r[0] is the '{', then each member with the separator before it. The first
  // member in input order has the '{' before it instead of a ','; it becomes a ',' while the
  // members are copied (r[0] and, for an inner object, the copy back put the '{' in place).
  char* const r = s.reorder.Reserve(body + 1 + kPadding);
  char* const base = o;
  base[f.out_start] = ',';
  size_t rl = 0;
  // The common case first: every key "simple" (see Member), no "__proto__" to drop and no
  // two keys sharing their prefix bits. The prefixes alone then decide the order (and there
  // can be no duplicate), so the sort is of plain integers: each prefix with its low 6 bits
  // replaced by the member's position. Dropping those bits keeps the order of prefixes that
  // still differ; two that no longer differ (the same first 7 bytes) are found during the
  // gather, which is then redone in the general order below.
  bool gathered = false;
  const bool proto = f.proto;  // a local: stores through r could alias f
  if (f.all_simple && !proto && n <= kSmallObject) {
    uint64_t keyed[kSmallObject];
    for (uint32_t i = 0; i < n; ++i) keyed[i] = (m[i].prefix & ~uint64_t{63}) | i;
    SortKeyed(keyed, n);
    uint64_t shared = 0;  // nonzero when two neighbours share their prefix bits
    uint64_t previous = ~uint64_t{0};  // shares no bits with a key: ASCII leaves bit 63 clear
    for (uint32_t i = 0; i < n; ++i) {
      shared |= ((previous ^ keyed[i]) >> 6) == 0;
      previous = keyed[i];
      rl = AppendMember(r, rl, base, m[keyed[i] & 63]);
    }
    gathered = shared == 0;
  }
  if (!gathered) {
    // Canonical order, ties (duplicate keys) by input position so the last one sorts last. An
    // equal pair is always compared directly by either sort, so `duplicates` is exact.
    uint32_t small_order[kSmallObject];
    uint32_t* order = small_order;
    if (n > kSmallObject) {
      s.order.resize(n);
      order = s.order.data();
    }
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    bool duplicates = false;
    auto less = [m, base, &duplicates](uint32_t a, uint32_t b) {
      if ((m[a].simple & m[b].simple) != 0 && m[a].prefix != m[b].prefix) {
        return m[a].prefix < m[b].prefix;
      }
      const int c = CompareKeys(KeyOf(m[a], base), KeyOf(m[b], base));
      if (c != 0) return c < 0;
      duplicates = true;
      return a < b;
    };
    if (n <= 24) {
      // Insertion sort: fewer comparisons and no call overhead at protocol objects' sizes.
      for (uint32_t i = 1; i < n; ++i) {
        const uint32_t v = order[i];
        uint32_t j = i;
        for (; j > 0 && less(v, order[j - 1]); --j) order[j] = order[j - 1];
        order[j] = v;
      }
    } else {
      std::sort(order, order + n, less);
    }
    auto same_key = [m, base](uint32_t a, uint32_t b) {
      return KeyOf(m[a], base) == KeyOf(m[b], base);
    };
    rl = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const Member& cur = m[order[i]];
      // Equal keys are adjacent, in input order: only the last one is kept.
      if (duplicates && i + 1 < n && same_key(order[i], order[i + 1])) continue;
      if (proto && KeyOf(cur, base) == "__proto__") continue;
      rl = AppendMember(r, rl, base, cur);
    }
    if (rl == 0) rl = 1;  // every member dropped ("__proto__"): "{}"
  }
  r[0] = '{';
  if (root) return Cursors{r, r + rl};
  std::memcpy(base + f.out_start, r, rl);
  return Cursors{o, base + f.out_start + rl};
}

// Output already final (no open object can reorder it) is fed to the hash once this much of
// it has piled up: a large array is hashed while it is in cache, in bounded memory.
constexpr size_t kFlushBytes = 32 * 1024;

// The fast path proper, in one of two modes:
//   - kIdentity: the input is taken to be canonical text already, as protocol objects usually
//     are: the output is the input copy itself and nothing is copied (objects out of order are
//     still permuted in place). It gives up (-1, with s.retry) at the first byte that needs
//     more: whitespace, a number that prints differently, a dropped member; the caller then
//     runs the copying mode. What neither mode takes (an escape, an error, a limit) declines
//     without s.retry, so such input is not scanned twice before the Document path.
//   - the copying mode, which writes the output while it parses.
// Returns the canonical length (the text is at s.result), or -1 to decline (see the file
// comment). With `sha` (copying mode only), output that can no longer move is hashed and
// dropped on the way (only while no object is open), and the return value is the length of
// the rest. The cursors (p reading, w writing) and counts are locals so that byte stores through
// the output pointer cannot alias them and they stay in registers.
template <bool kCheckStrings, bool kIdentity>
int64_t FastCanonicalizeImpl(Canonicalizer::FastState& s, std::string_view input,
                             const Limits& limits, crypto::Sha256* sha) {
  const uint64_t max = std::min<uint64_t>(limits.document_bytes_max, internal::kDocumentBytesHardMax);
  if (input.size() > max) return -1;
  const size_t size = input.size();
  char* const t = s.text.Reserve(size + kPadding);
  if (size > 0) std::memcpy(t, input.data(), size);  // data() may be null when empty
  std::memset(t + size, 0, kPadding);
  if (size >= 3 && std::memcmp(t, "\xEF\xBB\xBF", 3) == 0) return -1;  // JSON_BOM
  // Copied tokens never make the output longer than the input consumed so far and a reorder
  // never lengthens it, so stores (up to 16 bytes at a time) stay inside size + kPadding; only
  // a formatted number can outgrow its input, and it checks.
  char* o = kIdentity ? t : s.out.Reserve(size + kPadding);
  char* p = t;
  // The write cursor. In identity mode it is always p, and is not kept.
  char* w = o;
  s.text_end = t + size;
  // Linear bound on reordering work: beyond it, the Document path (linear) is faster.
  s.move_budget = 8 * static_cast<uint64_t>(size) + 4096;
  // members[0] and frames[0] are sentinels: the value just completed always has a member
  // slot to record its end in (see below), and the frame stack always has a top.
  Member* mt = s.members.Reserve(32) + 1;  // the next member
  Member* m_limit = s.members.data + s.members.capacity;
  Frame* f = s.frames.Reserve(16);  // the innermost open container, or the sentinel
  *f = Frame{0, 0, Frame::kTop, true, true, false};

  // The output's current end.
  auto out_end = [&]() __attribute__((always_inline)) -> char* {
    if constexpr (kIdentity) {
      return p;
    } else {
      return w;
    }
  };
  // Whitespace at p: skipped when copying; in identity mode, the end of it.
  auto skip_ws = [&]() __attribute__((always_inline)) {
    if constexpr (kIdentity) {
      if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
        s.retry = true;
        return false;
      }
      return true;
    } else {
      p = const_cast<char*>(SkipWs(p));
      return true;
    }
  };
  // Copies (identity mode: only scans) the string at p, from its opening quote to one past its
  // closing quote, 16 bytes at a time. False when it is not a plain copy (an escape, a control
  // character, invalid UTF-8, the end of input, or over the string limit).
  auto copy_string = [&]() __attribute__((always_inline)) {
    const char* q = p + 1;
    char* d = w + 1;
    if constexpr (!kIdentity) *w = '"';
    while (true) {
      const unsigned mask = internal::SpecialMask16(q);
      if constexpr (!kIdentity) std::memcpy(d, q, 16);  // includes the closing quote when found
      if (mask == 0) {
        q += 16;
        if constexpr (!kIdentity) d += 16;
        continue;
      }
      const unsigned k = static_cast<unsigned>(__builtin_ctz(mask));
      q += k;
      if constexpr (!kIdentity) d += k;
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == '"') break;
      if (c < 0x80) return false;
      const int n = internal::Utf8Sequence(reinterpret_cast<const uint8_t*>(q));
      if (n <= 0) return false;  // invalid UTF-8 decodes to U+FFFD: not a copy
      // The sequence may run past the 16 bytes just stored (a lead byte at the end of a
      // chunk): store its bytes before skipping them.
      if constexpr (!kIdentity) std::memcpy(d, q, 4);
      q += n;
      if constexpr (!kIdentity) d += n;
    }
    if (kCheckStrings && static_cast<uint64_t>(q - p - 1) > limits.string_bytes_max) return false;
    p = const_cast<char*>(q) + 1;
    if constexpr (!kIdentity) w = d + 1;
    return true;
  };
  // An object key, the ':' and the whitespace up to the value; records the member. `first`:
  // the object's first member (nothing to compare its key with).
  auto key = [&](bool first) __attribute__((always_inline)) {
    if (*p != '"') return false;
    // Only `begin` lives across the copy: the key's length and input position follow from
    // the cursors after it (fewer registers held through the string loop).
    const uint32_t begin = static_cast<uint32_t>(out_end() - o);
    if (!copy_string()) return false;
    const uint32_t n = static_cast<uint32_t>(out_end() - o) - begin - 2;
    const char* const k = p - 1 - n;
    uint64_t v;
    std::memcpy(&v, k, 8);
    if (n < 8) v &= (uint64_t{1} << (8 * n)) - 1;  // little-endian: keep the first n bytes
    if (mt == m_limit) {
      const size_t used = static_cast<size_t>(mt - s.members.data);
      mt = s.members.Reserve(2 * used, used) + used;
      m_limit = s.members.data + s.members.capacity;
    }
    Member& cur = *mt++;
    cur.prefix = __builtin_bswap64(v);
    cur.key_len = n;
    cur.begin = begin;
    const bool simple = (v & 0x8080808080808080ull) == 0 &&
                        static_cast<uint8_t>(static_cast<uint8_t>(v) - '0') >= 10;
    cur.simple = simple;
    f->all_simple &= simple;
    if (n == 9 && v == kProtoPrefix && k[8] == '_') f->proto = true;  // "__proto__"
    if (f->sorted) {
      if (!first && !KeyBefore(mt[-2], cur, o)) f->sorted = false;
      if (f->proto) f->sorted = false;  // dropped on output
    }
    if (*p != ':') {
      if (!skip_ws() || *p != ':') return false;
    }
    if constexpr (!kIdentity) *w++ = ':';
    ++p;
    if (static_cast<unsigned char>(*p) <= ' ' && !skip_ws()) return false;
    return true;
  };

  const char* integer_end;
  if (!skip_ws()) return -1;
  while (true) {
    // --- one value at p ----------------------------------------------------------------
    const char c = *p;
    if (c == '"') {
      if (!copy_string()) return -1;
    } else if (c >= '0' && c <= '9' && (integer_end = PlainIntegerEnd(p)) != nullptr) {
      // The common number inline: it prints as written.
      if constexpr (!kIdentity) {
        std::memcpy(w, p, 16);
        w += integer_end - p;
      }
      p = const_cast<char*>(integer_end);
    } else if (c == '{' || c == '[') {
      const size_t depth = static_cast<size_t>(f - s.frames.data);  // open now
      if (depth >= limits.depth_max) return -1;  // empty ones count too
      const bool object = c == '{';
      char* const open_at = out_end();
      ++p;
      if (static_cast<unsigned char>(*p) <= ' ' && !skip_ws()) return -1;
      if (*p == (object ? '}' : ']')) {
        if constexpr (!kIdentity) {
          *w++ = c;
          *w++ = *p;
        }
        ++p;
      } else {
        if (depth + 1 == s.frames.capacity) f = s.frames.Reserve(2 * (depth + 1), depth + 1) + depth;
        // Only the copying mode hashes early, so only it needs to know (a constant otherwise).
        const bool final_array =
            !kIdentity && !object &&
            (f->kind == Frame::kTop ? sha != nullptr : f->kind == Frame::kFinalArray);
        *++f = Frame{static_cast<uint32_t>(open_at - o),
                     static_cast<uint32_t>(mt - s.members.data),
                     object        ? Frame::kObject
                     : final_array ? Frame::kFinalArray
                                   : Frame::kArray,
                     true, true, false};
        if constexpr (!kIdentity) *w++ = c;
        if (object && !key(true)) return -1;
        continue;
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const internal::NumberToken tok = internal::ScanNumber(t, static_cast<size_t>(p - t));
      if (tok.error != nullptr) return -1;
      char* const e = t + tok.end;
      if (tok.plain_integer) {
        if (tok.value == 0 && c == '-') return -1;  // -0: the Document path reports it
        if constexpr (!kIdentity) {
          std::memcpy(w, p, 16);
          w += e - p;
        }
      } else {
        char buf[32];
        size_t n;
        if (!internal::FormatFiniteNumber(tok.value, buf, &n)) return -1;
        if constexpr (kIdentity) {
          if (n != static_cast<size_t>(e - p) || std::memcmp(buf, p, n) != 0) {
            s.retry = true;
            return -1;
          }
        } else {
          // "1e20" prints as 21 digits: the one token that can outgrow its input.
          const size_t len = static_cast<size_t>(w - o);
          const size_t rest = static_cast<size_t>(s.text_end - e);
          if (len + n + rest + kPadding > s.out.capacity) {
            const size_t cap = 2 * (len + n) + rest + kPadding;
            if (cap > UINT32_MAX) return -1;  // member offsets are 32-bit
            o = s.out.Reserve(cap, len);
            w = o + len;
          }
          std::memcpy(w, buf, n);
          w += n;
        }
      }
      p = e;
    } else if ((c == 't' && std::memcmp(p, "true", 4) == 0) ||
               (c == 'n' && std::memcmp(p, "null", 4) == 0)) {
      if constexpr (!kIdentity) {
        std::memcpy(w, p, 4);
        w += 4;
      }
      p += 4;
    } else if (c == 'f' && std::memcmp(p, "false", 5) == 0) {
      if constexpr (!kIdentity) {
        std::memcpy(w, p, 5);
        w += 5;
      }
      p += 5;
    } else {
      return -1;
    }
    // --- a value is complete: attach it, closing containers as they end -----------------
    while (true) {
      if (static_cast<unsigned char>(*p) <= ' ' && !skip_ws()) return -1;
      const Frame::Kind kind = f->kind;
      if (kind == Frame::kTop) {
        if (p != s.text_end) return -1;
        s.result = o;
        return static_cast<int64_t>(out_end() - o);
      }
      // The end of the member whose value this was. Inside an array, mt[-1] is an enclosing
      // object's member (or the sentinel) whose end is written again, correctly, when the
      // array closes: storing unconditionally is cheaper than asking.
      mt[-1].end = static_cast<uint32_t>(out_end() - o);
      const bool object = kind == Frame::kObject;
      if (*p == ',') {
        if constexpr (!kIdentity) {
          if (kind == Frame::kFinalArray && static_cast<size_t>(w - o) >= kFlushBytes) {
            sha->Update(std::string_view(o, static_cast<size_t>(w - o)));  // final: only arrays are open
            w = o;
          }
          *w++ = ',';
        }
        ++p;
        if (static_cast<unsigned char>(*p) <= ' ' && !skip_ws()) return -1;
        if (object && !key(false)) return -1;
        break;  // the next value
      }
      const char closer = object ? '}' : ']';
      if (*p != closer) return -1;
      if (object) {
        Member* const first = s.members.data + f->member_base;
        if (!f->sorted) {
          const Cursors after =
              CloseUnsortedObject(s, *f, first, static_cast<uint32_t>(mt - first), o, out_end());
          if (after.o == nullptr) return -1;
          if constexpr (kIdentity) {
            // Identity holds only if nothing was dropped; the root's members were gathered into
            // the scratch buffer, which then holds the output.
            if (after.w - after.o != p - o) {
              s.retry = true;
              return -1;
            }
            if (after.o != o) {
              *after.w = '}';
              ++p;
              if (p != s.text_end) {
                skip_ws();  // hands over (s.retry) only if what follows is whitespace
                return -1;
              }
              s.result = after.o;
              return after.w + 1 - after.o;
            }
          } else {
            o = after.o;
            w = after.w;
          }
        }
        mt = first;
      }
      if constexpr (!kIdentity) *w++ = closer;
      ++p;
      --f;
    }
  }
}

// The identity mode first (see above); the copying mode when it gives up. A string can only be
// over its limit when the whole input is: only then is the per-string check compiled in.
int64_t FastCanonicalize(Canonicalizer::FastState& s, std::string_view input,
                         const Limits& limits, crypto::Sha256* sha) {
  const bool check_strings = input.size() > limits.string_bytes_max;
  s.retry = false;
  int64_t n = check_strings ? FastCanonicalizeImpl<true, true>(s, input, limits, sha)
                            : FastCanonicalizeImpl<false, true>(s, input, limits, sha);
  s.identity = n >= 0;
  if (n < 0 && s.retry) {
    n = check_strings ? FastCanonicalizeImpl<true, false>(s, input, limits, sha)
                      : FastCanonicalizeImpl<false, false>(s, input, limits, sha);
  }
  return n;
}

}  // namespace

Canonicalizer::Canonicalizer(const Limits& limits)
    : limits_(limits), fast_(std::make_unique<FastState>()) {}
Canonicalizer::~Canonicalizer() = default;
Canonicalizer::Canonicalizer(Canonicalizer&&) noexcept = default;
Canonicalizer& Canonicalizer::operator=(Canonicalizer&&) noexcept = default;

namespace {

// The bodies of Canonicalizer's two calls, over whatever state the caller keeps: the
// Canonicalizer's (reused) or a one-shot function's (on its stack). `doc` is only touched when
// the fast path declines.
absl::Status CanonicalizeWith(Canonicalizer::FastState& fast, Document& doc, std::string_view text,
                              const Limits& limits, std::string* out) {
  out->clear();
  const int64_t n = FastCanonicalize(fast, text, limits, nullptr);
  if (n >= 0) {
    out->assign(fast.result, static_cast<size_t>(n));
    return absl::OkStatus();
  }
  if (absl::Status s = doc.Load(text, limits); !s.ok()) return s;
  out->reserve(text.size());
  return AppendCanonical(doc.root(), out);
}

absl::StatusOr<crypto::Digest> DigestWith(Canonicalizer::FastState& fast, Document& doc,
                                          std::string& buffer, std::string_view text,
                                          const Limits& limits) {
  crypto::Sha256 sha;
  const int64_t n = FastCanonicalize(fast, text, limits, &sha);
  if (n >= 0) {
    sha.Update(std::string_view(fast.result, static_cast<size_t>(n)));
    return sha.Finish();
  }
  if (absl::Status s = doc.Load(text, limits); !s.ok()) return s;
  // Small documents: one contiguous buffer and a single SHA-256 call is fastest. Large ones
  // stream through CanonicalDigest's bounded buffer.
  if (text.size() <= 64 * 1024) {
    buffer.clear();
    if (absl::Status s = AppendCanonical(doc.root(), &buffer); !s.ok()) return s;
    return crypto::Sha256Digest(buffer);
  }
  return CanonicalDigest(doc.root());
}

}  // namespace

absl::Status Canonicalizer::Canonicalize(std::string_view text, std::string* out) {
  return CanonicalizeWith(*fast_, doc_, text, limits_, out);
}

absl::StatusOr<crypto::Digest> Canonicalizer::Digest(std::string_view text) {
  return DigestWith(*fast_, doc_, buffer_, text, limits_);
}

namespace internal {

bool TryFastCanonical(std::string_view text, const Limits& limits, std::string* out) {
  Canonicalizer::FastState state;
  const int64_t n = FastCanonicalize(state, text, limits, nullptr);
  if (n < 0) return false;
  out->assign(state.result, static_cast<size_t>(n));
  return true;
}

bool TryFastCanonicalDigest(std::string_view text, const Limits& limits, crypto::Digest* out) {
  Canonicalizer::FastState state;
  crypto::Sha256 sha;
  const int64_t n = FastCanonicalize(state, text, limits, &sha);
  if (n < 0) return false;
  sha.Update(std::string_view(state.result, static_cast<size_t>(n)));
  *out = sha.Finish();
  return true;
}

FastMode FastCanonicalMode(std::string_view text, const Limits& limits) {
  Canonicalizer::FastState state;
  if (FastCanonicalize(state, text, limits, nullptr) < 0) return FastMode::kDeclined;
  return state.identity ? FastMode::kIdentity : FastMode::kCopying;
}

}  // namespace internal

// The one-shot functions keep their state on the stack rather than building a Canonicalizer
// (whose state is on the heap, to be reused).
absl::StatusOr<std::string> Canonicalize(std::string_view text, const Limits& limits) {
  Canonicalizer::FastState fast;
  Document doc;
  std::string out;
  if (absl::Status s = CanonicalizeWith(fast, doc, text, limits, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<crypto::Digest> CanonicalSha256(std::string_view text, const Limits& limits) {
  Canonicalizer::FastState fast;
  Document doc;
  std::string buffer;
  return DigestWith(fast, doc, buffer, text, limits);
}

absl::StatusOr<std::string> CanonicalSha256Hex(std::string_view text, const Limits& limits) {
  auto digest = CanonicalSha256(text, limits);
  if (!digest.ok()) return digest.status();
  return crypto::HexEncode(*digest);
}

}  // namespace nooterra::json
