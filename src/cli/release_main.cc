// `nooterra-release verify`: release authenticity check, a thin shell over nooterra/release.h.
//
// Arguments, output and exit codes follow the reference tool
// (../shared/protocol/verify/11-other-packs.md §5):
//   nooterra-release verify --dir <dir> [--trust-file <path>] [--check-installed <bin>]
//                           [--format human|json] [--explain]
// Without --trust-file, <cwd>/trust/release-trust.json is used when it exists. Exit codes:
// 0 ok, 1 other failure, 2 usage, 3 trust missing/invalid, 4 signature/signer, 5 assets,
// 6 installed tool mismatch. --base-url and --github-repo (network fetch in the reference) are
// recognized but not supported: they exit 2 with a message.
//
// The CLI is the only place that looks at the current directory or runs another program; the
// library receives resolved paths.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "nooterra/release.h"

extern char** environ;

namespace {

namespace release = nooterra::release;
using nooterra::StrCat;

constexpr int kExitUsage = 2;
// Limits on the installed tool queried by --check-installed.
constexpr size_t kAboutBytesMax = size_t{1} << 20;
constexpr int kAboutTimeoutMs = 60'000;

constexpr char kUsage[] =
    "usage:\n"
    "  nooterra-release verify --dir <release-assets-dir> [--trust-file <path>] "
    "[--check-installed <nooterra-verify>] [--format human|json] [--explain]\n"
    "\n"
    "Verifies release_index_v1.json, its detached signatures (release_index_v1.sig) and every\n"
    "listed asset against a ReleaseTrust.v1/v2 file (default: ./trust/release-trust.json).\n"
    "Exit codes: 0 ok, 1 other failure, 2 usage, 3 trust missing or invalid, 4 signature or\n"
    "signer, 5 assets, 6 installed tool mismatch. --base-url and --github-repo are not\n"
    "supported by this implementation: download the release and use --dir.\n";

int Usage() {
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

struct Args {
  std::string cmd, dir, base_url, github_repo, tag, trust_file, check_installed;
  std::string format = "human";
  bool explain = false, offline = false;
};

// Mirrors the reference parser: the command comes first, every option takes the next argument
// as its value (empty when missing), anything unknown (including --help) is a usage error.
bool ParseArgs(const std::vector<std::string>& argv, Args* out) {
  if (argv.empty()) return false;
  out->cmd = argv[0];
  const std::pair<std::string_view, std::string Args::*> kValueOptions[] = {
      {"--dir", &Args::dir},
      {"--base-url", &Args::base_url},
      {"--github-repo", &Args::github_repo},
      {"--tag", &Args::tag},
      {"--trust-file", &Args::trust_file},
      {"--format", &Args::format},
      {"--check-installed", &Args::check_installed},
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    bool known = false;
    for (const auto& [name, member] : kValueOptions) {
      if (a != name) continue;
      known = true;
      out->*member = i + 1 < argv.size() ? argv[i + 1] : "";
      ++i;
      break;
    }
    if (known) continue;
    if (a == "--explain") {
      out->explain = true;
    } else if (a == "--offline") {
      out->offline = true;
    } else {
      return false;
    }
  }
  if (out->cmd != "verify") return false;
  if (out->format != "human" && out->format != "json") return false;
  int sources = !out->dir.empty() + !out->base_url.empty() + !out->github_repo.empty();
  if (sources != 1) return false;
  if (!out->github_repo.empty() && out->tag.empty()) return false;
  return true;
}

// path.resolve(cwd, p): absolute, lexically normalized, no trailing slash.
std::string Resolve(const std::string& p) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(p, ec);
  if (ec) return p;
  std::string s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Runs `<bin> --about --format json` and returns its standard output. Fails when the program
// cannot start, exits non-zero, prints more than kAboutBytesMax bytes or runs too long.
bool RunAbout(const std::string& bin, std::string* out, std::string* why) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    *why = StrCat("pipe: ", std::strerror(errno));
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {bin, "--about", "--format", "json"};
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, bin.c_str(), &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    *why = StrCat("cannot run ", bin, ": ", std::strerror(rc));
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAboutTimeoutMs);
  bool killed = false;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{pipefd[0], POLLIN, 0};
    int ready = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      *why = "timed out";
      killed = true;
      break;
    }
    ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out->size() + static_cast<size_t>(n) > kAboutBytesMax) {
      *why = StrCat("output larger than ", kAboutBytesMax, " bytes");
      killed = true;
      break;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  if (killed) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (killed) return false;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *why = WIFEXITED(status) ? StrCat("command failed exit=", WEXITSTATUS(status))
                             : std::string("command killed by a signal");
    return false;
  }
  return true;
}

std::string CsvCodes(const std::vector<release::Issue>& issues) {
  std::set<std::string> codes;
  for (const auto& e : issues) {
    if (!e.code.empty()) codes.insert(e.code);
  }
  std::string out;
  for (const auto& c : codes) nooterra::StrAppend(&out, out.empty() ? "" : ",", c);
  return out;
}

std::string Explain(const std::string& source, const std::string& trust_file,
                    const release::Report& r) {
  std::string out = "nooterra-release explain v1\n";
  nooterra::StrAppend(&out, "source=", source, "\n", "trust.file=", trust_file, "\n");
  nooterra::StrAppend(&out, "result.ok=", r.ok ? "true" : "false", "\n");
  nooterra::StrAppend(&out, "result.signatureOk=", r.signature_ok ? "true" : "false", "\n");
  nooterra::StrAppend(&out, "result.artifactsOk=", r.artifacts_ok ? "true" : "false", "\n");
  nooterra::StrAppend(&out, "errors.codes=", CsvCodes(r.errors), "\n");
  nooterra::StrAppend(&out, "warnings.codes=", CsvCodes(r.warnings), "\n");
  return out;
}

int Main(const std::vector<std::string>& argv) {
  Args args;
  if (!ParseArgs(argv, &args)) return Usage();
  if (args.offline && (!args.base_url.empty() || !args.github_repo.empty())) {
    std::fputs("error: --offline forbids network fetch\n", stderr);
    return kExitUsage;
  }
  if (!args.base_url.empty() || !args.github_repo.empty()) {
    std::fputs(
        "error: --base-url and --github-repo are not supported by this implementation; "
        "download the release assets and pass --dir\n",
        stderr);
    return kExitUsage;
  }

  release::VerifyOptions options;
  options.dir = Resolve(args.dir);
  std::string trust_file;
  if (!args.trust_file.empty()) {
    trust_file = Resolve(args.trust_file);
  } else {
    std::string candidate = Resolve("trust/release-trust.json");
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0) trust_file = candidate;
  }
  if (!trust_file.empty()) options.trust_file = trust_file;

  release::Report report = release::VerifyReleaseDir(options);
  if (!args.check_installed.empty() && report.ok) {
    std::string about, why;
    if (RunAbout(args.check_installed, &about, &why)) {
      release::ApplyInstalledCheck(about, &report);
    } else {
      release::AddInstalledCheckFailure(why, &report);
    }
  }

  if (args.explain) {
    std::string text = Explain(StrCat("dir:", options.dir), trust_file, report);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  std::string out =
      args.format == "json" ? release::ReportToJson(report) : release::ReportToText(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return 1;
  return release::ExitCode(report);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return Main(args);
}
