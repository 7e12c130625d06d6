// Kernel::AuditEscrow: the conservation invariant between the kernel's records and the ledger
// (include/nooterra/agreement.h; 06-ledger-escrow-invariants.md). Money in a payer's escrow
// bucket must be exactly what that payer's open agreements and held holds account for: a
// posting without a record, a record without a posting, or a release counted twice all show up
// as a difference here. Kernel::CheckStore gathers it with the ledger's own audit and the
// operation log's chain for a whole store.
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "agreement/records.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;

absl::StatusOr<std::vector<std::string>> Kernel::AuditEscrow(std::string_view tenant) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::vector<std::string> violations;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    std::map<std::pair<std::string, std::string>, int64_t> expected;  // (payer, currency) -> cents
    absl::Status failure;
    absl::Status scan = txn.Scan(store::Table::kObjects, tenant, "deal/", [&](std::string_view key, std::string_view value) {
      auto deal = json::Tree::Parse(value);
      if (!deal.ok()) {
        failure = Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("record ", key, " does not parse"));
        return false;
      }
      const std::string status = S(*deal, "status");
      if (status == "funded" || status == "evidenced" || status == "review") {
        expected[{S(*deal, "payerAgentId"), S(*deal, "currency")}] += I(*deal, "amountCents");
      }
      return true;
    });
    if (!scan.ok()) return scan;
    if (!failure.ok()) return failure;
    scan = txn.Scan(store::Table::kObjects, tenant, "hold/", [&](std::string_view key, std::string_view value) {
      auto hold = objects::FromFlatBuffer(objects::ObjectType::kFundingHold, value);
      if (!hold.ok()) {
        failure = Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("record ", key, " does not parse"));
        return false;
      }
      if (S(hold->body, "status") == "held") {
        expected[{S(hold->body, "payerAgentId"), S(hold->body, "currency")}] += I(hold->body, "heldAmountCents");
      }
      return true;
    });
    if (!scan.ok()) return scan;
    if (!failure.ok()) return failure;
    scan = txn.Scan(store::Table::kObjects, tenant, "runsetl/", [&](std::string_view key, std::string_view value) {
      auto settlement = json::Tree::Parse(value);
      if (!settlement.ok()) {
        failure = Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("record ", key, " does not parse"));
        return false;
      }
      if (S(*settlement, "status") == "locked") {
        expected[{S(*settlement, "payerAgentId"), S(*settlement, "currency")}] += I(*settlement, "amountCents");
      }
      return true;
    });
    if (!scan.ok()) return scan;
    if (!failure.ok()) return failure;
    auto accounts = ledger::Accounts(txn, tenant);
    if (!accounts.ok()) return accounts.status();
    std::map<std::pair<std::string, std::string>, int64_t> escrow;
    for (const auto& [account, balance] : *accounts) {
      if (account.bucket == ledger::Bucket::kEscrow) escrow[{account.owner, account.currency}] = balance;
    }
    for (const auto& [who, cents] : expected) escrow.try_emplace(who, 0);
    // The per-payer counts the write path keeps (escrow.cc) must equal the full scan too.
    std::map<std::pair<std::string, std::string>, int64_t> counted;
    scan = txn.Scan(store::Table::kIndex, tenant, "escrow_count/", [&](std::string_view key, std::string_view) {
      const std::string_view rest = key.substr(13);
      const size_t slash = rest.rfind('/');
      if (slash == std::string_view::npos) {
        failure = Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("index ", key, " is not an escrow count"));
        return false;
      }
      auto count = EscrowCount(txn, tenant, rest.substr(0, slash), rest.substr(slash + 1));
      if (!count.ok()) {
        failure = count.status();
        return false;
      }
      counted[{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))}] = *count;
      return true;
    });
    if (!scan.ok()) return scan;
    if (!failure.ok()) return failure;
    for (const auto& [who, cents] : expected) counted.try_emplace(who, 0);
    for (const auto& [who, count] : counted) {
      const auto it = expected.find(who);
      const int64_t want = it == expected.end() ? 0 : it->second;
      if (count != want) {
        violations.push_back(StrCat("escrow count ", who.first, "/", who.second, ": the write path counted ", count,
                                    ", open agreements, held holds and locked run settlements account for ", want));
      }
    }
    for (const auto& [who, balance] : escrow) {
      const auto it = expected.find(who);
      const int64_t want = it == expected.end() ? 0 : it->second;
      if (balance != want) {
        violations.push_back(StrCat("escrow ", who.first, "/", who.second, ": ledger holds ", balance,
                                    ", open agreements and held holds account for ", want));
      }
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return violations;
}

namespace internal {

bool ReadBackChecks() {
#ifdef NOOTERRA_READBACK_CHECKS
  return true;
#else
  return false;
#endif
}

absl::Status ReadBack(const store::Store& store, std::string_view tenant) {
  std::vector<std::string> violations;
  absl::Status s = store.Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto ledger_violations = ledger::Check(txn, tenant);
    if (!ledger_violations.ok()) return ledger_violations.status();
    violations = *std::move(ledger_violations);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  // AuditEscrow only reads; the const_cast gives it the Kernel it is a member of.
  auto escrow = Kernel(const_cast<store::Store*>(&store)).AuditEscrow(tenant);
  if (!escrow.ok()) return escrow.status();
  violations.insert(violations.end(), escrow->begin(), escrow->end());
  if (violations.empty()) return absl::OkStatus();
  std::string joined;
  for (const std::string& v : violations) StrAppend(&joined, joined.empty() ? "" : "; ", v);
  return Error(Code::kInternal, "INVARIANT_READBACK", StrCat("tenant ", tenant, " after commit: ", joined));
}

}  // namespace internal

absl::StatusOr<std::vector<std::string>> Kernel::Tenants() const {
  std::set<std::string> names;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    for (store::Table t : {store::Table::kAccounts, store::Table::kJournal, store::Table::kOplog}) {
      absl::Status l = txn.ListTenants(t, [&](std::string_view name) {
        names.emplace(name);
        return true;
      });
      if (!l.ok()) return l;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<Kernel::StoreCheck> Kernel::CheckStore(std::string_view tenant) const {
  std::vector<std::string> names;
  if (!tenant.empty()) {
    if (absl::Status v = store::ValidateTenant(tenant); !v.ok()) return v;
    names.emplace_back(tenant);
  } else {
    auto all = Tenants();
    if (!all.ok()) return all.status();
    names = *std::move(all);
  }
  json::Tree tenants = json::Tree::Array();
  bool sound = true;
  for (const std::string& name : names) {
    json::Tree list = json::Tree::Array();
    absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
      auto violations = ledger::Check(txn, name);
      if (!violations.ok()) return violations.status();
      for (const std::string& v : *violations) list.Push(json::Tree::String(v));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    auto escrow = AuditEscrow(name);
    if (!escrow.ok()) return escrow.status();
    for (const std::string& v : *escrow) list.Push(json::Tree::String(v));
    json::Tree entry = json::Tree::Object();
    entry.Add("tenant", json::Tree::String(name));
    auto log = VerifyOplog(name);
    if (log.ok()) {
      auto report = json::Tree::Parse(*log);
      if (!report.ok()) return report.status();
      entry.Add("oplog", *std::move(report));
    } else if (log.status().code() == Code::kDataLoss) {
      // A broken chain is a finding of the audit, not a failure to run it.
      list.Push(json::Tree::String(StrCat("operation log: ", log.status().message())));
      entry.Add("oplog", json::Tree::Null());
    } else {
      return log.status();
    }
    sound = sound && list.items().empty();
    entry.Add("violations", std::move(list));
    tenants.Push(std::move(entry));
  }
  json::Tree out = json::Tree::Object();
  out.Add("ok", json::Tree::Bool(sound));
  out.Add("tenants", std::move(tenants));
  auto text = json::CanonicalString(out);
  if (!text.ok()) return text.status();
  return StoreCheck{sound, *std::move(text)};
}

}  // namespace nooterra::agreement
