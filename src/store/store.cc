// The LMDB store (include/nooterra/store.h).
//
// Locking: `writer_` serializes write transactions (LMDB allows one at a time per environment;
// waiting here instead of inside LMDB keeps the lock visible). `txns_` is shared by every live
// transaction and taken exclusively only to grow the map, because mdb_env_set_mapsize needs no
// transaction active in the process.
#include <lmdb.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "common/strings.h"
#include "nooterra/status.h"
#include "nooterra/store.h"

namespace nooterra::store {

namespace {

constexpr const char* kTableNames[kTableCount] = {"objects", "accounts", "journal",
                                                  "idempotency", "index", "oplog"};
constexpr const char* kMetaTable = "meta";
constexpr std::string_view kSchemaKey = "schemaVersion";

absl::Status FromLmdb(int rc, std::string_view what) {
  const std::string message = StrCat(what, ": ", mdb_strerror(rc));
  switch (rc) {
    case MDB_MAP_FULL:
      return MakeError(absl::StatusCode::kResourceExhausted, "STORE_FULL", message);
    case ENOSPC:
      return MakeError(absl::StatusCode::kResourceExhausted, "STORE_DISK_FULL", message);
    case MDB_READERS_FULL:
      return MakeError(absl::StatusCode::kUnavailable, "STORE_READERS_FULL", message);
    case EACCES:
    case EROFS:
      return MakeError(absl::StatusCode::kPermissionDenied, "STORE_PERMISSION", message);
    case ENOENT:
      return MakeError(absl::StatusCode::kNotFound, "STORE_NOT_FOUND", message);
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return MakeError(absl::StatusCode::kFailedPrecondition, "STORE_NOT_A_STORE", message);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case EIO:
      return MakeError(absl::StatusCode::kDataLoss, "STORE_CORRUPT", message);
    case MDB_KEYEXIST:
      return MakeError(absl::StatusCode::kAlreadyExists, "STORE_KEY_EXISTS", message);
    case MDB_NOTFOUND:
      return MakeError(absl::StatusCode::kNotFound, "STORE_KEY_NOT_FOUND", message);
    default:
      return MakeError(absl::StatusCode::kInternal, "STORE_LMDB", message);
  }
}

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

}  // namespace

struct Store::Impl {
  std::string dir;
  Options options;
  MDB_env* env = nullptr;
  MDB_dbi meta = 0;
  MDB_dbi tables[kTableCount] = {};
  uint64_t map_bytes = 0;
  std::mutex writer;
  mutable std::shared_mutex txns;

  ~Impl() {
    if (env != nullptr) mdb_env_close(env);
  }
};

absl::Status ValidateTenant(std::string_view tenant) {
  bool ok = !tenant.empty() && tenant.size() <= kTenantBytesMax;
  for (char c : tenant) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == ':' || c == '_' || c == '.' || c == '-');
  }
  if (!ok) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_TENANT_INVALID",
                     "tenant ids are 1..128 characters of [A-Za-z0-9:_.-]");
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::string> ScopedKey(std::string_view tenant, std::string_view key) {
  if (absl::Status s = ValidateTenant(tenant); !s.ok()) return s;
  if (key.size() > kKeyBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_KEY_TOO_LONG",
                     StrCat("keys are at most ", kKeyBytesMax, " bytes"));
  }
  std::string scoped;
  scoped.reserve(tenant.size() + 1 + key.size());
  scoped.append(tenant);
  scoped.push_back('\0');
  scoped.append(key);
  return scoped;
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::dir() const { return impl_->dir; }
uint64_t Store::map_bytes() const {
  std::shared_lock lock(impl_->txns);
  return impl_->map_bytes;
}
bool Store::durable() const { return impl_->options.durable; }

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, const Options& options) {
  if (dir.empty() || options.map_bytes_initial < (uint64_t{1} << 20) ||
      options.map_bytes_max < options.map_bytes_initial || options.readers_max == 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_OPTIONS_INVALID",
                     "a directory, map_bytes_initial >= 1 MiB <= map_bytes_max, readers_max > 0");
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || !options.create) return FromLmdb(errno, StrCat("open ", dir));
    if (::mkdir(dir.c_str(), 0700) != 0) return FromLmdb(errno, StrCat("create ", dir));
  } else if (!S_ISDIR(st.st_mode)) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "STORE_NOT_A_STORE",
                     StrCat(dir, " is not a directory"));
  }
  if (!options.create) {
    const std::string data = dir + "/data.mdb";
    if (::stat(data.c_str(), &st) != 0) {
      return MakeError(absl::StatusCode::kNotFound, "STORE_NOT_FOUND", StrCat("no store in ", dir));
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  int rc = mdb_env_create(&impl->env);
  if (rc != 0) return FromLmdb(rc, "mdb_env_create");
  impl->map_bytes = options.map_bytes_initial;
  if ((rc = mdb_env_set_mapsize(impl->env, impl->map_bytes)) != 0 ||
      (rc = mdb_env_set_maxdbs(impl->env, kTableCount + 1)) != 0 ||
      (rc = mdb_env_set_maxreaders(impl->env, options.readers_max)) != 0) {
    return FromLmdb(rc, "configure");
  }
  unsigned flags = MDB_NOTLS;
  if (!options.durable) flags |= MDB_NOSYNC;
  if ((rc = mdb_env_open(impl->env, dir.c_str(), flags, 0600)) != 0) {
    return FromLmdb(rc, StrCat("open store ", dir));
  }
  // The map may be larger than asked if the store grew before.
  MDB_envinfo info;
  if (mdb_env_info(impl->env, &info) == 0 && info.me_mapsize > impl->map_bytes) {
    impl->map_bytes = info.me_mapsize;
  }
  // Tables and the schema version, in one transaction.
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(impl->env, nullptr, 0, &txn)) != 0) return FromLmdb(rc, "begin");
  const auto fail = [&](int code, std::string_view what) {
    mdb_txn_abort(txn);
    return FromLmdb(code, what);
  };
  if ((rc = mdb_dbi_open(txn, kMetaTable, MDB_CREATE, &impl->meta)) != 0) return fail(rc, "meta");
  for (int i = 0; i < kTableCount; ++i) {
    if ((rc = mdb_dbi_open(txn, kTableNames[i], MDB_CREATE, &impl->tables[i])) != 0) {
      return fail(rc, kTableNames[i]);
    }
  }
  MDB_val key = Val(kSchemaKey), value;
  rc = mdb_get(txn, impl->meta, &key, &value);
  if (rc == MDB_NOTFOUND) {
    MDB_val version = Val(kSchemaVersion);
    if ((rc = mdb_put(txn, impl->meta, &key, &version, 0)) != 0) return fail(rc, "schema");
  } else if (rc != 0) {
    return fail(rc, "schema");
  } else if (View(value) != kSchemaVersion) {
    const std::string found(View(value));
    mdb_txn_abort(txn);
    return MakeError(absl::StatusCode::kFailedPrecondition, "STORE_SCHEMA_MISMATCH",
                     StrCat("store ", dir, " has schema ", found, "; this library reads ",
                            kSchemaVersion));
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return FromLmdb(rc, "commit");
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::Status Store::Read(const std::function<absl::Status(const ReadTxn&)>& fn) const {
  std::shared_lock lock(impl_->txns);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return FromLmdb(rc, "begin read");
  ReadTxn view(this, txn);
  absl::Status s = fn(view);
  mdb_txn_abort(txn);  // read transactions are simply released
  return s;
}

absl::Status Store::Write(const std::function<absl::Status(WriteTxn&)>& fn) {
  std::lock_guard writer(impl_->writer);
  for (;;) {
    int rc = 0;
    {
      std::shared_lock lock(impl_->txns);
      MDB_txn* txn = nullptr;
      rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn);
      if (rc != 0) return FromLmdb(rc, "begin write");
      WriteTxn view(this, txn);
      absl::Status s = fn(view);
      if (!s.ok()) {
        mdb_txn_abort(txn);
        // A put that hit the map's end surfaces as STORE_FULL: grow and run again.
        if (StatusReason(s) != "STORE_FULL") return s;
        rc = MDB_MAP_FULL;
      } else {
        rc = mdb_txn_commit(txn);  // frees the transaction whatever the outcome
        if (rc == 0) return absl::OkStatus();
        if (rc != MDB_MAP_FULL) return FromLmdb(rc, "commit");
      }
    }
    // The map is full: double it (no transaction is active: readers hold `txns` shared).
    std::unique_lock grow(impl_->txns);
    if (impl_->map_bytes >= impl_->options.map_bytes_max) {
      return MakeError(absl::StatusCode::kResourceExhausted, "STORE_FULL",
                       StrCat("the store reached its maximum size of ",
                              impl_->options.map_bytes_max, " bytes"));
    }
    const uint64_t next = std::min(impl_->map_bytes * 2, impl_->options.map_bytes_max);
    if ((rc = mdb_env_set_mapsize(impl_->env, next)) != 0) return FromLmdb(rc, "grow map");
    impl_->map_bytes = next;
  }
}

absl::StatusOr<std::optional<std::string_view>> ReadTxn::Get(Table table, std::string_view tenant,
                                                             std::string_view key) const {
  auto scoped = ScopedKey(tenant, key);
  if (!scoped.ok()) return scoped.status();
  MDB_val k = Val(*scoped), v;
  int rc = mdb_get(txn_, store_->impl_->tables[static_cast<int>(table)], &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return FromLmdb(rc, "get");
  return std::optional<std::string_view>(View(v));
}

absl::Status ReadTxn::Scan(Table table, std::string_view tenant, std::string_view prefix,
                           const std::function<bool(std::string_view, std::string_view)>& visit) const {
  return Scan(table, tenant, prefix, std::string_view(), visit);
}

absl::Status ReadTxn::Scan(Table table, std::string_view tenant, std::string_view prefix, std::string_view from,
                           const std::function<bool(std::string_view, std::string_view)>& visit) const {
  // One scoped key, tenant + NUL + prefix + from; its first part is the scoped prefix.
  if (prefix.size() + from.size() > kKeyBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_KEY_TOO_LONG",
                     StrCat("keys are at most ", kKeyBytesMax, " bytes"));
  }
  auto start = ScopedKey(tenant, prefix);
  if (!start.ok()) return start.status();
  const size_t scoped_size = start->size();
  start->append(from);
  const std::string_view scoped = std::string_view(*start).substr(0, scoped_size);
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, store_->impl_->tables[static_cast<int>(table)], &cursor);
  if (rc != 0) return FromLmdb(rc, "cursor");
  MDB_val k = Val(*start), v;
  rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  const size_t tenant_prefix = tenant.size() + 1;
  while (rc == 0) {
    std::string_view found = View(k);
    if (found.substr(0, scoped.size()) != scoped) break;  // past the prefix (and the tenant)
    if (!visit(found.substr(tenant_prefix), View(v))) break;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return FromLmdb(rc, "scan");
  return absl::OkStatus();
}

absl::StatusOr<Cursor> Cursor::Open(const ReadTxn& txn, Table table, std::string_view tenant) {
  auto scoped = ScopedKey(tenant, "");
  if (!scoped.ok()) return scoped.status();
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn.txn_, txn.store_->impl_->tables[static_cast<int>(table)], &cursor);
  if (rc != 0) return FromLmdb(rc, "cursor");
  return Cursor(cursor, *scoped);
}

Cursor::Cursor(MDB_cursor* cursor, std::string_view scoped_tenant)
    : cursor_(cursor), scoped_(scoped_tenant), tenant_size_(scoped_tenant.size()), prefix_end_(scoped_tenant.size()) {}

Cursor::Cursor(Cursor&& other) noexcept
    : cursor_(other.cursor_),
      scoped_(std::move(other.scoped_)),
      tenant_size_(other.tenant_size_),
      prefix_end_(other.prefix_end_),
      key_(other.key_),
      value_(other.value_) {
  other.cursor_ = nullptr;
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

bool Cursor::InPrefix() const {
  return key_.size() >= prefix_end_ && key_.substr(0, prefix_end_) == std::string_view(scoped_).substr(0, prefix_end_);
}

absl::StatusOr<bool> Cursor::Seek(std::string_view prefix, std::string_view from) {
  if (prefix.size() + from.size() > kKeyBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_KEY_TOO_LONG",
                     StrCat("keys are at most ", kKeyBytesMax, " bytes"));
  }
  scoped_.resize(tenant_size_);
  scoped_.append(prefix);
  prefix_end_ = scoped_.size();
  scoped_.append(from);
  MDB_val k = Val(scoped_), v;
  const int rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return FromLmdb(rc, "seek");
  key_ = View(k);
  value_ = View(v);
  return InPrefix();
}

absl::StatusOr<bool> Cursor::SeekLast(std::string_view prefix) {
  if (prefix.size() > kKeyBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_KEY_TOO_LONG",
                     StrCat("keys are at most ", kKeyBytesMax, " bytes"));
  }
  scoped_.resize(tenant_size_);
  scoped_.append(prefix);
  prefix_end_ = scoped_.size();
  // The smallest key above every key with this prefix: the prefix with its last byte below 0xFF
  // incremented and the rest dropped. The tenant's NUL separator guarantees one exists.
  std::string bound = scoped_;
  while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xFF) bound.pop_back();
  bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
  MDB_val k = Val(bound), v;
  int rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
  if (rc == 0) {
    rc = mdb_cursor_get(cursor_, &k, &v, MDB_PREV);
  } else if (rc == MDB_NOTFOUND) {
    rc = mdb_cursor_get(cursor_, &k, &v, MDB_LAST);
  }
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return FromLmdb(rc, "seek last");
  key_ = View(k);
  value_ = View(v);
  return InPrefix();
}

absl::StatusOr<bool> Cursor::Next() {
  MDB_val k, v;
  const int rc = mdb_cursor_get(cursor_, &k, &v, MDB_NEXT);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return FromLmdb(rc, "next");
  key_ = View(k);
  value_ = View(v);
  return InPrefix();
}

absl::Status ReadTxn::ListTenants(Table table,
                                  const std::function<bool(std::string_view)>& visit) const {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, store_->impl_->tables[static_cast<int>(table)], &cursor);
  if (rc != 0) return FromLmdb(rc, "cursor");
  MDB_val k, v;
  rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  while (rc == 0) {
    const std::string_view key = View(k);
    const size_t nul = key.find('\0');
    if (nul == std::string_view::npos) break;  // not a tenant-scoped key: stop (never written)
    const std::string tenant(key.substr(0, nul));
    if (!visit(tenant)) break;
    // Jump past every key of this tenant: the next possible key is tenant + "\x01".
    std::string next = tenant;
    next.push_back('\x01');
    MDB_val seek = Val(next);
    rc = mdb_cursor_get(cursor, &seek, &v, MDB_SET_RANGE);
    k = seek;
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return FromLmdb(rc, "list tenants");
  return absl::OkStatus();
}

absl::Status WriteTxn::Write(Table table, std::string_view tenant, std::string_view key,
                             const std::string_view* value, unsigned flags, std::string_view what) {
  if (value != nullptr && value->size() > kValueBytesMax) {
    return MakeError(absl::StatusCode::kInvalidArgument, "STORE_VALUE_TOO_LARGE",
                     StrCat("values are at most ", kValueBytesMax, " bytes"));
  }
  auto scoped = ScopedKey(tenant, key);
  if (!scoped.ok()) return scoped.status();
  const MDB_dbi dbi = store_->impl_->tables[static_cast<int>(table)];
  MDB_val k = Val(*scoped);
  // Under a savepoint, remember what this write replaces (an insert replaces nothing: it fails
  // when the key exists).
  std::optional<std::string> prior;
  if (savepoints_ > 0 && (flags & MDB_NOOVERWRITE) == 0) {
    MDB_val old;
    const int rc = mdb_get(txn_, dbi, &k, &old);
    if (rc == 0) {
      prior.emplace(static_cast<const char*>(old.mv_data), old.mv_size);
    } else if (rc != MDB_NOTFOUND) {
      return FromLmdb(rc, what);
    }
  }
  int rc = 0;
  if (value != nullptr) {
    MDB_val v = Val(*value);
    rc = mdb_put(txn_, dbi, &k, &v, flags);
  } else {
    rc = mdb_del(txn_, dbi, &k, nullptr);
  }
  if (rc != 0) return FromLmdb(rc, what);
  if (savepoints_ > 0) undo_.push_back({static_cast<int>(table), std::move(*scoped), std::move(prior)});
  return absl::OkStatus();
}

absl::Status WriteTxn::Put(Table table, std::string_view tenant, std::string_view key,
                           std::string_view value) {
  return Write(table, tenant, key, &value, 0, "put");
}

absl::Status WriteTxn::RollbackTo(size_t mark) {
  if (mark > undo_.size()) __builtin_trap();  // savepoints close in the order they opened
  for (size_t i = undo_.size(); i-- > mark;) {
    const Undo& u = undo_[i];
    const MDB_dbi dbi = store_->impl_->tables[u.table];
    MDB_val k = Val(u.key);
    int rc = 0;
    if (u.prior.has_value()) {
      MDB_val v = Val(*u.prior);
      rc = mdb_put(txn_, dbi, &k, &v, 0);
    } else {
      rc = mdb_del(txn_, dbi, &k, nullptr);
    }
    if (rc != 0) {
      undo_.resize(mark);
      return rc == MDB_MAP_FULL ? FromLmdb(rc, "rollback")
                                : MakeError(absl::StatusCode::kInternal, "STORE_ROLLBACK_FAILED",
                                            StrCat("undoing a failed operation's writes failed: ", mdb_strerror(rc)));
    }
  }
  undo_.resize(mark);
  return absl::OkStatus();
}

absl::Status WriteTxn::Nested(const std::function<absl::Status(WriteTxn&)>& fn) {
  const size_t mark = undo_.size();
  ++savepoints_;
  absl::Status s = fn(*this);
  --savepoints_;
  if (s.ok()) {
    if (savepoints_ == 0) undo_.clear();  // nothing can roll these back any more
    return s;
  }
  if (absl::Status r = RollbackTo(mark); !r.ok()) {
    // The transaction broke (LMDB marks it failed after, e.g., a full map): whatever the
    // operation said, the caller must not commit. A full map keeps its STORE_FULL reason so that
    // Store::Write grows the map and runs again.
    return StatusReason(s) == "STORE_FULL" ? s : r;
  }
  return s;
}

absl::Status WriteTxn::Insert(Table table, std::string_view tenant, std::string_view key,
                              std::string_view value) {
  return Write(table, tenant, key, &value, MDB_NOOVERWRITE, "insert");
}

absl::Status WriteTxn::Delete(Table table, std::string_view tenant, std::string_view key) {
  return Write(table, tenant, key, nullptr, 0, "delete");
}

}  // namespace nooterra::store
