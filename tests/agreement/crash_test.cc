// Crash test (ctest label `crash`): a child process runs a settlement workload on a durable
// store and is killed with SIGKILL at random moments, 60 times. After each kill the store
// reopens, the ledger audit finds no violation, and every operation the child acknowledged is
// present (its idempotency key replays the acknowledged result).
//
// usage: crash_test                 run the test (prints "N passed, N failed")
//        crash_test --child DIR N   the workload: settles agreements N, N+1, ..., printing each
//                                   acknowledged index on stdout
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/ledger.h"
#include "nooterra/store.h"

namespace {

using nooterra::agreement::Kernel;
constexpr char kTenant[] = "tenant_crash";
constexpr char kNow[] = "2026-05-01T00:00:00.000Z";

std::string CreateRequest(int i) {
  return R"({"agreement":{"toolId":"tool_crash","callId":"call_)" + std::to_string(i) +
         R"(","manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d","input":{"i":)" +
         std::to_string(i) + R"(},"settlementTerms":{"amountCents":100,"currency":"USD"},)"
         R"("payerAgentId":"agt_payer","payeeAgentId":"agt_payee"},"holdbackBps":1000,"challengeWindowMs":800})";
}

std::string AgreementHash(const std::string& create_result) {
  const size_t at = create_result.find("\"agreementHash\":\"");
  return at == std::string::npos ? std::string() : create_result.substr(at + 17, 64);
}

std::string SettleRequest(const std::string& h, int i) {
  return R"({"agreementHash":")" + h + R"(","decisionId":"dec_)" + std::to_string(i) + R"(","receiptId":"rcpt_)" +
         std::to_string(i) + R"(","releaseRatePct":100,"verificationStatus":"green",)"
         R"("policyHashUsed":"006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8"})";
}

int Child(const std::string& dir, int start) {
  auto store = nooterra::store::Store::Open(dir);  // durable: acknowledged means on disk
  if (!store.ok()) return 3;
  Kernel kernel(store->get());
  for (int i = start;; ++i) {
    auto created = kernel.CreateAgreement(kTenant, CreateRequest(i), kNow, "create_" + std::to_string(i));
    if (!created.ok()) return 4;
    const std::string h = AgreementHash(created->json);
    if (!kernel.Fund(kTenant, h, kNow, "fund_" + std::to_string(i)).ok()) return 5;
    if (!kernel.Settle(kTenant, SettleRequest(h, i), kNow, "settle_" + std::to_string(i)).ok()) return 6;
    std::printf("%d\n", i);  // acknowledged: all three calls committed
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--child") == 0) return Child(argv[2], std::atoi(argv[3]));
  std::string pattern = (std::filesystem::temp_directory_path() / "nooterra-crash-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return 2;
  const std::string dir = pattern + "/store";
  int passed = 0, failed = 0;
  {
    auto store = nooterra::store::Store::Open(dir);
    Kernel kernel(store->get());
    const std::string pem = nooterra::crypto::PrivateKey::FromSeed(nooterra::crypto::Sha256Digest(std::string_view("p")))->public_key().ToPem();
    const std::string pem2 = nooterra::crypto::PrivateKey::FromSeed(nooterra::crypto::Sha256Digest(std::string_view("q")))->public_key().ToPem();
    if (!kernel.RegisterAgent(kTenant, "agt_payer", pem).ok() || !kernel.RegisterAgent(kTenant, "agt_payee", pem2).ok() ||
        !kernel.Deposit(kTenant, "agt_payer", "USD", 100000000, "seed").ok()) {
      std::puts("crash_test: setup failed");
      return 1;
    }
  }
  std::mt19937 rng(2026);
  int next = 0, kills = 0;
  for (int round = 0; round < 60; ++round) {
    int out[2];
    if (pipe(out) != 0) return 2;
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string start = std::to_string(next);
      execl(argv[0], argv[0], "--child", dir.c_str(), start.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++kills;
    // The acknowledged indices.
    std::string acked;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) acked.append(buf, static_cast<size_t>(n));
    close(out[0]);
    int last = next - 1;
    for (size_t p = 0; p < acked.size();) {
      const size_t e = acked.find('\n', p);
      if (e == std::string::npos) break;  // a line cut by the kill is not an acknowledgement
      last = std::atoi(acked.substr(p, e - p).c_str());
      p = e + 1;
    }
    // Reopen: the audit is clean and every acknowledged settlement is there.
    bool ok = true;
    {
      auto store = nooterra::store::Store::Open(dir);
      if (!store.ok()) {
        std::printf("round %d: reopen failed: %s\n", round, std::string(store.status().message()).c_str());
        ok = false;
      } else {
        Kernel kernel(store->get());
        absl::Status audit = (*store)->Read([&](const nooterra::store::ReadTxn& txn) -> absl::Status {
          auto v = nooterra::ledger::Check(txn, kTenant);
          if (!v.ok()) return v.status();
          if (!v->empty()) return absl::DataLossError(v->front());
          return absl::OkStatus();
        });
        if (!audit.ok()) {
          std::printf("round %d: ledger audit: %s\n", round, std::string(audit.message()).c_str());
          ok = false;
        }
        for (int i = next; i <= last && ok; ++i) {
          auto created = kernel.CreateAgreement(kTenant, CreateRequest(i), kNow, "create_" + std::to_string(i));
          const std::string h = created.ok() ? AgreementHash(created->json) : "";
          auto settled = kernel.Settle(kTenant, SettleRequest(h, i), kNow, "settle_" + std::to_string(i));
          if (!created.ok() || !created->already_existed || !settled.ok() || !settled->already_existed) {
            std::printf("round %d: acknowledged settlement %d is missing\n", round, i);
            ok = false;
          }
        }
        // The next child starts after whatever the killed one got durably done (acknowledged
        // or not): find the first index whose creation is not yet stored.
        int resume = last + 1;
        for (;; ++resume) {
          auto probe = kernel.CreateAgreement(kTenant, CreateRequest(resume), kNow, "probe_" + std::to_string(resume));
          if (!probe.ok() && std::string(probe.status().message()).find("exists") != std::string::npos) continue;
          // A probe that created the agreement finishes it, so every agreement ends settled.
          if (probe.ok() && !probe->already_existed) {
            const std::string h = AgreementHash(probe->json);
            (void)kernel.Fund(kTenant, h, kNow, "probe_fund_" + std::to_string(resume));
            (void)kernel.Settle(kTenant, SettleRequest(h, resume), kNow, "probe_settle_" + std::to_string(resume));
            ++resume;
          }
          break;
        }
        next = resume;
      }
    }
    ok ? ++passed : ++failed;
  }
  std::error_code ec;
  std::filesystem::remove_all(pattern, ec);
  std::printf("crash_test: %d kills, %d settlements acknowledged in total\n", kills, next);
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && kills >= 50 ? 0 : 1;
}
