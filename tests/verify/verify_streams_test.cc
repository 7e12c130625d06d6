// Event streams (04 §13), key files (§6), the governance-event key timeline (§6.1) and the
// JobProof/MonthProof stream steps (05 §2 steps 8-13, 15).
#include <functional>

#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

constexpr BundleKind kJob = BundleKind::kJobProof;
constexpr BundleKind kMonth = BundleKind::kMonthProof;
constexpr char kJobPass[] = "jobproof/strict-pass";
constexpr char kMonthPass[] = "monthproof/strict-pass";
constexpr char kEvents[] = "events/events.jsonl";
constexpr char kMaterial[] = "events/payload_material.jsonl";
constexpr char kKeys[] = "keys/public_keys.json";
constexpr char kGlobal[] = "governance/global/events";
constexpr char kGlobalSnapshot[] = "governance/global/snapshot.json";
constexpr char kTenant[] = "governance/tenant/events";
constexpr char kTenantSnapshot[] = "governance/tenant/snapshot.json";

// Re-hashes the manifest only (for files the attestation re-binding could not read).
void Seal(const Bundle& b) {
  b.RehashEntries();
  b.SealManifest();
}

void EditLine(const Bundle& b, const char* rel, size_t i, const std::function<void(Json&)>& fn) {
  std::vector<Json> lines = b.ReadJsonl(rel);
  ASSERT_LT(i, lines.size());
  fn(lines[i]);
  b.WriteJsonl(rel, lines);
}

void RemoveEntries(const Bundle& b, std::initializer_list<std::string_view> names) {
  b.Edit("manifest.json", [&](Json& m) {
    Json& files = m["files"];
    for (std::string_view name : names) {
      for (size_t i = 0; i < files.size(); ++i) {
        if (files[i].Find("name")->str() == name) {
          files.EraseAt(i);
          break;
        }
      }
    }
  });
}

void RenameEntry(const Bundle& b, std::string_view from, std::string_view to) {
  b.Edit("manifest.json", [&](Json& m) {
    Json& files = m["files"];
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].Find("name")->str() == from) files[i]["name"] = to;
    }
  });
}

void AddKey(const Bundle& b, Json row) {
  b.Edit(kKeys, [&](Json& k) { k["keys"].Push(std::move(row)); });
}

// Re-signs the job event `i` with another key id (and that key).
void ResignEvent(const Bundle& b, size_t i, const char* key_id) {
  EditLine(b, kEvents, i, [&](Json& e) {
    e["signerKeyId"] = key_id;
    e["signature"] = SignHex(e["payloadHash"].str(), key_id);
  });
}

Json KeyPayload(const char* key_id, const char* member, const char* at) {
  Json p = Json::Object();
  p["keyId"] = key_id;
  p[member] = at;
  return p;
}

// ---- reading the streams and the key file

TEST(VerifyStreams, MissingOrEmptyEventsFile) {
  for (const char* text : {"", "\n \n", "{\n", "{}\n{"}) {
    SCOPED_TRACE(text);
    for (const auto& [kind, rel] : {std::pair{kJob, kJobPass}, std::pair{kMonth, kMonthPass}}) {
      Bundle b(rel);
      b.Write(kEvents, text);
      Seal(b);
      EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"missing events/events.jsonl"}));
      EXPECT_TRUE(Fails(b.Verify(kind, Lenient()), {"missing events/events.jsonl"}));
    }
  }
}

TEST(VerifyStreams, MissingPayloadMaterial) {
  for (const auto& [kind, rel] : {std::pair{kJob, kJobPass}, std::pair{kMonth, kMonthPass}}) {
    Bundle b(rel);
    b.Write(kMaterial, "{\"v\":1\n");
    Seal(b);
    EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"missing events/payload_material.jsonl"}));
    EXPECT_TRUE(Fails(b.Verify(kind, Lenient()), {"missing events/payload_material.jsonl"}));
  }
}

TEST(VerifyStreams, JobKeyFileMissingOrInvalidInBothModes) {
  const std::function<void(Json&)> mutations[] = {
      [](Json& k) { k = Json::Array(); },
      [](Json& k) { k["schemaVersion"] = "PublicKeys.v2"; },
      [](Json& k) { k["keys"] = Json::Object(); },
      [](Json& k) { k["keys"][0].Erase("publicKeyPem"); },
      [](Json& k) { k["keys"][0]["keyId"] = " "; },
      [](Json& k) { k["keys"].Push("not a row"); },
  };
  for (size_t i = 0; i < std::size(mutations); ++i) {
    SCOPED_TRACE(i);
    Bundle b(kJobPass);
    b.Edit(kKeys, mutations[i]);
    Seal(b);
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"missing or invalid keys/public_keys.json"}));
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"missing or invalid keys/public_keys.json"}));
  }
}

TEST(VerifyStreams, MonthKeyFileStrictFailsLenientWarnsAndContinues) {
  Bundle b(kMonthPass);
  b.Write(kKeys, "[]");
  Seal(b);
  EXPECT_TRUE(Fails(b.Verify(kMonth, Strict()), {"missing keys/public_keys.json"}));
  // Without keys the signed governance event cannot be checked; the warning survives the failure.
  Outcome o = b.Verify(kMonth, Lenient());
  EXPECT_TRUE(Fails(o, {"unknown signerKeyId at index 0"}, {"MISSING_PUBLIC_KEYS"}));
  EXPECT_EQ(o.message(), "governance stream integrity invalid");
}

TEST(VerifyStreams, LegacyKeyMapHasNoMetadata) {
  Bundle b(kJobPass);
  Json legacy = Json::Object();
  legacy[kServerAId] = FixturePublicPem(kServerAId);
  b.WriteJson(kKeys, legacy);
  b.Reseal();
  // Strict: a server-kind event needs purpose "server", which a legacy map cannot say.
  Outcome o = b.Verify(kJob, Strict());
  EXPECT_TRUE(Fails(o, {"server signer key purpose invalid at index 0"}));
  EXPECT_EQ(o.message(), "event stream integrity invalid");
  // Lenient: accepted, and LEGACY_KEYS_FORMAT_USED is never emitted.
  EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
}

TEST(VerifyStreams, JobSnapshotStrictOnly) {
  Bundle b(kJobPass);
  b.Write("job/snapshot.json", "{");
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"missing job/snapshot.json"}));
  EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
}

// ---- governance streams: presence, completeness, scope isolation

TEST(VerifyGovernanceStreams, IncompleteStreamFilesStrictOnly) {
  const std::pair<const char*, const char*> cases[] = {
      {kGlobalSnapshot, "incomplete governance/global stream files"},
      {"governance/global/events/payload_material.jsonl", "incomplete governance/global stream files"},
      {kTenantSnapshot, "incomplete governance/tenant stream files"},
      {"governance/tenant/events/events.jsonl", "incomplete governance/tenant stream files"}};
  for (const auto& [file, code] : cases) {
    SCOPED_TRACE(file);
    Bundle b(kJobPass);
    b.Write(file, "{");
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {code}));
  }
  // Lenient: an unreadable snapshot just means no declared head.
  Bundle b(kJobPass);
  b.Write(kGlobalSnapshot, "{");
  b.Reseal();
  EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
}

TEST(VerifyGovernanceStreams, MissingStreamStrictFailsLenientWarns) {
  for (const char* scope : {"global", "tenant"}) {
    SCOPED_TRACE(scope);
    const std::string dir = std::string("governance/") + scope;
    const std::string files[] = {dir + "/events/events.jsonl", dir + "/events/payload_material.jsonl",
                                 dir + "/snapshot.json"};
    for (const auto& [kind, rel] : {std::pair{kJob, kJobPass}, std::pair{kMonth, kMonthPass}}) {
      Bundle b(rel);
      for (const auto& f : files) b.Write(f, "{");
      Seal(b);
      EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {std::string("missing governance/") + scope + " stream"}));

      Bundle l(rel);
      for (const auto& f : files) l.Remove(f);
      RemoveEntries(l, {files[0], files[1], files[2]});
      l.Reseal();
      const std::string warning = std::string("MISSING_GOVERNANCE_") + (scope[0] == 'g' ? "GLOBAL" : "TENANT") + "_STREAM";
      EXPECT_TRUE(Passes(l.Verify(kind, Lenient()), {warning}));
    }
  }
}

TEST(VerifyGovernanceStreams, LegacyGlobalLayoutForJobProofOnly) {
  for (const auto& [kind, rel] : {std::pair{kJob, kJobPass}, std::pair{kMonth, kMonthPass}}) {
    SCOPED_TRACE(rel);
    Bundle b(rel);
    const std::pair<std::string, std::string> moves[] = {
        {"governance/global/events/events.jsonl", "governance/events/events.jsonl"},
        {"governance/global/events/payload_material.jsonl", "governance/events/payload_material.jsonl"},
        {"governance/global/snapshot.json", "governance/snapshot.json"}};
    for (const auto& [from, to] : moves) {
      b.Write(to, b.Read(from));
      b.Remove(from);
      RenameEntry(b, from, to);
    }
    b.Edit("attestation/bundle_head_attestation.json", [](Json& a) { a["heads"]["governance"].Erase("global"); });
    b.Reseal();
    if (kind == kJob) {
      EXPECT_TRUE(Passes(b.Verify(kind, Lenient())));
    } else {
      // No legacy fallback for MonthProof: the stream is missing and the key is ungoverned.
      EXPECT_TRUE(Passes(b.Verify(kind, Lenient()), {"MISSING_GOVERNANCE_GLOBAL_STREAM"}));
    }
    EXPECT_TRUE(Fails(b.Verify(kind, Strict()), {"manifest missing required files"}));
  }
}

TEST(VerifyGovernanceStreams, ScopeIsolationStrictOnly) {
  {
    Bundle b(kJobPass);
    b.AppendEvent(kGlobal, Material("evt_tp", "2026-01-02T00:00:00.000Z", "governance", "TENANT_POLICY_UPDATED",
                                    Json::Object()),
                  "", kGlobalSnapshot);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"governance/global contains tenant-scoped event"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
  for (const char* type : {"SERVER_SIGNER_KEY_REGISTERED", "SERVER_SIGNER_KEY_ANYTHING"}) {
    SCOPED_TRACE(type);
    Bundle b(kMonthPass);
    b.AppendEvent(kTenant, Material("evt_sk", "2026-01-02T00:00:00.000Z", "governance", type,
                                    KeyPayload("key_other", "registeredAt", "2026-01-02T00:00:00.000Z")),
                  "", kTenantSnapshot);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kMonth, Strict()), {"governance/tenant contains global-scoped event"}));
    EXPECT_TRUE(Passes(b.Verify(kMonth, Lenient())));
  }
}

// ---- §13 integrity: every "... at index <i>" reason, with the wrapper as message

struct StreamCase {
  const char* code;
  const char* message;
  std::function<void(const Bundle&)> mutate;
  bool lenient_too;  // the reason does not depend on strict mode
};

TEST(VerifyStreamIntegrity, EveryReason) {
  const StreamCase cases[] = {
      {"payload_material length mismatch", "event stream integrity invalid",
       [](const Bundle& b) { b.Write(kMaterial, ""); }, true},
      {"invalid event at index 0", "event stream integrity invalid", [](const Bundle& b) { b.Write(kEvents, "5\n"); },
       true},
      {"invalid payload material at index 0", "event stream integrity invalid",
       [](const Bundle& b) { b.Write(kMaterial, "[1]\n"); }, true},
      {"payload material mismatch at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kMaterial, 0, [](Json& m) { m["at"] = "2026-02-03T00:00:00.000Z"; }); },
       true},
      {"payload material mismatch at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kMaterial, 0, [](Json& m) { m["v"] = "1"; }); }, true},
      {"payloadHash mismatch at index 0", "event stream integrity invalid",
       [](const Bundle& b) {
         EditLine(b, kMaterial, 0, [](Json& m) { m["payload"]["jobId"] = "job_other"; });
         EditLine(b, kEvents, 0, [](Json& e) { e["payload"]["jobId"] = "job_other"; });
       },
       true},
      {"prevChainHash mismatch at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kEvents, 0, [](Json& e) { e["prevChainHash"] = std::string(64, '0'); }); },
       true},
      {"chainHash mismatch at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kEvents, 0, [](Json& e) { e["chainHash"] = std::string(64, '0'); }); },
       true},
      {"missing signature at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kEvents, 0, [](Json& e) { e.Erase("signature"); }); }, true},
      {"missing signature at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kEvents, 0, [](Json& e) { e["signature"] = ""; }); }, true},
      {"missing signerKeyId at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kEvents, 0, [](Json& e) { e.Erase("signerKeyId"); }); }, true},
      {"unknown signerKeyId at index 0", "event stream integrity invalid",
       [](const Bundle& b) { EditLine(b, kEvents, 0, [](Json& e) { e["signerKeyId"] = kServerBId; }); }, true},
      {"signature invalid at index 0", "event stream integrity invalid",
       [](const Bundle& b) {
         EditLine(b, kEvents, 0, [](Json& e) { e["signature"] = SignHex(e["payloadHash"].str(), kServerBId); });
       },
       true},
      // A "none"-kind event that carries a signature still needs its key id (governance stream).
      {"missing signerKeyId at index 0", "governance stream integrity invalid",
       [](const Bundle& b) {
         EditLine(b, "governance/global/events/events.jsonl", 0, [](Json& e) { e.Erase("signerKeyId"); });
       },
       true},
      {"signature invalid at index 0", "governance stream integrity invalid",
       [](const Bundle& b) {
         EditLine(b, "governance/global/events/events.jsonl", 0, [](Json& e) { e["signature"] = "AAAA"; });
       },
       true},
      // Declared heads: the job snapshot, and a tenant snapshot declaring a head for an empty stream.
      {"declared head chainHash mismatch", "event stream integrity invalid",
       [](const Bundle& b) { b.Edit("job/snapshot.json", [](Json& s) { s["lastChainHash"] = std::string(64, '1'); }); },
       true},
      {"declared head eventId mismatch", "event stream integrity invalid",
       [](const Bundle& b) { b.Edit("job/snapshot.json", [](Json& s) { s["lastEventId"] = "evt_other"; }); }, true},
      {"declared head chainHash mismatch", "tenant governance stream integrity invalid",
       [](const Bundle& b) { b.Edit(kTenantSnapshot, [](Json& s) { s["lastChainHash"] = "abc"; }); }, true},
      {"declared head eventId mismatch", "tenant governance stream integrity invalid",
       [](const Bundle& b) { b.Edit(kTenantSnapshot, [](Json& s) { s["lastEventId"] = "evt_x"; }); }, true},
      {"payload_material length mismatch", "tenant governance stream integrity invalid",
       [](const Bundle& b) { b.Write("governance/tenant/events/payload_material.jsonl", "{}\n"); }, true},
      {"declared head eventId mismatch", "governance stream integrity invalid",
       [](const Bundle& b) { b.Edit(kGlobalSnapshot, [](Json& s) { s["lastEventId"] = "evt_x"; }); }, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.code) + " / " + c.message);
    Bundle b(kJobPass);
    c.mutate(b);
    Seal(b);
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {c.code}));
    EXPECT_EQ(o.message(), c.message);
    if (c.lenient_too) {
      EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {c.code}));
    }
  }
}

TEST(VerifyStreamIntegrity, IndexIsTheFailingLine) {
  Bundle b(kJobPass);
  b.AppendEvent("events", Material("evt_note", "2026-02-02T00:00:01.000Z", "job_fixture_1", "NOTE_ADDED", Json::Object()),
                "", "job/snapshot.json");
  b.AppendEvent("events",
                Material("evt_hb", "2026-02-02T00:00:02.000Z", "job_fixture_1", "JOB_HEARTBEAT", Json::Object()),
                kServerAId, "job/snapshot.json");
  b.Reseal();
  ASSERT_TRUE(Passes(b.Verify(kJob, Strict())));
  {
    Bundle c(kJobPass);
    c.AppendEvent("events", Material("evt_note", "2026-02-02T00:00:01.000Z", "job_fixture_1", "NOTE_ADDED", Json::Object()),
                  "", "job/snapshot.json");
    EditLine(c, kEvents, 1, [](Json& e) { e["prevChainHash"] = nullptr; });
    c.Reseal();
    EXPECT_TRUE(Fails(c.Verify(kJob, Strict()), {"prevChainHash mismatch at index 1"}));
  }
  EditLine(b, kEvents, 2, [](Json& e) { e.Erase("signature"); });  // robot-kind event needs one
  b.Reseal();
  EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"missing signature at index 2"}));
}

// ---- strict server-key governance on server-kind events, and key usability

TEST(VerifyStreamKeys, ServerKeyGovernanceStrictOnly) {
  {
    Bundle b(kJobPass);
    AddKey(b, KeyRow(kServerBId, "server", "2026-01-01T00:00:00.000Z"));
    ResignEvent(b, 0, kServerBId);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"server signer key not governed at index 0"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
  {
    // Governed by a revocation event (far in the future) but never registered: no validFrom.
    Bundle b(kJobPass);
    AddKey(b, KeyRow(kServerBId, "server"));
    b.AppendEvent(kGlobal,
                  Material("evt_rev_b", "2026-01-02T00:00:00.000Z", "governance", "SERVER_SIGNER_KEY_REVOKED",
                           KeyPayload(kServerBId, "revokedAt", "2027-01-01T00:00:00.000Z")),
                  "", kGlobalSnapshot);
    ResignEvent(b, 0, kServerBId);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"server signer key missing validFrom at index 0"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
  {
    Bundle b(kJobPass);
    b.Edit(kKeys, [](Json& k) { k["keys"][0]["purpose"] = "robot"; });
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"server signer key purpose invalid at index 0"}));
    EXPECT_TRUE(Passes(b.Verify(kJob, Lenient())));
  }
}

TEST(VerifyStreamKeys, KeyNotValidAtTheEventTime) {
  {
    Bundle b(kJobPass);
    b.Edit(kKeys, [](Json& k) { k["keys"][0]["validTo"] = "2026-01-15T00:00:00.000Z"; });
    b.Reseal();
    Outcome o = b.Verify(kJob, Strict());
    EXPECT_TRUE(Fails(o, {"signer key not valid at index 0"}));
    EXPECT_EQ(o.message(), "event stream integrity invalid");
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"signer key not valid at index 0"}));
  }
  const std::pair<const char*, Json> lifecycle[] = {
      {"SERVER_SIGNER_KEY_REVOKED", KeyPayload(kServerAId, "revokedAt", "2026-01-15T00:00:00.000Z")},
      {"SERVER_SIGNER_KEY_ROTATED", [] {
         Json p = Json::Object();
         p["oldKeyId"] = kServerAId;
         p["newKeyId"] = kServerBId;
         p["rotatedAt"] = "2026-01-15T00:00:00.000Z";
         return p;
       }()}};
  for (const auto& [type, payload] : lifecycle) {
    SCOPED_TRACE(type);
    Bundle b(kJobPass);
    b.AppendEvent(kGlobal, Material("evt_lc", "2026-01-15T00:00:00.000Z", "governance", type, payload), "",
                  kGlobalSnapshot);
    b.Reseal();
    EXPECT_TRUE(Fails(b.Verify(kJob, Strict()), {"signer key not valid at index 0"}));
    EXPECT_TRUE(Fails(b.Verify(kJob, Lenient()), {"signer key not valid at index 0"}));
  }
  {
    // Key-file revocation is "strictly after": an event exactly at revokedAt is still fine.
    Bundle b(kJobPass);
    b.Edit(kKeys, [](Json& k) { k["keys"][0]["revokedAt"] = "2026-02-02T00:00:00.000Z"; });
    b.Reseal();
    EXPECT_TRUE(Passes(b.Verify(kJob, Strict())));
  }
}

TEST(VerifyStreamKeys, MonthStreamIsCheckedToo) {
  Bundle b(kMonthPass);
  EditLine(b, kEvents, 0, [](Json& e) { e["signature"] = SignHex(e["payloadHash"].str(), kServerBId); });
  b.Reseal();
  Outcome o = b.Verify(kMonth, Strict());
  EXPECT_TRUE(Fails(o, {"signature invalid at index 0"}));
  EXPECT_EQ(o.message(), "event stream integrity invalid");
}

}  // namespace
}  // namespace nooterra::verify::testing
