// C ABI of the store and ledger modules: a translation of include/nooterra/store.h and
// include/nooterra/ledger.h.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "internal.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/store.h"


using namespace nooterra;  // NOLINT: translation unit of C entry points only

namespace nooterra::capi {
namespace {

// The open store handles. A plain mutex: it is held for a set lookup and a counter update, tiny
// next to the LMDB work of any store call.
std::mutex& RegistryMutex() {
  static std::mutex* mu = new std::mutex;  // never destroyed: usable during static teardown
  return *mu;
}
std::unordered_set<nooterra_store_t*>& Registry() {
  static auto* open = new std::unordered_set<nooterra_store_t*>;
  return *open;
}

}  // namespace

absl::StatusOr<StoreLease> StoreLease::Acquire(nooterra_store_t* handle) {
  if (handle == nullptr) return NullArgument("store");
  std::lock_guard<std::mutex> lock(RegistryMutex());
  if (Registry().count(handle) == 0 || handle->closed) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "STORE_CLOSED",
                     "the store handle is closed (or was never opened)");
  }
  ++handle->leases;
  return StoreLease(handle);
}

StoreLease::~StoreLease() {
  if (handle_ == nullptr) return;
  nooterra_store_t* doomed = nullptr;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    // Invariant, kept on in release: every live lease was counted at Acquire.
    if (handle_->leases <= 0) std::abort();
    if (--handle_->leases == 0 && handle_->closed) {
      Registry().erase(handle_);
      doomed = handle_;
    }
  }
  delete doomed;  // outside the lock: closing LMDB may take a while
}

}  // namespace nooterra::capi

extern "C" {

int32_t nooterra_store_open(const char* dir, const nooterra_store_options_t* options,
                            nooterra_store_t** out, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (dir == nullptr) return capi::NullArgument("dir");
    if (out == nullptr) return capi::NullArgument("out");
    *out = nullptr;
    store::Options o;
    if (options != nullptr) {
      if (options->struct_size != sizeof(nooterra_store_options_t)) {
        return MakeError(absl::StatusCode::kInvalidArgument, "STRUCT_SIZE",
                         "nooterra_store_options_t.struct_size is not a known size; initialize "
                         "with NOOTERRA_STORE_OPTIONS_INIT");
      }
      o.durable = options->durable != 0;
      o.map_bytes_initial = options->map_bytes_initial;
      o.map_bytes_max = options->map_bytes_max;
      o.readers_max = options->readers_max;
      o.create = options->create != 0;
    }
    auto opened = store::Store::Open(dir, o);
    if (!opened.ok()) return opened.status();
    auto handle = std::make_unique<nooterra_store_t>();
    handle->store = std::move(*opened);
    std::lock_guard<std::mutex> lock(capi::RegistryMutex());
    capi::Registry().insert(handle.get());
    *out = handle.release();
    return absl::OkStatus();
  });
}

void nooterra_store_close(nooterra_store_t* store) {
  if (store == nullptr) return;
  nooterra_store_t* doomed = nullptr;
  {
    std::lock_guard<std::mutex> lock(capi::RegistryMutex());
    if (capi::Registry().count(store) == 0 || store->closed) return;  // closed twice: no-op
    store->closed = true;
    if (store->leases == 0) {
      capi::Registry().erase(store);
      doomed = store;
    }
  }
  delete doomed;
}

int32_t nooterra_ledger_post(nooterra_store_t* store, const char* tenant, const uint8_t* entry_json,
                             size_t entry_size, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    if (tenant == nullptr) return capi::NullArgument("tenant");
    if (entry_json == nullptr && entry_size != 0) return capi::NullArgument("entry_json");
    auto entry = ledger::EntryFromJson(
        std::string_view(reinterpret_cast<const char*>(entry_json), entry_size));
    if (!entry.ok()) return entry.status();
    return lease->get()->Write(
        [&](store::WriteTxn& txn) { return ledger::Post(txn, tenant, *entry); });
  });
}

int32_t nooterra_ledger_post_batch(nooterra_store_t* store, const char* tenant, const uint8_t* entries_json,
                                   size_t entries_size, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    if (tenant == nullptr) return capi::NullArgument("tenant");
    if (entries_json == nullptr && entries_size != 0) return capi::NullArgument("entries_json");
    json::Limits limits;
    limits.document_bytes_max = size_t{256} << 20;
    auto doc = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(entries_json), entries_size), limits);
    if (!doc.ok()) return doc.status();
    if (!doc->root().is_array()) {
      return MakeError(absl::StatusCode::kInvalidArgument, "LEDGER_ENTRY_INVALID", "a batch is a JSON array of entries");
    }
    if (doc->root().size() > ledger::kBatchEntriesMax) {
      return MakeError(absl::StatusCode::kResourceExhausted, "LEDGER_BATCH_TOO_LARGE", "a batch holds at most 100000 entries");
    }
    std::vector<ledger::Entry> entries;
    entries.reserve(doc->root().size());
    for (size_t i = 0; i < doc->root().size(); ++i) {
      std::string text;
      if (absl::Status s = json::AppendCanonical(doc->root().at(i), &text); !s.ok()) return s;
      auto entry = ledger::EntryFromJson(text);
      if (!entry.ok()) {
        return MakeError(entry.status().code(), StatusReason(entry.status()),
                         std::string(entry.status().message()) + " (batch entry " + std::to_string(i) + ")");
      }
      entries.push_back(*std::move(entry));
    }
    return lease->get()->Write([&](store::WriteTxn& txn) { return ledger::PostBatch(txn, tenant, entries); });
  });
}

int32_t nooterra_ledger_balance(nooterra_store_t* store, const char* tenant, const char* owner,
                                const char* currency, int32_t bucket, int64_t* out_balance,
                                nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    if (tenant == nullptr) return capi::NullArgument("tenant");
    if (owner == nullptr) return capi::NullArgument("owner");
    if (currency == nullptr) return capi::NullArgument("currency");
    if (out_balance == nullptr) return capi::NullArgument("out_balance");
    const ledger::Account account{owner, currency, static_cast<ledger::Bucket>(bucket)};
    return lease->get()->Read([&](const store::ReadTxn& txn) -> absl::Status {
      auto b = ledger::Balance(txn, tenant, account);
      if (!b.ok()) return b.status();
      *out_balance = *b;
      return absl::OkStatus();
    });
  });
}

int32_t nooterra_ledger_check(nooterra_store_t* store, const char* tenant,
                              nooterra_buffer_t* out_report, int32_t* out_ok,
                              nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    if (tenant == nullptr) return capi::NullArgument("tenant");
    if (out_report == nullptr) return capi::NullArgument("out_report");
    std::vector<std::string> violations;
    absl::Status s = lease->get()->Read([&](const store::ReadTxn& txn) -> absl::Status {
      if (absl::Status v = store::ValidateTenant(tenant); !v.ok()) return v;
      auto found = ledger::Check(txn, tenant);
      if (!found.ok()) return found.status();
      violations = std::move(*found);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    json::Tree list = json::Tree::Array();
    for (std::string& v : violations) list.Push(json::Tree::String(std::move(v)));
    auto text = json::CanonicalString(list);
    if (!text.ok()) return text.status();
    if (absl::Status f = capi::FillBuffer(*text, out_report); !f.ok()) return f;
    if (out_ok != nullptr) *out_ok = violations.empty() ? 1 : 0;
    return absl::OkStatus();
  });
}

}  // extern "C"
