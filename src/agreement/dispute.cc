// Tool-call disputes: open (signed envelope), the holdback maintenance tick, and the verdict
// with its one adjustment (04-state-machines.md §3-4, 07-kernel-v0-conformance.md).
#include <algorithm>
#include <string>
#include <vector>

#include "agreement/records.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/ids.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using objects::ObjectType;
using Code = absl::StatusCode;

namespace {

// The hold's challenge window: open while now <= createdAt + challengeWindowMs.
absl::StatusOr<int64_t> WindowEndMs(const objects::Object& hold) {
  auto created = internal::TimeMs(S(hold.body, "createdAt"), "hold.createdAt");
  if (!created.ok()) return created.status();
  return *created + I(hold.body, "challengeWindowMs");
}

absl::StatusOr<objects::Object> LoadHeldHold(const store::ReadTxn& txn, std::string_view tenant,
                                             const std::string& hold_hash) {
  auto hold = internal::LoadObject(txn, tenant, ObjectType::kFundingHold, StrCat("hold/", hold_hash));
  if (!hold.ok()) return hold.status();
  if (!hold->has_value()) {
    return Error(Code::kNotFound, "HOLD_NOT_FOUND", StrCat("no hold ", hold_hash));
  }
  return std::move(**hold);
}

json::Tree Ref(std::string artifact_id, std::string artifact_hash) {
  json::Tree r = json::Tree::Object();
  r.Add("artifactId", T(std::move(artifact_id)));
  if (!artifact_hash.empty()) r.Add("artifactHash", T(std::move(artifact_hash)));
  return r;
}

// A signature counts only if its agent was active at the time the signed document gives
// (`signed_at`, its `field`): else DISPUTE_INVALID_SIGNER.
absl::Status SignerActiveAt(const store::ReadTxn& txn, std::string_view tenant, const std::string& agent,
                            const std::string& signed_at, std::string_view role, std::string_view field) {
  auto at_ms = internal::TimeMs(signed_at, field);
  if (!at_ms.ok()) return at_ms.status();
  auto status = internal::AgentStatusAt(txn, tenant, agent, *at_ms);
  if (!status.ok()) return status.status();
  if (*status == "active") return absl::OkStatus();
  return Error(Code::kInvalidArgument, "DISPUTE_INVALID_SIGNER", StrCat("the ", role, " ", agent, " was ", *status, " at ", field));
}

// The dispute-open envelope: a DisputeOpenEnvelope.v1 signed by the opener's registered key and
// bound to this case, tenant, agreement, receipt and hold.
absl::Status CheckEnvelope(const store::ReadTxn& txn, std::string_view tenant, json::Value envelope,
                           const std::string& opener, const std::string& case_id, const std::string& agreement,
                           const std::string& receipt, const std::string& hold_hash) {
  auto opener_agent = internal::LoadAgent(txn, tenant, opener);
  if (!opener_agent.ok()) return opener_agent.status();
  std::string envelope_text;
  (void)json::AppendCanonical(envelope, &envelope_text);
  auto report = objects::VerifyObject(envelope_text, absl::MakeConstSpan(&opener_agent->key, 1));
  if (!report.ok()) return report.status();
  if (report->type != ObjectType::kDisputeOpenEnvelope) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "disputeOpenEnvelope is not a DisputeOpenEnvelope.v1");
  }
  if (Str(envelope, "signerKeyId") != opener_agent->key_id || report->signatures_verified != 1) {
    return Error(Code::kInvalidArgument, "DISPUTE_INVALID_SIGNER",
                 "the envelope is not signed by the opener's registered key");
  }
  if (!report->ok) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                 StrCat("disputeOpenEnvelope: ", report->errors.front().code, ": ",
                        report->errors.front().message));
  }
  if (Str(envelope, "openedByAgentId") != opener) {
    return Error(Code::kInvalidArgument, "DISPUTE_INVALID_SIGNER",
                 "openedByAgentId differs from the envelope's");
  }
  // The signer's key must have been live when the envelope says it was signed.
  if (auto live = SignerActiveAt(txn, tenant, opener, Str(envelope, "openedAt"), "opener", "openedAt"); !live.ok()) {
    return live;
  }
  if (Str(envelope, "caseId") != case_id || Str(envelope, "tenantId") != tenant ||
      Str(envelope, "agreementHash") != agreement || Str(envelope, "receiptHash") != receipt ||
      Str(envelope, "holdHash") != hold_hash) {
    return Error(Code::kInvalidArgument, "TOOL_CALL_DISPUTE_BINDING_MISMATCH",
                 "the envelope binds another case, tenant, agreement, receipt or hold");
  }
  return absl::OkStatus();
}

// Request-hash binding evidence (05 §5): when the hold pinned the tool call's request (its
// execution intent's requestFingerprint.requestSha256), the evidence must name that hash as
// "http:request_sha256:<sha>": none is <phase>_BINDING_EVIDENCE_REQUIRED, two different values or
// another hash <phase>_BINDING_EVIDENCE_MISMATCH. A hold without an intent has no source; the
// reference then looks for an x402 receipt (which the kernel does not keep) and answers
// X402_TOOL_CALL_BINDING_SOURCE_REQUIRED, here such a dispute proceeds without the check.
absl::Status CheckBindingEvidence(const json::Tree& hold, const std::vector<std::string>& refs, std::string_view phase) {
  const json::Tree* meta = hold.Find("metadata");
  const json::Tree* intent = meta != nullptr ? meta->Find("executionIntent") : nullptr;
  const json::Tree* fingerprint = intent != nullptr ? intent->Find("requestFingerprint") : nullptr;
  const std::string expected = fingerprint != nullptr ? S(*fingerprint, "requestSha256") : "";
  if (!js::IsHex64(expected)) return absl::OkStatus();
  constexpr std::string_view kPrefix = "http:request_sha256:";
  std::string found;
  bool conflict = false;
  for (const std::string& ref : refs) {
    if (ref.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    const std::string value = ref.substr(kPrefix.size());
    if (found.empty()) {
      found = value;
    } else if (value != found) {
      conflict = true;
    }
  }
  if (found.empty()) {
    return Error(Code::kInvalidArgument, StrCat("X402_TOOL_CALL_", phase, "_BINDING_EVIDENCE_REQUIRED"),
                 StrCat("the hold binds request ", expected, ": give evidence http:request_sha256:", expected));
  }
  if (conflict || found != expected) {
    return Error(Code::kInvalidArgument, StrCat("X402_TOOL_CALL_", phase, "_BINDING_EVIDENCE_MISMATCH"),
                 StrCat("the evidence names request ", conflict ? "hashes that differ" : found, ", the hold binds ", expected));
  }
  return absl::OkStatus();
}

// Evidence references as the case keeps them: strings, trimmed.
std::vector<std::string> TrimmedRefs(json::Value refs) {
  std::vector<std::string> out;
  for (size_t i = 0; refs.is_array() && i < refs.size(); ++i) {
    if (refs.at(i).is_string()) out.emplace_back(js::TrimJs(refs.at(i).as_string()));
  }
  return out;
}

// The case's metadata.override: {enabled:false}, or the operator's {enabled:true, reason,
// openedByPrincipalId} from the request's adminOverride (see OpenDispute in agreement.h).
absl::StatusOr<json::Tree> AdminOverride(json::Value req) {
  json::Tree out = json::Tree::Object();
  const json::Value o = req.Find("adminOverride");
  if (!o.present() || o.is_null()) {
    out.Add("enabled", json::Tree::Bool(false));
    return out;
  }
  const json::Value reason = o.Find("reason"), principal = o.Find("principalId");
  const std::string_view r = reason.is_string() ? js::TrimJs(reason.as_string()) : std::string_view();
  const std::string_view p = principal.is_string() ? js::TrimJs(principal.as_string()) : std::string_view();
  if (!o.is_object() || o.size() != 2 || r.empty() || js::Utf16Length(r) > 2000 || p.empty() ||
      js::Utf16Length(p) > 200) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                 "adminOverride is {\"reason\": 1..2000 characters, \"principalId\": 1..200 characters}");
  }
  out.Add("enabled", json::Tree::Bool(true));
  out.Add("reason", T(std::string(r)));
  out.Add("openedByPrincipalId", T(std::string(p)));
  return out;
}

// The case's arbiter: named by the request, or drawn from its panel (see OpenDispute in
// agreement.h). `metadata` receives assignmentHash and the sorted candidates of a draw.
// `parties` (payer, payee, opener) may be neither the named arbiter nor a panel candidate:
// nobody judges their own dispute (the reference does not check; DISPUTE_ARBITER_IS_PARTY is
// ours). A panel is refused whole, not just when the draw lands on a party, so that whether a
// request is valid does not depend on the hash.
absl::StatusOr<std::string> AssignArbiter(const store::ReadTxn& txn, std::string_view tenant, json::Value req,
                                          const std::string& agreement, absl::Span<const std::string> parties,
                                          json::Tree* metadata) {
  const json::Value named = req.Find("arbiterAgentId"), panel = req.Find("panelCandidateAgentIds");
  if (named.present() == panel.present()) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                 "give exactly one of arbiterAgentId and panelCandidateAgentIds");
  }
  const auto party = [&](std::string_view id) { return std::find(parties.begin(), parties.end(), id) != parties.end(); };
  if (named.present()) {
    const std::string arbiter = Str(req, "arbiterAgentId");
    if (party(arbiter)) {
      return Error(Code::kInvalidArgument, "DISPUTE_ARBITER_IS_PARTY",
                   StrCat("arbiter ", arbiter, " is the payer, the payee or the opener of this dispute"));
    }
    if (auto a = internal::LoadAgent(txn, tenant, arbiter); !a.ok()) return a.status();
    return arbiter;
  }
  if (!panel.is_array() || panel.size() == 0 || panel.size() > kPanelCandidatesMax) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                 StrCat("panelCandidateAgentIds must be an array of 1..", kPanelCandidatesMax, " agent ids"));
  }
  std::vector<std::string> candidates;
  for (size_t i = 0; i < panel.size(); ++i) {
    const json::Value c = panel.at(i);
    const std::string_view id = c.is_string() ? js::TrimJs(c.as_string()) : std::string_view();
    if (id.size() < 3 || js::Utf16Length(id) > 128) {
      return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                   StrCat("panelCandidateAgentIds[", i, "] must be an agent id of 3..128 characters"));
    }
    if (party(id)) {
      return Error(Code::kInvalidArgument, "DISPUTE_ARBITER_IS_PARTY",
                   StrCat("panelCandidateAgentIds[", i, "] ", id, " is the payer, the payee or the opener of this dispute"));
    }
    if (std::find(candidates.begin(), candidates.end(), id) == candidates.end()) candidates.emplace_back(id);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const std::string& a, const std::string& b) { return js::LocaleCompare(a, b) < 0; });
  json::Tree sorted = json::Tree::Array();
  for (const std::string& c : candidates) sorted.Push(T(c));
  json::Tree basis = json::Tree::Object();
  basis.Add("tenantId", T(std::string(tenant)));
  basis.Add("runId", T(ids::ToolCallRunId(agreement)));
  basis.Add("disputeId", T(ids::ToolCallDisputeId(agreement)));
  basis.Add("panelCandidateAgentIds", sorted);
  const std::string assignment = crypto::Sha256Hex(Canonical(basis));
  const uint64_t draw = std::stoull(assignment.substr(0, 8), nullptr, 16);  // parseInt(hex[0..8), 16)
  const std::string& arbiter = candidates[draw % candidates.size()];
  if (auto a = internal::LoadAgent(txn, tenant, arbiter); !a.ok()) return a.status();
  metadata->Add("assignmentHash", T(assignment));
  metadata->Add("panelCandidateAgentIds", std::move(sorted));
  return arbiter;
}

}  // namespace

absl::StatusOr<Result> Kernel::OpenDispute(std::string_view tenant, std::string_view request_json,
                                           std::string_view now, std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  auto now_ms = internal::TimeMs(now, "now");
  if (!now_ms.ok()) return now_ms.status();
  json::Value req = doc->root();
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "openDispute", Canonical(req),
                       [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
      const std::string agreement = Str(req, "agreementHash"), receipt = Str(req, "receiptHash"),
                        hold_hash = Str(req, "holdHash");
      for (const std::string* h : {&agreement, &receipt, &hold_hash}) {
        if (h->size() != 64 || h->find_first_not_of("0123456789abcdef") != std::string::npos) {
          return Error(Code::kInvalidArgument, "SCHEMA_INVALID",
                       "agreementHash, receiptHash and holdHash must be sha256 hex");
        }
      }
      auto override_meta = AdminOverride(req);  // second, as the reference checks it
      if (!override_meta.ok()) return override_meta.status();
      const bool overridden = override_meta->Find("reason") != nullptr;
      auto hold = LoadHeldHold(txn, tenant, hold_hash);
      if (!hold.ok()) return hold.status();
      if (S(hold->body, "agreementHash") != agreement || S(hold->body, "receiptHash") != receipt) {
        return Error(Code::kInvalidArgument, "TOOL_CALL_DISPUTE_BINDING_MISMATCH",
                     "the hold does not bind this agreementHash and receiptHash");
      }
      if (S(hold->body, "status") != "held") {
        return Error(Code::kFailedPrecondition, "HOLD_NOT_ACTIVE",
                     StrCat("hold ", hold_hash, " is ", S(hold->body, "status")));
      }
      auto window_end = WindowEndMs(*hold);
      if (!window_end.ok()) return window_end.status();
      if (*now_ms > *window_end && !overridden) {
        return Error(Code::kFailedPrecondition, "DISPUTE_WINDOW_EXPIRED",
                     "the hold's challenge window has closed");
      }
      const std::string case_id = ids::ToolCallCaseId(agreement);
      if (req.Find("caseId").present() && Str(req, "caseId") != case_id) {
        return Error(Code::kInvalidArgument, "CASE_ID_NOT_DETERMINISTIC",
                     StrCat("a tool-call case id is ", case_id));
      }
      auto existing = internal::LoadObject(txn, tenant, ObjectType::kArbitrationCase, StrCat("case/", case_id));
      if (!existing.ok()) return existing.status();
      if (existing->has_value()) {
        if (S((*existing)->body, "status") != "closed") {
          return Error(Code::kFailedPrecondition, "DISPUTE_ALREADY_OPEN",
                       StrCat("case ", case_id, " is open"));
        }
        json::Tree result = json::Tree::Object();
        result.Add("arbitrationCase", (*existing)->body);
        result.Add("alreadyExisted", json::Tree::Bool(true));
        return Canonical(result);
      }
      // The envelope: mandatory (unless an operator overrides), valid, signed by the opener's
      // registered key, and bound.
      json::Value envelope = req.Find("disputeOpenEnvelope");
      const std::string opener = Str(req, "openedByAgentId");
      const std::string payer = S(hold->body, "payerAgentId"), payee = S(hold->body, "payeeAgentId");
      if (!overridden && opener != payer && opener != payee) {
        return Error(Code::kInvalidArgument, "DISPUTE_INVALID_SIGNER",
                     "only the payer or the payee of the hold can open a dispute");
      }
      if (overridden && !envelope.present()) {
        if (opener.size() < 3 || js::Utf16Length(opener) > 128) {
          return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "openedByAgentId must be an agent id of 3..128 characters");
        }
      } else if (!envelope.is_object()) {
        return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "disputeOpenEnvelope is required");
      } else {
        if (auto checked = CheckEnvelope(txn, tenant, envelope, opener, case_id, agreement, receipt, hold_hash);
            !checked.ok()) {
          return checked;
        }
      }
      json::Tree assignment = json::Tree::Object();
      const std::string parties[] = {payer, payee, opener};
      auto arbiter = AssignArbiter(txn, tenant, req, agreement, parties, &assignment);
      if (!arbiter.ok()) return arbiter.status();
      // Participant lifecycle guards: the parties, the opener and the arbiter are active now.
      const std::pair<std::string_view, std::string_view> participants[] = {
          {payer, "payer"}, {payee, "payee"}, {opener, "opener"}, {*arbiter, "arbiter"}};
      for (const auto& [agent, role] : participants) {
        if (auto a = internal::RequireActive(txn, tenant, agent, *now_ms, role); !a.ok()) return a;
      }
      if (auto b = CheckBindingEvidence(hold->body, TrimmedRefs(req.Find("evidenceRefs")), "OPEN"); !b.ok()) return b;
      if (Str(req, "summary").empty()) {
        return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "summary is required");
      }
      // Effects: the case (revision 1, under_review) and its two artifacts.
      json::Tree meta = json::Tree::Object();
      meta.Add("caseType", T("tool_call"));
      meta.Add("agreementHash", T(agreement));
      meta.Add("receiptHash", T(receipt));
      meta.Add("holdHash", T(hold_hash));
      meta.Add("override", std::move(*override_meta));
      if (envelope.present()) {
        json::Tree envelope_ref = json::Tree::Object();
        envelope_ref.Add("artifactId", T(Str(envelope, "artifactId")));
        for (std::string_view k : {"envelopeHash", "signerKeyId", "openedByAgentId", "openedAt", "reasonCode", "nonce"}) {
          envelope_ref.Add(k, T(Str(envelope, k)));
        }
        meta.Add("disputeOpenEnvelopeRef", std::move(envelope_ref));
      }
      for (const auto& [k, v] : assignment.members()) meta.Add(k, v);
      json::Tree inputs = json::Tree::Object();
      inputs.Add("caseId", T(case_id));
      inputs.Add("tenantId", T(std::string(tenant)));
      inputs.Add("runId", T(ids::ToolCallRunId(agreement)));
      inputs.Add("settlementId", T(ids::ToolCallSettlementId(agreement)));
      inputs.Add("disputeId", T(ids::ToolCallDisputeId(agreement)));
      inputs.Add("claimantAgentId", T(opener));
      inputs.Add("respondentAgentId", T(opener == payee ? payer : payee));  // an operator's case is against the payee
      inputs.Add("arbiterAgentId", T(*arbiter));
      inputs.Add("status", T("under_review"));
      inputs.Add("openedAt", T(std::string(now)));
      inputs.Add("summary", T(Str(req, "summary")));
      inputs.Add("evidenceRefs", req.Find("evidenceRefs").present() ? json::Tree::FromValue(req.Find("evidenceRefs"))
                                                                   : json::Tree::Array());
      inputs.Add("metadata", std::move(meta));
      auto case_record = objects::Build(ObjectType::kArbitrationCase, Canonical(inputs));
      if (!case_record.ok()) return case_record.status();
      if (auto w = internal::SaveObject(txn, tenant, StrCat("case/", case_id), *case_record, true); !w.ok()) return w;
      const std::string case_artifact_id = ids::CaseArtifactId(case_id, 1);
      auto case_hash = internal::SaveArtifact(txn, tenant, internal::CaseArtifactBody(case_record->body, case_artifact_id));
      if (!case_hash.ok()) return case_hash.status();
      std::string envelope_hash;
      if (envelope.present()) {
        auto saved = internal::SaveArtifact(txn, tenant, json::Tree::FromValue(envelope));
        if (!saved.ok()) return saved.status();
        envelope_hash = *saved;
      }
      // Reputation: dispute_opened, about the payee, sourced from the revision-1 case artifact.
      json::Tree source = json::Tree::Object();
      source.Add("kind", T("arbitration_case"));
      source.Add("artifactId", T(case_artifact_id));
      source.Add("hash", T(*case_hash));
      source.Add("caseId", T(case_id));
      source.Add("agreementHash", T(agreement));
      source.Add("receiptHash", T(receipt));
      source.Add("holdHash", T(hold_hash));
      json::Tree facts = json::Tree::Object();
      facts.Add("openedByAgentId", T(opener));
      facts.Add("openedByRole", T(opener == payer ? "payer" : opener == payee ? "payee" : "operator"));
      facts.Add("reasonCode", T(envelope.present() ? Str(envelope, "reasonCode") : std::string("ADMIN_OVERRIDE")));
      facts.Add("amountCents", N(I(hold->body, "heldAmountCents")));
      if (auto e = EmitReputationEvent(txn, tenant, ids::DisputeReputationEventId(agreement), "dispute_opened", now,
                                       ToolCallSubject(hold->body), std::move(source), std::move(facts));
          !e.ok()) {
        return e.status();
      }
      json::Tree result = json::Tree::Object();
      result.Add("arbitrationCase", case_record->body);
      result.Add("arbitrationCaseArtifact", Ref(case_artifact_id, *case_hash));
      if (envelope.present()) {
        result.Add("disputeOpenEnvelopeArtifact", Ref(Str(envelope, "artifactId"), envelope_hash));
      }
      return Canonical(result);
  });
}

absl::StatusOr<Result> Kernel::RunHoldbackMaintenance(std::string_view tenant, std::string_view now,
                                                      bool dry_run, uint32_t limit) {
  auto now_ms = internal::TimeMs(now, "now");
  if (!now_ms.ok()) return now_ms.status();
  if (limit == 0 || limit > kMaintenanceLimitMax) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", StrCat("limit is 1..", kMaintenanceLimitMax));
  }
  json::Tree result;
  absl::Status s = store_->Write([&](store::WriteTxn& txn) -> absl::Status {
    std::vector<std::string> held;
    absl::Status scan = txn.Scan(store::Table::kIndex, tenant, "held/", [&](std::string_view key, std::string_view) {
      held.emplace_back(key.substr(5));
      return held.size() < limit;
    });
    if (!scan.ok()) return scan;
    internal::EscrowAccount escrow(txn, tenant);
    int64_t attempted = 0, released = 0, blocked = 0, errors = 0;
    json::Tree blocked_cases = json::Tree::Array();
    for (const std::string& hold_hash : held) {
      ++attempted;
      auto hold = LoadHeldHold(txn, tenant, hold_hash);
      if (!hold.ok() || S(hold->body, "status") != "held") {
        ++errors;
        continue;
      }
      auto window_end = WindowEndMs(*hold);
      if (!window_end.ok()) {
        ++errors;
        continue;
      }
      if (*now_ms <= *window_end) continue;  // strictly after the window only
      const std::string agreement = S(hold->body, "agreementHash");
      const std::string case_id = ids::ToolCallCaseId(agreement);
      auto open_case = internal::LoadObject(txn, tenant, ObjectType::kArbitrationCase, StrCat("case/", case_id));
      if (!open_case.ok()) return open_case.status();
      if (open_case->has_value() && S((*open_case)->body, "status") != "closed") {
        const json::Tree* meta = (*open_case)->body.Find("metadata");
        if (meta != nullptr && (S(*meta, "holdHash") == hold_hash || S(*meta, "receiptHash") == S(hold->body, "receiptHash"))) {
          ++blocked;  // frozen while disputed
          json::Tree b = json::Tree::Object();
          b.Add("holdHash", T(hold_hash));
          b.Add("caseId", T(case_id));
          blocked_cases.Push(std::move(b));
          continue;
        }
      }
      if (dry_run) continue;
      const int64_t amount = I(hold->body, "heldAmountCents");
      const std::string currency = S(hold->body, "currency");
      if (amount > 0) {
        ledger::Entry release = ledger::Move(
            ids::EscrowJournalEntryId(tenant, ids::EscrowAutoReleaseOperationId(hold_hash)),
            Wallet(S(hold->body, "payerAgentId"), currency, ledger::Bucket::kEscrow),
            Wallet(S(hold->body, "payeeAgentId"), currency, ledger::Bucket::kAvailable), amount);
        if (auto p = ledger::Post(txn, tenant, release); !p.ok()) return p;
      }
      escrow.Add(S(hold->body, "payerAgentId"), currency, -amount);  // held -> released
      json::Tree meta = json::Tree::Object();
      meta.Add("autoReleased", json::Tree::Bool(true));
      auto resolved = internal::ResolveHoldFor(*hold, "released", now, std::move(meta));
      if (!resolved.ok()) return resolved.status();
      if (auto w = internal::SaveObject(txn, tenant, StrCat("hold/", hold_hash), *resolved, false); !w.ok()) return w;
      if (auto w = txn.Delete(store::Table::kIndex, tenant, StrCat("held/", hold_hash)); !w.ok()) return w;
      ++released;
      json::Tree source = json::Tree::Object();
      source.Add("kind", T("funding_hold"));
      source.Add("holdHash", T(hold_hash));
      source.Add("agreementHash", T(agreement));
      source.Add("receiptHash", T(S(hold->body, "receiptHash")));
      json::Tree facts = json::Tree::Object();
      facts.Add("autoReleasedCents", N(amount));
      facts.Add("amountSettledCents", N(amount));
      if (auto e = EmitReputationEvent(txn, tenant, ids::AutoReleaseReputationEventId(agreement),
                                       "holdback_auto_released", now, ToolCallSubject(hold->body), std::move(source),
                                       std::move(facts));
          !e.ok()) {
        return e.status();
      }
    }
    if (auto v = escrow.Verify(); !v.ok()) return v;
    result = json::Tree::Object();
    result.Add("ok", json::Tree::Bool(true));
    result.Add("tenantId", T(std::string(tenant)));
    result.Add("dryRun", json::Tree::Bool(dry_run));
    result.Add("attempted", N(attempted));
    result.Add("released", N(released));
    result.Add("blocked", N(blocked));
    result.Add("errors", N(errors));
    result.Add("blockedCases", std::move(blocked_cases));
    // A tick that moved money is an operation like any other: logged, so a replay repeats it.
    if (released > 0) {
      json::Tree request = json::Tree::Object();
      request.Add("limit", N(limit));
      return internal::AppendOplog(txn, tenant, "maintenance", Canonical(request), now, "", Canonical(result));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (internal::ReadBackChecks() && !dry_run) {
    if (absl::Status r = internal::ReadBack(*store_, tenant); !r.ok()) return r;
  }
  return Result{Canonical(result), false};
}

absl::StatusOr<Result> Kernel::SubmitVerdict(std::string_view tenant, std::string_view case_id,
                                             std::string_view verdict_json, std::string_view now,
                                             std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(verdict_json);
  if (!doc.ok()) return doc.status();
  auto now_ms = internal::TimeMs(now, "now");
  if (!now_ms.ok()) return now_ms.status();
  json::Value verdict_in = doc->root();
  json::Tree request = json::Tree::Object();
  request.Add("caseId", T(std::string(case_id)));
  request.Add("verdict", json::Tree::FromValue(verdict_in));
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "submitVerdict", Canonical(request),
                       [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
      auto stored_case = internal::LoadObject(txn, tenant, ObjectType::kArbitrationCase, StrCat("case/", case_id));
      if (!stored_case.ok()) return stored_case.status();
      const json::Tree* meta = stored_case->has_value() ? (*stored_case)->body.Find("metadata") : nullptr;
      if (!stored_case->has_value() || meta == nullptr || S(*meta, "caseType") != "tool_call") {
        return Error(Code::kNotFound, "CASE_NOT_FOUND", StrCat("no tool-call case ", case_id));
      }
      const json::Tree& c = (*stored_case)->body;
      const std::string agreement = S(*meta, "agreementHash"), hold_hash = S(*meta, "holdHash");
      const std::string adjustment_id = ids::HoldbackAdjustmentId(agreement);
      // An adjustment already applied answers every later verdict (exactly one per agreement).
      auto existing = internal::LoadObject(txn, tenant, ObjectType::kSettlementAdjustment, StrCat("adj/", adjustment_id));
      if (!existing.ok()) return existing.status();
      if (existing->has_value()) {
        json::Tree result = json::Tree::Object();
        result.Add("alreadyExisted", json::Tree::Bool(true));
        result.Add("settlementAdjustment", (*existing)->body);
        result.Add("arbitrationCaseArtifact", Ref(ids::CaseArtifactId(case_id, I(c, "revision")), ""));
        result.Add("arbitrationVerdictArtifact", Ref(ids::VerdictArtifactId(S(c, "verdictId")), ""));
        return Canonical(result);
      }
      auto hold = LoadHeldHold(txn, tenant, hold_hash);
      if (!hold.ok()) return hold.status();
      if (S(hold->body, "status") != "held") {
        return Error(Code::kFailedPrecondition, "HOLD_NOT_ACTIVE", StrCat("hold ", hold_hash, " is ", S(hold->body, "status")));
      }
      const std::string status = S(c, "status");
      if (status != "open" && status != "under_review") {
        return Error(Code::kFailedPrecondition, "TRANSITION_ILLEGAL", StrCat("case ", case_id, " is ", status));
      }
      // The signed verdict: ids come from the case, the signature from the arbiter's key.
      if (Str(verdict_in, "caseId") != case_id) {
        return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "verdict.caseId is not this case");
      }
      json::Tree inputs = json::Tree::FromValue(verdict_in);
      for (std::string_view k : {"tenantId", "runId", "settlementId", "disputeId"}) inputs.Set(k, *c.Find(k));
      for (std::string_view k : {"artifactType", "artifactId", "artifactHash", "revision", "createdAt", "updatedAt"}) {
        inputs.Erase(k);
      }
      if (!inputs.Find("evidenceRefs")) inputs.Set("evidenceRefs", json::Tree::Array());
      if (!inputs.Find("appealRef")) inputs.Set("appealRef", json::Tree::Null());
      auto verdict = objects::Build(ObjectType::kArbitrationVerdict, Canonical(inputs));
      if (!verdict.ok()) return verdict.status();
      const std::string arbiter = S(c, "arbiterAgentId");
      auto arbiter_agent = internal::LoadAgent(txn, tenant, arbiter);
      if (!arbiter_agent.ok()) return arbiter_agent.status();
      if (S(verdict->body, "arbiterAgentId") != arbiter) {
        return Error(Code::kInvalidArgument, "DISPUTE_INVALID_SIGNER", "the verdict names another arbiter");
      }
      auto report = objects::VerifyObject(verdict->canonical, absl::MakeConstSpan(&arbiter_agent->key, 1));
      if (!report.ok()) return report.status();
      if (!report->ok || report->signatures_verified != 1 ||
          S(*verdict->body.Find("signature"), "signerKeyId") != arbiter_agent->key_id) {
        return Error(Code::kInvalidArgument, "DISPUTE_INVALID_SIGNER",
                     "the verdict is not signed by the arbiter's registered key");
      }
      // The arbiter's key was live when the verdict says it was issued, and the arbiter is now.
      if (auto live = SignerActiveAt(txn, tenant, arbiter, S(verdict->body, "issuedAt"), "arbiter", "issuedAt");
          !live.ok()) {
        return live;
      }
      if (auto a = internal::RequireActive(txn, tenant, arbiter, *now_ms, "arbiter"); !a.ok()) return a;
      const json::Tree* case_refs = c.Find("evidenceRefs");
      for (const json::Tree& ref : verdict->body.Find("evidenceRefs")->items()) {
        bool found = false;
        for (const json::Tree& cr : case_refs->items()) found = found || cr.as_string() == ref.as_string();
        if (!found) return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "verdict evidenceRefs must be case evidence");
      }
      std::vector<std::string> refs;
      for (const json::Tree* list : {case_refs, static_cast<const json::Tree*>(verdict->body.Find("evidenceRefs"))}) {
        for (const json::Tree& ref : list->items()) refs.push_back(ref.as_string());
      }
      if (auto b = CheckBindingEvidence(hold->body, refs, "VERDICT"); !b.ok()) return b;
      const int64_t rate = I(verdict->body, "releaseRatePct");
      if (rate != 0 && rate != 100) {
        return Error(Code::kInvalidArgument, "TOOL_CALL_VERDICT_NOT_BINARY", "a tool-call verdict releases 0 or 100 percent");
      }
      // Effects: one adjustment, its money, the hold resolved, the case closed, the artifacts.
      const bool release = rate == 100;
      const std::string verdict_hash = verdict->hash, issued_at = S(verdict->body, "issuedAt");
      const std::string verdict_id = S(verdict->body, "verdictId");
      const int64_t held = I(hold->body, "heldAmountCents");
      const std::string currency = S(hold->body, "currency");
      json::Tree verdict_ref = json::Tree::Object();
      verdict_ref.Add("caseId", T(std::string(case_id)));
      verdict_ref.Add("verdictHash", T(verdict_hash));
      json::Tree adj_meta = json::Tree::Object();
      adj_meta.Add("openedByCaseId", T(std::string(case_id)));
      json::Tree adj_inputs = json::Tree::Object();
      adj_inputs.Add("adjustmentId", T(adjustment_id));
      adj_inputs.Add("tenantId", T(std::string(tenant)));
      adj_inputs.Add("agreementHash", T(agreement));
      adj_inputs.Add("receiptHash", T(S(hold->body, "receiptHash")));
      adj_inputs.Add("holdHash", T(hold_hash));
      adj_inputs.Add("kind", T(release ? "holdback_release" : "holdback_refund"));
      adj_inputs.Add("amountCents", N(held));
      adj_inputs.Add("currency", T(currency));
      adj_inputs.Add("createdAt", T(issued_at));
      adj_inputs.Add("verdictRef", std::move(verdict_ref));
      adj_inputs.Add("metadata", std::move(adj_meta));
      auto adjustment = objects::Build(ObjectType::kSettlementAdjustment, Canonical(adj_inputs));
      if (!adjustment.ok()) return adjustment.status();
      if (I(adjustment->body, "amountCents") != held) {
        return Error(Code::kInternal, "INVARIANT_ADJUSTMENT_AMOUNT", "adjustment amount differs from the held amount");
      }
      if (auto w = internal::SaveObject(txn, tenant, StrCat("adj/", adjustment_id), *adjustment, true); !w.ok()) return w;
      if (held > 0) {
        const std::string payer = S(hold->body, "payerAgentId");
        const std::string to = release ? S(hold->body, "payeeAgentId") : payer;
        ledger::Entry move = ledger::Move(
            ids::EscrowJournalEntryId(tenant, release ? ids::EscrowReleaseOperationId(adjustment_id)
                                                      : ids::EscrowForfeitOperationId(adjustment_id)),
            Wallet(payer, currency, ledger::Bucket::kEscrow), Wallet(to, currency, ledger::Bucket::kAvailable), held);
        if (auto p = ledger::Post(txn, tenant, move); !p.ok()) return p;
      }
      internal::EscrowAccount escrow(txn, tenant);
      escrow.Add(S(hold->body, "payerAgentId"), currency, -held);  // held -> released | refunded
      if (auto v = escrow.Verify(); !v.ok()) return v;
      json::Tree hold_meta = json::Tree::Object();
      hold_meta.Add("adjustmentId", T(adjustment_id));
      hold_meta.Add("verdictHash", T(verdict_hash));
      hold_meta.Add("caseId", T(std::string(case_id)));
      auto resolved = internal::ResolveHoldFor(*hold, release ? "released" : "refunded", now, std::move(hold_meta));
      if (!resolved.ok()) return resolved.status();
      if (auto w = internal::SaveObject(txn, tenant, StrCat("hold/", hold_hash), *resolved, false); !w.ok()) return w;
      if (auto w = txn.Delete(store::Table::kIndex, tenant, StrCat("held/", hold_hash)); !w.ok()) return w;
      json::Tree closed = c;
      closed.Set("status", T("closed"));
      closed.Set("closedAt", T(std::string(now)));
      closed.Set("verdictId", T(verdict_id));
      closed.Set("verdictHash", T(verdict_hash));
      closed.Set("revision", N(2));
      closed.Set("updatedAt", T(std::string(now)));
      json::Tree closed_meta = *meta;
      closed_meta.Set("adjustmentId", T(adjustment_id));
      closed_meta.Set("verdictHash", T(verdict_hash));
      closed.Set("metadata", std::move(closed_meta));
      auto closed_case = objects::Parse(Canonical(closed));
      if (!closed_case.ok()) return closed_case.status();
      if (auto w = internal::SaveObject(txn, tenant, StrCat("case/", case_id), *closed_case, false); !w.ok()) return w;
      const std::string case_artifact_id = ids::CaseArtifactId(case_id, 2);
      auto case_hash = internal::SaveArtifact(txn, tenant, internal::CaseArtifactBody(closed_case->body, case_artifact_id));
      if (!case_hash.ok()) return case_hash.status();
      const std::string verdict_artifact_id = ids::VerdictArtifactId(verdict_id);
      json::Tree verdict_artifact = verdict->body;
      verdict_artifact.Set("artifactType", T("ArbitrationVerdict.v1"));
      verdict_artifact.Set("artifactId", T(verdict_artifact_id));
      auto verdict_artifact_hash = internal::SaveArtifact(txn, tenant, std::move(verdict_artifact));
      if (!verdict_artifact_hash.ok()) return verdict_artifact_hash.status();
      // Reputation: verdict_issued, penalty_dispute_lost when the payer wins, adjustment_applied.
      auto verdict_source = [&]() {
        json::Tree source = json::Tree::Object();
        source.Add("kind", T("arbitration_verdict"));
        source.Add("artifactId", T(verdict_artifact_id));
        source.Add("hash", T(*verdict_artifact_hash));
        source.Add("caseId", T(std::string(case_id)));
        source.Add("verdictHash", T(verdict_hash));
        source.Add("agreementHash", T(agreement));
        return source;
      };
      const std::string outcome = release ? "payee_win" : "payer_win";
      json::Tree verdict_facts = json::Tree::Object();
      verdict_facts.Add("verdictOutcome", T(outcome));
      verdict_facts.Add("releaseRatePct", N(rate));
      verdict_facts.Add("amountCents", N(held));
      verdict_facts.Add("arbiterAgentId", T(S(verdict->body, "arbiterAgentId")));
      if (auto e = EmitReputationEvent(txn, tenant, ids::VerdictReputationEventId(verdict_hash), "verdict_issued",
                                       issued_at, ToolCallSubject(hold->body), verdict_source(), std::move(verdict_facts));
          !e.ok()) {
        return e.status();
      }
      if (!release) {
        json::Tree penalty_facts = json::Tree::Object();
        penalty_facts.Add("verdictOutcome", T(outcome));
        penalty_facts.Add("amountCents", N(held));
        if (auto e = EmitReputationEvent(txn, tenant, "", "penalty_dispute_lost", issued_at, ToolCallSubject(hold->body),
                                         verdict_source(), std::move(penalty_facts));
            !e.ok()) {
          return e.status();
        }
      }
      json::Tree adj_source = json::Tree::Object();
      adj_source.Add("kind", T("settlement_adjustment"));
      adj_source.Add("sourceId", T(adjustment_id));
      adj_source.Add("hash", T(S(adjustment->body, "adjustmentHash")));
      adj_source.Add("adjustmentId", T(adjustment_id));
      adj_source.Add("agreementHash", T(agreement));
      adj_source.Add("holdHash", T(hold_hash));
      json::Tree adj_facts = json::Tree::Object();
      adj_facts.Add("adjustmentKind", T(release ? "holdback_release" : "holdback_refund"));
      adj_facts.Add("amountCents", N(held));
      adj_facts.Add(release ? "amountSettledCents" : "amountRefundedCents", N(held));
      if (auto e = EmitReputationEvent(txn, tenant, ids::AdjustmentReputationEventId(adjustment_id), "adjustment_applied",
                                       issued_at, ToolCallSubject(hold->body), std::move(adj_source), std::move(adj_facts));
          !e.ok()) {
        return e.status();
      }
      json::Tree verdict_summary = json::Tree::Object();
      verdict_summary.Add("verdictId", T(verdict_id));
      verdict_summary.Add("verdictHash", T(verdict_hash));
      json::Tree result = json::Tree::Object();
      result.Add("alreadyExisted", json::Tree::Bool(false));
      result.Add("settlementAdjustment", adjustment->body);
      result.Add("arbitrationVerdict", std::move(verdict_summary));
      result.Add("arbitrationCaseArtifact", Ref(case_artifact_id, *case_hash));
      result.Add("arbitrationVerdictArtifact", Ref(verdict_artifact_id, *verdict_artifact_hash));
      return Canonical(result);
  });
}

}  // namespace nooterra::agreement
