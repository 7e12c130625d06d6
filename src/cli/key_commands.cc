// `nooterra keygen`, `keyid`, `sign` and `verify-signature`.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/strings.h"
#include "cli/common.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::cli {
namespace {

constexpr char kKeygenHelp[] =
    "usage: nooterra keygen --out-dir DIR\n"
    "Creates a new Ed25519 key pair from the OS random generator: DIR/public.pem (SPKI) and\n"
    "DIR/private.pem (PKCS#8, mode 0600). DIR is created if missing; existing key files are\n"
    "never overwritten. Prints the keyId.\n";
constexpr char kKeyIdHelp[] =
    "usage: nooterra keyid PEMFILE\n"
    "Prints key_ + the first 24 hex characters of SHA-256 over the exact bytes of PEMFILE\n"
    "(a public key PEM; it is checked to be one).\n";
constexpr char kSignHelp[] =
    "usage: nooterra sign --key PEMFILE [FILE]\n"
    "Canonicalizes the JSON in FILE (or standard input), hashes it with SHA-256 and prints the\n"
    "base64 Ed25519 signature over the 32 digest bytes, as the protocol signs.\n";
constexpr char kVerifyHelp[] =
    "usage: nooterra verify-signature --public-key PEMFILE --signature B64 [FILE]\n"
    "Checks a base64 Ed25519 signature over the canonical hash of the JSON in FILE (or\n"
    "standard input). Exit 0 and 'valid' when it verifies, exit 1 and 'invalid' otherwise.\n";

int Usage(const char* name, const char* help, const absl::Status& status) {
  PrintError(name, status);
  std::fputs(help, stderr);
  return kExitUsage;
}

absl::Status WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return MakeError(absl::StatusCode::kAlreadyExists, "FILE_UNWRITABLE",
                     StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  ssize_t n = ::write(fd, data.data(), data.size());
  bool ok = n == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return MakeError(absl::StatusCode::kDataLoss, "FILE_UNWRITABLE",
                     StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

// Canonical digest of the JSON in `path` (or stdin).
absl::StatusOr<crypto::Digest> DigestOfInput(const std::string& path) {
  json::Limits limits;
  auto text = ReadInput(path, limits.document_bytes_max);
  if (!text.ok()) return text.status();
  json::Canonicalizer canonicalizer(limits);
  return canonicalizer.Digest(*text);
}

}  // namespace

int KeygenCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kKeygenHelp, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {"out-dir"});
  if (!parsed.ok()) return Usage("keygen", kKeygenHelp, parsed.status());
  const std::string* dir = parsed->Get("out-dir");
  if (dir == nullptr || !parsed->positionals.empty()) {
    return Usage("keygen", kKeygenHelp, absl::InvalidArgumentError("--out-dir DIR is required"));
  }
  if (::mkdir(dir->c_str(), 0700) != 0 && errno != EEXIST) {
    PrintError("keygen", MakeError(absl::StatusCode::kNotFound, "FILE_UNWRITABLE",
                                   StrCat("cannot create ", *dir, ": ",
                                                std::strerror(errno))));
    return kExitUsage;
  }
  auto key = crypto::PrivateKey::Generate();
  if (!key.ok()) {
    PrintError("keygen", key.status());
    return kExitRejected;
  }
  std::string public_pem = key->public_key().ToPem();
  std::string private_pem = key->ToPem();
  // Refuse up front when either file exists, so a failure never leaves half a key pair.
  const std::string private_path = *dir + "/private.pem";
  const std::string public_path = *dir + "/public.pem";
  for (const std::string* path : {&private_path, &public_path}) {
    if (::access(path->c_str(), F_OK) == 0) {
      PrintError("keygen", MakeError(absl::StatusCode::kAlreadyExists, "FILE_EXISTS",
                                     StrCat(*path, " exists; refusing to overwrite a key")));
      return kExitUsage;
    }
  }
  absl::Status s = WriteFile(private_path, private_pem, 0600);
  std::fill(private_pem.begin(), private_pem.end(), '\0');
  if (s.ok()) {
    s = WriteFile(public_path, public_pem, 0644);
    if (!s.ok()) ::unlink(private_path.c_str());  // no private key without its public half
  }
  if (!s.ok()) {
    PrintError("keygen", s);
    return kExitUsage;
  }
  std::printf("%s\n", crypto::KeyIdFromPem(public_pem).c_str());
  return kExitOk;
}

int KeyIdCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kKeyIdHelp, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {});
  if (!parsed.ok() || parsed->positionals.size() != 1) {
    return Usage("keyid", kKeyIdHelp,
                 parsed.ok() ? absl::InvalidArgumentError("exactly one PEMFILE") : parsed.status());
  }
  auto pem = ReadInput(parsed->positionals[0], crypto::kPemBytesMax);
  if (!pem.ok()) {
    PrintError("keyid", pem.status());
    return kExitUsage;
  }
  if (auto key = crypto::PublicKey::FromPem(*pem); !key.ok()) {
    PrintError("keyid", key.status());
    return kExitRejected;
  }
  std::printf("%s\n", crypto::KeyIdFromPem(*pem).c_str());
  return kExitOk;
}

int SignCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kSignHelp, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {"key"});
  if (!parsed.ok()) return Usage("sign", kSignHelp, parsed.status());
  const std::string* key_path = parsed->Get("key");
  if (key_path == nullptr || parsed->positionals.size() > 1) {
    return Usage("sign", kSignHelp, absl::InvalidArgumentError("--key PEMFILE and at most one FILE"));
  }
  auto pem = ReadInput(*key_path, crypto::kPemBytesMax);
  if (!pem.ok()) {
    PrintError("sign", pem.status());
    return kExitUsage;
  }
  auto key = crypto::PrivateKey::FromPem(*pem);
  std::fill(pem->begin(), pem->end(), '\0');
  if (!key.ok()) {
    PrintError("sign", key.status());
    return kExitRejected;
  }
  auto digest = DigestOfInput(parsed->positionals.empty() ? "" : parsed->positionals[0]);
  if (!digest.ok()) {
    PrintError("sign", digest.status());
    return kExitRejected;
  }
  std::printf("%s\n", crypto::Base64Encode(key->Sign(*digest)).c_str());
  return kExitOk;
}

int VerifySignatureCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kVerifyHelp, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {"public-key", "signature"});
  if (!parsed.ok()) return Usage("verify-signature", kVerifyHelp, parsed.status());
  const std::string* key_path = parsed->Get("public-key");
  const std::string* signature = parsed->Get("signature");
  if (key_path == nullptr || signature == nullptr || parsed->positionals.size() > 1) {
    return Usage("verify-signature", kVerifyHelp,
                 absl::InvalidArgumentError("--public-key and --signature are required"));
  }
  auto pem = ReadInput(*key_path, crypto::kPemBytesMax);
  if (!pem.ok()) {
    PrintError("verify-signature", pem.status());
    return kExitUsage;
  }
  auto key = crypto::PublicKey::FromPem(*pem);
  if (!key.ok()) {
    PrintError("verify-signature", key.status());
    return kExitRejected;
  }
  auto digest = DigestOfInput(parsed->positionals.empty() ? "" : parsed->positionals[0]);
  if (!digest.ok()) {
    PrintError("verify-signature", digest.status());
    return kExitRejected;
  }
  // Same lenient decoding as the reference; a wrong length is simply an invalid signature.
  std::string sig = crypto::Base64DecodeLenient(*signature);
  bool valid = key->Verify(*digest, crypto::AsBytes(sig));
  std::printf("%s\n", valid ? "valid" : "invalid");
  return valid ? kExitOk : kExitRejected;
}

}  // namespace nooterra::cli
