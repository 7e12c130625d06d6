// The deterministic id formulas of 02-object-model.md §0.
#include "nooterra/ids.h"

#include "common/strings.h"
#include "nooterra/crypto.h"

namespace nooterra::ids {

std::string ToolCallRunId(std::string_view h) { return StrCat("tc_", h); }
std::string ToolCallCaseId(std::string_view h) { return StrCat("arb_case_tc_", h); }
std::string ToolCallDisputeId(std::string_view h) { return StrCat("disp_tc_", h); }
std::string ToolCallSettlementId(std::string_view h) { return StrCat("setl_tc_", h); }
std::string DisputeOpenEnvelopeId(std::string_view h) { return StrCat("dopen_tc_", h); }
std::string HoldbackAdjustmentId(std::string_view h) { return StrCat("sadj_agmt_", h, "_holdback"); }

std::string WalletId(std::string_view agent_id) { return StrCat("wallet_", agent_id); }
std::string RunSettlementId(std::string_view run_id) { return StrCat("setl_", run_id); }
std::string RunDisputeId(std::string_view run_id) { return StrCat("dsp_", run_id); }

std::string CaseArtifactId(std::string_view case_id, int64_t revision) {
  if (revision <= 1) return StrCat("arbitration_case_", case_id);
  return StrCat("arbitration_case_", case_id, "_r", revision);
}
std::string VerdictArtifactId(std::string_view verdict_id) {
  return StrCat("arbitration_verdict_", verdict_id);
}

std::string DecisionReputationEventId(std::string_view h) { return StrCat("rep_dec_", h); }
std::string AutoReleaseReputationEventId(std::string_view h) { return StrCat("rep_rel_", h); }
std::string DisputeReputationEventId(std::string_view h) { return StrCat("rep_dsp_", h); }
std::string VerdictReputationEventId(std::string_view h) { return StrCat("rep_vrd_", h); }
std::string AdjustmentReputationEventId(std::string_view id) { return StrCat("rep_adj_", id); }

std::string EscrowHoldOperationId(std::string_view agreement_hash, std::string_view receipt_hash) {
  return StrCat("escrow_hold_tc_", agreement_hash, "_", receipt_hash);
}
std::string EscrowAutoReleaseOperationId(std::string_view h) { return StrCat("escrow_release_auto_", h); }
std::string EscrowReleaseOperationId(std::string_view id) { return StrCat("escrow_release_", id); }
std::string EscrowForfeitOperationId(std::string_view id) { return StrCat("escrow_forfeit_", id); }
std::string EscrowJournalEntryId(std::string_view tenant_id, std::string_view operation_id) {
  return StrCat("escrow:", tenant_id, ":", operation_id);
}

std::string OfferId(std::string_view rfq_id, std::string_view bid_id, std::string_view proposal_id,
                    int64_t revision) {
  if (proposal_id.empty()) return StrCat("ofr_", rfq_id, "_", bid_id, "_r", revision);
  return StrCat("ofr_", rfq_id, "_", bid_id, "_", proposal_id);
}

std::string AcceptanceId(std::string_view agreement_id, std::string_view rfq_id,
                         std::string_view bid_id) {
  if (!agreement_id.empty()) return StrCat("acc_", agreement_id);
  return StrCat("acc_", rfq_id, "_", bid_id);
}

std::string ConformanceVerdictId(std::string_view case_id, std::string_view issued_at) {
  return StrCat("avd_", crypto::Sha256Hex(StrCat("conf:", case_id, ":", issued_at)).substr(0, 16));
}

}  // namespace nooterra::ids
