// JSON parser with ECMAScript JSON.parse semantics (strict RFC 8259 grammar, last duplicate
// wins, lone surrogates kept) and named limits.
//
// Design, for speed on the hot path (canonicalize+hash of small agreements):
//   - iterative, with an explicit frame stack: depth is bounded by Limits, not by the C stack;
//   - no allocation per node: completed values wait on a scratch stack and are moved into the
//     document's flat node array when their container closes, so a container's children are
//     contiguous and every node is copied exactly once (linear time for any shape);
//   - strings without escapes are not copied: the node points into the document's copy of the
//     input, and the writer emits them with one memcpy;
//   - objects are sorted into canonical order at close (skipped when already sorted, the
//     common case for protocol objects), so canonical output is a linear walk.
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

using internal::kPadding;

class Parser {
 public:
  Parser(Document* doc, const Limits& limits) : d_(*doc), limits_(limits) {}
  absl::Status Run(std::string_view input);

 private:
  using Node = Document::Node;
  absl::Status Error(size_t offset, std::string_view what) const;
  absl::Status LimitError(size_t offset, std::string_view reason, std::string_view what) const;
  absl::Status ParseString(size_t* pos, Node* node);
  absl::Status DecodeString(size_t start, size_t pos, size_t* end, Node* node);
  absl::Status ParseNumber(size_t* pos, Node* node);
  absl::Status ParseKey(size_t* pos, std::string_view missing_key_message);
  Node CloseObject(uint32_t start);
  std::string_view KeyOf(const Node& n) const { return d_.StringOf(n); }
  size_t SkipWs(size_t pos) const { return internal::SkipWs(d_.text_.data(), pos); }

  Document& d_;
  const Limits& limits_;
  size_t size_ = 0;  // input bytes, excluding padding
};

absl::Status Parser::Error(size_t offset, std::string_view what) const {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < size_; ++i) {
    if (d_.text_[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return MakeError(absl::StatusCode::kInvalidArgument, "JSON_SYNTAX",
                   StrCat("JSON syntax error at line ", line, ", column ", column,
                                " (byte ", offset, "): ", what),
                   offset);
}

absl::Status Parser::LimitError(size_t offset, std::string_view reason,
                                std::string_view what) const {
  return MakeError(absl::StatusCode::kResourceExhausted, reason,
                   StrCat("JSON limit exceeded at byte ", offset, ": ", what), offset);
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    int h = HexDigit(p[i]);
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

absl::Status Parser::ParseString(size_t* pos, Node* node) {
  const char* t = d_.text_.data();
  size_t start = *pos + 1;  // after the opening quote
  const char* p = t + start;
  while (true) {
    p = internal::ScanPlain(p);
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') break;
    if (c >= 0x80) {
      int n = internal::Utf8Sequence(reinterpret_cast<const uint8_t*>(p));
      if (n > 0) {
        p += n;
        continue;
      }
    }
    // An escape, a control character, the end of input or invalid UTF-8: slow path.
    return DecodeString(start, static_cast<size_t>(p - t), pos, node);
  }
  size_t len = static_cast<size_t>(p - t) - start;
  if (len > limits_.string_bytes_max) {
    return LimitError(start, "JSON_LIMIT_STRING_BYTES",
                      StrCat("string of ", len, " bytes; the limit is ",
                                   limits_.string_bytes_max));
  }
  *node = Node{Type::kString, Document::kNodeClean, 0, static_cast<uint32_t>(len), start};
  *pos = static_cast<size_t>(p - t) + 1;
  return absl::OkStatus();
}

// Decodes a string that needs work, copying it into decoded_. `start` is the first content
// byte, `pos` the first byte the fast path could not take.
absl::Status Parser::DecodeString(size_t start, size_t pos, size_t* end, Node* node) {
  const char* t = d_.text_.data();
  std::string& out = d_.decoded_;
  size_t out_start = out.size();
  out.append(t + start, pos - start);
  bool dirty = false;  // the decoded text holds something the writer must escape
  while (true) {
    if (out.size() - out_start > limits_.string_bytes_max) {
      return LimitError(start, "JSON_LIMIT_STRING_BYTES",
                        StrCat("string longer than the limit of ",
                                     limits_.string_bytes_max, " bytes"));
    }
    unsigned char c = static_cast<unsigned char>(t[pos]);
    if (c == '"') break;
    if (c == '\\') {
      char e = t[pos + 1];
      size_t at = pos;
      pos += 2;
      switch (e) {
        case '"': out.push_back('"'); dirty = true; break;
        case '\\': out.push_back('\\'); dirty = true; break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); dirty = true; break;
        case 'f': out.push_back('\f'); dirty = true; break;
        case 'n': out.push_back('\n'); dirty = true; break;
        case 'r': out.push_back('\r'); dirty = true; break;
        case 't': out.push_back('\t'); dirty = true; break;
        case 'u': {
          int u = Hex4(t + pos);
          if (u < 0) return Error(at, "invalid \\u escape (four hex digits expected)");
          pos += 4;
          uint32_t cp = static_cast<uint32_t>(u);
          if (cp >= 0xD800 && cp <= 0xDBFF && t[pos] == '\\' && t[pos + 1] == 'u') {
            int low = Hex4(t + pos + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
              pos += 6;
            }
          }
          // Characters JSON.stringify escapes again: controls, '"', '\\', lone surrogates.
          if (cp < 0x20 || cp == '"' || cp == '\\' || (cp >= 0xD800 && cp <= 0xDFFF)) dirty = true;
          internal::AppendCodePoint(cp, &out);
          break;
        }
        default:
          if (pos - 1 >= size_) return Error(at, "unterminated string");
          return Error(at, "invalid escape sequence");
      }
      continue;
    }
    if (c < 0x20) {
      if (pos >= size_) return Error(pos, "unterminated string");
      return Error(pos, "control character in string (must be escaped)");
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++pos;
      continue;
    }
    int n = internal::Utf8Sequence(reinterpret_cast<const uint8_t*>(t + pos));
    if (n > 0) {
      out.append(t + pos, static_cast<size_t>(n));
      pos += static_cast<size_t>(n);
    } else {
      out.append(kReplacement, 3);  // Node decodes ill-formed UTF-8 to U+FFFD
      pos += static_cast<size_t>(-n);
    }
  }
  size_t len = out.size() - out_start;
  if (len > limits_.string_bytes_max) {
    return LimitError(start, "JSON_LIMIT_STRING_BYTES",
                      StrCat("string of ", len, " bytes; the limit is ",
                                   limits_.string_bytes_max));
  }
  uint8_t flags = Document::kNodeDecoded | (dirty ? 0 : Document::kNodeClean);
  *node = Node{Type::kString, flags, 0, static_cast<uint32_t>(len), out_start};
  *end = pos + 1;
  return absl::OkStatus();
}

// An object key, the ':' after it and the whitespace up to the value. The key node goes onto
// the scratch stack, where its value will follow it.
// Inlined: it runs once per member, and a call here costs ~4 % of a small document's parse.
__attribute__((always_inline)) inline absl::Status Parser::ParseKey(
    size_t* pos, std::string_view missing_key_message) {
  const char* t = d_.text_.data();
  if (t[*pos] != '"') return Error(*pos, missing_key_message);
  Node key;
  if (absl::Status s = ParseString(pos, &key); !s.ok()) return s;
  d_.scratch_.push_back(key);
  *pos = SkipWs(*pos);
  if (t[*pos] != ':') return Error(*pos, "expected ':' after an object key");
  *pos = SkipWs(*pos + 1);
  return absl::OkStatus();
}

namespace internal {

NumberToken ScanNumber(const char* t, size_t start) {
  NumberToken tok;
  size_t p = start;
  bool negative = t[p] == '-';
  if (negative) ++p;
  auto digit = [&](size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  auto fail = [&tok](size_t at, const char* what) {
    tok.error = what;
    tok.error_offset = at;
    return tok;
  };
  size_t int_start = p;
  if (t[p] == '0') {
    ++p;
    if (digit(p)) return fail(p, "leading zeros are not allowed in numbers");
  } else if (digit(p)) {
    while (digit(p)) ++p;
  } else {
    return fail(p, "expected a digit");
  }
  size_t int_digits = p - int_start;
  bool simple = true;
  if (t[p] == '.') {
    simple = false;
    ++p;
    if (!digit(p)) return fail(p, "expected a digit after the decimal point");
    while (digit(p)) ++p;
  }
  if (t[p] == 'e' || t[p] == 'E') {
    simple = false;
    ++p;
    if (t[p] == '+' || t[p] == '-') ++p;
    if (!digit(p)) return fail(p, "expected a digit in the exponent");
    while (digit(p)) ++p;
  }
  tok.end = p;
  double value;
  if (simple && int_digits <= 15) {
    // Exact: fewer than 2^53.
    int64_t v = 0;
    for (size_t i = int_start; i < p; ++i) v = v * 10 + (t[i] - '0');
    value = static_cast<double>(v);
    if (negative) value = -value;  // "-0" becomes -0.0, rejected later by the writer
    tok.plain_integer = true;
  } else {
    auto [ptr, ec] = std::from_chars(t + start, t + p, value);
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves the value alone on overflow and underflow; JSON.parse gives
      // +/-Infinity and +/-0 (round to nearest). Decide which from the decimal exponent.
      int64_t exp10 = 0;  // position of the first significant digit relative to the point
      size_t i = int_start;
      while (i < p && (t[i] == '0' || t[i] == '.')) ++i;
      size_t first_sig = i;
      size_t point = int_start + int_digits;
      exp10 = first_sig < point ? static_cast<int64_t>(point - first_sig)
                                : -static_cast<int64_t>(first_sig - point - 1);
      size_t e = start;
      while (e < p && t[e] != 'e' && t[e] != 'E') ++e;
      if (e < p) {
        int64_t ev = 0;
        bool eneg = t[e + 1] == '-';
        for (size_t k = e + 1; k < p; ++k) {
          if (t[k] >= '0' && t[k] <= '9' && ev < 100000) ev = ev * 10 + (t[k] - '0');
        }
        exp10 += eneg ? -ev : ev;
      }
      value = exp10 > 0 ? HUGE_VAL : 0.0;
      if (negative) value = -value;
    } else if (ec != std::errc() || ptr != t + p) {
      return fail(start, "invalid number");
    }
  }
  tok.value = value;
  return tok;
}

}  // namespace internal

absl::Status Parser::ParseNumber(size_t* pos, Node* node) {
  const internal::NumberToken tok = internal::ScanNumber(d_.text_.data(), *pos);
  if (tok.error != nullptr) return Error(tok.error_offset, tok.error);
  uint64_t bits;
  std::memcpy(&bits, &tok.value, sizeof(bits));
  // count holds the source offset so that writer errors (-0, Infinity) can point at it.
  *node = Node{Type::kNumber, 0, 0, static_cast<uint32_t>(*pos), bits};
  *pos = tok.end;
  return absl::OkStatus();
}

using internal::MemberLess;

// Moves the key/value pairs scratch_[start..] into nodes_ in canonical order, keeping the last
// of duplicate keys.
Document::Node Parser::CloseObject(uint32_t start) {
  std::vector<Node>& s = d_.scratch_;
  uint32_t pairs = static_cast<uint32_t>((s.size() - start) / 2);
  uint32_t first = static_cast<uint32_t>(d_.nodes_.size());
  std::vector<Document::MemberKey>& keys = d_.member_keys_;
  keys.clear();
  bool sorted = true;
  for (uint32_t i = 0; i < pairs; ++i) {
    const Node& key = s[start + 2 * i];
    internal::FillMemberKey(&keys.emplace_back(), KeyOf(key), i,
                            !(key.flags & Document::kNodeDecoded));
    // Strictly increasing (no duplicates) means the input order is already canonical.
    if (i > 0 && sorted) sorted = MemberLess(keys[i - 1], keys[i]) && keys[i - 1].key != keys[i].key;
  }
  uint32_t kept = pairs;
  if (sorted) {
    d_.nodes_.insert(d_.nodes_.end(), s.begin() + start, s.end());
  } else {
    // Sort 4-byte indices rather than the 40-byte keys themselves.
    std::vector<uint32_t>& order = d_.order_;
    order.resize(pairs);
    for (uint32_t i = 0; i < pairs; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&keys](uint32_t a, uint32_t b) { return MemberLess(keys[a], keys[b]); });
    kept = 0;
    for (uint32_t i = 0; i < pairs; ++i) {
      uint32_t pair = order[i];
      // Equal keys are adjacent, in input order: only the last one is kept.
      if (i + 1 < pairs && keys[pair].key == keys[order[i + 1]].key) continue;
      d_.nodes_.push_back(s[start + 2 * pair]);
      d_.nodes_.push_back(s[start + 2 * pair + 1]);
      ++kept;
    }
  }
  s.resize(start);
  return Node{Type::kObject, 0, 0, kept, first};
}

absl::Status Parser::Run(std::string_view input) {
  size_ = input.size();
  uint64_t max = std::min<uint64_t>(limits_.document_bytes_max, internal::kDocumentBytesHardMax);
  if (input.size() > max) {
    return LimitError(0, "JSON_LIMIT_DOCUMENT_BYTES",
                      StrCat("document of ", input.size(), " bytes; the limit is ", max));
  }
  d_.text_.append(input.data(), input.size());
  d_.text_.append(kPadding, '\0');
  const char* t = d_.text_.data();
  if (size_ >= 3 && std::memcmp(t, "\xEF\xBB\xBF", 3) == 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, "JSON_BOM",
                     "JSON text starts with a UTF-8 byte order mark, which JSON.parse rejects",
                     0);
  }
  std::vector<Node>& scratch = d_.scratch_;
  std::vector<uint32_t>& frames = d_.frames_;  // scratch index of the first child; top bit = object
  constexpr uint32_t kObjectBit = 0x80000000u;
  size_t pos = SkipWs(0);
  Node node{};
  while (true) {
    // --- parse one value at pos -------------------------------------------------------
    char c = t[pos];
    if (c == '{' || c == '[') {
      if (frames.size() >= limits_.depth_max) {
        return LimitError(pos, "JSON_LIMIT_DEPTH",
                          StrCat("nesting deeper than ", limits_.depth_max));
      }
      bool object = c == '{';
      frames.push_back(static_cast<uint32_t>(scratch.size()) | (object ? kObjectBit : 0));
      pos = SkipWs(pos + 1);
      if (t[pos] == (object ? '}' : ']')) {
        frames.pop_back();
        node = Node{object ? Type::kObject : Type::kArray, 0, 0, 0, 0};
        ++pos;
      } else if (object) {
        if (absl::Status s = ParseKey(&pos, "expected a string key or '}'"); !s.ok()) return s;
        continue;
      } else {
        continue;
      }
    } else if (c == '"') {
      if (absl::Status s = ParseString(&pos, &node); !s.ok()) return s;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (absl::Status s = ParseNumber(&pos, &node); !s.ok()) return s;
    } else if (c == 't' && std::memcmp(t + pos, "true", 4) == 0) {
      node = Node{Type::kTrue, 0, 0, 0, 0};
      pos += 4;
    } else if (c == 'f' && std::memcmp(t + pos, "false", 5) == 0) {
      node = Node{Type::kFalse, 0, 0, 0, 0};
      pos += 5;
    } else if (c == 'n' && std::memcmp(t + pos, "null", 4) == 0) {
      node = Node{Type::kNull, 0, 0, 0, 0};
      pos += 4;
    } else if (pos >= size_) {
      return Error(pos, "unexpected end of input, expected a value");
    } else {
      std::string shown = (c >= 0x20 && c < 0x7F) ? StrCat("'", c, "'")
                                                  : HexByte(static_cast<unsigned char>(c));
      return Error(pos, StrCat("unexpected character ", shown, ", expected a value"));
    }
    // --- a complete value is in `node`: attach it, closing containers as they end --------
    while (true) {
      if (frames.empty()) {
        pos = SkipWs(pos);
        if (pos != size_) return Error(pos, "unexpected data after the JSON value");
        d_.nodes_.push_back(node);
        d_.root_ = static_cast<uint32_t>(d_.nodes_.size() - 1);
        return absl::OkStatus();
      }
      scratch.push_back(node);
      bool object = (frames.back() & kObjectBit) != 0;
      pos = SkipWs(pos);
      if (t[pos] == ',') {
        pos = SkipWs(pos + 1);
        if (object) {
          if (absl::Status s = ParseKey(&pos, "expected a string key after ','"); !s.ok()) {
            return s;
          }
        }
        break;  // parse the next value
      }
      if (t[pos] != (object ? '}' : ']')) {
        if (pos >= size_) return Error(pos, "unexpected end of input inside a container");
        return Error(pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
      ++pos;
      uint32_t start = frames.back() & ~kObjectBit;
      frames.pop_back();
      if (object) {
        node = CloseObject(start);
      } else {
        uint32_t first = static_cast<uint32_t>(d_.nodes_.size());
        uint32_t count = static_cast<uint32_t>(scratch.size() - start);
        d_.nodes_.insert(d_.nodes_.end(), scratch.begin() + start, scratch.end());
        scratch.resize(start);
        node = Node{Type::kArray, 0, 0, count, first};
      }
    }
  }
}

void Document::Clear() {
  text_.clear();
  decoded_.clear();
  nodes_.clear();
  scratch_.clear();
  frames_.clear();
  root_ = 0;
  loaded_ = false;
}

absl::Status Document::Load(std::string_view text, const Limits& limits) {
  Clear();
  Parser parser(this, limits);
  absl::Status status = parser.Run(text);
  if (!status.ok()) {
    Clear();
    return status;
  }
  loaded_ = true;
  return absl::OkStatus();
}

absl::StatusOr<Document> Document::Parse(std::string_view text, const Limits& limits) {
  Document doc;
  if (absl::Status s = doc.Load(text, limits); !s.ok()) return s;
  return doc;
}

}  // namespace nooterra::json
