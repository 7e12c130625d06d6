// JobProof provenance references (../shared/protocol/verify/05-jobproof-monthproof.md §3):
// settlement decisions must point at the proof evaluation they relied on, and that evaluation's
// zone-coverage facts must still be what the events before it say.
//
// Implemented: SETTLEMENT_HELD / SETTLEMENT_RELEASED / SETTLED references to PROOF_EVALUATED
// (existence, every declared field, missingEvidence / reasonCodes, facts freshness). Not yet: the
// SETTLEMENT_FORFEITED decision references and SETTLED's forfeit pointer, whose member names the
// digest does not spell out (tracked on issue 3; no fixture carries them).
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

std::string SortedStrings(std::vector<std::string> v, bool locale) {
  std::sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) {
    return locale ? LocaleCompare(a, b) < 0 : CompareUtf16(a, b) < 0;
  });
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + Quote(v[i]);
  return out + "]";
}

// The ZoneCoverageFacts.v1 hash over the events up to the one whose chainHash is `at_chain`;
// nullopt when no such event exists (the reference throws: "freshness check failed").
std::optional<std::string> FactsHash(const std::vector<json::Document>& events, std::string_view at_chain) {
  size_t end = 0;
  for (size_t i = 0; i < events.size() && end == 0; ++i) {
    if (Str(events[i].root(), "chainHash") == std::optional<std::string_view>(at_chain)) end = i + 1;
  }
  if (end == 0) return std::nullopt;
  json::Value booking;
  for (size_t i = 0; i < end; ++i) {
    json::Value e = events[i].root();
    if (Str(e, "type") == std::optional<std::string_view>("BOOKED") && e.Find("payload").is_object()) booking = e.Find("payload");
  }
  std::vector<std::string> zones;
  json::Value zone_list = booking.Find("requiredZones").Find("zones");
  for (size_t i = 0; i < zone_list.size(); ++i) {
    if (auto z = Str(zone_list.at(i), "zoneId")) zones.emplace_back(*z);
  }
  const std::set<std::string> required(zones.begin(), zones.end());
  json::Value policy = booking.Find("policySnapshot");
  json::Value zc = policy.Find("proofPolicy").is_object() ? policy.Find("proofPolicy").Find("zoneCoverage")
                                                          : policy.Find("proof").Find("zoneCoverage");
  const std::string threshold = SafeInt(zc.Find("thresholdPct")) ? CanonicalOf(zc.Find("thresholdPct")) : "95";
  std::vector<std::string> excuse_types;
  if (zc.Find("excuseIncidentTypes").is_array()) {
    json::Value t = zc.Find("excuseIncidentTypes");
    for (size_t i = 0; i < t.size(); ++i) {
      if (t.at(i).is_string()) excuse_types.emplace_back(t.at(i).as_string());
    }
  } else {
    excuse_types = {"BLOCKED_ZONE"};
  }
  const std::set<std::string> excuse(excuse_types.begin(), excuse_types.end());
  std::map<std::string, json::Value> latest;  // zoneId -> event
  std::vector<std::string> excused;
  for (size_t i = 0; i < end; ++i) {
    json::Value e = events[i].root();
    const std::string type(Str(e, "type").value_or(""));
    json::Value p = e.Find("payload");
    auto zone = Str(p, "zoneId");
    if (type == "ZONE_COVERAGE_REPORTED" && zone && required.count(std::string(*zone))) {
      auto& slot = latest[std::string(*zone)];
      const auto end_at = [](json::Value ev) {
        auto s = Str(ev.Find("payload").Find("window"), "endAt");
        return s ? ParseTimeMs(*s) : std::nullopt;
      };
      const bool newer = !slot.present() || end_at(e) > end_at(slot) ||
                         (end_at(e) == end_at(slot) && CompareUtf16(Str(e, "id").value_or(""), Str(slot, "id").value_or("")) > 0);
      if (newer) slot = e;
    }
    if ((type == "INCIDENT_REPORTED" || type == "INCIDENT_DETECTED") && zone && excuse.count(std::string(Str(p, "type").value_or("")))) {
      excused.emplace_back(*zone);
    }
  }
  std::vector<std::pair<std::string, std::string>> coverage;  // (sort key, JSON)
  for (const auto& [zone, e] : latest) {
    json::Value p = e.Find("payload");
    coverage.emplace_back(zone + '\x01' + std::string(Str(e, "id").value_or("")),
                          "{\"at\":" + CanonicalOf(e.Find("at")) + ",\"chainHash\":" + CanonicalOf(e.Find("chainHash")) +
                              ",\"coveragePct\":" + (SafeInt(p.Find("coveragePct")) ? CanonicalOf(p.Find("coveragePct")) : "null") +
                              ",\"eventId\":" + CanonicalOf(e.Find("id")) + ",\"window\":" + CanonicalOf(p.Find("window")) +
                              ",\"zoneId\":" + Quote(zone) + "}");
  }
  std::stable_sort(coverage.begin(), coverage.end(), [](const auto& a, const auto& b) {
    const size_t sa = a.first.find('\x01'), sb = b.first.find('\x01');
    const int z = LocaleCompare(a.first.substr(0, sa), b.first.substr(0, sb));
    return z != 0 ? z < 0 : LocaleCompare(a.first.substr(sa + 1), b.first.substr(sb + 1)) < 0;
  });
  std::string cov = "[";
  for (size_t i = 0; i < coverage.size(); ++i) cov += (i ? "," : "") + coverage[i].second;
  cov += "]";
  auto zones_hash = NonBlank(booking, "requiredZonesHash");
  const std::string facts = "{\"coverageByZone\":" + cov + ",\"evaluatedAtChainHash\":" + Quote(at_chain) +
                            ",\"excuseIncidentTypes\":" + SortedStrings(excuse_types, false) +
                            ",\"excusedZones\":" + SortedStrings(excused, false) +
                            ",\"requiredZoneIds\":" + SortedStrings(zones, false) +
                            ",\"requiredZonesHash\":" + (zones_hash ? Quote(*zones_hash) : std::string("null")) +
                            ",\"schemaVersion\":\"ZoneCoverageFacts.v1\",\"thresholdPct\":" + threshold + "}";
  return crypto::Sha256Hex(facts);
}

}  // namespace

std::vector<std::string> CheckProvenance(const std::vector<json::Document>& events) {
  std::map<std::string_view, json::Value> by_id;
  for (const auto& d : events) {
    if (auto id = Str(d.root(), "id")) by_id[*id] = d.root();
  }
  std::vector<std::string> errors;
  struct Kind {
    const char* type;
    const char* ref;
    const char* word;
  };
  for (const auto& d : events) {
    json::Value e = d.root();
    const std::string type(Str(e, "type").value_or(""));
    for (const Kind k : {Kind{"SETTLEMENT_HELD", "triggeringProofRef", "hold"},
                         Kind{"SETTLEMENT_RELEASED", "releasingProofRef", "release"},
                         Kind{"SETTLED", "settlementProofRef", "settlement"}}) {
      if (type != k.type) continue;
      json::Value payload = e.Find("payload");
      json::Value ref = payload.Find(k.ref);
      if (!ref.is_object()) continue;  // events without a reference predate provenance
      auto it = by_id.find(Str(ref, "proofEventId").value_or(""));
      if (it == by_id.end() || Str(it->second, "type") != std::optional<std::string_view>("PROOF_EVALUATED")) {
        errors.push_back(StrCat(k.word, " missing referenced PROOF_EVALUATED"));
        continue;
      }
      json::Value proof = it->second;
      json::Value p = proof.Find("payload");
      bool mismatch = false;
      const auto same = [&](std::string_view ref_member, json::Value actual) {
        json::Value declared = ref.Find(ref_member);
        if (declared.present() && CanonicalOf(declared) != CanonicalOf(actual)) mismatch = true;
      };
      same("proofEventChainHash", proof.Find("chainHash"));
      same("proofEventPayloadHash", proof.Find("payloadHash"));
      same("proofEventSignerKeyId", proof.Find("signerKeyId"));
      same("proofEventSignature", proof.Find("signature"));
      for (std::string_view m : {"evaluationId", "evaluatedAtChainHash", "factsHash", "requiredZonesHash",
                                 "customerPolicyHash", "operatorPolicyHash", "reasonCodes"}) {
        same(m, p.Find(m));
      }
      json::Value status = ref.Find("status");
      const bool forfeit_fail = type == "SETTLED" && Str(ref, "status") == std::optional<std::string_view>("FAIL") &&
                                Str(p, "status") == std::optional<std::string_view>("INSUFFICIENT_EVIDENCE") &&
                                ref.Find("forfeit").is_object();
      if (status.present() && !forfeit_fail && CanonicalOf(status) != CanonicalOf(p.Find("status"))) mismatch = true;
      if (mismatch) {
        errors.push_back(StrCat(k.word, " ", k.ref, " mismatch"));
        continue;
      }
      for (std::string_view m : {"missingEvidence", "reasonCodes"}) {
        json::Value mine = payload.Find(m);
        if (mine.is_array() && CanonicalOf(mine) != CanonicalOf(p.Find(m))) errors.push_back(StrCat(k.word, " ", m, " mismatch"));
      }
      if (auto facts = Str(p, "factsHash")) {
        auto at = Str(p, "evaluatedAtChainHash");
        auto recomputed = at ? FactsHash(events, *at) : std::nullopt;
        if (!recomputed) {
          errors.push_back(StrCat(k.word, " freshness check failed"));
        } else if (*recomputed != *facts) {
          errors.push_back(StrCat(k.word, " stale at decision time"));
        }
      }
    }
  }
  return errors;
}

}  // namespace nooterra::verify::internal
