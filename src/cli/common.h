// Shared helpers of the `nooterra` command-line tool.
#ifndef NOOTERRA_SRC_CLI_COMMON_H_
#define NOOTERRA_SRC_CLI_COMMON_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nooterra::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;  // the input was read and rejected (or a check failed)
inline constexpr int kExitUsage = 2;     // bad arguments, unreadable files

// Reads FILE, or standard input for "" / "-", up to `bytes_max` (a larger input is an error).
absl::StatusOr<std::string> ReadInput(std::string_view path, uint64_t bytes_max);

// Prints "nooterra <command>: REASON (CODE) at byte N: message" on one line of stderr.
void PrintError(std::string_view command, const absl::Status& status);

// True when args contains -h or --help.
bool WantsHelp(const std::vector<std::string>& args);

// Splits "--name VALUE" options (given in `with_value`) from positionals. Unknown "--x"
// options are errors. Returns false and prints usage help on error.
struct Parsed {
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> positionals;
  const std::string* Get(std::string_view name) const;
};
absl::StatusOr<Parsed> ParseArgs(const std::vector<std::string>& args,
                                 const std::vector<std::string_view>& with_value);

int CanonicalizeCommand(const std::vector<std::string>& args);
int HashCommand(const std::vector<std::string>& args);
int KeygenCommand(const std::vector<std::string>& args);
int KeyIdCommand(const std::vector<std::string>& args);
int SignCommand(const std::vector<std::string>& args);
int VerifySignatureCommand(const std::vector<std::string>& args);
int BuildObjectCommand(const std::vector<std::string>& args);
int VerifyObjectCommand(const std::vector<std::string>& args);
int StoreCommand(const std::vector<std::string>& args);
int PolicyCommand(const std::vector<std::string>& args);

}  // namespace nooterra::cli

#endif  // NOOTERRA_SRC_CLI_COMMON_H_
