// nooterra-bench [--json] [--quick]
//   --json   print one JSON object (keys documented in bench/README.md) instead of a table
//   --quick  shorter rounds: the whole run stays under a minute
#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

#include "harness.h"

namespace nooterra::bench {
void RunReceiptBenches(const Config& config, Report* report);
void RunVerifyBenches(const Config& config, const std::string& self_dir, Report* report);
void RunObjectBenches(const Config& config, Report* report);
void RunStoreBenches(const Config& config, Report* report);
void RunSettleBenches(const Config& config, Report* report);
void RunBatchBenches(Report* report);
void RunPolicyBenches(const Config& config, Report* report);
}

int main(int argc, char** argv) {
  using namespace nooterra::bench;
  bool json = false;
  std::string only;  // one group, e.g. to profile it alone
  Config config;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      config.round_seconds = 0.15;
      config.rounds = 3;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::puts("usage: nooterra-bench [--json] [--quick] [--only receipt|objects|policy|store|batch|settle|verify]");
      return 0;
    } else {
      std::fprintf(stderr, "nooterra-bench: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  Report report;
  auto group = [&](const char* name) { return only.empty() || only == name; };
  if (group("receipt")) {
    std::fprintf(stderr, "nooterra-bench: receipt core...\n");
    RunReceiptBenches(config, &report);
  }
  if (group("objects")) {
    std::fprintf(stderr, "nooterra-bench: protocol objects...\n");
    RunObjectBenches(config, &report);
  }
  if (group("policy")) {
    std::fprintf(stderr, "nooterra-bench: spend policy...\n");
    RunPolicyBenches(config, &report);
  }
  if (group("store")) {
    std::fprintf(stderr, "nooterra-bench: store, ledger, kernel...\n");
    RunStoreBenches(config, &report);
  }
  if (only == "batch") RunBatchBenches(&report);  // the C++ side of bench/bindings_overhead.{py,js}
  if (only == "settle") RunSettleBenches(config, &report);  // the settlement path alone, to profile it
  if (!group("verify")) {
    std::fputs((json ? report.Json() + "\n" : report.Text()).c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "nooterra-bench: bundle verification...\n");
  char self[4096] = {0};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string self_dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string(argv[0]);
  self_dir = self_dir.substr(0, self_dir.find_last_of('/'));
  RunVerifyBenches(config, self_dir, &report);
  std::string out = json ? report.Json() + "\n" : report.Text();
  std::fputs(out.c_str(), stdout);
  return 0;
}
