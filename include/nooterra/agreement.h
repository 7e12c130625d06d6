// The agreement kernel: the tool-call holdback state machine on the store and the ledger.
//
//   LockHold        held = min(amount, floor(amount * holdbackBps / 10000)) moves from the
//                   payer's available balance into escrow; a FundingHold.v1 records it.
//   OpenDispute     a signed DisputeOpenEnvelope.v1 from the payer or the payee, inside the
//                   challenge window, opens ArbitrationCase arb_case_tc_<agreementHash>
//                   (under_review) and freezes the hold.
//   RunHoldbackMaintenance
//                   releases every held hold whose window has strictly passed and that no
//                   open case references; frozen ones are reported, never touched.
//   SubmitVerdict   the arbiter's signed ArbitrationVerdict.v1 (releaseRatePct 0 or 100)
//                   closes the case and applies exactly one SettlementAdjustment
//                   sadj_agmt_<agreementHash>_holdback: escrow to the payee, or back to the payer.
//
// Rules: ../shared/protocol/kernel/04-state-machines.md §3-4, 06 §6.1, 07 (kernel-v0).
//
// Every mutating call takes an idempotency key: the same key with the same request returns the
// first result with `already_existed = true`; the same key with another request is
// ALREADY_EXISTS (IDEMPOTENCY_KEY_CONFLICT). Every call is one store write transaction: its
// protocol artifacts, ledger postings and idempotency record commit together or not at all.
// Time is an argument (`now`, ISO 8601 with an offset); nothing reads a clock.
//
// Errors are typed: FAILED_PRECONDITION for a transition the current state forbids
// (HOLD_NOT_ACTIVE, DISPUTE_WINDOW_EXPIRED, DISPUTE_ALREADY_OPEN, TRANSITION_ILLEGAL,
// LEDGER_INSUFFICIENT_FUNDS), NOT_FOUND (HOLD_NOT_FOUND, CASE_NOT_FOUND, AGENT_NOT_FOUND),
// INVALID_ARGUMENT (SCHEMA_INVALID, DISPUTE_INVALID_SIGNER, TOOL_CALL_DISPUTE_BINDING_MISMATCH,
// CASE_ID_NOT_DETERMINISTIC, TOOL_CALL_VERDICT_NOT_BINARY, OBJECT_FIELD_*). A failed call changes
// nothing.
//
// Threads: a Kernel is as thread-safe as its Store (internally synchronized).
#ifndef NOOTERRA_AGREEMENT_H_
#define NOOTERRA_AGREEMENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nooterra/spend_policy.h"
#include "nooterra/store.h"

namespace nooterra::agreement {

// Named limits.
inline constexpr size_t kIdempotencyKeyBytesMax = 200;
inline constexpr uint32_t kMaintenanceLimitMax = 10000;
inline constexpr size_t kRequestBytesMax = size_t{1} << 20;
inline constexpr size_t kBatchOpsMax = 8192;                 // operations per ApplyBatch
inline constexpr size_t kBatchBytesMax = size_t{64} << 20;   // sum of request bytes per batch
inline constexpr size_t kReputationEventsMax = 100000;       // events of one agent ReputationFacts reads
inline constexpr size_t kPanelCandidatesMax = 64;            // panelCandidateAgentIds of one dispute
inline constexpr size_t kAgentStatusChangesMax = 1000;       // lifecycle changes of one agent
inline constexpr size_t kAgentStatusReasonMax = 2000;        // characters of a status change's reason

// The outcome of an operation: canonical JSON (documented per call) and whether it replays a
// previous call.
struct Result {
  std::string json;
  bool already_existed = false;
};

// The mutating operations, for ApplyBatch. The values equal the C ABI's NOOTERRA_AGREEMENT_*.
enum class Operation : int32_t {
  kLockHold = 1,        // request: the hold request
  kOpenDispute = 2,     // request: the open request
  kSubmitVerdict = 3,   // subject: the case id; request: the signed verdict
  kCreate = 4,          // request: the create request
  kFund = 5,            // subject: the agreement hash; request: "" or the risk inputs (Fund)
  kSubmitEvidence = 6,  // request: the signed ToolCallEvidence.v1
  kSettle = 7,          // request: the settle request
  kVoid = 8,            // subject: the agreement hash
  kDeposit = 9,         // request: {"agentId","currency","amountCents"}
  kSetWalletPolicy = 10,  // subject: the agent id; request: the wallet policy
  kResolveEscalation = 11,  // subject: the escalation id; request: the signed OperatorAction.v1
  kCreateRfq = 12,        // request: the RFQ
  kSubmitBid = 13,        // subject: the rfq id; request: the bid
  kAcceptBid = 14,        // subject: the rfq id; request: the acceptance
  kAppendRunEvent = 15,   // subject: the run id; request: {"expectedPrevChainHash","type","payload"}
  kResolveRunSettlement = 16,  // subject: the run id; request: {"releaseRatePct","decisionReason"?}
  kSetAgentStatus = 17,   // subject: the agent id; request: {"status","reason"?}
};

struct BatchOp {
  Operation operation = Operation::kSettle;
  std::string subject;
  std::string request_json;
  std::string now;
  std::string idempotency_key;
};

// One operation's outcome in a batch: `status` OK with `result`, or the operation's own error
// (with exactly the code and reason the single call would have returned).
struct BatchOutcome {
  absl::Status status;
  Result result;
};

class Kernel {
 public:
  // `store` must outlive the kernel.
  explicit Kernel(store::Store* store) : store_(store) {}

  // Registers an agent's Ed25519 public key (PEM). Registering the same key again is a no-op;
  // another key for the same agent is ALREADY_EXISTS (AGENT_KEY_CONFLICT).
  // Result: {"agentId","keyId","publicKeyPem"}.
  absl::StatusOr<Result> RegisterAgent(std::string_view tenant, std::string_view agent_id,
                                       std::string_view public_key_pem);

  // The agent's lifecycle status (AgentIdentity.v1): request {"status": "active" | "suspended" |
  // "revoked", "reason"?} at `now`. active <-> suspended; revoked is final (TRANSITION_ILLEGAL, as
  // is the status the agent already has); at most kAgentStatusChangesMax changes, in time order
  // (AGENT_STATUS_TIME_REGRESSION for a `now` before the last change). The guards it feeds
  // (FAILED_PRECONDITION AGENT_SUSPENDED / AGENT_REVOKED): LockHold's payer and payee,
  // OpenDispute's payer, payee, opener and arbiter, SubmitVerdict's arbiter, all at `now`; and
  // the envelope's signer at its openedAt and the verdict's signer at its issuedAt, else
  // DISPUTE_INVALID_SIGNER (a key is judged by the status its agent had when it signed). The
  // digest names these guards without their codes; the codes are ours.
  // Result: {"agentId","status","history":[{"status","at","reason"}]}; GetAgentStatus reads it
  // (an agent that never changed is {"status":"active","history":[]}; nullopt for no agent).
  absl::StatusOr<Result> SetAgentStatus(std::string_view tenant, std::string_view agent_id,
                                        std::string_view request_json, std::string_view now,
                                        std::string_view idempotency_key);
  absl::StatusOr<std::optional<std::string>> GetAgentStatus(std::string_view tenant, std::string_view agent_id) const;

  // Credits an agent's available balance from outside (a ledger deposit). amount_cents < 1 is
  // INVALID_ARGUMENT (SCHEMA_INVALID).
  // Result: {"agentId","currency","amountCents","availableCents"}.
  absl::StatusOr<Result> Deposit(std::string_view tenant, std::string_view agent_id,
                                 std::string_view currency, int64_t amount_cents,
                                 std::string_view idempotency_key);

  // request: {"agreementHash","receiptHash","payerAgentId","payeeAgentId","amountCents",
  //           "currency","holdbackBps","challengeWindowMs","createdAt"?, "executionIntent"?,
  //           "riskScore"?, "riskSignals"?} (createdAt defaults to now; the risk inputs feed the
  // payer's spend policy and are not part of the FundingHold). Result: {"hold": FundingHold.v1}.
  // When only the approval rule (or spend-policy escalate/challenge reasons) blocks the held
  // amount and the payer's wallet policy names approvers, the request is stored as escalation
  // "esc_hold_<agreementHash>_<receiptHash>" instead (result {"escalation"}, no money moves) and
  // ResolveEscalation decides it; while it is pending or after a rejection the same hold is
  // FAILED_PRECONDITION ESCALATION_PENDING / ESCALATION_REJECTED.
  absl::StatusOr<Result> LockHold(std::string_view tenant, std::string_view request_json,
                                  std::string_view now, std::string_view idempotency_key);

  // request: {"agreementHash","receiptHash","holdHash","openedByAgentId","disputeOpenEnvelope",
  //           "arbiterAgentId" | "panelCandidateAgentIds", "summary","evidenceRefs"?, "caseId"?,
  //           "adminOverride"?: {"reason","principalId"}}
  // adminOverride is an operator opening the case (04 §4): the challenge window is not
  // enforced, the envelope becomes optional (one that is given is still checked in full) and
  // the opener need not be a party; the case's metadata.override records
  // {enabled:true, reason, openedByPrincipalId}, and an opener who is not a party is the
  // claimant against the payee. The reference requires the ops_write scope: the kernel has no
  // principals, so authorizing the operator is the embedding application's job — never pass
  // an agent's request through with this member. reason 1..2000 and principalId 1..200
  // characters after trimming; anything else is SCHEMA_INVALID.
  // When the hold's execution intent pinned requestFingerprint.requestSha256, evidenceRefs must
  // carry "http:request_sha256:<that hash>" (X402_TOOL_CALL_OPEN_BINDING_EVIDENCE_REQUIRED, or
  // _MISMATCH for another hash or two different ones); SubmitVerdict re-checks the case's and the
  // verdict's evidence merged (X402_TOOL_CALL_VERDICT_BINDING_EVIDENCE_*).
  // The arbiter is named (a registered agent) or drawn from a panel (04 §4, 02 arbiter
  // assignment): the candidates trimmed, de-duplicated and sorted with localeCompare,
  // assignmentHash = sha256(canonical({tenantId, runId, disputeId, panelCandidateAgentIds})),
  // arbiter = candidates[parseInt(assignmentHash[0..8), 16) mod n], which must be registered;
  // the case's metadata records assignmentHash and the sorted candidates. Both members, or
  // neither, is SCHEMA_INVALID (the reference lets a named arbiter win silently); at most
  // kPanelCandidatesMax candidates, each a string of 3..128 characters after trimming. Neither
  // the named arbiter nor any candidate may be the payer, the payee or the opener
  // (INVALID_ARGUMENT DISPUTE_ARBITER_IS_PARTY; the reference does not check).
  // Result: {"arbitrationCase", "arbitrationCaseArtifact":{"artifactId","artifactHash"},
  //          "disputeOpenEnvelopeArtifact":{"artifactId","artifactHash"}}.
  absl::StatusOr<Result> OpenDispute(std::string_view tenant, std::string_view request_json,
                                     std::string_view now, std::string_view idempotency_key);

  // Result: {"ok":true,"tenantId","dryRun","attempted","released","blocked","errors",
  //          "blockedCases":[{"holdHash","caseId"}]}. Not idempotency-keyed: re-running it is
  // harmless by construction (only `held` holds move).
  absl::StatusOr<Result> RunHoldbackMaintenance(std::string_view tenant, std::string_view now,
                                                bool dry_run, uint32_t limit);

  // verdict: the arbiter's submission — the ArbitrationVerdict.v1 core members plus
  // "signerKeyId" and "signature" (base64 Ed25519 over the verdictHash digest bytes).
  // Result: {"settlementAdjustment","arbitrationVerdict":{"verdictId","verdictHash"},
  //          "arbitrationCaseArtifact":{"artifactId"},"arbitrationVerdictArtifact":{"artifactId"}}.
  // A verdict for a case whose adjustment exists replays the stored one (already_existed).
  absl::StatusOr<Result> SubmitVerdict(std::string_view tenant, std::string_view case_id,
                                       std::string_view verdict_json, std::string_view now,
                                       std::string_view idempotency_key);

  // Sets (replaces) an agent's wallet policy: {"maxPerTransactionCents"?,
  // "requireApprovalAboveCents"?, "maxDailyCents"?} (policy.h; {} clears every limit). It is
  // enforced inside the transaction that locks the agent's money in escrow — Fund (the agreement
  // amount) and LockHold (heldAmountCents when > 0) — against the agent's spend of that UTC day,
  // which the store counts, so concurrent, batched or retried calls cannot overspend. A blocked
  // call is FAILED_PRECONDITION with reason WALLET_POLICY_MAX_PER_TX,
  // WALLET_POLICY_APPROVAL_REQUIRED or WALLET_POLICY_MAX_DAILY (05 §3 order) and changes nothing.
  // A "spendPolicy" member (SpendPolicy.v1, include/nooterra/spend_policy.h) is evaluated next, in
  // the same transaction: request = {amount locked, currency, payer, the payee as counterparty,
  // the agreement hash, the agreement's toolId (a tool-call hold names no tool)}; its rolling
  // windows are summed from the store's spend log, which every lock appends to. A deny, escalate
  // or challenge blocks with the first blocking reason (SPEND_*); escalate and challenge reasons
  // escalate a Fund when the policy names approvers, and an approval lifts them (never a deny).
  // Errors: NOT_FOUND (AGENT_NOT_FOUND), INVALID_ARGUMENT (POLICY_INVALID naming the member).
  // Result: {"agentId","walletPolicy"}.
  absl::StatusOr<Result> SetWalletPolicy(std::string_view tenant, std::string_view agent_id,
                                         std::string_view policy_json, std::string_view idempotency_key);

  // Decides an escalated fund or tool-call hold (LockHold above). When the approval rule of the payer's wallet policy blocks Fund
  // and the policy names approverAgentIds, Fund stores escalation "esc_fund_<agreementHash>"
  // (pending; no money moves; result {"escalation","record"}) instead of failing. The decision is
  // an OperatorAction.v1 with caseRef {kind:"escalation", caseId}, action APPROVE or REJECT,
  // actor.operatorId one of the approvers, signed with that agent's registered key. APPROVE funds
  // the agreement now (the per-transaction and daily limits still apply); REJECT closes the
  // escalation (a later Fund is ESCALATION_REJECTED). Errors: NOT_FOUND ESCALATION_NOT_FOUND,
  // FAILED_PRECONDITION ESCALATION_RESOLVED / ESCALATION_PENDING, PERMISSION_DENIED
  // ESCALATION_APPROVER_UNKNOWN, INVALID_ARGUMENT ESCALATION_ACTION_INVALID /
  // ESCALATION_ACTION_MISMATCH / ESCALATION_ACTION_UNSUPPORTED. Result {"escalation","record"};
  // for a hold {"escalation","hold"}: APPROVE places the FundingHold with the stored request
  // (its createdAt is the escalated call's time, so the day and windows it counts in are too).
  absl::StatusOr<Result> ResolveEscalation(std::string_view tenant, std::string_view escalation_id,
                                           std::string_view action_json, std::string_view now,
                                           std::string_view idempotency_key);
  absl::StatusOr<std::optional<std::string>> GetEscalation(std::string_view tenant,
                                                           std::string_view escalation_id) const;

  // ---------------------------------------------------------------------------------------
  // The agreement's own life: created -> funded -> (evidenced) -> settled, or voided before
  // settlement. The record is {"agreementHash","status","amountCents","currency",
  // "payerAgentId","payeeAgentId","holdbackBps","challengeWindowMs", ...}.

  // request: {"agreement": ToolCallAgreement.v1 builder inputs (or a built instance, whose
  // agreementHash must recompute), "holdbackBps", "challengeWindowMs", "policy"?,
  // "verificationMethod"?}. The agreement's settlementTerms {amountCents, currency} and both
  // parties are required. The SettlementPolicy.v1 and VerificationMethod.v1 (defaults when
  // absent) are normalized and pinned by hash in the record.
  // Result: {"agreement": ToolCallAgreement.v1, "record": ...}.
  absl::StatusOr<Result> CreateAgreement(std::string_view tenant, std::string_view request_json,
                                         std::string_view now, std::string_view idempotency_key);
  // Moves amountCents from the payer's available balance into escrow. created -> funded.
  absl::StatusOr<Result> Fund(std::string_view tenant, std::string_view agreement_hash,
                              std::string_view now, std::string_view idempotency_key);
  // The same with the caller's risk inputs for the payer's spend policy: request_json is "" or
  // {"riskScore"? (0..100), "riskSignals"? [ids]} (an "agreementHash" member, if present, must be
  // the subject). They are part of the idempotent request and of an escalation, whose approval
  // re-evaluates with them. INVALID_ARGUMENT SPEND_REQUEST_INVALID naming a bad member.
  absl::StatusOr<Result> Fund(std::string_view tenant, std::string_view agreement_hash,
                              std::string_view request_json, std::string_view now,
                              std::string_view idempotency_key);
  // A ToolCallEvidence.v1 signed by the payee's registered key and bound to the agreement
  // (agreementHash, callId, inputHash). funded -> evidenced.
  absl::StatusOr<Result> SubmitEvidence(std::string_view tenant, std::string_view evidence_json,
                                        std::string_view now, std::string_view idempotency_key);
  // request: {"agreementHash","decisionId","receiptId","verificationStatus",
  //           "runStatus"?, "releaseRatePct"?, "policyHash"?, "decisionReason"?}.
  // Without releaseRatePct the pinned policy is evaluated in this transaction: an automatic
  // decision settles (decisionStatus auto_resolved); a manual-review one moves the agreement to
  // `review` (money stays in escrow; result {"decisionMode":"manual-review","policyEvaluation",
  // "record"}). With releaseRatePct an operator resolves (manual_resolved), also from review.
  // A presented policyHash other than the pinned one is POLICY_HASH_MISMATCH.
  // funded|evidenced|review -> settled: builds the
  // SettlementDecisionRecord.v2 and the SettlementReceipt.v1 bound to it; release =
  // floor(amount * rate / 100) of which floor(release * holdbackBps / 10000) stays in escrow as
  // a FundingHold bound to the receipt (released by the tick or decided by a dispute); the
  // rest goes to the payee; the unreleased part returns to the payer.
  // Result: {"decisionRecord","settlementReceipt","hold"|null}.
  absl::StatusOr<Result> Settle(std::string_view tenant, std::string_view request_json,
                                std::string_view now, std::string_view idempotency_key);
  // Returns the escrow to the payer before settlement. funded|evidenced -> voided.
  absl::StatusOr<Result> Void(std::string_view tenant, std::string_view agreement_hash,
                              std::string_view now, std::string_view idempotency_key);
  absl::StatusOr<std::optional<std::string>> GetAgreement(std::string_view tenant,
                                                          std::string_view agreement_hash) const;

  // ---------------------------------------------------------------------------------------
  // Audit trail. Every operation that changed state appended, in its own transaction, one entry
  // to the tenant's operation log: canonical JSON {"idempotencyKey","now","operation",
  // "prevHash","request","resultHash","seq"}, each chained to the previous by SHA-256
  // (prevHash of the first is 64 zeros). Replaying the log into an empty store reproduces every
  // record byte for byte, so both stores have the same StateHash.

  // SHA-256 over every record of the tenant in every table, in table then key order (each as
  // table byte, key length, key, value length, value). Two stores with the same hash hold the
  // same bytes.
  absl::StatusOr<std::string> StateHash(std::string_view tenant) const;
  // Walks the tenant's log: sequence numbers, chain links and the stored head. Result
  // {"entries","headHash"}. A break is DATA_LOSS (OPLOG_BROKEN, the message names the entry).
  absl::StatusOr<std::string> VerifyOplog(std::string_view tenant) const;
  // Re-runs `source`'s log of `tenant` on this kernel's store, entry by entry, checking each
  // result against the logged resultHash. The tenant must not exist here yet
  // (FAILED_PRECONDITION REPLAY_TARGET_NOT_EMPTY). Result {"entries","stateHash"}; a result that
  // differs is DATA_LOSS (REPLAY_DIVERGED, naming the entry); a broken log is OPLOG_BROKEN.
  absl::StatusOr<std::string> Replay(const store::Store& source, std::string_view tenant);

  // Policy simulation ("what if"): re-evaluates every decision the pinned policies made in this
  // tenant (the stored PolicyDecision.v1 artifacts, in key order) under `candidate_policy_json`
  // (a SettlementPolicy.v1 or its inputs), with each agreement's own pinned verification method,
  // amount and recorded statuses, and reports per decision whether the outcome would change.
  // Reads only. Result: {"candidatePolicyHash","total","changed","decisions":[{"decisionId",
  // "agreementHash","amountCents","verificationStatus","runStatus","stored":{outcome},
  // "candidate":{outcome},"changed","reasonsAdded","reasonsRemoved"}]} where an outcome is
  // {"decisionMode","releaseAmountCents","refundAmountCents","reasonCodes"}. Errors:
  // INVALID_ARGUMENT (POLICY_INVALID naming the path), DATA_LOSS (STORE_CORRUPT).
  absl::StatusOr<std::string> SimulateSettlementPolicy(std::string_view tenant,
                                                       std::string_view candidate_policy_json) const;

  // Spend-policy simulation ("what if"): evaluates every lock recorded in `payer`'s spend log (in
  // time order, per currency) under `candidate_policy_json` (a SpendPolicy.v1), each against the
  // locks recorded before it, and reports which the candidate would have blocked. Non-cascading:
  // every earlier lock counts as it happened, even one the candidate would have refused. Fund
  // locks are evaluated with their agreement's toolId; tool-call holds name no tool. Reads only.
  // Result: {"candidatePolicyHash","payerAgentId","total","blocked","locks":[{"spendId","at",
  // "amountCents","currency","counterpartyAgentId","agreementHash","outcome","reasons"}]}.
  // Errors: INVALID_ARGUMENT (POLICY_INVALID naming the path), DATA_LOSS (STORE_CORRUPT).
  absl::StatusOr<std::string> SimulateSpendPolicy(std::string_view tenant, std::string_view payer,
                                                  std::string_view candidate_policy_json) const;

  // The store's spend log as a policy::SpendView (what the kernel sums a spend policy's rolling
  // windows from): evaluate a compiled SpendPolicy against the ledger in your own read or write
  // transaction. It holds a store::Cursor, so destroy it before `txn` ends. Thread-compatible,
  // like the transaction.
  static std::unique_ptr<policy::SpendView> SpendLogView(const store::ReadTxn& txn, std::string_view tenant);

  // Escrow conservation: for every payer and currency, the ledger's escrow balance equals the
  // amounts of that payer's agreements in escrow (funded, evidenced, review) plus the
  // heldAmountCents of its holds still held plus its locked run settlements. Every operation that
  // moves escrow checks this for the payers it touched inside its own write transaction, against a
  // per-payer count kept from the record transitions (INTERNAL INVARIANT_ESCROW_CONSERVATION, and
  // nothing is written, when it fails); this full scan also checks those counts. Returns the
  // violations (empty when sound), each naming the account and both figures. `nooterra store
  // check` runs it for every tenant.
  absl::StatusOr<std::vector<std::string>> AuditEscrow(std::string_view tenant) const;

  // Replay evaluation of a tool call (07-kernel-v0-conformance.md step 9): from the stored
  // records alone — the agreement's hold, its case `arb_case_tc_<h>` if a dispute was opened, the
  // adjustment `sadj_agmt_<h>_holdback`, the closing verdict's artifact — re-derives the stage
  // (no_dispute | active_dispute | terminal_dispute) and what the hold and adjustment must show,
  // and compares. Result (canonical JSON): {"agreementHash","holdHash","caseId","adjustmentId",
  // "replay":{"stage","expected":{"holdStatus","adjustmentKind","amountCents"}|null,"actual":{...}},
  // "comparisons":{"holdValid","caseBindingsValid","caseStatusValid","adjustmentValid",
  // "adjustmentIdDeterministic","verdictArtifactBindingsValid","holdStatusMatches",
  // "adjustmentMatches","chainConsistent"},"issues":[HOLD_INVALID:…, CASE_BINDING_INVALID,
  // CASE_STATUS_INVALID:…, ADJUSTMENT_INVALID:…, ADJUSTMENT_ID_NOT_DETERMINISTIC,
  // VERDICT_ARTIFACT_BINDING_INVALID, VERDICT_ARTIFACT_ERROR:…, HOLD_STATUS_MISMATCH,
  // ADJUSTMENT_MISMATCH, TERMINAL_DISPUTE_REPLAY_INCOMPLETE]}. An inconsistency is a value
  // (chainConsistent false), not an error. Read-only.
  // Errors: INVALID_ARGUMENT (STORE_TENANT_INVALID, SCHEMA_INVALID for the hash), NOT_FOUND
  // (TOOL_CALL_HOLD_NOT_FOUND), DATA_LOSS (STORE_CORRUPT).
  absl::StatusOr<std::string> ReplayEvaluateToolCall(std::string_view tenant, std::string_view agreement_hash) const;

  // Marketplace runs (07-kernel-v0-conformance.md case kind B; src/agreement/marketplace.cc).
  // Ids are 1..60 of [A-Za-z0-9:_-] (so run_<rfqId>_<bidId> stays within a runId's 128); every
  // call is one write transaction under its idempotency key.
  //
  // CreateRfq {"rfqId","posterAgentId" (registered),"budgetCents" >= 1,"currency"? (default USD),
  //   "title"?,"description"?,"capability"?,"milestones"?} -> {"rfq"}. MARKET_RFQ_EXISTS
  //   (ALREADY_EXISTS). milestones: 1..32 of {"milestoneId","releaseRatePct" 0..100,
  //   "statusGate"? any|green|amber|red (default any),"requiredEvidenceCount"? 0..10000 (default 0)},
  //   unknown members and repeated ids refused; the accepted run's agreement carries them as
  //   terms.milestones, and its settlement's release rate is capped by them (05 §1.3): at most the
  //   sum of releaseRatePct over the milestones listed in the terminal event's
  //   metrics.completedMilestoneIds whose gate is "any" or the verification status and whose
  //   evidence count the run's evidenceRefs meet; a lower rate appends
  //   milestone_release_cap_applied and does not by itself require review.
  // SubmitBid(rfqId, {"bidId","bidderAgentId" (registered),"amountCents" <= the budget,
  //   "currency"? (the RFQ's),"etaSeconds"?,"note"?,"verificationMethod"? (normalized and hashed)})
  //   -> {"bid"}. MARKET_RFQ_NOT_FOUND, TRANSITION_ILLEGAL (rfq not open), MARKET_BID_OVER_BUDGET
  //   (ours: the reference does not say), MARKET_BID_EXISTS.
  // AcceptBid(rfqId, {"bidId","payerAgentId"?,"acceptedByAgentId"?,"settlement"?:{"payerAgentId"}})
  //   -> {"rfqId","bidId","runId","run","agreement","settlement","offer","acceptance"}: run run_<rfqId>_<bidId> created by a
  //   chained RUN_CREATED event (actor the payee), the bid amount moved into the poster's escrow
  //   (journal escrow_hold_<runId>), an agreement pinning the default SettlementPolicy.v1 and the bid's
  //   VerificationMethod.v1 by hash with disputeWindowDays 3, and the AgentRunSettlement.v1
  //   setl_<runId>: locked, decisionStatus pending, decisionTrace phase agreement.accepted with a
  //   pending SettlementDecisionRecord.v2 and a locked SettlementReceipt.v1 (finalityState pending).
  //   The result also carries "offer" (MarketplaceOffer.v2 ofr_<rfqId>_<bidId>_r1: the bid as the
  //   one proposal, proposalHash = sha256(canonical(bid without status)), the default policy) and
  //   "acceptance" (MarketplaceAcceptance.v2 acc_<agreementId>, by the poster, offerRef bound to
  //   the offer); both are stored with the run and the agreement's offerRef / acceptanceRef pin
  //   their hashes.
  //   Any payer named other than the poster is MARKET_PAYER_MISMATCH (FAILED_PRECONDITION).
  // AppendRunEvent(runId, {"expectedPrevChainHash" (the run's lastChainHash, else
  //   RUN_EVENT_PREV_CHAIN_HASH_MISMATCH),"type" RUN_STARTED|RUN_ACTION_REQUIRED|RUN_HEARTBEAT|
  //   EVIDENCE_ADDED|RUN_COMPLETED|RUN_FAILED,"payload"?}) -> {"event","run","settlement"?}. The
  //   event is chained (payloadHash, chainHash; id evt_<runId>_<seq>); a terminal run refuses more
  //   (TRANSITION_ILLEGAL). A terminal event settles the locked settlement in the same transaction:
  //   the verifier plugin of the pinned method (05 §1.4), the pinned policy, then either release /
  //   refund with an auto_resolved v2 record and a final receipt, or manual_review_required with the
  //   money still locked until ResolveRunSettlement. Decision and receipt ids are
  //   dec_/rcpt_<settlementId>_r<revision> (the reference draws random ones); the settlement kernel's
  //   binding checks (02 §8) must pass before commit.
  absl::StatusOr<Result> CreateRfq(std::string_view tenant, std::string_view request_json, std::string_view now,
                                   std::string_view idempotency_key);
  absl::StatusOr<Result> SubmitBid(std::string_view tenant, std::string_view rfq_id, std::string_view request_json,
                                   std::string_view now, std::string_view idempotency_key);
  absl::StatusOr<Result> AcceptBid(std::string_view tenant, std::string_view rfq_id, std::string_view request_json,
                                   std::string_view now, std::string_view idempotency_key);
  absl::StatusOr<Result> AppendRunEvent(std::string_view tenant, std::string_view run_id, std::string_view request_json,
                                        std::string_view now, std::string_view idempotency_key);
  // ResolveRunSettlement(runId, {"releaseRatePct" 0..100,"decisionReason"?}): an operator decides a
  //   settlement left locked in manual_review_required: floor(amount * rate / 100) to the payee,
  //   the rest back to the payer, decisionStatus manual_resolved, a v2 record and a final receipt
  //   (phase settlement.manual_resolved; the verifier execution and policy evaluation that led to
  //   the review are kept). -> {"settlement"}. RUN_SETTLEMENT_NOT_FOUND, TRANSITION_ILLEGAL
  //   (not locked, or not awaiting review), SCHEMA_INVALID.
  absl::StatusOr<Result> ResolveRunSettlement(std::string_view tenant, std::string_view run_id,
                                              std::string_view request_json, std::string_view now,
                                              std::string_view idempotency_key);
  // {"run","events"} (nullopt when there is no such run) and the run's AgentRunSettlement.v1.
  absl::StatusOr<std::optional<std::string>> GetRun(std::string_view tenant, std::string_view run_id) const;
  absl::StatusOr<std::optional<std::string>> GetRunSettlement(std::string_view tenant, std::string_view run_id) const;
  // The run's other documents, by run id: the agreement record (pinned policy and method, terms,
  // offerRef / acceptanceRef), the accepted MarketplaceOffer.v2 and the MarketplaceAcceptance.v2.
  enum class RunDocument { kAgreement, kOffer, kAcceptance };
  absl::StatusOr<std::optional<std::string>> GetRunDocument(std::string_view tenant, RunDocument kind,
                                                            std::string_view run_id) const;
  // Replay evaluation of a run's settlement (05 §2.1) from the stored records alone:
  // {"runId","settlementId","replay":{"verifierExecution","policyDecision","expectedDecisionStatus",
  // "expectedSettlementStatus"},"stored":{...},"comparisons":{"matchesStoredDecision",
  // "policyDecisionMatchesStored","decisionRecordReplayCriticalMatchesStored" (null for a v1
  // record),"verifierRefMatchesStored","kernelBindingsValid"},"kernelBindingErrors":[codes]}.
  // Errors: NOT_FOUND (RUN_NOT_FOUND, RUN_SETTLEMENT_NOT_FOUND), DATA_LOSS (STORE_CORRUPT).
  absl::StatusOr<std::string> ReplayEvaluateRun(std::string_view tenant, std::string_view run_id) const;

  // Reputation facts of one agent (07-kernel-v0-conformance.md steps 10-11). The kernel appends a
  // ReputationEvent.v1 artifact in the same transaction as the step that produced it, with the
  // tool call's payee as subject (toolId "tool_call", counterparty the payer, role payee):
  //   dispute_opened         rep_dsp_<agreementHash>   sourceRef {kind "arbitration_case",
  //                          artifactId arbitration_case_<caseId> (revision 1), hash = its
  //                          artifactHash, caseId, agreementHash, receiptHash, holdHash};
  //                          facts {openedByAgentId, openedByRole, reasonCode, amountCents}
  //   verdict_issued         rep_vrd_<verdictHash>     sourceRef {kind "arbitration_verdict",
  //                          artifactId, hash = the verdict artifact's artifactHash, caseId,
  //                          verdictHash, agreementHash}; facts {verdictOutcome payee_win|
  //                          payer_win, releaseRatePct, amountCents, arbiterAgentId}
  //   adjustment_applied     rep_adj_<adjustmentId>    sourceRef {kind "settlement_adjustment",
  //                          sourceId = adjustmentId, hash = adjustmentHash, adjustmentId,
  //                          agreementHash, holdHash}; facts {adjustmentKind, amountCents,
  //                          amountSettledCents | amountRefundedCents}
  //   penalty_dispute_lost   rep_pen_<sha256(canonical(seed))> when the payer wins; sourceRef
  //                          as verdict_issued's; facts {verdictOutcome, amountCents}
  //   holdback_auto_released rep_rel_<agreementHash>   sourceRef {kind "funding_hold", holdHash,
  //                          agreementHash, receiptHash}; facts {autoReleasedCents,
  //                          amountSettledCents}
  // and, when a marketplace run settlement is resolved (automatically or by an operator), about
  // the run's payee (no toolId, counterparty the payer, role payee):
  //   decision_approved      rep_dec_<decisionHash> (any money released) | decision_rejected
  //                          (all refunded); sourceRef {kind "settlement_decision", artifactId =
  //                          decisionId, runId, settlementId, decisionHash}; facts {decisionStatus,
  //                          runStatus, releaseRatePct, amountSettledCents, amountRefundedCents,
  //                          currency}
  // Events are first-writer-wins by eventId. Request: {"agentId", "asOf" (ISO time with offset:
  // the kernel reads no clock), "toolId"?, "window"? "7d"|"30d"|"allTime" (default), "includeEvents"?
  // bool}; events with asOf - window < occurredAt <= asOf count. Result (canonical JSON):
  // {"tenantId","agentId","toolId","window","asOf","windowStartAt","facts":{"totals":{"eventCount",
  // "decisions":{"total","approved","rejected"},"disputes":{"opened","payerWin","payeeWin",
  // "partial","rate"},"economics":{"settledCents","refundedCents","penalizedCents",
  // "autoReleasedCents","adjustmentAppliedCents"},"latencyMs":{"count","p50","p95"}}},
  // "events":[...] (includeEvents; by occurredAt, then eventId)}. disputes.rate = opened /
  // decisions.total rounded to 6 decimals, null without decisions; p50/p95 nearest-rank.
  // Errors: INVALID_ARGUMENT (SCHEMA_INVALID naming the member, STORE_TENANT_INVALID, JSON_*),
  // RESOURCE_EXHAUSTED (REPUTATION_TOO_MANY_EVENTS past kReputationEventsMax), DATA_LOSS
  // (STORE_CORRUPT). Read-only.
  absl::StatusOr<std::string> ReputationFacts(std::string_view tenant, std::string_view request_json) const;

  // The tenants with ledger records or an operation log, in byte order (the only read that is
  // not scoped to one tenant; for audits and admin tools). Errors: DATA_LOSS (STORE_CORRUPT).
  absl::StatusOr<std::vector<std::string>> Tenants() const;

  // The whole audit `nooterra store check` prints, for one tenant or (empty `tenant`) every
  // tenant Tenants() lists: {"ok", "tenants":[{"tenant", "oplog", "violations":[...]}]}, where
  // violations are the ledger's (ledger::Check), the escrow audit's and a broken operation
  // log's ("oplog" is then null; otherwise VerifyOplog's report). Read-only.
  // Errors: INVALID_ARGUMENT (STORE_TENANT_INVALID); the store's I/O errors.
  struct StoreCheck {
    bool ok = false;
    std::string json;
  };
  absl::StatusOr<StoreCheck> CheckStore(std::string_view tenant) const;

  // ---------------------------------------------------------------------------------------
  // Group commit: runs `ops` in order in ONE durable write transaction (one fsync for all).
  // Precedence, TigerBeetle-style: each operation runs under its own savepoint and sees
  // every earlier successful operation of the batch; a failed operation discards only its own
  // writes and reports its error in its outcome, exactly as the single call would; later
  // operations still run. Idempotency keys behave as in single calls, also between operations of
  // the same batch. The call itself fails — and nothing commits — only for the batch as a whole:
  // INVALID_ARGUMENT (STORE_TENANT_INVALID, BATCH_EMPTY), RESOURCE_EXHAUSTED (BATCH_TOO_LARGE
  // past kBatchOpsMax operations or kBatchBytesMax request bytes; STORE_FULL, STORE_DISK_FULL),
  // or an I/O / corruption error of the store.
  absl::StatusOr<std::vector<BatchOutcome>> ApplyBatch(std::string_view tenant,
                                                       const std::vector<BatchOp>& ops);

  // Stored records, as canonical JSON; nullopt when absent.
  absl::StatusOr<std::optional<std::string>> GetHold(std::string_view tenant,
                                                     std::string_view hold_hash) const;
  absl::StatusOr<std::optional<std::string>> GetCase(std::string_view tenant,
                                                     std::string_view case_id) const;
  absl::StatusOr<std::optional<std::string>> GetArtifact(std::string_view tenant,
                                                         std::string_view artifact_id) const;
  // The SettlementAdjustment.v1 a verdict applied (key: adjustmentId, for a tool call
  // `sadj_agmt_<agreementHash>_holdback`).
  absl::StatusOr<std::optional<std::string>> GetAdjustment(std::string_view tenant,
                                                           std::string_view adjustment_id) const;
  // The protocol documents a settlement produced, as canonical JSON: the ToolCallAgreement.v1
  // and ToolCallEvidence.v1 (key: agreementHash), the SettlementDecisionRecord.v2 (key:
  // decisionId) and the SettlementReceipt.v1 (key: receiptId).
  enum class Document { kAgreement, kEvidence, kDecision, kReceipt };
  absl::StatusOr<std::optional<std::string>> GetDocument(std::string_view tenant, Document kind,
                                                         std::string_view key) const;
  // {"available","escrow"} of an agent in a currency.
  absl::StatusOr<std::string> GetWallet(std::string_view tenant, std::string_view agent_id,
                                        std::string_view currency) const;

  // One operation by its enum, as one batch entry would run it but in its own transaction (the
  // C ABI's nooterra_agreement_apply for operations without a named method, e.g. the JSON deposit).
  absl::StatusOr<Result> Apply(std::string_view tenant, const BatchOp& op);

 private:

  store::Store* store_;
  store::WriteTxn* batch_ = nullptr;  // set on the kernel ApplyBatch runs operations with
};

}  // namespace nooterra::agreement

#endif  // NOOTERRA_AGREEMENT_H_
