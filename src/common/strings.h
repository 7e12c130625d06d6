// String concatenation for messages. Debian's Abseil is built with its own absl::string_view
// (not an alias of std::string_view), so absl::StrCat cannot take std::string_view; this small
// replacement accepts std::string_view, C strings, chars and integers.
#ifndef NOOTERRA_SRC_COMMON_STRINGS_H_
#define NOOTERRA_SRC_COMMON_STRINGS_H_

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace nooterra {

namespace strings_internal {
// One piece as text: strings as views, integers formatted into the piece's own buffer. StrCat
// sizes its result from these once (one allocation; to_string made one per integer and the
// appends regrew the result), which matters on hot paths that build store keys.
class Piece {
 public:
  Piece(std::string_view s) : view_(s) {}                  // NOLINT: implicit by design
  Piece(const char* s) : view_(s) {}                       // NOLINT
  Piece(const std::string& s) : view_(s) {}                // NOLINT
  Piece(absl::string_view s) : view_(s.data(), s.size()) {}  // NOLINT
  Piece(char c) : view_(buf_, 1) { buf_[0] = c; }          // NOLINT
  template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, bool>)
  Piece(T v) {  // NOLINT
    const auto r = std::to_chars(buf_, buf_ + sizeof buf_, v);
    view_ = std::string_view(buf_, static_cast<size_t>(r.ptr - buf_));
  }
  Piece(const Piece&) = delete;
  Piece& operator=(const Piece&) = delete;
  std::string_view view() const { return view_; }

 private:
  char buf_[24];  // the longest int64/uint64 in decimal, with sign, is 20 characters
  std::string_view view_;
};

template <size_t N>
void AppendAll(std::string* out, const Piece (&pieces)[N]) {
  size_t size = out->size();
  for (const Piece& p : pieces) size += p.view().size();
  out->reserve(size);
  for (const Piece& p : pieces) out->append(p.view());
}
}  // namespace strings_internal

template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  const strings_internal::Piece all[] = {strings_internal::Piece(pieces)...};
  std::string out;
  strings_internal::AppendAll(&out, all);
  return out;
}

template <typename... Pieces>
void StrAppend(std::string* out, const Pieces&... pieces) {
  const strings_internal::Piece all[] = {strings_internal::Piece(pieces)...};
  strings_internal::AppendAll(out, all);
}

// Conversions between the two string_view types.
// Whether `v` is one of a constant list of names (enum-like protocol values).
template <size_t N>
bool OneOf(const std::string_view (&set)[N], std::string_view v) {
  for (std::string_view s : set) {
    if (s == v) return true;
  }
  return false;
}

inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// "0x" + lowercase hex of a byte, for messages about unexpected bytes.
inline std::string HexByte(unsigned char c) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  if (c >= 16) out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 15]);
  return out;
}

}  // namespace nooterra

#endif  // NOOTERRA_SRC_COMMON_STRINGS_H_
