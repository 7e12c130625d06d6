// FinancePackBundle.v1 (../shared/protocol/verify/06-financepack.md), reconcile included.
#include <cmath>
#include <map>
#include <set>

#include "common/strings.h"
#include "verify/attest.h"

namespace nooterra::verify::internal {

namespace {

// The artifact self-hash check (§2 step 17/18), wrapped as "<Label>: <reason>".
Fail CheckArtifact(json::Value a, std::string_view type, std::string_view label) {
  const char* reason = nullptr;
  if (!a.is_object()) {
    reason = "invalid artifact JSON";
  } else if (Str(a, "artifactType") != std::optional<std::string_view>(type)) {
    reason = "artifactType mismatch";
  } else if (a.Find("schemaVersion").present() && Str(a, "schemaVersion") != std::optional<std::string_view>(type)) {
    reason = "schemaVersion mismatch";
  } else if (!Str(a, "artifactHash")) {
    reason = "missing artifactHash";
  } else if (HashHex(a, {"artifactHash"}) != *Str(a, "artifactHash")) {
    reason = "artifactHash mismatch";
  }
  if (!reason) return nullptr;
  return Wrap(StrCat(label, ": ", reason), F(reason));
}

// Header input `key` (when a string) must equal `actual`.
Fail InputBinding(json::Value inputs, std::string_view key, std::string_view actual, std::string_view error) {
  auto v = Str(inputs, key);
  if (v && *v != actual) return F(std::string(error));
  return nullptr;
}

bool SafeInteger(double d) { return std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740991.0; }

// JavaScript Number(v) for the JSON values a statement may carry; nullopt = NaN.
std::optional<double> JsNumber(json::Value v) {
  switch (v.type()) {
    case json::Type::kNumber: return v.as_number();
    case json::Type::kNull: return 0.0;
    case json::Type::kTrue: return 1.0;
    case json::Type::kFalse: return 0.0;
    case json::Type::kString: {
      std::string_view s = TrimJs(v.as_string());
      if (s.empty()) return 0.0;
      std::string text(s);
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return std::nullopt;
      // strtod accepts hex floats, "inf" and "nan" spellings Number() does not; refuse them.
      for (char c : text) {
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
          return std::nullopt;
        }
      }
      return d;
    }
    default: return std::nullopt;
  }
}

// §3 reconcile; "" on success with *result = the canonical result object, else the reason.
std::string Reconcile(json::Value gl, const std::vector<JsonFile>& statements, std::string* result) {
  auto type = Str(gl, "artifactType");
  if (!type) type = Str(gl, "schemaVersion");
  if (type != std::optional<std::string_view>("GLBatch.v1")) return "expected GLBatch.v1";
  if (gl.Find("schemaVersion").present() && Str(gl, "schemaVersion") != std::optional<std::string_view>("GLBatch.v1")) {
    return "schemaVersion mismatch";
  }
  auto hash = NonBlank(gl, "artifactHash");
  if (!hash) return "missing glBatch artifactHash";
  if (HashHex(gl, {"artifactHash"}) != *hash) return "glBatch artifactHash mismatch";
  auto period = NonBlank(gl, "period"), basis = NonBlank(gl, "basis");
  json::Value batch = gl.Find("batch");
  if (!period || !basis || !batch.is_object()) return "RECONCILE_INPUT_INVALID";  // reference: crash
  std::map<std::pair<std::string, std::string>, double> gl_totals;
  std::set<std::string> gl_entries;
  double net = 0;
  json::Value lines = batch.Find("lines");
  for (size_t i = 0; i < lines.size(); ++i) {
    json::Value l = lines.at(i);
    auto party = Str(l, "partyId"), account = Str(l, "accountId"), entry = Str(l, "entryId");
    json::Value amount = l.Find("amountCents");
    if (!party || !account || !entry || !amount.is_number() || !SafeInteger(amount.as_number())) continue;
    gl_totals[{std::string(*party), std::string(*account)}] += amount.as_number();
    gl_entries.emplace(*entry);
    net += amount.as_number();
  }
  if (net != 0) return "glBatch does not net to zero";
  std::map<std::pair<std::string, std::string>, double> st_totals;
  std::set<std::string> st_entries;
  for (const JsonFile& file : statements) {
    json::Value s = file.root();
    auto st_type = Str(s, "artifactType");
    if (!st_type) st_type = Str(s, "schemaVersion");
    if (st_type != std::optional<std::string_view>("PartyStatement.v1")) return "expected PartyStatement.v1";
    if (s.Find("schemaVersion").present() &&
        Str(s, "schemaVersion") != std::optional<std::string_view>("PartyStatement.v1")) {
      return "schemaVersion mismatch";
    }
    auto st_hash = NonBlank(s, "artifactHash");
    if (!st_hash) return "missing partyStatement artifactHash";
    if (HashHex(s, {"artifactHash"}) != *st_hash) return "partyStatement artifactHash mismatch";
    if (Str(s, "period") != period) return "partyStatement period mismatch";
    if (Str(s, "basis") != basis) return "partyStatement basis mismatch";
    auto party = NonBlank(s, "partyId");
    if (!party) return "RECONCILE_INPUT_INVALID";
    json::Value inner = s.Find("statement");
    json::Value totals = inner.Find("totalsByAccountId");
    if (!totals.present()) totals = s.Find("totalsByAccountId");
    if (!totals.is_object()) return "partyStatement totalsByAccountId missing";
    for (size_t i = 0; i < totals.size(); ++i) {
      auto n = JsNumber(totals.value_at(i));
      if (!n || !SafeInteger(*n)) return "partyStatement totalsByAccountId contains non-integer";
      st_totals[{std::string(*party), std::string(totals.key_at(i))}] += *n;
    }
    json::Value ids = inner.Find("includedEntryIds");
    if (!ids.present()) ids = s.Find("includedEntryIds");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids.at(i).is_string()) st_entries.emplace(ids.at(i).as_string());
    }
  }
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& [k, v] : gl_totals) keys.insert(k);
  for (const auto& [k, v] : st_totals) keys.insert(k);
  for (const auto& k : keys) {
    if (gl_totals[k] != st_totals[k]) return "totals mismatch";
  }
  if (gl_entries != st_entries) return "included entry ids mismatch";
  *result = StrCat("{\"basis\":", Quote(*basis), ",\"entryCount\":", gl_entries.size(),
                   ",\"ok\":true,\"period\":", Quote(*period), ",\"totalsKeys\":", keys.size(), "}");
  return std::string();
}

}  // namespace

Fail VerifyFinancePack(const Scope& b, std::vector<Warning>* warnings, KindResult* out) {
  const bool strict = b.options->strict;
  JsonFile header_file, manifest_file;
  std::string manifest_hash;
  if (Fail f = PackPrelude(b, "FinancePackBundle.v1", "FinancePackBundleManifest.v1",
                           {"nooterra.json", "governance/policy.json", "governance/revocations.json",
                            "month/manifest.json", "month/keys/public_keys.json", "finance/GLBatch.v1.json",
                            "finance/JournalCsv.v1.json", "finance/JournalCsv.v1.csv", "finance/reconcile.json"},
                           "missing file", warnings, &header_file, &manifest_file, &manifest_hash)) {
    return f;
  }
  json::Value header = header_file.root();
  Governance governance;
  if (Fail f = LoadGovernance(b, ListCheck::kListHash, warnings, &governance)) return f;

  const Scope month = b.Sub("month");
  std::optional<std::string> month_attestation_hash;
  if (strict) {
    std::vector<Warning> nested;  // never merged (06-financepack.md §2 step 9)
    KindResult mr;
    if (Fail f = VerifyProofBundle(month, /*month=*/true, &nested, &mr)) {
      return Wrap("month proof strict verification failed", std::move(f));
    }
    month_attestation_hash = mr.attestation_hash;
  }
  JsonFile month_manifest;
  if (Fail f = ReadJsonRequired(b, "month/manifest.json", &month_manifest)) return f;
  const std::string month_hash(Str(month_manifest.root(), "manifestHash").value_or(""));
  json::Value inputs = header.Find("inputs");
  if (Fail f = InputBinding(inputs, "monthProofBundleHash", month_hash, "monthProofBundleHash mismatch")) return f;

  JsonFile attestation;
  const bool has_attestation = ReadJson(b, "attestation/bundle_head_attestation.json", &attestation);
  if (!has_attestation) {
    if (strict) return F("missing attestation/bundle_head_attestation.json");
    warnings->push_back({"BUNDLE_HEAD_ATTESTATION_MISSING_LENIENT", "", ""});
  }
  KeyFile keys;
  JsonFile key_file;
  const bool keys_ok = ReadJson(b, "month/keys/public_keys.json", &key_file) && ParseEmbeddedKeyFile(key_file.root(), &keys);
  if (!keys_ok) {
    keys = KeyFile{};
    if (strict) return F("missing month keys/public_keys.json (PublicKeys.v1)");
  }
  if (strict) {
    std::vector<json::Document> events;
    if (Fail f = ReadJsonlRequired(b, "month/governance/global/events/events.jsonl", &events)) return f;
    ApplyKeyTimeline({&events}, /*nested=*/false, &keys);
  }
  DocCheck check{&b, &governance, &keys, Variant::kFinance, "FinancePackBundle.v1"};
  std::optional<std::string> attestation_hash;
  if (has_attestation) {
    json::Value att = attestation.root();
    std::string hash;
    const auto verify = [&]() -> Fail {
      if (Fail f = AttestationHeader(att, Variant::kFinance)) return f;
      if (Str(att, "kind") != std::optional<std::string_view>("FinancePackBundle.v1")) return F("attestation kind mismatch");
      if (CanonicalOf(att.Find("tenantId")) != CanonicalOf(header.Find("tenantId"))) return F("attestation tenantId mismatch");
      if (CanonicalOf(att.Find("scope").Find("period")) != CanonicalOf(header.Find("period"))) {
        return F("attestation scope.period mismatch");
      }
      if (Str(att, "manifestHash") != std::optional<std::string_view>(manifest_hash)) {
        return F("attestation manifestHash mismatch");
      }
      if (Fail f = AttestationSignature(att, check, &hash)) return f;
      json::Value heads = att.Find("heads");
      if (!heads.is_object()) return F("attestation missing heads");
      json::Value mp = heads.Find("monthProof");
      if (!mp.is_object()) return F("attestation missing heads.monthProof");
      if (Str(mp, "manifestHash") != std::optional<std::string_view>(month_hash)) {
        return F("attestation monthProof.manifestHash mismatch");
      }
      if (strict && month_attestation_hash &&
          Str(mp, "attestationHash") != std::optional<std::string_view>(*month_attestation_hash)) {
        return F("attestation monthProof.attestationHash mismatch");
      }
      return nullptr;
    };
    if (Fail f = verify()) return Wrap("bundle head attestation invalid", std::move(f));
    attestation_hash = hash;
  }
  if (Fail f = PackReportStep(b, check, manifest_hash, attestation_hash, /*surface=*/true, warnings)) return f;

  JsonFile gl;
  if (Fail f = ReadJsonRequired(b, "finance/GLBatch.v1.json", &gl)) return f;
  if (Fail f = CheckArtifact(gl.root(), "GLBatch.v1", "GLBatch")) return f;
  if (Fail f = InputBinding(inputs, "glBatchHash", Str(gl.root(), "artifactHash").value_or(""), "glBatchHash mismatch")) {
    return f;
  }
  JsonFile journal;
  if (Fail f = ReadJsonRequired(b, "finance/JournalCsv.v1.json", &journal)) return f;
  std::string csv;
  const FileState csv_state = b.dir->Read(b.Path("finance/JournalCsv.v1.csv"), b.options->limits.file_bytes_max, &csv);
  if (csv_state != FileState::kOk) {
    return FMessage("BUNDLE_FILE_UNREADABLE", b.Path("finance/JournalCsv.v1.csv"), "finance/JournalCsv.v1.csv could not be read");
  }
  const std::string csv_hash = crypto::Sha256Hex(csv);
  json::Value j = journal.root();
  if (Fail f = CheckArtifact(j, "JournalCsv.v1", "JournalCsv")) return f;
  if (auto declared = Str(j, "csvSha256"); declared && *declared != csv_hash) return F("journalCsv.csvSha256 mismatch");
  if (Fail f = InputBinding(inputs, "journalCsvHash", csv_hash, "journalCsvHash mismatch")) return f;
  if (Fail f = InputBinding(inputs, "journalCsvArtifactHash", Str(j, "artifactHash").value_or(""),
                            "journalCsvArtifactHash mismatch")) {
    return f;
  }
  if (auto v = Str(inputs, "financeAccountMapHash"); v && CanonicalOf(j.Find("accountMapHash")) != Quote(*v)) {
    return F("financeAccountMapHash mismatch");
  }
  JsonFile stored;
  if (Fail f = ReadJsonRequired(b, "finance/reconcile.json", &stored)) return f;
  const std::vector<std::string> statement_names = b.dir->ListFiles(b.Path("month/artifacts/PartyStatement.v1"), ".json");
  if (!statement_names.empty()) {
    std::vector<JsonFile> statements(statement_names.size());
    for (size_t i = 0; i < statement_names.size(); ++i) {
      if (Fail f = ReadJsonRequired(b, "month/artifacts/PartyStatement.v1/" + statement_names[i], &statements[i])) return f;
    }
    std::string recomputed;
    const std::string reason = Reconcile(gl.root(), statements, &recomputed);
    if (!reason.empty()) return Wrap(StrCat("reconcile failed: ", reason), F(reason));
    if (recomputed != CanonicalOf(stored.root())) return F("reconcile.json mismatch");
  }
  std::string stored_bytes;
  if (b.dir->Read(b.Path("finance/reconcile.json"), b.options->limits.json_bytes_max, &stored_bytes) == FileState::kOk) {
    if (Fail f = InputBinding(inputs, "reconcileReportHash", crypto::Sha256Hex(stored_bytes), "reconcileReportHash mismatch")) {
      return f;
    }
  }
  if (auto t = Str(header, "tenantId")) out->tenant_id = std::string(*t);
  if (auto p = Str(header, "period")) out->period = std::string(*p);
  out->type = "FinancePackBundle.v1";
  out->manifest_hash = manifest_hash;
  out->attestation_hash = attestation_hash;
  return nullptr;
}

}  // namespace nooterra::verify::internal
