// SHA-256, Ed25519 and the encodings the protocol uses around them.
//
// Protocol rules (../shared/protocol/verify/02-cryptography.md):
//   - hashes are SHA-256, printed as 64 lowercase hex characters;
//   - Ed25519 (RFC 8032, pure) signs the 32 raw bytes of a SHA-256 digest, never the hex text;
//   - signatures travel as standard base64 with padding (88 characters);
//   - keys travel as PEM: SPKI "PUBLIC KEY" and PKCS#8 "PRIVATE KEY";
//   - keyId = "key_" + the first 24 hex characters of SHA-256 over the exact PEM text.
//
// Backed by BoringSSL compiled into this library with hidden symbols.
// Threads: PublicKey and PrivateKey are immutable, safe to share; Sha256 is one thread at a time.
#ifndef NOOTERRA_CRYPTO_H_
#define NOOTERRA_CRYPTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace nooterra::crypto {

inline constexpr size_t kDigestBytes = 32;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kSeedBytes = 32;
// Longest PEM text we read (a real Ed25519 PEM is about 113 bytes; the slack allows line breaks).
inline constexpr size_t kPemBytesMax = 4096;

using Digest = std::array<uint8_t, kDigestBytes>;
using Signature = std::array<uint8_t, kSignatureBytes>;
using Bytes = absl::Span<const uint8_t>;

inline Bytes AsBytes(std::string_view s) {
  return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Streaming SHA-256. Finish() returns the digest and resets the object for reuse.
class Sha256 {
 public:
  Sha256();
  void Update(Bytes data);
  void Update(std::string_view data) { Update(AsBytes(data)); }
  Digest Finish();

 private:
  // Storage for BoringSSL's SHA256_CTX (checked by static_assert in src/crypto/sha256.cc), so
  // that this header does not pull OpenSSL-named headers into every user.
  alignas(8) unsigned char ctx_[112];
};

Digest Sha256Digest(Bytes data);
inline Digest Sha256Digest(std::string_view data) { return Sha256Digest(AsBytes(data)); }
// Lowercase hex of SHA-256(data).
std::string Sha256Hex(Bytes data);
inline std::string Sha256Hex(std::string_view data) { return Sha256Hex(AsBytes(data)); }

// Lowercase hex.
std::string HexEncode(Bytes data);
// Lowercase hex into out[0, 2 * data.size()) (no terminator): for callers that own the buffer,
// such as the C ABI's fixed char[65] outputs.
void HexEncodeTo(Bytes data, char* out);
// Exactly 64 hex digits (either case) to a digest; anything else is INVALID_ARGUMENT
// (reason HEX_INVALID).
absl::StatusOr<Digest> DigestFromHex(std::string_view hex);

// Standard base64 with padding.
std::string Base64Encode(Bytes data);
// Node's Buffer.from(text, "base64"): both alphabets, characters outside them skipped, stops at
// the first '=', padding optional. Never fails; the protocol then checks the length it needs.
std::string Base64DecodeLenient(std::string_view text);
// Strict standard base64 (whitespace between groups allowed, padding required where due).
absl::StatusOr<std::string> Base64DecodeStrict(std::string_view text);

// Constant-time equality for secrets (lengths are not secret).
bool ConstantTimeEquals(Bytes a, Bytes b);

// keyId of a PEM text, hashed exactly as given (trailing newline included).
std::string KeyIdFromPem(std::string_view pem_text);

class PublicKey {
 public:
  // Any PEM "PUBLIC KEY" whose body decodes to the 44-byte Ed25519 SubjectPublicKeyInfo.
  // INVALID_ARGUMENT with reason KEY_INVALID_PEM otherwise.
  static absl::StatusOr<PublicKey> FromPem(std::string_view pem);
  static absl::StatusOr<PublicKey> FromRaw(Bytes raw32);

  const std::array<uint8_t, kPublicKeyBytes>& raw() const { return raw_; }
  // The canonical PEM (as Node writes it: one base64 line, trailing newline).
  std::string ToPem() const;
  // keyId of ToPem().
  std::string KeyId() const { return KeyIdFromPem(ToPem()); }
  // True when `signature` is a valid Ed25519 signature of the 32 digest bytes. A signature of
  // any length other than 64 bytes is simply invalid.
  bool Verify(const Digest& digest, Bytes signature) const;

 private:
  friend class PrivateKey;
  PublicKey() = default;
  std::array<uint8_t, kPublicKeyBytes> raw_{};
};

// An Ed25519 private key. Move-only; the secret is wiped when the object dies.
class PrivateKey {
 public:
  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  // Deterministic: the same 32-byte seed always gives the same key.
  static absl::StatusOr<PrivateKey> FromSeed(Bytes seed32);
  // PKCS#8 "PRIVATE KEY" PEM of an Ed25519 key (48-byte DER). INVALID_ARGUMENT, reason
  // KEY_INVALID_PEM, otherwise.
  static absl::StatusOr<PrivateKey> FromPem(std::string_view pem);
  // A fresh key from the operating system's CSPRNG. The only non-deterministic function of the
  // library; everything else takes keys and seeds as arguments.
  static absl::StatusOr<PrivateKey> Generate();

  std::string ToPem() const;
  PublicKey public_key() const;
  Signature Sign(const Digest& digest) const;
  // Base64 signature of a digest given as 64 hex characters (the protocol's signHashHex).
  absl::StatusOr<std::string> SignHashHex(std::string_view hash_hex) const;

 private:
  PrivateKey() = default;
  void Wipe();
  std::array<uint8_t, 64> key_{};  // BoringSSL layout: seed || public key
};

}  // namespace nooterra::crypto

#endif  // NOOTERRA_CRYPTO_H_
