// Every case of the protocol's conformance pack v1 (conformance/v1/cases.json), run in-process
// through VerifyBundle and compared with the pack's own oracle (expected/<id>.json): ok,
// verificationOk and the sets of error and warning codes. Nothing here is hard-coded: the
// cases, their options, mutations and expectations are all read at test time.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "support/reference.h"
#include "verify/bundle_fixture.h"

namespace nooterra::verify::testing {
namespace {

using nooterra::testing::ReadReference;

std::vector<std::string> CodeSet(const Json* list) {
  std::set<std::string> out;
  for (size_t i = 0; list && list->is_array() && i < list->size(); ++i) {
    const Json& c = list->at(i);
    if (c.is_string()) out.insert(c.str());
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> Dedup(const std::vector<std::string>& v) {
  std::set<std::string> s(v.begin(), v.end());
  return {s.begin(), s.end()};
}

std::string Join(const std::vector<std::string>& v) {
  std::string out = "{";
  for (const auto& s : v) out += "[" + s + "]";
  return out + "}";
}

// Applies the pack's mutation types (the same four conformance/run.py knows); false = unknown.
bool ApplyMutations(const Bundle& b, const Json& case_json, std::string* error) {
  const Json* mutations = case_json.Find("mutations");
  for (size_t i = 0; mutations && i < mutations->size(); ++i) {
    const Json& m = mutations->at(i);
    const std::string type = m.Find("type") ? m.Find("type")->str() : "";
    if (type == "manifest_add_entry") {
      b.Edit("manifest.json", [&](Json& man) { man["files"].Push(*m.Find("entry")); });
    } else if (type == "manifest_duplicate_entry") {
      const std::string name = m.Find("name")->str();
      bool found = false;
      b.Edit("manifest.json", [&](Json& man) {
        Json& files = man["files"];
        for (size_t k = 0; k < files.size() && !found; ++k) {
          const Json* n = files[k].Find("name");
          if (n && n->str() == name) {
            Json copy = files[k];
            files.Push(copy);
            found = true;
          }
        }
      });
      if (!found) {
        *error = "no manifest entry named " + name;
        return false;
      }
    } else if (type == "write_outside_file") {
      std::ofstream(b.parent() + "/" + m.Find("relativeOutsidePath")->str()) << m.Find("contents")->str();
    } else if (type == "replace_with_symlink") {
      const std::string target = b.Path(m.Find("name")->str());
      std::filesystem::remove(target);
      std::filesystem::create_symlink(m.Find("targetRelative")->str(), target);
    } else {
      *error = "unknown mutation type " + type;
      return false;
    }
  }
  return true;
}

TEST(VerifyConformance, EveryCaseOfPackV1MatchesItsExpectedFile) {
  const std::string cases_text = ReadReference("conformance/v1/cases.json");
  ASSERT_FALSE(cases_text.empty()) << "conformance/v1/cases.json is missing";
  Json pack = Json::Parse(cases_text);
  ASSERT_EQ(pack.Find("schemaVersion") ? pack.Find("schemaVersion")->str() : "", "ConformanceCases.v1");
  const std::string trust_file = pack.Find("trustFile") ? pack.Find("trustFile")->str() : "trust.json";
  Json trust = Json::Parse(ReadReference("conformance/v1/" + trust_file));
  Json& cases = pack["cases"];
  ASSERT_TRUE(cases.is_array());
  ASSERT_GT(cases.size(), 0u) << "the pack has no cases";
  size_t passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Json& c = cases[i];
    const std::string id = c.Find("id")->str();
    SCOPED_TRACE(id);
    auto kind = KindFromName(c.Find("kind")->str());
    ASSERT_TRUE(kind.has_value()) << "unknown kind " << c.Find("kind")->str();
    std::string bundle_rel = c.Find("bundlePath")->str();
    ASSERT_EQ(bundle_rel.rfind("bundles/", 0), 0u) << bundle_rel;
    Bundle b(bundle_rel.substr(std::string("bundles/").size()));
    ASSERT_TRUE(b.ok());
    std::string error;
    ASSERT_TRUE(ApplyMutations(b, c, &error)) << error;

    Options o;
    o.strict = c.Find("strict") && c.Find("strict")->kind() == Json::Kind::kBool && c.Find("strict")->Dump() == "true";
    o.fail_on_warnings = c.Find("failOnWarnings") && c.Find("failOnWarnings")->Dump() == "true";
    o.hash_concurrency = c.Find("hashConcurrency") ? static_cast<uint32_t>(c.Find("hashConcurrency")->num()) : 1;
    if (const Json* j = trust.Find("governanceRoots")) o.trust.governance_roots_json = j->Dump();
    if (const Json* j = trust.Find("pricingSigners")) o.trust.pricing_signers_json = j->Dump();
    if (const Json* j = trust.Find("timeAuthorities")) o.trust.time_authorities_json = j->Dump();
    if (const Json* env = c.Find("envOverrides")) {
      Json overrides = *env;
      const std::pair<const char*, std::string*> vars[] = {
          {"NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON", &o.trust.governance_roots_json},
          {"NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON", &o.trust.pricing_signers_json},
          {"NOOTERRA_TRUSTED_PRICING_SIGNER_KEY_IDS_JSON", &o.trust.pricing_signer_ids_json},
          {"NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON", &o.trust.time_authorities_json}};
      for (const auto& [name, field] : vars) {
        if (const Json* v = overrides.Find(name)) *field = v->is_string() ? v->str() : "";
      }
    }

    Json expected = Json::Parse(ReadReference("conformance/v1/" + c.Find("expectedFile")->str()));
    ASSERT_TRUE(expected.is_object());
    Outcome got = b.Verify(*kind, o);
    ASSERT_TRUE(got.ran);
    const bool want_ok = expected.Find("ok")->Dump() == "true";
    const bool want_vok = expected.Find("verificationOk")->Dump() == "true";
    const auto want_e = CodeSet(expected.Find("errorCodes"));
    const auto want_w = CodeSet(expected.Find("warningCodes"));
    const auto got_e = Dedup(got.errors), got_w = Dedup(got.warnings);
    const bool match = got.result.ok == want_ok && got.result.verification_ok == want_vok && got_e == want_e &&
                       got_w == want_w;
    EXPECT_TRUE(match) << id << ": expected ok=" << want_ok << " verificationOk=" << want_vok << " errors "
                       << Join(want_e) << " warnings " << Join(want_w) << "\n  actual ok=" << got.result.ok
                       << " verificationOk=" << got.result.verification_ok << " errors " << Join(got_e)
                       << " warnings " << Join(got_w);
    if (match) ++passed;
  }
  EXPECT_EQ(passed, cases.size());
  std::printf("conformance v1: %zu/%zu cases passed in-process\n", passed, cases.size());
}

}  // namespace
}  // namespace nooterra::verify::testing
