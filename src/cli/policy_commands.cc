// `nooterra policy check|eval|simulate|templates`: every policy kind from the command line.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/common.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/governance_template.h"
#include "nooterra/json.h"
#include "nooterra/policy.h"
#include "nooterra/spend_policy.h"
#include "nooterra/standing_policy.h"
#include "nooterra/status.h"
#include "nooterra/store.h"

namespace nooterra::cli {

namespace {

constexpr uint64_t kPolicyBytesMax = uint64_t{1} << 20;

constexpr char kUsage[] =
    "usage: nooterra policy check [--wallet] POLICY.json\n"
    "       nooterra policy eval POLICY.json --status green|amber|red --amount CENTS\n"
    "                            [--run-status completed|failed] [--method METHOD.json]\n"
    "       nooterra policy simulate POLICY.json --store DIR [--tenant TENANT]\n"
    "       nooterra policy check SPEND.json\n"
    "       nooterra policy eval SPEND.json --request REQUEST.json --now TIME [--spends SPENDS.json]\n"
    "       nooterra policy simulate SPEND.json --store DIR --tenant TENANT --payer AGENT\n"
    "       nooterra policy check GOVERNANCE.json\n"
    "       nooterra policy eval GOVERNANCE.json --request REQUEST.json\n"
    "       nooterra policy templates\n"
    "       nooterra policy check STANDING.json\n"
    "       nooterra policy eval STANDING.json --envelope ENVELOPE.json\n"
    "\n"
    "check     validates a SettlementPolicy.v1 (or, with --wallet, an agent wallet policy) and\n"
    "          prints its normal form and hash: {\"policy\",\"policyHash\"}. A bad policy exits 1\n"
    "          with POLICY_INVALID and the JSON path.\n"
    "eval      the reference's settlement-policy evaluation of one run: decisionMode,\n"
    "          release/refund amounts and reason codes (canonical JSON).\n"
    "simulate  what if POLICY had been pinned: re-evaluates every decision the store's pinned\n"
    "          policies made (per tenant, or one) and reports which outcomes would change and why.\n"
    "          Reads only. Exits 0 (a change is a finding, not an error).\n"
    "\n"
    "A SPEND.json is a SpendPolicy.v1 (\"schemaVersion\":\"SpendPolicy.v1\"; see\n"
    "include/nooterra/spend_policy.h), recognised by its schemaVersion. eval decides one spend\n"
    "request against the past spends given (outcome allow | challenge | escalate | deny, reasons,\n"
    "window figures; a deny exits 0: it is the answer); simulate re-evaluates every lock recorded\n"
    "in the payer's spend log under it.\n"
    "\n"
    "A GOVERNANCE.json is a GovernancePolicyTemplate.v1 (recognised by that schemaVersion, or by\n"
    "templateId + controls; include/nooterra/governance_template.h). check prints its normal form\n"
    "with templateHash; eval prints the GovernancePolicyDecision.v1 for one request (allow |\n"
    "challenge | deny; an invalid template or request is a deny decision, exit 0). templates prints\n"
    "the catalog of the three starter templates.\n"
    "\n"
    "A STANDING.json is an ApprovalStandingPolicy.v1 (recognised by that schemaVersion, or by\n"
    "principalRef + decision; an array of them for eval; include/nooterra/standing_policy.h). check\n"
    "builds its normal form with policyHash (a policyHash in the input must validate first); eval\n"
    "matches one authority envelope against every policy and prints the winner (effect approve |\n"
    "deny | none) and each policy's reason code; no match exits 0.\n";

absl::StatusOr<json::Document> ReadJson(const std::string& path) {
  auto text = ReadInput(path, kPolicyBytesMax);
  if (!text.ok()) return text.status();
  return json::Document::Parse(*text);
}

int Fail(const char* what, const absl::Status& s) {
  PrintError(what, s);
  return s.code() == absl::StatusCode::kInvalidArgument ? kExitRejected : kExitUsage;
}

// A GovernancePolicyTemplate.v1: by its schemaVersion, or, as the reference's seeds are written
// (no schemaVersion), by templateId + controls.
bool IsGovernanceTemplate(json::Value root) {
  const json::Value v = root.Find("schemaVersion");
  if (v.is_string()) return v.as_string() == "GovernancePolicyTemplate.v1";
  return root.Find("templateId").present() && root.Find("controls").present();
}

// check / eval of a governance template (there is nothing recorded to simulate it against).
int GovernanceCommand(const std::string& sub, const std::string& what, json::Value tmpl, const Parsed& parsed) {
  if (sub == "check") {
    auto normal = policy::NormalizeGovernanceTemplate(tmpl, /*require_hash=*/false);
    if (!normal.ok()) return Fail(what.c_str(), normal.status());
    std::printf("%s\n", normal->c_str());
    return kExitOk;
  }
  const std::string* request_path = parsed.Get("request");
  if (sub != "eval" || request_path == nullptr) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto request = ReadJson(*request_path);
  if (!request.ok()) return Fail(what.c_str(), request.status());
  auto decision = policy::EvaluateGovernanceTemplate(tmpl, request->root(), nullptr);
  if (!decision.ok()) return Fail(what.c_str(), decision.status());
  std::printf("%s\n", decision->c_str());
  return kExitOk;
}

// An ApprovalStandingPolicy.v1 (stored, or a builder's input), or an array of them.
bool IsStandingPolicy(json::Value root) {
  const json::Value first = root.is_array() ? root.at(0) : root;
  const json::Value v = first.Find("schemaVersion");
  if (v.is_string()) return v.as_string() == "ApprovalStandingPolicy.v1";
  return first.Find("principalRef").present() && first.Find("decision").present();
}

// check / eval of standing policies (pure: nothing is recorded to simulate them against).
int StandingCommand(const std::string& sub, const std::string& what, json::Value policies, const Parsed& parsed) {
  if (sub == "check" && !policies.is_array()) {
    if (policies.Find("policyHash").present()) {
      if (auto valid = policy::ValidateStandingPolicy(policies); !valid.ok()) return Fail(what.c_str(), valid.status());
    }
    auto normal = policy::BuildStandingPolicy(policies);
    if (!normal.ok()) return Fail(what.c_str(), normal.status());
    std::printf("%s\n", normal->c_str());
    return kExitOk;
  }
  const std::string* envelope_path = parsed.Get("envelope");
  if (sub != "eval" || envelope_path == nullptr) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto envelope = ReadJson(*envelope_path);
  if (!envelope.ok()) return Fail(what.c_str(), envelope.status());
  auto result = policy::EvaluateStandingPolicies(policies, envelope->root(), nullptr);
  if (!result.ok()) return Fail(what.c_str(), result.status());
  std::printf("%s\n", result->c_str());
  return kExitOk;
}

// An existing store, for reading (simulation never creates or changes one).
absl::StatusOr<std::unique_ptr<store::Store>> OpenExisting(const std::string& dir) {
  store::Options options;
  options.create = false;
  return store::Store::Open(dir, options);
}

// check / eval / simulate of a SpendPolicy.v1.
int SpendPolicyCommand(const std::string& sub, const std::string& what, json::Value document, const Parsed& args) {
  auto policy = policy::SpendPolicy::Compile(document);
  if (!policy.ok()) return Fail(what.c_str(), policy.status());
  if (sub == "check") {
    std::printf("{\"policy\":%s,\"policyHash\":\"%s\"}\n", policy->normalized().c_str(), policy->hash().c_str());
    return kExitOk;
  }
  if (sub == "eval") {
    const std::string* request_path = args.Get("request");
    const std::string* now = args.Get("now");
    if (request_path == nullptr || now == nullptr) {
      std::fputs(kUsage, stderr);
      return kExitUsage;
    }
    auto request_doc = ReadJson(*request_path);
    if (!request_doc.ok()) return Fail(what.c_str(), request_doc.status());
    auto request = policy::ParseSpendRequest(request_doc->root());
    if (!request.ok()) return Fail(what.c_str(), request.status());
    policy::SpendHistory history;
    if (const std::string* spends_path = args.Get("spends")) {
      auto spends_doc = ReadJson(*spends_path);
      if (!spends_doc.ok()) return Fail(what.c_str(), spends_doc.status());
      auto parsed = policy::SpendHistory::Parse(spends_doc->root());
      if (!parsed.ok()) return Fail(what.c_str(), parsed.status());
      history = *std::move(parsed);
    }
    auto now_ms = js::ParseInstantMs(*now);
    if (!now_ms) {
      return Fail(what.c_str(), MakeError(absl::StatusCode::kInvalidArgument, "SPEND_TIME_INVALID",
                                          "--now must be an ISO 8601 date-time with Z or an offset"));
    }
    auto decision = policy->Evaluate(*request, history, *now_ms);
    if (!decision.ok()) return Fail(what.c_str(), decision.status());
    std::printf("%s\n", decision->json.c_str());
    return kExitOk;
  }
  const std::string* dir = args.Get("store");
  const std::string* tenant = args.Get("tenant");
  const std::string* payer = args.Get("payer");
  if (dir == nullptr || tenant == nullptr || payer == nullptr) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto db = OpenExisting(*dir);
  if (!db.ok()) return Fail(what.c_str(), db.status());
  auto report = agreement::Kernel(db->get()).SimulateSpendPolicy(*tenant, *payer, policy->normalized());
  if (!report.ok()) return Fail(what.c_str(), report.status());
  std::printf("%s\n", report->c_str());
  return kExitOk;
}

}  // namespace

int PolicyCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& sub = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "templates" && rest.empty()) {
    auto catalog = policy::GovernanceTemplateCatalog();
    if (!catalog.ok()) return Fail("policy templates", catalog.status());
    std::printf("%s\n", catalog->c_str());
    return kExitOk;
  }
  bool wallet = false;
  if (sub == "check") {
    for (auto it = rest.begin(); it != rest.end();) {
      if (*it == "--wallet") {
        wallet = true;
        it = rest.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto parsed = ParseArgs(rest, {"status", "amount", "run-status", "method", "store", "tenant", "request", "now",
                                 "spends", "payer", "envelope"});
  if ((sub != "check" && sub != "eval" && sub != "simulate") || !parsed.ok() || parsed->positionals.size() != 1) {
    if (!parsed.ok()) PrintError("policy", parsed.status());
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string what = "policy " + sub;
  auto doc = ReadJson(parsed->positionals[0]);
  if (!doc.ok()) return Fail(what.c_str(), doc.status());

  if (const json::Value v = doc->root().Find("schemaVersion"); v.is_string() && v.as_string() == "SpendPolicy.v1") {
    return SpendPolicyCommand(sub, what, doc->root(), *parsed);
  }

  if (IsGovernanceTemplate(doc->root())) return GovernanceCommand(sub, what, doc->root(), *parsed);
  if (IsStandingPolicy(doc->root())) return StandingCommand(sub, what, doc->root(), *parsed);

  if (sub == "check") {
    std::string normal, hash;
    if (wallet) {
      auto p = policy::ParseWalletPolicy(doc->root());
      if (!p.ok()) return Fail(what.c_str(), p.status());
      normal = policy::WalletPolicyJson(*p);
      hash = crypto::Sha256Hex(normal);
    } else {
      auto p = policy::NormalizeSettlementPolicy(doc->root());
      if (!p.ok()) return Fail(what.c_str(), p.status());
      normal = *json::CanonicalString(*p);
      hash = policy::Hash(*p);
    }
    std::printf("{\"policy\":%s,\"policyHash\":\"%s\"}\n", normal.c_str(), hash.c_str());
    return kExitOk;
  }

  if (sub == "eval") {
    const std::string* status = parsed->Get("status");
    const std::string* amount_text = parsed->Get("amount");
    int64_t amount = 0;
    if (status == nullptr || amount_text == nullptr || !absl::SimpleAtoi(*amount_text, &amount)) {
      std::fputs(kUsage, stderr);
      return kExitUsage;
    }
    json::Document method;
    if (const std::string* m = parsed->Get("method")) {
      auto loaded = ReadJson(*m);
      if (!loaded.ok()) return Fail(what.c_str(), loaded.status());
      method = std::move(*loaded);
    }
    const std::string* run = parsed->Get("run-status");
    auto e = policy::EvaluateSettlementPolicy(doc->root(), method.root(), *status, run ? *run : "completed", amount);
    if (!e.ok()) return Fail(what.c_str(), e.status());
    std::printf("%s\n", policy::EvaluationJson(*e).c_str());
    return kExitOk;
  }

  const std::string* dir = parsed->Get("store");
  if (dir == nullptr) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto db = OpenExisting(*dir);
  if (!db.ok()) return Fail(what.c_str(), db.status());
  std::vector<std::string> tenants;
  if (const std::string* t = parsed->Get("tenant")) {
    tenants.push_back(*t);
  } else {
    absl::Status l = (*db)->Read([&](const store::ReadTxn& txn) {
      return txn.ListTenants(store::Table::kObjects, [&](std::string_view name) {
        tenants.emplace_back(name);
        return true;
      });
    });
    if (!l.ok()) return Fail(what.c_str(), l);
  }
  agreement::Kernel kernel(db->get());
  const std::string policy_text = *json::CanonicalString(json::Tree::FromValue(doc->root()));
  std::string out = "{\"tenants\":[";
  for (size_t i = 0; i < tenants.size(); ++i) {
    auto report = kernel.SimulateSettlementPolicy(tenants[i], policy_text);
    if (!report.ok()) return Fail(what.c_str(), report.status());
    if (i > 0) out += ",";
    out += "{\"report\":" + *report + ",\"tenant\":";
    json::AppendQuoted(tenants[i], &out);
    out += "}";
  }
  std::printf("%s]}\n", out.c_str());
  return kExitOk;
}

}  // namespace nooterra::cli
