#include "agreement/records.h"

#include "common/js.h"
#include "common/strings.h"
#include "nooterra/status.h"

namespace nooterra::agreement::internal {

absl::Status Error(absl::StatusCode code, std::string_view reason, std::string message) {
  return MakeError(code, reason, message);
}

absl::StatusOr<int64_t> TimeMs(std::string_view iso, std::string_view what) {
  auto ms = js::ParseInstantMs(iso);
  if (!ms) {
    return Error(absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID",
                 StrCat(what, " must be an ISO 8601 date-time with Z or an offset"));
  }
  return *ms;
}

absl::StatusOr<std::optional<objects::Object>> LoadObject(const store::ReadTxn& txn,
                                                          std::string_view tenant,
                                                          objects::ObjectType type,
                                                          const std::string& key) {
  auto bytes = txn.Get(store::Table::kObjects, tenant, key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<objects::Object>();
  auto object = objects::FromFlatBuffer(type, **bytes);
  if (!object.ok()) return object.status();
  return std::optional<objects::Object>(std::move(*object));
}

absl::Status SaveObject(store::WriteTxn& txn, std::string_view tenant, const std::string& key,
                        const objects::Object& object, bool insert) {
  auto buffer = objects::ToFlatBuffer(object);
  if (!buffer.ok()) return buffer.status();
  return insert ? txn.Insert(store::Table::kObjects, tenant, key, *buffer)
                : txn.Put(store::Table::kObjects, tenant, key, *buffer);
}

absl::StatusOr<std::string> SaveArtifact(store::WriteTxn& txn, std::string_view tenant,
                                         json::Tree body) {
  const json::Tree* id = body.Find("artifactId");
  if (id == nullptr || !id->is_string()) {
    return Error(absl::StatusCode::kInternal, "ARTIFACT_ID_MISSING", "an artifact needs an artifactId");
  }
  const std::string artifact_id = id->as_string();
  body.Erase("artifactHash");
  auto digest = json::CanonicalDigest(body);
  if (!digest.ok()) return digest.status();
  const std::string hash = crypto::HexEncode(crypto::Bytes(digest->data(), digest->size()));
  body.Set("artifactHash", json::Tree::String(hash));
  auto text = json::CanonicalString(body);
  if (!text.ok()) return text.status();
  if (absl::Status s = txn.Insert(store::Table::kObjects, tenant, StrCat("art/", artifact_id), *text);
      !s.ok()) {
    return s;
  }
  return hash;
}

absl::StatusOr<Agent> LoadAgent(const store::ReadTxn& txn, std::string_view tenant,
                                std::string_view agent_id) {
  auto bytes = txn.Get(store::Table::kObjects, tenant, StrCat("agent/", agent_id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return Error(absl::StatusCode::kNotFound, "AGENT_NOT_FOUND", StrCat("agent ", agent_id, " is not registered"));
  }
  auto doc = json::Document::Parse(**bytes);
  if (!doc.ok()) return Error(absl::StatusCode::kDataLoss, "STORE_CORRUPT", "agent record does not parse");
  auto key = crypto::PublicKey::FromPem(Str(doc->root(), "publicKeyPem"));
  if (!key.ok()) return Error(absl::StatusCode::kDataLoss, "STORE_CORRUPT", "agent key does not parse");
  return Agent{std::string(agent_id), Str(doc->root(), "keyId"), *key};
}

absl::StatusOr<Result> Idempotent(store::WriteTxn& txn, std::string_view tenant,
                                  std::string_view key, std::string_view now, std::string_view operation,
                                  std::string_view request_canonical,
                                  const std::function<absl::StatusOr<std::string>()>& fn) {
  bool key_ok = !key.empty() && key.size() <= kIdempotencyKeyBytesMax;
  for (char c : key) key_ok = key_ok && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  if (!key_ok) {
    return Error(absl::StatusCode::kInvalidArgument, "IDEMPOTENCY_KEY_INVALID",
                 "an idempotency key is 1..200 printable characters");
  }
  const std::string request_hash = crypto::Sha256Hex(StrCat(operation, "\n", request_canonical));
  auto stored = txn.Get(store::Table::kIdempotency, tenant, key);
  if (!stored.ok()) return stored.status();
  // The record is "<requestHash> <operation>\n<result>": the result (often kilobytes of
  // canonical JSON) is stored as is, not re-quoted inside a JSON document (that quoting was ~7% of
  // a settlement's CPU time).
  if (stored->has_value()) {
    const std::string_view record = **stored;
    const size_t newline = record.find('\n');
    if (record.size() < 65 || record[64] != ' ' || newline == std::string_view::npos) {
      return Error(absl::StatusCode::kDataLoss, "STORE_CORRUPT", "idempotency record does not parse");
    }
    if (record.substr(0, 64) != request_hash) {
      return Error(absl::StatusCode::kAlreadyExists, "IDEMPOTENCY_KEY_CONFLICT",
                   StrCat("idempotency key ", key, " was used for a different request"));
    }
    return Result{std::string(record.substr(newline + 1)), true};
  }
  auto result = fn();
  if (!result.ok()) return result.status();
  std::string record;
  record.reserve(64 + 2 + operation.size() + result->size());
  record.append(request_hash).append(" ").append(operation).append("\n").append(*result);
  if (absl::Status s = txn.Insert(store::Table::kIdempotency, tenant, key, record); !s.ok()) {
    return s;
  }
  if (absl::Status s = AppendOplog(txn, tenant, operation, request_canonical, now, key, *result); !s.ok()) {
    return s;
  }
  return Result{std::move(*result), false};
}

absl::StatusOr<Result> Run(store::Store* store, store::WriteTxn* batch, std::string_view tenant,
                           std::string_view key, std::string_view now, std::string_view operation,
                           std::string_view request_canonical,
                           const std::function<absl::StatusOr<std::string>(store::WriteTxn&)>& fn) {
  Result out;
  auto body = [&](store::WriteTxn& txn) -> absl::Status {
    auto r = Idempotent(txn, tenant, key, now, operation, request_canonical, [&]() { return fn(txn); });
    if (!r.ok()) return r.status();
    out = std::move(*r);
    return absl::OkStatus();
  };
  absl::Status s = batch != nullptr ? batch->Nested(body) : store->Write(body);
  if (!s.ok()) return s;
  if (ReadBackChecks() && batch == nullptr && !out.already_existed) {
    if (absl::Status r = ReadBack(*store, tenant); !r.ok()) return r;
  }
  return out;
}

absl::StatusOr<json::Document> ParseRequest(std::string_view text) {
  json::Limits limits;
  limits.document_bytes_max = kRequestBytesMax;
  limits.depth_max = objects::kObjectDepthMax;
  auto doc = json::Document::Parse(text, limits);
  if (!doc.ok()) return doc.status();
  if (!doc->root().is_object()) {
    return Error(absl::StatusCode::kInvalidArgument, "SCHEMA_INVALID", "a request is a JSON object");
  }
  return doc;
}

std::string Str(json::Value v, std::string_view key) {
  json::Value m = v.Find(key);
  return m.is_string() ? std::string(m.as_string()) : std::string();
}

std::string Canonical(const json::Tree& t) {
  auto text = json::CanonicalString(t);
  return text.ok() ? *text : std::string();
}

std::string Canonical(json::Value v) {
  std::string text;
  return json::AppendCanonical(v, &text).ok() ? text : std::string();
}

namespace {
std::string EscalationKey(std::string_view id) { return StrCat("escalation/", id); }
}  // namespace

absl::StatusOr<std::optional<json::Tree>> LoadEscalation(const store::ReadTxn& txn, std::string_view tenant,
                                                         std::string_view id) {
  auto bytes = txn.Get(store::Table::kObjects, tenant, EscalationKey(id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<json::Tree>();
  auto tree = json::Tree::Parse(**bytes);
  if (!tree.ok()) return Error(absl::StatusCode::kDataLoss, "STORE_CORRUPT", "escalation record does not parse");
  return std::optional<json::Tree>(std::move(*tree));
}

absl::Status SaveEscalation(store::WriteTxn& txn, std::string_view tenant, const json::Tree& escalation, bool insert) {
  const std::string key = EscalationKey(S(escalation, "escalationId"));
  return insert ? txn.Insert(store::Table::kObjects, tenant, key, Canonical(escalation))
                : txn.Put(store::Table::kObjects, tenant, key, Canonical(escalation));
}

std::string HoldEscalationId(json::Value hold_request) {
  return StrCat("esc_hold_", Str(hold_request, "agreementHash"), "_", Str(hold_request, "receiptHash"));
}

}  // namespace nooterra::agreement::internal
