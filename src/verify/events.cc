// Event stream integrity (../shared/protocol/verify/04-shared-building-blocks.md §13): payload
// material, payload hashes, the hash chain, required signers, key usability and signatures.
#include "verify/events.h"

#include <set>

#include "common/strings.h"

namespace nooterra::verify::internal {

namespace {

enum class SignerKind { kNone, kRobot, kOperator, kRobotOrOperator, kServerOrOperator, kServerOrRobot, kServer };

SignerKind RequiredSigner(std::string_view type) {
  static const std::set<std::string_view> kRobot = {
      "TELEMETRY_HEARTBEAT", "CHECKPOINT_REACHED", "EN_ROUTE", "ASSIST_REQUESTED", "EXECUTION_STARTED",
      "JOB_EXECUTION_STARTED", "JOB_HEARTBEAT", "EXECUTION_COMPLETED", "JOB_EXECUTION_COMPLETED",
      "EXECUTION_ABORTED", "INCIDENT_DETECTED", "SKILL_METER_REPORTED", "ROBOT_HEARTBEAT"};
  static const std::set<std::string_view> kOperator = {
      "ASSIST_STARTED", "ASSIST_ENDED", "ASSIST_ACCEPTED", "ASSIST_DECLINED", "OPERATOR_SHIFT_OPENED",
      "OPERATOR_SHIFT_CLOSED"};
  static const std::set<std::string_view> kRobotOrOperator = {"ACCESS_GRANTED", "ACCESS_DENIED", "SKILL_USED",
                                                              "ZONE_COVERAGE_REPORTED"};
  static const std::set<std::string_view> kServerOrOperator = {"INCIDENT_REPORTED", "CLAIM_TRIAGED"};
  static const std::set<std::string_view> kServerOrRobot = {"EVIDENCE_CAPTURED", "JOB_EXECUTION_ABORTED",
                                                            "JOB_EXECUTION_RESUMED", "ROBOT_UNHEALTHY"};
  static const std::set<std::string_view> kServer = {
      "JOB_CREATED", "QUOTE_PROPOSED", "RISK_SCORED", "BOOKED", "DISPATCH_REQUESTED", "DISPATCH_EVALUATED",
      "DISPATCH_CONFIRMED", "DISPATCH_FAILED", "OPERATOR_COVERAGE_RESERVED", "OPERATOR_COVERAGE_RELEASED",
      "ASSIST_QUEUED", "ASSIST_ASSIGNED", "ASSIST_TIMEOUT", "MATCHED", "RESERVED", "SETTLED",
      "JOB_EXECUTION_STALLED", "JOB_RESCHEDULED", "JOB_CANCELLED", "ACCESS_PLAN_ISSUED", "ACCESS_REVOKED",
      "ACCESS_EXPIRED", "SKILL_LICENSED", "CLAIM_OPENED", "CLAIM_APPROVED", "CLAIM_DENIED", "CLAIM_PAID",
      "JOB_ADJUSTED", "ROBOT_REGISTERED", "ROBOT_AVAILABILITY_SET", "ROBOT_QUARANTINED",
      "ROBOT_QUARANTINE_CLEARED", "MAINTENANCE_REQUESTED", "MAINTENANCE_COMPLETED", "ROBOT_STATUS_CHANGED",
      "OPERATOR_REGISTERED", "OPERATOR_COST_RECORDED", "SLA_BREACH_DETECTED", "SLA_CREDIT_ISSUED",
      "PROOF_EVALUATED", "PROOF_OVERRIDDEN", "SETTLEMENT_HELD", "SETTLEMENT_RELEASED", "SETTLEMENT_FORFEITED",
      "DISPUTE_OPENED", "DISPUTE_CLOSED", "EVIDENCE_VIEWED", "EVIDENCE_EXPIRED", "CORRELATION_LINKED",
      "CORRELATION_RELINKED", "MONTH_CLOSE_REQUESTED", "MONTH_CLOSED", "MONTH_CLOSE_REOPENED",
      "INSURER_REIMBURSEMENT_RECORDED", "DECISION_RECORDED"};
  if (kServer.count(type)) return SignerKind::kServer;
  if (kRobot.count(type)) return SignerKind::kRobot;
  if (kOperator.count(type)) return SignerKind::kOperator;
  if (kRobotOrOperator.count(type)) return SignerKind::kRobotOrOperator;
  if (kServerOrOperator.count(type)) return SignerKind::kServerOrOperator;
  if (kServerOrRobot.count(type)) return SignerKind::kServerOrRobot;
  return SignerKind::kNone;
}

Fail At(std::string_view reason, size_t i) { return F(StrCat(reason, " at index ", i)); }

}  // namespace

std::string PayloadHashHex(json::Value material) {
  // {v, id, at, streamId, type, actor, payload} from the material line, missing members as null,
  // in canonical member order.
  std::string text = "{\"actor\":" + CanonicalOf(material.Find("actor")) +
                     ",\"at\":" + CanonicalOf(material.Find("at")) +
                     ",\"id\":" + CanonicalOf(material.Find("id")) +
                     ",\"payload\":" + CanonicalOf(material.Find("payload")) +
                     ",\"streamId\":" + CanonicalOf(material.Find("streamId")) +
                     ",\"type\":" + CanonicalOf(material.Find("type")) +
                     ",\"v\":" + CanonicalOf(material.Find("v")) + "}";
  return crypto::Sha256Hex(text);
}

Fail VerifyStream(const std::vector<json::Document>& events, const std::vector<json::Document>& material,
                  const KeyFile& keys, const DeclaredHead& declared, bool strict) {
  if (events.empty()) {
    if (!material.empty()) return F("payload_material length mismatch");
    if (declared.chain_hash) return F("declared head chainHash mismatch");
    if (declared.event_id) return F("declared head eventId mismatch");
    return nullptr;
  }
  if (events.size() != material.size()) return F("payload_material length mismatch");
  std::string prev_chain = "null";  // canonical JSON of the previous event's chainHash
  for (size_t i = 0; i < events.size(); ++i) {
    json::Value e = events[i].root();
    json::Value m = material[i].root();
    if (!e.is_object()) return At("invalid event", i);
    if (!m.is_object()) return At("invalid payload material", i);
    for (std::string_view member : {"v", "id", "at", "streamId", "type", "actor", "payload"}) {
      if (CanonicalOf(e.Find(member)) != CanonicalOf(m.Find(member))) return At("payload material mismatch", i);
    }
    const std::string payload_hash = PayloadHashHex(m);
    if (Str(e, "payloadHash") != std::optional<std::string_view>(payload_hash)) return At("payloadHash mismatch", i);
    const std::string prev = CanonicalOf(e.Find("prevChainHash"));
    if (prev != prev_chain) return At("prevChainHash mismatch", i);
    const std::string chain = crypto::Sha256Hex(
        StrCat("{\"payloadHash\":\"", payload_hash, "\",\"prevChainHash\":", prev, ",\"v\":1}"));
    if (Str(e, "chainHash") != std::optional<std::string_view>(chain)) return At("chainHash mismatch", i);
    prev_chain = CanonicalOf(e.Find("chainHash"));

    const auto type = Str(e, "type");
    const SignerKind kind = type ? RequiredSigner(*type) : SignerKind::kNone;
    const auto signature = Str(e, "signature");
    const auto signer = Str(e, "signerKeyId");
    const bool has_signature = signature && !signature->empty();
    const bool has_signer = signer && !signer->empty();
    if (kind != SignerKind::kNone) {
      if (!has_signature) return At("missing signature", i);
      if (!has_signer) return At("missing signerKeyId", i);
    }
    if (!has_signature) continue;
    if (!has_signer) return At("missing signerKeyId", i);
    if (!keys.keys.Has(*signer)) return At("unknown signerKeyId", i);
    auto meta_it = keys.meta.find(*signer);
    const KeyMeta* meta = meta_it == keys.meta.end() ? nullptr : &meta_it->second;
    if (strict && kind == SignerKind::kServer) {
      if (!meta || !meta->server_governed) return At("server signer key not governed", i);
      if (!meta->valid_from || IsBlank(*meta->valid_from)) return At("server signer key missing validFrom", i);
      if (!meta->purpose || LowerTrim(*meta->purpose) != "server") return At("server signer key purpose invalid", i);
    }
    const std::string_view at = Str(e, "at").value_or("");
    if (CheckKeyValidity(meta, at, kind == SignerKind::kServer ? Validity::kFull : Validity::kWindow)) {
      return At("signer key not valid", i);
    }
    if (!keys.keys.Verify(*signer, payload_hash, *signature)) return At("signature invalid", i);
  }
  json::Value last = events.back().root();
  if (declared.chain_hash && Str(last, "chainHash") != std::optional<std::string_view>(*declared.chain_hash)) {
    return F("declared head chainHash mismatch");
  }
  if (declared.event_id && Str(last, "id") != std::optional<std::string_view>(*declared.event_id)) {
    return F("declared head eventId mismatch");
  }
  return nullptr;
}

}  // namespace nooterra::verify::internal
