// libFuzzer target: the JSON parser and canonical writer.
// Properties checked on every input (besides ASan/UBSan's memory and UB checks):
//   - no crash, and either a canonical form or a typed error with a reason;
//   - canonical output is a fixed point and re-parses;
//   - the streamed digest equals SHA-256 of the canonical bytes;
//   - the Canonicalizer (fast path, hashing while it parses) agrees with the Document path:
//     the same digest, or the same error; and so does it on the text after one space, which
//     sends the fast path from its identity mode to its copying mode;
//   - the one-shot CanonicalSha256 (the same code on a stack state) agrees with the Canonicalizer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nooterra;
  json::Limits limits;
  limits.depth_max = 64;  // keep the recursion of the writer cheap under ASan
  limits.document_bytes_max = 1 << 20;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto canon = json::Canonicalize(text, limits);
  json::Canonicalizer canonicalizer(limits);
  auto fast_digest = canonicalizer.Digest(text);
  auto one_shot = json::CanonicalSha256(text, limits);
  if (one_shot.status() != fast_digest.status()) std::abort();
  if (one_shot.ok() && *one_shot != *fast_digest) std::abort();
  if (!canon.ok()) {
    if (StatusReason(canon.status()).empty()) std::abort();  // every error is typed
    auto doc_error = json::Document::Parse(text, limits);
    absl::Status want = doc_error.ok() ? json::CanonicalDigest(doc_error->root()).status()
                                       : doc_error.status();
    if (want != canon.status() || fast_digest.status() != want) std::abort();
    return 0;
  }
  if (!fast_digest.ok() || *fast_digest != crypto::Sha256Digest(*canon)) std::abort();
  if (size < limits.document_bytes_max) {
    auto spaced = canonicalizer.Digest(" " + std::string(text));
    if (!spaced.ok() || *spaced != *fast_digest) std::abort();
  }
  auto again = json::Canonicalize(*canon, limits);
  if (!again.ok() || *again != *canon) std::abort();
  auto doc = json::Document::Parse(text, limits);
  if (!doc.ok()) std::abort();
  auto digest = json::CanonicalDigest(doc->root());
  if (!digest.ok() || *digest != crypto::Sha256Digest(*canon)) std::abort();
  return 0;
}
