// libFuzzer target: PEM key parsing and both base64 decoders. Every input must give a key or
// a typed error; a key that parses must re-emit a PEM that parses to the same key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nooterra/crypto.h"
#include "nooterra/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nooterra::crypto;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto pub = PublicKey::FromPem(text); pub.ok()) {
    auto again = PublicKey::FromPem(pub->ToPem());
    if (!again.ok() || again->raw() != pub->raw()) std::abort();
  } else if (nooterra::StatusReason(pub.status()).empty()) {
    std::abort();
  }
  if (auto priv = PrivateKey::FromPem(text); priv.ok()) {
    auto again = PrivateKey::FromPem(priv->ToPem());
    if (!again.ok() || again->public_key().raw() != priv->public_key().raw()) std::abort();
  }
  std::string lenient = Base64DecodeLenient(text);
  if (lenient.size() > size) std::abort();
  if (auto strict = Base64DecodeStrict(text); strict.ok()) {
    // Canonical base64 round-trips exactly; the lenient decoder agrees on it.
    if (Base64DecodeLenient(Base64Encode(AsBytes(*strict))) != *strict) std::abort();
  }
  return 0;
}
