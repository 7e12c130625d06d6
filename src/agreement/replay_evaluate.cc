// Kernel::ReplayEvaluateToolCall: re-derives, from the stored records alone, what a tool call's
// holdback should look like and checks that the records agree (07-kernel-v0-conformance.md,
// step 9; the reference's GET /ops/tool-calls/replay-evaluate).
//
// Read-only: one read transaction, nothing written. Each check either holds or adds an issue
// code; `chainConsistent` is all of them, plus a terminal dispute must have produced an
// expectation. The result's member names beyond `comparisons.chainConsistent` and
// `replay.expected.adjustmentKind` (the two the conformance pack asserts) are ours: the digest
// gives the algorithm and the issue codes, not the reference's response layout.
#include <string>
#include <vector>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/ids.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;
using objects::ObjectType;

namespace {

// ArbitrationCase.v1 statuses (src/objects/dispute.cc).
constexpr std::string_view kCaseStatuses[] = {"open", "under_review", "verdict_issued", "closed"};

std::string Str(const json::Tree& t, std::string_view key) {
  const json::Tree* v = t.Find(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}
const json::Tree* Member(const json::Tree* t, std::string_view key) { return t == nullptr ? nullptr : t->Find(key); }

// A stored object re-checked as an outsider would: schema and self-hash (no keys: the records
// the kernel keeps carry no signature of their own, except the verdict artifact, checked below).
std::string ObjectProblem(const objects::Object& o) {
  auto report = objects::VerifyObject(o.canonical, {});
  if (!report.ok()) return std::string(StatusReason(report.status()));
  if (!report->ok) return report->errors.empty() ? "INVALID" : report->errors.front().code;
  return "";
}

}  // namespace

absl::StatusOr<std::string> Kernel::ReplayEvaluateToolCall(std::string_view tenant, std::string_view agreement_hash) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  if (!js::IsHex64(agreement_hash)) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "agreementHash must be 64 lowercase hex digits");
  }
  const std::string agreement(agreement_hash);
  std::string out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    // Exactly one hold: the kernel keeps one per agreement (index hold_of/<agreementHash>), so
    // the reference's TOOL_CALL_REPLAY_HOLD_AMBIGUOUS cannot arise here.
    auto hold_hash = txn.Get(store::Table::kIndex, tenant, StrCat("hold_of/", agreement));
    if (!hold_hash.ok()) return hold_hash.status();
    if (!hold_hash->has_value()) {
      return Error(Code::kNotFound, "TOOL_CALL_HOLD_NOT_FOUND", StrCat("no tool-call hold for agreement ", agreement));
    }
    auto hold = LoadObject(txn, tenant, ObjectType::kFundingHold, StrCat("hold/", **hold_hash));
    if (!hold.ok()) return hold.status();
    if (!hold->has_value()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("hold ", **hold_hash, " is indexed but missing"));
    const json::Tree& h = (*hold)->body;
    std::vector<std::string> issues;

    // The hold.
    const std::string hold_problem = ObjectProblem(**hold);
    const bool hold_valid = hold_problem.empty() && Str(h, "agreementHash") == agreement;
    if (!hold_valid) issues.push_back(StrCat("HOLD_INVALID:", hold_problem.empty() ? "AGREEMENT_MISMATCH" : hold_problem));

    // The case, if a dispute was opened: its bindings and its status decide the stage.
    const std::string case_id = ids::ToolCallCaseId(agreement);
    auto stored_case = LoadObject(txn, tenant, ObjectType::kArbitrationCase, StrCat("case/", case_id));
    if (!stored_case.ok()) return stored_case.status();
    bool case_bindings_valid = true, case_status_valid = true;
    std::string stage = "no_dispute";
    const json::Tree* c = stored_case->has_value() ? &(*stored_case)->body : nullptr;
    if (c != nullptr) {
      const json::Tree* meta = c->Find("metadata");
      case_bindings_valid = meta != nullptr && Str(*meta, "caseType") == "tool_call" &&
                            Str(*meta, "agreementHash") == agreement &&
                            Str(*meta, "receiptHash") == Str(h, "receiptHash") && Str(*meta, "holdHash") == **hold_hash;
      if (!case_bindings_valid) issues.push_back("CASE_BINDING_INVALID");
      const std::string status = Str(*c, "status");
      case_status_valid = OneOf(kCaseStatuses, status);
      if (!case_status_valid) issues.push_back(StrCat("CASE_STATUS_INVALID:", status));
      stage = status == "closed" ? "terminal_dispute" : "active_dispute";
    }

    // The adjustment: at most the one with the deterministic id.
    const std::string adjustment_id = ids::HoldbackAdjustmentId(agreement);
    auto adjustment = LoadObject(txn, tenant, ObjectType::kSettlementAdjustment, StrCat("adj/", adjustment_id));
    if (!adjustment.ok()) return adjustment.status();
    const json::Tree* a = adjustment->has_value() ? &(*adjustment)->body : nullptr;
    bool adjustment_valid = true, adjustment_id_deterministic = true;
    if (a != nullptr) {
      const std::string problem = ObjectProblem(**adjustment);
      adjustment_valid = problem.empty() && Str(*a, "agreementHash") == agreement && Str(*a, "holdHash") == **hold_hash;
      if (!adjustment_valid) issues.push_back(StrCat("ADJUSTMENT_INVALID:", problem.empty() ? "BINDING_MISMATCH" : problem));
      adjustment_id_deterministic = Str(*a, "adjustmentId") == adjustment_id;
      if (!adjustment_id_deterministic) issues.push_back("ADJUSTMENT_ID_NOT_DETERMINISTIC");
    }

    // The verdict artifact of a closed case, bound to the case it closed.
    bool verdict_bindings_valid = true;
    int64_t release_rate = -1;
    if (stage == "terminal_dispute") {
      const std::string verdict_id = Str(*c, "verdictId");
      auto text = txn.Get(store::Table::kObjects, tenant, StrCat("art/", ids::VerdictArtifactId(verdict_id)));
      if (!text.ok()) return text.status();
      auto doc = text->has_value() ? json::Tree::Parse(**text) : absl::StatusOr<json::Tree>(absl::NotFoundError("missing"));
      if (!doc.ok()) {
        verdict_bindings_valid = false;
        issues.push_back(StrCat("VERDICT_ARTIFACT_ERROR:", text->has_value() ? "UNPARSEABLE" : "NOT_FOUND"));
      } else {
        const json::Tree& v = *doc;
        verdict_bindings_valid = Str(v, "schemaVersion") == "ArbitrationVerdict.v1";
        for (std::string_view k : {"caseId", "runId", "disputeId", "settlementId", "verdictId"}) {
          verdict_bindings_valid = verdict_bindings_valid && Str(v, k) == Str(*c, k);
        }
        const json::Tree* sig_hash = Member(v.Find("signature"), "verdictHash");
        verdict_bindings_valid = verdict_bindings_valid && sig_hash != nullptr && sig_hash->is_string() &&
                                 sig_hash->as_string() == Str(*c, "verdictHash");
        if (!verdict_bindings_valid) issues.push_back("VERDICT_ARTIFACT_BINDING_INVALID");
        const json::Tree* rate = v.Find("releaseRatePct");
        if (rate != nullptr && rate->is_number() && (rate->as_number() == 0 || rate->as_number() == 100)) {
          release_rate = static_cast<int64_t>(rate->as_number());
        }
      }
    }

    // What the records should show at this stage.
    json::Tree expected = json::Tree::Null();
    std::string expected_status, expected_kind;
    bool expect_adjustment = false, expect_no_adjustment = false;
    const int64_t held = h.Find("heldAmountCents") != nullptr ? static_cast<int64_t>(h.Find("heldAmountCents")->as_number()) : 0;
    if (stage == "active_dispute") {
      expected_status = "held";
      expect_no_adjustment = true;
    } else if (stage == "terminal_dispute" && release_rate >= 0) {
      expected_kind = release_rate == 100 ? "holdback_release" : "holdback_refund";
      expected_status = release_rate == 100 ? "released" : "refunded";
      expect_adjustment = true;
    } else if (stage == "no_dispute") {
      expect_no_adjustment = true;  // a hold released by the tick has no adjustment
    }
    if (stage != "terminal_dispute" || expect_adjustment) {
      expected = json::Tree::Object();
      expected.Add("holdStatus", expected_status.empty() ? json::Tree::Null() : json::Tree::String(expected_status));
      expected.Add("adjustmentKind", expected_kind.empty() ? json::Tree::Null() : json::Tree::String(expected_kind));
      expected.Add("amountCents", expect_adjustment ? json::Tree::Number(static_cast<double>(held)) : json::Tree::Null());
    }
    const bool hold_status_matches = expected_status.empty() || Str(h, "status") == expected_status;
    if (!hold_status_matches) issues.push_back("HOLD_STATUS_MISMATCH");
    bool adjustment_matches = true;
    if (expect_no_adjustment) adjustment_matches = a == nullptr;
    if (expect_adjustment) {
      adjustment_matches = a != nullptr && Str(*a, "kind") == expected_kind && a->Find("amountCents") != nullptr &&
                           a->Find("amountCents")->as_number() == static_cast<double>(held);
    }
    if (!adjustment_matches) issues.push_back("ADJUSTMENT_MISMATCH");
    const bool complete = stage != "terminal_dispute" || expect_adjustment;
    if (!complete) issues.push_back("TERMINAL_DISPUTE_REPLAY_INCOMPLETE");
    const bool consistent = hold_valid && case_bindings_valid && case_status_valid && adjustment_valid &&
                            adjustment_id_deterministic && verdict_bindings_valid && hold_status_matches &&
                            adjustment_matches && complete;

    json::Tree actual = json::Tree::Object();
    actual.Add("holdStatus", json::Tree::String(Str(h, "status")));
    actual.Add("adjustmentKind", a != nullptr ? json::Tree::String(Str(*a, "kind")) : json::Tree::Null());
    actual.Add("amountCents", a != nullptr && a->Find("amountCents") != nullptr ? *a->Find("amountCents") : json::Tree::Null());
    json::Tree replay = json::Tree::Object();
    replay.Add("stage", json::Tree::String(stage));
    replay.Add("expected", std::move(expected));
    replay.Add("actual", std::move(actual));
    json::Tree comparisons = json::Tree::Object();
    for (auto [k, v] : {std::pair<std::string_view, bool>{"holdValid", hold_valid},
                        {"caseBindingsValid", case_bindings_valid},
                        {"caseStatusValid", case_status_valid},
                        {"adjustmentValid", adjustment_valid},
                        {"adjustmentIdDeterministic", adjustment_id_deterministic},
                        {"verdictArtifactBindingsValid", verdict_bindings_valid},
                        {"holdStatusMatches", hold_status_matches},
                        {"adjustmentMatches", adjustment_matches},
                        {"chainConsistent", consistent}}) {
      comparisons.Add(k, json::Tree::Bool(v));
    }
    json::Tree list = json::Tree::Array();
    for (std::string& i : issues) list.Push(json::Tree::String(std::move(i)));
    json::Tree result = json::Tree::Object();
    result.Add("agreementHash", json::Tree::String(agreement));
    result.Add("holdHash", json::Tree::String(std::string(**hold_hash)));
    result.Add("caseId", c != nullptr ? json::Tree::String(case_id) : json::Tree::Null());
    result.Add("adjustmentId", a != nullptr ? json::Tree::String(adjustment_id) : json::Tree::Null());
    result.Add("replay", std::move(replay));
    result.Add("comparisons", std::move(comparisons));
    result.Add("issues", std::move(list));
    auto text = json::CanonicalString(result);
    if (!text.ok()) return text.status();
    out = *std::move(text);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace nooterra::agreement
