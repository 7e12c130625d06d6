// C ABI of the agreement module: a translation of include/nooterra/agreement.h. A Kernel is a
// stateless view over the store, so each call makes one on the stack.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "internal.h"
#include "nooterra/agreement.h"
#include "nooterra/json.h"

using namespace nooterra;  // NOLINT: translation unit of C entry points only

namespace {

absl::Status Deliver(const absl::StatusOr<agreement::Result>& r, nooterra_buffer_t* out,
                     int32_t* out_already_existed) {
  if (!r.ok()) return r.status();
  if (absl::Status s = capi::FillBuffer(r->json, out); !s.ok()) return s;
  if (out_already_existed != nullptr) *out_already_existed = r->already_existed ? 1 : 0;
  return absl::OkStatus();
}

}  // namespace

// The C operation codes are the kernel's Operation values (the batch passes them through as is).
static_assert(NOOTERRA_AGREEMENT_CREATE_RFQ == static_cast<int>(nooterra::agreement::Operation::kCreateRfq));
static_assert(NOOTERRA_AGREEMENT_SUBMIT_BID == static_cast<int>(nooterra::agreement::Operation::kSubmitBid));
static_assert(NOOTERRA_AGREEMENT_ACCEPT_BID == static_cast<int>(nooterra::agreement::Operation::kAcceptBid));
static_assert(NOOTERRA_AGREEMENT_APPEND_RUN_EVENT == static_cast<int>(nooterra::agreement::Operation::kAppendRunEvent));
static_assert(NOOTERRA_AGREEMENT_RESOLVE_RUN_SETTLEMENT ==
              static_cast<int>(nooterra::agreement::Operation::kResolveRunSettlement));
static_assert(NOOTERRA_AGREEMENT_RESOLVE_ESCALATION == static_cast<int>(nooterra::agreement::Operation::kResolveEscalation));
static_assert(NOOTERRA_AGREEMENT_SET_AGENT_STATUS == static_cast<int>(nooterra::agreement::Operation::kSetAgentStatus));

extern "C" {

int32_t nooterra_agreement_register_agent(nooterra_store_t* store, const char* tenant,
                                          const char* agent_id, const char* public_key_pem,
                                          nooterra_buffer_t* out_result, int32_t* out_already_existed,
                                          nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (store == nullptr || tenant == nullptr || agent_id == nullptr || public_key_pem == nullptr ||
        out_result == nullptr) {
      return capi::NullArgument("store, tenant, agent_id, public_key_pem and out_result");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    agreement::Kernel kernel(lease->get());
    return Deliver(kernel.RegisterAgent(tenant, agent_id, public_key_pem), out_result, out_already_existed);
  });
}

int32_t nooterra_agreement_deposit(nooterra_store_t* store, const char* tenant, const char* agent_id,
                                   const char* currency, int64_t amount_cents,
                                   const char* idempotency_key, nooterra_buffer_t* out_result,
                                   int32_t* out_already_existed, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (store == nullptr || tenant == nullptr || agent_id == nullptr || currency == nullptr ||
        idempotency_key == nullptr || out_result == nullptr) {
      return capi::NullArgument("store, tenant, agent_id, currency, idempotency_key and out_result");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    agreement::Kernel kernel(lease->get());
    return Deliver(kernel.Deposit(tenant, agent_id, currency, amount_cents, idempotency_key), out_result,
                   out_already_existed);
  });
}

int32_t nooterra_agreement_apply(nooterra_store_t* store, const char* tenant, int32_t operation,
                                 const char* subject, const uint8_t* request_json, size_t request_size,
                                 const char* now, const char* idempotency_key,
                                 nooterra_buffer_t* out_result, int32_t* out_already_existed,
                                 nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (store == nullptr || tenant == nullptr || now == nullptr || idempotency_key == nullptr ||
        out_result == nullptr || (request_json == nullptr && request_size != 0)) {
      return capi::NullArgument("store, tenant, request_json, now, idempotency_key and out_result");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    agreement::Kernel kernel(lease->get());
    const std::string_view request(reinterpret_cast<const char*>(request_json), request_size);
    switch (operation) {
      case NOOTERRA_AGREEMENT_LOCK_HOLD:
        return Deliver(kernel.LockHold(tenant, request, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_OPEN_DISPUTE:
        return Deliver(kernel.OpenDispute(tenant, request, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_SUBMIT_VERDICT:
        if (subject == nullptr) return capi::NullArgument("subject (the case id)");
        return Deliver(kernel.SubmitVerdict(tenant, subject, request, now, idempotency_key), out_result,
                       out_already_existed);
      case NOOTERRA_AGREEMENT_CREATE:
        return Deliver(kernel.CreateAgreement(tenant, request, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_FUND:
        if (subject == nullptr) return capi::NullArgument("subject (the agreement hash)");
        return Deliver(kernel.Fund(tenant, subject, request, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_SUBMIT_EVIDENCE:
        return Deliver(kernel.SubmitEvidence(tenant, request, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_SETTLE:
        return Deliver(kernel.Settle(tenant, request, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_SET_WALLET_POLICY:
        if (subject == nullptr) return capi::NullArgument("subject (the agent id)");
        return Deliver(kernel.SetWalletPolicy(tenant, subject, request, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_RESOLVE_ESCALATION:
        if (subject == nullptr) return capi::NullArgument("subject (the escalation id)");
        return Deliver(kernel.ResolveEscalation(tenant, subject, request, now, idempotency_key), out_result,
                       out_already_existed);
      case NOOTERRA_AGREEMENT_VOID:
        if (subject == nullptr) return capi::NullArgument("subject (the agreement hash)");
        return Deliver(kernel.Void(tenant, subject, now, idempotency_key), out_result, out_already_existed);
      case NOOTERRA_AGREEMENT_CREATE_RFQ:
      case NOOTERRA_AGREEMENT_SUBMIT_BID:
      case NOOTERRA_AGREEMENT_ACCEPT_BID:
      case NOOTERRA_AGREEMENT_APPEND_RUN_EVENT:
      case NOOTERRA_AGREEMENT_RESOLVE_RUN_SETTLEMENT:
      case NOOTERRA_AGREEMENT_SET_AGENT_STATUS: {
        if (operation != NOOTERRA_AGREEMENT_CREATE_RFQ && subject == nullptr) {
          return capi::NullArgument("subject (the rfq id, the run id or the agent id)");
        }
        agreement::BatchOp op;
        op.operation = static_cast<agreement::Operation>(operation);
        op.subject = subject != nullptr ? subject : "";
        op.request_json = std::string(request);
        op.now = now;
        op.idempotency_key = idempotency_key;
        return Deliver(kernel.Apply(tenant, op), out_result, out_already_existed);
      }
      case NOOTERRA_AGREEMENT_DEPOSIT: {
        // The batch's JSON form of nooterra_agreement_deposit, so that every batch operation is
        // also a single call (the bindings' apply_text / applyText name any of them).
        agreement::BatchOp op;
        op.operation = agreement::Operation::kDeposit;
        op.request_json = std::string(request);
        op.now = now;
        op.idempotency_key = idempotency_key;
        return Deliver(kernel.Apply(tenant, op), out_result, out_already_existed);
      }
      default:
        return MakeError(absl::StatusCode::kInvalidArgument, "AGREEMENT_OPERATION_UNKNOWN",
                         "operation must be one of NOOTERRA_AGREEMENT_*");
    }
  });
}

int32_t nooterra_agreement_apply_batch(nooterra_store_t* store, const char* tenant,
                                       const nooterra_batch_op_t* ops, size_t op_count,
                                       nooterra_buffer_t* out_results, uint32_t* out_failed,
                                       nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (store == nullptr || tenant == nullptr || out_results == nullptr || (ops == nullptr && op_count != 0)) {
      return capi::NullArgument("store, tenant, ops and out_results");
    }
    if (op_count > agreement::kBatchOpsMax) {
      return MakeError(absl::StatusCode::kResourceExhausted, "BATCH_TOO_LARGE",
                       "a batch holds at most 8192 operations");
    }
    std::vector<agreement::BatchOp> batch(op_count);
    for (size_t i = 0; i < op_count; ++i) {
      const nooterra_batch_op_t& in = ops[i];
      if (in.struct_size != sizeof(nooterra_batch_op_t)) {
        return MakeError(absl::StatusCode::kInvalidArgument, "STRUCT_SIZE",
                         "nooterra_batch_op_t.struct_size is not a known size; initialize with "
                         "NOOTERRA_BATCH_OP_INIT");
      }
      if (in.now == nullptr || in.idempotency_key == nullptr || (in.request_json == nullptr && in.request_size != 0)) {
        return capi::NullArgument("each operation's now, idempotency_key and request_json");
      }
      batch[i].operation = static_cast<agreement::Operation>(in.operation);
      if (in.subject != nullptr) batch[i].subject = in.subject;
      batch[i].request_json.assign(reinterpret_cast<const char*>(in.request_json), in.request_size);
      batch[i].now = in.now;
      batch[i].idempotency_key = in.idempotency_key;
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    agreement::Kernel kernel(lease->get());
    auto outcomes = kernel.ApplyBatch(tenant, batch);
    if (!outcomes.ok()) return outcomes.status();
    std::string json = "[";
    uint32_t failed = 0;
    for (size_t i = 0; i < outcomes->size(); ++i) {
      const agreement::BatchOutcome& o = (*outcomes)[i];
      if (i > 0) json += ',';
      if (o.status.ok()) {
        json += o.result.already_existed ? R"({"ok":true,"alreadyExisted":true,"result":)"
                                         : R"({"ok":true,"alreadyExisted":false,"result":)";
        json += o.result.json;
      } else {
        ++failed;
        const int32_t code = static_cast<int32_t>(o.status.code());
        json += R"({"ok":false,"code":)";
        json::AppendQuoted(nooterra_code_name(code), &json);
        json += R"(,"codeNumber":)" + std::to_string(code) + R"(,"reason":)";
        json::AppendQuoted(StatusReason(o.status), &json);
        json += R"(,"message":)";
        json::AppendQuoted(std::string_view(o.status.message().data(), o.status.message().size()), &json);
      }
      json += '}';
    }
    json += ']';
    if (absl::Status s = capi::FillBuffer(json, out_results); !s.ok()) return s;
    if (out_failed != nullptr) *out_failed = failed;
    return absl::OkStatus();
  });
}

int32_t nooterra_store_state_hash(nooterra_store_t* store, const char* tenant, char out_hex[65],
                                  nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || out_hex == nullptr) return capi::NullArgument("tenant and out_hex");
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto hash = agreement::Kernel(lease->get()).StateHash(tenant);
    if (!hash.ok()) return hash.status();
    std::memcpy(out_hex, hash->c_str(), 65);
    return absl::OkStatus();
  });
}

int32_t nooterra_store_check(nooterra_store_t* store, const char* tenant, nooterra_buffer_t* out_report, int32_t* out_ok,
                             nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_report == nullptr) return capi::NullArgument("out_report");
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    if (tenant != nullptr) {
      // "" would mean "every tenant" to the kernel; through the C ABI only NULL does.
      if (absl::Status v = store::ValidateTenant(tenant); !v.ok()) return v;
    }
    auto report = agreement::Kernel(lease->get()).CheckStore(tenant != nullptr ? tenant : "");
    if (!report.ok()) return report.status();
    if (absl::Status s = capi::FillBuffer(report->json, out_report); !s.ok()) return s;
    if (out_ok != nullptr) *out_ok = report->ok ? 1 : 0;
    return absl::OkStatus();
  });
}

int32_t nooterra_store_tenants(nooterra_store_t* store, nooterra_buffer_t* out_json, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_json == nullptr) return capi::NullArgument("out_json");
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto names = agreement::Kernel(lease->get()).Tenants();
    if (!names.ok()) return names.status();
    json::Tree list = json::Tree::Array();
    for (const std::string& n : *names) list.Push(json::Tree::String(n));
    auto text = json::CanonicalString(list);
    if (!text.ok()) return text.status();
    return capi::FillBuffer(*text, out_json);
  });
}

int32_t nooterra_agreement_verify_log(nooterra_store_t* store, const char* tenant, nooterra_buffer_t* out_report,
                                      nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || out_report == nullptr) return capi::NullArgument("tenant and out_report");
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto report = agreement::Kernel(lease->get()).VerifyOplog(tenant);
    if (!report.ok()) return report.status();
    return capi::FillBuffer(*report, out_report);
  });
}

int32_t nooterra_agreement_replay(nooterra_store_t* source, nooterra_store_t* target, const char* tenant,
                                  nooterra_buffer_t* out_report, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || out_report == nullptr) return capi::NullArgument("tenant and out_report");
    auto from = capi::StoreLease::Acquire(source);
    if (!from.ok()) return from.status();
    auto to = capi::StoreLease::Acquire(target);
    if (!to.ok()) return to.status();
    if (from->get() == to->get()) {
      return MakeError(absl::StatusCode::kInvalidArgument, "REPLAY_SAME_STORE", "source and target are the same store");
    }
    auto report = agreement::Kernel(to->get()).Replay(*from->get(), tenant);
    if (!report.ok()) return report.status();
    return capi::FillBuffer(*report, out_report);
  });
}

int32_t nooterra_agreement_maintenance(nooterra_store_t* store, const char* tenant, const char* now,
                                       int32_t dry_run, uint32_t limit, nooterra_buffer_t* out_result,
                                       nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (store == nullptr || tenant == nullptr || now == nullptr || out_result == nullptr) {
      return capi::NullArgument("store, tenant, now and out_result");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    agreement::Kernel kernel(lease->get());
    return Deliver(kernel.RunHoldbackMaintenance(tenant, now, dry_run != 0, limit), out_result, nullptr);
  });
}

int32_t nooterra_agreement_replay_evaluate(nooterra_store_t* store, const char* tenant, const char* agreement_hash,
                                           nooterra_buffer_t* out_report, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || agreement_hash == nullptr || out_report == nullptr) {
      return capi::NullArgument("tenant, agreement_hash and out_report");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto report = agreement::Kernel(lease->get()).ReplayEvaluateToolCall(tenant, agreement_hash);
    if (!report.ok()) return report.status();
    return capi::FillBuffer(*report, out_report);
  });
}

int32_t nooterra_agreement_replay_evaluate_run(nooterra_store_t* store, const char* tenant, const char* run_id,
                                               nooterra_buffer_t* out_report, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || run_id == nullptr || out_report == nullptr) {
      return capi::NullArgument("tenant, run_id and out_report");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    auto report = agreement::Kernel(lease->get()).ReplayEvaluateRun(tenant, run_id);
    if (!report.ok()) return report.status();
    return capi::FillBuffer(*report, out_report);
  });
}

int32_t nooterra_agreement_reputation_facts(nooterra_store_t* store, const char* tenant, const uint8_t* request_json,
                                            size_t request_size, nooterra_buffer_t* out_facts, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (tenant == nullptr || (request_json == nullptr && request_size != 0) || out_facts == nullptr) {
      return capi::NullArgument("tenant, request_json and out_facts");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    const std::string_view request(reinterpret_cast<const char*>(request_json), request_size);
    auto facts = agreement::Kernel(lease->get()).ReputationFacts(tenant, request);
    if (!facts.ok()) return facts.status();
    return capi::FillBuffer(*facts, out_facts);
  });
}

int32_t nooterra_agreement_get(nooterra_store_t* store, const char* tenant, int32_t kind,
                               const char* key, nooterra_buffer_t* out_json, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (store == nullptr || tenant == nullptr || key == nullptr || out_json == nullptr) {
      return capi::NullArgument("store, tenant, key and out_json");
    }
    auto lease = capi::StoreLease::Acquire(store);
    if (!lease.ok()) return lease.status();
    agreement::Kernel kernel(lease->get());
    absl::StatusOr<std::optional<std::string>> found;
    switch (kind) {
      case NOOTERRA_AGREEMENT_RECORD_HOLD: found = kernel.GetHold(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_CASE: found = kernel.GetCase(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_ARTIFACT: found = kernel.GetArtifact(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_AGREEMENT: found = kernel.GetAgreement(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_TOOL_CALL_AGREEMENT:
        found = kernel.GetDocument(tenant, agreement::Kernel::Document::kAgreement, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_EVIDENCE:
        found = kernel.GetDocument(tenant, agreement::Kernel::Document::kEvidence, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_DECISION:
        found = kernel.GetDocument(tenant, agreement::Kernel::Document::kDecision, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_RECEIPT:
        found = kernel.GetDocument(tenant, agreement::Kernel::Document::kReceipt, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_ESCALATION: found = kernel.GetEscalation(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_RUN: found = kernel.GetRun(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_RUN_SETTLEMENT: found = kernel.GetRunSettlement(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_ADJUSTMENT: found = kernel.GetAdjustment(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_RUN_AGREEMENT:
        found = kernel.GetRunDocument(tenant, agreement::Kernel::RunDocument::kAgreement, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_OFFER:
        found = kernel.GetRunDocument(tenant, agreement::Kernel::RunDocument::kOffer, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_ACCEPTANCE:
        found = kernel.GetRunDocument(tenant, agreement::Kernel::RunDocument::kAcceptance, key);
        break;
      case NOOTERRA_AGREEMENT_RECORD_AGENT_STATUS: found = kernel.GetAgentStatus(tenant, key); break;
      case NOOTERRA_AGREEMENT_RECORD_WALLET: {
        const std::string_view k(key);
        const size_t slash = k.rfind('/');
        if (slash == std::string_view::npos) {
          return MakeError(absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", "wallet key is agentId/currency");
        }
        auto wallet = kernel.GetWallet(tenant, k.substr(0, slash), k.substr(slash + 1));
        if (!wallet.ok()) return wallet.status();
        found = std::optional<std::string>(*wallet);
        break;
      }
      default:
        return MakeError(absl::StatusCode::kInvalidArgument, "AGREEMENT_RECORD_UNKNOWN", "unknown record kind");
    }
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return MakeError(absl::StatusCode::kNotFound, "RECORD_NOT_FOUND", std::string("no record ") + key);
    }
    return capi::FillBuffer(**found, out_json);
  });
}

}  // extern "C"
