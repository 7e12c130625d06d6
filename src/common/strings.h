// String concatenation for messages. Debian's Abseil is built with its own absl::string_view
// (not an alias of std::string_view), so absl::StrCat cannot take std::string_view; this small
// replacement accepts std::string_view, C strings, chars and integers.
#ifndef NOOTERRA_SRC_COMMON_STRINGS_H_
#define NOOTERRA_SRC_COMMON_STRINGS_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace nooterra {

namespace strings_internal {
inline void Append(std::string* out, std::string_view s) { out->append(s); }
inline void Append(std::string* out, const char* s) { out->append(s); }
inline void Append(std::string* out, const std::string& s) { out->append(s); }
inline void Append(std::string* out, char c) { out->push_back(c); }
inline void Append(std::string* out, absl::string_view s) { out->append(s.data(), s.size()); }
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, bool>)
inline void Append(std::string* out, T v) {
  out->append(std::to_string(v));
}
}  // namespace strings_internal

template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  std::string out;
  (strings_internal::Append(&out, pieces), ...);
  return out;
}

template <typename... Pieces>
void StrAppend(std::string* out, const Pieces&... pieces) {
  (strings_internal::Append(out, pieces), ...);
}

// Conversions between the two string_view types.
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
