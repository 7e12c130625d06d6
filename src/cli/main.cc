// `nooterra`: command-line access to the library. Each command lives in a *_commands.cc file.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "common/strings.h"
#include "cli/common.h"
#include "nooterra/status.h"
#include "nooterra/version.h"

namespace nooterra::cli {

absl::StatusOr<std::string> ReadInput(std::string_view path, uint64_t bytes_max) {
  std::FILE* f = stdin;
  bool from_stdin = path.empty() || path == "-";
  if (!from_stdin) {
    f = std::fopen(std::string(path).c_str(), "rb");
    if (f == nullptr) {
      return MakeError(absl::StatusCode::kNotFound, "FILE_UNREADABLE",
                       StrCat("cannot open ", path, ": ", std::strerror(errno)));
    }
  }
  std::string data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    if (data.size() + n > bytes_max) {
      if (!from_stdin) std::fclose(f);
      return MakeError(absl::StatusCode::kResourceExhausted, "INPUT_TOO_LARGE",
                       StrCat(from_stdin ? "standard input" : std::string(path),
                                    " is larger than the limit of ", bytes_max, " bytes"));
    }
    data.append(buf, n);
  }
  bool failed = std::ferror(f) != 0;
  if (!from_stdin) std::fclose(f);
  if (failed) {
    return MakeError(absl::StatusCode::kDataLoss, "FILE_UNREADABLE",
                     StrCat("read error on ", from_stdin ? "standard input" : path));
  }
  return data;
}

void PrintError(std::string_view command, const absl::Status& status) {
  std::string reason = StatusReason(status);
  std::optional<uint64_t> offset = StatusOffset(status);
  std::string line = StrCat("nooterra ", command, ": ",
                                  reason.empty() ? "ERROR" : reason, " (",
                                  absl::StatusCodeToString(status.code()), ")");
  if (offset) StrAppend(&line, " at byte ", *offset);
  StrAppend(&line, ": ", status.message(), "\n");
  std::fputs(line.c_str(), stderr);
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

const std::string* Parsed::Get(std::string_view name) const {
  for (const auto& [k, v] : options) {
    if (k == name) return &v;
  }
  return nullptr;
}

absl::StatusOr<Parsed> ParseArgs(const std::vector<std::string>& args,
                                 const std::vector<std::string_view>& with_value) {
  Parsed parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        inline_value = true;
      }
      bool known = false;
      for (auto w : with_value) known |= (w == name);
      if (!known) {
        return MakeError(absl::StatusCode::kInvalidArgument, "USAGE",
                         StrCat("unknown option --", name));
      }
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          return MakeError(absl::StatusCode::kInvalidArgument, "USAGE",
                           StrCat("option --", name, " needs a value"));
        }
        value = args[++i];
      }
      parsed.options.emplace_back(name, value);
    } else {
      parsed.positionals.push_back(a);
    }
  }
  return parsed;
}

}  // namespace nooterra::cli

namespace {

constexpr char kUsage[] =
    "usage: nooterra <command> [options]\n"
    "\n"
    "Commands:\n"
    "  canonicalize [FILE]          canonical JSON of FILE (or stdin), one line\n"
    "  hash [FILE]                  SHA-256 (lowercase hex) of the canonical JSON\n"
    "  keygen --out-dir DIR         new Ed25519 key pair: DIR/public.pem, DIR/private.pem\n"
    "  keyid PEMFILE                keyId of a public key PEM (hash of its exact text)\n"
    "  sign --key PEMFILE [FILE]    base64 Ed25519 signature of the canonical hash\n"
    "  verify-signature --public-key PEMFILE --signature B64 [FILE]\n"
    "                               exit 0 when the signature over the canonical hash is valid\n"
    "  build-object --type SCHEMA_VERSION [--private-key PEMFILE] [--now ISO] [INPUTS]\n"
    "                               a protocol object built from INPUTS, canonical JSON\n"
    "  verify-object [--public-key PEMFILE]... FILE\n"
    "                               type, members, self-hash and signatures of an object\n"
    "  store check DIR [--tenant T]  audit the ledger and operation log of every tenant\n"
    "  store state-hash|replay|export  fingerprint, replay or export a store (store --help)\n"
    "  policy check|eval|simulate   validate, evaluate or simulate a policy (policy --help)\n"
    "\n"
    "Every command takes --help. Exit codes: 0 success, 1 input rejected or check failed,\n"
    "2 usage error or unreadable file. Errors are one line on stderr:\n"
    "  nooterra <command>: REASON (CODE) [at byte N]: message\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace nooterra::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "--version") {
    std::printf("nooterra %s\n", NOOTERRA_VERSION_STRING);
    return kExitOk;
  }
  if (command == "canonicalize") return CanonicalizeCommand(args);
  if (command == "hash") return HashCommand(args);
  if (command == "keygen") return KeygenCommand(args);
  if (command == "keyid") return KeyIdCommand(args);
  if (command == "sign") return SignCommand(args);
  if (command == "verify-signature") return VerifySignatureCommand(args);
  if (command == "build-object") return BuildObjectCommand(args);
  if (command == "verify-object") return VerifyObjectCommand(args);
  if (command == "store") return StoreCommand(args);
  if (command == "policy") return PolicyCommand(args);
  std::fprintf(stderr, "nooterra: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return kExitUsage;
}
