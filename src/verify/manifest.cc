// Bundle manifests: path rules, manifest hash, required names and file hashes
// (04-shared-building-blocks.md §2-§5, 12-security-cases.md).
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <unordered_map>

#include "common/strings.h"
#include "verify/events.h"

namespace nooterra::verify::internal {

namespace {

// §2 step 1: "" when the name is acceptable, else the reason.
const char* PathSyntaxReason(json::Value name) {
  if (!name.is_string() || IsBlank(name.as_string())) return "empty";
  std::string_view s = name.as_string();
  if (s.front() == '/') return "absolute";
  if (s.find('\\') != std::string_view::npos) return "backslash";
  if (s.find('\0') != std::string_view::npos) return "nul";
  if (s.find(':') != std::string_view::npos) return "colon";
  if (s.back() == '/') return "trailing_slash";
  size_t start = 0;
  while (true) {
    const size_t slash = s.find('/', start);
    std::string_view seg = s.substr(start, slash == std::string_view::npos ? s.npos : slash - start);
    if (seg.empty()) return "segment";
    if (seg == "." || seg == "..") return "traversal";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

Fail PathInvalid(json::Value name, const char* reason) {
  const bool named = name.is_string() && !IsBlank(name.as_string());
  Fail f = FPath("MANIFEST_PATH_INVALID", named ? std::string(name.as_string()) : std::string());
  f = WithJson(std::move(f), "name", name.is_string() ? Quote(name.as_string()) : std::string("null"));
  return With(std::move(f), "reason", reason);
}

}  // namespace

Fail ValidateManifestPaths(json::Value manifest) {
  json::Value files = manifest.Find("files");
  if (!files.present()) return nullptr;
  if (!files.is_array()) {
    // The reference crashes on an object and hashes nothing for a string; both are refused here.
    return FMessage("MANIFEST_FILES_INVALID", "", "manifest.files must be an array");
  }
  std::set<std::string_view> seen;
  std::unordered_map<std::string, std::string_view> folded;
  for (size_t i = 0; i < files.size(); ++i) {
    json::Value name = files.at(i).Find("name");
    if (const char* reason = PathSyntaxReason(name); *reason) return PathInvalid(name, reason);
    std::string_view s = name.as_string();
    if (!seen.insert(s).second) return FPath("MANIFEST_DUPLICATE_PATH", std::string(s));
    auto [it, inserted] = folded.emplace(LowerJs(s), s);
    if (!inserted && it->second != s) {
      return With(FPath("MANIFEST_PATH_CASE_COLLISION", std::string(s)), "conflict", it->second);
    }
  }
  return nullptr;
}

Fail CheckManifestHash(json::Value manifest, std::string* hash) {
  // The reference compares String(manifestHash): absent, null and "" are "missing"; any other
  // non-string can never equal a hex hash, so it is a mismatch.
  json::Value declared = manifest.Find("manifestHash");
  if (!declared.present() || declared.is_null() || (declared.is_string() && declared.as_string().empty())) {
    return F("manifest missing manifestHash");
  }
  const std::string computed = HashHex(manifest, {"manifestHash"});
  if (!declared.is_string() || declared.as_string() != computed) {
    Fail f = F("manifestHash mismatch");
    f = WithJson(std::move(f), "expected", CanonicalOf(declared));
    return With(std::move(f), "actual", computed);
  }
  *hash = computed;
  return nullptr;
}

bool ManifestLists(json::Value manifest, std::string_view name) {
  json::Value files = manifest.Find("files");
  for (size_t i = 0; i < files.size(); ++i) {
    if (Str(files.at(i), "name") == std::optional<std::string_view>(name)) return true;
  }
  return false;
}

std::vector<std::string> MissingRequired(json::Value manifest, std::initializer_list<std::string_view> required) {
  std::vector<std::string> missing;
  for (std::string_view r : required) {
    if (!ManifestLists(manifest, r)) missing.emplace_back(r);
  }
  return missing;
}

Fail MissingRequiredFail(const std::vector<std::string>& missing) {
  std::string list = "[";
  for (size_t i = 0; i < missing.size(); ++i) list += (i ? "," : "") + Quote(missing[i]);
  list += "]";
  return WithJson(F("manifest missing required files"), "missing", list);
}

Fail CheckFileHashes(const Scope& b, json::Value manifest, std::string_view missing_code) {
  json::Value files = manifest.Find("files");
  if (files.size() > b.options->limits.manifest_files_max) {
    return FMessage("BUNDLE_LIMIT_MANIFEST_FILES", "",
                    StrCat("manifest lists ", files.size(), " files; VerifyLimits.manifest_files_max is ",
                           b.options->limits.manifest_files_max));
  }
  struct Work {
    std::string_view name, sha256;
    FileState state = FileState::kOk;
    std::string actual;
  };
  std::vector<Work> work;
  for (size_t i = 0; i < files.size(); ++i) {
    json::Value f = files.at(i);
    auto name = Str(f, "name");
    auto sha = Str(f, "sha256");
    if (name && !sha) {
      // The reference silently skips such entries, so a tampered file passes; we refuse.
      return FMessage("MANIFEST_ENTRY_SHA256_MISSING", std::string(*name),
                      StrCat("manifest entry ", *name, " has no sha256 string"));
    }
    if (name && sha) work.push_back({*name, *sha, FileState::kOk, std::string()});
  }
  const std::string prefix = b.prefix;
  const uint64_t max_bytes = b.options->limits.file_bytes_max;
  const auto hash_one = [&](Work& w) {
    crypto::Digest digest;
    w.state = b.dir->Hash(prefix + std::string(w.name), max_bytes, &digest);
    if (w.state == FileState::kOk) w.actual = crypto::HexEncode(crypto::Bytes(digest.data(), digest.size()));
  };
  // Threads pay off only with many files; small bundles hash inline (thread start costs more).
  const size_t threads = std::min<size_t>(b.options->hash_concurrency, (work.size() + 15) / 16);
  if (threads <= 1) {
    for (Work& w : work) hash_one(w);
  } else {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < work.size();) hash_one(work[i]);
      });
    }
    for (auto& t : pool) t.join();
  }
  for (const Work& w : work) {
    const std::string name(w.name);
    switch (w.state) {
      case FileState::kOk:
        if (w.actual != w.sha256) {
          Fail f = FPath("sha256 mismatch", name);
          f = With(std::move(f), "name", name);
          f = With(std::move(f), "expected", w.sha256);
          return With(std::move(f), "actual", w.actual);
        }
        break;
      case FileState::kSymlink:
        return With(FPath("MANIFEST_SYMLINK_FORBIDDEN", name), "name", name);
      case FileState::kMissing:
        return With(FPath(std::string(missing_code), name), "name", name);
      case FileState::kTooLarge:
        return FMessage("BUNDLE_LIMIT_FILE_BYTES", name,
                        StrCat(name, " is larger than VerifyLimits.file_bytes_max (", max_bytes, " bytes)"));
      case FileState::kNotRegular:
      case FileState::kIoError:
        return With(FPath("failed to hash file", name), "name", name);
    }
  }
  return nullptr;
}

}  // namespace nooterra::verify::internal
