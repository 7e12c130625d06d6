// The tool-call holdback state machine (include/nooterra/agreement.h).
//
// Each operation is one store write transaction: guards in the protocol's order first (nothing
// is written until every guard passed), then the artifacts, the ledger postings and the
// idempotency record. Invariants that must never break are asserted after the effects and
// abort the transaction (never the process) when they do.
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

std::string HoldKey(std::string_view h) { return StrCat("hold/", h); }
std::string CaseKey(std::string_view id) { return StrCat("case/", id); }




// The case artifact body of 02-object-model.md §12 (metadata and priority are not part of it).
json::Tree CaseArtifact(const json::Tree& c, std::string artifact_id) {
  json::Tree a = json::Tree::Object();
  a.Add("schemaVersion", T("ArbitrationCase.v1"));
  a.Add("artifactType", T("ArbitrationCase.v1"));
  a.Add("artifactId", T(std::move(artifact_id)));
  for (std::string_view k : {"caseId", "tenantId", "runId", "settlementId", "disputeId",
                             "claimantAgentId", "respondentAgentId", "arbiterAgentId", "status",
                             "openedAt", "closedAt", "summary", "evidenceRefs", "verdictId",
                             "verdictHash", "revision", "createdAt", "updatedAt"}) {
    const json::Tree* v = c.Find(k);
    a.Add(k, v != nullptr ? *v : json::Tree::Null());
  }
  const json::Tree* appeal = c.Find("appealRef");
  a.Add("appealRef", appeal != nullptr && appeal->is_object() && appeal->Find("parentCaseId") != nullptr
                         ? *appeal
                         : json::Tree::Null());
  return a;
}

// Resolves a held hold (released | refunded): lifecycle members only, so holdHash cannot move.
absl::StatusOr<objects::Object> ResolveHold(const objects::Object& hold, std::string_view status,
                                            std::string_view at, json::Tree metadata) {
  json::Tree body = hold.body;
  body.Set("status", T(std::string(status)));
  body.Set("revision", N(I(hold.body, "revision") + 1));
  body.Set("resolvedAt", T(std::string(at)));
  body.Set("updatedAt", T(std::string(at)));
  body.Set("metadata", std::move(metadata));
  // A state change edits the stored body; Parse re-validates every member and the normal form.
  auto resolved = objects::Parse(Canonical(body));
  if (!resolved.ok()) return resolved.status();
  if (resolved->hash != hold.hash) {
    return Error(Code::kInternal, "INVARIANT_HOLD_HASH", "resolving a hold changed its holdHash");
  }
  return resolved;
}

}  // namespace

absl::StatusOr<Result> Kernel::RegisterAgent(std::string_view tenant, std::string_view agent_id,
                                             std::string_view public_key_pem) {
  auto key = crypto::PublicKey::FromPem(public_key_pem);
  if (!key.ok()) return key.status();
  bool id_ok = agent_id.size() >= 3 && agent_id.size() <= 128;
  for (char c : agent_id) {
    id_ok = id_ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == ':' || c == '_' || c == '-');
  }
  if (!id_ok) return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "agent ids are 3..128 of [A-Za-z0-9:_-]");
  json::Tree record = json::Tree::Object();
  record.Add("agentId", T(std::string(agent_id)));
  record.Add("keyId", T(crypto::KeyIdFromPem(public_key_pem)));
  record.Add("publicKeyPem", T(std::string(public_key_pem)));
  const std::string text = Canonical(record);
  Result result{text, false};
  absl::Status s = store_->Write([&](store::WriteTxn& txn) -> absl::Status {
    auto existing = txn.Get(store::Table::kObjects, tenant, StrCat("agent/", agent_id));
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      if (**existing != text) {
        return Error(Code::kAlreadyExists, "AGENT_KEY_CONFLICT",
                     StrCat("agent ", agent_id, " is registered with another key"));
      }
      result.already_existed = true;
      return absl::OkStatus();
    }
    if (auto w = txn.Insert(store::Table::kObjects, tenant, StrCat("agent/", agent_id), text); !w.ok()) return w;
    return internal::AppendOplog(txn, tenant, "registerAgent", text, "", "", text);
  });
  if (!s.ok()) return s;
  return result;
}

absl::StatusOr<Result> Kernel::Deposit(std::string_view tenant, std::string_view agent_id,
                                       std::string_view currency, int64_t amount_cents,
                                       std::string_view idempotency_key) {
  json::Tree request = json::Tree::Object();
  request.Add("agentId", T(std::string(agent_id)));
  request.Add("currency", T(std::string(currency)));
  request.Add("amountCents", N(amount_cents));
  return internal::Run(store_, batch_, tenant, idempotency_key, "", "deposit", Canonical(request),
                       [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
      if (amount_cents < 1) return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "amountCents must be >= 1");
      const std::string entry_id = StrCat("deposit:", crypto::Sha256Hex(idempotency_key).substr(0, 32));
      if (auto p = ledger::Post(txn, tenant, ledger::Deposit(entry_id, agent_id, currency, amount_cents)); !p.ok()) {
        return p;
      }
      auto available = ledger::Balance(txn, tenant, Wallet(std::string(agent_id), std::string(currency),
                                                            ledger::Bucket::kAvailable));
      if (!available.ok()) return available.status();
      json::Tree o = request;
      o.Add("availableCents", N(*available));
      return Canonical(o);
  });
}

namespace internal {

absl::StatusOr<std::string> LockHoldIn(store::WriteTxn& txn, std::string_view tenant, json::Value req,
                                       std::string_view now, bool approved, bool* can_escalate) {
  if (can_escalate != nullptr) *can_escalate = false;
  const std::string payer = Str(req, "payerAgentId"), payee = Str(req, "payeeAgentId");
  if (!payer.empty() && payer == payee) {
    return Error(Code::kInvalidArgument, "TOOL_CALL_PARTIES_INVALID", "payer and payee must differ");
  }
  // Neither party may be suspended or revoked (06 §6.1 step 1).
  auto now_ms = TimeMs(now, "now");
  if (!now_ms.ok()) return now_ms.status();
  for (const auto& [agent, role] : {std::pair{&payer, "payer"}, std::pair{&payee, "payee"}}) {
    if (agent->empty()) continue;
    if (auto a = RequireActive(txn, tenant, *agent, *now_ms, role); !a.ok()) return a;
  }
  json::Value amount = req.Find("amountCents"), bps = req.Find("holdbackBps");
  if (!amount.is_number() || !bps.is_number() || amount.as_number() < 1 ||
      amount.as_number() > static_cast<double>(ledger::kAmountMax) || bps.as_number() < 0 ||
      bps.as_number() > 10000) {
    return Error(Code::kInvalidArgument, "SCHEMA_INVALID", "amountCents must be a safe integer >= 1 and holdbackBps 0..10000");
  }
  SpendContext spend{Str(req, "currency"), payee, Str(req, "agreementHash"),
                     StrCat("hold:", Str(req, "agreementHash"), ":", Str(req, "receiptHash"))};
  if (absl::Status s = policy::ParseRiskInputs(req, &spend.risk_score, &spend.risk_signals); !s.ok()) return s;
  const int64_t amount_cents = static_cast<int64_t>(amount.as_number());
  // held = min(amount, floor(amount * bps / 10000)), on 128-bit integers.
  const __int128 product = static_cast<__int128>(amount_cents) * static_cast<int64_t>(bps.as_number());
  const int64_t held = static_cast<int64_t>(std::min<__int128>(amount_cents, product / 10000));
  json::Tree inputs = json::Tree::Object();
  inputs.Add("tenantId", T(std::string(tenant)));
  for (std::string_view k : {"agreementHash", "receiptHash", "payerAgentId", "payeeAgentId", "amountCents", "currency",
                             "holdbackBps", "challengeWindowMs"}) {
    if (req.Find(k).present()) inputs.Add(k, json::Tree::FromValue(req.Find(k)));
  }
  inputs.Add("heldAmountCents", N(held));
  inputs.Add("createdAt", req.Find("createdAt").is_string() ? T(std::string(js::TrimJs(req.Find("createdAt").as_string())))
                                                            : T(std::string(now)));
  if (json::Value intent = req.Find("executionIntent"); intent.is_object()) {
    json::Tree ei = json::Tree::Object();
    const std::string_view omit[] = {"intentHash"};
    json::CanonicalOptions options;
    options.omit_members = omit;
    auto intent_hash = json::CanonicalDigest(intent, options);
    ei.Add("intentHash", intent.Find("intentHash").is_string()
                             ? T(Str(intent, "intentHash"))
                             : T(intent_hash.ok() ? crypto::HexEncode(crypto::Bytes(intent_hash->data(), 32)) : std::string()));
    json::Tree fp = json::Tree::Object();
    fp.Add("requestSha256", T(Str(intent.Find("requestFingerprint"), "requestSha256")));
    ei.Add("requestFingerprint", std::move(fp));
    ei.Add("idempotencyKey", T(Str(intent, "idempotencyKey")));
    ei.Add("createdAt", T(Str(intent, "createdAt")));
    ei.Add("expiresAt", T(Str(intent, "expiresAt")));
    json::Tree meta = json::Tree::Object();
    meta.Add("executionIntent", std::move(ei));
    inputs.Add("metadata", std::move(meta));
  }
  // The wallet policy applies to the held amount at the hold's creation time (05 §3).
  if (held > 0) {
    if (auto w = EnforceWalletPolicy(txn, tenant, payer, held, inputs.Find("createdAt")->as_string(), spend, approved,
                                     can_escalate);
        !w.ok()) {
      return w;
    }
  }
  // The held part moves from the payer's available balance into escrow.
  auto hold = CreateHold(txn, tenant, inputs, /*lock_from_available=*/true);
  if (!hold.ok()) return hold.status();
  json::Tree result = json::Tree::Object();
  result.Add("hold", hold->body);
  return Canonical(result);
}

}  // namespace internal

absl::StatusOr<Result> Kernel::LockHold(std::string_view tenant, std::string_view request_json,
                                        std::string_view now, std::string_view idempotency_key) {
  auto doc = internal::ParseRequest(request_json);
  if (!doc.ok()) return doc.status();
  if (auto t = internal::TimeMs(now, "now"); !t.ok()) return t.status();
  json::Value req = doc->root();
  return internal::Run(store_, batch_, tenant, idempotency_key, now, "lockHold", Canonical(req),
                       [&](store::WriteTxn& txn) -> absl::StatusOr<std::string> {
    const std::string escalation_id = internal::HoldEscalationId(req);
    auto prior = internal::LoadEscalation(txn, tenant, escalation_id);
    if (!prior.ok()) return prior.status();
    if (prior->has_value() && S(**prior, "status") != "approved") {
      return Error(Code::kFailedPrecondition, S(**prior, "status") == "pending" ? "ESCALATION_PENDING" : "ESCALATION_REJECTED",
                   StrCat("escalation ", escalation_id, " is ", S(**prior, "status")));
    }
    bool can_escalate = false;
    auto locked = internal::LockHoldIn(txn, tenant, req, now, /*approved=*/false, &can_escalate);
    if (locked.ok() || !can_escalate) return locked;
    // Only the approval rule (or the spend policy's escalate/challenge reasons) blocked, and the
    // payer's wallet policy names approvers: the hold request is stored pending, as a value; an
    // approval (ResolveEscalation) places the hold with exactly this request. No money moves.
    json::Tree e = json::Tree::Object();
    e.Add("escalationId", T(escalation_id));
    e.Add("kind", T("hold"));
    e.Add("agreementHash", T(Str(req, "agreementHash")));
    e.Add("payerAgentId", T(Str(req, "payerAgentId")));
    e.Add("amountCents", json::Tree::FromValue(req.Find("amountCents")));
    e.Add("currency", T(Str(req, "currency")));
    e.Add("reasonCode", T(StatusReason(locked.status())));
    e.Add("message", T(std::string(locked.status().message())));
    e.Add("status", T("pending"));
    e.Add("createdAt", T(std::string(now)));
    e.Add("request", json::Tree::FromValue(req));
    if (auto w = internal::SaveEscalation(txn, tenant, e, /*insert=*/true); !w.ok()) return w;
    json::Tree result = json::Tree::Object();
    result.Add("escalation", std::move(e));
    return Canonical(result);
  });
}

absl::StatusOr<std::optional<std::string>> Kernel::GetHold(std::string_view tenant,
                                                           std::string_view hold_hash) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto hold = internal::LoadObject(txn, tenant, ObjectType::kFundingHold, HoldKey(hold_hash));
    if (!hold.ok()) return hold.status();
    if (hold->has_value()) out = (*hold)->canonical;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> Kernel::GetCase(std::string_view tenant,
                                                           std::string_view case_id) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto c = internal::LoadObject(txn, tenant, ObjectType::kArbitrationCase, CaseKey(case_id));
    if (!c.ok()) return c.status();
    if (c->has_value()) out = (*c)->canonical;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> Kernel::GetAdjustment(std::string_view tenant,
                                                                 std::string_view adjustment_id) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto a = internal::LoadObject(txn, tenant, ObjectType::kSettlementAdjustment, StrCat("adj/", adjustment_id));
    if (!a.ok()) return a.status();
    if (a->has_value()) out = (*a)->canonical;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> Kernel::GetArtifact(std::string_view tenant,
                                                               std::string_view artifact_id) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    auto a = txn.Get(store::Table::kObjects, tenant, StrCat("art/", artifact_id));
    if (!a.ok()) return a.status();
    if (a->has_value()) out = std::string(**a);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> Kernel::GetDocument(std::string_view tenant, Document kind,
                                                               std::string_view key) const {
  std::optional<std::string> out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    if (kind == Document::kAgreement) {
      auto a = internal::LoadObject(txn, tenant, ObjectType::kToolCallAgreement, StrCat("agreement/", key));
      if (!a.ok()) return a.status();
      if (a->has_value()) out = (*a)->canonical;
      return absl::OkStatus();
    }
    const char* prefix = kind == Document::kEvidence ? "evidence/" : kind == Document::kDecision ? "decision/" : "receipt/";
    auto v = txn.Get(store::Table::kObjects, tenant, StrCat(prefix, key));
    if (!v.ok()) return v.status();
    if (v->has_value()) out = std::string(**v);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> Kernel::GetWallet(std::string_view tenant, std::string_view agent_id,
                                              std::string_view currency) const {
  json::Tree out = json::Tree::Object();
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    for (ledger::Bucket b : {ledger::Bucket::kAvailable, ledger::Bucket::kEscrow}) {
      auto v = ledger::Balance(txn, tenant, Wallet(std::string(agent_id), std::string(currency), b));
      if (!v.ok()) return v.status();
      out.Add(ledger::BucketName(b), N(*v));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return Canonical(out);
}

// Defined in dispute.cc: OpenDispute, RunHoldbackMaintenance, SubmitVerdict.

namespace internal {

absl::StatusOr<objects::Object> CreateHold(store::WriteTxn& txn, std::string_view tenant,
                                           const json::Tree& inputs, bool lock_from_available) {
  auto hold = objects::Build(ObjectType::kFundingHold, Canonical(inputs));
  if (!hold.ok()) return hold.status();
  const std::string agreement = S(hold->body, "agreementHash");
  // One hold per agreement.
  auto existing = txn.Get(store::Table::kIndex, tenant, StrCat("hold_of/", agreement));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return Error(Code::kFailedPrecondition, "TOOL_CALL_HOLD_EXISTS",
                 StrCat("agreement ", agreement, " already has hold ", **existing));
  }
  const int64_t held = I(hold->body, "heldAmountCents");
  if (lock_from_available && held > 0) {
    const std::string payer = S(hold->body, "payerAgentId"), currency = S(hold->body, "currency");
    ledger::Entry lock = ledger::Move(
        ids::EscrowJournalEntryId(tenant, ids::EscrowHoldOperationId(agreement, S(hold->body, "receiptHash"))),
        Wallet(payer, currency, ledger::Bucket::kAvailable), Wallet(payer, currency, ledger::Bucket::kEscrow), held);
    if (auto p = ledger::Post(txn, tenant, lock); !p.ok()) return p;
    EscrowAccount escrow(txn, tenant);
    escrow.Add(payer, currency, held);  // a new held hold (a settlement's holdback is counted by Settle)
    if (auto v = escrow.Verify(); !v.ok()) return v;
  }
  if (auto w = SaveObject(txn, tenant, HoldKey(hold->hash), *hold, /*insert=*/true); !w.ok()) return w;
  if (auto w = txn.Put(store::Table::kIndex, tenant, StrCat("held/", hold->hash), ""); !w.ok()) return w;
  if (auto w = txn.Put(store::Table::kIndex, tenant, StrCat("hold_of/", agreement), hold->hash); !w.ok()) return w;
  return hold;
}

absl::StatusOr<objects::Object> ResolveHoldFor(const objects::Object& hold, std::string_view status,
                                               std::string_view at, json::Tree metadata) {
  return ResolveHold(hold, status, at, std::move(metadata));
}
json::Tree CaseArtifactBody(const json::Tree& c, std::string artifact_id) {
  return CaseArtifact(c, std::move(artifact_id));
}
}  // namespace internal

}  // namespace nooterra::agreement
