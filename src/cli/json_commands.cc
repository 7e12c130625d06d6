// `nooterra canonicalize` and `nooterra hash`.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/common.h"
#include "nooterra/json.h"

namespace nooterra::cli {
namespace {

constexpr char kCanonicalizeHelp[] =
    "usage: nooterra canonicalize [FILE]\n"
    "Writes the protocol's canonical JSON of FILE (standard input when absent or '-')\n"
    "followed by one newline. Rejected input: exit 1, nothing on stdout, one line on stderr\n"
    "with the reason code and byte position.\n";
constexpr char kHashHelp[] =
    "usage: nooterra hash [FILE]\n"
    "Writes the lowercase hex SHA-256 of the canonical JSON of FILE (or standard input).\n"
    "Rejected input: exit 1, nothing on stdout, one line on stderr.\n";

// Shared body: read one optional FILE, run `fn` on its text.
template <typename Fn>
int WithJsonInput(const char* name, const char* help, const std::vector<std::string>& args,
                  Fn&& fn) {
  if (WantsHelp(args)) {
    std::fputs(help, stdout);
    return kExitOk;
  }
  auto parsed = ParseArgs(args, {});
  if (!parsed.ok() || parsed->positionals.size() > 1) {
    PrintError(name, parsed.ok() ? absl::InvalidArgumentError("at most one FILE") : parsed.status());
    std::fputs(help, stderr);
    return kExitUsage;
  }
  json::Limits limits;
  auto text = ReadInput(parsed->positionals.empty() ? "" : parsed->positionals[0],
                        limits.document_bytes_max);
  if (!text.ok()) {
    PrintError(name, text.status());
    return text.status().code() == absl::StatusCode::kResourceExhausted ? kExitRejected
                                                                         : kExitUsage;
  }
  auto out = fn(*text, limits);
  if (!out.ok()) {
    PrintError(name, out.status());
    return kExitRejected;
  }
  out->push_back('\n');
  std::fwrite(out->data(), 1, out->size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitUsage;
}

}  // namespace

int CanonicalizeCommand(const std::vector<std::string>& args) {
  return WithJsonInput("canonicalize", kCanonicalizeHelp, args,
                       [](const std::string& text, const json::Limits& limits) {
                         return json::Canonicalize(text, limits);
                       });
}

int HashCommand(const std::vector<std::string>& args) {
  return WithJsonInput("hash", kHashHelp, args,
                       [](const std::string& text, const json::Limits& limits) {
                         return json::CanonicalSha256Hex(text, limits);
                       });
}

}  // namespace nooterra::cli
