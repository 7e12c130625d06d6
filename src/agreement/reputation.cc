// Reputation events (ReputationEvent.v1, 02-object-model.md §18) and their aggregate
// (07-kernel-v0-conformance.md steps 10-11).
//
// The kernel appends one event per reputational fact, in the write transaction of the step that
// produced it (04-state-machines.md §3-4): dispute_opened (rep_dsp_<agreementHash>),
// verdict_issued (rep_vrd_<verdictHash>), adjustment_applied (rep_adj_<adjustmentId>),
// penalty_dispute_lost when the payer wins (rep_pen_<sha256 of the seed>) and
// holdback_auto_released (rep_rel_<agreementHash>). Each is stored as an artifact under its
// eventId (artifactHash = hash(event)); a second write of an id keeps the first (first writer
// wins), and an index entry rep/<subject agentId>/<eventId> finds an agent's events.
//
// The digests fix the ids, the kinds, the subject (the payee of the tool call), the sourceRefs the
// conformance pack checks and the aggregation rules; the members of `facts` beyond those the
// aggregation reads are ours (documented in include/nooterra/agreement.h).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;
using objects::ObjectType;

namespace internal {

json::Tree ToolCallSubject(const json::Tree& hold) {
  json::Tree subject = json::Tree::Object();
  subject.Add("agentId", T(S(hold, "payeeAgentId")));
  subject.Add("toolId", T("tool_call"));
  subject.Add("counterpartyAgentId", T(S(hold, "payerAgentId")));
  subject.Add("role", T("payee"));
  return subject;
}

absl::StatusOr<std::string> EmitReputationEvent(store::WriteTxn& txn, std::string_view tenant, std::string event_id,
                                                std::string_view kind, std::string_view occurred_at,
                                                json::Tree subject, json::Tree source_ref, json::Tree facts) {
  json::Tree inputs = json::Tree::Object();
  inputs.Add("tenantId", T(std::string(tenant)));
  inputs.Add("occurredAt", T(std::string(occurred_at)));
  inputs.Add("eventKind", T(std::string(kind)));
  inputs.Add("subject", std::move(subject));
  inputs.Add("sourceRef", std::move(source_ref));
  inputs.Add("facts", std::move(facts));
  if (event_id.empty()) {
    // A penalty's id is the hash of its seed (02-object-model.md, reputation event ids).
    event_id = StrCat("rep_pen_", crypto::Sha256Hex(Canonical(inputs)));
  }
  inputs.Add("eventId", T(event_id));
  auto event = objects::Build(ObjectType::kReputationEvent, Canonical(inputs));
  if (!event.ok()) return event.status();
  const std::string key = StrCat("art/", event_id);
  auto existing = txn.Get(store::Table::kObjects, tenant, key);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return event_id;  // first writer wins
  auto saved = SaveArtifact(txn, tenant, event->body);
  if (!saved.ok()) return saved.status();
  const std::string agent = S(*event->body.Find("subject"), "agentId");
  if (absl::Status s = txn.Put(store::Table::kIndex, tenant, StrCat("rep/", agent, "/", event_id), ""); !s.ok()) {
    return s;
  }
  return event_id;
}

}  // namespace internal

namespace {

constexpr int64_t kDayMs = 86400000;

// Adds a fact's integer amount (absent or not a non-negative safe integer: nothing) to `sum`.
absl::Status AddCents(const json::Tree& facts, std::string_view key, int64_t* sum) {
  const json::Tree* v = facts.Find(key);
  if (v == nullptr || !v->is_number()) return absl::OkStatus();
  const double d = v->as_number();
  if (!(d >= 0 && d <= 9007199254740991.0) || std::floor(d) != d) return absl::OkStatus();
  if (__builtin_add_overflow(*sum, static_cast<int64_t>(d), sum)) {
    return Error(Code::kOutOfRange, "AMOUNT_OVERFLOW", StrCat("the sum of ", key, " overflows int64"));
  }
  return absl::OkStatus();
}

// Nearest-rank percentile of sorted values (null when there are none).
json::Tree NearestRank(const std::vector<double>& sorted, int p) {
  if (sorted.empty()) return json::Tree::Null();
  size_t rank = static_cast<size_t>(std::ceil(static_cast<double>(p) / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return json::Tree::Number(sorted[rank - 1]);
}

struct Event {
  int64_t at_ms;
  std::string id;
  json::Tree body;
};

}  // namespace

absl::StatusOr<std::string> Kernel::ReputationFacts(std::string_view tenant, std::string_view request_json) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  auto doc = ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  json::Value req = doc->root();
  static constexpr std::string_view kMembers[] = {"agentId", "toolId", "window", "asOf", "includeEvents"};
  for (size_t i = 0; i < req.size(); ++i) {
    if (!OneOf(kMembers, req.key_at(i))) {
      return Error(Code::kInvalidArgument, "SCHEMA_INVALID", StrCat("unknown member ", req.key_at(i)));
    }
  }
  const std::string agent = Str(req, "agentId");
  if (agent.empty() || agent.size() > 128 || agent.find('/') != std::string::npos) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "agentId is 1..128 characters without '/'");
  }
  const bool has_tool = req.Find("toolId").present() && !req.Find("toolId").is_null();
  if (has_tool && !req.Find("toolId").is_string()) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "toolId is a string or null");
  }
  const std::string tool = has_tool ? std::string(req.Find("toolId").as_string()) : std::string();
  const std::string window = req.Find("window").present() ? Str(req, "window") : "allTime";
  int64_t window_ms = 0;
  if (window == "7d") {
    window_ms = 7 * kDayMs;
  } else if (window == "30d") {
    window_ms = 30 * kDayMs;
  } else if (window != "allTime") {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "window is 7d, 30d or allTime");
  }
  // asOf is an argument: the kernel reads no clock, so the same store and request give the same
  // bytes (07 step 11 re-reads with asOf pinned and requires identical facts).
  const std::string as_of = Str(req, "asOf");
  auto as_of_ms = TimeMs(as_of, "asOf");
  if (!as_of_ms.ok()) return as_of_ms.status();
  json::Value include = req.Find("includeEvents");
  if (include.present() && !include.is_bool()) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "includeEvents is a boolean");
  }
  const bool include_events = include.present() && include.as_bool();

  std::vector<Event> events;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    std::vector<std::string> ids;
    const std::string prefix = StrCat("rep/", agent, "/");
    absl::Status scan = txn.Scan(store::Table::kIndex, tenant, prefix, [&](std::string_view key, std::string_view) {
      ids.emplace_back(key.substr(prefix.size()));
      return ids.size() <= kReputationEventsMax;
    });
    if (!scan.ok()) return scan;
    if (ids.size() > kReputationEventsMax) {
      return Error(Code::kResourceExhausted, "REPUTATION_TOO_MANY_EVENTS",
                   StrCat("agent ", agent, " has more than ", kReputationEventsMax, " reputation events"));
    }
    for (const std::string& id : ids) {
      auto text = txn.Get(store::Table::kObjects, tenant, StrCat("art/", id));
      if (!text.ok()) return text.status();
      auto body = text->has_value() ? json::Tree::Parse(**text) : absl::StatusOr<json::Tree>(absl::NotFoundError(""));
      if (!body.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("reputation event ", id, " is missing or unreadable"));
      const json::Tree* subject = body->Find("subject");
      if (subject == nullptr || S(*subject, "agentId") != agent) {
        return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("reputation event ", id, " is indexed under another agent"));
      }
      if (has_tool && S(*subject, "toolId") != tool) continue;
      auto at = TimeMs(S(*body, "occurredAt"), "occurredAt");
      if (!at.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("reputation event ", id, " has no valid occurredAt"));
      if (*at > *as_of_ms || (window_ms > 0 && *at <= *as_of_ms - window_ms)) continue;
      events.push_back({*at, id, std::move(*body)});
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.id < b.id; });

  // The aggregate (computeReputationFactsAggregate's rules, 07 step 10).
  int64_t approved = 0, rejected = 0, opened = 0, payer_win = 0, payee_win = 0, partial = 0;
  int64_t settled = 0, refunded = 0, penalized = 0, auto_released = 0, adjusted = 0;
  std::vector<double> latencies;
  for (const Event& e : events) {
    const std::string kind = S(e.body, "eventKind");
    static const json::Tree kNoFacts = json::Tree::Object();
    const json::Tree* f = e.body.Find("facts");
    const json::Tree& facts = f != nullptr && f->is_object() ? *f : kNoFacts;
    if (kind == "decision_approved") ++approved;
    if (kind == "decision_rejected") ++rejected;
    if (kind == "dispute_opened") ++opened;
    if (kind == "verdict_issued") {
      const std::string outcome = S(facts, "verdictOutcome");
      if (outcome == "payer_win") ++payer_win;
      if (outcome == "payee_win") ++payee_win;
      if (outcome == "partial") ++partial;
    }
    if (kind == "holdback_auto_released") {
      if (auto a = AddCents(facts, facts.Find("autoReleasedCents") != nullptr ? "autoReleasedCents" : "amountCents",
                            &auto_released);
          !a.ok()) {
        return a;
      }
    }
    if (kind == "adjustment_applied") {
      if (auto a = AddCents(facts, "amountCents", &adjusted); !a.ok()) return a;
    }
    for (auto [key, sum] : {std::pair<std::string_view, int64_t*>{"amountSettledCents", &settled},
                            {"amountRefundedCents", &refunded},
                            {"amountPenalizedCents", &penalized}}) {
      if (auto a = AddCents(facts, key, sum); !a.ok()) return a;
    }
    const json::Tree* latency = facts.Find("latencyMs");
    if (latency != nullptr && latency->is_number() && std::isfinite(latency->as_number())) {
      latencies.push_back(latency->as_number());
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const int64_t decisions_total = approved + rejected;

  json::Tree decisions = json::Tree::Object();
  decisions.Add("total", N(decisions_total));
  decisions.Add("approved", N(approved));
  decisions.Add("rejected", N(rejected));
  json::Tree disputes = json::Tree::Object();
  disputes.Add("opened", N(opened));
  disputes.Add("payerWin", N(payer_win));
  disputes.Add("payeeWin", N(payee_win));
  disputes.Add("partial", N(partial));
  disputes.Add("rate", decisions_total == 0
                           ? json::Tree::Null()
                           : json::Tree::Number(std::round(static_cast<double>(opened) * 1e6 /
                                                           static_cast<double>(decisions_total)) / 1e6));
  json::Tree economics = json::Tree::Object();
  economics.Add("settledCents", N(settled));
  economics.Add("refundedCents", N(refunded));
  economics.Add("penalizedCents", N(penalized));
  economics.Add("autoReleasedCents", N(auto_released));
  economics.Add("adjustmentAppliedCents", N(adjusted));
  json::Tree latency = json::Tree::Object();
  latency.Add("count", N(static_cast<int64_t>(latencies.size())));
  latency.Add("p50", NearestRank(latencies, 50));
  latency.Add("p95", NearestRank(latencies, 95));
  json::Tree totals = json::Tree::Object();
  totals.Add("eventCount", N(static_cast<int64_t>(events.size())));
  totals.Add("decisions", std::move(decisions));
  totals.Add("disputes", std::move(disputes));
  totals.Add("economics", std::move(economics));
  totals.Add("latencyMs", std::move(latency));
  json::Tree facts = json::Tree::Object();
  facts.Add("totals", std::move(totals));

  json::Tree result = json::Tree::Object();
  result.Add("tenantId", T(std::string(tenant)));
  result.Add("agentId", T(agent));
  result.Add("toolId", has_tool ? T(tool) : json::Tree::Null());
  result.Add("window", T(window));
  result.Add("asOf", T(as_of));
  result.Add("windowStartAt", window_ms > 0 ? T(js::FormatIsoMs(*as_of_ms - window_ms)) : json::Tree::Null());
  result.Add("facts", std::move(facts));
  if (include_events) {
    json::Tree list = json::Tree::Array();
    for (Event& e : events) list.Push(std::move(e.body));
    result.Add("events", std::move(list));
  }
  return Canonical(result);
}

}  // namespace nooterra::agreement
