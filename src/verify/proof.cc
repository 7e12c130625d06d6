// JobProofBundle.v1 and MonthProofBundle.v1 (../shared/protocol/verify/05-jobproof-monthproof.md),
// in the reference's exact check order.
#include "common/strings.h"
#include "verify/attest.h"

namespace nooterra::verify::internal {

void RootsMissingWarning(const Scope& b, std::vector<Warning>* warnings) {
  if (!b.options->strict && IsBlank(b.options->trust.governance_roots_json)) {
    warnings->push_back({"TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT", "",
                         "{\"env\":\"NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON\"}"});
  }
}

namespace {

struct Stream {
  bool present = false;   // at least one of the three files could be read
  bool complete = false;  // all three could be read
  std::vector<json::Document> events, material;
  JsonFile snapshot;
  bool has_snapshot = false;
};

void ReadStream(const Scope& b, std::string_view events, std::string_view material, std::string_view snapshot,
                Stream* out) {
  const bool e = ReadJsonl(b, events, &out->events);
  const bool m = ReadJsonl(b, material, &out->material);
  out->has_snapshot = ReadJson(b, snapshot, &out->snapshot);
  if (!e) out->events.clear();
  if (!m) out->material.clear();
  out->present = e || m || out->has_snapshot;
  out->complete = e && m && out->has_snapshot;
}

DeclaredHead HeadOf(const JsonFile* snapshot) {
  DeclaredHead h;
  if (!snapshot) return h;
  json::Value s = snapshot->root();
  if (auto c = NonBlank(s, "lastChainHash")) h.chain_hash = std::string(*c);
  if (auto e = NonBlank(s, "lastEventId")) h.event_id = std::string(*e);
  return h;
}

Fail CheckStream(const Stream& s, const KeyFile& keys, bool strict, std::string_view incomplete,
                 std::string_view integrity, std::string_view missing, std::string_view missing_warning,
                 std::vector<Warning>* warnings) {
  if (!s.present) {
    if (strict) return F(std::string(missing));
    warnings->push_back({std::string(missing_warning), "", ""});
    return nullptr;
  }
  if (strict && !s.complete) return F(std::string(incomplete));
  const DeclaredHead head = HeadOf(s.has_snapshot ? &s.snapshot : nullptr);
  if (Fail f = VerifyStream(s.events, s.material, keys, head, strict)) return Wrap(std::string(integrity), std::move(f));
  return nullptr;
}

// Compares one heads.* sub-object with a declared head (only when both sides are truthy).
Fail CompareHead(json::Value head, json::Value chain_hash, json::Value event_id, std::string_view what) {
  json::Value hc = head.Find("lastChainHash"), he = head.Find("lastEventId");
  if (Truthy(hc) && Truthy(chain_hash) && CanonicalOf(hc) != CanonicalOf(chain_hash)) {
    return F(StrCat("attestation ", what, " head mismatch (chainHash)"));
  }
  if (Truthy(he) && Truthy(event_id) && CanonicalOf(he) != CanonicalOf(event_id)) {
    return F(StrCat("attestation ", what, " head mismatch (eventId)"));
  }
  return nullptr;
}

}  // namespace

Fail VerifyProofBundle(const Scope& b, bool month, std::vector<Warning>* warnings, KindResult* out) {
  const bool strict = b.options->strict;
  RootsMissingWarning(b, warnings);
  JsonFile manifest_file;
  if (Fail f = ReadJsonRequired(b, "manifest.json", &manifest_file)) return f;
  json::Value manifest = manifest_file.root();
  if (Str(manifest, "schemaVersion") != std::optional<std::string_view>("ProofBundleManifest.v1")) {
    return F("unsupported manifest schemaVersion");
  }
  if (month && Str(manifest, "kind") != std::optional<std::string_view>("MonthProofBundle.v1")) {
    return F("unsupported bundle kind");
  }
  if (Fail f = ValidateManifestPaths(manifest)) return f;
  std::string manifest_hash;
  if (Fail f = CheckManifestHash(manifest, &manifest_hash)) return f;

  std::vector<std::string> missing =
      month ? MissingRequired(manifest, {"events/events.jsonl", "events/payload_material.jsonl", "keys/public_keys.json"})
            : MissingRequired(manifest, {"events/events.jsonl", "events/payload_material.jsonl", "job/snapshot.json",
                                         "keys/public_keys.json"});
  if (strict) {
    auto more = MissingRequired(manifest, {"governance/policy.json", "governance/revocations.json",
                                           "governance/global/events/events.jsonl",
                                           "governance/global/events/payload_material.jsonl",
                                           "governance/global/snapshot.json", "governance/tenant/events/events.jsonl",
                                           "governance/tenant/events/payload_material.jsonl",
                                           "governance/tenant/snapshot.json"});
    missing.insert(missing.end(), more.begin(), more.end());
    if (!missing.empty()) return MissingRequiredFail(missing);
  } else if (!missing.empty()) {
    std::string list = "[";
    for (size_t i = 0; i < missing.size(); ++i) list += (i ? "," : "") + Quote(missing[i]);
    list += "]";
    std::string detail = "{\"missing\":" + list;
    if (!month) detail += ",\"kind\":" + CanonicalOf(manifest.Find("kind"));
    warnings->push_back({"MANIFEST_MISSING_REQUIRED_FILES", "", detail + "}"});
  }
  if (Fail f = CheckFileHashes(b, manifest, "missing file")) return f;

  Governance governance;
  if (Fail f = LoadGovernance(b, ListCheck::kListHash, warnings, &governance)) return f;

  // Step 8: the reference reads the files in a kind-specific order; the first failure wins.
  std::vector<json::Document> events, material;
  KeyFile keys;
  Stream global, tenant;
  JsonFile snapshot, attestation, report;
  bool has_snapshot = false;
  const auto read_keys = [&]() -> Fail {
    JsonFile key_file;
    const bool ok = ReadJson(b, "keys/public_keys.json", &key_file) && ParseProofKeyFile(key_file.root(), &keys);
    if (ok) return nullptr;
    keys = KeyFile{};
    if (!month) return F("missing or invalid keys/public_keys.json");
    if (strict) return F("missing keys/public_keys.json");
    warnings->push_back({"MISSING_PUBLIC_KEYS", "", ""});
    return nullptr;
  };
  const auto read_events = [&]() -> Fail {
    if (!ReadJsonl(b, "events/events.jsonl", &events) || events.empty()) return F("missing events/events.jsonl");
    if (!ReadJsonl(b, "events/payload_material.jsonl", &material)) return F("missing events/payload_material.jsonl");
    return nullptr;
  };
  if (month) {
    if (Fail f = read_keys()) return f;
    if (Fail f = read_events()) return f;
  } else {
    if (Fail f = read_events()) return f;
    if (Fail f = read_keys()) return f;
  }
  ReadStream(b, "governance/tenant/events/events.jsonl", "governance/tenant/events/payload_material.jsonl",
             "governance/tenant/snapshot.json", &tenant);
  ReadStream(b, "governance/global/events/events.jsonl", "governance/global/events/payload_material.jsonl",
             "governance/global/snapshot.json", &global);
  if (!month && !global.present) {
    ReadStream(b, "governance/events/events.jsonl", "governance/events/payload_material.jsonl",
               "governance/snapshot.json", &global);  // legacy layout
  }
  if (!month) {
    has_snapshot = ReadJson(b, "job/snapshot.json", &snapshot);
    if (strict && !has_snapshot) return F("missing job/snapshot.json");
  }
  const bool has_attestation = ReadJson(b, "attestation/bundle_head_attestation.json", &attestation);
  if (strict && !has_attestation) return F("missing attestation/bundle_head_attestation.json");
  const bool has_report = ReadJson(b, "verify/verification_report.json", &report);
  if (!has_report) {
    if (strict) return F("missing verify/verification_report.json");
    warnings->push_back({"VERIFICATION_REPORT_MISSING_LENIENT", "", ""});
  }

  ApplyKeyTimeline({&global.events, &tenant.events}, /*nested=*/false, &keys);
  if (strict) {
    for (const auto& e : global.events) {
      if (Str(e.root(), "type") == std::optional<std::string_view>("TENANT_POLICY_UPDATED")) {
        return F("governance/global contains tenant-scoped event");
      }
    }
    for (const auto& e : tenant.events) {
      auto type = Str(e.root(), "type");
      if (type && type->rfind("SERVER_SIGNER_KEY_", 0) == 0) return F("governance/tenant contains global-scoped event");
    }
  }
  if (Fail f = CheckStream(global, keys, strict, "incomplete governance/global stream files",
                           "governance stream integrity invalid", "missing governance/global stream",
                           "MISSING_GOVERNANCE_GLOBAL_STREAM", warnings)) {
    return f;
  }
  if (Fail f = CheckStream(tenant, keys, strict, "incomplete governance/tenant stream files",
                           "tenant governance stream integrity invalid", "missing governance/tenant stream",
                           "MISSING_GOVERNANCE_TENANT_STREAM", warnings)) {
    return f;
  }
  const DeclaredHead job_head = month ? DeclaredHead{} : HeadOf(has_snapshot ? &snapshot : nullptr);
  if (Fail f = VerifyStream(events, material, keys, job_head, strict)) {
    return Wrap("event stream integrity invalid", std::move(f));
  }

  const std::string kind(Str(manifest, "kind").value_or(""));
  DocCheck check{&b, &governance, &keys, month ? Variant::kMonth : Variant::kJob, ""};
  std::optional<std::string> attestation_hash;
  if (has_attestation) {
    json::Value att = attestation.root();
    check.subject_type = std::string(Str(att, "kind").value_or(""));
    std::string hash;
    const auto verify_attestation = [&]() -> Fail {
      if (Fail f = AttestationHeader(att, check.variant)) return f;
      if (std::string(Str(att, "kind").value_or("")) != kind) return F("attestation kind mismatch");
      if (CanonicalOf(att.Find("tenantId")) != CanonicalOf(manifest.Find("tenantId"))) {
        return F("attestation tenantId mismatch");
      }
      const auto or_null = [](json::Value v) { return v.present() ? CanonicalOf(v) : std::string("null"); };
      if (or_null(att.Find("scope")) != or_null(manifest.Find("scope"))) return F("attestation scope mismatch");
      if (Str(att, "manifestHash") != std::optional<std::string_view>(manifest_hash)) {
        return F("attestation manifestHash mismatch");
      }
      if (Fail f = AttestationSignature(att, check, &hash)) return f;
      json::Value heads = att.Find("heads");
      if (!heads.is_object()) return F("attestation missing heads");
      const std::string att_kind(Str(att, "kind").value_or(""));
      if (att_kind == "JobProofBundle.v1") {
        json::Value job = heads.Find("job");
        if (!Truthy(job)) return F("attestation missing heads.job");
        json::Value s = has_snapshot ? snapshot.root() : json::Value();
        if (Fail f = CompareHead(job, s.Find("lastChainHash"), s.Find("lastEventId"), "job")) return f;
      } else if (att_kind == "MonthProofBundle.v1") {
        json::Value m = heads.Find("month");
        if (!Truthy(m)) return F("attestation missing heads.month");
        json::Value last = events.back().root();
        json::Value hc = m.Find("lastChainHash"), he = m.Find("lastEventId");
        if (CanonicalOf(hc) != CanonicalOf(last.Find("chainHash"))) return F("attestation month head mismatch (chainHash)");
        if (CanonicalOf(he) != CanonicalOf(last.Find("id"))) return F("attestation month head mismatch (eventId)");
      }
      json::Value gov = heads.Find("governance");
      if (gov.is_object()) {
        for (auto [name, stream] : {std::pair<const char*, const Stream*>{"tenant", &tenant}, {"global", &global}}) {
          json::Value h = gov.Find(name);
          if (!h.is_object()) continue;
          json::Value s = stream->has_snapshot ? stream->snapshot.root() : json::Value();
          if (Fail f = CompareHead(h, s.Find("lastChainHash"), s.Find("lastEventId"),
                                   StrCat(name, " governance"))) {
            return f;
          }
        }
      }
      return nullptr;
    };
    if (Fail f = verify_attestation()) {
      if (strict) return Wrap("bundle head attestation invalid", std::move(f));
      warnings->push_back({"BUNDLE_HEAD_ATTESTATION_INVALID", "", ""});
    } else {
      attestation_hash = hash;
    }
  } else {
    warnings->push_back({"MISSING_BUNDLE_HEAD_ATTESTATION", "", ""});
    warnings->push_back({"BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT", "", ""});
  }

  if (!month) {
    if (auto refs = CheckProvenance(events)) return Wrap("provenance refs invalid", RawRecord(std::move(*refs)));
  }
  if (has_report) {
    check.subject_type = month ? "MonthProofBundle.v1" : "JobProofBundle.v1";
    if (Fail f = VerifyReport(report.root(), check, manifest_hash, attestation_hash)) {
      return Wrap("verification report invalid", std::move(f));
    }
  }
  out->tenant_id_json = CanonicalOf(manifest.Find("tenantId"));
  if (auto t = Str(manifest, "tenantId")) out->tenant_id = std::string(*t);
  out->type = kind;
  out->manifest_hash = manifest_hash;
  out->attestation_hash = attestation_hash;
  return nullptr;
}

}  // namespace nooterra::verify::internal
