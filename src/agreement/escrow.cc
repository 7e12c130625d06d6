// EscrowAccount: escrow conservation checked inside every write transaction that moves escrow
// (06-ledger-escrow-invariants.md; include/nooterra/agreement.h, "Invariants").
//
// Why a second count: the ledger says what a payer's escrow bucket holds; the kernel's records
// say what it should hold (open agreements, held holds, locked run settlements). AuditEscrow
// compares the two by scanning every record, which is right for `store check` but far too slow
// per operation. So each transition adds what it changes in the record-side sum to a per-payer
// counter (index "escrow_count/<payer>/<currency>") — computed from the record states, not from
// the postings — and Verify() requires counter == ledger balance for every payer the operation
// touched, before the transaction commits. A release counted twice, a posting without its record
// change or the reverse is then an INTERNAL error that discards the whole transaction, not a
// store that `check` flags later. AuditEscrow also compares each counter with its full scan.
#include <map>
#include <string>
#include <utility>

#include "agreement/records.h"
#include "common/strings.h"
#include "nooterra/ledger.h"
#include "nooterra/status.h"

namespace nooterra::agreement::internal {

using Code = absl::StatusCode;

std::string EscrowCountKey(std::string_view payer, std::string_view currency) {
  return StrCat("escrow_count/", payer, "/", currency);
}

absl::StatusOr<int64_t> EscrowCount(const store::ReadTxn& txn, std::string_view tenant, std::string_view payer,
                                    std::string_view currency) {
  auto stored = txn.Get(store::Table::kIndex, tenant, EscrowCountKey(payer, currency));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return int64_t{0};
  int64_t v = 0;
  const std::string_view text = **stored;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("escrow count of ", payer, "/", currency, " does not parse"));
  }
  return v;
}

void EscrowAccount::Add(const std::string& payer, const std::string& currency, int64_t delta) {
  int64_t& d = deltas_[{payer, currency}];
  if (__builtin_add_overflow(d, delta, &d)) overflow_ = true;
}

absl::Status EscrowAccount::Verify() {
  if (overflow_) return Error(Code::kOutOfRange, "AMOUNT_OVERFLOW", "escrow accounting overflows int64");
  for (const auto& [who, delta] : deltas_) {
    const auto& [payer, currency] = who;
    auto count = EscrowCount(txn_, tenant_, payer, currency);
    if (!count.ok()) return count.status();
    int64_t next = 0;
    if (__builtin_add_overflow(*count, delta, &next) || next < 0) {
      return Error(Code::kInternal, "INVARIANT_ESCROW_CONSERVATION",
                   StrCat("escrow of ", payer, "/", currency, " would be accounted as ", *count, " + ", delta));
    }
    if (delta != 0) {
      if (absl::Status s = txn_.Put(store::Table::kIndex, tenant_, EscrowCountKey(payer, currency), StrCat(next)); !s.ok()) {
        return s;
      }
    }
    auto balance = ledger::Balance(txn_, tenant_, Wallet(payer, currency, ledger::Bucket::kEscrow));
    if (!balance.ok()) return balance.status();
    if (*balance != next) {
      return Error(Code::kInternal, "INVARIANT_ESCROW_CONSERVATION",
                   StrCat("escrow of ", payer, "/", currency, ": the ledger holds ", *balance,
                          ", the kernel's records account for ", next));
    }
  }
  deltas_.clear();
  return absl::OkStatus();
}

}  // namespace nooterra::agreement::internal
