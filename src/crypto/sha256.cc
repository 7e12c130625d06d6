// SHA-256 over BoringSSL (SHA-NI / AVX2 paths selected at run time by BoringSSL itself).
#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "nooterra must be compiled against BoringSSL (cmake/BoringSSL.cmake), not OpenSSL"
#endif
#include <openssl/sha.h>

#include <cstring>

#include "nooterra/crypto.h"

namespace nooterra::crypto {

static_assert(sizeof(SHA256_CTX) <= sizeof(Sha256), "Sha256 storage too small for SHA256_CTX");

namespace {
SHA256_CTX* Ctx(unsigned char* storage) { return reinterpret_cast<SHA256_CTX*>(storage); }
}  // namespace

Sha256::Sha256() { SHA256_Init(Ctx(ctx_)); }

void Sha256::Update(Bytes data) {
  if (!data.empty()) SHA256_Update(Ctx(ctx_), data.data(), data.size());
}

Digest Sha256::Finish() {
  Digest out;
  SHA256_Final(out.data(), Ctx(ctx_));
  SHA256_Init(Ctx(ctx_));
  return out;
}

Digest Sha256Digest(Bytes data) {
  Digest out;
  SHA256(data.data(), data.size(), out.data());
  return out;
}

std::string Sha256Hex(Bytes data) {
  Digest d = Sha256Digest(data);
  return HexEncode(d);
}

}  // namespace nooterra::crypto
