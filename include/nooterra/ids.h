// Deterministic identifiers of the protocol (../shared/protocol/kernel/02-object-model.md §0).
//
// The kernel never invents ids: every id of a tool-call settlement follows from the agreement
// hash (or another hash) by a fixed formula, so two parties — or a replay — derive the same ids
// without talking. Inputs are taken as given (callers pass normalized lowercase hashes); the
// object builders validate the resulting ids against each member's rules.
//
// Thread-safe; pure functions.
#ifndef NOOTERRA_IDS_H_
#define NOOTERRA_IDS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace nooterra::ids {

// Tool-call settlement ids, all from the agreement hash.
std::string ToolCallRunId(std::string_view agreement_hash);         // tc_<h>
std::string ToolCallCaseId(std::string_view agreement_hash);        // arb_case_tc_<h>
std::string ToolCallDisputeId(std::string_view agreement_hash);     // disp_tc_<h>
std::string ToolCallSettlementId(std::string_view agreement_hash);  // setl_tc_<h>
// The dispute-open envelope of a tool-call case (the convention conformance and tests use; the
// spec's alternative dopen_case_<caseId> is not used by the reference's flows).
std::string DisputeOpenEnvelopeId(std::string_view agreement_hash);  // dopen_tc_<h>
// The one holdback adjustment an agreement can ever have.
std::string HoldbackAdjustmentId(std::string_view agreement_hash);  // sadj_agmt_<h>_holdback

// Run-level ids.
std::string WalletId(std::string_view agent_id);             // wallet_<agentId>
std::string RunSettlementId(std::string_view run_id);        // setl_<runId>
std::string RunDisputeId(std::string_view run_id);           // dsp_<runId>

// Artifact ids.
// arbitration_case_<caseId>, or arbitration_case_<caseId>_r<revision> after the first revision.
std::string CaseArtifactId(std::string_view case_id, int64_t revision);
std::string VerdictArtifactId(std::string_view verdict_id);  // arbitration_verdict_<verdictId>

// Reputation event ids.
std::string DecisionReputationEventId(std::string_view decision_hash);       // rep_dec_<h>
std::string AutoReleaseReputationEventId(std::string_view agreement_hash);   // rep_rel_<h>
std::string DisputeReputationEventId(std::string_view agreement_hash);       // rep_dsp_<h>
std::string VerdictReputationEventId(std::string_view verdict_hash);         // rep_vrd_<h>
std::string AdjustmentReputationEventId(std::string_view adjustment_id);     // rep_adj_<id>

// Escrow operations and their journal entries.
std::string EscrowHoldOperationId(std::string_view agreement_hash, std::string_view receipt_hash);
std::string EscrowAutoReleaseOperationId(std::string_view hold_hash);   // escrow_release_auto_<h>
std::string EscrowReleaseOperationId(std::string_view adjustment_id);   // escrow_release_<id>
std::string EscrowForfeitOperationId(std::string_view adjustment_id);   // escrow_forfeit_<id>
std::string EscrowJournalEntryId(std::string_view tenant_id, std::string_view operation_id);

// Marketplace ids.
std::string OfferId(std::string_view rfq_id, std::string_view bid_id, std::string_view proposal_id,
                    int64_t revision);  // ofr_<rfq>_<bid>_<proposalId | r<revision>>
std::string AcceptanceId(std::string_view agreement_id, std::string_view rfq_id,
                         std::string_view bid_id);  // acc_<agreementId | rfq_bid>

// The verdict id conformance uses: avd_ + sha256("conf:" + caseId + ":" + issuedAt)[0..16).
std::string ConformanceVerdictId(std::string_view case_id, std::string_view issued_at);

}  // namespace nooterra::ids

#endif  // NOOTERRA_IDS_H_
