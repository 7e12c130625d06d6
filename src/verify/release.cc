// Release directory verification (include/nooterra/release.h). The steps and their order follow
// the reference's verifyReleaseDir so that the same inputs give the same error list; where the
// reference crashes or silently accepts malformed input, this code reports an error instead (see
// conformance/README.md, "nooterra-release").
#include "nooterra/release.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "common/strings.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"
#include "verify/release_internal.h"

namespace nooterra::release {
namespace {

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

absl::Status FileError(std::string_view what, int err) {
  // Messages never quote file-system paths: they may not be UTF-8, and the output is JSON.
  return MakeError(absl::StatusCode::kNotFound, "FILE_UNREADABLE",
                   StrCat(what, ": ", err == ELOOP ? "is a symbolic link" : std::strerror(err)));
}

// Opens `name` below `dirfd` for reading and checks that it is a regular file. O_NONBLOCK keeps
// a FIFO planted in the directory from blocking the verifier forever.
absl::StatusOr<Fd> OpenRegular(int dirfd, const char* name, bool follow_links,
                               std::string_view what, struct stat* st) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_links ? 0 : O_NOFOLLOW);
  Fd fd(::openat(dirfd, name, flags));
  if (!fd.valid()) return FileError(what, errno);
  if (::fstat(fd.get(), st) != 0) return FileError(what, errno);
  if (!S_ISREG(st->st_mode)) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "FILE_NOT_REGULAR",
                     StrCat(what, ": not a regular file"));
  }
  return fd;
}

// Reads all of a file, refusing more than `bytes_max` bytes.
absl::StatusOr<std::string> ReadAll(int dirfd, const char* name, bool follow_links,
                                    uint64_t bytes_max, std::string_view what) {
  struct stat st;
  absl::StatusOr<Fd> fd = OpenRegular(dirfd, name, follow_links, what, &st);
  if (!fd.ok()) return fd.status();
  std::string data;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd->get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError(what, errno);
    if (n == 0) break;
    if (data.size() + static_cast<uint64_t>(n) > bytes_max) {
      return MakeError(absl::StatusCode::kResourceExhausted, "FILE_TOO_LARGE",
                       StrCat(what, " is larger than the limit of ", bytes_max, " bytes"));
    }
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

// Reads and parses one JSON file of the release; std::nullopt (with `*error` set) on failure.
std::optional<json::Document> LoadJson(int dirfd, std::string_view name, uint64_t bytes_max,
                                       std::string* error) {
  if (dirfd < 0) {
    *error = "the release directory cannot be opened";
    return std::nullopt;
  }
  absl::StatusOr<std::string> text =
      ReadAll(dirfd, std::string(name).c_str(), /*follow_links=*/false, bytes_max, name);
  if (!text.ok()) {
    *error = std::string(text.status().message());
    return std::nullopt;
  }
  json::Limits limits;
  limits.document_bytes_max = bytes_max;
  absl::StatusOr<json::Document> doc = json::Document::Parse(*text, limits);
  if (!doc.ok()) {
    *error = StrCat(name, " is not valid JSON: ", doc.status().message());
    return std::nullopt;
  }
  return std::move(*doc);
}

// Why an artifact path cannot name a file inside the release directory, or "" when it can.
// Same rules as bundle manifest paths (04-shared-building-blocks.md §2); the reference joins the
// path unchecked, so "../x" would hash a file outside the release.
std::string PathProblem(std::string_view p, const Limits& limits) {
  if (p.size() > limits.artifact_path_bytes_max) {
    return StrCat("longer than ", limits.artifact_path_bytes_max, " bytes");
  }
  if (internal::TrimJs(p).empty()) return "empty";
  if (p.front() == '/') return "absolute";
  if (p.find('\\') != std::string_view::npos) return "backslash";
  if (p.find('\0') != std::string_view::npos) return "nul";
  if (p.find(':') != std::string_view::npos) return "colon";
  if (p.back() == '/') return "trailing_slash";
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    // A lone surrogate (WTF-8 ED A0..BF) has no file-system spelling.
    if (static_cast<uint8_t>(p[i]) == 0xED && static_cast<uint8_t>(p[i + 1]) >= 0xA0) {
      return "lone_surrogate";
    }
  }
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view seg = p.substr(start, end - start);
    if (seg.empty()) return "segment";
    if (seg == "." || seg == "..") return "traversal";
    start = end + 1;
  }
  return "";
}

// Opens a validated relative path below `dirfd` without following any symbolic link on the way
// (the bundle verifier's lstat rule): every component is opened relative to its parent.
absl::StatusOr<Fd> OpenArtifact(int dirfd, std::string_view rel, struct stat* st) {
  Fd parent;
  int at = dirfd;
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string seg(rel.substr(start, slash == std::string_view::npos ? rel.npos : slash - start));
    if (slash == std::string_view::npos) {
      return OpenRegular(at, seg.c_str(), /*follow_links=*/false, "asset", st);
    }
    Fd next(::openat(at, seg.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW));
    if (!next.valid()) {
      return FileError("asset directory", errno == ENOTDIR ? ELOOP : errno);
    }
    parent = std::move(next);
    at = parent.get();
    start = slash + 1;
  }
}

// SHA-256 (hex) of an open file, reading at most `bytes_max` bytes.
absl::StatusOr<std::string> HashFile(int fd, uint64_t bytes_max) {
  crypto::Sha256 sha;
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("asset", errno);
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > bytes_max) {
      return MakeError(absl::StatusCode::kResourceExhausted, "FILE_TOO_LARGE",
                       StrCat("asset grew beyond the limit of ", bytes_max, " bytes"));
    }
    sha.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  crypto::Digest d = sha.Finish();
  return crypto::HexEncode(crypto::Bytes(d.data(), d.size()));
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

std::string NumberText(double d) {
  std::string out;
  if (json::AppendNumber(d, &out).ok()) return out;
  return std::string("?");  // unreachable for numbers from a parsed document
}

// The text JavaScript's String(v) gives for release metadata; null and absent give "".
std::string MetadataString(json::Value v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_number()) return NumberText(v.as_number());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_object()) return "[object Object]";
  return "";  // absent, null; arrays (rare, and their String() form is not worth emulating)
}

class Verifier {
 public:
  explicit Verifier(const VerifyOptions& options) : options_(options), limits_(options.limits) {}

  Report Run();

 private:
  void Error(std::string_view code, std::string message,
             std::optional<std::string> path = std::nullopt) {
    report_.errors.push_back(Issue{std::string(code), std::move(message), std::move(path), {}});
  }
  void LoadIndex(int dirfd);
  void LoadSignatures(int dirfd);
  void LoadTrust();
  void CheckSignatures();
  std::optional<std::string> CheckOneSignature(json::Value sig, const TrustKey& key);
  void CheckArtifacts(int dirfd);

  const VerifyOptions& options_;
  const Limits& limits_;
  Report report_;
  std::optional<json::Document> index_;       // parsed index whose root is an object
  std::optional<crypto::Digest> message_;     // SHA-256 of its canonical form
  std::optional<json::Document> signatures_;  // parsed signature file
  std::optional<Trust> trust_;
};

void Verifier::LoadIndex(int dirfd) {
  std::string error;
  index_ = LoadJson(dirfd, kIndexFileName, limits_.index_bytes_max, &error);
  if (index_ && !index_->root().is_object()) {
    // The reference accepts any JSON value here (and for `null` ends with ok=false and no
    // error at all); an index that is not an object cannot describe a release.
    index_.reset();
    error = "release index must be a JSON object";
  }
  if (!index_) {
    Error(kIndexInvalid, std::move(error), std::string(kIndexFileName));
    return;
  }
  json::Value root = index_->root();
  report_.tag = MetadataString(root.Find("release").Find("tag"));
  report_.version = MetadataString(root.Find("release").Find("version"));
  json::Value commit = root.Find("toolchain").Find("commit");
  if (commit.is_string()) report_.commit = std::string(commit.as_string());
  absl::StatusOr<crypto::Digest> digest = json::CanonicalDigest(root);
  if (!digest.ok()) {
    // -0 or a non-finite number: the index has no canonical form, so no signature can cover
    // it (the reference crashes here). Treat the index as unusable.
    Error(kIndexInvalid, StrCat("release index has no canonical form: ", digest.status().message()),
          std::string(kIndexFileName));
    index_.reset();
    return;
  }
  message_ = *digest;
}

void Verifier::LoadSignatures(int dirfd) {
  std::string error;
  signatures_ = LoadJson(dirfd, kSignatureFileName, limits_.signature_file_bytes_max, &error);
  if (!signatures_) Error(kSignatureInvalid, std::move(error), std::string(kSignatureFileName));
}

void Verifier::LoadTrust() {
  if (!options_.trust_file.has_value() || options_.trust_file->empty()) {
    Error(kTrustMissing, "missing release trust file (pass --trust-file)");
    return;
  }
  // The trust file is the caller's choice, so a symbolic link to it is fine.
  absl::StatusOr<std::string> text =
      ReadAll(AT_FDCWD, options_.trust_file->c_str(),
              /*follow_links=*/true, limits_.trust_file_bytes_max, "release trust file");
  absl::StatusOr<Trust> trust = text.ok() ? ParseTrust(*text, limits_) : text.status();
  if (!trust.ok()) {
    Error(kTrustInvalid, std::string(trust.status().message()));
    return;
  }
  trust_ = std::move(*trust);
}

// Returns the error code of a signature that does not verify, after recording the error.
std::optional<std::string> Verifier::CheckOneSignature(json::Value sig, const TrustKey& key) {
  auto fail = [&](std::string_view code, std::string message) {
    Error(code, std::move(message));
    return std::optional<std::string>(std::string(code));
  };
  if (sig.Find("schemaVersion").as_string() != "ReleaseIndexSignature.v1") {
    return fail(kSignatureInvalid, "unexpected signature schemaVersion");
  }
  json::Value algorithm = sig.Find("algorithm");
  if (!algorithm.is_string() || algorithm.as_string() != "ed25519-sha256") {
    return fail(kSignatureUnsupportedAlgorithm, "unsupported signature algorithm");
  }
  json::Value b64 = sig.Find("signatureBase64");
  if (!b64.is_string() || internal::TrimJs(b64.as_string()).empty()) {
    return fail(kSignatureInvalid, "signatureBase64 missing");
  }
  std::string expected = crypto::HexEncode(crypto::Bytes(message_->data(), message_->size()));
  json::Value declared = sig.Find("messageSha256");
  if (declared.is_string() && AsciiLower(declared.as_string()) != expected) {
    return fail(kSignatureInvalid, "messageSha256 mismatch");
  }
  // Only the trust file's key counts; the PEM the signature carries is ignored on purpose.
  absl::StatusOr<crypto::PublicKey> pub = crypto::PublicKey::FromPem(key.public_key_pem);
  if (!pub.ok()) {
    return fail(kSignatureInvalid, StrCat("signature verification error: trusted key ", key.key_id,
                                          " is not an Ed25519 public key PEM"));
  }
  std::string raw = crypto::Base64DecodeLenient(b64.as_string());
  if (!pub->Verify(*message_, crypto::AsBytes(raw))) {
    return fail(kSignatureInvalid, "signature verification failed");
  }
  return std::nullopt;
}

void Verifier::CheckSignatures() {
  if (!trust_ || !index_ || !signatures_) return;
  // ReleaseIndexSignature.v1 alone, or the ReleaseIndexSignatures.v1 wrapper.
  json::Value root = signatures_->root();
  std::vector<json::Value> list;
  std::string_view schema = root.Find("schemaVersion").as_string();
  if (schema == "ReleaseIndexSignature.v1") {
    list.push_back(root);
  } else if (schema == "ReleaseIndexSignatures.v1") {
    json::Value arr = root.Find("signatures");
    if (arr.size() > limits_.signatures_max) {
      Error(kSignatureInvalid,
            StrCat("more than ", limits_.signatures_max, " signatures in the signature file"),
            std::string(kSignatureFileName));
      return;
    }
    for (size_t i = 0; i < arr.size(); ++i) list.push_back(arr.at(i));
  }
  if (list.empty()) {
    Error(kSignatureInvalid, "signature file missing/invalid", std::string(kSignatureFileName));
    return;
  }
  std::optional<int64_t> signature_time =
      internal::NonNegativeSafeInteger(index_->root().Find("toolchain").Find("buildEpochSeconds"));
  std::set<std::string> valid_signers;
  for (json::Value sig : list) {
    if (!sig.is_object()) {
      Error(kSignatureInvalid, "signature entry is not an object");
      continue;
    }
    json::Value id = sig.Find("keyId");
    std::string key_id(id.is_string() ? internal::TrimJs(id.as_string()) : "");
    if (key_id.empty()) {
      Error(kSignatureInvalid, "signature missing keyId");
      continue;
    }
    const TrustKey* key = trust_->Find(key_id);
    if (key == nullptr) {
      Error(kSignerUnauthorized, "signer keyId not in release trust");
      continue;
    }
    if (trust_->schema_version == 2 && signature_time) {
      int64_t t = *signature_time;
      if (key->revoked_at_epoch_seconds && t >= *key->revoked_at_epoch_seconds) {
        Error(kSignerRevoked, "signer keyId revoked for this release time");
        continue;
      }
      if ((key->not_before_epoch_seconds && t < *key->not_before_epoch_seconds) ||
          (key->not_after_epoch_seconds && t > *key->not_after_epoch_seconds)) {
        Error(kSignerUnauthorized, "signer keyId not valid for this release time");
        continue;
      }
    }
    if (!CheckOneSignature(sig, *key)) valid_signers.insert(key_id);
  }
  bool count_ok = valid_signers.size() >= trust_->min_signatures;
  bool required_ok = true;
  if (trust_->required_key_ids) {
    for (const std::string& id : *trust_->required_key_ids)
      required_ok &= valid_signers.count(id) > 0;
  }
  report_.signature_ok = count_ok && required_ok;
  if (!report_.signature_ok) {
    Error(kSignatureQuorumNotSatisfied, "release signature quorum not satisfied");
  }
}

void Verifier::CheckArtifacts(int dirfd) {
  if (!index_) return;
  json::Value artifacts = index_->root().Find("artifacts");
  if (!artifacts.is_array()) return;  // as in the reference: no artifacts to check
  if (artifacts.size() > limits_.artifacts_max) {
    report_.artifacts_ok = false;
    Error(kIndexInvalid, StrCat("more than ", limits_.artifacts_max, " artifacts"),
          std::string(kIndexFileName));
    return;
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < artifacts.size(); ++i) {
    json::Value p = artifacts.at(i).Find("path");
    if (!p.is_string() || p.as_string().empty()) continue;
    if (!seen.insert(p.as_string()).second) {
      report_.artifacts_ok = false;
      Error(kArtifactsDuplicatePath, StrCat("duplicate artifact path: ", p.as_string()),
            std::string(p.as_string()));
    }
  }
  for (size_t i = 0; i < artifacts.size(); ++i) {
    json::Value a = artifacts.at(i);
    json::Value p = a.Find("path"), h = a.Find("sha256"), size = a.Find("sizeBytes");
    std::string rel(p.is_string() ? p.as_string() : "");
    std::string_view expected = h.is_string() ? h.as_string() : "";
    if (rel.empty() || expected.empty()) {
      report_.artifacts_ok = false;
      Error(kAssetEntryInvalid, "artifact entry missing required fields",
            rel.empty() ? std::nullopt : std::optional<std::string>(rel));
      continue;
    }
    if (std::string problem = PathProblem(rel, limits_); !problem.empty()) {
      report_.artifacts_ok = false;
      Error(kAssetEntryInvalid, StrCat("artifact path is not a safe relative path: ", problem),
            rel);
      continue;
    }
    struct stat st;
    absl::StatusOr<Fd> fd = dirfd < 0 ? FileError("asset", ENOENT) : OpenArtifact(dirfd, rel, &st);
    if (!fd.ok()) {
      report_.artifacts_ok = false;
      Error(kAssetMissing, std::string(fd.status().message()), rel);
      continue;
    }
    uint64_t actual_size = static_cast<uint64_t>(st.st_size);
    if (actual_size > limits_.artifact_bytes_max) {
      report_.artifacts_ok = false;
      Error(kAssetTooLarge,
            StrCat("asset is larger than the limit of ", limits_.artifact_bytes_max, " bytes"),
            rel);
      continue;
    }
    if (size.is_number() && static_cast<double>(actual_size) != size.as_number()) {
      report_.artifacts_ok = false;
      Error(
          kAssetSizeMismatch,
          StrCat("size mismatch expected=", NumberText(size.as_number()), " actual=", actual_size),
          rel);
    }
    absl::StatusOr<std::string> actual = HashFile(fd->get(), limits_.artifact_bytes_max);
    if (!actual.ok()) {
      report_.artifacts_ok = false;
      Error(StatusReason(actual.status()) == "FILE_TOO_LARGE" ? kAssetTooLarge : kAssetMissing,
            std::string(actual.status().message()), rel);
      continue;
    }
    if (*actual != AsciiLower(expected)) {
      report_.artifacts_ok = false;
      Error(kAssetHashMismatch, StrCat("sha256 mismatch expected=", expected, " actual=", *actual),
            rel);
    }
  }
}

Report Verifier::Run() {
  Fd dir(::open(options_.dir.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY));
  LoadIndex(dir.get());
  LoadSignatures(dir.get());
  LoadTrust();
  if (trust_ && trust_->RequiresSignatureTime() &&
      !(index_ && internal::NonNegativeSafeInteger(
                      index_->root().Find("toolchain").Find("buildEpochSeconds")))) {
    Error(kIndexInvalid,
          "ReleaseIndex.v1.toolchain.buildEpochSeconds required for time-based release trust");
  }
  CheckSignatures();
  CheckArtifacts(dir.get());
  report_.ok = report_.signature_ok && report_.artifacts_ok && report_.errors.empty();
  std::stable_sort(report_.errors.begin(), report_.errors.end(),
                   [](const Issue& a, const Issue& b) {
                     // Explicit views: `a.path ? *a.path : ""` would build a temporary string.
                     std::string_view pa = a.path ? std::string_view(*a.path) : std::string_view();
                     std::string_view pb = b.path ? std::string_view(*b.path) : std::string_view();
                     if (pa != pb) return internal::Utf16Less(pa, pb);
                     return internal::Utf16Less(a.code, b.code);
                   });
  return std::move(report_);
}

}  // namespace

Report VerifyReleaseDir(const VerifyOptions& options) { return Verifier(options).Run(); }

}  // namespace nooterra::release
