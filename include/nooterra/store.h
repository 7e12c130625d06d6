// The store: one LMDB environment in a directory, named tables, tenant-scoped keys.
//
// Durability: a Write() that returns OK has been committed with LMDB's default sync, so it
// survives a crash or power loss. `Options::durable = false` (MDB_NOSYNC) is for tests and
// benchmarks only: a crash may then lose the last commits (never corrupt the store).
//
// Atomicity: everything a Write() callback does is one LMDB write transaction; if the callback
// returns an error (or anything fails), the transaction is aborted and nothing is written.
//
// Tenant isolation: every key of every table is stored as `tenant \0 key`, and tenants are ids
// without NUL bytes, so no read, scan or write can reach another tenant's records.
//
// Threads: a Store is internally synchronized. Writes are serialized inside the library; reads
// run concurrently with each other and with the writer (LMDB MVCC, opened with MDB_NOTLS, so a
// read transaction is not tied to a thread). Transactions must not outlive the callback.
//
// The map grows by itself: when a write finds the map full, the store doubles it (up to
// `map_bytes_max`) and runs the callback again, so callbacks must only act through the
// transaction. Past the maximum, or when the disk is full, the write fails with
// RESOURCE_EXHAUSTED and the store is unchanged.
#ifndef NOOTERRA_STORE_H_
#define NOOTERRA_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct MDB_cursor;
struct MDB_env;
struct MDB_txn;

namespace nooterra::store {

// Written into every store; opening a store of another version is FAILED_PRECONDITION
// (reason STORE_SCHEMA_MISMATCH). v2: idempotency records hold the result unquoted. v3: every
// escrow lock is in the spend log with minute, 10-minute, hour and day sums — a v2 store has no
// 10-minute sums and, if written before the spend log existed, no log at all, so its rolling spend
// windows would undercount; it is refused instead. There is no in-place migration: v2 stores
// were written only by pre-release builds.
// v4: each payer's escrow count (the record side of escrow conservation, checked in every write
// transaction that moves escrow); a v3 store has none, so its first escrow move would fail.
inline constexpr std::string_view kSchemaVersion = "nooterra.store.v4";

// Named limits.
inline constexpr size_t kTenantBytesMax = 128;
inline constexpr size_t kKeyBytesMax = 350;  // tenant + key stay under LMDB's 511-byte key limit
inline constexpr size_t kValueBytesMax = size_t{16} << 20;

// The tables. Values never change meaning; new tables are appended.
enum class Table : uint8_t {
  kObjects = 0,      // protocol objects (FlatBuffers storage form), by type and id
  kAccounts = 1,     // ledger balances
  kJournal = 2,      // ledger entries
  kIdempotency = 3,  // idempotency keys -> request hash and result
  kIndex = 4,        // secondary keys (agreement -> hold, case, adjustment, ...)
  kOplog = 5,        // the hash-chained operation log
};
inline constexpr int kTableCount = 6;

struct Options {
  bool durable = true;                              // false: MDB_NOSYNC (tests, benchmarks)
  uint64_t map_bytes_initial = uint64_t{64} << 20;  // grows by doubling
  uint64_t map_bytes_max = uint64_t{1} << 40;
  uint32_t readers_max = 126;                       // concurrent read transactions
  bool create = true;                               // create the directory and store if missing
};

// Tenant ids: 1..128 characters of [A-Za-z0-9:_.-] (no NUL, so the key prefix is unambiguous).
absl::Status ValidateTenant(std::string_view tenant);

class Store;

// A read-only view of the store at one point in time.
class ReadTxn {
 public:
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

  // The value of (tenant, key), or nullopt. In a read transaction the view stays valid until
  // the transaction ends; in a write transaction only until its next write (LMDB may move or
  // rewrite the page, and undoing a failed savepoint writes too), so copy what must outlive it.
  absl::StatusOr<std::optional<std::string_view>> Get(Table table, std::string_view tenant,
                                                      std::string_view key) const;
  // Visits each tenant that has at least one key in `table`, in key order (for audits; the
  // only read that is not scoped to one tenant). The callback returns false to stop.
  absl::Status ListTenants(Table table, const std::function<bool(std::string_view tenant)>& visit) const;
  // Visits the tenant's keys that start with `prefix`, in key order (keys without the tenant
  // prefix). The callback returns false to stop early.
  absl::Status Scan(Table table, std::string_view tenant, std::string_view prefix,
                    const std::function<bool(std::string_view key, std::string_view value)>&
                        visit) const;
  // The same, starting at the first key >= prefix + `from` (a range scan: time-ordered keys
  // read from a point in time on, without visiting the older ones).
  absl::Status Scan(Table table, std::string_view tenant, std::string_view prefix, std::string_view from,
                    const std::function<bool(std::string_view key, std::string_view value)>&
                        visit) const;

 protected:
  friend class Store;
  friend class Cursor;
  ReadTxn(const Store* store, MDB_txn* txn) : store_(store), txn_(txn) {}
  const Store* store_;
  MDB_txn* txn_;
};

// A cursor over one tenant's keys in one table, kept open for many short range reads in one
// transaction: no cursor set-up, callback or allocation per read, which is what makes a spend
// policy's window lookups cheap. Destroy it before its transaction ends (LMDB frees a write
// transaction's cursors itself); one thread at a time.
class Cursor {
 public:
  // Errors: INVALID_ARGUMENT (STORE_TENANT_INVALID), and LMDB's.
  static absl::StatusOr<Cursor> Open(const ReadTxn& txn, Table table, std::string_view tenant);
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&&) = delete;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  // Positions at the first key >= prefix + from that starts with `prefix`; false when there is
  // none. Errors: INVALID_ARGUMENT (STORE_KEY_TOO_LONG), and LMDB's.
  absl::StatusOr<bool> Seek(std::string_view prefix, std::string_view from);
  // Positions at the last key that starts with `prefix`; false when there is none. Next() then
  // returns false. Errors as for Seek.
  absl::StatusOr<bool> SeekLast(std::string_view prefix);
  // The next key that still starts with the last Seek's prefix; false at the end.
  absl::StatusOr<bool> Next();
  // The current entry (key without the tenant), valid until the next Seek or Next.
  std::string_view key() const { return key_.substr(tenant_size_); }
  std::string_view value() const { return value_; }

 private:
  Cursor(MDB_cursor* cursor, std::string_view tenant);
  bool InPrefix() const;
  MDB_cursor* cursor_;
  std::string scoped_;       // tenant + NUL + the last Seek's prefix + from (reused)
  size_t tenant_size_ = 0;   // tenant + NUL
  size_t prefix_end_ = 0;    // tenant + NUL + prefix
  std::string_view key_, value_;
};

class WriteTxn : public ReadTxn {
 public:
  // Writes (tenant, key) -> value, replacing any previous value.
  absl::Status Put(Table table, std::string_view tenant, std::string_view key,
                   std::string_view value);
  // Writes only if the key is absent; ALREADY_EXISTS (reason STORE_KEY_EXISTS) otherwise.
  absl::Status Insert(Table table, std::string_view tenant, std::string_view key,
                      std::string_view value);
  // Removes the key; NOT_FOUND when absent.
  absl::Status Delete(Table table, std::string_view tenant, std::string_view key);
  // Runs `fn` under a savepoint of this transaction: when `fn` returns OK its writes stay,
  // otherwise they are undone and this transaction is as it was. What the batch API runs each
  // operation in, so one failed operation changes nothing while its neighbours commit together.
  // Returns `fn`'s status. If undoing fails (the transaction itself broke, e.g. the map filled
  // up) the result is that error, STORE_FULL or INTERNAL STORE_ROLLBACK_FAILED, and the caller
  // must not commit (Store::Write aborts on any error).
  //
  // Why not an LMDB child transaction: a child allocates a 2 MB dirty-page list and copies every
  // page of the parent it touches; for small operations that was ~7 % of a batched settlement's
  // instructions. The savepoint keeps an undo log instead (the previous value of each key
  // written, only while a savepoint is open): one extra lookup per overwrite.
  absl::Status Nested(const std::function<absl::Status(WriteTxn&)>& fn);

 private:
  friend class Store;
  WriteTxn(const Store* store, MDB_txn* txn) : ReadTxn(store, txn) {}
  struct Undo {
    int table;                        // index of the table
    std::string key;                  // the tenant-scoped key
    std::optional<std::string> prior; // the value before the write; nullopt: the key was absent
  };
  absl::Status Write(Table table, std::string_view tenant, std::string_view key,
                     const std::string_view* value, unsigned flags, std::string_view what);
  absl::Status RollbackTo(size_t mark);
  std::vector<Undo> undo_;  // writes under the open savepoints, oldest first
  int savepoints_ = 0;      // how many Nested calls are open
};

class Store {
 public:
  // Opens (or creates) the store in directory `dir`. Errors: INVALID_ARGUMENT (bad options),
  // NOT_FOUND (no store and create=false), PERMISSION_DENIED, FAILED_PRECONDITION
  // (STORE_SCHEMA_MISMATCH, or the directory is not a store), DATA_LOSS (corrupt files).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const Options& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `fn` in one write transaction and commits if it returns OK. See the header comment
  // for retries after map growth.
  absl::Status Write(const std::function<absl::Status(WriteTxn&)>& fn);
  // Runs `fn` in a read transaction (a consistent snapshot).
  absl::Status Read(const std::function<absl::Status(const ReadTxn&)>& fn) const;

  const std::string& dir() const;
  uint64_t map_bytes() const;
  bool durable() const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  friend class ReadTxn;
  friend class WriteTxn;
  friend class Cursor;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nooterra::store

#endif  // NOOTERRA_STORE_H_
