// libFuzzer target: the agreement kernel on untrusted operation sequences (non-negotiable 4: bad
// input gets a typed error and changes nothing). Each input is up to 16 lines
// "<op>\t<subject>\t<request JSON>" run against a fresh tenant of one store (three agents, a
// deposit), `op` a decimal Operation value (0 = the maintenance tick). Three placeholders let seeds
// reach deep states whose hashes depend on the tenant: "$A" is the agreement hash of the last
// agreement created, "$D" the holdHash of the last hold locked, "$H" the lastChainHash of the run
// the line names. Properties, per operation:
//   - a failure is typed (a reason), never INTERNAL or DATA_LOSS (those are broken invariants),
//     and leaves the tenant's state hash unchanged;
//   - after a success the whole-tenant audit (ledger, escrow conservation and its counts, the
//     operation log) is clean, and the same call again is an idempotent replay: the same bytes,
//     already_existed, the state hash unchanged.
// And per input: the same operations run again through ApplyBatch on a second store (the same
// tenant, so the same hashes), one batch between maintenance ticks, give every operation the
// outcome its single call had (code, reason, bytes) and end in the same state hash: a failed
// operation's savepoint undoes exactly what it wrote.
// The sanitizer build also re-audits after every commit (NOOTERRA_READBACK_CHECKS).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"
#include "nooterra/store.h"

namespace {

using namespace nooterra;

// One store for the whole run (a fresh tenant per input), removed at exit.
struct TempStore {
  std::string dir;
  std::unique_ptr<store::Store> store;
  TempStore() {
    static int stores = 0;
    dir = (std::filesystem::temp_directory_path() /
           ("nooterra_fuzz_kernel_" + std::to_string(getpid()) + "_" + std::to_string(stores++)))
              .string();
    Reset();
  }
  // A fresh, empty store: every input uses a new tenant, so old ones are only weight (the
  // mapped pages count against libFuzzer's RSS limit in long runs).
  void Reset() {
    store.reset();
    std::filesystem::remove_all(dir);
    store::Options o;
    o.durable = false;
    auto s = store::Store::Open(dir, o);
    if (!s.ok()) std::abort();
    store = std::move(*s);
  }
  ~TempStore() {
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

TempStore& TheStore() {
  static TempStore temp;
  return temp;
}

TempStore& TheBatchStore() {  // the twin the batches run on
  static TempStore temp;
  return temp;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

void Replace(std::string* s, std::string_view from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

// The member at a dotted path of a JSON text, if it is a string.
std::string Field(const std::string& text, std::initializer_list<std::string_view> path) {
  auto doc = json::Document::Parse(text);
  if (!doc.ok()) return "";
  json::Value v = doc->root();
  for (std::string_view key : path) v = v.Find(key);
  return v.is_string() ? std::string(v.as_string()) : "";
}

std::string StateHash(agreement::Kernel& k, const std::string& tenant) {
  auto h = k.StateHash(tenant);
  Check(h.ok());
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (32 << 10)) return 0;
  static uint64_t inputs = 0;
  if (inputs > 0 && inputs % 4096 == 0) {
    TheStore().Reset();
    TheBatchStore().Reset();
  }
  const std::string tenant = "fz" + std::to_string(inputs++);
  agreement::Kernel k(TheStore().store.get()), twin(TheBatchStore().store.get());
  // Fixed keys: the same agents every input, so seeds can name them.
  for (agreement::Kernel* kernel : {&k, &twin}) {
    for (const char* agent : {"agt_buyer", "agt_tool", "agt_arbiter"}) {
      auto key = crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view(agent)));
      Check(key.ok() && kernel->RegisterAgent(tenant, agent, key->public_key().ToPem()).ok());
    }
    Check(kernel->Deposit(tenant, "agt_buyer", "USD", 100000, "fuzz_deposit").ok());
  }
  // What each single call did, to compare with the batches on the twin.
  std::vector<agreement::BatchOp> pending;
  std::vector<absl::StatusOr<agreement::Result>> expected;
  auto run_batch = [&]() {
    if (pending.empty()) return;
    auto outcomes = twin.ApplyBatch(tenant, pending);
    Check(outcomes.ok() && outcomes->size() == pending.size());
    for (size_t i = 0; i < pending.size(); ++i) {
      const agreement::BatchOutcome& got = (*outcomes)[i];
      const absl::StatusOr<agreement::Result>& want = expected[i];
      Check(got.status.code() == want.status().code() && StatusReason(got.status) == StatusReason(want.status()));
      Check(!want.ok() || (got.result.json == want->json && got.result.already_existed == want->already_existed));
    }
    pending.clear();
    expected.clear();
  };

  std::string last_agreement(64, '0'), last_hold(64, '0');
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int line = 0; line < 16 && !input.empty(); ++line) {
    const size_t eol = input.find('\n');
    std::string_view op_line = input.substr(0, eol);
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    const size_t t1 = op_line.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : op_line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) continue;
    int op = 0;
    for (char c : op_line.substr(0, t1)) op = c >= '0' && c <= '9' && op < 1000 ? op * 10 + (c - '0') : op;
    agreement::BatchOp b;
    b.subject = std::string(op_line.substr(t1 + 1, t2 - t1 - 1));
    b.request_json = std::string(op_line.substr(t2 + 1));
    b.now = "2026-05-01T00:00:" + std::string(line < 10 ? "0" : "") + std::to_string(line) + ".000Z";
    b.idempotency_key = "k" + std::to_string(line % 5);  // reused keys: replays and conflicts
    b.operation = static_cast<agreement::Operation>(op);
    Replace(&b.subject, "$A", last_agreement);
    Replace(&b.request_json, "$A", last_agreement);
    Replace(&b.request_json, "$D", last_hold);
    if (b.request_json.find("$H") != std::string::npos) {
      auto run = k.GetRun(tenant, b.subject);
      Replace(&b.request_json, "$H", run.ok() && run->has_value() ? Field(**run, {"run", "lastChainHash"}) : "");
    }

    const std::string before = StateHash(k, tenant);
    absl::StatusOr<agreement::Result> r =
        op == 0 ? k.RunHoldbackMaintenance(tenant, b.now, false, 100) : k.Apply(tenant, b);
    if (op == 0) {
      run_batch();
      auto tick = twin.RunHoldbackMaintenance(tenant, b.now, false, 100);
      Check(tick.ok() == r.ok() && (!r.ok() || tick->json == r->json));
    } else {
      pending.push_back(b);
      expected.push_back(r);
    }
    if (!r.ok()) {
      Check(!StatusReason(r.status()).empty());
      Check(r.status().code() != absl::StatusCode::kInternal && r.status().code() != absl::StatusCode::kDataLoss);
      Check(StateHash(k, tenant) == before);
      continue;
    }
    if (const std::string h = Field(r->json, {"agreement", "agreementHash"}); !h.empty()) last_agreement = h;
    if (const std::string h = Field(r->json, {"hold", "holdHash"}); !h.empty()) last_hold = h;
    auto audit = k.CheckStore(tenant);
    Check(audit.ok() && audit->ok);
    if (op == 0 || r->already_existed) continue;
    const std::string after = StateHash(k, tenant);
    auto again = k.Apply(tenant, b);
    Check(again.ok() && again->already_existed && again->json == r->json);
    Check(StateHash(k, tenant) == after);
  }
  run_batch();
  Check(StateHash(twin, tenant) == StateHash(k, tenant));
  return 0;
}
