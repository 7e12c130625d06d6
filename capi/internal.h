// Shared plumbing of the C ABI: status translation, argument checks and the exception guard.
// capi/ only translates; all logic lives in the C++ core.
#ifndef NOOTERRA_CAPI_INTERNAL_H_
#define NOOTERRA_CAPI_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <exception>
#include <new>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nooterra/c.h"
#include "nooterra/crypto.h"
#include "nooterra/store.h"
#include "nooterra/status.h"

// Key handles (capi/crypto.cc creates them; other modules borrow them).
struct nooterra_public_key_t {
  nooterra::crypto::PublicKey key;
};
struct nooterra_private_key_t {
  nooterra::crypto::PrivateKey key;
};
// Store handle (capi/store.cc opens it; the ledger and agreement modules lease it).
// `leases` and `closed` are guarded by the registry mutex in capi/store.cc.
struct nooterra_store_t {
  std::unique_ptr<nooterra::store::Store> store;
  int64_t leases = 0;
  bool closed = false;
};

namespace nooterra::capi {

// Stores `status` into *error (when error != NULL) and returns its code. OK clears *error.
int32_t Report(const absl::Status& status, nooterra_error_t** error);

inline absl::Status NullArgument(std::string_view name) {
  return MakeError(absl::StatusCode::kInvalidArgument, "NULL_ARGUMENT",
                   std::string(name) + " must not be NULL");
}

// Runs `body` (returning absl::Status) so that no C++ exception escapes into C.
template <typename Body>
int32_t Guard(nooterra_error_t** error, Body&& body) {
  if (error != nullptr) *error = nullptr;
  try {
    return Report(body(), error);
  } catch (const std::bad_alloc&) {
    return Report(MakeError(absl::StatusCode::kResourceExhausted, "OUT_OF_MEMORY",
                            "out of memory"),
                  error);
  } catch (const std::exception& e) {
    return Report(MakeError(absl::StatusCode::kInternal, "INTERNAL", e.what()), error);
  } catch (...) {
    return Report(MakeError(absl::StatusCode::kInternal, "INTERNAL", "unknown exception"),
                  error);
  }
}

// A counted use of a store handle for the length of one C call. Every function that takes a
// nooterra_store_t* acquires one first: the handle is looked up in the registry of open handles
// (so a closed or never-opened pointer is FAILED_PRECONDITION STORE_CLOSED, not a crash), and
// while any lease lives nooterra_store_close only marks the handle closed; the last lease to end
// tears the store down. This is what makes "close while another thread is mid-call" safe.
class StoreLease {
 public:
  static absl::StatusOr<StoreLease> Acquire(nooterra_store_t* handle);
  StoreLease(StoreLease&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  StoreLease(const StoreLease&) = delete;
  StoreLease& operator=(const StoreLease&) = delete;
  StoreLease& operator=(StoreLease&&) = delete;
  ~StoreLease();
  nooterra::store::Store* get() const { return handle_->store.get(); }

 private:
  explicit StoreLease(nooterra_store_t* handle) : handle_(handle) {}
  nooterra_store_t* handle_;
};

// Replaces buffer's contents with a malloc'ed copy of `bytes` plus a NUL terminator.
absl::Status FillBuffer(std::string_view bytes, nooterra_buffer_t* buffer);

}  // namespace nooterra::capi

#endif  // NOOTERRA_CAPI_INTERNAL_H_
