// Event streams (04-shared-building-blocks.md §13) and bundle manifests (§2-§5).
#ifndef NOOTERRA_SRC_VERIFY_EVENTS_H_
#define NOOTERRA_SRC_VERIFY_EVENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "verify/governance.h"

namespace nooterra::verify::internal {

// The head a snapshot declares (non-blank strings only).
struct DeclaredHead {
  std::optional<std::string> chain_hash, event_id;
};

std::string PayloadHashHex(json::Value material);

// nullptr when the stream verifies, else the reason (e.g. "signature invalid at index 0").
Fail VerifyStream(const std::vector<json::Document>& events, const std::vector<json::Document>& material,
                  const KeyFile& keys, const DeclaredHead& declared, bool strict);

// ---- manifests ----
// §2 path pre-validation over every entry (before the manifest hash).
Fail ValidateManifestPaths(json::Value manifest);
// §3 manifest hash; *hash receives the computed (= declared) hash on success.
Fail CheckManifestHash(json::Value manifest, std::string* hash);
// §4: the names of `required` missing from manifest.files[].name.
std::vector<std::string> MissingRequired(json::Value manifest, std::initializer_list<std::string_view> required);
Fail MissingRequiredFail(const std::vector<std::string>& missing);
// §5 file hashes, in parallel over Options::hash_concurrency threads; the first failing entry in
// manifest order wins. `missing_code` is "missing file" ([J][M][F]) or "failed to hash file".
Fail CheckFileHashes(const Scope& b, json::Value manifest, std::string_view missing_code);
// True when `name` is listed in manifest.files.
bool ManifestLists(json::Value manifest, std::string_view name);

}  // namespace nooterra::verify::internal

#endif  // NOOTERRA_SRC_VERIFY_EVENTS_H_
