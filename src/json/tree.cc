// json::Tree, the mutable JSON value of the object builders, and its canonical writer. The
// writer shares the key order (CompareKeys), string escaping (AppendQuoted) and number format
// (AppendNumber) of the parsed-document writer, so both produce the same bytes.
#include <algorithm>
#include <string>
#include <vector>

#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::json {

Tree Tree::Bool(bool b) {
  Tree t;
  t.type_ = b ? Type::kTrue : Type::kFalse;
  return t;
}

Tree Tree::Number(double d) {
  Tree t;
  t.type_ = Type::kNumber;
  t.number_ = d;
  return t;
}

Tree Tree::String(std::string s) {
  Tree t;
  t.type_ = Type::kString;
  t.string_ = std::move(s);
  return t;
}

Tree Tree::Array() {
  Tree t;
  t.type_ = Type::kArray;
  return t;
}

Tree Tree::Object() {
  Tree t;
  t.type_ = Type::kObject;
  return t;
}

Tree Tree::FromValue(Value v) {
  switch (v.type()) {
    case Type::kAbsent:
    case Type::kNull:
      return Tree();
    case Type::kTrue:
    case Type::kFalse:
      return Bool(v.as_bool());
    case Type::kNumber:
      return Number(v.as_number());
    case Type::kString:
      return String(std::string(v.as_string()));
    case Type::kArray: {
      Tree t = Array();
      t.items_.reserve(v.size());
      for (size_t i = 0; i < v.size(); ++i) t.items_.push_back(FromValue(v.at(i)));
      return t;
    }
    case Type::kObject: {
      // The parsed document has already applied last-wins to duplicate keys.
      Tree t = Object();
      t.members_.reserve(v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        t.members_.emplace_back(std::string(v.key_at(i)), FromValue(v.value_at(i)));
      }
      return t;
    }
  }
  return Tree();
}

absl::StatusOr<Tree> Tree::Parse(std::string_view text, const Limits& limits) {
  auto doc = Document::Parse(text, limits);
  if (!doc.ok()) return doc.status();
  return FromValue(doc->root());
}

Tree& Tree::Push(Tree value) {
  items_.push_back(std::move(value));
  return items_.back();
}

const Tree* Tree::Find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Tree* Tree::Find(std::string_view key) {
  for (Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Tree& Tree::Set(std::string_view key, Tree value) {
  if (Tree* existing = Find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  members_.emplace_back(std::string(key), std::move(value));
  return members_.back().second;
}

Tree& Tree::Add(std::string_view key, Tree value) {
#ifndef NDEBUG
  if (Find(key) != nullptr) __builtin_trap();  // a caller broke Add's contract
#endif
  members_.emplace_back(std::string(key), std::move(value));
  return members_.back().second;
}

bool Tree::Erase(std::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

namespace {

absl::Status Write(const Tree& t, std::string* out, absl::Span<const std::string_view> omit) {
  switch (t.type()) {
    case Type::kAbsent:
    case Type::kNull:
      out->append("null");
      return absl::OkStatus();
    case Type::kTrue:
      out->append("true");
      return absl::OkStatus();
    case Type::kFalse:
      out->append("false");
      return absl::OkStatus();
    case Type::kNumber:
      return AppendNumber(t.as_number(), out);
    case Type::kString:
      AppendQuoted(t.as_string(), out);
      return absl::OkStatus();
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Tree& item : t.items()) {
        if (!first) out->push_back(',');
        first = false;
        if (absl::Status s = Write(item, out, {}); !s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case Type::kObject: {
      std::vector<const Tree::Member*> order;
      order.reserve(t.members().size());
      for (const Tree::Member& m : t.members()) {
        if (std::find(omit.begin(), omit.end(), m.first) == omit.end()) order.push_back(&m);
      }
      std::sort(order.begin(), order.end(), [](const Tree::Member* a, const Tree::Member* b) {
        return CompareKeys(a->first, b->first) < 0;
      });
      out->push_back('{');
      bool first = true;
      for (const Tree::Member* m : order) {
        if (!first) out->push_back(',');
        first = false;
        AppendQuoted(m->first, out);
        out->push_back(':');
        if (absl::Status s = Write(m->second, out, {}); !s.ok()) return s;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AppendCanonical(const Tree& tree, std::string* out, const CanonicalOptions& options) {
  const size_t mark = out->size();
  absl::Status s = Write(tree, out, options.omit_members);
  if (!s.ok()) out->resize(mark);  // never a partial canonical form
  return s;
}

absl::StatusOr<std::string> CanonicalString(const Tree& tree, const CanonicalOptions& options) {
  std::string out;
  if (absl::Status s = AppendCanonical(tree, &out, options); !s.ok()) return s;
  return out;
}

absl::StatusOr<crypto::Digest> CanonicalDigest(const Tree& tree, const CanonicalOptions& options) {
  auto text = CanonicalString(tree, options);
  if (!text.ok()) return text.status();
  return crypto::Sha256Digest(*text);
}

}  // namespace nooterra::json
