// Kernel::AuditEscrow: the conservation invariant between the kernel's records and the ledger
// (include/nooterra/agreement.h; 06-ledger-escrow-invariants.md). Money in a payer's escrow
// bucket must be exactly what that payer's open agreements and held holds account for: a
// posting without a record, a record without a posting, or a release counted twice all show up
// as a difference here.
#include <map>
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
    auto accounts = ledger::Accounts(txn, tenant);
    if (!accounts.ok()) return accounts.status();
    std::map<std::pair<std::string, std::string>, int64_t> escrow;
    for (const auto& [account, balance] : *accounts) {
      if (account.bucket == ledger::Bucket::kEscrow) escrow[{account.owner, account.currency}] = balance;
    }
    for (const auto& [who, cents] : expected) escrow.try_emplace(who, 0);
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

}  // namespace nooterra::agreement
