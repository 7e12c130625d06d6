// C ABI of the crypto module: SHA-256, Ed25519 keys and signatures, base64.
#include <cstring>
#include <new>
#include <string>

#include "internal.h"
#include "nooterra/crypto.h"

struct nooterra_sha256_t {
  nooterra::crypto::Sha256 sha;
};

using namespace nooterra;  // NOLINT: translation unit of C entry points only

namespace {

absl::Status DigestArg(const uint8_t* digest, size_t size, crypto::Digest* out) {
  if (digest == nullptr) return capi::NullArgument("digest");
  if (size != crypto::kDigestBytes) {
    return MakeError(absl::StatusCode::kInvalidArgument, "DIGEST_LENGTH",
                     "digest must be exactly 32 bytes (a raw SHA-256)");
  }
  std::memcpy(out->data(), digest, crypto::kDigestBytes);
  return absl::OkStatus();
}

std::string_view Text(const char* p, size_t size) {
  return size == 0 ? std::string_view() : std::string_view(p, size);
}

absl::Status PrivateOut(absl::StatusOr<crypto::PrivateKey> key, nooterra_private_key_t** out) {
  if (!key.ok()) return key.status();
  *out = new nooterra_private_key_t{std::move(*key)};
  return absl::OkStatus();
}

absl::Status PublicOut(absl::StatusOr<crypto::PublicKey> key, nooterra_public_key_t** out) {
  if (!key.ok()) return key.status();
  *out = new nooterra_public_key_t{*key};
  return absl::OkStatus();
}

void WriteKeyId(const std::string& id, char out[NOOTERRA_KEY_ID_SIZE]) {
  static_assert(NOOTERRA_KEY_ID_SIZE == 4 + 24 + 1);
  std::memcpy(out, id.c_str(), NOOTERRA_KEY_ID_SIZE);
}

}  // namespace

extern "C" {

int32_t nooterra_sha256(const uint8_t* data, size_t size, uint8_t out[32],
                        nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (data == nullptr && size > 0) return capi::NullArgument("data");
    crypto::Digest d = crypto::Sha256Digest(crypto::Bytes(data, size));
    std::memcpy(out, d.data(), d.size());
    return absl::OkStatus();
  });
}

int32_t nooterra_sha256_hex(const uint8_t* data, size_t size, char out_hex[65],
                            nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_hex == nullptr) return capi::NullArgument("out_hex");
    if (data == nullptr && size > 0) return capi::NullArgument("data");
    crypto::HexEncodeTo(crypto::Sha256Digest(crypto::Bytes(data, size)), out_hex);
    out_hex[64] = '\0';
    return absl::OkStatus();
  });
}

int32_t nooterra_sha256_new(nooterra_sha256_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    *out = new nooterra_sha256_t;
    return absl::OkStatus();
  });
}

int32_t nooterra_sha256_update(nooterra_sha256_t* sha, const uint8_t* data, size_t size,
                               nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (sha == nullptr) return capi::NullArgument("sha");
    if (data == nullptr && size > 0) return capi::NullArgument("data");
    sha->sha.Update(crypto::Bytes(data, size));
    return absl::OkStatus();
  });
}

int32_t nooterra_sha256_final(nooterra_sha256_t* sha, uint8_t out[32], nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (sha == nullptr) return capi::NullArgument("sha");
    if (out == nullptr) return capi::NullArgument("out");
    crypto::Digest d = sha->sha.Finish();
    std::memcpy(out, d.data(), d.size());
    return absl::OkStatus();
  });
}

void nooterra_sha256_free(nooterra_sha256_t* sha) { delete sha; }

int32_t nooterra_private_key_generate(nooterra_private_key_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    return PrivateOut(crypto::PrivateKey::Generate(), out);
  });
}

int32_t nooterra_private_key_from_seed(const uint8_t* seed, size_t seed_size,
                                       nooterra_private_key_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (seed == nullptr) return capi::NullArgument("seed");
    return PrivateOut(crypto::PrivateKey::FromSeed(crypto::Bytes(seed, seed_size)), out);
  });
}

int32_t nooterra_private_key_from_pem(const char* pem, size_t pem_size,
                                      nooterra_private_key_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (pem == nullptr && pem_size > 0) return capi::NullArgument("pem");
    return PrivateOut(crypto::PrivateKey::FromPem(Text(pem, pem_size)), out);
  });
}

int32_t nooterra_private_key_to_pem(const nooterra_private_key_t* key, nooterra_buffer_t* out_pem,
                                    nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out_pem == nullptr) return capi::NullArgument("out_pem");
    std::string pem = key->key.ToPem();
    absl::Status s = capi::FillBuffer(pem, out_pem);
    std::fill(pem.begin(), pem.end(), '\0');  // the PEM holds the secret seed
    return s;
  });
}

int32_t nooterra_private_key_public_key(const nooterra_private_key_t* key,
                                        nooterra_public_key_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out == nullptr) return capi::NullArgument("out");
    *out = new nooterra_public_key_t{key->key.public_key()};
    return absl::OkStatus();
  });
}

int32_t nooterra_private_key_sign(const nooterra_private_key_t* key, const uint8_t* digest,
                                  size_t digest_size, uint8_t out_signature[64],
                                  nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out_signature == nullptr) return capi::NullArgument("out_signature");
    crypto::Digest d;
    if (absl::Status s = DigestArg(digest, digest_size, &d); !s.ok()) return s;
    crypto::Signature sig = key->key.Sign(d);
    std::memcpy(out_signature, sig.data(), sig.size());
    return absl::OkStatus();
  });
}

void nooterra_private_key_free(nooterra_private_key_t* key) { delete key; }

int32_t nooterra_public_key_from_pem(const char* pem, size_t pem_size, nooterra_public_key_t** out,
                                     nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (pem == nullptr && pem_size > 0) return capi::NullArgument("pem");
    return PublicOut(crypto::PublicKey::FromPem(Text(pem, pem_size)), out);
  });
}

int32_t nooterra_public_key_from_raw(const uint8_t* raw, size_t raw_size,
                                     nooterra_public_key_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (raw == nullptr) return capi::NullArgument("raw");
    return PublicOut(crypto::PublicKey::FromRaw(crypto::Bytes(raw, raw_size)), out);
  });
}

int32_t nooterra_public_key_to_pem(const nooterra_public_key_t* key, nooterra_buffer_t* out_pem,
                                   nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out_pem == nullptr) return capi::NullArgument("out_pem");
    return capi::FillBuffer(key->key.ToPem(), out_pem);
  });
}

int32_t nooterra_public_key_raw(const nooterra_public_key_t* key, uint8_t out[32],
                                nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out == nullptr) return capi::NullArgument("out");
    std::memcpy(out, key->key.raw().data(), crypto::kPublicKeyBytes);
    return absl::OkStatus();
  });
}

int32_t nooterra_public_key_id(const nooterra_public_key_t* key,
                               char out_key_id[NOOTERRA_KEY_ID_SIZE], nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out_key_id == nullptr) return capi::NullArgument("out_key_id");
    WriteKeyId(key->key.KeyId(), out_key_id);
    return absl::OkStatus();
  });
}

int32_t nooterra_public_key_verify(const nooterra_public_key_t* key, const uint8_t* digest,
                                   size_t digest_size, const uint8_t* signature,
                                   size_t signature_size, int32_t* out_valid,
                                   nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (key == nullptr) return capi::NullArgument("key");
    if (out_valid == nullptr) return capi::NullArgument("out_valid");
    if (signature == nullptr && signature_size > 0) return capi::NullArgument("signature");
    crypto::Digest d;
    if (absl::Status s = DigestArg(digest, digest_size, &d); !s.ok()) return s;
    *out_valid = key->key.Verify(d, crypto::Bytes(signature, signature_size)) ? 1 : 0;
    return absl::OkStatus();
  });
}

void nooterra_public_key_free(nooterra_public_key_t* key) { delete key; }

int32_t nooterra_key_id_from_pem(const char* pem, size_t pem_size,
                                 char out_key_id[NOOTERRA_KEY_ID_SIZE], nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_key_id == nullptr) return capi::NullArgument("out_key_id");
    if (pem == nullptr && pem_size > 0) return capi::NullArgument("pem");
    WriteKeyId(crypto::KeyIdFromPem(Text(pem, pem_size)), out_key_id);
    return absl::OkStatus();
  });
}

int32_t nooterra_base64_encode(const uint8_t* data, size_t size, nooterra_buffer_t* out,
                               nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (data == nullptr && size > 0) return capi::NullArgument("data");
    return capi::FillBuffer(crypto::Base64Encode(crypto::Bytes(data, size)), out);
  });
}

int32_t nooterra_base64_decode(const char* text, size_t size, nooterra_buffer_t* out,
                               nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out == nullptr) return capi::NullArgument("out");
    if (text == nullptr && size > 0) return capi::NullArgument("text");
    return capi::FillBuffer(crypto::Base64DecodeLenient(Text(text, size)), out);
  });
}

}  // extern "C"
