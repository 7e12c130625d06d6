// Runs a command line through the shell and collects its stdout and stderr (for tests that
// drive the CLI, whose path the test target defines as NOOTERRA_CLI_PATH).
#ifndef NOOTERRA_TESTS_SUPPORT_RUN_COMMAND_H_
#define NOOTERRA_TESTS_SUPPORT_RUN_COMMAND_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace nooterra::testing {

// Output of `command 2>&1`; *exit_code is its exit status (-1 when it did not exit normally).
inline std::string RunCommand(const std::string& command, int* exit_code) {
  std::string out;
  *exit_code = -1;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace nooterra::testing

#endif  // NOOTERRA_TESTS_SUPPORT_RUN_COMMAND_H_
