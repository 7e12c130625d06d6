// Hex and base64, written out rather than borrowed from BoringSSL because the protocol needs
// Node's exact lenient base64 behaviour, which no library offers.
#include <openssl/mem.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/status.h"

namespace nooterra::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 0..63 for both the standard and the URL-safe alphabet, -1 for anything else.
constexpr std::array<int8_t, 256> MakeLenientTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  t['-'] = 62;
  t['_'] = 63;
  return t;
}
constexpr std::array<int8_t, 256> kLenient = MakeLenientTable();

}  // namespace

void HexEncodeTo(Bytes data, char* out) {
  const uint8_t* in = data.data();
  size_t n = data.size();
#if defined(__SSE2__)
  // 16 bytes at a time (every digest is hex-encoded, often twice): split into nibbles, interleave
  // high and low, and add '0', plus 'a' - '0' - 10 = 39 where the nibble is above 9. A byte loop
  // is ~12 instructions per byte (the stores may alias the input, so nothing stays in registers).
  const __m128i low_nibble = _mm_set1_epi8(0x0f);
  auto digits = [](__m128i nibbles) {
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8(39));
    return _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letter);
  };
  for (; n >= 16; n -= 16, in += 16, out += 32) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(v, 4), low_nibble);
    const __m128i low = _mm_and_si128(v, low_nibble);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), digits(_mm_unpacklo_epi8(high, low)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), digits(_mm_unpackhi_epi8(high, low)));
  }
#endif
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHexDigits[in[i] >> 4];
    out[2 * i + 1] = kHexDigits[in[i] & 15];
  }
}

std::string HexEncode(Bytes data) {
  std::string out(data.size() * 2, '\0');
  HexEncodeTo(data, out.data());
  return out;
}

absl::StatusOr<Digest> DigestFromHex(std::string_view hex) {
  if (hex.size() != 2 * kDigestBytes) {
    return MakeError(absl::StatusCode::kInvalidArgument, "HEX_INVALID",
                     StrCat("a SHA-256 hash is 64 hex characters, got ", hex.size()));
  }
  Digest out;
  for (size_t i = 0; i < kDigestBytes; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return MakeError(absl::StatusCode::kInvalidArgument, "HEX_INVALID",
                       StrCat("not a hex digit at position ", hi < 0 ? 2 * i : 2 * i + 1),
                       hi < 0 ? 2 * i : 2 * i + 1);
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string Base64Encode(Bytes data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8 | data[i + 2];
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{data[i]} << 16 | (rest == 2 ? uint32_t{data[i + 1]} << 8 : 0);
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string Base64DecodeLenient(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;  // Node stops at the first padding character
    int v = kLenient[static_cast<uint8_t>(c)];
    if (v < 0) continue;  // and skips everything outside the two alphabets
    acc = (acc << 6 | static_cast<uint32_t>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

absl::StatusOr<std::string> Base64DecodeStrict(std::string_view text) {
  // Collect the symbols, remembering each one's byte offset for error messages.
  std::string symbols;
  std::vector<size_t> where;
  symbols.reserve(text.size());
  where.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    symbols.push_back(c);
    where.push_back(i);
  }
  auto fail = [&](size_t symbol, std::string_view why) {
    size_t at = symbol < where.size() ? where[symbol] : text.size();
    return MakeError(absl::StatusCode::kInvalidArgument, "BASE64_INVALID",
                     StrCat("invalid base64 at byte ", at, ": ", why), at);
  };
  if (symbols.size() % 4 != 0) return fail(symbols.size(), "length is not a multiple of 4");
  size_t padding = 0;
  while (padding < 2 && padding < symbols.size() && symbols[symbols.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string out;
  out.reserve(symbols.size() / 4 * 3);
  uint32_t acc = 0;
  size_t data = symbols.size() - padding;
  for (size_t i = 0; i < data; ++i) {
    char c = symbols[i];
    int v = (c == '-' || c == '_') ? -1 : kLenient[static_cast<uint8_t>(c)];
    if (v < 0) return fail(i, c == '=' ? "misplaced padding" : "character outside the alphabet");
    acc = acc << 6 | static_cast<uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>(acc >> 16));
      out.push_back(static_cast<char>(acc >> 8));
      out.push_back(static_cast<char>(acc));
      acc = 0;
    }
  }
  // A padded final group holds 2 symbols (one byte, 4 spare bits) or 3 (two bytes, 2 spare
  // bits); the spare bits must be zero so that every byte string has exactly one encoding.
  if (padding == 2) {
    if (acc & 0xF) return fail(data - 1, "non-zero bits before padding");
    out.push_back(static_cast<char>(acc >> 4));
  } else if (padding == 1) {
    if (acc & 0x3) return fail(data - 1, "non-zero bits before padding");
    out.push_back(static_cast<char>(acc >> 10));
    out.push_back(static_cast<char>(acc >> 2));
  }
  return out;
}

bool ConstantTimeEquals(Bytes a, Bytes b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace nooterra::crypto
