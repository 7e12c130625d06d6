// Ed25519 keys, PEM encodings and signatures over digest bytes.
#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "nooterra must be compiled against BoringSSL (cmake/BoringSSL.cmake), not OpenSSL"
#endif
#include <openssl/curve25519.h>
#include <openssl/mem.h>
#include <openssl/rand.h>

#include <cstring>
#include <string>

#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/status.h"

namespace nooterra::crypto {
namespace {

// DER prefixes (RFC 8410): SubjectPublicKeyInfo and PKCS#8 OneAsymmetricKey v1, each followed
// by the 32 key bytes.
constexpr uint8_t kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
                                   0x70, 0x03, 0x21, 0x00};
constexpr uint8_t kPkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                    0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr std::string_view kPublicLabel = "PUBLIC KEY";
constexpr std::string_view kPrivateLabel = "PRIVATE KEY";

absl::Status PemError(std::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, "KEY_INVALID_PEM", message);
}

// Extracts and strictly decodes the body between "-----BEGIN <label>-----" and
// "-----END <label>-----". Text around the block (leading/trailing whitespace) is allowed, as
// OpenSSL allows it; a missing trailing newline is fine.
absl::StatusOr<std::string> PemBody(std::string_view pem, std::string_view label) {
  if (pem.size() > kPemBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "KEY_INVALID_PEM",
                     StrCat("PEM text is ", pem.size(), " bytes; the limit is ",
                                  kPemBytesMax));
  }
  std::string begin = StrCat("-----BEGIN ", label, "-----");
  std::string end = StrCat("-----END ", label, "-----");
  size_t b = pem.find(begin);
  if (b == std::string_view::npos) return PemError(StrCat("no '", begin, "' line"));
  for (size_t i = 0; i < b; ++i) {
    if (pem[i] != ' ' && pem[i] != '\n' && pem[i] != '\r' && pem[i] != '\t') {
      return PemError("unexpected text before the PEM header");
    }
  }
  size_t body_start = b + begin.size();
  size_t e = pem.find(end, body_start);
  if (e == std::string_view::npos) return PemError(StrCat("no '", end, "' line"));
  for (size_t i = e + end.size(); i < pem.size(); ++i) {
    if (pem[i] != ' ' && pem[i] != '\n' && pem[i] != '\r' && pem[i] != '\t') {
      return PemError("unexpected text after the PEM footer");
    }
  }
  auto der = Base64DecodeStrict(pem.substr(body_start, e - body_start));
  if (!der.ok()) return PemError(StrCat("PEM body: ", der.status().message()));
  return der;
}

std::string PemWrap(std::string_view label, Bytes der) {
  // Node wraps base64 at 64 characters; Ed25519 keys fit on one line either way.
  std::string b64 = Base64Encode(der);
  std::string out = StrCat("-----BEGIN ", label, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    StrAppend(&out, b64.substr(i, 64), "\n");
  }
  StrAppend(&out, "-----END ", label, "-----\n");
  return out;
}

}  // namespace

std::string KeyIdFromPem(std::string_view pem_text) {
  return StrCat("key_", Sha256Hex(pem_text).substr(0, 24));
}

// --- PublicKey ---------------------------------------------------------------------------

absl::StatusOr<PublicKey> PublicKey::FromPem(std::string_view pem) {
  auto der = PemBody(pem, kPublicLabel);
  if (!der.ok()) return der.status();
  if (der->size() != sizeof(kSpkiPrefix) + kPublicKeyBytes ||
      std::memcmp(der->data(), kSpkiPrefix, sizeof(kSpkiPrefix)) != 0) {
    return PemError(StrCat("not an Ed25519 SubjectPublicKeyInfo (", der->size(),
                                 " DER bytes; expected 44 with OID 1.3.101.112)"));
  }
  return FromRaw(AsBytes(*der).subspan(sizeof(kSpkiPrefix)));
}

absl::StatusOr<PublicKey> PublicKey::FromRaw(Bytes raw32) {
  if (raw32.size() != kPublicKeyBytes) {
    return MakeError(absl::StatusCode::kInvalidArgument, "KEY_INVALID_LENGTH",
                     StrCat("an Ed25519 public key is 32 bytes, got ", raw32.size()));
  }
  PublicKey key;
  std::memcpy(key.raw_.data(), raw32.data(), kPublicKeyBytes);
  return key;
}

std::string PublicKey::ToPem() const {
  uint8_t der[sizeof(kSpkiPrefix) + kPublicKeyBytes];
  std::memcpy(der, kSpkiPrefix, sizeof(kSpkiPrefix));
  std::memcpy(der + sizeof(kSpkiPrefix), raw_.data(), kPublicKeyBytes);
  return PemWrap(kPublicLabel, Bytes(der, sizeof(der)));
}

bool PublicKey::Verify(const Digest& digest, Bytes signature) const {
  if (signature.size() != kSignatureBytes) return false;
  return ED25519_verify(digest.data(), digest.size(), signature.data(), raw_.data()) == 1;
}

// --- PrivateKey --------------------------------------------------------------------------

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : key_(other.key_) { other.Wipe(); }

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    key_ = other.key_;
    other.Wipe();
  }
  return *this;
}

PrivateKey::~PrivateKey() { Wipe(); }

void PrivateKey::Wipe() { OPENSSL_cleanse(key_.data(), key_.size()); }

absl::StatusOr<PrivateKey> PrivateKey::FromSeed(Bytes seed32) {
  if (seed32.size() != kSeedBytes) {
    return MakeError(absl::StatusCode::kInvalidArgument, "KEY_INVALID_LENGTH",
                     StrCat("an Ed25519 seed is 32 bytes, got ", seed32.size()));
  }
  PrivateKey key;
  uint8_t public_key[32];
  ED25519_keypair_from_seed(public_key, key.key_.data(), seed32.data());
  return key;
}

absl::StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  auto der = PemBody(pem, kPrivateLabel);
  if (!der.ok()) return der.status();
  bool ok = der->size() == sizeof(kPkcs8Prefix) + kSeedBytes &&
            std::memcmp(der->data(), kPkcs8Prefix, sizeof(kPkcs8Prefix)) == 0;
  absl::StatusOr<PrivateKey> key =
      ok ? FromSeed(AsBytes(*der).subspan(sizeof(kPkcs8Prefix)))
         : PemError(StrCat("not an Ed25519 PKCS#8 key (", der->size(),
                                 " DER bytes; expected 48 with OID 1.3.101.112)"));
  OPENSSL_cleanse(der->data(), der->size());
  return key;
}

absl::StatusOr<PrivateKey> PrivateKey::Generate() {
  uint8_t seed[kSeedBytes];
  RAND_bytes(seed, sizeof(seed));  // BoringSSL aborts rather than return weak randomness
  auto key = FromSeed(Bytes(seed, sizeof(seed)));
  OPENSSL_cleanse(seed, sizeof(seed));
  return key;
}

std::string PrivateKey::ToPem() const {
  uint8_t der[sizeof(kPkcs8Prefix) + kSeedBytes];
  std::memcpy(der, kPkcs8Prefix, sizeof(kPkcs8Prefix));
  std::memcpy(der + sizeof(kPkcs8Prefix), key_.data(), kSeedBytes);
  std::string pem = PemWrap(kPrivateLabel, Bytes(der, sizeof(der)));
  OPENSSL_cleanse(der, sizeof(der));
  return pem;
}

PublicKey PrivateKey::public_key() const {
  PublicKey pub;
  std::memcpy(pub.raw_.data(), key_.data() + kSeedBytes, kPublicKeyBytes);
  return pub;
}

Signature PrivateKey::Sign(const Digest& digest) const {
  Signature sig;
  int ok = ED25519_sign(sig.data(), digest.data(), digest.size(), key_.data());
  // ED25519_sign cannot fail for a well-formed key; a failure means memory corruption, and a
  // garbage signature must never leave the library.
  if (ok != 1) __builtin_trap();
  return sig;
}

absl::StatusOr<std::string> PrivateKey::SignHashHex(std::string_view hash_hex) const {
  auto digest = DigestFromHex(hash_hex);
  if (!digest.ok()) return digest.status();
  Signature sig = Sign(*digest);
  return Base64Encode(sig);
}

}  // namespace nooterra::crypto
