// The double-entry ledger, kept inside store write transactions.
//
// Accounts are (tenant, owner, currency, bucket). Amounts are integer minor units (cents) in
// int64, overflow-checked and within JavaScript's safe range, as the protocol requires. An
// entry is a list of postings — signed changes of account balances — that must sum to zero in
// each currency; the balance of every account stays >= 0 except the external funding account
// of each currency, whose balance is minus what came into the system through deposits.
//
// Post() checks everything before it writes anything, and writes inside the caller's store
// transaction, so an entry is applied whole or not at all, together with whatever else the
// transaction does (the kernel's artifacts). Check() audits a tenant's whole ledger.
//
// Threads: functions take a transaction and follow the store's rules.
#ifndef NOOTERRA_LEDGER_H_
#define NOOTERRA_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nooterra/store.h"

namespace nooterra::ledger {

// Values are part of the C ABI; never renumber.
enum class Bucket : int32_t {
  kAvailable = 1,  // spendable
  kEscrow = 2,     // held for an agreement until settlement
  kHoldback = 3,   // settled but held back for the challenge window
  kExternal = 4,   // the outside world; owner must be kExternalOwner
};
std::string_view BucketName(Bucket bucket);  // "available", "escrow", "holdback", "external"
std::optional<Bucket> BucketFromName(std::string_view name);

// The owner of the external funding accounts (one per currency).
inline constexpr std::string_view kExternalOwner = "external";

// Named limits.
inline constexpr size_t kPostingsPerEntryMax = 64;
inline constexpr int64_t kAmountMax = 9007199254740991LL;  // Number.MAX_SAFE_INTEGER
inline constexpr size_t kEntryIdBytesMax = 240;
inline constexpr size_t kMemoBytesMax = 1024;

struct Account {
  std::string owner;     // agent or wallet id: 1..128 characters of [A-Za-z0-9:_.-]
  std::string currency;  // ^[A-Z][A-Z0-9_]{2,11}$
  Bucket bucket = Bucket::kAvailable;
};

struct Posting {
  Account account;
  int64_t amount = 0;  // signed change of the account's balance, never 0
};

struct Entry {
  std::string id;    // unique per tenant: 1..240 characters of [A-Za-z0-9:_.-/]
  std::string memo;  // free text, at most 1024 bytes
  std::vector<Posting> postings;
};

// Applies `entry` in `txn`. Errors (nothing is written): INVALID_ARGUMENT (LEDGER_ENTRY_INVALID:
// fewer than 2 or more than 64 postings, a zero or out-of-range amount, a bad owner, currency,
// bucket or id; LEDGER_UNBALANCED: a currency does not sum to zero), ALREADY_EXISTS
// (LEDGER_ENTRY_EXISTS: the id was used before), FAILED_PRECONDITION
// (LEDGER_INSUFFICIENT_FUNDS: an account other than external would go below zero; the message
// names it), OUT_OF_RANGE (LEDGER_OVERFLOW). Checked in that order except that a reused id is
// found last, by the journal insert itself (so an entry costs no separate existence lookup): a
// reused id whose postings would also overdraw reports LEDGER_INSUFFICIENT_FUNDS.
absl::Status Post(store::WriteTxn& txn, std::string_view tenant, const Entry& entry);

// Applies `entries` in order as one unit (group commit of postings): each is checked exactly as
// Post checks it, against the balances the entries before it left, but each account is read and
// written once per batch instead of once per entry. All or nothing: the first failing entry's
// error (its index appended to the message) and the caller's transaction is left as it was.
// RESOURCE_EXHAUSTED (LEDGER_BATCH_TOO_LARGE) past kBatchEntriesMax entries.
inline constexpr size_t kBatchEntriesMax = 100000;
absl::Status PostBatch(store::WriteTxn& txn, std::string_view tenant, absl::Span<const Entry> entries);

// Every account of the tenant that ever moved, with its stored balance, in key order.
// DATA_LOSS (STORE_CORRUPT) for a malformed account record.
absl::StatusOr<std::vector<std::pair<Account, int64_t>>> Accounts(const store::ReadTxn& txn, std::string_view tenant);

// The balance of an account (0 if it never moved).
absl::StatusOr<int64_t> Balance(const store::ReadTxn& txn, std::string_view tenant,
                                const Account& account);

// A stored entry, or nullopt.
absl::StatusOr<std::optional<Entry>> GetEntry(const store::ReadTxn& txn, std::string_view tenant,
                                              std::string_view entry_id);

// Entry builders for the common movements (amount > 0; Post validates).
Entry Deposit(std::string id, std::string_view owner, std::string_view currency, int64_t amount);
Entry Withdrawal(std::string id, std::string_view owner, std::string_view currency, int64_t amount);
Entry Move(std::string id, const Account& from, const Account& to, int64_t amount);

// Audits one tenant: every stored entry balances per currency, every stored balance equals the
// sum of the tenant's journal, no account but external is negative, and each currency's
// balances sum to zero. Returns one line per violation ("account agt_x/USD/available: stored
// 100, journal says 90"); empty when the ledger is sound.
absl::StatusOr<std::vector<std::string>> Check(const store::ReadTxn& txn, std::string_view tenant);

// JSON forms (canonical) used by the C ABI, the bindings and the journal itself:
// {"id","memo","postings":[{"owner","currency","bucket":"available","amount"}]}.
std::string EntryToJson(const Entry& entry);
absl::StatusOr<Entry> EntryFromJson(std::string_view json_text);

}  // namespace nooterra::ledger

#endif  // NOOTERRA_LEDGER_H_
