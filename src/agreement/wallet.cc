// Agent wallet policies in the kernel: Kernel::SetWalletPolicy and the check every escrow lock
// runs (include/nooterra/agreement.h; 05-policy-evaluation.md §3).
//
// Records (per tenant):
//   kObjects "walletpolicy/<agentId>"       the policy's normal form (policy::WalletPolicyJson)
//   kIndex   "spent/<agentId>/<YYYY-MM-DD>"  cents locked by the agent that UTC day (decimal)
//   kIndex   "spendlog/<agentId>/<currency>/<time>/<spendId>"  one entry per lock:
//            "<amount>\t<counterparty>\t<agreementHash>"; <time> = ms + 9e15, 17 digits, so
//            keys sort by time
//   kIndex   "spendsum/<agentId>/<currency>/<scope>/<key>/<level>/<bucket>"  decimal sums of
//            those locks per minute (level 1), 10 minutes (2), hour (3) and day (4) bucket
//            (store schema v3; v2 had no 10-minute level), for each scope: the
//            payer ("p/-"), the counterparty ("c/<agentId>") and the agreement ("a/<hash>"), so
//            a rolling window is a handful of range scans over non-empty buckets plus the exact
//            entries of its two partial minutes, whatever its length
// Both are written in the locking transaction itself, which is what makes every cap hold under
// concurrency: two locks cannot both read the old total. Every lock of a store is in the spend log:
// stores of schema v2 or earlier, which could lack part of it, are refused on open (store.h).
#include <algorithm>
#include <iterator>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <cstdio>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;

namespace {

// "YYYY-MM-DD" of a UTC instant in milliseconds (civil-from-days, Howard Hinnant).
std::string UtcDay(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];  // room for any three int64 fields: GCC's -Wformat-truncation checks that
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

constexpr int64_t kSpendTimeOffset = 9000000000000000;  // > the ECMAScript time range (8.64e15)

// Bucket levels of the spend sums, smallest first (ms, on the offset time axis); each divides the
// next. The 10-minute level (store schema v3) cuts the run of minute buckets an unaligned window
// edge needs from up to 59 to at most 9 (+5 tens), the reads a ledger-backed decision is made of.
constexpr int64_t kSpendLevels[] = {60000, 600000, 3600000, 86400000};
constexpr int kSpendLevelCount = static_cast<int>(std::size(kSpendLevels));

// 17 decimal digits, zero-padded, of a non-negative value (keys sort as the values do). Written by
// hand: window lookups format a few dozen of these per decision.
struct Padded {
  explicit Padded(int64_t v) {
    for (int i = 16; i >= 0; --i, v /= 10) digits[i] = static_cast<char>('0' + v % 10);
  }
  std::string_view view() const { return std::string_view(digits, 17); }
  char digits[17];
};

// "<scope>/<key>" of a window scope.
std::string ScopeKey(policy::WindowScope scope, std::string_view key) {
  switch (scope) {
    case policy::WindowScope::kPayer: return "p/-";
    case policy::WindowScope::kCounterparty: return StrCat("c/", key);
    case policy::WindowScope::kAgreement: return StrCat("a/", key);
  }
  return "p/-";
}

std::string SumPrefix(std::string_view payer, std::string_view currency, std::string_view scope_key, int level) {
  return StrCat("spendsum/", payer, "/", currency, "/", scope_key, "/", level + 1, "/");
}
std::string EntryPrefix(std::string_view payer, std::string_view currency) {
  return StrCat("spendlog/", payer, "/", currency, "/");
}

// The spend log as the spend policy's SpendView, read inside the locking transaction.
class LedgerSpendView : public policy::SpendView {
 public:
  LedgerSpendView(const store::ReadTxn& txn, std::string_view tenant) : txn_(txn), tenant_(tenant) {}

  // (from_ms, to_ms], i.e. [from + 1, to] on the offset axis, summed by SumRange below.
  absl::StatusOr<int64_t> Spent(std::string_view payer, std::string_view currency, policy::WindowScope scope,
                                std::string_view key, int64_t from_ms, int64_t to_ms) const override {
    if (!cursor_) {
      auto opened = store::Cursor::Open(txn_, store::Table::kIndex, tenant_);
      if (!opened.ok()) return opened.status();
      cursor_.emplace(*std::move(opened));
    }
    const std::string scope_key = ScopeKey(scope, key);
    Range r{EntryPrefix(payer, currency),
            {SumPrefix(payer, currency, scope_key, 0), SumPrefix(payer, currency, scope_key, 1),
             SumPrefix(payer, currency, scope_key, 2), SumPrefix(payer, currency, scope_key, 3)},
            scope,
            key,
            0,
            -1};
    if (absl::Status s = Span(r.entries, &r.first, &r.last); !s.ok()) return s;
    int64_t sum = 0;
    if (absl::Status s = SumRange(r, kSpendLevelCount - 1, from_ms + 1 + kSpendTimeOffset, to_ms + kSpendTimeOffset, &sum); !s.ok()) {
      return s;
    }
    return sum;
  }

 private:
  // What one window reads: the payer's exact entries and the scope's bucket levels.
  struct Range {
    std::string entries;
    std::string buckets[kSpendLevelCount];
    policy::WindowScope scope;
    std::string_view key;
    int64_t first, last;  // offset times of the payer's first and last spend (none: first > last)
  };

  // The offset times of the first and last spend-log entries under `prefix`, read once per
  // payer and currency per view (a policy's windows share them). Every sum is zero outside this
  // span, so the reads it would take are skipped: a window ending now usually has nothing after
  // it, and a bucket-minus-complement read then costs one bucket.
  absl::Status Span(const std::string& prefix, int64_t* first, int64_t* last) const {
    if (auto it = spans_.find(prefix); it != spans_.end()) {
      std::tie(*first, *last) = it->second;
      return absl::OkStatus();
    }
    const auto time_of = [&](std::string_view k, int64_t* t) -> absl::Status {
      const std::string_view digits = k.substr(prefix.size(), 17);
      if (digits.size() != 17 || std::from_chars(digits.data(), digits.data() + 17, *t).ec != std::errc()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend-log entry ", k, " has no time"));
      }
      return absl::OkStatus();
    };
    *first = 0;
    *last = -1;
    auto at = cursor_->Seek(prefix, "");
    if (!at.ok()) return at.status();
    if (*at) {
      if (absl::Status s = time_of(cursor_->key(), first); !s.ok()) return s;
      auto end = cursor_->SeekLast(prefix);
      if (!end.ok()) return end.status();
      if (!*end) return Error(Code::kDataLoss, "STORE_CORRUPT", "spend log changed while read");
      if (absl::Status s = time_of(cursor_->key(), last); !s.ok()) return s;
    }
    spans_.emplace(prefix, std::make_pair(*first, *last));
    return absl::OkStatus();
  }

  // Adds the spends with offset times in [a, b] (inclusive) using buckets of `level` and below
  // (-1: the exact entries): the whole buckets inside, then the two partial ends (Partial).
  absl::Status SumRange(const Range& r, int level, int64_t a, int64_t b, int64_t* sum) const {
    if (a > b || a > r.last || b < r.first) return absl::OkStatus();
    if (level < 0) return AddEntries(r.entries, r.scope, r.key, a, b, sum);
    const int64_t size = kSpendLevels[level];
    const int64_t first = (a + size - 1) / size, end = (b + 1) / size;  // whole buckets [first, end)
    if (first < end) {
      if (absl::Status s = AddBuckets(r.buckets[level], first, end, sum); !s.ok()) return s;
      if (absl::Status s = Partial(r, level, a, first * size - 1, sum); !s.ok()) return s;
      return Partial(r, level, end * size, b, sum);
    }
    const int64_t split = b / size * size;  // no whole bucket: [a, b] touches one or two buckets
    if (split <= a) return Partial(r, level, a, b, sum);
    if (absl::Status s = Partial(r, level, a, split - 1, sum); !s.ok()) return s;
    return Partial(r, level, split, b, sum);
  }

  // [a, b] lies inside one bucket of `level` without covering it: read what is inside at the
  // level below, or — when the inside is the larger part — the bucket minus what lies outside.
  // Windows ending on a boundary (the common "last hour", "last day") then cost a few reads
  // instead of a run of 59 minutes or 23 hours.
  absl::Status Partial(const Range& r, int level, int64_t a, int64_t b, int64_t* sum) const {
    if (a > b) return absl::OkStatus();
    const int64_t size = kSpendLevels[level];
    const int64_t bucket = a / size, start = bucket * size, last = start + size - 1;
    const int64_t inside = b - a + 1;
    if (inside <= size - inside) return SumRange(r, level - 1, a, b, sum);
    int64_t outside = 0;
    if (absl::Status s = SumRange(r, level - 1, start, a - 1, &outside); !s.ok()) return s;
    if (absl::Status s = SumRange(r, level - 1, b + 1, last, &outside); !s.ok()) return s;
    int64_t whole = 0;
    if (absl::Status s = AddBuckets(r.buckets[level], bucket, bucket + 1, &whole); !s.ok()) return s;
    if (__builtin_add_overflow(*sum, whole - outside, sum)) {
      return Error(Code::kOutOfRange, "SPEND_OVERFLOW", "the spends in a window overflow int64");
    }
    return absl::OkStatus();
  }

  // Sums the buckets [first, end) under `prefix`.
  absl::Status AddBuckets(const std::string& prefix, int64_t first, int64_t end, int64_t* sum) const {
    const Padded stop(end);
    auto at = cursor_->Seek(prefix, Padded(first).view());
    for (; at.ok() && *at; at = cursor_->Next()) {
      const std::string_view k = cursor_->key(), v = cursor_->value();
      if (k.substr(prefix.size()) >= stop.view()) break;
      int64_t amount = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), amount).ec != std::errc()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend sum ", k, " does not parse"));
      }
      if (__builtin_add_overflow(*sum, amount, sum)) {
        return Error(Code::kOutOfRange, "SPEND_OVERFLOW", "the spends in a window overflow int64");
      }
    }
    return at.status();
  }

  // Sums the exact entries under `prefix` with offset times in [first, last], filtered by scope.
  absl::Status AddEntries(const std::string& prefix, policy::WindowScope scope, std::string_view key, int64_t first,
                          int64_t last, int64_t* sum) const {
    const Padded stop(last);
    auto at = cursor_->Seek(prefix, Padded(first).view());
    for (; at.ok() && *at; at = cursor_->Next()) {
      const std::string_view k = cursor_->key(), v = cursor_->value();
      if (k.substr(prefix.size(), 17) > stop.view()) break;
      const size_t tab1 = v.find('\t'), tab2 = tab1 == std::string_view::npos ? tab1 : v.find('\t', tab1 + 1);
      int64_t amount = 0;
      if (tab2 == std::string_view::npos || std::from_chars(v.data(), v.data() + tab1, amount).ec != std::errc()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend-log entry ", k, " does not parse"));
      }
      if (scope == policy::WindowScope::kCounterparty && v.substr(tab1 + 1, tab2 - tab1 - 1) != key) continue;
      if (scope == policy::WindowScope::kAgreement && v.substr(tab2 + 1) != key) continue;
      if (__builtin_add_overflow(*sum, amount, sum)) {
        return Error(Code::kOutOfRange, "SPEND_OVERFLOW", "the spends in a window overflow int64");
      }
    }
    return at.status();
  }

  // One cursor for every range read of this view (opened by the first Spent).
  mutable std::optional<store::Cursor> cursor_;
  mutable std::unordered_map<std::string, std::pair<int64_t, int64_t>> spans_;  // see Span
  const store::ReadTxn& txn_;
  std::string_view tenant_;
};

// A stored wallet policy record, parsed. Locks re-read the record every time, and compiling a
// spend policy in it (normal form + hash) costs ~8 µs, so each distinct record is parsed once per
// process. Keyed by the record's bytes, so a policy update is simply a new entry; bounded (cleared
// when full). Compiled policies are immutable, so sharing them between threads is safe.
absl::StatusOr<std::shared_ptr<const policy::WalletPolicy>> ParsedWalletPolicy(std::string_view record) {
  constexpr size_t kCacheEntriesMax = 1024;
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const policy::WalletPolicy>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(std::string(record)); it != cache.end()) return it->second;
  }
  auto doc = json::Document::Parse(record);
  if (!doc.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "wallet policy record does not parse");
  auto parsed = policy::ParseWalletPolicy(doc->root());
  if (!parsed.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", "wallet policy record is invalid");
  auto shared = std::make_shared<const policy::WalletPolicy>(*std::move(parsed));
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= kCacheEntriesMax) cache.clear();
  cache.emplace(std::string(record), shared);
  return shared;
}

// Records one lock: its spend-log entry and its amount in every bucket of every scope. A lock
// already recorded (a refused duplicate, whose transaction is discarded anyway) adds nothing.
absl::Status RecordSpend(store::WriteTxn& txn, std::string_view tenant, std::string_view payer, int64_t at_ms,
                         int64_t amount, const SpendContext& spend) {
  const std::string entry = StrCat(EntryPrefix(payer, spend.currency), Padded(at_ms + kSpendTimeOffset).view(), "/",
                                   spend.spend_id);
  auto existing = txn.Get(store::Table::kIndex, tenant, entry);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return absl::OkStatus();
  if (absl::Status s = txn.Put(store::Table::kIndex, tenant, entry,
                               StrCat(amount, "\t", spend.counterparty, "\t", spend.agreement_hash));
      !s.ok()) {
    return s;
  }
  const int64_t t = at_ms + kSpendTimeOffset;
  for (const std::string& scope_key : {ScopeKey(policy::WindowScope::kPayer, ""),
                                       ScopeKey(policy::WindowScope::kCounterparty, spend.counterparty),
                                       ScopeKey(policy::WindowScope::kAgreement, spend.agreement_hash)}) {
    for (int level = 0; level < kSpendLevelCount; ++level) {
      const std::string k = StrCat(SumPrefix(payer, spend.currency, scope_key, level), Padded(t / kSpendLevels[level]).view());
      auto stored = txn.Get(store::Table::kIndex, tenant, k);
      if (!stored.ok()) return stored.status();
      int64_t total = 0;
      if (stored->has_value() &&
          std::from_chars((*stored)->data(), (*stored)->data() + (*stored)->size(), total).ec != std::errc()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend sum ", k, " does not parse"));
      }
      if (__builtin_add_overflow(total, amount, &total)) {
        return Error(Code::kOutOfRange, "SPEND_OVERFLOW", StrCat("spend sum ", k, " overflows"));
      }
      if (absl::Status s = txn.Put(store::Table::kIndex, tenant, k, StrCat(total)); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace internal {

absl::Status EnforceWalletPolicy(store::WriteTxn& txn, std::string_view tenant, std::string_view payer,
                                 int64_t amount, std::string_view at, const SpendContext& spend, bool approved,
                                 bool* can_escalate) {
  if (can_escalate != nullptr) *can_escalate = false;
  auto at_ms = TimeMs(at, "the lock time");
  if (!at_ms.ok()) return at_ms.status();
  const std::string spent_key = StrCat("spent/", payer, "/", UtcDay(*at_ms));
  auto spent_text = txn.Get(store::Table::kIndex, tenant, spent_key);
  if (!spent_text.ok()) return spent_text.status();
  int64_t spent = 0;
  if (spent_text->has_value() &&
      std::from_chars((*spent_text)->data(), (*spent_text)->data() + (*spent_text)->size(), spent).ec != std::errc()) {
    return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend counter ", spent_key, " does not parse"));
  }
  auto stored = txn.Get(store::Table::kObjects, tenant, StrCat("walletpolicy/", payer));
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    auto cached = ParsedWalletPolicy(**stored);
    if (!cached.ok()) return cached.status();
    std::optional<policy::WalletPolicy> policy(**cached);  // a copy: `approved` edits it
    if (approved) policy->require_approval_above_cents.reset();
    const std::string_view blocked = policy::CheckWalletPolicy(*policy, amount, spent);
    if (!blocked.empty()) {
      if (can_escalate != nullptr) {
        *can_escalate = blocked == "WALLET_POLICY_APPROVAL_REQUIRED" && !policy->approver_agent_ids.empty();
      }
      return Error(Code::kFailedPrecondition, blocked,
                   StrCat("wallet policy of ", payer, " blocks locking ", amount, " (spent ", spent, " on ",
                          UtcDay(*at_ms), "; policy ", policy::WalletPolicyJson(*policy), ")"));
    }
    if (policy->spend_policy) {
      policy::SpendRequest request;
      request.amount_cents = amount;
      request.currency = std::string(spend.currency);
      request.payer_agent_id = std::string(payer);
      request.counterparty_agent_id = std::string(spend.counterparty);
      request.agreement_hash = std::string(spend.agreement_hash);
      request.risk_score = spend.risk_score;
      request.risk_signals = spend.risk_signals;
      if (spend.tool_from_agreement) {
        auto agreement = LoadObject(txn, tenant, objects::ObjectType::kToolCallAgreement,
                                    StrCat("agreement/", spend.agreement_hash));
        if (!agreement.ok()) return agreement.status();
        if (agreement->has_value()) request.tool_id = S((*agreement)->body, "toolId");
      }
      auto decision = policy->spend_policy->Evaluate(request, LedgerSpendView(txn, tenant), *at_ms);
      if (!decision.ok()) return decision.status();
      // An approver's approval answers escalate and challenge reasons; it never lifts a deny.
      std::string_view blocking;
      bool only_reviewable = true;
      for (std::string_view reason : decision->reasons) {
        const bool deny = policy::SpendReasonClass(reason) == policy::SpendOutcome::kDeny;
        if (deny || !approved) {
          if (blocking.empty()) blocking = reason;
          only_reviewable = only_reviewable && !deny;
        }
      }
      if (!blocking.empty()) {
        if (can_escalate != nullptr) *can_escalate = only_reviewable && !policy->approver_agent_ids.empty();
        return Error(Code::kFailedPrecondition, blocking,
                     StrCat("spend policy of ", payer, " decides ", policy::SpendOutcomeName(decision->outcome),
                            " for locking ", amount, ": ", decision->json));
      }
    }
  }
  if (spent > ledger::kAmountMax - amount) {
    return Error(Code::kOutOfRange, "LEDGER_OVERFLOW", StrCat("the daily spend of ", payer, " overflows"));
  }
  if (absl::Status s = txn.Put(store::Table::kIndex, tenant, spent_key, StrCat(spent + amount)); !s.ok()) return s;
  return RecordSpend(txn, tenant, payer, *at_ms, amount, spend);
}

}  // namespace internal

absl::StatusOr<Result> Kernel::SetWalletPolicy(std::string_view tenant, std::string_view agent_id,
                                               std::string_view policy_json, std::string_view idempotency_key) {
  auto doc = ParseRequest(policy_json);
  if (!doc.ok()) return doc.status();
  auto policy = policy::ParseWalletPolicy(doc->root());
  if (!policy.ok()) return policy.status();
  const std::string normal = policy::WalletPolicyJson(*policy);
  const std::string request = StrCat(R"({"agentId":)", Canonical(T(std::string(agent_id))), R"(,"walletPolicy":)", normal, "}");
  return Run(store_, batch_, tenant, idempotency_key, "", "setWalletPolicy", request,
             [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    if (auto agent = LoadAgent(txn, tenant, agent_id); !agent.ok()) return agent.status();
    if (auto w = txn.Put(store::Table::kObjects, tenant, StrCat("walletpolicy/", agent_id), normal); !w.ok()) return w;
    return request;
  });
}

std::unique_ptr<policy::SpendView> Kernel::SpendLogView(const store::ReadTxn& txn, std::string_view tenant) {
  return std::make_unique<LedgerSpendView>(txn, tenant);
}

absl::StatusOr<std::string> Kernel::SimulateSpendPolicy(std::string_view tenant, std::string_view payer,
                                                       std::string_view candidate_policy_json) const {
  auto doc = ParseRequest(candidate_policy_json);
  if (!doc.ok()) return doc.status();
  auto candidate = policy::SpendPolicy::Compile(doc->root());
  if (!candidate.ok()) return candidate.status();
  std::string locks = "[";
  int64_t total = 0, blocked = 0;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    const std::string prefix = StrCat("spendlog/", payer, "/");
    std::vector<std::pair<std::string, std::string>> entries;  // (key after the prefix, value)
    absl::Status scanned = txn.Scan(store::Table::kIndex, tenant, prefix, [&](std::string_view k, std::string_view v) {
      entries.emplace_back(std::string(k.substr(prefix.size())), std::string(v));
      return true;
    });
    if (!scanned.ok()) return scanned;
    policy::SpendHistory history;  // the locks before the one evaluated
    for (const auto& [rest, value] : entries) {
      // rest = <currency>/<time>/<spendId>; value = <amount>\t<counterparty>\t<agreementHash>
      const size_t slash1 = rest.find('/'), slash2 = slash1 == std::string::npos ? slash1 : rest.find('/', slash1 + 1);
      const size_t tab1 = value.find('\t'), tab2 = tab1 == std::string::npos ? tab1 : value.find('\t', tab1 + 1);
      int64_t time_key = 0, amount = 0;
      if (slash2 == std::string::npos || tab2 == std::string::npos ||
          std::from_chars(rest.data() + slash1 + 1, rest.data() + slash2, time_key).ec != std::errc() ||
          std::from_chars(value.data(), value.data() + tab1, amount).ec != std::errc()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("spend-log entry ", prefix, rest, " does not parse"));
      }
      policy::SpendRequest request;
      request.amount_cents = amount;
      request.currency = rest.substr(0, slash1);
      request.payer_agent_id = std::string(payer);
      request.counterparty_agent_id = value.substr(tab1 + 1, tab2 - tab1 - 1);
      request.agreement_hash = value.substr(tab2 + 1);
      const std::string spend_id = rest.substr(slash2 + 1);
      if (spend_id.rfind("fund:", 0) == 0) {
        auto agreement = LoadObject(txn, tenant, objects::ObjectType::kToolCallAgreement,
                                    StrCat("agreement/", request.agreement_hash));
        if (!agreement.ok()) return agreement.status();
        if (agreement->has_value()) request.tool_id = S((*agreement)->body, "toolId");
      }
      const int64_t at_ms = time_key - kSpendTimeOffset;
      auto decision = candidate->Evaluate(request, history, at_ms);
      if (!decision.ok()) return decision.status();
      ++total;
      if (decision->outcome != policy::SpendOutcome::kAllow) ++blocked;
      // Members in canonical order.
      StrAppend(&locks, total > 1 ? "," : "", "{\"agreementHash\":");
      json::AppendQuoted(request.agreement_hash, &locks);
      StrAppend(&locks, ",\"amountCents\":", amount, ",\"at\":\"", js::FormatIsoMs(at_ms), "\",\"counterpartyAgentId\":");
      json::AppendQuoted(request.counterparty_agent_id, &locks);
      StrAppend(&locks, ",\"currency\":");
      json::AppendQuoted(request.currency, &locks);
      StrAppend(&locks, ",\"outcome\":\"", policy::SpendOutcomeName(decision->outcome), "\",\"reasons\":[");
      for (size_t i = 0; i < decision->reasons.size(); ++i) StrAppend(&locks, i ? ",\"" : "\"", decision->reasons[i], "\"");
      StrAppend(&locks, "],\"spendId\":");
      json::AppendQuoted(spend_id, &locks);
      locks += "}";
      history.Add({at_ms, amount, std::string(payer), request.currency, request.counterparty_agent_id,
                   request.agreement_hash});
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  std::string out = StrCat("{\"blocked\":", blocked, ",\"candidatePolicyHash\":\"", candidate->hash(), "\",\"locks\":",
                           locks, "],\"payerAgentId\":");
  json::AppendQuoted(payer, &out);
  StrAppend(&out, ",\"total\":", total, "}");
  return out;
}

}  // namespace nooterra::agreement
