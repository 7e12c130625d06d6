// Agent lifecycle (AgentIdentity.v1 `status`: active | suspended | revoked) and the participant
// lifecycle guards of the tool-call machine (04 §4 "participant lifecycle guards", 02 §11 "signer
// key lifecycle-valid at openedAt", 06 §6.1 step 1).
//
// Record (per tenant): kObjects "agentstatus/<agentId>" = {"agentId","status","history":[{"status",
// "at","reason"}]} in the order the changes were made. An agent without the record has been
// active since it was registered. The status in effect at a time t is that of the last change at
// or before t, so a signature is judged by the status its signer had when it says it signed.
#include <string>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using Code = absl::StatusCode;

namespace internal {

namespace {

std::string StatusKey(std::string_view agent_id) { return StrCat("agentstatus/", agent_id); }

}  // namespace

absl::StatusOr<json::Tree> LoadStatusRecord(const store::ReadTxn& txn, std::string_view tenant,
                                            std::string_view agent_id) {
  auto bytes = txn.Get(store::Table::kObjects, tenant, StatusKey(agent_id));
  if (!bytes.ok()) return bytes.status();
  json::Tree record = json::Tree::Object();
  if (!bytes->has_value()) {  // never changed: active since registration
    record.Add("agentId", T(std::string(agent_id)));
    record.Add("status", T("active"));
    record.Add("history", json::Tree::Array());
    return record;
  }
  auto parsed = json::Tree::Parse(**bytes);
  const json::Tree* history = parsed.ok() ? parsed->Find("history") : nullptr;
  if (history == nullptr || !history->is_array()) {
    return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("agent status of ", agent_id, " does not parse"));
  }
  return std::move(*parsed);
}

absl::StatusOr<std::string> AgentStatusAt(const store::ReadTxn& txn, std::string_view tenant,
                                          std::string_view agent_id, int64_t at_ms) {
  auto record = LoadStatusRecord(txn, tenant, agent_id);
  if (!record.ok()) return record.status();
  const json::Tree* history = record->Find("history");
  std::string status = "active";
  for (const json::Tree& change : history->items()) {
    auto when = TimeMs(S(change, "at"), "at");
    if (!when.ok()) return Error(Code::kDataLoss, "STORE_CORRUPT", StrCat("agent status of ", agent_id, " has a bad time"));
    if (*when > at_ms) break;  // changes are stored in time order
    status = S(change, "status");
  }
  return status;
}

absl::Status RequireActive(const store::ReadTxn& txn, std::string_view tenant, std::string_view agent_id,
                           int64_t at_ms, std::string_view role) {
  auto status = AgentStatusAt(txn, tenant, agent_id, at_ms);
  if (!status.ok()) return status.status();
  if (*status == "active") return absl::OkStatus();
  return Error(Code::kFailedPrecondition, *status == "revoked" ? "AGENT_REVOKED" : "AGENT_SUSPENDED",
               StrCat("the ", role, " ", agent_id, " is ", *status));
}

}  // namespace internal

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)

absl::StatusOr<Result> Kernel::SetAgentStatus(std::string_view tenant, std::string_view agent_id,
                                              std::string_view request_json, std::string_view now,
                                              std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  auto now_ms = internal::TimeMs(now, "now");
  if (!now_ms.ok()) return now_ms.status();
  const json::Value req = doc->root();
  for (size_t i = 0; i < req.size(); ++i) {
    if (req.key_at(i) != "status" && req.key_at(i) != "reason") {
      return Error(Code::kInvalidArgument, "SCHEMA_INVALID", StrCat("unknown member ", req.key_at(i)));
    }
  }
  const std::string status = internal::Str(req, "status");
  if (status != "active" && status != "suspended" && status != "revoked") {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "status is active, suspended or revoked");
  }
  const json::Value reason_v = req.Find("reason");
  if (reason_v.present() && !reason_v.is_null() &&
      (!reason_v.is_string() || js::Utf16Length(reason_v.as_string()) > kAgentStatusReasonMax)) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                 StrCat("reason is a string of at most ", kAgentStatusReasonMax, " characters"));
  }
  const std::string reason = reason_v.is_string() ? std::string(js::TrimJs(reason_v.as_string())) : "";
  json::Tree logged = json::Tree::Object();
  logged.Add("agentId", internal::T(std::string(agent_id)));
  logged.Add("status", internal::T(status));
  if (!reason.empty()) logged.Add("reason", internal::T(reason));
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "setAgentStatus", internal::Canonical(logged),
                       [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    if (auto agent = internal::LoadAgent(txn, tenant, agent_id); !agent.ok()) return agent.status();
    auto loaded = LoadStatusRecord(txn, tenant, agent_id);
    if (!loaded.ok()) return loaded.status();
    json::Tree record = std::move(*loaded);
    const std::string current = internal::S(record, "status");
    json::Tree* history = record.Find("history");
    if (current == "revoked") {
      return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", StrCat("agent ", agent_id, " is revoked for good"));
    }
    if (current == status) {
      return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", StrCat("agent ", agent_id, " is already ", status));
    }
    if (history->items().size() >= kAgentStatusChangesMax) {
      return Error(Code::kResourceExhausted, "AGENT_STATUS_CHANGES_EXHAUSTED",
                   StrCat("an agent changes status at most ", kAgentStatusChangesMax, " times"));
    }
    if (!history->items().empty()) {
      auto last = internal::TimeMs(internal::S(history->items().back(), "at"), "at");
      if (last.ok() && *now_ms < *last) {
        return Error(Code::kFailedPrecondition, "AGENT_STATUS_TIME_REGRESSION",
                     "now is before the agent's last status change");
      }
    }
    json::Tree change = json::Tree::Object();
    change.Add("status", internal::T(status));
    change.Add("at", internal::T(std::string(now)));
    change.Add("reason", reason.empty() ? json::Tree::Null() : internal::T(reason));
    history->Push(std::move(change));
    record.Set("status", internal::T(status));
    const std::string text = internal::Canonical(record);
    if (auto w = txn.Put(store::Table::kObjects, tenant, StatusKey(agent_id), text); !w.ok()) return w;
    return text;
  });
}

absl::StatusOr<std::optional<std::string>> Kernel::GetAgentStatus(std::string_view tenant,
                                                                  std::string_view agent_id) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto agent = internal::LoadAgent(txn, tenant, agent_id);
    if (!agent.ok()) {
      if (agent.status().code() == Code::kNotFound) return absl::OkStatus();
      return agent.status();
    }
    auto record = LoadStatusRecord(txn, tenant, agent_id);
    if (!record.ok()) return record.status();
    out = Canonical(*record);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace nooterra::agreement
