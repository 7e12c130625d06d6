// The settlement of a marketplace run (marketplace.cc writes it, ReplayEvaluateRun re-derives it):
// the run's own verification, the verifier plugins, the pinned policy's evaluation, the decision
// record and receipt, and the settlement kernel's binding checks. Not installed.
//
// Records (objects table, canonical JSON, tenant-scoped): run/<runId> (AgentRun.v1 fold),
// runev/<runId>/<seq> (chained events), runagr/<runId> (the agreement), runsetl/<runId>
// (AgentRunSettlement.v1), rfq/<rfqId>, bid/<rfqId>/<bidId>.
#ifndef NOOTERRA_SRC_AGREEMENT_RUN_SETTLEMENT_H_
#define NOOTERRA_SRC_AGREEMENT_RUN_SETTLEMENT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/store.h"

namespace nooterra::agreement::internal {

// A JSON record (nullopt when absent; DATA_LOSS STORE_CORRUPT when it does not parse) and its save.
absl::StatusOr<std::optional<json::Tree>> LoadJson(const store::ReadTxn& txn, std::string_view tenant,
                                                   const std::string& key);
absl::Status SaveJson(store::WriteTxn& txn, std::string_view tenant, const std::string& key, const json::Tree& t,
                      bool insert);
std::string RunKey(std::string_view run_id);
std::string AgreementKey(std::string_view run_id);
std::string SettlementKey(std::string_view run_id);
std::string EventKey(std::string_view run_id, int64_t seq);  // runev/<runId>/<seq, 6 digits>

// computeAgentRunVerification (04 §1): the base status, its reasons, the run's duration.
struct RunVerification {
  std::string status;
  std::vector<std::string> reasons;
  std::optional<int64_t> duration_ms;
};
RunVerification VerifyRun(const json::Tree& run);

// The verifier plugin the pinned method's source selects (05 §1.4), run on the run.
struct VerifierExecution {
  json::Tree verifier_ref;
  std::string status;
  std::vector<std::string> reason_codes;
};
VerifierExecution ExecuteVerifier(const json::Tree& method, const json::Tree& run, const RunVerification& base);
json::Tree ExecutionJson(const VerifierExecution& x);

// What a terminal run's settlement decision is, from the run and its agreement alone: the verifier,
// then the agreement's pinned policy and method (INTERNAL INVARIANT_POLICY_HASH if they no longer
// hash to their pins). `evaluation_json` is policy::EvaluationJson's document.
struct Reevaluation {
  VerifierExecution verifier;
  policy::SettlementEvaluation evaluation;
  json::Tree evaluation_json;
};
absl::StatusOr<Reevaluation> Reevaluate(const json::Tree& run, const json::Tree& agreement);

// The evaluation surface replay compares (05 §2.1): reason codes in plain code-unit order.
json::Tree PolicySurface(const json::Tree& evaluation);

// The decision record (v2) and the receipt bound to it for the settlement's current state; ids
// dec_/rcpt_<settlementId>_r<revision>.
struct Artifacts {
  objects::Object decision;
  objects::Object receipt;
};
absl::StatusOr<Artifacts> BuildArtifacts(std::string_view tenant, const json::Tree& settlement, const json::Tree& agreement,
                                         const json::Tree& run, const json::Tree& verifier_ref,
                                         const json::Tree& verification_status, std::string_view now);

// verifySettlementKernelArtifacts (02 §8): every failing check's code, in the digest's order.
std::vector<std::string> VerifyKernelArtifacts(const json::Tree* settlement, std::string_view run_id);

}  // namespace nooterra::agreement::internal

#endif  // NOOTERRA_SRC_AGREEMENT_RUN_SETTLEMENT_H_
