// `nooterra build-object` and `nooterra verify-object` (issue 4's CLI contract).
#include <cstdio>
#include <string>
#include <vector>

#include "cli/common.h"
#include "common/strings.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"

namespace nooterra::cli {

namespace {

constexpr char kBuildUsage[] =
    "usage: nooterra build-object --type SCHEMA_VERSION [--private-key PEMFILE] [--now ISO]\n"
    "                             [INPUTS.json]\n"
    "\n"
    "Builds a protocol object (ToolCallAgreement.v1, FundingHold.v1, ...) from INPUTS (a JSON\n"
    "object named like the object's own members; stdin when omitted) and prints its canonical\n"
    "JSON on one line. --private-key signs types that carry a signature; --now fills timestamps\n"
    "the protocol would default to the current time. Exit 0 built, 1 inputs rejected, 2 usage.\n";

constexpr char kVerifyUsage[] =
    "usage: nooterra verify-object [--public-key PEMFILE]... FILE\n"
    "\n"
    "Detects the object type from schemaVersion, validates its members, recomputes its\n"
    "self-hash and checks every embedded signature whose key is supplied (matched by key id).\n"
    "Prints {\"ok\",\"schemaVersion\",\"hash\",\"declaredHash\",\"signatures\",\"errors\",\"warnings\"}.\n"
    "Exit 0 verified, 1 not verified, 2 unusable input (unreadable, not JSON, bad key).\n";

absl::StatusOr<crypto::PrivateKey> LoadPrivateKey(const std::string& path) {
  auto pem = ReadInput(path, crypto::kPemBytesMax);
  if (!pem.ok()) return pem.status();
  return crypto::PrivateKey::FromPem(*pem);
}

}  // namespace

int BuildObjectCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kBuildUsage, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {"type", "private-key", "now"});
  if (!parsed.ok() || parsed->positionals.size() > 1 || parsed->Get("type") == nullptr) {
    if (!parsed.ok()) PrintError("build-object", parsed.status());
    std::fputs(kBuildUsage, stderr);
    return kExitUsage;
  }
  auto type = objects::TypeFromSchemaVersion(*parsed->Get("type"));
  if (!type) {
    PrintError("build-object",
               MakeError(absl::StatusCode::kInvalidArgument, objects::kReasonUnknownType,
                         StrCat("unknown --type ", *parsed->Get("type"))));
    return kExitUsage;
  }
  objects::BuildOptions options;
  std::optional<crypto::PrivateKey> key;
  if (const std::string* path = parsed->Get("private-key")) {
    auto loaded = LoadPrivateKey(*path);
    if (!loaded.ok()) {
      PrintError("build-object", loaded.status());
      return kExitUsage;
    }
    key.emplace(std::move(*loaded));
    options.signer = &*key;
  }
  if (const std::string* now = parsed->Get("now")) options.now = *now;
  auto inputs = ReadInput(parsed->positionals.empty() ? "" : parsed->positionals[0],
                          objects::kObjectBytesMax);
  if (!inputs.ok()) {
    PrintError("build-object", inputs.status());
    return kExitUsage;
  }
  auto built = objects::Build(*type, *inputs, options);
  if (!built.ok()) {
    PrintError("build-object", built.status());
    return kExitRejected;
  }
  std::fwrite(built->canonical.data(), 1, built->canonical.size(), stdout);
  std::fputc('\n', stdout);
  return kExitOk;
}

int VerifyObjectCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kVerifyUsage, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {"public-key"});
  if (!parsed.ok() || parsed->positionals.size() != 1) {
    if (!parsed.ok()) PrintError("verify-object", parsed.status());
    std::fputs(kVerifyUsage, stderr);
    return kExitUsage;
  }
  std::vector<crypto::PublicKey> keys;
  for (const auto& [name, path] : parsed->options) {
    auto pem = ReadInput(path, crypto::kPemBytesMax);
    if (!pem.ok()) {
      PrintError("verify-object", pem.status());
      return kExitUsage;
    }
    auto key = crypto::PublicKey::FromPem(*pem);
    if (!key.ok()) {
      PrintError("verify-object", key.status());
      return kExitUsage;
    }
    keys.push_back(*key);
  }
  auto text = ReadInput(parsed->positionals[0], objects::kObjectBytesMax);
  if (!text.ok()) {
    PrintError("verify-object", text.status());
    return kExitUsage;
  }
  auto report = objects::VerifyObject(*text, keys);
  if (!report.ok()) {
    PrintError("verify-object", report.status());
    return kExitUsage;
  }
  const std::string out = objects::RenderVerifyReportJson(*report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  return report->ok ? kExitOk : kExitRejected;
}

}  // namespace nooterra::cli
