// Kernel::ApplyBatch: group commit of kernel operations (include/nooterra/agreement.h).
//
// Why: a durable LMDB commit costs about one fsync (~0.35 ms here), so one operation per commit
// caps a store at ~3k operations/s whatever the CPU does. A batch pays that once for thousands
// of operations; each still gets its own outcome because it runs under its own savepoint
// (store::WriteTxn::Nested: a failed operation's writes are undone).
#include <string>
#include <vector>

#include "nooterra/agreement.h"
#include "nooterra/json.h"
#include "nooterra/status.h"
#include "records.h"
#include "common/js.h"
#include "common/strings.h"

namespace nooterra::agreement {

using absl::StatusCode;
using internal::Error;

namespace {

// Failures that are the store's, not the operation's: they abort the whole batch (and, for
// STORE_FULL, let Store::Write grow the map and run the batch again).
bool AbortsBatch(const absl::Status& s) {
  const std::string reason = StatusReason(s);
  return reason == "STORE_FULL" || reason == "STORE_DISK_FULL" || s.code() == StatusCode::kInternal ||
         s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kUnavailable;
}

}  // namespace

absl::StatusOr<Result> Kernel::Apply(std::string_view tenant, const BatchOp& op) {
  switch (op.operation) {
    case Operation::kLockHold: return LockHold(tenant, op.request_json, op.now, op.idempotency_key);
    case Operation::kOpenDispute: return OpenDispute(tenant, op.request_json, op.now, op.idempotency_key);
    case Operation::kSubmitVerdict:
      return SubmitVerdict(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kCreate: return CreateAgreement(tenant, op.request_json, op.now, op.idempotency_key);
    case Operation::kFund: return Fund(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kSubmitEvidence: return SubmitEvidence(tenant, op.request_json, op.now, op.idempotency_key);
    case Operation::kSettle: return Settle(tenant, op.request_json, op.now, op.idempotency_key);
    case Operation::kVoid: return Void(tenant, op.subject, op.now, op.idempotency_key);
    case Operation::kSetWalletPolicy: return SetWalletPolicy(tenant, op.subject, op.request_json, op.idempotency_key);
    case Operation::kResolveEscalation:
      return ResolveEscalation(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kCreateRfq: return CreateRfq(tenant, op.request_json, op.now, op.idempotency_key);
    case Operation::kSubmitBid: return SubmitBid(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kAcceptBid: return AcceptBid(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kAppendRunEvent:
      return AppendRunEvent(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kResolveRunSettlement:
      return ResolveRunSettlement(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kSetAgentStatus:
      return SetAgentStatus(tenant, op.subject, op.request_json, op.now, op.idempotency_key);
    case Operation::kDeposit: {
      auto request = internal::ParseRequest(op.request_json);
      if (!request.ok()) return request.status();
      const json::Value root = request->root();
      const json::Value amount = root.Find("amountCents");
      // Safe integers only: converting a larger double to int64_t is undefined behaviour.
      if (!root.Find("agentId").is_string() || !root.Find("currency").is_string() || !amount.is_number() ||
          !js::IsSafeInteger(amount.as_number())) {
        return Error(StatusCode::kInvalidArgument, "SCHEMA_INVALID",
                     "a deposit request is {\"agentId\", \"currency\", \"amountCents\"}");
      }
      return Deposit(tenant, root.Find("agentId").as_string(), root.Find("currency").as_string(),
                     static_cast<int64_t>(amount.as_number()), op.idempotency_key);
    }
  }
  return Error(StatusCode::kInvalidArgument, "AGREEMENT_OPERATION_UNKNOWN",
               StrCat("unknown operation ", static_cast<int32_t>(op.operation)));
}

absl::StatusOr<std::vector<BatchOutcome>> Kernel::ApplyBatch(std::string_view tenant,
                                                             const std::vector<BatchOp>& ops) {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  if (ops.empty()) return Error(StatusCode::kInvalidArgument, "BATCH_EMPTY", "a batch has at least one operation");
  size_t bytes = 0;
  for (const BatchOp& op : ops) bytes += op.request_json.size() + op.subject.size();
  if (ops.size() > kBatchOpsMax || bytes > kBatchBytesMax) {
    return Error(StatusCode::kResourceExhausted, "BATCH_TOO_LARGE",
                 StrCat("a batch holds at most ", kBatchOpsMax, " operations and ", kBatchBytesMax,
                        " request bytes (got ", ops.size(), " and ", bytes, ")"));
  }
  std::vector<BatchOutcome> outcomes;
  absl::Status s = store_->Write([&](store::WriteTxn& txn) -> absl::Status {
    outcomes.clear();  // Write runs this again after growing a full map
    outcomes.reserve(ops.size());
    Kernel inner(store_);
    inner.batch_ = &txn;
    for (const BatchOp& op : ops) {
      absl::StatusOr<Result> r = inner.Apply(tenant, op);
      if (!r.ok() && AbortsBatch(r.status())) return r.status();
      outcomes.push_back(r.ok() ? BatchOutcome{absl::OkStatus(), *std::move(r)} : BatchOutcome{r.status(), {}});
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (internal::ReadBackChecks()) {
    if (absl::Status r = internal::ReadBack(*store_, tenant); !r.ok()) return r;
  }
  return outcomes;
}

}  // namespace nooterra::agreement
