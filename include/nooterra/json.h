// JSON documents and the protocol's canonical form.
//
// The protocol hashes "canonical JSON": the reference sorts object keys and lets ECMAScript's
// JSON.stringify do the rest. This module reproduces that byte for byte, quirks included
// (see ../shared/protocol/verify/01-canonical-json.md and ARCHITECTURE.md):
//   - keys that look like array indices ("0".."4294967294", canonical spelling) come first in
//     numeric order, all other keys follow in UTF-16 code-unit order;
//   - numbers are printed with ECMAScript Number::toString; -0 and non-finite numbers are errors;
//   - duplicate keys: the last occurrence wins; a member named "__proto__" is dropped on output;
//   - lone surrogates (from \uD800-style escapes) are kept and printed as lowercase "\udXXX";
//   - invalid UTF-8 inside strings decodes to U+FFFD, as Node's lossy decoder does.
//
// Strings are stored as "WTF-8": UTF-8, except that a lone surrogate is kept as its 3-byte
// generalized-UTF-8 form (ED A0..BF xx). For any input without lone surrogates that is plain UTF-8.
//
// Threads: a Document is immutable after Load() returns and may be read from many threads;
// Load() and Canonicalizer need one thread at a time. Deterministic: no locale, clock or globals.
#ifndef NOOTERRA_JSON_H_
#define NOOTERRA_JSON_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nooterra/crypto.h"

namespace nooterra::json {

// Named limits on untrusted input. Exceeding one is RESOURCE_EXHAUSTED with reason
// JSON_LIMIT_DOCUMENT_BYTES / JSON_LIMIT_DEPTH / JSON_LIMIT_STRING_BYTES.
struct Limits {
  uint64_t document_bytes_max = uint64_t{64} << 20;  // whole input, in bytes
  uint32_t depth_max = 256;                          // nesting of arrays and objects
  uint64_t string_bytes_max = uint64_t{16} << 20;    // one decoded string or key, in bytes
};

enum class Type : uint8_t {
  kAbsent = 0,  // what Find() returns for a missing member; never part of a document
  kNull,
  kFalse,
  kTrue,
  kNumber,
  kString,
  kArray,
  kObject,
};

class Document;

// A read-only view of one value inside a Document. Cheap to copy; valid while the Document is
// alive and not reloaded. Accessors never fail: asking for the wrong type returns a neutral
// value (false, 0, "", size 0, an absent Value), so check type() where it matters.
class Value {
 public:
  Value() = default;

  Type type() const;
  bool present() const { return type() != Type::kAbsent; }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kTrue || type() == Type::kFalse; }
  bool is_number() const { return type() == Type::kNumber; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  bool as_bool() const { return type() == Type::kTrue; }
  double as_number() const;
  // WTF-8 bytes of a string value (see the file comment).
  std::string_view as_string() const;

  // Number of array elements or object members (after duplicate removal).
  size_t size() const;
  // Array element i, or absent when out of range / not an array.
  Value at(size_t i) const;
  // Object member i in canonical order (the order the canonical form prints them).
  std::string_view key_at(size_t i) const;
  Value value_at(size_t i) const;
  // The member named `key` (exact bytes), or an absent Value. O(log n).
  Value Find(std::string_view key) const;

 private:
  friend class Document;
  friend class Writer;
  Value(const Document* doc, uint32_t index) : doc_(doc), index_(index) {}
  const Document* doc_ = nullptr;
  uint32_t index_ = 0;
};

// A parsed JSON document. Objects are stored with members already in canonical order and
// duplicates resolved, so canonical output is a single linear walk.
class Document {
 public:
  Document() = default;
  Document(Document&&) noexcept = default;
  Document& operator=(Document&&) noexcept = default;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Parses `text` (raw bytes, expected UTF-8). Errors are INVALID_ARGUMENT (reason JSON_SYNTAX,
  // JSON_BOM) or RESOURCE_EXHAUSTED (JSON_LIMIT_*), each with the byte offset and a message
  // naming line and column. On error the document is left empty.
  static absl::StatusOr<Document> Parse(std::string_view text, const Limits& limits = {});

  // Same as Parse, but reuses this document's memory (no allocation once warmed up).
  absl::Status Load(std::string_view text, const Limits& limits = {});

  // The root value; absent when nothing is loaded.
  Value root() const;

  // Implementation detail, public only so that the parser and writer (src/json/) can share it.
  struct Node {
    Type type;
    uint8_t flags;      // kNodeVerbatim, kNodeDecoded
    uint16_t reserved;
    uint32_t count;     // string: bytes; array: elements; object: members
    uint64_t payload;   // number: IEEE bits; string: offset; container: first child node index
  };
  static constexpr uint8_t kNodeDecoded = 1;  // string bytes live in decoded_, not in text_
  static constexpr uint8_t kNodeClean = 2;    // string needs no escaping on output
  // Parser scratch: one object member's sort key (see src/json/parser.cc).
  struct MemberKey {
    uint64_t rank;
    uint64_t prefix;
    bool ascii_prefix;
    uint32_t pair;
    std::string_view key;
  };

 private:
  friend class Value;
  friend class Parser;
  friend class Writer;
  void Clear();
  // The bytes of a string node (decoded copy or the input itself).
  std::string_view StringOf(const Node& n) const {
    const std::string& buf = (n.flags & kNodeDecoded) ? decoded_ : text_;
    return std::string_view(buf.data() + n.payload, n.count);
  }
  std::string text_;              // copy of the input, padded for vector loads
  std::string decoded_;           // strings that contained escapes or invalid UTF-8
  std::vector<Node> nodes_;       // children of a container are contiguous; object = key,value pairs
  uint32_t root_ = 0;
  bool loaded_ = false;
  // Parser scratch space, kept to avoid reallocation across Load() calls.
  std::vector<Node> scratch_;
  std::vector<uint32_t> frames_;
  std::vector<MemberKey> member_keys_;
  std::vector<uint32_t> order_;
};

// Options of the canonical writer.
struct CanonicalOptions {
  // Top-level object members to leave out (the "core" of a self-hashed object, e.g. drop
  // "manifestHash"). Ignored when the root is not an object.
  absl::Span<const std::string_view> omit_members;
};

// Appends the canonical form of `value` to `out`. Fails with INVALID_ARGUMENT
// (JSON_NEGATIVE_ZERO, JSON_NON_FINITE; offset = the number's position in the input) and then
// leaves `out` as it was.
absl::Status AppendCanonical(Value value, std::string* out, const CanonicalOptions& options = {});

// SHA-256 of the canonical form's UTF-8 bytes, streamed (the canonical text is never held whole).
absl::StatusOr<crypto::Digest> CanonicalDigest(Value value, const CanonicalOptions& options = {});

// One-shot helpers: parse, then canonicalize / hash. They allocate nothing for a document of
// up to ~900 bytes that the fast path takes (see Canonicalizer), beyond the returned string.
absl::StatusOr<std::string> Canonicalize(std::string_view text, const Limits& limits = {});
absl::StatusOr<crypto::Digest> CanonicalSha256(std::string_view text, const Limits& limits = {});
absl::StatusOr<std::string> CanonicalSha256Hex(std::string_view text, const Limits& limits = {});

// Reusable canonicalizer for hot loops: keeps its buffers between calls. One thread at a time.
// Most protocol documents are canonicalized while they are parsed, with no Document built (see
// src/json/canonicalizer.cc); anything else, and every error, takes the Document path, so the
// bytes and the errors are those of Document::Parse + AppendCanonical either way.
class Canonicalizer {
 public:
  explicit Canonicalizer(const Limits& limits = {});
  ~Canonicalizer();
  Canonicalizer(Canonicalizer&&) noexcept;
  Canonicalizer& operator=(Canonicalizer&&) noexcept;
  // Replaces *out with the canonical form of `text`. On error *out is left empty (never a
  // partial canonical form).
  absl::Status Canonicalize(std::string_view text, std::string* out);
  absl::StatusOr<crypto::Digest> Digest(std::string_view text);

  struct FastState;  // implementation detail (src/json/canonicalizer.cc)

 private:
  Limits limits_;
  Document doc_;
  std::string buffer_;
  std::unique_ptr<FastState> fast_;
};

// A mutable JSON value: what the object builders assemble before canonicalizing, and what a
// C++ caller can use to prepare builder inputs. Objects keep insertion order (the canonical
// writer sorts); Set() replaces an existing member, like the parser's last-wins rule. Numbers
// are IEEE doubles, as in the reference. One thread at a time; copying copies the whole tree.
class Tree {
 public:
  using Member = std::pair<std::string, Tree>;

  Tree() = default;  // null
  static Tree Null() { return Tree(); }
  static Tree Bool(bool b);
  static Tree Number(double d);
  static Tree String(std::string s);
  static Tree Array();
  static Tree Object();
  // Deep copy of a parsed value (an absent value becomes null).
  static Tree FromValue(Value v);
  static absl::StatusOr<Tree> Parse(std::string_view text, const Limits& limits = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kTrue || type_ == Type::kFalse; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  bool as_bool() const { return type_ == Type::kTrue; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }

  // Arrays.
  const std::vector<Tree>& items() const { return items_; }
  std::vector<Tree>& items() { return items_; }
  Tree& Push(Tree value);

  // Objects.
  const std::vector<Member>& members() const { return members_; }
  const Tree* Find(std::string_view key) const;
  Tree* Find(std::string_view key);
  // Sets (or replaces) member `key` and returns it.
  Tree& Set(std::string_view key, Tree value);
  // Appends member `key` without looking for an existing one: for code that builds an object
  // member by member and knows its keys are distinct (a repeated key would make the object
  // invalid, so debug builds check). Prefer Set() otherwise.
  Tree& Add(std::string_view key, Tree value);
  // Removes member `key`; false when there was none.
  bool Erase(std::string_view key);

 private:
  Type type_ = Type::kNull;
  double number_ = 0;
  std::string string_;
  std::vector<Tree> items_;
  std::vector<Member> members_;
};

// Canonical form / digest of a tree (same rules and errors as for a parsed Value).
absl::Status AppendCanonical(const Tree& tree, std::string* out,
                             const CanonicalOptions& options = {});
absl::StatusOr<std::string> CanonicalString(const Tree& tree, const CanonicalOptions& options = {});
absl::StatusOr<crypto::Digest> CanonicalDigest(const Tree& tree,
                                               const CanonicalOptions& options = {});

// Canonical order of two object keys (WTF-8 bytes): negative, zero or positive.
int CompareKeys(std::string_view a, std::string_view b);

// Appends `s` (WTF-8) as a JSON string literal with JSON.stringify escaping.
void AppendQuoted(std::string_view s, std::string* out);

// Appends ECMAScript Number::toString(d). Fails for -0, NaN and infinities.
absl::Status AppendNumber(double d, std::string* out);

}  // namespace nooterra::json

#endif  // NOOTERRA_JSON_H_
