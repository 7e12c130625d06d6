// `nooterra store check DIR`: audits every tenant's ledger in a store.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/common.h"
#include "common/strings.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/status.h"
#include "nooterra/store.h"

namespace nooterra::cli {

namespace {

constexpr char kUsage[] =
    "usage: nooterra store check DIR [--tenant TENANT]\n"
    "\n"
    "Audits the ledger of every tenant in the store at DIR (or of one): every entry balances per\n"
    "currency, every stored balance equals its journal, no account but the external one is\n"
    "negative, each currency sums to zero. Prints {\"ok\",\"store\",\"tenants\":[{\"tenant\",\n"
    "\"violations\"}]} and exits 0 when the store is sound, 1 when it is not, 2 when it cannot\n"
    "be opened. The store is opened read-mostly and never changed.\n";

}  // namespace

int StoreCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  auto parsed = ParseArgs(std::vector<std::string>(args.begin() + 1, args.end()), {"tenant"});
  if (args[0] != "check" || !parsed.ok() || parsed->positionals.size() != 1) {
    if (!parsed.ok()) PrintError("store", parsed.status());
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  store::Options options;
  options.create = false;
  auto opened = store::Store::Open(parsed->positionals[0], options);
  if (!opened.ok()) {
    PrintError("store check", opened.status());
    return kExitUsage;
  }
  json::Tree tenants = json::Tree::Array();
  bool sound = true;
  absl::Status s = (*opened)->Read([&](const store::ReadTxn& txn) -> absl::Status {
    std::set<std::string> names;
    if (const std::string* only = parsed->Get("tenant")) {
      if (absl::Status v = store::ValidateTenant(*only); !v.ok()) return v;
      names.insert(*only);
    } else {
      for (store::Table t : {store::Table::kAccounts, store::Table::kJournal}) {
        absl::Status l = txn.ListTenants(t, [&](std::string_view name) {
          names.emplace(name);
          return true;
        });
        if (!l.ok()) return l;
      }
    }
    for (const std::string& name : names) {
      auto violations = ledger::Check(txn, name);
      if (!violations.ok()) return violations.status();
      json::Tree list = json::Tree::Array();
      for (const std::string& v : *violations) list.Push(json::Tree::String(v));
      sound = sound && violations->empty();
      json::Tree entry = json::Tree::Object();
      entry.Add("tenant", json::Tree::String(name));
      entry.Add("violations", std::move(list));
      tenants.Push(std::move(entry));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) {
    PrintError("store check", s);
    return kExitUsage;
  }
  json::Tree out = json::Tree::Object();
  out.Add("ok", json::Tree::Bool(sound));
  out.Add("store", json::Tree::String(parsed->positionals[0]));
  out.Add("tenants", std::move(tenants));
  auto text = json::CanonicalString(out);
  std::printf("%s\n", text.ok() ? text->c_str() : "{\"ok\":false}");
  return sound ? kExitOk : kExitRejected;
}

}  // namespace nooterra::cli
