// The private Node-API addon `nooterra.node`: a thin translation of the C ABI
// (include/nooterra/c.h) and nothing else. No C++ core header is included, so error mapping
// lives in one place (the C ABI) and Abseil never reaches JavaScript. lib/index.js validates
// arguments and shapes results; this file only converts and calls.
//
// Threads: calls that hash a bundle or touch the store run on libuv's pool (Napi::AsyncWorker)
// and resolve a Promise; Execute() copies nothing from and touches nothing of napi_env — its
// inputs were copied into C++ strings on the main thread. Cheap pure calls (canonicalize a
// document, sign a digest) stay synchronous: a round trip to the pool costs more than they do.
//
// Errors: Error objects with `code` ('NOOTERRA_INVALID_ARGUMENT', ...), `nooterraCode` (the
// numeric C ABI code), `reason` (stable, e.g. 'JSON_SYNTAX') and `offset` when known.
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nooterra/c.h"

namespace {

// ---------------------------------------------------------------------------------------------
// Errors

struct Failure {
  int32_t code = NOOTERRA_OK;
  std::string reason, message;
  int64_t offset = -1;
};

// Takes ownership of `err`.
Failure TakeFailure(int32_t rc, nooterra_error_t* err) {
  Failure f{rc, nooterra_error_reason(err), nooterra_error_message(err), nooterra_error_offset(err)};
  nooterra_error_free(err);
  return f;
}

Napi::Error MakeError(Napi::Env env, const Failure& f) {
  Napi::Error e = Napi::Error::New(env, (f.reason.empty() ? nooterra_code_name(f.code) : f.reason) + ": " + f.message);
  e.Set("code", Napi::String::New(env, std::string("NOOTERRA_") + nooterra_code_name(f.code)));
  e.Set("nooterraCode", Napi::Number::New(env, f.code));
  e.Set("reason", Napi::String::New(env, f.reason));
  if (f.offset >= 0) e.Set("offset", Napi::Number::New(env, static_cast<double>(f.offset)));
  return e;
}

// Runs one C ABI call on the calling thread and throws its error as a JS exception.
template <typename F>
void Call(Napi::Env env, F&& call) {
  nooterra_error_t* err = nullptr;
  const int32_t rc = call(&err);
  if (rc != NOOTERRA_OK) throw MakeError(env, TakeFailure(rc, err));
}

// An owned result buffer that is always disposed.
struct Buffer {
  nooterra_buffer_t b = NOOTERRA_BUFFER_INIT;
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { nooterra_buffer_dispose(&b); }
  std::string str() const { return b.data ? std::string(reinterpret_cast<const char*>(b.data), b.size) : ""; }
};

const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// True when no byte has its high bit set. 64 bytes per step: a settlement result is ~3 KB, and
// the byte-at-a-time form of this scan was a measurable part of applySync.
bool IsAscii(const char* data, size_t size) {
  size_t i = 0;
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (; i + 64 <= size; i += 64) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 32));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 48));
    acc = _mm_or_si128(acc, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
  }
  if (_mm_movemask_epi8(acc) != 0) return false;
#endif
  uint64_t high = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    high |= w;
  }
  for (; i < size; ++i) high |= static_cast<unsigned char>(data[i]);
  return (high & 0x8080808080808080ull) == 0;
}

// A JS string of UTF-8 bytes. Kernel results are nearly always ASCII, and an ASCII text is also
// Latin-1, which V8 copies as a one-byte string without decoding: measured ~1 µs less for a 3 KB
// settlement result than napi_create_string_utf8.
Napi::String JsText(Napi::Env env, const char* data, size_t size) {
  if (IsAscii(data, size)) {
    napi_value v;
    if (napi_create_string_latin1(env, data, size, &v) != napi_ok) throw Napi::Error::New(env, "string allocation failed");
    return Napi::String(env, v);
  }
  return Napi::String::New(env, data, size);
}

// ---------------------------------------------------------------------------------------------
// Argument conversion (lib/index.js has already checked types; these are the last line)

// A string argument as UTF-8, whatever it contains (JSON and byte inputs: a NUL there is the
// parser's to report, with its position).
std::string RawStr(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string");
  // One conversion into a stack buffer for the short strings most arguments are (Utf8Value asks
  // V8 for the length first, then converts: two passes, ~0.1 µs each per argument).
  char buf[512];
  size_t len = 0;
  if (napi_get_value_string_utf8(info.Env(), info[i], buf, sizeof buf, &len) != napi_ok) {
    throw Napi::Error::New(info.Env(), "argument " + std::to_string(i) + " could not be read");
  }
  if (len + 1 < sizeof buf) return std::string(buf, len);
  return info[i].As<Napi::String>().Utf8Value();  // possibly truncated: convert whole
}
// A string argument the C ABI takes as a C string (tenant, key, id, path, PEM, ...): a NUL
// inside could only truncate it (a different tenant or key), so it is refused.
std::string Str(const Napi::CallbackInfo& info, size_t i) {
  std::string s = RawStr(info, i);
  if (s.find('\0') != std::string::npos) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must not contain NUL characters");
  }
  return s;
}
std::optional<std::string> OptStr(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsUndefined() || info[i].IsNull()) return std::nullopt;
  return Str(info, i);
}
std::string Bytes(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBuffer()) {
    auto b = info[i].As<Napi::Buffer<uint8_t>>();
    return std::string(reinterpret_cast<const char*>(b.Data()), b.Length());
  }
  return RawStr(info, i);
}
int32_t Int(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}
bool Bool(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }
// int64 from a BigInt or a safe-integer Number.
int64_t Int64(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBigInt()) {
    bool lossless = false;
    const int64_t v = info[i].As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(info.Env(), "argument " + std::to_string(i) + " does not fit in int64");
    return v;
  }
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an integer");
  return info[i].As<Napi::Number>().Int64Value();
}
// A Number when exact, else a BigInt: minor units can exceed 2^53.
Napi::Value Int64Value(Napi::Env env, int64_t v) {
  constexpr int64_t kSafe = (int64_t{1} << 53) - 1;
  if (v >= -kSafe && v <= kSafe) return Napi::Number::New(env, static_cast<double>(v));
  return Napi::BigInt::New(env, v);
}

// ---------------------------------------------------------------------------------------------
// Off-thread calls

// What a worker produced: the C ABI's text result and flags.
struct Outcome {
  std::string text;
  int64_t number = 0;
  int32_t flag = 0;
};
enum class Shape { kText, kTextAndFlag, kNumber, kNone };

// Runs `work` (a C ABI call, given only copied inputs) on the pool and settles a Promise.
// `on_settled` runs on the main thread afterwards (the Store uses it to count pending calls).
class CallWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<int32_t(Outcome&, nooterra_error_t**)>;
  CallWorker(Napi::Env env, Napi::Object keep_alive, Shape shape, Work work, std::function<void()> on_settled)
      : Napi::AsyncWorker(env, "nooterra"),
        keep_alive_(Napi::Persistent(keep_alive)),
        deferred_(Napi::Promise::Deferred::New(env)),
        shape_(shape),
        work_(std::move(work)),
        on_settled_(std::move(on_settled)) {}

  Napi::Promise Queue() {
    Napi::Promise p = deferred_.Promise();
    Napi::AsyncWorker::Queue();
    return p;
  }

 protected:
  void Execute() override {  // pool thread: no napi_env here
    nooterra_error_t* err = nullptr;
    const int32_t rc = work_(outcome_, &err);
    if (rc != NOOTERRA_OK) failure_ = TakeFailure(rc, err);
  }
  void OnOK() override {
    // When a worker thread is terminated, its environment is being torn down while our pool
    // call finishes: creating values or settling the promise then throws. Nothing is waiting
    // for the result any more, so the error is dropped instead of escaping into libuv
    // (which would std::terminate the whole process).
    try {
      Settle();
    } catch (const Napi::Error&) {
    }
  }
  void OnError(const Napi::Error& e) override {  // only if Execute threw, which it does not
    try {
      if (on_settled_) on_settled_();
      deferred_.Reject(e.Value());
    } catch (const Napi::Error&) {
    }
  }

 private:
  void Settle() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (on_settled_) on_settled_();
    if (failure_.code != NOOTERRA_OK) {
      deferred_.Reject(MakeError(env, failure_).Value());
      return;
    }
    switch (shape_) {
      case Shape::kText: deferred_.Resolve(Napi::String::New(env, outcome_.text)); break;
      case Shape::kTextAndFlag: {
        Napi::Array pair = Napi::Array::New(env, 2);
        pair.Set(0u, Napi::String::New(env, outcome_.text));
        pair.Set(1u, Napi::Boolean::New(env, outcome_.flag != 0));
        deferred_.Resolve(pair);
        break;
      }
      case Shape::kNumber: deferred_.Resolve(Int64Value(env, outcome_.number)); break;
      case Shape::kNone: deferred_.Resolve(env.Undefined()); break;
    }
  }

  Napi::ObjectReference keep_alive_;  // e.g. the Store, alive until this call settles
  Napi::Promise::Deferred deferred_;
  Shape shape_;
  Work work_;
  std::function<void()> on_settled_;
  Outcome outcome_;
  Failure failure_;
};

// ---------------------------------------------------------------------------------------------
// Keys: PEM text across the boundary; C handles live only inside one call.

struct PrivateKey {
  nooterra_private_key_t* k = nullptr;
  PrivateKey(Napi::Env env, const std::string& pem) {
    Call(env, [&](nooterra_error_t** err) { return nooterra_private_key_from_pem(pem.data(), pem.size(), &k, err); });
  }
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey() { nooterra_private_key_free(k); }
};
struct PublicKey {
  nooterra_public_key_t* k = nullptr;
  PublicKey(Napi::Env env, const std::string& pem) {
    Call(env, [&](nooterra_error_t** err) { return nooterra_public_key_from_pem(pem.data(), pem.size(), &k, err); });
  }
  PublicKey(PublicKey&& o) noexcept : k(o.k) { o.k = nullptr; }
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;
  ~PublicKey() { nooterra_public_key_free(k); }
};

// [privatePem, publicPem, keyId]; takes ownership of k.
Napi::Value KeyTriple(Napi::Env env, nooterra_private_key_t* k) {
  nooterra_public_key_t* pub = nullptr;
  Buffer priv_pem, pub_pem;
  char key_id[NOOTERRA_KEY_ID_SIZE] = {0};
  nooterra_error_t* err = nullptr;
  int32_t rc = nooterra_private_key_public_key(k, &pub, &err);
  if (rc == NOOTERRA_OK) rc = nooterra_public_key_to_pem(pub, &pub_pem.b, &err);
  if (rc == NOOTERRA_OK) rc = nooterra_public_key_id(pub, key_id, &err);
  if (rc == NOOTERRA_OK) rc = nooterra_private_key_to_pem(k, &priv_pem.b, &err);
  nooterra_public_key_free(pub);
  nooterra_private_key_free(k);
  if (rc != NOOTERRA_OK) throw MakeError(env, TakeFailure(rc, err));
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::String::New(env, priv_pem.str()));
  out.Set(1u, Napi::String::New(env, pub_pem.str()));
  out.Set(2u, Napi::String::New(env, key_id));
  return out;
}

Napi::Value TextAndHash(Napi::Env env, const std::string& text, const char* hash) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::String::New(env, text));
  out.Set(1u, Napi::String::New(env, hash));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The store

// One thread that runs a store's write batches, one at a time. A pool thread hands the batch over
// and waits, so the promise machinery is the ordinary AsyncWorker's; what changes is that every
// batch runs on the same thread (so mostly on the same core, with the same allocator arena and
// warm caches) instead of on whichever of libuv's pool threads is free. Measured on a 2-core
// machine: about 10% more batch throughput (bench/batch_compare.sh). LMDB serializes writers
// anyway, so a second thread per store could never run a batch concurrently.
class BatchThread {
 public:
  ~BatchThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Runs `fn` on the batch thread and returns its result; called from a pool thread.
  int32_t Run(const std::function<int32_t()>& fn) {
    std::packaged_task<int32_t()> task(fn);
    std::future<int32_t> done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
      queue_.push_back(std::move(task));
    }
    wake_.notify_one();
    return done.get();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and nothing left
      std::packaged_task<int32_t()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<int32_t()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// A string argument converted once, without a heap allocation when it is short: the per-call
// applySync path converts five of them (std::string copies cost a malloc/free pair each for
// anything past 15 bytes). Movable, so the async apply can carry it to the pool.
class ArgText {
 public:
  static ArgText Read(const Napi::CallbackInfo& info, size_t i, bool c_string) {
    if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string");
    ArgText t;
    if (napi_get_value_string_utf8(info.Env(), info[i], t.small_, sizeof t.small_, &t.size_) != napi_ok) {
      throw Napi::Error::New(info.Env(), "argument " + std::to_string(i) + " could not be read");
    }
    if (t.size_ + 1 >= sizeof t.small_) {  // possibly truncated: convert whole
      t.big_ = info[i].As<Napi::String>().Utf8Value();
      t.size_ = t.big_.size();
      t.heap_ = true;
    }
    if (c_string && std::memchr(t.data(), '\0', t.size_) != nullptr) {
      throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must not contain NUL characters");
    }
    return t;
  }
  // The text, NUL-terminated.
  const char* data() const { return heap_ ? big_.c_str() : small_; }
  size_t size() const { return size_; }

 private:
  char small_[240];
  std::string big_;
  size_t size_ = 0;
  bool heap_ = false;
};

// The arguments of apply / applySync / benchApplyNs: (tenant, operation, subject|null,
// requestJson, now, idempotencyKey), converted once, and the C ABI call they make.
struct ApplyArgs {
  ArgText tenant;
  int32_t op = 0;
  std::optional<ArgText> subject;
  ArgText request, now, key;
  static ApplyArgs From(const Napi::CallbackInfo& info) {
    // Braced initialisation runs left to right: the first bad argument is the one reported.
    return ApplyArgs{ArgText::Read(info, 0, true), Int(info, 1),
                     info[2].IsUndefined() || info[2].IsNull() ? std::nullopt
                                                               : std::optional<ArgText>(ArgText::Read(info, 2, true)),
                     ArgText::Read(info, 3, false), ArgText::Read(info, 4, true), ArgText::Read(info, 5, true)};
  }
  int32_t Apply(nooterra_store_t* h, nooterra_buffer_t* out, int32_t* existed, nooterra_error_t** err) const {
    return nooterra_agreement_apply(h, tenant.data(), op, subject ? subject->data() : nullptr,
                                    reinterpret_cast<const uint8_t*>(request.data()), request.size(), now.data(),
                                    key.data(), out, existed, err);
  }
};

// Wraps one nooterra_store_t. Every operation returns a Promise and runs on the pool. The C
// handle is closed only when the JS side has closed it AND no queued call still uses it, so a
// queued call can never run against a handle that was freed and reused by a later open.
// `pending_` and `closed_` are touched only on the main thread.
class Store : public Napi::ObjectWrap<Store> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeStore",
                       {InstanceMethod<&Store::Close>("close"), InstanceAccessor<&Store::Closed>("closed"),
                        InstanceMethod<&Store::LedgerPost>("ledgerPost"),
                        InstanceMethod<&Store::LedgerPostBatch>("ledgerPostBatch"),
                        InstanceMethod<&Store::LedgerBalance>("ledgerBalance"),
                        InstanceMethod<&Store::LedgerCheck>("ledgerCheck"),
                        InstanceMethod<&Store::StoreCheck>("storeCheck"),
                        InstanceMethod<&Store::Tenants>("tenants"),
                        InstanceMethod<&Store::RegisterAgent>("registerAgent"),
                        InstanceMethod<&Store::Deposit>("deposit"), InstanceMethod<&Store::Apply>("apply"),
                        InstanceMethod<&Store::ApplySync>("applySync"),
                        InstanceAccessor<&Store::SyncFlag>("syncFlag"),
                        InstanceMethod<&Store::BenchApplyNs>("benchApplyNs"),
                        InstanceMethod<&Store::ApplyBatch>("applyBatch"),
                        InstanceMethod<&Store::StateHash>("stateHash"),
                        InstanceMethod<&Store::VerifyLog>("verifyLog"),
                        InstanceMethod<&Store::ReplayFrom>("replayFrom"),
                        InstanceMethod<&Store::ReplayEvaluate>("replayEvaluate"),
                        InstanceMethod<&Store::ReputationFacts>("reputationFacts"),
                        InstanceMethod<&Store::ReplayEvaluateRun>("replayEvaluateRun"),
                        InstanceMethod<&Store::PolicySimulate>("policySimulate"),
                        InstanceMethod<&Store::SpendPolicySimulate>("spendPolicySimulate"),
                        InstanceMethod<&Store::Maintenance>("maintenance"), InstanceMethod<&Store::Get>("get")});
  }

  // new NativeStore(path, durable, create, mapBytesMax): opens synchronously (an LMDB open is
  // a few system calls); lib/index.js exposes it as the async Store.open.
  explicit Store(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Store>(info) {
    const std::string path = Str(info, 0);
    nooterra_store_options_t o = NOOTERRA_STORE_OPTIONS_INIT;
    o.durable = Bool(info, 1) ? 1 : 0;
    o.create = Bool(info, 2) ? 1 : 0;
    const int64_t map_max = Int64(info, 3);
    if (map_max > 0) o.map_bytes_max = static_cast<uint64_t>(map_max);
    Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_store_open(path.c_str(), &o, &handle_, err); });
  }
  ~Store() override { nooterra_store_close(handle_); }  // garbage collected or env teardown

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    closed_ = true;
    MaybeRelease();
    return info.Env().Undefined();
  }
  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }

  void MaybeRelease() {
    if (closed_ && pending_ == 0 && handle_ != nullptr) {
      nooterra_store_close(handle_);
      handle_ = nullptr;
    }
  }

  // Queues `work` with the handle; a closed store rejects at once with STORE_CLOSED.
  Napi::Value Run(const Napi::CallbackInfo& info, Shape shape,
                  std::function<int32_t(nooterra_store_t*, Outcome&, nooterra_error_t**)> work,
                  std::function<void()> also_on_settled = nullptr) {
    Napi::Env env = info.Env();
    if (closed_) {
      auto d = Napi::Promise::Deferred::New(env);
      d.Reject(MakeError(env, {NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED", "the store is closed", -1}).Value());
      return d.Promise();
    }
    nooterra_store_t* h = handle_;
    ++pending_;
    auto* worker = new CallWorker(
        env, Value(), shape,
        [h, work = std::move(work)](Outcome& out, nooterra_error_t** err) { return work(h, out, err); },
        [this, also = std::move(also_on_settled)] {
          --pending_;
          MaybeRelease();
          if (also) also();
        });
    return worker->Queue();
  }

  Napi::Value LedgerPost(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), entry = RawStr(info, 1);
    return Run(info, Shape::kNone, [tenant, entry](nooterra_store_t* h, Outcome&, nooterra_error_t** err) {
      return nooterra_ledger_post(h, tenant.c_str(), U(entry), entry.size(), err);
    });
  }
  Napi::Value LedgerPostBatch(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), entries = RawStr(info, 1);
    return Run(info, Shape::kNone, [tenant, entries](nooterra_store_t* h, Outcome&, nooterra_error_t** err) {
      return nooterra_ledger_post_batch(h, tenant.c_str(), U(entries), entries.size(), err);
    });
  }
  Napi::Value LedgerBalance(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), owner = Str(info, 1), currency = Str(info, 2);
    const int32_t bucket = Int(info, 3);
    return Run(info, Shape::kNumber, [=](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      return nooterra_ledger_balance(h, tenant.c_str(), owner.c_str(), currency.c_str(), bucket, &out.number, err);
    });
  }
  Napi::Value LedgerCheck(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0);
    return Run(info, Shape::kText, [tenant](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_ledger_check(h, tenant.c_str(), &b.b, nullptr, err);
      out.text = b.str();
      return rc;
    });
  }
  // storeCheck(tenant|null) -> Promise<report JSON>
  Napi::Value StoreCheck(const Napi::CallbackInfo& info) {
    std::optional<std::string> tenant = OptStr(info, 0);
    return Run(info, Shape::kText, [tenant](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_store_check(h, tenant ? tenant->c_str() : nullptr, &b.b, nullptr, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value Tenants(const Napi::CallbackInfo& info) {
    return Run(info, Shape::kText, [](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_store_tenants(h, &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value RegisterAgent(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), agent = Str(info, 1), pem = Str(info, 2);
    return Run(info, Shape::kTextAndFlag, [=](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc =
          nooterra_agreement_register_agent(h, tenant.c_str(), agent.c_str(), pem.c_str(), &b.b, &out.flag, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value Deposit(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), agent = Str(info, 1), currency = Str(info, 2);
    const int64_t amount = Int64(info, 3);
    std::string key = Str(info, 4);
    return Run(info, Shape::kTextAndFlag, [=](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_deposit(h, tenant.c_str(), agent.c_str(), currency.c_str(), amount,
                                                    key.c_str(), &b.b, &out.flag, err);
      out.text = b.str();
      return rc;
    });
  }
  // applySync(tenant, operation, subject|null, requestJson, now, idempotencyKey, flag: Int32Array)
  //   -> resultJson, with flag[0] = alreadyExisted (0/1)
  // The same call on the calling (main) thread: no pool hop, so no promise and no wake-ups, for
  // latency-bound callers. It blocks the event loop for the kernel call, fsync included on a
  // durable store. alreadyExisted is written into this store's `syncFlag` Int32Array (read by
  // lib/index.js after the call): building a [text, flag] array here (napi_set_element)
  // measured ~4 µs a call, more than the kernel's replay itself, and passing the array as a
  // seventh argument cost the typed-array checks plus a heap-allocated argument vector
  // (node-addon-api keeps six arguments on the stack).
  Napi::Value ApplySync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) throw MakeError(env, {NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED", "the store is closed", -1});
    const ApplyArgs args = ApplyArgs::From(info);
    Buffer b;
    int32_t existed = 0;
    Call(env, [&](nooterra_error_t** err) { return args.Apply(handle_, &b.b, &existed, err); });
    SyncFlagData(env)[0] = existed == 1 ? 1 : 0;
    return JsText(env, reinterpret_cast<const char*>(b.b.data), b.b.size);
  }
  // The Int32Array applySync writes alreadyExisted into: one per store, created on first use and
  // kept alive by a reference (its backing store never moves).
  int32_t* SyncFlagData(Napi::Env env) {
    if (sync_flag_data_ == nullptr) {
      Napi::Int32Array a = Napi::Int32Array::New(env, 1);
      sync_flag_ = Napi::Persistent(a);
      sync_flag_data_ = a.Data();
    }
    return sync_flag_data_;
  }
  Napi::Value SyncFlag(const Napi::CallbackInfo& info) {
    SyncFlagData(info.Env());
    return sync_flag_.Value();
  }
  // benchApplyNs(tenant, operation, subject|null, requestJson, now, idempotencyKey, n) -> ns per
  // call of the bare C ABI call looped here: the same-process baseline bench/bindings_overhead.js
  // subtracts from applyTextSync (not part of the public API).
  Napi::Value BenchApplyNs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) throw MakeError(env, {NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED", "the store is closed", -1});
    const ApplyArgs args = ApplyArgs::From(info);
    const int64_t n = Int64(info, 6);
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < n; ++i) {
      Buffer b;
      int32_t existed = 0;
      Call(env, [&](nooterra_error_t** err) { return args.Apply(handle_, &b.b, &existed, err); });
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    return Napi::Number::New(env, ns / static_cast<double>(n > 0 ? n : 1));
  }
  // apply(tenant, operation, subject|null, requestJson, now, idempotencyKey)
  Napi::Value Apply(const Napi::CallbackInfo& info) {
    return Run(info, Shape::kTextAndFlag, [args = ApplyArgs::From(info)](nooterra_store_t* h, Outcome& out,
                                                                           nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = args.Apply(h, &b.b, &out.flag, err);
      out.text = b.str();
      return rc;
    });
  }
  // applyBatch(tenant, [[operation, subject|null, requestJson, now, idempotencyKey], ...])
  //   -> Promise<results JSON>
  // applyBatch(tenant, codes: Int32Array [operation, hasSubject] x n, fields: string) where fields
  // is the 4n texts subject, request, now, key of each operation joined by NUL (lib/index.js
  // packs it and refuses NUL inside a text). The separators double as the C strings' ends, so
  // the operations point straight into one UTF-8 copy.
  Napi::Value ApplyBatch(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(info.Env(), "codes must be an Int32Array");
    }
    Napi::Int32Array codes = info[1].As<Napi::Int32Array>();
    const size_t n = codes.ElementLength() / 2;
    auto packed = std::make_shared<std::string>(RawStr(info, 2));
    if (n > 0) packed->push_back('\0');  // the last field's end (no fields at all for no operations)
    if (codes.ElementLength() % 2 != 0 ||
        static_cast<size_t>(std::count(packed->begin(), packed->end(), '\0')) != 4 * n) {
      throw Napi::TypeError::New(info.Env(), "fields must hold 4 NUL-separated texts per operation");
    }
    auto heads = std::make_shared<std::vector<int32_t>>(codes.Data(), codes.Data() + 2 * n);
    if (!batch_thread_) batch_thread_ = std::make_shared<BatchThread>();
    return Run(info, Shape::kText, [tenant, heads, packed, n, thread = batch_thread_](nooterra_store_t* h, Outcome& out,
                                                                                      nooterra_error_t** err) {
      return thread->Run([&] {
      std::vector<nooterra_batch_op_t> raw(n, nooterra_batch_op_t NOOTERRA_BATCH_OP_INIT);
      const char* p = packed->data();
      const auto next = [&p]() {
        const char* field = p;
        p += std::strlen(p) + 1;
        return field;
      };
      for (size_t i = 0; i < n; ++i) {
        raw[i].operation = (*heads)[2 * i];
        const char* subject = next();
        raw[i].subject = (*heads)[2 * i + 1] != 0 ? subject : nullptr;
        const char* request = next();
        raw[i].request_json = reinterpret_cast<const uint8_t*>(request);
        raw[i].request_size = static_cast<size_t>(p - request) - 1;
        raw[i].now = next();
        raw[i].idempotency_key = next();
      }
      Buffer b;
      const int32_t rc = nooterra_agreement_apply_batch(h, tenant.c_str(), raw.data(), raw.size(), &b.b, nullptr, err);
      out.text = b.str();
      return rc;
      });
    });
  }
  Napi::Value StateHash(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0);
    return Run(info, Shape::kText, [tenant](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      char hex[65] = {0};
      const int32_t rc = nooterra_store_state_hash(h, tenant.c_str(), hex, err);
      out.text = hex;
      return rc;
    });
  }
  Napi::Value VerifyLog(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0);
    return Run(info, Shape::kText, [tenant](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_verify_log(h, tenant.c_str(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value ReplayEvaluateRun(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), run_id = Str(info, 1);
    return Run(info, Shape::kText, [tenant, run_id](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_replay_evaluate_run(h, tenant.c_str(), run_id.c_str(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value ReputationFacts(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), request = Str(info, 1);
    return Run(info, Shape::kText, [tenant, request](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_reputation_facts(
          h, tenant.c_str(), reinterpret_cast<const uint8_t*>(request.data()), request.size(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value ReplayEvaluate(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), agreement = Str(info, 1);
    return Run(info, Shape::kText, [tenant, agreement](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_replay_evaluate(h, tenant.c_str(), agreement.c_str(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  // replayFrom(sourceStore, tenant): the source is kept alive and counted as busy too.
  Napi::Value ReplayFrom(const Napi::CallbackInfo& info) {
    if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "the source must be a NativeStore");
    Store* source = Napi::ObjectWrap<Store>::Unwrap(info[0].As<Napi::Object>());  // throws if not one
    if (source == nullptr) throw Napi::TypeError::New(info.Env(), "the source must be a NativeStore");
    std::string tenant = Str(info, 1);
    if (source->closed_) {
      auto d = Napi::Promise::Deferred::New(info.Env());
      d.Reject(MakeError(info.Env(), {NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED", "the source store is closed", -1}).Value());
      return d.Promise();
    }
    nooterra_store_t* from = source->handle_;
    ++source->pending_;
    Napi::ObjectReference keep = Napi::Persistent(info[0].As<Napi::Object>());
    auto release = std::make_shared<Napi::ObjectReference>(std::move(keep));
    return Run(info, Shape::kText,
               [from, tenant](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
                 Buffer b;
                 const int32_t rc = nooterra_agreement_replay(from, h, tenant.c_str(), &b.b, err);
                 out.text = b.str();
                 return rc;
               },
               [source, release] {
                 --source->pending_;
                 source->MaybeRelease();
                 release->Reset();
               });
  }
  Napi::Value PolicySimulate(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), policy = RawStr(info, 1);
    return Run(info, Shape::kText, [tenant, policy](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_policy_simulate(h, tenant.c_str(), U(policy), policy.size(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value SpendPolicySimulate(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), payer = Str(info, 1), policy = RawStr(info, 2);
    return Run(info, Shape::kText, [tenant, payer, policy](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc =
          nooterra_spend_policy_simulate(h, tenant.c_str(), payer.c_str(), U(policy), policy.size(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value Maintenance(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0), now = Str(info, 1);
    const int32_t dry_run = Bool(info, 2) ? 1 : 0;
    const uint32_t limit = static_cast<uint32_t>(Int(info, 3));
    return Run(info, Shape::kText, [=](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_maintenance(h, tenant.c_str(), now.c_str(), dry_run, limit, &b.b, err);
      out.text = b.str();
      return rc;
    });
  }
  Napi::Value Get(const Napi::CallbackInfo& info) {
    std::string tenant = Str(info, 0);
    const int32_t kind = Int(info, 1);
    std::string key = Str(info, 2);
    return Run(info, Shape::kText, [=](nooterra_store_t* h, Outcome& out, nooterra_error_t** err) {
      Buffer b;
      const int32_t rc = nooterra_agreement_get(h, tenant.c_str(), kind, key.c_str(), &b.b, err);
      out.text = b.str();
      return rc;
    });
  }

  nooterra_store_t* handle_ = nullptr;
  // Started by the first applyBatch; queued calls hold a reference, so it outlives them.
  std::shared_ptr<BatchThread> batch_thread_;
  int64_t pending_ = 0;
  bool closed_ = false;
  Napi::Reference<Napi::Int32Array> sync_flag_;  // see SyncFlagData
  int32_t* sync_flag_data_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// The unified spend policy

// new NativeSpendPolicy(text): compiles (throws NOOTERRA_INVALID_ARGUMENT POLICY_INVALID);
// .hash; .evaluate(request, spends|null, now) -> [decision JSON, outcome]. Synchronous: a decision
// is pure CPU work of microseconds, cheaper than a hop to the pool and back.
class SpendPolicy : public Napi::ObjectWrap<SpendPolicy> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSpendPolicy",
                       {InstanceAccessor<&SpendPolicy::Hash>("hash"), InstanceMethod<&SpendPolicy::Evaluate>("evaluate")});
  }
  explicit SpendPolicy(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SpendPolicy>(info) {
    const std::string text = RawStr(info, 0);
    char hash[65] = {0};
    Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_spend_policy_compile(U(text), text.size(), &p_, hash, err); });
    hash_ = hash;
  }
  ~SpendPolicy() override { nooterra_spend_policy_free(p_); }

 private:
  Napi::Value Hash(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), hash_); }
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    const std::string request = Str(info, 0), spends = OptStr(info, 1).value_or(""), now = Str(info, 2);
    Buffer b;
    int32_t outcome = -1;
    Call(info.Env(), [&](nooterra_error_t** err) {
      return nooterra_spend_policy_evaluate(p_, U(request), request.size(), U(spends), spends.size(), now.c_str(), &b.b,
                                            &outcome, err);
    });
    Napi::Array out = Napi::Array::New(info.Env(), 2);
    out.Set(0u, Napi::String::New(info.Env(), b.str()));
    out.Set(1u, Napi::Number::New(info.Env(), outcome));
    return out;
  }
  nooterra_spend_policy_t* p_ = nullptr;
  std::string hash_;
};

// ---------------------------------------------------------------------------------------------
// Module functions

Napi::Value Canonicalize(const Napi::CallbackInfo& info) {
  const std::string text = Bytes(info, 0);
  Buffer out;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_json_canonicalize(U(text), text.size(), nullptr, &out.b, err);
  });
  return Napi::String::New(info.Env(), out.str());
}

Napi::Value CanonicalHash(const Napi::CallbackInfo& info) {
  const std::string text = Bytes(info, 0);
  char hex[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_json_canonical_hash(U(text), text.size(), nullptr, hex, err);
  });
  return Napi::String::New(info.Env(), hex);
}

Napi::Value Sha256Hex(const Napi::CallbackInfo& info) {
  const std::string data = Bytes(info, 0);
  char hex[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_sha256_hex(U(data), data.size(), hex, err); });
  return Napi::String::New(info.Env(), hex);
}

Napi::Value KeyGenerate(const Napi::CallbackInfo& info) {
  nooterra_private_key_t* k = nullptr;
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_private_key_generate(&k, err); });
  return KeyTriple(info.Env(), k);
}
Napi::Value KeyFromSeed(const Napi::CallbackInfo& info) {
  const std::string seed = Bytes(info, 0);
  nooterra_private_key_t* k = nullptr;
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_private_key_from_seed(U(seed), seed.size(), &k, err); });
  return KeyTriple(info.Env(), k);
}
Napi::Value KeyFromPem(const Napi::CallbackInfo& info) {
  const std::string pem = RawStr(info, 0);
  nooterra_private_key_t* k = nullptr;
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_private_key_from_pem(pem.data(), pem.size(), &k, err); });
  return KeyTriple(info.Env(), k);
}
Napi::Value KeyId(const Napi::CallbackInfo& info) {
  const std::string pem = RawStr(info, 0);
  char id[NOOTERRA_KEY_ID_SIZE] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_key_id_from_pem(pem.data(), pem.size(), id, err); });
  return Napi::String::New(info.Env(), id);
}
Napi::Value SignDigest(const Napi::CallbackInfo& info) {
  PrivateKey key(info.Env(), RawStr(info, 0));
  const std::string digest = Bytes(info, 1);
  uint8_t sig[64];
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_private_key_sign(key.k, U(digest), digest.size(), sig, err); });
  return Napi::Buffer<uint8_t>::Copy(info.Env(), sig, sizeof sig);
}
Napi::Value VerifyDigest(const Napi::CallbackInfo& info) {
  PublicKey key(info.Env(), RawStr(info, 0));
  const std::string digest = Bytes(info, 1), sig = Bytes(info, 2);
  int32_t valid = 0;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_public_key_verify(key.k, U(digest), digest.size(), U(sig), sig.size(), &valid, err);
  });
  return Napi::Boolean::New(info.Env(), valid == 1);
}

Napi::Value ObjectSchemaVersion(const Napi::CallbackInfo& info) {
  const char* s = nooterra_object_schema_version(Int(info, 0));
  return s ? Napi::Value(Napi::String::New(info.Env(), s)) : info.Env().Null();
}
// objectBuild(type, inputsJson, signerPem|null, now|null) -> [canonical, hash]
Napi::Value ObjectBuild(const Napi::CallbackInfo& info) {
  const int32_t type = Int(info, 0);
  const std::string inputs = RawStr(info, 1);
  std::optional<std::string> signer_pem = OptStr(info, 2), now = OptStr(info, 3);
  std::optional<PrivateKey> key;
  if (signer_pem) key.emplace(info.Env(), *signer_pem);
  nooterra_object_build_options_t o = NOOTERRA_OBJECT_BUILD_OPTIONS_INIT;
  o.signer = key ? key->k : nullptr;
  o.now = now ? now->c_str() : nullptr;
  Buffer out;
  char hash[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_object_build(type, U(inputs), inputs.size(), &o, &out.b, hash, err);
  });
  return TextAndHash(info.Env(), out.str(), hash);
}
Napi::Value ObjectValidate(const Napi::CallbackInfo& info) {
  const std::string text = RawStr(info, 0);
  int32_t type = 0;
  char hash[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_object_validate(U(text), text.size(), &type, hash, err); });
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), type));
  out.Set(1u, Napi::String::New(info.Env(), hash));
  return out;
}
Napi::Value ObjectHash(const Napi::CallbackInfo& info) {
  const std::string text = RawStr(info, 0);
  char hash[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_object_hash(U(text), text.size(), hash, err); });
  return Napi::String::New(info.Env(), hash);
}
Napi::Value ObjectSign(const Napi::CallbackInfo& info) {
  const std::string text = RawStr(info, 0);
  PrivateKey key(info.Env(), RawStr(info, 1));
  Buffer out;
  char hash[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_object_sign(U(text), text.size(), key.k, &out.b, hash, err);
  });
  return TextAndHash(info.Env(), out.str(), hash);
}
// objectVerify(text, [publicPem...]) -> report JSON
Napi::Value ObjectVerify(const Napi::CallbackInfo& info) {
  const std::string text = RawStr(info, 0);
  if (!info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "publicKeys must be an array of PEM strings");
  Napi::Array pems = info[1].As<Napi::Array>();
  std::vector<PublicKey> keys;
  for (uint32_t i = 0; i < pems.Length(); ++i) {
    Napi::Value v = pems.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(info.Env(), "publicKeys must be an array of PEM strings");
    keys.emplace_back(info.Env(), v.As<Napi::String>().Utf8Value());
  }
  std::vector<const nooterra_public_key_t*> handles;
  for (const PublicKey& k : keys) handles.push_back(k.k);
  Buffer out;
  int32_t ok = 0;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_object_verify(U(text), text.size(), handles.data(), handles.size(), &out.b, &ok, err);
  });
  return Napi::String::New(info.Env(), out.str());
}

// verifyBundle(dir, kind, strict, failOnWarnings, hashConcurrency, gov|null, pricing|null,
//              pricingIds|null, time|null) -> Promise<VerifyCliOutput.v1 JSON>
Napi::Value VerifyBundle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string dir = Str(info, 0);
  const int32_t kind = Int(info, 1);
  const bool strict = Bool(info, 2), fail_on_warnings = Bool(info, 3);
  const uint32_t concurrency = static_cast<uint32_t>(Int(info, 4));
  const std::optional<std::string> gov = OptStr(info, 5), pricing = OptStr(info, 6), ids = OptStr(info, 7),
                                   time = OptStr(info, 8);
  auto* worker = new CallWorker(
      env, Napi::Object::New(env), Shape::kText,
      [=](Outcome& out, nooterra_error_t** err) {
        nooterra_verify_options_t o = NOOTERRA_VERIFY_OPTIONS_INIT;
        o.strict = strict ? 1 : 0;
        o.fail_on_warnings = fail_on_warnings ? 1 : 0;
        o.hash_concurrency = concurrency;
        o.trusted_governance_root_keys_json = gov ? gov->c_str() : nullptr;
        o.trusted_pricing_signer_keys_json = pricing ? pricing->c_str() : nullptr;
        o.trusted_pricing_signer_key_ids_json = ids ? ids->c_str() : nullptr;
        o.trusted_time_authority_keys_json = time ? time->c_str() : nullptr;
        Buffer b;
        const int32_t rc = nooterra_verify_bundle(dir.c_str(), kind, &o, &b.b, nullptr, err);
        out.text = b.str();
        return rc;
      },
      nullptr);
  return worker->Queue();
}

// verifyRelease(dir, trustFile|null, installedAbout|null) -> Promise<VerifyReleaseOutput.v1 JSON>
Napi::Value VerifyRelease(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string dir = Str(info, 0);
  const std::optional<std::string> trust = OptStr(info, 1), about = OptStr(info, 2);
  auto* worker = new CallWorker(
      env, Napi::Object::New(env), Shape::kText,
      [=](Outcome& out, nooterra_error_t** err) {
        Buffer b;
        const int32_t rc = nooterra_release_verify(dir.c_str(), trust ? trust->c_str() : nullptr,
                                                   about ? about->c_str() : nullptr, &b.b, nullptr, err);
        out.text = b.str();
        return rc;
      },
      nullptr);
  return worker->Queue();
}

// signerLifecycleEvaluate(queryJson) -> decision JSON
Napi::Value SignerLifecycleEvaluate(const Napi::CallbackInfo& info) {
  const std::string query = RawStr(info, 0);
  Buffer out;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_signer_lifecycle_evaluate(U(query), query.size(), &out.b, nullptr, err);
  });
  return JsText(info.Env(), reinterpret_cast<const char*>(out.b.data), out.b.size);
}

// policyEvaluateSettlement(policy|null, method|null, verificationStatus, runStatus, amount)
Napi::Value PolicyEvaluateSettlement(const Napi::CallbackInfo& info) {
  const std::string policy = OptStr(info, 0).value_or(""), method = OptStr(info, 1).value_or("");
  const std::string vs = Str(info, 2), rs = Str(info, 3);
  const int64_t amount = Int64(info, 4);
  Buffer out;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_policy_evaluate_settlement(U(policy), policy.size(), U(method), method.size(), vs.c_str(),
                                               rs.c_str(), amount, &out.b, err);
  });
  return Napi::String::New(info.Env(), out.str());
}

// policyNormalize(kind, policyJson) -> [normalJson, hash]
Napi::Value PolicyNormalize(const Napi::CallbackInfo& info) {
  const int32_t kind = Int(info, 0);
  const std::string policy = RawStr(info, 1);
  Buffer out;
  char hash[65] = {0};
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_policy_normalize(kind, U(policy), policy.size(), &out.b, hash, err);
  });
  return TextAndHash(info.Env(), out.str(), hash);
}

// policyGovernanceEvaluate(templateJson, requestJson) -> GovernancePolicyDecision.v1 text
Napi::Value PolicyGovernanceEvaluate(const Napi::CallbackInfo& info) {
  const std::string tmpl = RawStr(info, 0), request = RawStr(info, 1);
  Buffer out;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_policy_governance_evaluate(U(tmpl), tmpl.size(), U(request), request.size(), &out.b, nullptr, err);
  });
  return JsText(info.Env(), reinterpret_cast<const char*>(out.b.data), out.b.size);
}
// policyStandingEvaluate(policiesJson, envelopeJson) -> result text
Napi::Value PolicyStandingEvaluate(const Napi::CallbackInfo& info) {
  const std::string policies = RawStr(info, 0), envelope = RawStr(info, 1);
  Buffer out;
  Call(info.Env(), [&](nooterra_error_t** err) {
    return nooterra_policy_standing_evaluate(U(policies), policies.size(), U(envelope), envelope.size(), &out.b, nullptr,
                                             err);
  });
  return JsText(info.Env(), reinterpret_cast<const char*>(out.b.data), out.b.size);
}
Napi::Value PolicyGovernanceCatalog(const Napi::CallbackInfo& info) {
  Buffer out;
  Call(info.Env(), [&](nooterra_error_t** err) { return nooterra_policy_governance_catalog(&out.b, err); });
  return JsText(info.Env(), reinterpret_cast<const char*>(out.b.data), out.b.size);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("ABI_VERSION", Napi::Number::New(env, nooterra_version_number()));
  exports.Set("VERSION", Napi::String::New(env, nooterra_version_string()));
  const std::pair<const char*, Napi::Function::Callback> functions[] = {
      {"canonicalize", Canonicalize},
      {"canonicalHash", CanonicalHash},
      {"sha256Hex", Sha256Hex},
      {"keyGenerate", KeyGenerate},
      {"keyFromSeed", KeyFromSeed},
      {"keyFromPem", KeyFromPem},
      {"keyId", KeyId},
      {"signDigest", SignDigest},
      {"verifyDigest", VerifyDigest},
      {"objectSchemaVersion", ObjectSchemaVersion},
      {"objectBuild", ObjectBuild},
      {"objectValidate", ObjectValidate},
      {"objectHash", ObjectHash},
      {"objectSign", ObjectSign},
      {"objectVerify", ObjectVerify},
      {"verifyBundle", VerifyBundle},
      {"verifyRelease", VerifyRelease},
      {"signerLifecycleEvaluate", SignerLifecycleEvaluate},
      {"policyEvaluateSettlement", PolicyEvaluateSettlement},
      {"policyNormalize", PolicyNormalize},
      {"policyGovernanceEvaluate", PolicyGovernanceEvaluate},
      {"policyGovernanceCatalog", PolicyGovernanceCatalog},
      {"policyStandingEvaluate", PolicyStandingEvaluate},
  };
  for (const auto& [name, fn] : functions) exports.Set(name, Napi::Function::New(env, fn, name));
  exports.Set("NativeStore", Store::Define(env));
  exports.Set("NativeSpendPolicy", SpendPolicy::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(nooterra, Init)
