// Storage helpers of the agreement kernel: typed records in the store, artifacts, idempotency.
// Not installed.
//
// Layout (tenant-scoped by the store):
//   objects  "agent/<agentId>"     {"agentId","keyId","publicKeyPem"}
//            "hold/<holdHash>"     FundingHold.v1        (FlatBuffers storage form)
//            "case/<caseId>"       ArbitrationCase.v1    (FlatBuffers storage form)
//            "adj/<adjustmentId>"  SettlementAdjustment.v1 (FlatBuffers storage form)
//            "art/<artifactId>"    an artifact's canonical JSON (artifactHash included)
//   index    "held/<holdHash>"         present while the hold is `held` (the tick's work list)
//            "hold_of/<agreementHash>" -> holdHash (one hold per agreement)
//            "rep/<agentId>/<eventId>" an agent's reputation events (the event is art/<eventId>)
//            "escrow_count/<payer>/<currency>" what the records keep in the payer's escrow (escrow.cc)
//   idempotency "<key>"            {"operation","requestHash","result"}
#ifndef NOOTERRA_SRC_AGREEMENT_RECORDS_H_
#define NOOTERRA_SRC_AGREEMENT_RECORDS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/store.h"

namespace nooterra::agreement::internal {

// The longest challenge window the API accepts (365 days), in milliseconds.
inline constexpr int64_t kChallengeWindowMsMax = 31536000000LL;

absl::Status Error(absl::StatusCode code, std::string_view reason, std::string message);

// Milliseconds of an ISO 8601 time with an offset (the kernel refuses offset-less times).
absl::StatusOr<int64_t> TimeMs(std::string_view iso, std::string_view what);

absl::StatusOr<std::optional<objects::Object>> LoadObject(const store::ReadTxn& txn,
                                                          std::string_view tenant,
                                                          objects::ObjectType type,
                                                          const std::string& key);
absl::Status SaveObject(store::WriteTxn& txn, std::string_view tenant, const std::string& key,
                        const objects::Object& object, bool insert);

// Adds artifactHash = sha256(canonical(body)) to `body` and inserts it under its artifactId.
absl::StatusOr<std::string> SaveArtifact(store::WriteTxn& txn, std::string_view tenant,
                                         json::Tree body);

// Agent lifecycle (lifecycle.cc): the status ("active" | "suspended" | "revoked") an agent had
// at `at_ms` ("active" when it never changed), and the guard FAILED_PRECONDITION
// AGENT_SUSPENDED | AGENT_REVOKED naming the participant's `role` unless it was active then.
absl::StatusOr<std::string> AgentStatusAt(const store::ReadTxn& txn, std::string_view tenant,
                                          std::string_view agent_id, int64_t at_ms);
// The agent's status record, {"agentId","status":"active","history":[]} when it never changed.
absl::StatusOr<json::Tree> LoadStatusRecord(const store::ReadTxn& txn, std::string_view tenant,
                                            std::string_view agent_id);
absl::Status RequireActive(const store::ReadTxn& txn, std::string_view tenant, std::string_view agent_id,
                           int64_t at_ms, std::string_view role);

struct Agent {
  std::string agent_id;
  std::string key_id;
  crypto::PublicKey key;
};
absl::StatusOr<Agent> LoadAgent(const store::ReadTxn& txn, std::string_view tenant,
                                std::string_view agent_id);

// Runs `fn` under an idempotency key: a stored result for the same request is returned with
// already_existed = true, a different request under the key is IDEMPOTENCY_KEY_CONFLICT, and a
// new result is recorded in the same transaction.
// A new result is also appended to the tenant's operation log (AppendOplog) with `now`.
absl::StatusOr<Result> Idempotent(store::WriteTxn& txn, std::string_view tenant,
                                  std::string_view key, std::string_view now, std::string_view operation,
                                  std::string_view request_canonical,
                                  const std::function<absl::StatusOr<std::string>()>& fn);

// Appends one entry to the tenant's hash-chained operation log (oplog.cc): what was asked
// (operation, canonical request, now, idempotency key) and the SHA-256 of what it produced,
// chained to the previous entry's hash. `now` may be empty (operations that read no time).
absl::Status AppendOplog(store::WriteTxn& txn, std::string_view tenant, std::string_view operation,
                         std::string_view request_canonical, std::string_view now,
                         std::string_view idempotency_key, std::string_view result);

// What a lock spends: the spend policy's request and the lock's spend-log entry.
struct SpendContext {
  std::string currency;
  std::string counterparty;    // the payee
  std::string agreement_hash;
  std::string spend_id;        // unique per lock: the suffix of its spend-log key
  // The tool id is the stored ToolCallAgreement's (funding an agreement); a tool-call hold names
  // no tool, so a spend policy's tool allowlist refuses it.
  bool tool_from_agreement = false;
  // Risk inputs the request carried (ParseRiskInputs), for the spend policy's risk rules.
  std::optional<int64_t> risk_score = std::nullopt;
  std::vector<std::string> risk_signals = {};
};
// Applies the payer's wallet policy (if any) to locking `amount` at time `at` — its three rules,
// then its spend policy with rolling windows summed from the spend log — and records the lock
// (daily counter and spend-log entry) in the same transaction (wallet.cc). FAILED_PRECONDITION
// with the first blocking reason (WALLET_POLICY_* or SPEND_*) when blocked.
// `approved`: an approver already approved this lock, so approval and challenge reasons no longer
// block (limits and deny reasons still do). `can_escalate` (optional) is set when nothing but
// approval or challenge reasons blocked the lock and the policy names approvers.
absl::Status EnforceWalletPolicy(store::WriteTxn& txn, std::string_view tenant, std::string_view payer,
                                 int64_t amount, std::string_view at, const SpendContext& spend,
                                 bool approved = false, bool* can_escalate = nullptr);

// Escalations: records under "escalation/<id>" (Kernel::ResolveEscalation). A pending one stops
// the escalated operation from being retried until it is decided.
absl::StatusOr<std::optional<json::Tree>> LoadEscalation(const store::ReadTxn& txn, std::string_view tenant,
                                                         std::string_view id);
// Stores `escalation` under its escalationId; `insert` refuses an existing record.
absl::Status SaveEscalation(store::WriteTxn& txn, std::string_view tenant, const json::Tree& escalation, bool insert);
// "esc_hold_<agreementHash>_<receiptHash>": the escalation of a tool-call hold request.
std::string HoldEscalationId(json::Value hold_request);
// The body of LockHold inside `txn` (kernel.cc): builds and stores the FundingHold and locks the
// held amount, under the payer's wallet policy (`approved` and `can_escalate` as for
// EnforceWalletPolicy). Result: {"hold": FundingHold.v1}.
absl::StatusOr<std::string> LockHoldIn(store::WriteTxn& txn, std::string_view tenant, json::Value request,
                                       std::string_view now, bool approved, bool* can_escalate);

// Parses a request object (named limit kRequestBytesMax).
absl::StatusOr<json::Document> ParseRequest(std::string_view text);

// Builds a FundingHold from builder inputs, refuses a second hold for the agreement, stores it
// with its indexes, and (lock_from_available) moves the held amount from the payer's available
// balance into escrow. kernel.cc.
absl::StatusOr<objects::Object> CreateHold(store::WriteTxn& txn, std::string_view tenant,
                                           const json::Tree& inputs, bool lock_from_available);
// Resolves a held FundingHold (released | refunded): lifecycle members only; asserts that the
// holdHash did not move (kernel.cc).
absl::StatusOr<objects::Object> ResolveHoldFor(const objects::Object& hold, std::string_view status,
                                               std::string_view at, json::Tree metadata);
// Escrow conservation inside the write transaction (escrow.cc): each transition Add()s what it
// changes in the record-side escrow of a payer (open agreements, held holds, locked run
// settlements); Verify(), before the operation returns, keeps a per-payer count and requires it to
// equal the ledger's escrow balance for every payer touched: INTERNAL
// INVARIANT_ESCROW_CONSERVATION otherwise, and the transaction is discarded.
class EscrowAccount {
 public:
  EscrowAccount(store::WriteTxn& txn, std::string_view tenant) : txn_(txn), tenant_(tenant) {}
  void Add(const std::string& payer, const std::string& currency, int64_t delta);
  absl::Status Verify();

 private:
  store::WriteTxn& txn_;
  std::string tenant_;
  std::map<std::pair<std::string, std::string>, int64_t> deltas_;
  bool overflow_ = false;
};
// The count's index key ("escrow_count/<payer>/<currency>") and value (0 when absent).
std::string EscrowCountKey(std::string_view payer, std::string_view currency);
absl::StatusOr<int64_t> EscrowCount(const store::ReadTxn& txn, std::string_view tenant, std::string_view payer,
                                    std::string_view currency);

// Reputation events (reputation.cc). The subject of a tool call's events: its payee, toolId
// "tool_call", the payer as counterparty.
json::Tree ToolCallSubject(const json::Tree& hold);
// Builds a ReputationEvent.v1 and stores it as an artifact under its eventId (an existing event of
// that id is kept: first writer wins) with the index entry rep/<subject agentId>/<eventId>. An
// empty `event_id` is a penalty's: rep_pen_<sha256(canonical(seed))>. Returns the eventId.
absl::StatusOr<std::string> EmitReputationEvent(store::WriteTxn& txn, std::string_view tenant, std::string event_id,
                                                std::string_view kind, std::string_view occurred_at,
                                                json::Tree subject, json::Tree source_ref, json::Tree facts);

// The ArbitrationCase artifact body of a case record (02-object-model.md §12).
json::Tree CaseArtifactBody(const json::Tree& case_record, std::string artifact_id);

std::string Str(json::Value v, std::string_view key);
std::string Canonical(const json::Tree& t);
// The canonical text of a parsed request (no Tree copy); "" if it cannot be canonicalized.
std::string Canonical(json::Value v);

// Small accessors the operations share.
inline json::Tree T(std::string s) { return json::Tree::String(std::move(s)); }
inline json::Tree N(int64_t v) { return json::Tree::Number(static_cast<double>(v)); }
inline std::string S(const json::Tree& o, std::string_view key) {
  const json::Tree* v = o.Find(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}
inline int64_t I(const json::Tree& o, std::string_view key) {
  const json::Tree* v = o.Find(key);
  return v != nullptr && v->is_number() ? static_cast<int64_t>(v->as_number()) : 0;
}
inline ledger::Account Wallet(std::string owner, std::string currency, ledger::Bucket bucket) {
  return ledger::Account{std::move(owner), std::move(currency), bucket};
}

// Read-back (audit.cc): the tenant audited again from a fresh read transaction after a write
// committed — the ledger (ledger::Check: every entry balances, no forbidden negative balance)
// and escrow conservation (Kernel::AuditEscrow, counts included) — so a commit that stored
// something other than what was checked before it is caught at the write that did it. INTERNAL
// INVARIANT_READBACK naming the violations (the write has committed: the store needs an audit).
// Builds configured with NOOTERRA_READBACK_CHECKS (the sanitizer build of `make test`) run it
// after every kernel write; it scans the tenant, so release builds do not.
absl::Status ReadBack(const store::Store& store, std::string_view tenant);
// Whether this library was built with NOOTERRA_READBACK_CHECKS (a function, not a constant in
// this header: only the library's own sources get the define).
bool ReadBackChecks();

// One operation: a write transaction running `fn` under the idempotency key (see Idempotent).
// Inside a batch (`batch` != nullptr) it is a transaction nested in the batch's, so a failed
// operation discards only its own writes.
absl::StatusOr<Result> Run(store::Store* store, store::WriteTxn* batch, std::string_view tenant,
                           std::string_view key, std::string_view now,
                           std::string_view operation, std::string_view request_canonical,
                           const std::function<absl::StatusOr<std::string>(store::WriteTxn&)>& fn);

}  // namespace nooterra::agreement::internal

#endif  // NOOTERRA_SRC_AGREEMENT_RECORDS_H_
