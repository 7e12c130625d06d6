// JobProof provenance references (../shared/protocol/verify/05-jobproof-monthproof.md §3):
// settlement decisions must point at the proof evaluation (or, for a forfeit, the decision
// record) they relied on, and the zone-coverage facts that evaluation hashed must still be what
// the events before the deciding event say ("time-travel freshness").
//
// The comparisons follow the reference's JavaScript semantics on purpose, because a verdict that
// differs from the reference on an authentic bundle is a bug for our users:
//   - a reference member is "declared" when it is truthy (so "" and 0 declare nothing);
//   - declared values compare with `!==`: primitives by value, objects and arrays never equal;
//   - arrays compare element by element with `!==`, a non-array counting as empty.
// The result is the reference's detail record {ok, checked, errors:[{error, <event ids>...}]},
// member order included, because the CLI prints it as the error's `detail`.
#include <algorithm>
#include <map>
#include <set>

#include "common/strings.h"
#include "verify/attest.h"

namespace nooterra::verify::internal {

namespace {

bool SafeInt(json::Value v) {
  if (!v.is_number()) return false;
  const double d = v.as_number();
  return d == static_cast<double>(static_cast<int64_t>(d)) && d <= 9007199254740991.0 && d >= -9007199254740991.0;
}

// JavaScript `typeof v === "object" && v !== null`.
bool IsJsObject(json::Value v) { return v.is_object() || v.is_array(); }

// JavaScript `a === b` for two values parsed from JSON (absent = undefined). Two distinct parsed
// objects or arrays are never identical.
bool StrictEquals(json::Value a, json::Value b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::Type::kAbsent:
    case json::Type::kNull:
    case json::Type::kFalse:
    case json::Type::kTrue:
      return true;
    case json::Type::kNumber:
      return a.as_number() == b.as_number();
    case json::Type::kString:
      return a.as_string() == b.as_string();
    default:
      return false;
  }
}

bool ArrayEqual(json::Value a, json::Value b) {
  const size_t na = a.is_array() ? a.size() : 0, nb = b.is_array() ? b.size() : 0;
  if (na != nb) return false;
  for (size_t i = 0; i < na; ++i) {
    if (!StrictEquals(a.at(i), b.at(i))) return false;
  }
  return true;
}

// `ref[member] && ref[member] !== actual`
bool DeclaredDiffers(json::Value ref, std::string_view member, json::Value actual) {
  json::Value declared = ref.Find(member);
  return Truthy(declared) && !StrictEquals(declared, actual);
}

std::string SortedUnique(std::vector<std::string> v, bool locale) {
  std::sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) {
    return locale ? LocaleCompare(a, b) < 0 : CompareUtf16(a, b) < 0;
  });
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + Quote(v[i]);
  return out + "]";
}

// `v ?? ""` then String(): null and absent print as "".
std::string StringOrEmpty(json::Value v) { return v.is_null() ? std::string() : JsString(v); }

std::optional<int64_t> EndAtMs(json::Value event) {
  auto s = Str(event.Find("payload").Find("window"), "endAt");
  return s ? ParseTimeMs(*s) : std::nullopt;
}

// The ZoneCoverageFacts.v1 hash for a decision at index `decision`: the anchor (the event whose
// chainHash is `at_chain`) must lie before the decision; the booking comes from the events up to
// the anchor, coverage and incidents from every event before the decision. Returns false with
// the reference's exception message when the hash cannot be computed.
bool FactsHash(const std::vector<json::Document>& events, size_t decision, json::Value at_chain, std::string* hash,
               std::string* message) {
  if (!at_chain.is_string() || IsBlank(at_chain.as_string())) {
    *message = "evaluatedAtChainHash must be a non-empty string";
    return false;
  }
  size_t anchor_end = 0;
  for (size_t i = 0; i < decision && anchor_end == 0; ++i) {
    if (StrictEquals(events[i].root().Find("chainHash"), at_chain)) anchor_end = i + 1;
  }
  if (anchor_end == 0) {
    *message = "evaluatedAtChainHash not found in stream";
    return false;
  }
  json::Value booking;  // the last BOOKED payload that is a plain object, up to the anchor
  for (size_t i = anchor_end; i-- > 0 && !booking.present();) {
    json::Value e = events[i].root();
    if (Str(e, "type") == std::optional<std::string_view>("BOOKED") && e.Find("payload").is_object()) {
      booking = e.Find("payload");
    }
  }
  std::vector<std::string> zones;
  json::Value required_zones = booking.Find("requiredZones");
  if (required_zones.is_object() && required_zones.Find("zones").is_array()) {
    json::Value list = required_zones.Find("zones");
    for (size_t i = 0; i < list.size(); ++i) {
      std::string id = StringOrEmpty(list.at(i).Find("zoneId"));
      if (!id.empty()) zones.push_back(std::move(id));
    }
  }
  const std::set<std::string, std::less<>> required(zones.begin(), zones.end());
  json::Value snapshot = booking.Find("policySnapshot");
  json::Value proof_policy = snapshot.Find("proofPolicy");
  if (!proof_policy.present() || proof_policy.is_null()) proof_policy = snapshot.Find("proof");
  json::Value zc = proof_policy.Find("zoneCoverage");
  const std::string threshold = SafeInt(zc.Find("thresholdPct")) ? CanonicalOf(zc.Find("thresholdPct")) : "95";
  std::vector<std::string> excuse_types;
  if (zc.Find("excuseIncidentTypes").is_array()) {
    json::Value t = zc.Find("excuseIncidentTypes");
    for (size_t i = 0; i < t.size(); ++i) excuse_types.push_back(JsString(t.at(i)));
  } else {
    excuse_types = {"BLOCKED_ZONE"};
  }
  const std::set<std::string, std::less<>> excuse(excuse_types.begin(), excuse_types.end());

  // Latest coverage report per zone, in first-seen order (the reference's Map).
  std::vector<std::pair<std::string, json::Value>> latest;
  std::map<std::string, size_t, std::less<>> slot_of;
  std::vector<std::string> excused;
  for (size_t i = 0; i < decision; ++i) {
    json::Value e = events[i].root();
    const std::string_view type = Str(e, "type").value_or("");
    json::Value p = e.Find("payload");
    auto raw_zone = Str(p, "zoneId");
    const std::string zone(raw_zone ? TrimJs(*raw_zone) : std::string_view());
    if (zone.empty()) continue;
    if (type == "ZONE_COVERAGE_REPORTED") {
      auto [it, fresh] = slot_of.emplace(zone, latest.size());
      if (fresh) {
        latest.emplace_back(zone, e);
        continue;
      }
      json::Value& prev = latest[it->second].second;
      const auto end = EndAtMs(e), prev_end = EndAtMs(prev);
      if (end && (!prev_end || *end > *prev_end)) {
        prev = e;
      } else if (end && prev_end && *end == *prev_end) {
        const std::string id = StringOrEmpty(e.Find("id")), prev_id = StringOrEmpty(prev.Find("id"));
        if (!id.empty() && (prev_id.empty() || CompareUtf16(id, prev_id) > 0)) prev = e;
      }
    } else if (type == "INCIDENT_REPORTED" || type == "INCIDENT_DETECTED") {
      auto incident = Str(p, "type");
      if (incident && excuse.count(*incident)) excused.push_back(zone);
    }
  }
  struct Coverage {
    std::string zone, event_id, json;
  };
  std::vector<Coverage> coverage;
  for (const auto& [zone, e] : latest) {
    if (!required.count(zone)) continue;
    json::Value p = e.Find("payload");
    coverage.push_back({zone, StringOrEmpty(e.Find("id")),
                        "{\"at\":" + CanonicalOf(e.Find("at")) + ",\"chainHash\":" + CanonicalOf(e.Find("chainHash")) +
                            ",\"coveragePct\":" + (SafeInt(p.Find("coveragePct")) ? CanonicalOf(p.Find("coveragePct")) : "null") +
                            ",\"eventId\":" + CanonicalOf(e.Find("id")) + ",\"window\":" + CanonicalOf(p.Find("window")) +
                            ",\"zoneId\":" + Quote(zone) + "}"});
  }
  std::stable_sort(coverage.begin(), coverage.end(), [](const Coverage& a, const Coverage& b) {
    const int z = LocaleCompare(a.zone, b.zone);
    return z != 0 ? z < 0 : LocaleCompare(a.event_id, b.event_id) < 0;
  });
  std::string cov = "[";
  for (size_t i = 0; i < coverage.size(); ++i) cov += (i ? "," : "") + coverage[i].json;
  auto zones_hash = NonBlank(booking, "requiredZonesHash");
  const std::string facts = "{\"coverageByZone\":" + cov + "],\"evaluatedAtChainHash\":" + Quote(at_chain.as_string()) +
                            ",\"excuseIncidentTypes\":" + SortedUnique(excuse_types, false) +
                            ",\"excusedZones\":" + SortedUnique(excused, false) +
                            ",\"requiredZoneIds\":" + SortedUnique(zones, false) +
                            ",\"requiredZonesHash\":" + (zones_hash ? Quote(*zones_hash) : std::string("null")) +
                            ",\"schemaVersion\":\"ZoneCoverageFacts.v1\",\"thresholdPct\":" + threshold + "}";
  *hash = crypto::Sha256Hex(facts);
  return true;
}

// A PROOF_EVALUATED reference matches the event it names (every declared member).
bool ProofRefMatches(json::Value ref, json::Value proof, bool forfeit_may_override_status) {
  json::Value p = proof.Find("payload");
  if (!IsJsObject(ref) || !IsJsObject(p)) return false;
  for (auto [member, actual] : {std::pair{"proofEventId", "id"}, std::pair{"proofEventChainHash", "chainHash"},
                                std::pair{"proofEventPayloadHash", "payloadHash"},
                                std::pair{"proofEventSignerKeyId", "signerKeyId"},
                                std::pair{"proofEventSignature", "signature"}}) {
    if (DeclaredDiffers(ref, member, proof.Find(actual))) return false;
  }
  for (std::string_view m : {"evaluationId", "evaluatedAtChainHash", "factsHash"}) {
    if (DeclaredDiffers(ref, m, p.Find(m))) return false;
  }
  json::Value status = ref.Find("status");
  if (Truthy(status) && !StrictEquals(status, p.Find("status"))) {
    // A forfeiting settlement records FAIL for a proof that found the evidence insufficient.
    const json::Value forfeit = ref.Find("forfeit");
    const bool forfeit_fail = forfeit_may_override_status && Truthy(forfeit) && IsJsObject(forfeit) &&
                              Str(p, "status") == std::optional<std::string_view>("INSUFFICIENT_EVIDENCE") &&
                              Str(ref, "status") == std::optional<std::string_view>("FAIL");
    if (!forfeit_fail) return false;
  }
  for (std::string_view m : {"requiredZonesHash", "customerPolicyHash", "operatorPolicyHash"}) {
    if (DeclaredDiffers(ref, m, p.Find(m))) return false;
  }
  return !(Truthy(ref.Find("reasonCodes")) && !ArrayEqual(ref.Find("reasonCodes"), p.Find("reasonCodes")));
}

// A forfeit's decisionEventRef matches the DECISION_RECORDED event it names.
bool DecisionRefMatches(json::Value ref, json::Value decision) {
  json::Value p = decision.Find("payload");
  if (!IsJsObject(ref) || !IsJsObject(p)) return false;
  for (auto [member, actual] : {std::pair{"decisionEventId", "id"}, std::pair{"decisionEventChainHash", "chainHash"},
                                std::pair{"decisionEventPayloadHash", "payloadHash"},
                                std::pair{"decisionEventSignerKeyId", "signerKeyId"},
                                std::pair{"decisionEventSignature", "signature"}}) {
    if (DeclaredDiffers(ref, member, decision.Find(actual))) return false;
  }
  for (std::string_view m : {"decisionId", "kind", "holdId", "forfeitureReason", "policyHash"}) {
    if (DeclaredDiffers(ref, m, p.Find(m))) return false;
  }
  for (std::string_view m : {"reasonCodes", "evidenceRefs"}) {
    if (Truthy(ref.Find(m)) && !ArrayEqual(ref.Find(m), p.Find(m))) return false;
  }
  return true;
}

// One sub-error record: {"error": ..., then (name, JSON text) members in order}.
using Members = std::vector<std::pair<std::string_view, std::string>>;
std::string Record(std::string_view error, const Members& members) {
  std::string out = "{\"error\":" + Quote(error);
  for (const auto& [name, value] : members) out += StrCat(",", Quote(name), ":", value);
  return out + "}";
}

std::string OptQuote(const std::optional<std::string_view>& s) { return s ? Quote(*s) : std::string("null"); }

// The three decisions that cite a PROOF_EVALUATED event.
struct ProofCitingKind {
  std::string_view type, ref, word, id_member;
};
constexpr ProofCitingKind kProofCiting[] = {
    {"SETTLEMENT_HELD", "triggeringProofRef", "hold", "holdEventId"},
    {"SETTLEMENT_RELEASED", "releasingProofRef", "release", "releaseEventId"},
    {"SETTLED", "settlementProofRef", "settlement", "settledEventId"},
};

}  // namespace

std::optional<std::string> CheckProvenance(const std::vector<json::Document>& events) {
  std::map<std::string_view, json::Value> by_id;  // the last event with each non-blank id
  for (const auto& d : events) {
    if (auto id = NonBlank(d.root(), "id")) by_id[*id] = d.root();
  }
  const auto lookup = [&](std::optional<std::string_view> id, std::string_view type) -> json::Value {
    if (!id || id->empty()) return json::Value();
    auto it = by_id.find(*id);
    if (it == by_id.end() || Str(it->second, "type") != std::optional<std::string_view>(type)) return json::Value();
    return it->second;
  };
  std::vector<std::string> errors;
  size_t checked = 0;
  for (size_t idx = 0; idx < events.size(); ++idx) {
    json::Value e = events[idx].root();
    const std::string_view type = Str(e, "type").value_or("");
    json::Value payload = e.Find("payload");
    const std::string event_id = CanonicalOf(e.Find("id"));
    for (const ProofCitingKind& k : kProofCiting) {
      if (type != k.type) continue;
      ++checked;
      json::Value ref = payload.Find(k.ref);
      const auto proof_id = Str(ref, "proofEventId");
      json::Value proof = lookup(proof_id, "PROOF_EVALUATED");
      const auto record = [&](std::string_view what, Members more = {}) {
        Members members = {{k.id_member, event_id}, {"proofEventId", OptQuote(proof_id)}};
        members.insert(members.end(), more.begin(), more.end());
        errors.push_back(Record(StrCat(k.word, " ", what), members));
      };
      if (!proof.present()) {
        record("missing referenced PROOF_EVALUATED");
        continue;
      }
      json::Value pp = proof.Find("payload");
      if (!ProofRefMatches(ref, proof, type == "SETTLED")) record(StrCat(k.ref, " mismatch"));
      if (type == "SETTLEMENT_HELD") {
        for (std::string_view m : {"missingEvidence", "reasonCodes"}) {
          if (!ArrayEqual(payload.Find(m), pp.Find(m))) record(StrCat(m, " mismatch"));
        }
      }
      std::string expected, message;
      if (!FactsHash(events, idx, pp.Find("evaluatedAtChainHash"), &expected, &message)) {
        record("freshness check failed", {{"message", Quote(message)}});
      } else if (json::Value actual = pp.Find("factsHash"); Truthy(actual) && !(actual.is_string() && actual.as_string() == expected)) {
        record("stale at decision time", {{"expectedFactsHash", Quote(expected)}, {"actualFactsHash", CanonicalOf(actual)}});
      }
      json::Value forfeit = ref.Find("forfeit");
      if (type == "SETTLED" && Truthy(forfeit) && IsJsObject(forfeit)) {
        const auto forfeit_id = Str(forfeit, "forfeitEventId");
        json::Value forfeit_event = lookup(forfeit_id, "SETTLEMENT_FORFEITED");
        const auto forfeit_record = [&](std::string_view error) {
          errors.push_back(Record(error, {{"settledEventId", event_id}, {"forfeitEventId", OptQuote(forfeit_id)}}));
        };
        if (!forfeit_event.present()) {
          forfeit_record("settlement forfeit ref missing SETTLEMENT_FORFEITED");
        } else {
          if (DeclaredDiffers(forfeit, "forfeitEventChainHash", forfeit_event.Find("chainHash"))) {
            forfeit_record("settlement forfeitEventChainHash mismatch");
          }
          if (DeclaredDiffers(forfeit, "forfeitEventPayloadHash", forfeit_event.Find("payloadHash"))) {
            forfeit_record("settlement forfeitEventPayloadHash mismatch");
          }
        }
      }
    }
    if (type != "SETTLEMENT_FORFEITED") continue;
    ++checked;
    json::Value at_chain = payload.Find("evaluatedAtChainHash");
    std::string expected, message;
    if (!FactsHash(events, idx, at_chain, &expected, &message)) {
      errors.push_back(Record("forfeit freshness check failed", {{"forfeitEventId", event_id}, {"message", Quote(message)}}));
    } else if (auto actual = Str(payload, "factsHash"); actual && !actual->empty() && *actual != expected) {
      errors.push_back(Record("forfeit stale at decision time", {{"forfeitEventId", event_id},
                                                                 {"expectedFactsHash", Quote(expected)},
                                                                 {"actualFactsHash", Quote(*actual)}}));
    }
    json::Value decision_ref = payload.Find("decisionEventRef");
    if (!Truthy(decision_ref) && !Truthy(payload.Find("decisionRef"))) {
      errors.push_back(Record("forfeit missing decision provenance", {{"forfeitEventId", event_id}}));
    }
    if (Truthy(decision_ref)) {
      const auto decision_id = Str(decision_ref, "decisionEventId");
      json::Value decision = lookup(decision_id, "DECISION_RECORDED");
      if (!decision.present()) {
        errors.push_back(Record("forfeit decisionEventRef missing DECISION_RECORDED",
                                {{"forfeitEventId", event_id}, {"decisionEventId", OptQuote(decision_id)}}));
      } else if (!DecisionRefMatches(decision_ref, decision)) {
        errors.push_back(Record("forfeit decisionEventRef mismatch",
                                {{"forfeitEventId", event_id}, {"decisionEventId", OptQuote(decision_id)}}));
      }
    }
  }
  if (errors.empty()) return std::nullopt;
  std::string out = StrCat("{\"ok\":false,\"checked\":", checked, ",\"errors\":[");
  for (size_t i = 0; i < errors.size(); ++i) out += (i ? "," : "") + errors[i];
  return out + "]}";
}

}  // namespace nooterra::verify::internal
