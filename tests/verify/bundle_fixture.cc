#include "verify/bundle_fixture.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/reference.h"

namespace nooterra::verify::testing {

namespace fs = std::filesystem;
using nooterra::testing::ReadReference;
using nooterra::testing::ReferenceDir;

// ---------------------------------------------------------------------------------------------
// Json

Json Json::Array(std::initializer_list<Json> items) {
  Json j;
  j.kind_ = Kind::kArray;
  j.items_.assign(items.begin(), items.end());
  return j;
}

Json Json::Object() {
  Json j;
  j.kind_ = Kind::kObject;
  return j;
}

Json Json::From(json::Value v) {
  switch (v.type()) {
    case json::Type::kAbsent:
    case json::Type::kNull: return Json();
    case json::Type::kFalse: return Json(false);
    case json::Type::kTrue: return Json(true);
    case json::Type::kNumber: return Json(v.as_number());
    case json::Type::kString: return Json(v.as_string());
    case json::Type::kArray: {
      Json j = Array();
      for (size_t i = 0; i < v.size(); ++i) j.items_.push_back(From(v.at(i)));
      return j;
    }
    case json::Type::kObject: {
      Json j = Object();
      for (size_t i = 0; i < v.size(); ++i) {
        j.keys_.emplace_back(v.key_at(i));
        j.items_.push_back(From(v.value_at(i)));
      }
      return j;
    }
  }
  return Json();
}

Json Json::Parse(std::string_view text) {
  auto doc = json::Document::Parse(text);
  if (!doc.ok()) {
    ADD_FAILURE() << "test fixture JSON does not parse: " << doc.status() << "\n" << text.substr(0, 200);
    return Json();
  }
  return From(doc->root());
}

Json& Json::operator[](std::string_view key) {
  if (kind_ != Kind::kObject) *this = Object();
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return items_[i];
  }
  keys_.emplace_back(key);
  items_.emplace_back();
  return items_.back();
}

Json& Json::operator[](size_t i) {
  static Json dummy;
  if (kind_ != Kind::kArray || i >= items_.size()) {
    ADD_FAILURE() << "test fixture: no array element " << i;
    dummy = Json();
    return dummy;
  }
  return items_[i];
}

const Json* Json::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

void Json::Erase(std::string_view key) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      keys_.erase(keys_.begin() + static_cast<ptrdiff_t>(i));
      items_.erase(items_.begin() + static_cast<ptrdiff_t>(i));
      return;
    }
  }
}

void Json::Push(Json v) {
  if (kind_ != Kind::kArray) *this = Array();
  items_.push_back(std::move(v));
}

void Json::EraseAt(size_t i) { items_.erase(items_.begin() + static_cast<ptrdiff_t>(i)); }

void Json::InsertAt(size_t i, Json v) { items_.insert(items_.begin() + static_cast<ptrdiff_t>(i), std::move(v)); }

void Json::DumpTo(std::string* out) const {
  switch (kind_) {
    case Kind::kNull: out->append("null"); return;
    case Kind::kBool: out->append(bool_ ? "true" : "false"); return;
    case Kind::kNumber: {
      absl::Status st = json::AppendNumber(number_, out);
      if (!st.ok()) ADD_FAILURE() << "test fixture number: " << st;
      return;
    }
    case Kind::kString: json::AppendQuoted(string_, out); return;
    case Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out->push_back(',');
        items_[i].DumpTo(out);
      }
      out->push_back(']');
      return;
    case Kind::kObject:
      out->push_back('{');
      for (size_t i = 0; i < keys_.size(); ++i) {
        if (i) out->push_back(',');
        json::AppendQuoted(keys_[i], out);
        out->push_back(':');
        items_[i].DumpTo(out);
      }
      out->push_back('}');
      return;
  }
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(&out);
  return out;
}

std::string CanonicalHash(const Json& j, std::initializer_list<std::string_view> omit) {
  auto doc = json::Document::Parse(j.Dump());
  if (!doc.ok()) {
    ADD_FAILURE() << doc.status();
    return "";
  }
  json::CanonicalOptions options;
  options.omit_members = absl::Span<const std::string_view>(omit.begin(), omit.size());
  auto digest = json::CanonicalDigest(doc->root(), options);
  if (!digest.ok()) {
    ADD_FAILURE() << digest.status();
    return "";
  }
  return crypto::HexEncode(crypto::Bytes(digest->data(), digest->size()));
}

// ---------------------------------------------------------------------------------------------
// Keys

namespace {

struct FixtureKeys {
  std::map<std::string, crypto::PrivateKey, std::less<>> keys;
  std::map<std::string, std::string, std::less<>> pems;
};

const FixtureKeys& Keys() {
  static const FixtureKeys* keys = [] {
    auto* k = new FixtureKeys;
    Json all = Json::Parse(ReadReference("keys/fixture_keypairs.json"));
    for (const char* name : {"govRoot", "timeAuthority", "serverA", "serverB"}) {
      const Json* entry = all.Find(name);
      if (!entry || !entry->Find("keyId") || !entry->Find("privateKeyPem")) {
        ADD_FAILURE() << "keys/fixture_keypairs.json has no usable " << name;
        continue;
      }
      auto key = crypto::PrivateKey::FromPem(entry->Find("privateKeyPem")->str());
      if (!key.ok()) {
        ADD_FAILURE() << name << ": " << key.status();
        continue;
      }
      k->pems.emplace(entry->Find("keyId")->str(), entry->Find("publicKeyPem")->str());
      k->keys.emplace(entry->Find("keyId")->str(), *std::move(key));
    }
    return k;
  }();
  return *keys;
}

}  // namespace

const crypto::PrivateKey* FixtureKey(std::string_view key_id) {
  auto it = Keys().keys.find(key_id);
  if (it == Keys().keys.end()) {
    ADD_FAILURE() << "no fixture private key for " << key_id;
    return nullptr;
  }
  return &it->second;
}

std::string FixturePublicPem(std::string_view key_id) {
  auto it = Keys().pems.find(key_id);
  return it == Keys().pems.end() ? std::string() : it->second;
}

std::string SignHex(std::string_view hash_hex, std::string_view key_id) {
  const crypto::PrivateKey* key = FixtureKey(key_id);
  auto digest = crypto::DigestFromHex(hash_hex);
  if (!key || !digest.ok()) {
    ADD_FAILURE() << "cannot sign " << hash_hex << " with " << key_id;
    return "";
  }
  crypto::Signature sig = key->Sign(*digest);
  return crypto::Base64Encode(crypto::Bytes(sig.data(), sig.size()));
}

std::string SignObject(Json* obj, std::string_view hash_member, std::initializer_list<std::string_view> omit,
                       std::string_view key_id) {
  const std::string hash = CanonicalHash(*obj, omit);
  (*obj)[hash_member] = hash;
  (*obj)["signature"] = SignHex(hash, key_id);
  return hash;
}

Json KeyRow(std::string_view key_id, const Json& purpose, const Json& valid_from) {
  Json row = Json::Object();
  row["createdAt"] = nullptr;
  row["keyId"] = key_id;
  row["publicKeyPem"] = FixturePublicPem(key_id);
  row["purpose"] = purpose;
  row["revokedAt"] = nullptr;
  row["rotatedAt"] = nullptr;
  row["status"] = nullptr;
  row["validFrom"] = valid_from;
  row["validTo"] = nullptr;
  return row;
}

// ---------------------------------------------------------------------------------------------
// Options and outcomes

Options TrustOptions(bool strict) {
  Options o;
  o.strict = strict;
  Json trust = Json::Parse(ReadReference("conformance/v1/trust.json"));
  if (const Json* j = trust.Find("governanceRoots")) o.trust.governance_roots_json = j->Dump();
  if (const Json* j = trust.Find("pricingSigners")) o.trust.pricing_signers_json = j->Dump();
  if (const Json* j = trust.Find("timeAuthorities")) o.trust.time_authorities_json = j->Dump();
  if (o.trust.governance_roots_json.empty()) ADD_FAILURE() << "conformance/v1/trust.json has no governanceRoots";
  return o;
}

std::string Outcome::message() const {
  return result.errors.empty() ? "" : result.errors[0].message.value_or("");
}
std::string Outcome::path() const { return result.errors.empty() ? "" : result.errors[0].path.value_or(""); }
std::string Outcome::detail() const { return result.errors.empty() ? "" : result.errors[0].detail_json; }

namespace {

std::string Describe(const Outcome& o) {
  std::ostringstream s;
  s << "ok=" << o.result.ok << " verification_ok=" << o.result.verification_ok << "\n  errors:";
  for (const Finding& f : o.result.errors) {
    s << "\n    [" << f.code << "] path=" << f.path.value_or("null") << " message=" << f.message.value_or("null")
      << " detail=" << f.detail_json;
  }
  s << "\n  warnings:";
  for (const Finding& f : o.result.warnings) s << " [" << f.code << "]";
  return s.str();
}

}  // namespace

::testing::AssertionResult Fails(const Outcome& o, std::vector<std::string> errors, std::vector<std::string> warnings) {
  if (!o.ran) return ::testing::AssertionFailure() << "VerifyBundle did not return a Result";
  std::sort(errors.begin(), errors.end());
  std::sort(warnings.begin(), warnings.end());
  if (o.result.ok || o.result.verification_ok || o.errors != errors || o.warnings != warnings) {
    auto f = ::testing::AssertionFailure() << "expected failure with errors {";
    for (const auto& e : errors) f << "[" << e << "]";
    f << "} warnings {";
    for (const auto& w : warnings) f << "[" << w << "]";
    return f << "}\n  actual: " << Describe(o);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Passes(const Outcome& o, std::vector<std::string> warnings) {
  if (!o.ran) return ::testing::AssertionFailure() << "VerifyBundle did not return a Result";
  std::sort(warnings.begin(), warnings.end());
  if (!o.result.ok || !o.result.verification_ok || !o.errors.empty() || o.warnings != warnings) {
    auto f = ::testing::AssertionFailure() << "expected a pass with warnings {";
    for (const auto& w : warnings) f << "[" << w << "]";
    return f << "}\n  actual: " << Describe(o);
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------
// Bundle

Bundle::Bundle(std::string_view reference_rel) {
  const fs::path src = fs::path(ReferenceDir()) / "conformance/v1/bundles" / std::string(reference_rel);
  std::error_code ec;
  if (!fs::is_directory(src, ec)) {
    ADD_FAILURE() << "reference bundle missing: " << src.string()
                  << "\n  The tests need ../shared/reference next to the repository, or set "
                     "NOOTERRA_REFERENCE_DIR to its location.";
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/nooterra-verify-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << templ;
    return;
  }
  parent_ = templ;
  dir_ = parent_ + "/bundle";
  fs::copy(src, dir_, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) {
    ADD_FAILURE() << "cannot copy " << src.string() << " to " << dir_ << ": " << ec.message();
    return;
  }
  ok_ = true;
}

Bundle::~Bundle() {
  if (parent_.empty()) return;
  std::error_code ec;
  fs::remove_all(parent_, ec);
}

std::string Bundle::Read(std::string_view rel) const {
  std::ifstream in(Path(rel), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "test fixture: cannot read " << Path(rel);
    return "";
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Bundle::Write(std::string_view rel, std::string_view bytes) const {
  const fs::path p = Path(rel);
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) ADD_FAILURE() << "test fixture: cannot write " << p.string();
}

void Bundle::Remove(std::string_view rel) const {
  std::error_code ec;
  fs::remove_all(Path(rel), ec);
  if (ec) ADD_FAILURE() << "test fixture: cannot remove " << Path(rel) << ": " << ec.message();
}

bool Bundle::Exists(std::string_view rel) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(Path(rel), ec));
}

Json Bundle::ReadJson(std::string_view rel) const { return Json::Parse(Read(rel)); }

void Bundle::WriteJson(std::string_view rel, const Json& j) const { Write(rel, j.Dump()); }

std::vector<Json> Bundle::ReadJsonl(std::string_view rel) const {
  std::vector<Json> lines;
  std::istringstream in(Read(rel));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(Json::Parse(line));
  }
  return lines;
}

void Bundle::WriteJsonl(std::string_view rel, const std::vector<Json>& lines) const {
  std::string text;
  for (const Json& l : lines) text += l.Dump() + "\n";
  Write(rel, text);
}

void Bundle::Edit(std::string_view rel, const std::function<void(Json&)>& fn) const {
  Json j = ReadJson(rel);
  fn(j);
  WriteJson(rel, j);
}

void Bundle::RehashEntries(std::string_view prefix) const {
  const std::string p(prefix);
  Edit(p + "manifest.json", [&](Json& m) {
    Json& files = m["files"];
    if (!files.is_array()) return;
    for (size_t i = 0; i < files.size(); ++i) {
      Json& f = files[i];
      const Json* name = f.Find("name");
      const Json* sha = f.Find("sha256");
      if (!name || !name->is_string() || !sha || !sha->is_string()) continue;
      std::error_code ec;
      const fs::path path = Path(p + name->str());
      if (!fs::is_regular_file(fs::symlink_status(path, ec))) continue;
      const std::string bytes = Read(p + name->str());
      f["sha256"] = crypto::Sha256Hex(bytes);
      f["bytes"] = static_cast<int64_t>(bytes.size());
    }
  });
}

std::string Bundle::SealManifest(std::string_view prefix) const {
  std::string hash;
  Edit(std::string(prefix) + "manifest.json", [&](Json& m) {
    hash = CanonicalHash(m, {"manifestHash"});
    m["manifestHash"] = hash;
  });
  return hash;
}

std::string Bundle::SignAttestation(std::string_view prefix) const {
  const std::string rel = std::string(prefix) + "attestation/bundle_head_attestation.json";
  if (!Exists(rel)) return "";
  std::string hash;
  Edit(rel, [&](Json& a) {
    if (!a.is_object()) return;
    const Json* signer = a.Find("signerKeyId");
    if (a.Has("signature") && signer && signer->is_string()) {
      hash = SignObject(&a, "attestationHash", {"attestationHash", "signature"}, signer->str());
    } else {
      hash = CanonicalHash(a, {"attestationHash", "signature"});
      a["attestationHash"] = hash;
    }
  });
  return hash;
}

namespace {

Json HeadOf(const Bundle& b, const std::string& snapshot_rel) {
  Json head = Json::Object();
  // A snapshot a test made unreadable on purpose counts as absent (no fixture failure).
  Json s;
  if (b.Exists(snapshot_rel)) {
    auto doc = json::Document::Parse(b.Read(snapshot_rel));
    if (doc.ok()) s = Json::From(doc->root());
  }
  head["lastChainHash"] = s.Find("lastChainHash") ? *s.Find("lastChainHash") : Json();
  head["lastEventId"] = s.Find("lastEventId") ? *s.Find("lastEventId") : Json();
  return head;
}

void BindEmbedded(const Bundle& b, Json* head, const std::string& embedded_prefix) {
  Json m = b.ReadJson(embedded_prefix + "manifest.json");
  if (const Json* h = m.Find("manifestHash")) (*head)["manifestHash"] = *h;
  const std::string att = embedded_prefix + "attestation/bundle_head_attestation.json";
  if (b.Exists(att)) {
    Json a = b.ReadJson(att);
    if (const Json* h = a.Find("attestationHash")) (*head)["attestationHash"] = *h;
  }
}

}  // namespace

std::string Bundle::ResignAttestation(std::string_view prefix) const {
  const std::string p(prefix);
  const std::string rel = p + "attestation/bundle_head_attestation.json";
  if (!Exists(rel)) return "";
  Json manifest = ReadJson(p + "manifest.json");
  Edit(rel, [&](Json& a) {
    if (!a.is_object()) return;
    if (const Json* h = manifest.Find("manifestHash")) a["manifestHash"] = *h;
    Json& heads = a["heads"];
    if (!heads.is_object()) return;
    if (heads.Has("job")) heads["job"] = HeadOf(*this, p + "job/snapshot.json");
    if (heads.Has("month")) {
      std::vector<Json> events = ReadJsonl(p + "events/events.jsonl");
      if (!events.empty()) {
        const Json& last = events.back();
        heads["month"]["lastChainHash"] = last.Find("chainHash") ? *last.Find("chainHash") : Json();
        heads["month"]["lastEventId"] = last.Find("id") ? *last.Find("id") : Json();
      }
    }
    if (heads.Find("governance") && heads.Find("governance")->is_object()) {
      for (const char* scope : {"global", "tenant"}) {
        if (heads["governance"].Has(scope)) {
          heads["governance"][scope] = HeadOf(*this, p + "governance/" + scope + "/snapshot.json");
        }
      }
    }
    if (heads.Has("monthProof")) BindEmbedded(*this, &heads["monthProof"], p + "month/");
    if (heads.Has("jobProof")) BindEmbedded(*this, &heads["jobProof"], p + "payload/job_proof_bundle/");
    if (heads.Has("invoiceBundle")) BindEmbedded(*this, &heads["invoiceBundle"], p + "payload/invoice_bundle/");
  });
  return SignAttestation(prefix);
}

void Bundle::SignReport(std::string_view prefix) const {
  const std::string rel = std::string(prefix) + "verify/verification_report.json";
  if (!Exists(rel)) return;
  Edit(rel, [&](Json& r) {
    if (!r.is_object()) return;
    const Json* signer = r.Find("signerKeyId");
    if (r.Has("signature") && signer && signer->is_string()) {
      SignObject(&r, "reportHash", {"reportHash", "signature"}, signer->str());
    } else {
      r["reportHash"] = CanonicalHash(r, {"reportHash", "signature"});
    }
  });
}

void Bundle::ResignReport(std::string_view prefix, std::string_view attestation_hash) const {
  const std::string p(prefix);
  const std::string rel = p + "verify/verification_report.json";
  if (!Exists(rel)) return;
  Json manifest = ReadJson(p + "manifest.json");
  Edit(rel, [&](Json& r) {
    if (!r.is_object()) return;
    const Json manifest_hash = manifest.Find("manifestHash") ? *manifest.Find("manifestHash") : Json();
    if (r.Find("subject") && r.Find("subject")->is_object()) r["subject"]["manifestHash"] = manifest_hash;
    if (r.Find("bundleHeadAttestation") && r.Find("bundleHeadAttestation")->is_object()) {
      if (!attestation_hash.empty()) r["bundleHeadAttestation"]["attestationHash"] = attestation_hash;
      r["bundleHeadAttestation"]["manifestHash"] = manifest_hash;
    }
  });
  SignReport(prefix);
}

std::string Bundle::Reseal(std::string_view prefix) const {
  RehashEntries(prefix);
  SealManifest(prefix);
  const std::string att = ResignAttestation(prefix);
  ResignReport(prefix, att);
  return att;
}

void Bundle::ResignPolicy(std::string_view prefix) const {
  Edit(std::string(prefix) + "governance/policy.json", [](Json& p) {
    SignObject(&p, "policyHash", {"policyHash", "signature"}, kGovRootId);
  });
}

void Bundle::ResignRevocations(std::string_view prefix) const {
  std::string list_hash;
  Edit(std::string(prefix) + "governance/revocations.json", [&](Json& l) {
    list_hash = SignObject(&l, "listHash", {"listHash", "signature"}, kGovRootId);
  });
  Edit(std::string(prefix) + "governance/policy.json", [&](Json& p) { p["revocationList"]["sha256"] = list_hash; });
  ResignPolicy(prefix);
}

void RunCodeCase(BundleKind kind, const char* rel, const CodeCase& c) {
  SCOPED_TRACE(c.code);
  Bundle b(rel);
  c.mutate(b);
  Outcome o = b.Verify(kind, Strict());
  EXPECT_TRUE(Fails(o, {c.code}));
  if (c.message) {
    EXPECT_EQ(o.message(), c.message);
  }
  if (c.lenient_fails) {
    EXPECT_TRUE(Fails(b.Verify(kind, Lenient()), {c.code}));
  } else {
    EXPECT_TRUE(Passes(b.Verify(kind, Lenient())));
  }
}

std::function<void(const Bundle&)> EditSealed(const char* rel, std::function<void(Json&)> fn) {
  return [rel, fn](const Bundle& b) {
    b.Edit(rel, fn);
    b.Reseal();
  };
}

std::function<void(const Bundle&)> EditPackAttestation(std::function<void(Json&)> fn) {
  return [fn](const Bundle& b) {
    b.Edit("attestation/bundle_head_attestation.json", fn);
    b.ResignReport("", b.SignAttestation());
  };
}

Json Material(std::string_view id, std::string_view at, std::string_view stream_id, std::string_view type,
              Json payload) {
  Json m = Json::Object();
  m["actor"] = Json::Object();
  m["actor"]["id"] = "proxy";
  m["actor"]["type"] = "system";
  m["at"] = at;
  m["id"] = id;
  m["payload"] = std::move(payload);
  m["streamId"] = stream_id;
  m["type"] = type;
  m["v"] = 1;
  return m;
}

std::string Bundle::AppendEvent(std::string_view stream_dir, const Json& material, std::string_view signer_key_id,
                                std::string_view snapshot) const {
  const std::string events_rel = std::string(stream_dir) + "/events.jsonl";
  const std::string material_rel = std::string(stream_dir) + "/payload_material.jsonl";
  std::vector<Json> events = ReadJsonl(events_rel);
  std::vector<Json> materials = ReadJsonl(material_rel);
  Json prev = events.empty() ? Json() : (events.back().Find("chainHash") ? *events.back().Find("chainHash") : Json());
  Json core = Json::Object();
  for (const char* k : {"actor", "at", "id", "payload", "streamId", "type", "v"}) {
    core[k] = material.Find(k) ? *material.Find(k) : Json();
  }
  const std::string payload_hash = CanonicalHash(core);
  Json link = Json::Object();
  link["payloadHash"] = payload_hash;
  link["prevChainHash"] = prev;
  link["v"] = 1;
  const std::string chain_hash = CanonicalHash(link);
  Json event = core;
  event["chainHash"] = chain_hash;
  event["payloadHash"] = payload_hash;
  event["prevChainHash"] = prev;
  if (!signer_key_id.empty()) {
    event["signature"] = SignHex(payload_hash, signer_key_id);
    event["signerKeyId"] = signer_key_id;
  }
  events.push_back(event);
  materials.push_back(material);
  WriteJsonl(events_rel, events);
  WriteJsonl(material_rel, materials);
  if (!snapshot.empty()) {
    Edit(snapshot, [&](Json& s) {
      s["lastChainHash"] = chain_hash;
      s["lastEventId"] = *material.Find("id");
    });
  }
  return chain_hash;
}

Outcome Bundle::Verify(BundleKind kind, const Options& options) const {
  Outcome o;
  auto r = VerifyBundle(dir_, kind, options);
  if (!r.ok()) {
    ADD_FAILURE() << "VerifyBundle returned a status: " << r.status();
    return o;
  }
  o.ran = true;
  o.result = *std::move(r);
  for (const Finding& f : o.result.errors) o.errors.push_back(f.code);
  for (const Finding& f : o.result.warnings) o.warnings.push_back(f.code);
  std::sort(o.errors.begin(), o.errors.end());
  std::sort(o.warnings.begin(), o.warnings.end());
  return o;
}

}  // namespace nooterra::verify::testing
