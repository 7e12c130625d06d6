// Read accessors of Document / Value.
#include <cstring>

#include "nooterra/json.h"

namespace nooterra::json {

Value Document::root() const { return loaded_ ? Value(this, root_) : Value(); }

Type Value::type() const { return doc_ ? doc_->nodes_[index_].type : Type::kAbsent; }

double Value::as_number() const {
  if (type() != Type::kNumber) return 0;
  double d;
  std::memcpy(&d, &doc_->nodes_[index_].payload, sizeof(d));
  return d;
}

std::string_view Value::as_string() const {
  if (type() != Type::kString) return {};
  return doc_->StringOf(doc_->nodes_[index_]);
}

size_t Value::size() const {
  Type t = type();
  return (t == Type::kArray || t == Type::kObject) ? doc_->nodes_[index_].count : 0;
}

Value Value::at(size_t i) const {
  if (type() != Type::kArray || i >= size()) return Value();
  return Value(doc_, static_cast<uint32_t>(doc_->nodes_[index_].payload + i));
}

std::string_view Value::key_at(size_t i) const {
  if (type() != Type::kObject || i >= size()) return {};
  return Value(doc_, static_cast<uint32_t>(doc_->nodes_[index_].payload + 2 * i)).as_string();
}

Value Value::value_at(size_t i) const {
  if (type() != Type::kObject || i >= size()) return Value();
  return Value(doc_, static_cast<uint32_t>(doc_->nodes_[index_].payload + 2 * i + 1));
}

Value Value::Find(std::string_view key) const {
  size_t lo = 0, hi = size();  // members are in canonical order: binary search
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = CompareKeys(key_at(mid), key);
    if (c == 0) return value_at(mid);
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return Value();
}

}  // namespace nooterra::json
