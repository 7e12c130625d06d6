// Kernel::ApplyBatch: group commit with per-operation outcomes. Each outcome must be exactly what
// the single call would have returned (checked against a twin store driven call by call), a
// failed operation must change nothing while its neighbours commit, and batch-level failures
// must commit nothing at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agreement/agreement_fixture.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/temp_dir.h"

namespace nooterra::agreement {
namespace {

using testing::Field;

constexpr char kTenant[] = "tenant_b";
constexpr char kNow[] = "2026-04-01T00:00:00.000Z";

std::string CreateRequest(const std::string& call_id, int64_t amount) {
  return testing::CreateRequest(call_id, amount, 1000, 800);
}

std::string SettleRequest(const std::string& agreement, const std::string& tag) {
  return R"({"agreementHash":")" + agreement + R"(","decisionId":"dec_)" + tag + R"(","receiptId":"rcpt_)" + tag +
         R"(","verificationStatus":"green"})";
}

class Batch : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> Open(const std::string& name, store::Options o = {}) {
    o.durable = false;
    auto s = store::Store::Open(dir_.sub(name), o);
    EXPECT_TRUE(s.ok()) << s.status();
    Kernel k(s->get());
    EXPECT_TRUE(k.RegisterAgent(kTenant, "agt_buyer", buyer_.public_key().ToPem()).ok());
    EXPECT_TRUE(k.RegisterAgent(kTenant, "agt_tool", tool_.public_key().ToPem()).ok());
    return std::move(*s);
  }

  // The agreement hash a create request yields (it is deterministic).
  std::string HashOf(const std::string& call_id, int64_t amount) {
    auto probe = Open("probe_" + call_id);
    Kernel k(probe.get());
    auto r = k.CreateAgreement(kTenant, CreateRequest(call_id, amount), kNow, "c");
    EXPECT_TRUE(r.ok()) << r.status();
    return Field(r->json, "agreement.agreementHash");
  }

  // Runs `op` as a single call (the reference behaviour a batch outcome must match).
  static absl::StatusOr<Result> Single(Kernel& k, const BatchOp& op) {
    std::vector<BatchOp> one{op};
    switch (op.operation) {
      case Operation::kDeposit: {
        const std::string agent = Field(op.request_json, "agentId"), currency = Field(op.request_json, "currency");
        return k.Deposit(kTenant, agent, currency, std::stoll(Field(op.request_json, "amountCents")),
                         op.idempotency_key);
      }
      case Operation::kCreate: return k.CreateAgreement(kTenant, op.request_json, op.now, op.idempotency_key);
      case Operation::kFund: return k.Fund(kTenant, op.subject, op.now, op.idempotency_key);
      case Operation::kSettle: return k.Settle(kTenant, op.request_json, op.now, op.idempotency_key);
      case Operation::kVoid: return k.Void(kTenant, op.subject, op.now, op.idempotency_key);
      default: return absl::UnimplementedError("not used by these tests");
    }
  }

  static std::string Wallet(store::Store* s, const std::string& agent) {
    return *Kernel(s).GetWallet(kTenant, agent, "USD");
  }

  static void ExpectSound(store::Store* s) {
    ASSERT_TRUE(s->Read([&](const store::ReadTxn& txn) {
      auto v = ledger::Check(txn, kTenant);
      EXPECT_TRUE(v.ok() && v->empty()) << (v.ok() && !v->empty() ? v->front() : v.status().ToString());
      return absl::OkStatus();
    }).ok());
    auto escrow = Kernel(s).AuditEscrow(kTenant);
    ASSERT_TRUE(escrow.ok()) << escrow.status();
    EXPECT_TRUE(escrow->empty()) << escrow->front();
  }

  nooterra::testing::TempDir dir_;
  crypto::PrivateKey buyer_ = testing::SeedKey(1), tool_ = testing::SeedKey(2);
};

TEST_F(Batch, OutcomesEqualSingleCallsAndFailuresChangeNothing) {
  const std::string a1 = HashOf("call_1", 1500), a2 = HashOf("call_2", 900000);
  std::vector<BatchOp> ops = {
      {Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":5000})", kNow, "dep_1"},
      {Operation::kCreate, "", CreateRequest("call_1", 1500), kNow, "create_1"},
      {Operation::kFund, a1, "", kNow, "fund_1"},
      {Operation::kFund, a1, "", kNow, "fund_1_again"},            // TRANSITION_ILLEGAL: already funded
      {Operation::kCreate, "", CreateRequest("call_2", 900000), kNow, "create_2"},
      {Operation::kFund, a2, "", kNow, "fund_2"},                  // LEDGER_INSUFFICIENT_FUNDS
      {Operation::kFund, std::string(64, '0'), "", kNow, "fund_x"},  // AGREEMENT_NOT_FOUND
      {Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":0})", kNow, "dep_bad"},  // SCHEMA_INVALID
      {Operation::kSettle, "", SettleRequest(a1, "1"), kNow, "settle_1"},
      {Operation::kFund, a1, "", kNow, "fund_1"},                  // replay of op 2: already existed
      {Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":7})", kNow, "dep_1"},  // conflict
      {Operation::kVoid, a2, "", kNow, "void_2"},                  // voids the unfunded? TRANSITION_ILLEGAL
  };
  auto batched = Open("batched");
  auto outcomes = Kernel(batched.get()).ApplyBatch(kTenant, ops);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  ASSERT_EQ(outcomes->size(), ops.size());

  auto single = Open("single");
  Kernel k(single.get());
  for (size_t i = 0; i < ops.size(); ++i) {
    absl::StatusOr<Result> expected = Single(k, ops[i]);
    const BatchOutcome& got = (*outcomes)[i];
    ASSERT_EQ(got.status.code(), expected.status().code()) << "op " << i << ": " << got.status;
    EXPECT_EQ(StatusReason(got.status), StatusReason(expected.status())) << "op " << i;
    if (expected.ok()) {
      EXPECT_EQ(got.result.json, expected->json) << "op " << i;
      EXPECT_EQ(got.result.already_existed, expected->already_existed) << "op " << i;
    }
  }
  EXPECT_EQ(StatusReason((*outcomes)[3].status), "TRANSITION_ILLEGAL");
  EXPECT_EQ(StatusReason((*outcomes)[5].status), "LEDGER_INSUFFICIENT_FUNDS");
  EXPECT_EQ(StatusReason((*outcomes)[6].status), "AGREEMENT_NOT_FOUND");
  EXPECT_EQ(StatusReason((*outcomes)[7].status), "SCHEMA_INVALID");
  EXPECT_TRUE((*outcomes)[9].result.already_existed);
  EXPECT_EQ(StatusReason((*outcomes)[10].status), "IDEMPOTENCY_KEY_CONFLICT");
  // The same end state, byte for byte, as the call-by-call twin.
  for (const char* agent : {"agt_buyer", "agt_tool"}) EXPECT_EQ(Wallet(batched.get(), agent), Wallet(single.get(), agent));
  EXPECT_EQ(*Kernel(batched.get()).GetAgreement(kTenant, a2), *k.GetAgreement(kTenant, a2));
  EXPECT_EQ(Field(**Kernel(batched.get()).GetAgreement(kTenant, a2), "status"), "created");  // the failed fund left it
  EXPECT_EQ(Wallet(batched.get(), "agt_tool"), R"({"available":1350,"escrow":0})");
  ExpectSound(batched.get());
}

// An operation that fails after it has written: a settlement whose decisionId fits the
// PolicyDecision ("pdec_" + id, at most 240) but not the decision record (at most 200) stores the
// policy decision, then fails. Its savepoint must undo that write: the batch ends in the state
// hash of the call-by-call twin, and the good settlement next to it commits.
TEST_F(Batch, AFailureAfterWritesIsUndoneInsideTheBatch) {
  const std::string a1 = HashOf("call_1", 1500);
  const std::string long_id(201, 'd');
  std::vector<BatchOp> ops = {
      {Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":5000})", kNow, "dep_1"},
      {Operation::kCreate, "", CreateRequest("call_1", 1500), kNow, "create_1"},
      {Operation::kFund, a1, "", kNow, "fund_1"},
      {Operation::kSettle, "",
       R"({"agreementHash":")" + a1 + R"(","decisionId":")" + long_id + R"(","receiptId":"rcpt_x","verificationStatus":"green"})",
       kNow, "settle_long"},
      {Operation::kSettle, "", SettleRequest(a1, "1"), kNow, "settle_1"},
  };
  auto batched = Open("batched");
  auto outcomes = Kernel(batched.get()).ApplyBatch(kTenant, ops);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  auto single = Open("single");
  Kernel k(single.get());
  for (size_t i = 0; i < ops.size(); ++i) {
    absl::StatusOr<Result> expected = Single(k, ops[i]);
    ASSERT_EQ((*outcomes)[i].status.code(), expected.status().code()) << "op " << i << ": " << (*outcomes)[i].status;
    if (expected.ok()) {
      EXPECT_EQ((*outcomes)[i].result.json, expected->json) << "op " << i;
    }
  }
  EXPECT_EQ((*outcomes)[3].status.code(), absl::StatusCode::kInvalidArgument) << (*outcomes)[3].status;
  EXPECT_TRUE((*outcomes)[4].status.ok()) << (*outcomes)[4].status;
  // The policy decision the failed settlement wrote before failing is gone; the good one stays.
  ASSERT_TRUE(batched->Read([&](const store::ReadTxn& txn) {
    EXPECT_EQ(txn.Get(store::Table::kObjects, kTenant, "policydecision/pdec_" + long_id)->has_value(), false);
    EXPECT_EQ(txn.Get(store::Table::kObjects, kTenant, "policydecision/pdec_dec_1")->has_value(), true);
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(*Kernel(batched.get()).StateHash(kTenant), *k.StateHash(kTenant));
  ExpectSound(batched.get());
}

TEST_F(Batch, ManySettlementsInOneCommit) {
  auto s = Open("many");
  std::vector<BatchOp> setup = {
      {Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":1000000})", kNow, "dep"}};
  std::vector<std::string> hashes;
  for (int i = 0; i < 200; ++i) {
    const std::string call = "call_" + std::to_string(i);
    setup.push_back({Operation::kCreate, "", CreateRequest(call, 1000), kNow, "c_" + call});
  }
  auto created = Kernel(s.get()).ApplyBatch(kTenant, setup);
  ASSERT_TRUE(created.ok()) << created.status();
  std::vector<BatchOp> work;
  for (size_t i = 1; i < created->size(); ++i) {
    ASSERT_TRUE((*created)[i].status.ok()) << (*created)[i].status;
    const std::string h = Field((*created)[i].result.json, "agreement.agreementHash");
    work.push_back({Operation::kFund, h, "", kNow, "f_" + std::to_string(i)});
    work.push_back({Operation::kSettle, "", SettleRequest(h, std::to_string(i)), kNow, "s_" + std::to_string(i)});
  }
  auto done = Kernel(s.get()).ApplyBatch(kTenant, work);
  ASSERT_TRUE(done.ok()) << done.status();
  for (const BatchOutcome& o : *done) ASSERT_TRUE(o.status.ok()) << o.status;
  // 200 x 1000: 900 paid now, 100 held back each (in the payer's escrow until the tick).
  EXPECT_EQ(Wallet(s.get(), "agt_tool"), R"({"available":180000,"escrow":0})");
  EXPECT_EQ(Wallet(s.get(), "agt_buyer"), R"({"available":800000,"escrow":20000})");
  const std::string receipt = *Kernel(s.get()).GetDocument(kTenant, Kernel::Document::kReceipt, "rcpt_7").value();
  auto report = objects::VerifyObject(receipt, {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  ExpectSound(s.get());
}

TEST_F(Batch, WholeBatchErrorsCommitNothing) {
  auto s = Open("errors");
  Kernel k(s.get());
  const BatchOp deposit{Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":5})",
                        kNow, "dep"};
  auto empty = k.ApplyBatch(kTenant, {});
  EXPECT_EQ(StatusReason(empty.status()), "BATCH_EMPTY");
  auto tenant = k.ApplyBatch("bad tenant!", {deposit});
  EXPECT_EQ(StatusReason(tenant.status()), "STORE_TENANT_INVALID");
  std::vector<BatchOp> too_many(kBatchOpsMax + 1, deposit);
  auto big = k.ApplyBatch(kTenant, too_many);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusReason(big.status()), "BATCH_TOO_LARGE");
  std::vector<BatchOp> at_limit(kBatchOpsMax, deposit);  // exactly at the limit: accepted
  auto limit = k.ApplyBatch(kTenant, at_limit);
  ASSERT_TRUE(limit.ok()) << limit.status();
  EXPECT_TRUE(limit->back().result.already_existed);  // one key, replayed 8191 times
  EXPECT_EQ(Wallet(s.get(), "agt_buyer"), R"({"available":5,"escrow":0})");
  BatchOp unknown = deposit;
  unknown.operation = static_cast<Operation>(42);
  auto u = k.ApplyBatch(kTenant, {unknown});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(StatusReason((*u)[0].status), "AGREEMENT_OPERATION_UNKNOWN");
  BatchOp malformed = deposit;
  malformed.request_json = R"({"agentId":"agt_buyer"})";
  auto m = k.ApplyBatch(kTenant, {malformed});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(StatusReason((*m)[0].status), "SCHEMA_INVALID");
  // Amounts beyond a safe integer (found by fuzz_kernel: the conversion to int64 was undefined
  // behaviour) and fractions are refused before any arithmetic.
  for (const char* amount : {"5e60", "-5e60", "9007199254740992", "1.5"}) {
    malformed.request_json = std::string(R"({"agentId":"agt_buyer","currency":"USD","amountCents":)") + amount + "}";
    auto r = k.ApplyBatch(kTenant, {malformed});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(StatusReason((*r)[0].status), "SCHEMA_INVALID") << amount;
  }
  EXPECT_EQ(Wallet(s.get(), "agt_buyer"), R"({"available":5,"escrow":0})");
}

TEST_F(Batch, StoreFullAbortsTheWholeBatch) {
  store::Options o;
  o.map_bytes_initial = o.map_bytes_max = uint64_t{1} << 20;
  auto s = Open("full", o);
  Kernel k(s.get());
  ASSERT_TRUE(k.Deposit(kTenant, "agt_buyer", "USD", 1, "first").ok());
  std::vector<BatchOp> ops;
  for (int i = 0; i < 4000; ++i) {
    ops.push_back({Operation::kDeposit, "", R"({"agentId":"agt_buyer","currency":"USD","amountCents":1})", kNow,
                   "dep_" + std::to_string(i) + std::string(150, 'k')});
  }
  auto r = k.ApplyBatch(kTenant, ops);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(StatusReason(r.status()), "STORE_FULL");
  EXPECT_EQ(Wallet(s.get(), "agt_buyer"), R"({"available":1,"escrow":0})");  // nothing of the batch
  ExpectSound(s.get());
}

}  // namespace
}  // namespace nooterra::agreement
