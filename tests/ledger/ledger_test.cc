// The double-entry ledger on the store: balanced entries, no overdraft, idempotent ids, audits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <sys/wait.h>

#include <random>

#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace nooterra::ledger {
namespace {

using store::Store;
using store::Table;
using testing::TempDir;

constexpr char kTenant[] = "tenant_test";

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Options o;
    o.durable = false;
    auto s = Store::Open(dir_.sub("s"), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  absl::Status PostOne(const Entry& e) {
    return store_->Write([&](store::WriteTxn& txn) { return Post(txn, kTenant, e); });
  }

  int64_t BalanceOf(std::string_view owner, Bucket bucket, std::string_view currency = "USD") {
    int64_t out = -1;
    EXPECT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
      auto b = Balance(txn, kTenant, Account{std::string(owner), std::string(currency), bucket});
      if (!b.ok()) return b.status();
      out = *b;
      return absl::OkStatus();
    }).ok());
    return out;
  }

  std::vector<std::string> Audit() {
    std::vector<std::string> out;
    EXPECT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
      auto v = Check(txn, kTenant);
      if (!v.ok()) return v.status();
      out = *v;
      return absl::OkStatus();
    }).ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

Account A(std::string owner, Bucket b = Bucket::kAvailable) { return Account{std::move(owner), "USD", b}; }

TEST_F(LedgerTest, DepositMoveWithdraw) {
  ASSERT_TRUE(PostOne(Deposit("dep_1", "agt_payer", "USD", 25000)).ok());
  EXPECT_EQ(BalanceOf("agt_payer", Bucket::kAvailable), 25000);
  EXPECT_EQ(BalanceOf("external", Bucket::kExternal), -25000);
  ASSERT_TRUE(PostOne(Move("hold_1", A("agt_payer"), A("agt_payer", Bucket::kEscrow), 2000)).ok());
  ASSERT_TRUE(PostOne(Move("rel_1", A("agt_payer", Bucket::kEscrow), A("agt_payee"), 2000)).ok());
  ASSERT_TRUE(PostOne(Withdrawal("wd_1", "agt_payee", "USD", 500)).ok());
  EXPECT_EQ(BalanceOf("agt_payer", Bucket::kAvailable), 23000);
  EXPECT_EQ(BalanceOf("agt_payer", Bucket::kEscrow), 0);
  EXPECT_EQ(BalanceOf("agt_payee", Bucket::kAvailable), 1500);
  EXPECT_EQ(BalanceOf("external", Bucket::kExternal), -24500);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());
  // The journal keeps each entry.
  ASSERT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
    auto e = GetEntry(txn, kTenant, "rel_1");
    EXPECT_TRUE(e.ok() && e->has_value());
    if (e.ok() && e->has_value()) {
      EXPECT_EQ((*e)->postings.size(), 2u);
    }
    return absl::OkStatus();
  }).ok());
}

TEST_F(LedgerTest, SplitPaysManyPayeesInOneEntry) {
  ASSERT_TRUE(PostOne(Deposit("dep", "agt_payer", "USD", 10000)).ok());
  Entry split;
  split.id = "settle_split";
  split.postings = {{A("agt_payer"), -10000}, {A("agt_tool"), 8000}, {A("platform_fees"), 1500},
                    {A("agt_subagent"), 500}};
  ASSERT_TRUE(PostOne(split).ok());
  EXPECT_EQ(BalanceOf("agt_tool", Bucket::kAvailable), 8000);
  EXPECT_EQ(BalanceOf("platform_fees", Bucket::kAvailable), 1500);
  EXPECT_EQ(BalanceOf("agt_subagent", Bucket::kAvailable), 500);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());
}

// Which failure an entry reports is fixed, whatever order its postings come in: currencies are
// checked in byte order, accounts in (owner, currency, bucket) order, and postings on the same
// account net out before the balance check.
TEST_F(LedgerTest, ErrorPrecedenceDoesNotDependOnPostingOrder) {
  ASSERT_TRUE(PostOne(Deposit("dep", "agt_payer", "USD", 1000)).ok());
  Entry two_unbalanced{"u", "", {{A("agt_payer"), -5}, {Account{"agt_b", "USD", Bucket::kAvailable}, 4},
                                 {Account{"agt_b", "GBP", Bucket::kAvailable}, 7},
                                 {Account{"agt_c", "EUR", Bucket::kAvailable}, 3}}};
  absl::Status s = PostOne(two_unbalanced);
  EXPECT_EQ(StatusReason(s), "LEDGER_UNBALANCED");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("postings in EUR sum to 3"));
  // Both agt_z and agt_m would go negative; agt_m comes first in account order.
  Entry two_overdrafts{"o", "", {{A("agt_z"), -1}, {A("agt_m"), -2}, {A("agt_b"), 3}}};
  s = PostOne(two_overdrafts);
  EXPECT_EQ(StatusReason(s), "LEDGER_INSUFFICIENT_FUNDS");
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("account agt_m/USD/available holds 0; the entry needs 2"));
  // agt_payer pays 1500 and receives 600 in the same entry: the net 900 fits its 1000.
  Entry netted{"n", "", {{A("agt_payer"), -1500}, {A("agt_b"), 1500}, {A("agt_b"), -600}, {A("agt_payer"), 600}}};
  ASSERT_TRUE(PostOne(netted).ok());
  EXPECT_EQ(BalanceOf("agt_payer", Bucket::kAvailable), 100);
  EXPECT_EQ(BalanceOf("agt_b", Bucket::kAvailable), 900);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());
}

TEST_F(LedgerTest, RejectionsChangeNothing) {
  ASSERT_TRUE(PostOne(Deposit("dep", "agt_payer", "USD", 1000)).ok());
  struct Case {
    Entry entry;
    absl::StatusCode code;
    std::string_view reason;
  };
  Entry unbalanced{"e1", "", {{A("agt_payer"), -100}, {A("agt_b"), 99}}};
  Entry overdraft = Move("e2", A("agt_payer"), A("agt_b"), 1001);
  Entry zero{"e3", "", {{A("agt_payer"), 0}, {A("agt_b"), 0}}};
  Entry single{"e4", "", {{A("agt_payer"), 0}}};
  Entry bad_currency = Move("e5", Account{"agt_payer", "usd", Bucket::kAvailable}, A("agt_b"), 1);
  Entry bad_owner = Move("e6", A("agt payer"), A("agt_b"), 1);
  Entry fake_external = Move("e7", Account{"agt_payer", "USD", Bucket::kExternal}, A("agt_b"), 1);
  Entry huge = Move("e8", A("agt_payer"), A("agt_b"), kAmountMax + 1);
  Entry bad_id = Move("bad id", A("agt_payer"), A("agt_b"), 1);
  Entry reused = Deposit("dep", "agt_payer", "USD", 1);
  Entry mixed{"e9", "", {{A("agt_payer"), -10}, {Account{"agt_b", "EUR", Bucket::kAvailable}, 10}}};
  const Case cases[] = {
      {unbalanced, absl::StatusCode::kInvalidArgument, "LEDGER_UNBALANCED"},
      {overdraft, absl::StatusCode::kFailedPrecondition, "LEDGER_INSUFFICIENT_FUNDS"},
      {zero, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {single, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {bad_currency, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {bad_owner, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {fake_external, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {huge, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {bad_id, absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID"},
      {reused, absl::StatusCode::kAlreadyExists, "LEDGER_ENTRY_EXISTS"},
      {mixed, absl::StatusCode::kInvalidArgument, "LEDGER_UNBALANCED"},
  };
  for (const Case& c : cases) {
    absl::Status s = PostOne(c.entry);
    EXPECT_EQ(s.code(), c.code) << c.entry.id << ": " << s;
    EXPECT_EQ(StatusReason(s), c.reason) << c.entry.id;
  }
  EXPECT_EQ(BalanceOf("agt_payer", Bucket::kAvailable), 1000);
  EXPECT_EQ(BalanceOf("agt_b", Bucket::kAvailable), 0);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());
}

// PostBatch: the same checks and results as one Post per entry, with later entries seeing the
// balances earlier ones left; a failing entry leaves the caller's transaction as it was.
TEST_F(LedgerTest, PostBatchEqualsPostingOneByOneAndIsAllOrNothing) {
  std::vector<Entry> entries = {Deposit("b_dep", "agt_payer", "USD", 1000),
                                Move("b_1", A("agt_payer"), A("agt_payer", Bucket::kEscrow), 600),  // needs b_dep
                                Move("b_2", A("agt_payer", Bucket::kEscrow), A("agt_payee"), 600),
                                Move("b_3", A("agt_payer"), A("agt_payee"), 400)};
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) { return PostBatch(txn, kTenant, entries); }).ok());
  // The same entries one by one in a second tenant give the same accounts and journal.
  for (const Entry& e : entries) {
    ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) { return Post(txn, "tenant_single", e); }).ok());
  }
  ASSERT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
    auto batched_accounts = *Accounts(txn, kTenant), single_accounts = *Accounts(txn, "tenant_single");
    EXPECT_EQ(batched_accounts.size(), single_accounts.size());
    for (size_t i = 0; i < std::min(batched_accounts.size(), single_accounts.size()); ++i) {
      const Account &x = batched_accounts[i].first, &y = single_accounts[i].first;
      EXPECT_TRUE(x.owner == y.owner && x.currency == y.currency && x.bucket == y.bucket);
      EXPECT_EQ(batched_accounts[i].second, single_accounts[i].second);
    }
    for (const Entry& e : entries) {
      auto batched = GetEntry(txn, kTenant, e.id), single = GetEntry(txn, "tenant_single", e.id);
      EXPECT_TRUE(batched.ok() && batched->has_value() && single.ok() && single->has_value());
      if (batched.ok() && single.ok() && batched->has_value() && single->has_value()) {
        EXPECT_EQ(EntryToJson(**batched), EntryToJson(**single));
      }
    }
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(BalanceOf("agt_payee", Bucket::kAvailable), 1000);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());

  // A failing entry in the middle: its error names it, and nothing of the batch stays — not even
  // the entries before it — while the caller's other writes in the transaction do.
  const auto before = BalanceOf("agt_payee", Bucket::kAvailable);
  std::vector<Entry> failing = {Move("f_1", A("agt_payee"), A("agt_x"), 100),
                                Move("f_2", A("agt_payee"), A("agt_x"), 950),  // 900 left: overdraft
                                Move("f_3", A("agt_payee"), A("agt_x"), 1)};
  absl::Status batch_status;
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) {
    batch_status = PostBatch(txn, kTenant, failing);
    return txn.Put(Table::kIndex, kTenant, "caller_write", "kept");
  }).ok());
  EXPECT_EQ(StatusReason(batch_status), "LEDGER_INSUFFICIENT_FUNDS");
  EXPECT_THAT(std::string(batch_status.message()), ::testing::HasSubstr("(batch entry 1)"));
  EXPECT_EQ(BalanceOf("agt_payee", Bucket::kAvailable), before);
  EXPECT_EQ(BalanceOf("agt_x", Bucket::kAvailable), 0);
  ASSERT_TRUE(store_->Read([&](const store::ReadTxn& txn) {
    EXPECT_FALSE(GetEntry(txn, kTenant, "f_1")->has_value());
    EXPECT_EQ(**txn.Get(Table::kIndex, kTenant, "caller_write"), "kept");
    return absl::OkStatus();
  }).ok());
  // A reused id (in the batch or before it), an unbalanced entry, and the size limit.
  for (const std::vector<Entry>& bad : {std::vector<Entry>{Move("d_1", A("agt_payee"), A("agt_x"), 1),
                                                           Move("d_1", A("agt_payee"), A("agt_x"), 1)},
                                        std::vector<Entry>{Move("b_1", A("agt_payee"), A("agt_x"), 1)}}) {
    absl::Status st = store_->Write([&](store::WriteTxn& txn) { return PostBatch(txn, kTenant, bad); });
    EXPECT_EQ(StatusReason(st), "LEDGER_ENTRY_EXISTS") << st;
  }
  Entry unbalanced = Move("u_1", A("agt_payee"), A("agt_x"), 1);
  unbalanced.postings[1].amount = 2;
  EXPECT_EQ(StatusReason(store_->Write([&](store::WriteTxn& txn) {
              return PostBatch(txn, kTenant, std::vector<Entry>{unbalanced});
            })),
            "LEDGER_UNBALANCED");
  std::vector<Entry> too_many(kBatchEntriesMax + 1);
  EXPECT_EQ(StatusReason(store_->Write([&](store::WriteTxn& txn) { return PostBatch(txn, kTenant, too_many); })),
            "LEDGER_BATCH_TOO_LARGE");
  EXPECT_EQ(BalanceOf("agt_payee", Bucket::kAvailable), before);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());
}

TEST_F(LedgerTest, OverflowIsRefused) {
  ASSERT_TRUE(PostOne(Deposit("d1", "agt_rich", "USD", kAmountMax)).ok());
  absl::Status s = PostOne(Deposit("d2", "agt_rich", "USD", 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(StatusReason(s), "LEDGER_OVERFLOW");
}

TEST_F(LedgerTest, AnEntryAndOtherWritesCommitTogetherOrNotAtAll) {
  ASSERT_TRUE(PostOne(Deposit("dep", "agt_payer", "USD", 100)).ok());
  absl::Status s = store_->Write([&](store::WriteTxn& txn) {
    if (auto st = Post(txn, kTenant, Move("m1", A("agt_payer"), A("agt_b"), 60)); !st.ok()) return st;
    if (auto st = txn.Put(Table::kObjects, kTenant, "receipt", "{}"); !st.ok()) return st;
    return Post(txn, kTenant, Move("m2", A("agt_payer"), A("agt_c"), 60));  // overdraft
  });
  EXPECT_EQ(StatusReason(s), "LEDGER_INSUFFICIENT_FUNDS");
  EXPECT_EQ(BalanceOf("agt_payer", Bucket::kAvailable), 100);
  EXPECT_EQ(BalanceOf("agt_b", Bucket::kAvailable), 0);
  EXPECT_THAT(Audit(), ::testing::IsEmpty());
}

TEST_F(LedgerTest, AuditFindsTamperedBalances) {
  ASSERT_TRUE(PostOne(Deposit("dep", "agt_payer", "USD", 100)).ok());
  // Write a balance behind the ledger's back.
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) {
    std::string key = "b/agt_payer";
    key.push_back('\0');
    key += "USD";
    key.push_back('\0');
    key.push_back('1');
    std::string v(8, '\0');
    v[0] = 90;
    return txn.Put(Table::kAccounts, kTenant, key, v);
  }).ok());
  auto violations = Audit();
  ASSERT_FALSE(violations.empty());
  EXPECT_THAT(violations, ::testing::Contains(::testing::HasSubstr("agt_payer/USD/available: stored 90, journal says 100")));
}

TEST_F(LedgerTest, RandomTrafficKeepsEveryInvariant) {
  std::mt19937 rng(11);
  const std::vector<std::string> owners = {"agt_a", "agt_b", "agt_c", "agt_d"};
  int applied = 0, refused = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string& x = owners[rng() % owners.size()];
    const std::string& y = owners[rng() % owners.size()];
    const int64_t amount = 1 + rng() % 500;
    const std::string id = "op_" + std::to_string(i % 350);  // some ids repeat: refused
    Entry e;
    switch (rng() % 4) {
      case 0: e = Deposit(id, x, "USD", amount); break;
      case 1: e = Withdrawal(id, x, "USD", amount); break;
      case 2: e = Move(id, A(x), A(y, Bucket::kEscrow), amount); break;
      default: e = Move(id, A(x, Bucket::kEscrow), A(y), amount); break;
    }
    if (x == y && e.postings[0].account.bucket == e.postings[1].account.bucket) continue;
    (PostOne(e).ok() ? applied : refused)++;
    ASSERT_THAT(Audit(), ::testing::IsEmpty()) << "after " << id;
  }
  EXPECT_GT(applied, 100);
  EXPECT_GT(refused, 10);
}

TEST(LedgerJson, RoundTripAndErrors) {
  Entry e{"e1", "memo", {{A("agt_a"), -5}, {A("agt_b", Bucket::kHoldback), 5}}};
  auto back = EntryFromJson(EntryToJson(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EntryToJson(*back), EntryToJson(e));
  EXPECT_EQ(StatusReason(EntryFromJson(R"({"id":"x","postings":[{"owner":"a"}]})").status()),
            "LEDGER_ENTRY_INVALID");
  EXPECT_EQ(StatusReason(EntryFromJson("{").status()), "JSON_SYNTAX");
  // A posting amount beyond a safe integer is refused, not converted (undefined behaviour).
  for (const char* amount : {"1e60", "-1e60", "9007199254740992", "0.5"}) {
    const std::string text = std::string(R"({"id":"x","postings":[{"owner":"agt_a","currency":"USD","bucket":"available","amount":)") +
                             amount + R"(},{"owner":"agt_b","currency":"USD","bucket":"available","amount":0}]})";
    EXPECT_EQ(StatusReason(EntryFromJson(text).status()), "LEDGER_ENTRY_INVALID") << amount;
  }
  // EntryToJson writes the canonical form directly: it must equal the canonicalizer's output for
  // the same document (escapes, non-ASCII, extreme amounts, every bucket).
  Entry odd{"e/2:x.y", std::string("q\"\\\n\x01 \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8"),
            {{Account{"external", "EUR", Bucket::kExternal}, -kAmountMax},
             {Account{"agt_\xc3\xa9", "EUR", Bucket::kEscrow}, kAmountMax - 1},
             {A("agt_c", Bucket::kAvailable), 1}}};
  for (const Entry& entry : {e, odd}) {
    const std::string direct = EntryToJson(entry);
    auto doc = json::Document::Parse(direct);
    ASSERT_TRUE(doc.ok()) << direct;
    EXPECT_EQ(*json::CanonicalString(json::Tree::FromValue(doc->root())), direct);
  }
}

}  // namespace
}  // namespace nooterra::ledger

namespace nooterra::ledger {
namespace {

std::string RunCli(const std::string& args, int* exit_code) {
  return testing::RunCommand(std::string(NOOTERRA_CLI_PATH) + " " + args, exit_code);
}

TEST(StoreCheckCli, ReportsEveryTenantAndFindsTampering) {
  testing::TempDir dir;
  const std::string path = dir.sub("s");
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    for (const char* tenant : {"tenant_a", "tenant_b"}) {
      ASSERT_TRUE((*store)->Write([&](store::WriteTxn& txn) {
        return Post(txn, tenant, Deposit("dep", "agt_x", "USD", 500));
      }).ok());
    }
  }
  int code = -1;
  std::string out = RunCli("store check " + path, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("ok":true)"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("tenant":"tenant_a","violations":[]})"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("tenant":"tenant_b","violations":[]})"));
  {
    auto store = Store::Open(path);
    ASSERT_TRUE((*store)->Write([&](store::WriteTxn& txn) {
      std::string key = "b/agt_x";
      key.push_back('\0');
      key += "USD";
      key.push_back('\0');
      key.push_back('1');
      return txn.Put(Table::kAccounts, "tenant_b", key, std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8));
    }).ok());
  }
  out = RunCli("store check " + path, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("agt_x/USD/available: stored 1, journal says 500"));
  out = RunCli("store check " + path + " --tenant tenant_a", &code);
  EXPECT_EQ(code, 0) << out;
  out = RunCli("store check " + dir.sub("missing"), &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("STORE_NOT_FOUND"));
}

// state-hash, replay, export, and check's operation-log audit, on a store the kernel wrote.
TEST(StoreCli, StateHashReplayExportAndABrokenLog) {
  testing::TempDir dir;
  const std::string path = dir.sub("s");
  std::string agreement_hash, state_hash;
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    agreement::Kernel k(store->get());
    const std::string pem = crypto::PrivateKey::FromSeed(crypto::AsBytes(std::string(32, '\x01')))->public_key().ToPem();
    const std::string pem2 = crypto::PrivateKey::FromSeed(crypto::AsBytes(std::string(32, '\x02')))->public_key().ToPem();
    ASSERT_TRUE(k.RegisterAgent("tenant_a", "agt_buyer", pem).ok());
    ASSERT_TRUE(k.RegisterAgent("tenant_a", "agt_tool", pem2).ok());
    ASSERT_TRUE(k.Deposit("tenant_a", "agt_buyer", "USD", 5000, "dep").ok());
    auto created = k.CreateAgreement("tenant_a",
        R"({"agreement":{"toolId":"tool_x","callId":"call_1","manifestHash":")" + std::string(64, 'a') +
        R"(","input":{},"settlementTerms":{"amountCents":1000,"currency":"USD"},"payerAgentId":"agt_buyer",)"
        R"("payeeAgentId":"agt_tool"},"holdbackBps":1000,"challengeWindowMs":1000})",
        "2026-01-01T00:00:00Z", "c1");
    ASSERT_TRUE(created.ok()) << created.status();
    agreement_hash = created->json.substr(created->json.find("\"agreementHash\":\"") + 17, 64);
    ASSERT_TRUE(k.Fund("tenant_a", agreement_hash, "2026-01-01T00:00:00Z", "f1").ok());
    ASSERT_TRUE(k.Settle("tenant_a", R"({"agreementHash":")" + agreement_hash +
                         R"(","decisionId":"dec_1","receiptId":"rcpt_1","verificationStatus":"green"})",
                         "2026-01-01T00:00:01Z", "s1").ok());
    state_hash = *k.StateHash("tenant_a");
  }
  int code = -1;
  std::string out = RunCli("store state-hash " + path, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"({"stateHash":")" + state_hash + R"(","tenant":"tenant_a"})"));
  out = RunCli("store replay " + path + " " + dir.sub("copy"), &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("entries":6,"match":true,"replayedStateHash":")" + state_hash));
  out = RunCli("store replay " + path + " " + dir.sub("copy"), &code);  // the tenant exists there now
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("REPLAY_TARGET_NOT_EMPTY"));
  out = RunCli("store export " + path + " --tenant tenant_a --agreement " + agreement_hash + " --out " + dir.sub("out"), &code);
  EXPECT_EQ(code, 0) << out;
  for (const char* file : {"agreement.json", "record.json", "decision.json", "receipt.json", "hold.json",
                           "operations.jsonl", "manifest.json"}) {
    EXPECT_TRUE(std::ifstream(dir.sub("out") + "/" + file).good()) << file;
  }
  // Every log entry of the agreement, the createAgreement entry (which cannot name the hash it
  // produced) included, in log order.
  std::ifstream ops_file(dir.sub("out") + "/operations.jsonl");
  std::vector<std::string> ops;
  for (std::string line; std::getline(ops_file, line);) ops.push_back(line);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_THAT(ops[0], ::testing::HasSubstr(R"("operation":"createAgreement")"));
  EXPECT_THAT(ops[1], ::testing::HasSubstr(R"("operation":"fund")"));
  EXPECT_THAT(ops[2], ::testing::HasSubstr(R"("operation":"settle")"));
  std::ifstream receipt(dir.sub("out") + "/receipt.json");
  std::string receipt_text((std::istreambuf_iterator<char>(receipt)), std::istreambuf_iterator<char>());
  EXPECT_THAT(out, ::testing::HasSubstr(R"({"name":"receipt.json","sha256":")" + crypto::Sha256Hex(receipt_text)));
  out = RunCli("store export " + path + " --tenant tenant_a --agreement " + std::string(64, '0') + " --out " + dir.sub("x"), &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("AGREEMENT_NOT_FOUND"));
  {
    auto store = Store::Open(path);
    ASSERT_TRUE((*store)->Write([&](store::WriteTxn& txn) {
      return txn.Delete(Table::kOplog, "tenant_a", "op/000000000002");
    }).ok());
  }
  out = RunCli("store check " + path, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("operation log: entry 2 is missing"));
  {
    // Escrow moved behind the kernel's back: balanced, but no record accounts for it.
    auto store = Store::Open(path);
    ASSERT_TRUE((*store)->Write([&](store::WriteTxn& txn) {
      return Post(txn, "tenant_a", Move("rogue", A("agt_buyer"), A("agt_buyer", Bucket::kEscrow), 7));
    }).ok());
  }
  out = RunCli("store check " + path, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("escrow agt_buyer/USD: ledger holds 107, open agreements and held holds account for 100"));
}

// `nooterra policy check | eval | simulate` end to end.
TEST(PolicyCli, CheckEvalAndSimulate) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.sub(name)) << text;
    return dir.sub(name);
  };
  const std::string capped = write("capped.json", R"({"rules":{"maxAutoReleaseAmountCents":500}})");
  int code = -1;
  std::string out = RunCli("policy check " + capped, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("policyHash":"672102278706b8d9c1df7d72e93e070938e81df520c480e04aab010a8271fa45")"));
  out = RunCli("policy check " + write("bad.json", R"({"rules":{"greenReleaseRatePct":101}})"), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("POLICY_INVALID"));
  EXPECT_THAT(out, ::testing::HasSubstr("policy.rules.greenReleaseRatePct"));
  out = RunCli("policy check --wallet " + write("wallet.json", R"({"maxDailyCents":5})"), &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"({"policy":{"maxDailyCents":5},)"));
  out = RunCli("policy eval " + capped + " --status green --amount 1000", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("decisionMode":"manual-review")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("reasonCodes":["amount_exceeds_auto_release_limit"])"));
  out = RunCli("policy eval " + capped + " --status blue --amount 1000", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("POLICY_INPUT_INVALID"));

  const std::string path = dir.sub("s");
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    agreement::Kernel k(store->get());
    ASSERT_TRUE(k.RegisterAgent("tenant_p", "agt_buyer", crypto::PrivateKey::FromSeed(crypto::AsBytes(std::string(32, '\x01')))->public_key().ToPem()).ok());
    ASSERT_TRUE(k.RegisterAgent("tenant_p", "agt_tool", crypto::PrivateKey::FromSeed(crypto::AsBytes(std::string(32, '\x02')))->public_key().ToPem()).ok());
    ASSERT_TRUE(k.Deposit("tenant_p", "agt_buyer", "USD", 5000, "dep").ok());
    auto created = k.CreateAgreement("tenant_p",
        R"({"agreement":{"toolId":"tool_x","callId":"call_1","manifestHash":")" + std::string(64, 'a') +
        R"(","input":{},"settlementTerms":{"amountCents":1000,"currency":"USD"},"payerAgentId":"agt_buyer",)"
        R"("payeeAgentId":"agt_tool"},"holdbackBps":0,"challengeWindowMs":1000})", "2026-01-01T00:00:00Z", "c1");
    ASSERT_TRUE(created.ok()) << created.status();
    const std::string h = created->json.substr(created->json.find("\"agreementHash\":\"") + 17, 64);
    ASSERT_TRUE(k.Fund("tenant_p", h, "2026-01-01T00:00:00Z", "f1").ok());
    ASSERT_TRUE(k.Settle("tenant_p", R"({"agreementHash":")" + h +
                         R"(","decisionId":"dec_1","receiptId":"rcpt_1","verificationStatus":"green"})",
                         "2026-01-01T00:00:01Z", "s1").ok());
  }
  out = RunCli("policy simulate " + capped + " --store " + path, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("changed":1,)"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("tenant":"tenant_p")"));
  out = RunCli("policy simulate " + capped + " --store " + dir.sub("missing"), &code);
  EXPECT_EQ(code, 2) << out;

  // A SpendPolicy.v1 is recognised by its schemaVersion.
  const std::string spend = write("spend.json",
      R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":3600000,"maxCents":1000}]})");
  out = RunCli("policy check " + spend, &code);
  EXPECT_EQ(code, 0) << out;
  const std::string normal = R"({"schemaVersion":"SpendPolicy.v1","windows":[{"maxCents":1000,"scope":"payer","windowMs":3600000}]})";
  EXPECT_THAT(out, ::testing::HasSubstr(R"({"policy":)" + normal + R"(,"policyHash":")" + crypto::Sha256Hex(normal)));
  out = RunCli("policy check " + write("bad_spend.json", R"({"schemaVersion":"SpendPolicy.v1","maxPerCallCents":-1})"), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("spendPolicy.maxPerCallCents"));
  const std::string request = write("request.json",
      R"({"amountCents":400,"currency":"USD","payerAgentId":"agt_buyer","counterpartyAgentId":"agt_tool"})");
  const std::string spends = write("spends.json",
      R"([{"at":"2026-01-01T00:30:00Z","amountCents":601,"payerAgentId":"agt_buyer","currency":"USD","counterpartyAgentId":"agt_x"}])");
  out = RunCli("policy eval " + spend + " --request " + request + " --spends " + spends + " --now 2026-01-01T01:00:00Z", &code);
  EXPECT_EQ(code, 0) << out;  // a deny is the answer, not an error
  EXPECT_THAT(out, ::testing::HasSubstr(R"("outcome":"deny","policyHash")"));
  out = RunCli("policy eval " + spend + " --request " + request + " --now yesterday", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("SPEND_TIME_INVALID"));
  // The store's spend log holds the 1000-cent fund above: under a 999 cap it would be refused.
  const std::string tight = write("tight.json",
      R"({"schemaVersion":"SpendPolicy.v1","windows":[{"scope":"payer","windowMs":3600000,"maxCents":999}]})");
  out = RunCli("policy simulate " + tight + " --store " + path + " --tenant tenant_p --payer agt_buyer", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"({"blocked":1,)"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("reasons":["SPEND_WINDOW_PAYER"])"));
  out = RunCli("policy simulate " + tight + " --store " + path + " --tenant tenant_p", &code);
  EXPECT_EQ(code, 2) << out;  // --payer is required
}

// `nooterra policy templates | check | eval` on governance templates.
TEST(PolicyCli, GovernanceTemplates) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.sub(name)) << text;
    return dir.sub(name);
  };
  int code = -1;
  std::string out = RunCli("policy templates", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("schemaVersion":"GovernancePolicyTemplateCatalog.v1")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("templateId":"gov.enterprise.strict-controls")"));
  // A template as the reference seeds it (no schemaVersion): recognised by templateId + controls.
  const std::string tmpl = write("gov.json",
      R"({"templateId":"acme.ops","templateVersion":2,"operatingProfile":"SMB","name":"Acme","description":"Ops",)"
      R"("controls":{"spend":{"currency":"usd","perActionUsdCents":1000,"monthlyUsdCents":5000},)"
      R"("dataAccess":{"allowedDataClasses":["public"],"allowExternalTransfer":true},)"
      R"("approvals":{"tiers":[{"tierId":"Auto","maxAmountUsdCents":1000,"requiredApprovers":0,"approverRole":"none"}]},)"
      R"("escalation":{"requireApprovalForRiskLevels":["high"],"autoBlockRiskLevels":["critical"]}}})");
  out = RunCli("policy check " + tmpl, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("operatingProfile":"smb")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("currency":"USD")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("tierId":"auto")"));
  const std::string request = write("req.json", R"({"amountUsdCents":1000,"dataClass":"public","riskLevel":"high"})");
  out = RunCli("policy eval " + tmpl + " --request " + request, &code);
  EXPECT_EQ(code, 0) << out;  // a challenge is the answer, not an error
  EXPECT_THAT(out, ::testing::HasSubstr(R"("decision":"challenge")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("code":"RISK_APPROVAL_REQUIRED")"));
  const std::string bad = write("bad.json", R"({"schemaVersion":"GovernancePolicyTemplate.v1","templateId":"x"})");
  out = RunCli("policy check " + bad, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("template.templateId must match"));
  out = RunCli("policy eval " + tmpl, &code);
  EXPECT_EQ(code, 2) << out;  // --request is required
  out = RunCli("policy simulate " + tmpl + " --store " + dir.sub("none"), &code);
  EXPECT_EQ(code, 2) << out;
}

// `nooterra policy check | eval` on approval standing policies.
TEST(PolicyCli, StandingPolicies) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.sub(name)) << text;
    return dir.sub(name);
  };
  int code = -1;
  // A builder's input (no schemaVersion): recognised by principalRef + decision.
  const std::string input = write("standing.json",
      R"({"policyId":"p1","principalRef":{"principalType":"Human","principalId":"u1"},"displayName":"d",)"
      R"("constraints":{"maxSpendCents":500},"decision":{"effect":"approve"},"createdAt":"2026-01-01T00:00:00Z"})");
  std::string out = RunCli("policy check " + input, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("principalType":"human")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("schemaVersion":"ApprovalStandingPolicy.v1")"));
  const std::string built = out.substr(0, out.find('\n'));
  const std::string stored = write("stored.json", "[" + built + "]");
  const std::string within = write("within.json", R"({"principalRef":{"principalType":"human","principalId":"u1"},"spendEnvelope":{"maxTotalCents":500}})");
  out = RunCli("policy eval " + stored + " --envelope " + within, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr(R"("effect":"approve")"));
  const std::string over = write("over.json", R"({"principalRef":{"principalType":"human","principalId":"u1"},"spendEnvelope":{"maxTotalCents":501}})");
  out = RunCli("policy eval " + stored + " --envelope " + over, &code);
  EXPECT_EQ(code, 0) << out;  // no match is the answer, not an error
  EXPECT_THAT(out, ::testing::HasSubstr(R"("effect":"none")"));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("reasonCode":"SPEND_LIMIT_EXCEEDED")"));
  // A stored policy changed after hashing is refused by check and by eval.
  std::string tampered_text = built;
  tampered_text.replace(tampered_text.find(R"("displayName":"d")"), 17, R"("displayName":"e")");
  const std::string tampered = write("tampered.json", tampered_text);
  out = RunCli("policy check " + tampered, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("approvalStandingPolicy.policyHash mismatch"));
  out = RunCli("policy eval " + tampered + " --envelope " + within, &code);
  EXPECT_EQ(code, 1) << out;
  out = RunCli("policy eval " + stored, &code);
  EXPECT_EQ(code, 2) << out;  // --envelope is required
}

}  // namespace
}  // namespace nooterra::ledger
