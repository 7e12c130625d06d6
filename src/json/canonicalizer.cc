// Text in, canonical text (or its SHA-256) out: the Canonicalizer and the one-shot helpers.
//
// Two paths produce the same bytes:
//   - the fast path below writes the canonical form while it parses, with no document built:
//     each string, integer and literal is copied as written (for input that needs no decoding
//     its canonical spelling IS its input spelling), members of an object are written in input
//     order and, only when that order is not canonical, the object's finished member texts are
//     permuted once when it closes. A member's text is already canonical when its object closes
//     (inner objects close first), so one permutation per object is enough.
//   - the Document path (parser.cc + writer.cc), which handles everything.
// The fast path declines, and the Document path takes over from the start, whenever the input
// needs more than copying: an escape or invalid UTF-8 in a string, a limit reached, a syntax
// error, -0 or a non-finite number, or reordering work beyond a linear budget (deeply nested
// unsorted objects would otherwise be moved once per level). So every error, with its reason,
// offset and message, comes from one place: the Document parser. The fuzz target and the
// property tests compare both paths byte for byte.
#include <algorithm>
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
  // A raw growable byte buffer: unlike std::string, growing it does not zero-fill.
  struct Bytes {
    std::unique_ptr<char[]> data;
    size_t capacity = 0;
    char* Reserve(size_t n) {
      if (n > capacity) {
        size_t grown = std::max(n, capacity * 2);
        data.reset(new char[grown]);
        capacity = grown;
      }
      return data.get();
    }
  };
  struct Member {
    const char* key;   // key bytes, inside the padded input copy
    uint32_t key_len;
    uint32_t begin;    // output offset of the key's opening quote
    uint32_t end;      // output offset one past the value
    bool simple;       // no leading digit (never an array index) and an ASCII 8-byte prefix
    uint64_t prefix;   // first 8 key bytes, big-endian, zero-filled
  };
  struct Frame {
    uint32_t out_start;    // output offset of '{' or '['
    uint32_t member_base;  // first member of this object in `members`
    bool object;
    bool sorted;  // members so far are strictly increasing, with no "__proto__"
  };
  Bytes text;     // input copy + kPadding zero bytes
  Bytes out;      // canonical output
  Bytes reorder;  // scratch for permuting one object's members
  std::vector<Member> members;
  std::vector<Frame> frames;
  std::vector<uint32_t> order;
  std::vector<std::pair<uint64_t, uint32_t>> prefixes;  // (key prefix, member) for the common sort
};

namespace {

using Member = Canonicalizer::FastState::Member;
using Frame = Canonicalizer::FastState::Frame;

bool IsProto(const char* key, size_t n) { return n == 9 && std::memcmp(key, "__proto__", 9) == 0; }

inline size_t SkipWs(const char* t, size_t pos) {
  if (static_cast<unsigned char>(t[pos]) > ' ') return pos;  // canonical input: no whitespace
  return internal::SkipWs(t, pos);
}

// End of a positive integer of at most 15 digits at t[pos] (its first digit is 1-9) that is
// not followed by a fraction or an exponent (so it prints as written); 0 otherwise.
inline size_t IntegerEnd(const char* t, size_t pos) {
  size_t p = pos + 1;
  while (t[p] >= '0' && t[p] <= '9') ++p;
  if (p - pos > 15 || t[p] == '.' || t[p] == 'e' || t[p] == 'E') return 0;
  return p;
}

// Strictly before, in canonical order (the common case decided by the 8-byte prefixes).
inline bool KeyBefore(const Member& a, const Member& b) {
  if (a.simple && b.simple && a.prefix != b.prefix) return a.prefix < b.prefix;
  return CompareKeys(std::string_view(a.key, a.key_len), std::string_view(b.key, b.key_len)) < 0;
}

// Rewrites the members of the object opened at f.out_start (output o[0..*len)) in canonical
// order, keeping the last of duplicate keys and dropping "__proto__" (as the Document writer
// does). False when the move budget is spent.
bool CloseUnsortedObject(Canonicalizer::FastState& s, const Frame& f, char* o, size_t* len,
                         uint64_t* move_budget) {
  const Member* m = s.members.data() + f.member_base;
  const uint32_t n = static_cast<uint32_t>(s.members.size() - f.member_base);
  const size_t body = *len - (f.out_start + 1);
  if (body * 2 > *move_budget) return false;
  *move_budget -= body * 2;
  std::vector<uint32_t>& order = s.order;
  order.resize(n);
  // The common case first: every key "simple" (see Member) and no two sharing their first 8
  // bytes. The prefixes alone then decide the order (and there can be no duplicate), so sort
  // (prefix, position) pairs with plain integer compares: a third of the instructions of the
  // general comparator for a 13-member agreement.
  bool by_prefix = n <= 64;
  for (uint32_t i = 0; i < n && by_prefix; ++i) by_prefix = m[i].simple;
  if (by_prefix) {
    std::vector<std::pair<uint64_t, uint32_t>>& pk = s.prefixes;
    pk.resize(n);
    for (uint32_t i = 0; i < n; ++i) pk[i] = {m[i].prefix, i};
    for (uint32_t i = 1; i < n; ++i) {
      const std::pair<uint64_t, uint32_t> v = pk[i];
      uint32_t j = i;
      for (; j > 0 && pk[j - 1].first > v.first; --j) pk[j] = pk[j - 1];
      pk[j] = v;
    }
    for (uint32_t i = 0; i < n && by_prefix; ++i) {
      by_prefix = i == 0 || pk[i - 1].first != pk[i].first;
      order[i] = pk[i].second;
    }
  }
  if (!by_prefix) {
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
  }
  // Canonical order, ties (duplicate keys) by input position so the last one sorts last. An
  // equal pair is always compared directly by either sort, so `duplicates` is exact.
  bool duplicates = false;
  auto less = [m, &duplicates](uint32_t a, uint32_t b) {
    if (m[a].simple && m[b].simple && m[a].prefix != m[b].prefix) return m[a].prefix < m[b].prefix;
    const int c = CompareKeys(std::string_view(m[a].key, m[a].key_len),
                              std::string_view(m[b].key, m[b].key_len));
    if (c != 0) return c < 0;
    duplicates = true;
    return a < b;
  };
  if (by_prefix) {
    // sorted above
  } else if (n <= 24) {
    // Insertion sort: fewer comparisons and no call overhead at protocol objects' sizes.
    for (uint32_t i = 1; i < n; ++i) {
      const uint32_t v = order[i];
      uint32_t j = i;
      for (; j > 0 && less(v, order[j - 1]); --j) order[j] = order[j - 1];
      order[j] = v;
    }
  } else {
    std::sort(order.begin(), order.end(), less);
  }
  auto same_key = [m](uint32_t a, uint32_t b) {
    return m[a].key_len == m[b].key_len && std::memcmp(m[a].key, m[b].key, m[a].key_len) == 0;
  };
  char* r = s.reorder.Reserve(body + 16);
  size_t rl = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const Member& cur = m[order[i]];
    // Equal keys are adjacent, in input order: only the last one is kept.
    if (duplicates && i + 1 < n && same_key(order[i], order[i + 1])) continue;
    if (IsProto(cur.key, cur.key_len)) continue;
    if (rl > 0) r[rl++] = ',';
    // 16-byte moves: r has 16 bytes of slack and o is readable kPadding bytes past *len.
    const char* from = o + cur.begin;
    const size_t bytes = cur.end - cur.begin;
    for (size_t k = 0; k < bytes; k += 16) std::memcpy(r + rl + k, from + k, 16);
    rl += bytes;
  }
  std::memcpy(o + f.out_start + 1, r, rl);
  *len = f.out_start + 1 + rl;
  return true;
}

// Output already final (no open object can reorder it) is fed to the hash once this much of
// it has piled up: a large array is hashed while it is in cache, in bounded memory.
constexpr size_t kFlushBytes = 32 * 1024;

// The fast path proper. Returns the canonical length (the text is in s.out), or -1 to decline
// (see the file comment). With `sha`, output that can no longer move is hashed and dropped on
// the way (only while no object is open), and the return value is the length of the rest.
// Output offsets are locals so that byte stores cannot alias them.
int64_t FastCanonicalize(Canonicalizer::FastState& s, std::string_view input,
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
  size_t cap = size + kPadding;
  char* o = s.out.Reserve(cap);
  size_t len = 0;
  // Linear bound on reordering work: beyond it, the Document path (linear) is faster.
  uint64_t move_budget = 8 * static_cast<uint64_t>(size) + 4096;
  std::vector<Member>& members = s.members;
  std::vector<Frame>& frames = s.frames;
  members.clear();
  frames.clear();
  size_t open_objects = 0;

  // Copies the string at t[pos] (from its opening quote) while scanning it, 16 bytes at a time.
  // False when it is not a plain copy (an escape, a control character, invalid UTF-8, the end
  // of input, or over the string limit).
  auto plain_string = [&](size_t* pos) __attribute__((always_inline)) {
    const char* const from = t + *pos;
    char* const to = o + len;
    const char* p = from + 1;
    to[0] = '"';
    while (true) {
      const unsigned mask = internal::SpecialMask16(p);
      std::memcpy(to + (p - from), p, 16);
      if (mask == 0) {
        p += 16;
        continue;
      }
      p += __builtin_ctz(mask);
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') break;
      if (c < 0x80) return false;
      const int n = internal::Utf8Sequence(reinterpret_cast<const uint8_t*>(p));
      if (n <= 0) return false;  // invalid UTF-8 decodes to U+FFFD: not a copy
      // The sequence may run past the 16 bytes just stored (a lead byte at the end of a
      // chunk): store its bytes before skipping them.
      std::memcpy(to + (p - from), p, 4);
      p += n;
    }
    const size_t bytes = static_cast<size_t>(p - from) + 1;  // with both quotes
    if (bytes - 2 > limits.string_bytes_max) return false;
    len += bytes;
    *pos += bytes;
    return true;
  };
  // An object key, the ':' and the whitespace up to the value; records the member.
  auto key = [&](size_t* pos) __attribute__((always_inline)) {
    if (t[*pos] != '"') return false;
    const size_t begin = len;
    const char* k = t + *pos + 1;
    if (!plain_string(pos)) return false;
    const uint32_t n = static_cast<uint32_t>(len - begin - 2);
    uint64_t v;
    std::memcpy(&v, k, 8);
    if (n < 8) v &= (uint64_t{1} << (8 * n)) - 1;  // little-endian: keep the first n bytes
    // Filled in place, field by field: building a Member on the stack and copying it made GCC
    // reload it with wide loads right after narrow stores (a store-forwarding stall per key).
    Member& cur = members.emplace_back();
    cur.key = k;
    cur.key_len = n;
    cur.begin = static_cast<uint32_t>(begin);
    cur.simple = (v & 0x8080808080808080ull) == 0 && !(k[0] >= '0' && k[0] <= '9');
    cur.prefix = __builtin_bswap64(v);
    Frame& f = frames.back();
    if (f.sorted) {
      const size_t count = members.size() - f.member_base;
      if (count > 1 && !KeyBefore(members[members.size() - 2], cur)) f.sorted = false;
      if (IsProto(k, n)) f.sorted = false;  // dropped on output
    }
    *pos = SkipWs(t, *pos);
    if (t[*pos] != ':') return false;
    o[len++] = ':';
    *pos = SkipWs(t, *pos + 1);
    return true;
  };

  size_t pos = SkipWs(t, 0);
  while (true) {
    // --- one value at pos --------------------------------------------------------------
    const char c = t[pos];
    if (c == '"') {
      if (!plain_string(&pos)) return -1;
    } else if (c >= '1' && c <= '9' && IntegerEnd(t, pos) != 0) {
      // The common number inline: a positive integer that prints as written.
      const size_t end = IntegerEnd(t, pos);
      std::memcpy(o + len, t + pos, 16);
      len += end - pos;
      pos = end;
    } else if (c == '{' || c == '[') {
      if (frames.size() >= limits.depth_max) return -1;
      const bool object = c == '{';
      open_objects += object;
      frames.push_back(Frame{static_cast<uint32_t>(len), static_cast<uint32_t>(members.size()),
                             object, true});
      o[len++] = c;
      pos = SkipWs(t, pos + 1);
      if (t[pos] == (object ? '}' : ']')) {
        frames.pop_back();
        open_objects -= object;
        o[len++] = t[pos++];
      } else if (object) {
        if (!key(&pos)) return -1;
        continue;
      } else {
        continue;
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const internal::NumberToken tok = internal::ScanNumber(t, pos);
      if (tok.error != nullptr) return -1;
      if (tok.plain_integer) {
        if (tok.value == 0 && c == '-') return -1;  // -0: the Document path reports it
        std::memcpy(o + len, t + pos, 16);
        len += tok.end - pos;
      } else {
        char buf[32];
        size_t n;
        if (!internal::FormatFiniteNumber(tok.value, buf, &n)) return -1;
        // "1e20" prints as 21 digits: the one token that can outgrow its input.
        if (len + n + (size - tok.end) + kPadding > cap) {
          cap = 2 * (len + n) + (size - tok.end) + kPadding;
          if (cap > UINT32_MAX) return -1;  // member offsets are 32-bit
          char* keep = s.reorder.Reserve(len + 16);  // never null, even for len 0
          std::memcpy(keep, o, len);
          o = s.out.Reserve(cap);
          std::memcpy(o, keep, len);
        }
        std::memcpy(o + len, buf, n);
        len += n;
      }
      pos = tok.end;
    } else if ((c == 't' && std::memcmp(t + pos, "true", 4) == 0) ||
               (c == 'n' && std::memcmp(t + pos, "null", 4) == 0)) {
      std::memcpy(o + len, t + pos, 4);
      len += 4;
      pos += 4;
    } else if (c == 'f' && std::memcmp(t + pos, "false", 5) == 0) {
      std::memcpy(o + len, t + pos, 5);
      len += 5;
      pos += 5;
    } else {
      return -1;
    }
    // --- a value is complete: attach it, closing containers as they end -----------------
    while (true) {
      pos = SkipWs(t, pos);
      if (frames.empty()) return pos == size ? static_cast<int64_t>(len) : -1;
      Frame& f = frames.back();
      if (f.object) members.back().end = static_cast<uint32_t>(len);
      if (t[pos] == ',') {
        if (sha != nullptr && open_objects == 0 && len >= kFlushBytes) {
          sha->Update(std::string_view(o, len));  // final: only arrays are open
          len = 0;
        }
        o[len++] = ',';
        pos = SkipWs(t, pos + 1);
        if (f.object && !key(&pos)) return -1;
        break;  // the next value
      }
      const char closer = f.object ? '}' : ']';
      if (t[pos] != closer) return -1;
      ++pos;
      if (f.object) {
        if (!f.sorted && !CloseUnsortedObject(s, f, o, &len, &move_budget)) return -1;
        members.resize(f.member_base);
        --open_objects;
      }
      o[len++] = closer;
      frames.pop_back();
    }
  }
}

}  // namespace

Canonicalizer::Canonicalizer(const Limits& limits)
    : limits_(limits), fast_(std::make_unique<FastState>()) {}
Canonicalizer::~Canonicalizer() = default;
Canonicalizer::Canonicalizer(Canonicalizer&&) noexcept = default;
Canonicalizer& Canonicalizer::operator=(Canonicalizer&&) noexcept = default;

absl::Status Canonicalizer::Canonicalize(std::string_view text, std::string* out) {
  out->clear();
  const int64_t n = FastCanonicalize(*fast_, text, limits_, nullptr);
  if (n >= 0) {
    out->assign(fast_->out.data.get(), static_cast<size_t>(n));
    return absl::OkStatus();
  }
  if (absl::Status s = doc_.Load(text, limits_); !s.ok()) return s;
  out->reserve(text.size());
  return AppendCanonical(doc_.root(), out);
}

absl::StatusOr<crypto::Digest> Canonicalizer::Digest(std::string_view text) {
  crypto::Sha256 sha;
  const int64_t n = FastCanonicalize(*fast_, text, limits_, &sha);
  if (n >= 0) {
    sha.Update(std::string_view(fast_->out.data.get(), static_cast<size_t>(n)));
    return sha.Finish();
  }
  if (absl::Status s = doc_.Load(text, limits_); !s.ok()) return s;
  // Small documents: one contiguous buffer and a single SHA-256 call is fastest. Large ones
  // stream through CanonicalDigest's bounded buffer.
  if (text.size() <= 64 * 1024) {
    buffer_.clear();
    if (absl::Status s = AppendCanonical(doc_.root(), &buffer_); !s.ok()) return s;
    return crypto::Sha256Digest(buffer_);
  }
  return CanonicalDigest(doc_.root());
}

namespace internal {

bool TryFastCanonical(std::string_view text, const Limits& limits, std::string* out) {
  Canonicalizer::FastState state;
  const int64_t n = FastCanonicalize(state, text, limits, nullptr);
  if (n < 0) return false;
  out->assign(state.out.data.get(), static_cast<size_t>(n));
  return true;
}

bool TryFastCanonicalDigest(std::string_view text, const Limits& limits, crypto::Digest* out) {
  Canonicalizer::FastState state;
  crypto::Sha256 sha;
  const int64_t n = FastCanonicalize(state, text, limits, &sha);
  if (n < 0) return false;
  sha.Update(std::string_view(state.out.data.get(), static_cast<size_t>(n)));
  *out = sha.Finish();
  return true;
}

}  // namespace internal

absl::StatusOr<std::string> Canonicalize(std::string_view text, const Limits& limits) {
  Canonicalizer c(limits);
  std::string out;
  if (absl::Status s = c.Canonicalize(text, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> CanonicalSha256Hex(std::string_view text, const Limits& limits) {
  Canonicalizer c(limits);
  auto digest = c.Digest(text);
  if (!digest.ok()) return digest.status();
  return crypto::HexEncode(*digest);
}

}  // namespace nooterra::json
