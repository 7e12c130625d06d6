// Kernel::SimulateSettlementPolicy: a candidate settlement policy replayed over the decisions the
// pinned policies made (include/nooterra/agreement.h). Pure reads: the stored PolicyDecision.v1
// artifacts give each decision's inputs (statuses, amount) and outcome; the agreement record
// gives its pinned verification method.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "agreement/records.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/json.h"
#include "nooterra/policy.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;

namespace {

json::Tree Outcome(std::string mode, int64_t release, int64_t refund, const std::vector<std::string>& reasons) {
  json::Tree o = json::Tree::Object();
  o.Add("decisionMode", T(std::move(mode)));
  o.Add("releaseAmountCents", N(release));
  o.Add("refundAmountCents", N(refund));
  json::Tree list = json::Tree::Array();
  for (const std::string& r : reasons) list.Push(T(r));
  o.Add("reasonCodes", std::move(list));
  return o;
}

}  // namespace

absl::StatusOr<std::string> Kernel::SimulateSettlementPolicy(std::string_view tenant,
                                                             std::string_view candidate_policy_json) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  auto candidate_doc = ParseRequest(candidate_policy_json);
  if (!candidate_doc.ok()) return candidate_doc.status();
  auto candidate = policy::NormalizeSettlementPolicy(candidate_doc->root());
  if (!candidate.ok()) return candidate.status();
  const std::string candidate_text = Canonical(*candidate);
  json::Tree decisions = json::Tree::Array();
  int64_t total = 0, changed = 0;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    std::vector<std::pair<std::string, std::string>> stored;
    absl::Status scan = txn.Scan(store::Table::kObjects, tenant, "policydecision/", [&](std::string_view key, std::string_view value) {
      stored.emplace_back(std::string(key), std::string(value));
      return true;
    });
    if (!scan.ok()) return scan;
    auto candidate_policy = json::Document::Parse(candidate_text);
    if (!candidate_policy.ok()) return candidate_policy.status();
    for (const auto& [key, text] : stored) {
      auto pd = json::Tree::Parse(text);
      if (!pd.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("record ", key, " does not parse"));
      const std::string run_id = S(*pd, "runId");
      if (run_id.rfind("tc_", 0) != 0) continue;  // only tool-call settlements are recorded here
      const std::string agreement_hash = run_id.substr(3);
      auto deal_text = txn.Get(store::Table::kObjects, tenant, StrCat("deal/", agreement_hash));
      if (!deal_text.ok()) return deal_text.status();
      if (!deal_text->has_value()) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("decision ", key, " names no agreement"));
      }
      auto deal = json::Tree::Parse(**deal_text);
      if (!deal.ok() || deal->Find("verificationMethod") == nullptr) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("agreement ", agreement_hash, " does not parse"));
      }
      auto method = json::Document::Parse(Canonical(*deal->Find("verificationMethod")));
      if (!method.ok()) return method.status();
      const int64_t amount = I(*deal, "amountCents");
      auto e = policy::EvaluateSettlementPolicy(candidate_policy->root(), method->root(), S(*pd, "verificationStatus"),
                                                S(*pd, "runStatus"), amount);
      if (!e.ok()) return e.status();
      std::vector<std::string> before;
      if (const json::Tree* codes = pd->Find("reasonCodes")) {
        for (const json::Tree& c : codes->items()) before.push_back(c.as_string());
      }
      const json::Tree was = Outcome(S(*pd, "decisionMode"), I(*pd, "releaseAmountCents"),
                                     I(*pd, "refundAmountCents"), before);
      const json::Tree would = Outcome(e->decision_mode, e->release_amount_cents, e->refund_amount_cents, e->reason_codes);
      // Compared as sets: the stored artifact keeps reason codes localeCompare-sorted, the
      // evaluation in rule order.
      const std::set<std::string> a(before.begin(), before.end()), b(e->reason_codes.begin(), e->reason_codes.end());
      json::Tree added = json::Tree::Array(), removed = json::Tree::Array();
      for (const std::string& r : b) if (!a.count(r)) added.Push(T(r));
      for (const std::string& r : a) if (!b.count(r)) removed.Push(T(r));
      const bool differs = S(was, "decisionMode") != e->decision_mode || I(was, "releaseAmountCents") != e->release_amount_cents ||
                           I(was, "refundAmountCents") != e->refund_amount_cents || a != b;
      ++total;
      changed += differs ? 1 : 0;
      json::Tree entry = json::Tree::Object();
      entry.Add("decisionId", T(S(*pd, "decisionId")));
      entry.Add("agreementHash", T(agreement_hash));
      entry.Add("amountCents", N(amount));
      entry.Add("verificationStatus", T(S(*pd, "verificationStatus")));
      entry.Add("runStatus", T(S(*pd, "runStatus")));
      entry.Add("stored", was);
      entry.Add("candidate", would);
      entry.Add("changed", json::Tree::Bool(differs));
      entry.Add("reasonsAdded", std::move(added));
      entry.Add("reasonsRemoved", std::move(removed));
      decisions.Push(std::move(entry));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  json::Tree out = json::Tree::Object();
  out.Add("candidatePolicyHash", T(policy::Hash(*candidate)));
  out.Add("total", N(total));
  out.Add("changed", N(changed));
  out.Add("decisions", std::move(decisions));
  return Canonical(out);
}

}  // namespace nooterra::agreement
