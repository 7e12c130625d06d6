// The LMDB store: tables, atomic writes, tenant isolation, map growth, schema version.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "common/strings.h"
#include "nooterra/status.h"
#include "nooterra/store.h"
#include "support/temp_dir.h"

namespace nooterra::store {
namespace {

using testing::TempDir;

Options Fast() {
  Options o;
  o.durable = false;
  return o;
}

// A no-sync store whose map starts at 1 MiB and may grow to `max_bytes`.
std::unique_ptr<Store> OpenSmall(const TempDir& dir, uint64_t max_bytes) {
  Options o = Fast();
  o.map_bytes_initial = 1 << 20;
  o.map_bytes_max = max_bytes;
  auto store = Store::Open(dir.sub("s"), o);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

std::optional<std::string> GetCopy(Store& store, Table table, std::string_view tenant,
                                   std::string_view key) {
  std::optional<std::string> out;
  absl::Status s = store.Read([&](const ReadTxn& txn) {
    auto v = txn.Get(table, tenant, key);
    if (!v.ok()) return v.status();
    if (v->has_value()) out = std::string(**v);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

TEST(Store, PutGetInsertDelete) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write([](WriteTxn& txn) {
    if (auto s = txn.Put(Table::kObjects, "tenant_a", "k1", "v1"); !s.ok()) return s;
    return txn.Insert(Table::kObjects, "tenant_a", "k2", "v2");
  }).ok());
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "tenant_a", "k1"), "v1");
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "tenant_a", "k2"), "v2");
  EXPECT_EQ(GetCopy(**store, Table::kJournal, "tenant_a", "k1"), std::nullopt);  // other table
  absl::Status again = (*store)->Write([](WriteTxn& txn) {
    return txn.Insert(Table::kObjects, "tenant_a", "k2", "other");
  });
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusReason(again), "STORE_KEY_EXISTS");
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "tenant_a", "k2"), "v2");
  ASSERT_TRUE((*store)->Write([](WriteTxn& txn) { return txn.Delete(Table::kObjects, "tenant_a", "k1"); }).ok());
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "tenant_a", "k1"), std::nullopt);
  absl::Status missing = (*store)->Write([](WriteTxn& txn) { return txn.Delete(Table::kObjects, "tenant_a", "k1"); });
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
}

// The range scan behind the spend log's rolling windows: from a point on, within the prefix and
// the tenant only.
TEST(Store, ScanFromAKeyStaysInsideThePrefixAndTheTenant) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write([](WriteTxn& txn) {
    for (const char* k : {"log/001", "log/002", "log/003", "log/004", "loh/001"}) {
      if (auto s = txn.Put(Table::kIndex, "tenant_a", k, k); !s.ok()) return s;
    }
    return txn.Put(Table::kIndex, "tenant_b", "log/009", "other tenant");
  }).ok());
  const auto scan = [&](std::string_view tenant, std::string_view from) {
    std::vector<std::string> keys;
    EXPECT_TRUE((*store)->Read([&](const store::ReadTxn& txn) {
      return txn.Scan(Table::kIndex, tenant, "log/", from, [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      });
    }).ok());
    return keys;
  };
  EXPECT_EQ(scan("tenant_a", "003"), (std::vector<std::string>{"log/003", "log/004"}));
  EXPECT_EQ(scan("tenant_a", "0025"), (std::vector<std::string>{"log/003", "log/004"}));  // between keys
  EXPECT_EQ(scan("tenant_a", ""), (std::vector<std::string>{"log/001", "log/002", "log/003", "log/004"}));
  EXPECT_EQ(scan("tenant_a", "999"), std::vector<std::string>{});  // past the end: not "loh/001"
  EXPECT_EQ(scan("tenant_b", "000"), std::vector<std::string>{"log/009"});
}

// The reusable cursor behind the spend windows: seek within a prefix, step while inside it, and
// never cross into another prefix or tenant.
TEST(Store, ACursorSeeksAndStepsInsideOnePrefixOfOneTenant) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write([](WriteTxn& txn) {
    for (const char* k : {"a/1", "a/2", "a/3", "b/1"}) {
      if (auto s = txn.Put(Table::kIndex, "tenant_a", k, std::string("v") + k); !s.ok()) return s;
    }
    return txn.Put(Table::kIndex, "tenant_b", "a/9", "other tenant");
  }).ok());
  ASSERT_TRUE((*store)->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto cursor = store::Cursor::Open(txn, Table::kIndex, "tenant_a");
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    std::vector<std::string> seen;
    for (auto at = cursor->Seek("a/", "2"); at.ok() && *at; at = cursor->Next()) {
      seen.push_back(StrCat(cursor->key(), "=", cursor->value()));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"a/2=va/2", "a/3=va/3"}));
    EXPECT_FALSE(*cursor->Seek("a/", "4"));  // past the prefix's last key: "b/1" is not ours
    EXPECT_TRUE(*cursor->Seek("b/", ""));    // the same cursor, another prefix
    EXPECT_EQ(cursor->key(), "b/1");
    EXPECT_FALSE(*cursor->Next());           // tenant_b's "a/9" is never reached
    EXPECT_FALSE(*cursor->Seek("c/", ""));
    EXPECT_EQ(StatusReason(cursor->Seek(std::string(400, 'k'), "").status()), "STORE_KEY_TOO_LONG");
    EXPECT_EQ(StatusReason(store::Cursor::Open(txn, Table::kIndex, "").status()), "STORE_TENANT_INVALID");
    // SeekLast: the last key of a prefix, whatever follows it (another prefix, another tenant,
    // the end of the table), and nothing for an empty prefix range.
    EXPECT_TRUE(*cursor->SeekLast("a/"));
    EXPECT_EQ(cursor->key(), "a/3");
    EXPECT_FALSE(*cursor->Next());
    EXPECT_TRUE(*cursor->SeekLast("b/"));  // followed by tenant_b's keys
    EXPECT_EQ(cursor->key(), "b/1");
    EXPECT_TRUE(*cursor->SeekLast(""));    // the tenant's last key
    EXPECT_EQ(cursor->key(), "b/1");
    EXPECT_FALSE(*cursor->SeekLast("a/4"));
    EXPECT_FALSE(*cursor->SeekLast("0"));  // before every key of the tenant
    EXPECT_EQ(StatusReason(cursor->SeekLast(std::string(400, 'k')).status()), "STORE_KEY_TOO_LONG");
    auto b = store::Cursor::Open(txn, Table::kIndex, "tenant_b");
    EXPECT_TRUE(*b->SeekLast("a/"));       // the table's last key: MDB_SET_RANGE finds nothing above
    EXPECT_EQ(b->key(), "a/9");
    EXPECT_FALSE(*b->SeekLast("b/"));
    return absl::OkStatus();
  }).ok());
}

TEST(Store, AFailedCallbackWritesNothing) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  absl::Status s = (*store)->Write([](WriteTxn& txn) {
    EXPECT_TRUE(txn.Put(Table::kObjects, "t", "a", "1").ok());
    EXPECT_TRUE(txn.Put(Table::kAccounts, "t", "b", "2").ok());
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "t", "a"), std::nullopt);
  EXPECT_EQ(GetCopy(**store, Table::kAccounts, "t", "b"), std::nullopt);
}

// Nested (a savepoint): a failed block is undone exactly, overwrites and deletes included, at
// any depth, while the blocks around it keep their writes.
TEST(Store, NestedUndoesAFailedBlockAndKeepsTheRest) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Write([](WriteTxn& txn) {
    EXPECT_TRUE(txn.Put(Table::kObjects, "t", "kept", "old").ok());
    EXPECT_TRUE(txn.Put(Table::kObjects, "t", "gone", "here").ok());
    return absl::OkStatus();
  }).ok());
  absl::Status s = (*store)->Write([](WriteTxn& txn) {
    EXPECT_TRUE(txn.Put(Table::kObjects, "t", "outer", "1").ok());
    absl::Status failed = txn.Nested([](WriteTxn& n) {
      EXPECT_TRUE(n.Put(Table::kObjects, "t", "kept", "overwritten").ok());
      EXPECT_TRUE(n.Put(Table::kObjects, "t", "kept", "twice").ok());
      EXPECT_TRUE(n.Delete(Table::kObjects, "t", "gone").ok());
      EXPECT_TRUE(n.Insert(Table::kJournal, "t", "new", "x").ok());
      // A refused insert changes nothing and leaves nothing to undo.
      EXPECT_EQ(StatusReason(n.Insert(Table::kJournal, "t", "new", "y")), "STORE_KEY_EXISTS");
      // An inner block that succeeds is undone with the block around it.
      EXPECT_TRUE(n.Nested([](WriteTxn& m) { return m.Put(Table::kAccounts, "t", "inner", "2"); }).ok());
      return absl::AbortedError("this operation failed");
    });
    EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
    EXPECT_EQ(txn.Get(Table::kObjects, "t", "kept")->value_or(""), "old");
    // A block that succeeds after a failed one keeps its writes.
    EXPECT_TRUE(txn.Nested([](WriteTxn& n) {
      absl::Status inner = n.Nested([](WriteTxn& m) {
        EXPECT_TRUE(m.Put(Table::kObjects, "t", "kept", "inner-failed").ok());
        return absl::InvalidArgumentError("inner only");
      });
      EXPECT_EQ(inner.code(), absl::StatusCode::kInvalidArgument);
      return n.Put(Table::kObjects, "t", "after", "3");
    }).ok());
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "t", "kept"), "old");
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "t", "gone"), "here");
  EXPECT_EQ(GetCopy(**store, Table::kJournal, "t", "new"), std::nullopt);
  EXPECT_EQ(GetCopy(**store, Table::kAccounts, "t", "inner"), std::nullopt);
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "t", "outer"), "1");
  EXPECT_EQ(GetCopy(**store, Table::kObjects, "t", "after"), "3");
}

// Property: random blocks of puts, inserts and deletes over a few keys, nested up to three deep,
// each failing at random; the committed store equals a model that applies only the blocks that
// succeeded (with every block around them).
TEST(Store, NestedMatchesAModelUnderRandomBlocks) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  std::mt19937 rng(20261123);
  std::map<std::string, std::string> model;
  for (int round = 0; round < 200; ++round) {
    std::map<std::string, std::string> next = model;
    absl::Status s = (*store)->Write([&](WriteTxn& txn) {
      std::function<void(int, std::map<std::string, std::string>&)> block =
          [&](int depth, std::map<std::string, std::string>& state) {
        std::map<std::string, std::string> local = state;
        const bool fail = rng() % 3 == 0;
        absl::Status r = txn.Nested([&](WriteTxn& n) {
          for (int i = 0, ops = 1 + rng() % 6; i < ops; ++i) {
            const std::string key = "k" + std::to_string(rng() % 8);
            const std::string value = "v" + std::to_string(rng() % 1000) + std::string(rng() % 3000, 'x');
            switch (rng() % 4) {
              case 0:
              case 1:
                EXPECT_TRUE(n.Put(Table::kObjects, "t", key, value).ok());
                local[key] = value;
                break;
              case 2:
                if (n.Insert(Table::kObjects, "t", key, value).ok()) {
                  EXPECT_EQ(local.count(key), 0u);
                  local[key] = value;
                } else {
                  EXPECT_EQ(local.count(key), 1u);
                }
                break;
              default:
                EXPECT_EQ(n.Delete(Table::kObjects, "t", key).ok(), local.erase(key) == 1);
            }
            if (depth < 3 && rng() % 4 == 0) block(depth + 1, local);
          }
          return fail ? absl::AbortedError("random failure") : absl::OkStatus();
        });
        EXPECT_EQ(r.ok(), !fail);
        if (!fail) state = std::move(local);
      };
      for (int b = 0; b < 4; ++b) block(1, next);
      return absl::OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s;
    model = std::move(next);
    std::map<std::string, std::string> stored;
    ASSERT_TRUE((*store)->Read([&](const ReadTxn& txn) {
      return txn.Scan(Table::kObjects, "t", "", [&](std::string_view k, std::string_view v) {
        stored.emplace(k, v);
        return true;
      });
    }).ok());
    ASSERT_EQ(stored, model) << "round " << round;
  }
}

// A savepoint that fills the map: the batch is not committed half-done; Store::Write grows the
// map and runs it again.
TEST(Store, NestedThatFillsTheMapGrowsAndRunsAgain) {
  TempDir dir;
  auto store = OpenSmall(dir, 16 << 20);
  ASSERT_NE(store, nullptr);
  const std::string value(1 << 10, 'v');
  int runs = 0;
  absl::Status s = store->Write([&](WriteTxn& txn) {
    ++runs;
    for (int b = 0; b < 30; ++b) {
      absl::Status r = txn.Nested([&](WriteTxn& n) {
        for (int i = 0; i < 100; ++i) {
          if (auto p = n.Put(Table::kObjects, "t", StrCat("b", b, "k", i), value); !p.ok()) return p;
        }
        return absl::OkStatus();
      });
      if (!r.ok()) return r;
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GT(runs, 1);
  EXPECT_EQ(GetCopy(*store, Table::kObjects, "t", "b29k99"), value);
}

TEST(Store, ReopensDurablyAndKeepsData) {
  TempDir dir;
  {
    auto store = Store::Open(dir.sub("s"));  // durable
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write([](WriteTxn& txn) { return txn.Put(Table::kOplog, "t", "x", "y"); }).ok());
    EXPECT_TRUE((*store)->durable());
  }
  auto again = Store::Open(dir.sub("s"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(GetCopy(**again, Table::kOplog, "t", "x"), "y");
}

TEST(Store, OpenErrors) {
  TempDir dir;
  Options no_create = Fast();
  no_create.create = false;
  auto missing = Store::Open(dir.sub("absent"), no_create);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto empty_dir = Store::Open(dir.path(), no_create);
  EXPECT_EQ(StatusReason(empty_dir.status()), "STORE_NOT_FOUND");
  Options bad = Fast();
  bad.map_bytes_max = 1;
  EXPECT_EQ(StatusReason(Store::Open(dir.sub("x"), bad).status()), "STORE_OPTIONS_INVALID");
  // A file where the directory should be.
  { FILE* f = fopen(dir.sub("file").c_str(), "w"); ASSERT_NE(f, nullptr); fclose(f); }
  EXPECT_EQ(StatusReason(Store::Open(dir.sub("file"), Fast()).status()), "STORE_NOT_A_STORE");
}

TEST(Store, SchemaVersionMismatchIsRefused) {
  TempDir dir;
  ASSERT_TRUE(Store::Open(dir.sub("s"), Fast()).ok());
  {  // Rewrite the recorded schema version behind the store's back.
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    ASSERT_EQ(mdb_env_open(env, dir.sub("s").c_str(), 0, 0600), 0);
    MDB_txn* txn = nullptr;
    MDB_dbi meta;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    std::string k = "schemaVersion", v = "nooterra.store.v0";
    MDB_val key{k.size(), k.data()}, val{v.size(), v.data()};
    ASSERT_EQ(mdb_put(txn, meta, &key, &val, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  auto reopened = Store::Open(dir.sub("s"), Fast());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusReason(reopened.status()), "STORE_SCHEMA_MISMATCH");
}

TEST(Store, KeysAndTenantsHaveLimits) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  for (std::string tenant : {std::string(), std::string("bad tenant"), std::string(129, 'a'),
                             std::string("nul\0x", 5)}) {
    absl::Status s = (*store)->Write([&](WriteTxn& txn) { return txn.Put(Table::kObjects, tenant, "k", "v"); });
    EXPECT_EQ(StatusReason(s), "STORE_TENANT_INVALID") << tenant;
  }
  absl::Status long_key = (*store)->Write([](WriteTxn& txn) {
    return txn.Put(Table::kObjects, "t", std::string(kKeyBytesMax + 1, 'k'), "v");
  });
  EXPECT_EQ(StatusReason(long_key), "STORE_KEY_TOO_LONG");
}

TEST(Store, MapGrowsAndStopsCleanlyAtItsMaximum) {
  TempDir dir;
  auto store = OpenSmall(dir, 8 << 20);
  ASSERT_NE(store, nullptr);
  const std::string value(1 << 10, 'v');
  // ~3 MiB in one transaction: needs two doublings.
  absl::Status grown = store->Write([&](WriteTxn& txn) {
    for (int i = 0; i < 3000; ++i) {
      if (auto s = txn.Put(Table::kObjects, "t", "k" + std::to_string(i), value); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(grown.ok()) << grown;
  EXPECT_GE(store->map_bytes(), uint64_t{4} << 20);
  EXPECT_EQ(GetCopy(*store, Table::kObjects, "t", "k2999"), value);
  // ~16 MiB more cannot fit under the 8 MiB maximum: a clean error, nothing written.
  absl::Status full = store->Write([&](WriteTxn& txn) {
    for (int i = 0; i < 16000; ++i) {
      if (auto s = txn.Put(Table::kObjects, "t", "big" + std::to_string(i), value); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusReason(full), "STORE_FULL");
  EXPECT_EQ(GetCopy(*store, Table::kObjects, "t", "big0"), std::nullopt);
  EXPECT_EQ(GetCopy(*store, Table::kObjects, "t", "k0"), value);  // earlier data intact
}

TEST(Store, TenantIsolationUnderRandomTraffic) {
  // 10,000 random reads, writes and scans over tenants whose names prefix each other.
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  const std::vector<std::string> tenants = {"t", "t1", "t10", "t_", "T", "tenant", "tenant:a"};
  std::map<std::pair<std::string, std::string>, std::string> model;
  std::mt19937 rng(7);
  size_t leaks = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string& tenant = tenants[rng() % tenants.size()];
    const std::string key = "k" + std::to_string(rng() % 50);
    switch (rng() % 3) {
      case 0: {
        const std::string value = tenant + "|" + std::to_string(i);
        ASSERT_TRUE((*store)->Write([&](WriteTxn& txn) { return txn.Put(Table::kIndex, tenant, key, value); }).ok());
        model[{tenant, key}] = value;
        break;
      }
      case 1: {
        auto got = GetCopy(**store, Table::kIndex, tenant, key);
        auto it = model.find({tenant, key});
        if (got != (it == model.end() ? std::nullopt : std::optional<std::string>(it->second))) ++leaks;
        if (got && got->rfind(tenant + "|", 0) != 0) ++leaks;
        break;
      }
      default: {
        size_t seen = 0;
        ASSERT_TRUE((*store)->Read([&](const ReadTxn& txn) {
          return txn.Scan(Table::kIndex, tenant, "k", [&](std::string_view k, std::string_view v) {
            ++seen;
            if (v.substr(0, tenant.size() + 1) != tenant + "|") ++leaks;
            if (model.find({tenant, std::string(k)}) == model.end()) ++leaks;
            return true;
          });
        }).ok());
        size_t expected = 0;
        for (const auto& [tk, v] : model) expected += tk.first == tenant;
        if (seen != expected) ++leaks;
      }
    }
  }
  EXPECT_EQ(leaks, 0u);
}

TEST(Store, ReadersSeeConsistentSnapshotsWhileWriting) {
  TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  // Two keys always written together with the same value: a reader must never see them differ.
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!stop) {
      (void)(*store)->Read([&](const ReadTxn& txn) {
        auto a = txn.Get(Table::kObjects, "t", "a");
        auto b = txn.Get(Table::kObjects, "t", "b");
        if (a.ok() && b.ok() && (a->has_value() != b->has_value() || (a->has_value() && **a != **b))) ++torn;
        ++reads;
        return absl::OkStatus();
      });
    }
  });
  for (int i = 0; i < 2000; ++i) {
    const std::string v = std::to_string(i);
    ASSERT_TRUE((*store)->Write([&](WriteTxn& txn) {
      if (auto s = txn.Put(Table::kObjects, "t", "a", v); !s.ok()) return s;
      return txn.Put(Table::kObjects, "t", "b", v);
    }).ok());
  }
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace nooterra::store

namespace nooterra::store {
namespace {

TEST(Store, ListTenantsVisitsEachTenantOnce) {
  testing::TempDir dir;
  auto store = Store::Open(dir.sub("s"), Fast());
  ASSERT_TRUE(store.ok());
  const std::vector<std::string> tenants = {"T", "t", "t1", "t10", "t_", "tenant:a"};
  ASSERT_TRUE((*store)->Write([&](WriteTxn& txn) {
    for (const std::string& t : tenants) {
      for (int i = 0; i < 5; ++i) {
        if (auto s = txn.Put(Table::kJournal, t, "e" + std::to_string(i), "x"); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE((*store)->Read([&](const ReadTxn& txn) {
    return txn.ListTenants(Table::kJournal, [&](std::string_view t) {
      seen.emplace_back(t);
      return true;
    });
  }).ok());
  EXPECT_EQ(seen, tenants);  // key order, each once
}

}  // namespace
}  // namespace nooterra::store
