// The store, the ledger and the kernel, beside LMDB's own baselines measured in the same run
// on the same disk (a fresh temporary directory).
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "harness.h"
#include "nooterra/agreement.h"
#include "nooterra/c.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"
#include "nooterra/ledger.h"
#include "nooterra/store.h"

namespace nooterra::bench {

namespace {

using Clock = std::chrono::steady_clock;

double MedianUs(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "nooterra-bench-XXXXXX").string();
  return mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
}

// Raw LMDB: p50 of a durable commit of one 100-byte put, and random puts in one transaction.
void LmdbBaselines(const std::string& dir, int commits, Report* report) {
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, size_t{1} << 30);
  if (mdb_env_open(env, dir.c_str(), 0, 0600) != 0) return;
  MDB_dbi dbi;
  MDB_txn* txn = nullptr;
  mdb_txn_begin(env, nullptr, 0, &txn);
  mdb_dbi_open(txn, nullptr, 0, &dbi);
  mdb_txn_commit(txn);
  std::string value(100, 'v');
  std::vector<double> us;
  for (int i = 0; i < commits; ++i) {
    const auto t0 = Clock::now();
    mdb_txn_begin(env, nullptr, 0, &txn);
    std::string key = "k" + std::to_string(i);
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    mdb_put(txn, dbi, &k, &v, 0);
    mdb_txn_commit(txn);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  report->Add("lmdb_sync_commit_p50_us", MedianUs(us), "baseline: raw LMDB durable commit of one 100-byte put");
  const int puts = 200000;
  uint64_t x = 88172645463325252ULL;
  const auto t0 = Clock::now();
  mdb_txn_begin(env, nullptr, 0, &txn);
  for (int i = 0; i < puts; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::string key = std::to_string(x);
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    mdb_put(txn, dbi, &k, &v, 0);
  }
  mdb_txn_commit(txn);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  report->Add("lmdb_random_put_per_s", puts / s, "baseline: raw LMDB random 100-byte puts in one transaction");
  mdb_env_close(env);
}

// Settlements through the kernel's batch API on a durable store. Untimed setup: agreements
// created and funded, and the payee's ToolCallEvidence built and signed (the payee signs on its
// own machine). Timed, per settlement: SubmitEvidence (the payee's Ed25519 signature verified
// against its registered key) and Settle (the pinned policy evaluated, SettlementDecisionRecord.v2
// + SettlementReceipt.v1 + holdback FundingHold built and hashed, postings, idempotency records).
void RunSettlementBenches(const std::string& dir, int commits, Report* report, bool durable = true) {
  store::Options options;
  options.durable = durable;
  auto store = store::Store::Open(dir, options);
  if (!store.ok()) return;
  agreement::Kernel kernel(store->get());
  std::string seed(32, '\x02');
  auto payee = crypto::PrivateKey::FromSeed(crypto::Bytes(reinterpret_cast<const uint8_t*>(seed.data()), 32));
  if (!payee.ok()) return;
  seed.assign(32, '\x01');
  auto payer = crypto::PrivateKey::FromSeed(crypto::Bytes(reinterpret_cast<const uint8_t*>(seed.data()), 32));
  (void)kernel.RegisterAgent("bench", "agt_payer", payer->public_key().ToPem());
  (void)kernel.RegisterAgent("bench", "agt_payee", payee->public_key().ToPem());
  (void)kernel.Deposit("bench", "agt_payer", "USD", int64_t{1} << 50, "seed");
  const std::string now = "2026-02-01T00:00:00.000Z";
  const std::string input_hash = crypto::Sha256Hex(std::string_view(R"({"q":1})"));
  int next = 0;
  // Creates and funds `n` agreements (in batches, untimed); returns [evidence, settle] op pairs.
  auto prepare = [&](int n) {
    std::vector<agreement::BatchOp> setup, work;
    std::vector<std::string> calls;
    for (int i = 0; i < n; ++i) {
      const std::string call = "call_" + std::to_string(next++);
      calls.push_back(call);
      setup.push_back({agreement::Operation::kCreate, "",
                       R"({"agreement":{"toolId":"tool_bench","callId":")" + call +
                           R"(","manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d",)"
                           R"("input":{"q":1},"settlementTerms":{"amountCents":1000,"currency":"USD"},)"
                           R"("payerAgentId":"agt_payer","payeeAgentId":"agt_payee"},"holdbackBps":1000,"challengeWindowMs":800})",
                       now, "c_" + call});
    }
    auto created = kernel.ApplyBatch("bench", setup);
    if (!created.ok()) return work;
    std::vector<agreement::BatchOp> funds;
    objects::BuildOptions sign;
    sign.signer = &*payee;
    for (int i = 0; i < n; ++i) {
      auto doc = json::Document::Parse((*created)[i].result.json);
      if (!doc.ok()) return work;
      const std::string h(doc->root().Find("agreement").Find("agreementHash").as_string());
      funds.push_back({agreement::Operation::kFund, h, "", now, "f_" + calls[i]});
      auto evidence = objects::Build(objects::ObjectType::kToolCallEvidence,
                                     R"({"agreementHash":")" + h + R"(","callId":")" + calls[i] + R"(","inputHash":")" +
                                         input_hash + R"(","output":{"ok":true},"startedAt":"2026-02-01T00:00:00.000Z"})",
                                     sign);
      if (!evidence.ok()) return work;
      work.push_back({agreement::Operation::kSubmitEvidence, "", evidence->canonical, now, "e_" + calls[i]});
      work.push_back({agreement::Operation::kSettle, "",
                      R"({"agreementHash":")" + h + R"(","decisionId":"dec_)" + calls[i] + R"(","receiptId":"rcpt_)" +
                          calls[i] + R"(","verificationStatus":"green"})",
                      now, "s_" + calls[i]});
    }
    (void)kernel.ApplyBatch("bench", funds);
    return work;
  };
  auto all_ok = [](const absl::StatusOr<std::vector<agreement::BatchOutcome>>& r) {
    if (!r.ok()) return false;
    for (const auto& o : *r) {
      if (!o.status.ok()) return false;
    }
    return true;
  };

  // One settlement per durable commit.
  {
    std::vector<agreement::BatchOp> work = prepare(commits);
    std::vector<double> us;
    bool ok = work.size() == static_cast<size_t>(2 * commits);
    for (int i = 0; ok && i < commits; ++i) {
      std::vector<agreement::BatchOp> one(work.begin() + 2 * i, work.begin() + 2 * i + 2);
      const auto t0 = Clock::now();
      ok = all_ok(kernel.ApplyBatch("bench", one));
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    if (ok) {
      if (durable) {
        report->Add("settle_durable_p50_us", MedianUs(us),
                    "one settlement (signed evidence verified + decision + receipt + holdback + postings) per "
                    "durable commit; compare lmdb_sync_commit_p50_us");
      } else {
        report->Add("settle_nosync_p50_us", MedianUs(us),
                    "diagnostic: the same one-settlement commit on a no-sync store (its CPU cost)");
      }
    }
  }
  // The settling step alone (the evidence committed before, untimed): decision, receipt,
  // holdback and postings in one durable commit.
  if (durable) {
    std::vector<agreement::BatchOp> work = prepare(commits);
    std::vector<double> us;
    bool ok = work.size() == static_cast<size_t>(2 * commits);
    for (int i = 0; ok && i < commits; ++i) {
      ok = all_ok(kernel.ApplyBatch("bench", {work[2 * i]}));
      const auto t0 = Clock::now();
      ok = ok && all_ok(kernel.ApplyBatch("bench", {work[2 * i + 1]}));
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    if (ok) {
      report->Add("settle_step_durable_p50_us", MedianUs(us),
                  "diagnostic: the settling step alone (decision + receipt + holdback + postings; evidence committed "
                  "before) per durable commit");
    }
  }
  // Group commit: 512 settlements per durable commit.
  {
    constexpr int kPerBatch = 512, kBatches = 8;
    std::vector<std::vector<agreement::BatchOp>> batches;
    for (int b = 0; b < kBatches; ++b) batches.push_back(prepare(kPerBatch));
    bool ok = true;
    const auto t0 = Clock::now();
    for (const auto& batch : batches) ok = ok && batch.size() == 2 * kPerBatch && all_ok(kernel.ApplyBatch("bench", batch));
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (ok && durable) {
      report->Add("settle_batched_signed_per_s", kPerBatch * kBatches / s,
                  "settlements (payee-signed evidence verified + decision + receipt + holdback + postings), "
                  "512 per durable commit, one core");
    } else if (ok) {
      report->Add("settle_batched_nosync_per_s", kPerBatch * kBatches / s,
                  "diagnostic: the same group-committed settlements on a no-sync store (CPU and page writes, no fsync)");
    }
  }
}

// Deposits through ApplyBatch, 512 per commit, no fsync: the C++ side of the bindings' batch
// throughput comparison. The workload is fixed, not timed, so that bench/bindings_overhead.py and
// .js run exactly the same one: a fresh store, 5 rounds of 20 batches of 512 deposits spread over
// 16 agents, the median of the per-round rates. Request text is built inside the timed loop, as
// the bindings build theirs.
void BatchBench(const std::string& dir, Report* report) {
  store::Options o;
  o.durable = false;
  auto store = store::Store::Open(dir, o);
  if (!store.ok()) return;
  agreement::Kernel kernel(store->get());
  int64_t n = 0;
  std::vector<double> rates;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int b = 0; b < 20; ++b) {
      std::vector<agreement::BatchOp> ops;
      ops.reserve(512);
      for (int i = 0; i < 512; ++i) {
        ops.push_back({agreement::Operation::kDeposit, "",
                       R"({"agentId":"agt_)" + std::to_string(i % 16) + R"(","currency":"USD","amountCents":1})",
                       "2026-01-01T00:00:00Z", "dep_" + std::to_string(n++)});
      }
      (void)kernel.ApplyBatch("bench", ops);
    }
    rates.push_back(20 * 512 / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(rates.begin(), rates.end());
  report->Add("batch_deposits_per_s", rates[rates.size() / 2],
              "deposits through ApplyBatch, 5 rounds x 20 batches x 512, no fsync (C++; the bindings' scripts run the same)");
}

}  // namespace

// One settlement call whose kernel work is the same in every language: the replay of an
// already-settled request (same idempotency key): parse, canonicalize and hash the request, look
// the key up, return the stored ~3 KB result. Through the C ABI here; bench/bindings_overhead.{py,js}
// time the same replay through the bindings, so the difference is their added cost per call.
void RunSettleReplayBench(const Config& config, Report* report) {
  const std::string root = TempDir();
  if (root.empty()) return;
  const std::string dir = root + "/replay", now = "2026-06-01T00:00:00Z";
  std::string agreement_hash;
  {
    store::Options o;
    o.durable = false;
    auto store = store::Store::Open(dir, o);
    if (!store.ok()) return;
    agreement::Kernel k(store->get());
    for (auto [agent, seed] : {std::pair{"agt_buyer", '\x01'}, std::pair{"agt_tool", '\x02'}}) {
      auto key = crypto::PrivateKey::FromSeed(crypto::AsBytes(std::string(32, seed)));
      if (!key.ok() || !k.RegisterAgent("t", agent, key->public_key().ToPem()).ok()) return;
    }
    if (!k.Deposit("t", "agt_buyer", "USD", 5000, "dep").ok()) return;
    auto created = k.CreateAgreement("t",
        R"({"agreement":{"toolId":"tool_x","callId":"call_1","manifestHash":")" + std::string(64, 'a') +
        R"(","input":{},"settlementTerms":{"amountCents":1000,"currency":"USD"},"payerAgentId":"agt_buyer",)"
        R"("payeeAgentId":"agt_tool"},"holdbackBps":0,"challengeWindowMs":800})", now, "c1");
    if (!created.ok()) return;
    agreement_hash = created->json.substr(created->json.find("\"agreementHash\":\"") + 17, 64);
    if (!k.Fund("t", agreement_hash, now, "f1").ok()) return;
  }
  const std::string request = R"({"agreementHash":")" + agreement_hash +
                              R"(","decisionId":"d1","receiptId":"r1","verificationStatus":"green"})";
  nooterra_store_t* h = nullptr;
  nooterra_store_options_t o = NOOTERRA_STORE_OPTIONS_INIT;
  o.durable = 0;
  if (nooterra_store_open(dir.c_str(), &o, &h, nullptr) != NOOTERRA_OK) return;
  const auto settle = [&] {
    nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
    int32_t existed = 0;
    const int32_t rc = nooterra_agreement_apply(h, "t", NOOTERRA_AGREEMENT_SETTLE, nullptr,
                                                reinterpret_cast<const uint8_t*>(request.data()), request.size(),
                                                now.c_str(), "s1", &out, &existed, nullptr);
    DoNotOptimize(out.size);
    nooterra_buffer_dispose(&out);
    return rc;
  };
  if (settle() == NOOTERRA_OK) {  // the first call settles; every later one replays
    const double rate = MeasureRate(config, [&](uint64_t n) {
      for (uint64_t i = 0; i < n; ++i) settle();
    });
    report->Add("capi_settle_replay_ns", 1e9 / rate,
                "C ABI settle call replayed by its idempotency key (the binding scripts time the same)");
  }
  nooterra_store_close(h);
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

void RunBatchBenches(Report* report) {
  const std::string root = TempDir();
  if (root.empty()) return;
  BatchBench(root + "/batch", report);
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}


void RunStoreBenches(const Config& config, Report* report) {
  const std::string root = TempDir();
  if (root.empty()) return;
  const int commits = config.rounds * 40;
  std::filesystem::create_directories(root + "/lmdb");
  LmdbBaselines(root + "/lmdb", commits, report);

  // Ledger postings: balanced 2-posting entries, 1,000 per ledger::PostBatch in one write
  // transaction (no fsync), the group-commit shape of the batch API. Building the entries is
  // timed too.
  {
    store::Options o;
    o.durable = false;
    auto store = store::Store::Open(root + "/ledger", o);
    if (!store.ok()) return;
    (void)(*store)->Write([](store::WriteTxn& txn) {
      return ledger::Post(txn, "bench", ledger::Deposit("seed", "agt_a", "USD", ledger::kAmountMax / 2));
    });
    int64_t n = 0;
    const double rate = MeasureRate(config, [&](uint64_t iterations) {
      uint64_t done = 0;
      while (done < iterations) {
        const uint64_t batch = std::min<uint64_t>(1000, iterations - done);
        std::vector<ledger::Entry> entries;
        entries.reserve(batch);
        for (uint64_t i = 0; i < batch; ++i) {
          entries.push_back(ledger::Move("p" + std::to_string(n++), ledger::Account{"agt_a", "USD", ledger::Bucket::kAvailable},
                                         ledger::Account{"agt_" + std::to_string(n % 64), "USD", ledger::Bucket::kEscrow}, 1));
        }
        (void)(*store)->Write([&](store::WriteTxn& txn) { return ledger::PostBatch(txn, "bench", entries); });
        done += batch;
      }
    });
    report->Add("ledger_postings_per_s", rate, "balanced 2-posting entries, 1,000 per write transaction, no fsync");
  }

  // The kernel: one holdback lock (FundingHold built and stored, escrow posting, idempotency
  // record) per durable commit.
  {
    auto store = store::Store::Open(root + "/kernel");
    if (!store.ok()) return;
    agreement::Kernel kernel(store->get());
    (void)kernel.Deposit("bench", "agt_payer", "USD", 1000000000, "seed");
    std::vector<double> us;
    for (int i = 0; i < commits; ++i) {
      const std::string agreement = crypto::Sha256Hex("bench:agreement:" + std::to_string(i));
      const std::string request =
          R"({"agreementHash":")" + agreement + R"(","receiptHash":")" + agreement +
          R"(","payerAgentId":"agt_payer","payeeAgentId":"agt_payee","amountCents":10000,"currency":"USD",)"
          R"("holdbackBps":2000,"challengeWindowMs":800})";
      const auto t0 = Clock::now();
      (void)kernel.LockHold("bench", request, "2026-02-01T00:00:00Z", "lock" + std::to_string(i));
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    report->Add("hold_lock_durable_p50_us", MedianUs(us),
                "kernel LockHold, one durable commit (FundingHold + escrow posting + idempotency record); "
                "compare lmdb_sync_commit_p50_us");
  }
  BatchBench(root + "/batch", report);
  RunSettlementBenches(root + "/settle", commits, report);
  RunSettlementBenches(root + "/settle-nosync", commits, report, /*durable=*/false);
  RunSettleReplayBench(config, report);
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

// `--only settle`: the two settlement figures alone, with the raw LMDB commit beside them (to
// profile the kernel's settlement path without the other store benches around it).
void RunSettleBenches(const Config& config, Report* report) {
  const std::string root = TempDir();
  if (root.empty()) return;
  const int commits = config.rounds * 40;
  std::filesystem::create_directories(root + "/lmdb");
  LmdbBaselines(root + "/lmdb", commits, report);
  RunSettlementBenches(root + "/settle", commits, report);
  RunSettlementBenches(root + "/settle-nosync", commits, report, /*durable=*/false);
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

}  // namespace nooterra::bench
