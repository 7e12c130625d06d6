// Helpers shared by the JSON parser and writer. Not installed.
#ifndef NOOTERRA_SRC_JSON_INTERNAL_H_
#define NOOTERRA_SRC_JSON_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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
int Utf8Sequence(const uint8_t* p);

// Appends the UTF-8 (or, for surrogates, generalized UTF-8) encoding of code point cp.
void AppendCodePoint(uint32_t cp, std::string* out);

// The value of an array-index-like key ("0".."4294967294", canonical spelling), or -1.
int64_t ArrayIndexValue(std::string_view key);

}  // namespace nooterra::json::internal

#endif  // NOOTERRA_SRC_JSON_INTERNAL_H_
