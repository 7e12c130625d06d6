// The canonical serializer: ECMAScript JSON.stringify over a key-sorted copy, byte for byte.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "common/strings.h"
#include "json/internal.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::json {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Bytes the writer needs to look at: '"', '\\', controls, and 0xED (which starts a surrogate
// in WTF-8; other 0xED sequences are ordinary characters and are copied).
constexpr bool NeedsLook(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c == 0xED; }

absl::Status NumberError(double d, std::optional<uint64_t> offset) {
  bool negative_zero = d == 0 && std::signbit(d);
  std::string where = offset ? StrCat(" at byte ", *offset) : std::string();
  return MakeError(absl::StatusCode::kInvalidArgument,
                   negative_zero ? "JSON_NEGATIVE_ZERO" : "JSON_NON_FINITE",
                   StrCat("Unsupported number for canonical JSON: ",
                                negative_zero ? "-0" : "non-finite", where),
                   offset);
}

// Longest ECMAScript number text: "-0.00000" + 17 digits = 25 characters; the rest is slack.
constexpr size_t kNumberChars = 32;
static_assert(kNumberChars == 32, "internal::FormatFiniteNumber takes char[32]");

// Writes ECMAScript Number::toString(d) into buf and returns its length; fails for -0, NaN and
// infinities. The one number formatter: AppendNumber and the canonical writer both use it.
// Inlined into both callers: it sits on the writer's per-number path.
__attribute__((always_inline)) inline absl::StatusOr<size_t> FormatNumber(
    double d, char (&buf)[kNumberChars], std::optional<uint64_t> offset) {
  if (!std::isfinite(d) || (d == 0 && std::signbit(d))) return NumberError(d, offset);
  // Safe integers: exact, and ECMAScript prints them as plain digits.
  if (std::fabs(d) < 9007199254740992.0 && d == std::trunc(d)) {
    auto r = std::to_chars(buf, buf + kNumberChars, static_cast<int64_t>(d));
    return static_cast<size_t>(r.ptr - buf);
  }
  // Shortest round-trip digits (the same digits Number::toString chooses), then ECMAScript's
  // layout rules (ECMA-262 Number::toString, steps for k digits and exponent n).
  char sci[kNumberChars];
  auto r = std::to_chars(sci, sci + sizeof(sci), d, std::chars_format::scientific);
  const char* p = sci;
  char* out = buf;
  if (*p == '-') {
    *out++ = '-';
    ++p;
  }
  char digits[20];
  int k = 0;
  while (p < r.ptr && *p != 'e') {
    if (*p != '.') digits[k++] = *p;
    ++p;
  }
  int exponent = 0;
  std::from_chars(p + 1 + (p[1] == '+'), r.ptr, exponent);
  int n = exponent + 1;  // position of the decimal point relative to the digits
  auto put = [&out](const char* from, int count) {
    std::memcpy(out, from, static_cast<size_t>(count));
    out += count;
  };
  if (k <= n && n <= 21) {
    put(digits, k);
    std::memset(out, '0', static_cast<size_t>(n - k));
    out += n - k;
  } else if (0 < n && n <= 21) {
    put(digits, n);
    *out++ = '.';
    put(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    put("0.", 2);
    std::memset(out, '0', static_cast<size_t>(-n));
    out += -n;
    put(digits, k);
  } else {
    *out++ = digits[0];
    if (k > 1) {
      *out++ = '.';
      put(digits + 1, k - 1);
    }
    *out++ = 'e';
    *out++ = n - 1 < 0 ? '-' : '+';
    out = std::to_chars(out, buf + kNumberChars, std::abs(n - 1)).ptr;
  }
  return static_cast<size_t>(out - buf);
}

// The writer's destination: a std::string used as a raw growable buffer (one bounds check per
// token instead of per byte), optionally drained into a SHA-256 every kFlushBytes so that the
// canonical text of a large document is never held whole.
class Sink {
 public:
  Sink(std::string* out, crypto::Sha256* sha) : out_(out), sha_(sha), len_(out->size()) {}
  char* Reserve(size_t n) {
    if (len_ + n > out_->size()) {
      // A reused buffer keeps its capacity: take all of it at once instead of doubling again.
      out_->resize(std::max({out_->capacity(), out_->size() * 2, len_ + n + 256}));
    }
    return out_->data() + len_;
  }
  void Put(char c) {
    *Reserve(1) = c;
    ++len_;
  }
  void Put(std::string_view s) {
    std::memcpy(Reserve(s.size()), s.data(), s.size());
    len_ += s.size();
  }
  void Commit(size_t n) { len_ += n; }
  void MaybeFlush() {
    if (sha_ != nullptr && len_ >= kFlushBytes) {
      sha_->Update(std::string_view(out_->data(), len_));
      len_ = 0;
    }
  }
  // Trims the string to what was written and, when hashing, feeds the rest to the hash.
  void Finish() {
    if (sha_ != nullptr) {
      sha_->Update(std::string_view(out_->data(), len_));
      len_ = 0;
    }
    out_->resize(len_);
  }
  void Rewind(size_t mark) {
    len_ = mark;
    out_->resize(mark);
  }

 private:
  static constexpr size_t kFlushBytes = 32 * 1024;  // stays in L1/L2 between write and hash
  std::string* out_;
  crypto::Sha256* sha_;
  size_t len_;
};

}  // namespace

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0, run = 0;
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    // Eight bytes at a time while none of them needs a look (SWAR: a byte < 0x20, '"', '\\'
    // or 0xED sets its high bit in `hit`). Most strings are copied by this loop alone.
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, u + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      const auto zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
      const uint64_t hit = ((w - kOnes * 0x20) & ~w & kHigh) | zero_byte(w ^ (kOnes * '"')) |
                           zero_byte(w ^ (kOnes * '\\')) | zero_byte(w ^ (kOnes * 0xED));
      if (hit != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    unsigned char c = u[i];
    if (!NeedsLook(c)) {
      ++i;
      continue;
    }
    if (c == 0xED && (i + 2 >= s.size() || u[i + 1] < 0xA0)) {
      i += 1;  // U+D000..U+D7FF: an ordinary character
      continue;
    }
    out->append(s.data() + run, i - run);
    if (c == 0xED) {
      // A lone surrogate (ED A0..BF xx): JSON.stringify prints it as a lowercase escape.
      uint32_t cp = 0xD000u | (u[i + 1] & 0x3Fu) << 6 | (u[i + 2] & 0x3Fu);
      char esc[6] = {'\\', 'u', kHex[cp >> 12], kHex[(cp >> 8) & 15], kHex[(cp >> 4) & 15],
                     kHex[cp & 15]};
      out->append(esc, 6);
      i += 3;
    } else {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default: {
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out->append(esc, 6);
        }
      }
      i += 1;
    }
    run = i;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

namespace internal {

bool FormatFiniteNumber(double d, char (&buf)[32], size_t* len) {
  if (!std::isfinite(d) || (d == 0 && std::signbit(d))) return false;
  auto n = FormatNumber(d, buf, std::nullopt);
  *len = *n;
  return true;
}

}  // namespace internal

absl::Status AppendNumber(double d, std::string* out) {
  char buf[kNumberChars];
  auto len = FormatNumber(d, buf, std::nullopt);
  if (!len.ok()) return len.status();
  out->append(buf, *len);
  return absl::OkStatus();
}

class Writer {
 public:
  Writer(const Document& doc, Sink* sink, const CanonicalOptions& options)
      : d_(doc), sink_(*sink), options_(options) {}

  // Writes `value` (which must be present) to `sink`.
  static absl::Status Emit(Value value, Sink* sink, const CanonicalOptions& options) {
    Writer writer(*value.doc_, sink, options);
    return writer.Write(value.index_, true);
  }

  absl::Status Write(uint32_t index, bool top) {
    const Document::Node& n = d_.nodes_[index];
    switch (n.type) {
      case Type::kNull: sink_.Put("null"); return absl::OkStatus();
      case Type::kTrue: sink_.Put("true"); return absl::OkStatus();
      case Type::kFalse: sink_.Put("false"); return absl::OkStatus();
      case Type::kNumber: return WriteNumber(n);
      case Type::kString: WriteString(n); return absl::OkStatus();
      case Type::kArray: {
        sink_.Put('[');
        for (uint32_t i = 0; i < n.count; ++i) {
          if (i > 0) sink_.Put(',');
          if (absl::Status s = Write(static_cast<uint32_t>(n.payload) + i, false); !s.ok()) {
            return s;
          }
          sink_.MaybeFlush();
        }
        sink_.Put(']');
        return absl::OkStatus();
      }
      case Type::kObject: {
        sink_.Put('{');
        bool first = true;
        for (uint32_t i = 0; i < n.count; ++i) {
          uint32_t key = static_cast<uint32_t>(n.payload) + 2 * i;
          std::string_view name = KeyOf(d_.nodes_[key]);
          // JS assignment `out["__proto__"] = v` sets the prototype instead of a member.
          if (name == "__proto__" || (top && Omitted(name))) continue;
          if (!first) sink_.Put(',');
          first = false;
          WriteString(d_.nodes_[key]);
          sink_.Put(':');
          if (absl::Status s = Write(key + 1, false); !s.ok()) return s;
          sink_.MaybeFlush();
        }
        sink_.Put('}');
        return absl::OkStatus();
      }
      case Type::kAbsent: break;
    }
    return absl::InternalError("json: corrupt document node");
  }

 private:
  std::string_view KeyOf(const Document::Node& n) const { return d_.StringOf(n); }
  absl::Status WriteNumber(const Document::Node& n) {
    double v;
    std::memcpy(&v, &n.payload, sizeof(v));
    char buf[kNumberChars];
    auto len = FormatNumber(v, buf, uint64_t{n.count});  // count = the number's input offset
    if (!len.ok()) return len.status();
    sink_.Put(std::string_view(buf, *len));
    return absl::OkStatus();
  }
  void WriteString(const Document::Node& n) {
    if (n.flags & Document::kNodeClean) {
      std::string_view text = KeyOf(n);
      char* p = sink_.Reserve(text.size() + 2);
      p[0] = '"';
      std::memcpy(p + 1, text.data(), text.size());
      p[text.size() + 1] = '"';
      sink_.Commit(text.size() + 2);
    } else {
      scratch_.clear();
      AppendQuoted(KeyOf(n), &scratch_);
      sink_.Put(scratch_);
    }
  }
  bool Omitted(std::string_view name) const {
    for (std::string_view o : options_.omit_members) {
      if (o == name) return true;
    }
    return false;
  }

  const Document& d_;
  Sink& sink_;
  const CanonicalOptions& options_;
  std::string scratch_;  // strings that need escaping
};

absl::Status AppendCanonical(Value value, std::string* out, const CanonicalOptions& options) {
  if (!value.present()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "JSON_ABSENT",
                     "no value to canonicalize");
  }
  size_t mark = out->size();
  Sink sink(out, nullptr);
  absl::Status s = Writer::Emit(value, &sink, options);
  if (s.ok()) {
    sink.Finish();
  } else {
    sink.Rewind(mark);  // leave the caller's buffer as it was
  }
  return s;
}

absl::StatusOr<crypto::Digest> CanonicalDigest(Value value, const CanonicalOptions& options) {
  if (!value.present()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "JSON_ABSENT", "no value to hash");
  }
  std::string buffer;
  buffer.reserve(4096);
  crypto::Sha256 sha;
  Sink sink(&buffer, &sha);
  if (absl::Status s = Writer::Emit(value, &sink, options); !s.ok()) return s;
  sink.Finish();
  return sha.Finish();
}

}  // namespace nooterra::json
