// `nooterra store check|state-hash|replay|export`: audits, fingerprints, replays and exports a
// store. Thin shells over the ledger and the agreement kernel's audit trail.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cli/common.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/ids.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/status.h"
#include "nooterra/store.h"

namespace nooterra::cli {

namespace {

constexpr char kUsage[] =
    "usage: nooterra store check DIR [--tenant TENANT]\n"
    "       nooterra store state-hash DIR [--tenant TENANT]\n"
    "       nooterra store replay SOURCE_DIR TARGET_DIR [--tenant TENANT]\n"
    "       nooterra store export DIR --tenant TENANT (--agreement HASH | --run RUN_ID) --out OUT_DIR\n"
    "\n"
    "check       audits every tenant (or one): the ledger (every entry balances per currency, every\n"
    "            stored balance equals its journal, no account but the external one is negative,\n"
    "            each currency sums to zero) and the operation log (sequence, hash chain, head).\n"
    "            Prints {\"ok\",\"store\",\"tenants\":[{\"tenant\",\"violations\",\"oplog\"}]}; exits 0\n"
    "            when sound, 1 when not.\n"
    "state-hash  SHA-256 of every record of each tenant: {\"tenants\":[{\"tenant\",\"stateHash\"}]}.\n"
    "replay      re-runs SOURCE's operation log into TARGET (created; the tenants must be absent\n"
    "            there), checking every result, then compares the state hashes. Exits 0 when every\n"
    "            tenant replays to the same state hash, 1 otherwise.\n"
    "export      writes one agreement's documents (agreement, record, evidence, decision, receipt,\n"
    "            hold, case, the verdict's artifact, the adjustment and the reputation events that\n"
    "            name it, when present) and all its\n"
    "            operation-log entries, its creation included, as files in OUT_DIR, with a\n"
    "            manifest.json of their SHA-256. With --run, one marketplace run's: the run and its\n"
    "            events, agreement, settlement, offer, acceptance, its decision's reputation event,\n"
    "            and the operation-log entries naming the run or its RFQ.\n"
    "\n"
    "A store that cannot be opened exits 2. check, state-hash and export never change the store.\n";

int Fail(const char* what, const absl::Status& s) {
  PrintError(what, s);
  return kExitUsage;
}

void Print(const json::Tree& out) {
  auto text = json::CanonicalString(out);
  std::printf("%s\n", text.ok() ? text->c_str() : "{\"ok\":false}");
}

// The tenants to visit: --tenant, or every tenant with ledger records or an operation log.
absl::StatusOr<std::vector<std::string>> Tenants(store::Store& db, const std::string* only) {
  if (only != nullptr) {
    if (absl::Status v = store::ValidateTenant(*only); !v.ok()) return v;
    return std::vector<std::string>{*only};
  }
  return agreement::Kernel(&db).Tenants();
}

int Check(store::Store& db, const std::string& dir, const std::string* only) {
  auto report = agreement::Kernel(&db).CheckStore(only != nullptr ? std::string_view(*only) : std::string_view());
  if (!report.ok()) return Fail("store check", report.status());
  auto tree = json::Tree::Parse(report->json);
  if (!tree.ok()) return Fail("store check", tree.status());
  tree->Set("store", json::Tree::String(dir));
  Print(*tree);
  return report->ok ? kExitOk : kExitRejected;
}

int StateHash(store::Store& db, const std::string* only) {
  auto names = Tenants(db, only);
  if (!names.ok()) return Fail("store state-hash", names.status());
  agreement::Kernel kernel(&db);
  json::Tree tenants = json::Tree::Array();
  for (const std::string& name : *names) {
    auto hash = kernel.StateHash(name);
    if (!hash.ok()) return Fail("store state-hash", hash.status());
    json::Tree entry = json::Tree::Object();
    entry.Add("tenant", json::Tree::String(name));
    entry.Add("stateHash", json::Tree::String(*hash));
    tenants.Push(std::move(entry));
  }
  json::Tree out = json::Tree::Object();
  out.Add("tenants", std::move(tenants));
  Print(out);
  return kExitOk;
}

int Replay(store::Store& source, const std::string& target_dir, const std::string* only) {
  auto names = Tenants(source, only);
  if (!names.ok()) return Fail("store replay", names.status());
  auto target = store::Store::Open(target_dir);
  if (!target.ok()) return Fail("store replay", target.status());
  agreement::Kernel from(&source), to(target->get());
  json::Tree tenants = json::Tree::Array();
  bool same = true;
  for (const std::string& name : *names) {
    auto expected = from.StateHash(name);
    if (!expected.ok()) return Fail("store replay", expected.status());
    json::Tree entry = json::Tree::Object();
    entry.Add("tenant", json::Tree::String(name));
    entry.Add("sourceStateHash", json::Tree::String(*expected));
    auto replayed = to.Replay(source, name);
    if (!replayed.ok()) {
      same = false;
      entry.Add("error", json::Tree::String(StrCat(StatusReason(replayed.status()), ": ", replayed.status().message())));
    } else {
      json::Tree r = *json::Tree::Parse(*replayed);
      const bool match = r.Find("stateHash")->as_string() == *expected;
      same = same && match;
      entry.Add("entries", *r.Find("entries"));
      entry.Add("replayedStateHash", *r.Find("stateHash"));
      entry.Add("match", json::Tree::Bool(match));
    }
    tenants.Push(std::move(entry));
  }
  json::Tree out = json::Tree::Object();
  out.Add("ok", json::Tree::Bool(same));
  out.Add("tenants", std::move(tenants));
  Print(out);
  return same ? kExitOk : kExitRejected;
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return MakeError(absl::StatusCode::kPermissionDenied, "EXPORT_WRITE_FAILED", StrCat("cannot write ", path));
  return absl::OkStatus();
}

using Files = std::vector<std::pair<std::string, absl::StatusOr<std::optional<std::string>>>>;
int WriteBundle(const std::string& out_dir, json::Tree manifest, const Files& files);

absl::Status MakeOutDir(const std::string& out_dir) {
  if (::mkdir(out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return MakeError(absl::StatusCode::kPermissionDenied, "EXPORT_WRITE_FAILED", StrCat("cannot create ", out_dir));
  }
  return absl::OkStatus();
}

// The operation-log entries for which `ours` holds, one per line, in log order.
absl::StatusOr<std::string> LogEntries(store::Store& db, const std::string& tenant,
                                       const std::function<absl::StatusOr<bool>(const store::ReadTxn&, std::string_view)>& ours) {
  std::string operations;
  absl::Status s = db.Read([&](const store::ReadTxn& txn) {
    absl::Status inner;
    absl::Status walked = txn.Scan(store::Table::kOplog, tenant, "op/", [&](std::string_view, std::string_view entry) {
      auto keep = ours(txn, entry);
      if (!keep.ok()) {
        inner = keep.status();
        return false;
      }
      if (*keep) operations.append(entry).append("\n");
      return true;
    });
    return inner.ok() ? walked : inner;
  });
  if (!s.ok()) return s;
  return operations;
}

// One marketplace run's documents (see kUsage).
int ExportRun(store::Store& db, const std::string& tenant, const std::string& run_id, const std::string& out_dir) {
  agreement::Kernel kernel(&db);
  using RunDoc = agreement::Kernel::RunDocument;
  auto run = kernel.GetRun(tenant, run_id);
  if (!run.ok()) return Fail("store export", run.status());
  if (!run->has_value()) {
    return Fail("store export", MakeError(absl::StatusCode::kNotFound, "RUN_NOT_FOUND",
                                          StrCat("no run ", run_id, " in tenant ", tenant)));
  }
  if (absl::Status d = MakeOutDir(out_dir); !d.ok()) return Fail("store export", d);
  Files files;
  files.emplace_back("run.json", *run);
  auto deal = kernel.GetRunDocument(tenant, RunDoc::kAgreement, run_id);
  files.emplace_back("agreement.json", deal);
  auto settlement = kernel.GetRunSettlement(tenant, run_id);
  files.emplace_back("settlement.json", settlement);
  files.emplace_back("offer.json", kernel.GetRunDocument(tenant, RunDoc::kOffer, run_id));
  files.emplace_back("acceptance.json", kernel.GetRunDocument(tenant, RunDoc::kAcceptance, run_id));
  // A resolved settlement's decision_* reputation event, rep_dec_<decisionHash>.
  if (settlement.ok() && settlement->has_value()) {
    auto s = json::Document::Parse(**settlement);
    const json::Value ref = s.ok() ? s->root().Find("decisionTrace").Find("settlementReceipt").Find("decisionRef")
                                   : json::Value();
    const std::string status = s.ok() ? std::string(s->root().Find("decisionStatus").as_string()) : "";
    if ((status == "auto_resolved" || status == "manual_resolved") && ref.Find("decisionHash").is_string()) {
      files.emplace_back("reputation_decision.json",
                         kernel.GetArtifact(tenant, StrCat("rep_dec_", ref.Find("decisionHash").as_string())));
    }
  }
  std::string rfq_id;
  if (deal.ok() && deal->has_value()) {
    auto d = json::Document::Parse(**deal);
    if (d.ok() && d->root().Find("rfqId").is_string()) rfq_id = std::string(d->root().Find("rfqId").as_string());
  }
  const std::string run_marker = StrCat("\"", run_id, "\""), rfq_marker = StrCat("\"", rfq_id, "\"");
  auto operations = LogEntries(db, tenant, [&](const store::ReadTxn&, std::string_view entry) -> absl::StatusOr<bool> {
    return entry.find(run_marker) != std::string_view::npos ||
           (!rfq_id.empty() && entry.find(rfq_marker) != std::string_view::npos);
  });
  if (!operations.ok()) return Fail("store export", operations.status());
  files.emplace_back("operations.jsonl", std::optional<std::string>(*operations));
  json::Tree manifest = json::Tree::Object();
  manifest.Add("runId", json::Tree::String(run_id));
  manifest.Add("tenant", json::Tree::String(tenant));
  return WriteBundle(out_dir, std::move(manifest), files);
}

int Export(store::Store& db, const std::string* tenant, const std::string* hash, const std::string* run_id,
           const std::string* out_dir) {
  if (tenant == nullptr || out_dir == nullptr || (hash == nullptr) == (run_id == nullptr)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (run_id != nullptr) return ExportRun(db, *tenant, *run_id, *out_dir);
  agreement::Kernel kernel(&db);
  auto record = kernel.GetAgreement(*tenant, *hash);
  if (!record.ok()) return Fail("store export", record.status());
  // A kernel-v0 tool call has no agreement record: its funding hold, indexed by the agreement
  // hash, stands for it.
  std::string hold_hash;
  absl::Status indexed = db.Read([&](const store::ReadTxn& txn) {
    auto h = txn.Get(store::Table::kIndex, *tenant, StrCat("hold_of/", *hash));
    if (!h.ok()) return h.status();
    if (h->has_value()) hold_hash = std::string(**h);
    return absl::OkStatus();
  });
  if (!indexed.ok()) return Fail("store export", indexed);
  if (!record->has_value() && hold_hash.empty()) {
    return Fail("store export", MakeError(absl::StatusCode::kNotFound, "AGREEMENT_NOT_FOUND",
                                          StrCat("no agreement ", *hash, " in tenant ", *tenant)));
  }
  if (absl::Status d = MakeOutDir(*out_dir); !d.ok()) return Fail("store export", d);
  json::Tree deal = record->has_value() ? *json::Tree::Parse(**record) : json::Tree::Object();
  auto member = [&](std::string_view key) {
    const json::Tree* v = deal.Find(key);
    return v != nullptr && v->is_string() ? v->as_string() : std::string();
  };
  Files files;
  using Doc = agreement::Kernel::Document;
  files.emplace_back("record.json", *record);
  files.emplace_back("agreement.json", kernel.GetDocument(*tenant, Doc::kAgreement, *hash));
  files.emplace_back("evidence.json", kernel.GetDocument(*tenant, Doc::kEvidence, *hash));
  if (!member("decisionId").empty()) files.emplace_back("decision.json", kernel.GetDocument(*tenant, Doc::kDecision, member("decisionId")));
  if (!member("receiptId").empty()) files.emplace_back("receipt.json", kernel.GetDocument(*tenant, Doc::kReceipt, member("receiptId")));
  if (!member("holdHash").empty()) hold_hash = member("holdHash");
  if (!hold_hash.empty()) files.emplace_back("hold.json", kernel.GetHold(*tenant, hold_hash));
  auto dispute_case = kernel.GetCase(*tenant, StrCat("arb_case_tc_", *hash));
  files.emplace_back("case.json", dispute_case);
  // A closed case: the verdict's artifact (signed by the arbiter) and the one adjustment.
  if (dispute_case.ok() && dispute_case->has_value()) {
    const json::Tree c = *json::Tree::Parse(**dispute_case);
    const json::Tree* verdict_id = c.Find("verdictId");
    if (verdict_id != nullptr && verdict_id->is_string()) {
      files.emplace_back("verdict.json", kernel.GetArtifact(*tenant, ids::VerdictArtifactId(verdict_id->as_string())));
    }
  }
  files.emplace_back("adjustment.json", kernel.GetAdjustment(*tenant, ids::HoldbackAdjustmentId(*hash)));
  // A tool call's reputation events (about its payee) whose sourceRef names the agreement, as one
  // JSON array in the order ReputationFacts lists them.
  if (!hold_hash.empty()) {
    auto hold = kernel.GetHold(*tenant, hold_hash);
    if (!hold.ok()) return Fail("store export", hold.status());
    auto h = hold->has_value() ? json::Document::Parse(**hold) : absl::StatusOr<json::Document>(absl::NotFoundError(""));
    if (h.ok() && h->root().Find("payeeAgentId").is_string()) {
      json::Tree request = json::Tree::Object();
      request.Add("agentId", json::Tree::String(std::string(h->root().Find("payeeAgentId").as_string())));
      request.Add("asOf", json::Tree::String("9999-12-31T23:59:59.999Z"));
      request.Add("includeEvents", json::Tree::Bool(true));
      auto facts = kernel.ReputationFacts(*tenant, *json::CanonicalString(request));
      if (!facts.ok()) return Fail("store export", facts.status());
      auto f = json::Document::Parse(*facts);
      json::Tree ours = json::Tree::Array();
      const json::Value events = f.ok() ? f->root().Find("events") : json::Value();
      for (size_t i = 0; events.is_array() && i < events.size(); ++i) {
        const json::Value ref = events.at(i).Find("sourceRef").Find("agreementHash");
        if (ref.is_string() && ref.as_string() == *hash) ours.Push(json::Tree::FromValue(events.at(i)));
      }
      if (!ours.items().empty()) {
        auto text = json::CanonicalString(ours);
        if (!text.ok()) return Fail("store export", text.status());
        files.emplace_back("reputation.json", std::optional<std::string>(*text));
      }
    }
  }
  // The operation-log entries of the agreement, one per line, in log order: those whose request
  // names it (fund, evidence, settle, void, dispute, verdict) and the createAgreement entry, whose
  // request cannot name the hash it produces; that one is found through its idempotency record,
  // which holds the result.
  const std::string created_marker = StrCat("\"agreementHash\":\"", *hash, "\"");
  auto operations = LogEntries(db, *tenant, [&](const store::ReadTxn& txn, std::string_view entry) -> absl::StatusOr<bool> {
    if (entry.find(*hash) != std::string_view::npos) return true;
    if (entry.find("\"operation\":\"createAgreement\"") == std::string_view::npos) return false;
    auto doc = json::Document::Parse(entry);
    const json::Value key = doc.ok() ? doc->root().Find("idempotencyKey") : json::Value();
    if (!key.is_string()) return false;
    auto stored = txn.Get(store::Table::kIdempotency, *tenant, key.as_string());
    if (!stored.ok()) return stored.status();
    return stored->has_value() && (*stored)->find(created_marker) != std::string::npos;
  });
  if (!operations.ok()) return Fail("store export", operations.status());
  files.emplace_back("operations.jsonl", std::optional<std::string>(*operations));
  json::Tree manifest = json::Tree::Object();
  manifest.Add("agreementHash", json::Tree::String(*hash));
  manifest.Add("tenant", json::Tree::String(*tenant));
  return WriteBundle(*out_dir, std::move(manifest), files);
}

// Writes each present document (one JSON text and a newline; operations.jsonl as it is) into
// out_dir and manifest.json listing their SHA-256; prints the manifest.
int WriteBundle(const std::string& out_dir, json::Tree manifest, const Files& files) {
  json::Tree listed = json::Tree::Array();
  for (auto& [name, content] : files) {
    if (!content.ok()) return Fail("store export", content.status());
    if (!content->has_value()) continue;
    const std::string text = name == "operations.jsonl" ? **content : **content + "\n";
    if (absl::Status w = WriteText(out_dir + "/" + name, text); !w.ok()) return Fail("store export", w);
    json::Tree f = json::Tree::Object();
    f.Add("name", json::Tree::String(name));
    f.Add("sha256", json::Tree::String(crypto::Sha256Hex(text)));
    listed.Push(std::move(f));
  }
  manifest.Add("files", std::move(listed));
  auto text = json::CanonicalString(manifest);
  if (!text.ok()) return Fail("store export", text.status());
  if (absl::Status w = WriteText(out_dir + "/manifest.json", *text + "\n"); !w.ok()) return Fail("store export", w);
  std::printf("%s\n", text->c_str());
  return kExitOk;
}

}  // namespace

int StoreCommand(const std::vector<std::string>& args) {
  if (WantsHelp(args) || args.empty()) {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& sub = args[0];
  auto parsed = ParseArgs(std::vector<std::string>(args.begin() + 1, args.end()), {"tenant", "agreement", "run", "out"});
  const size_t positionals = sub == "replay" ? 2 : 1;
  if ((sub != "check" && sub != "state-hash" && sub != "replay" && sub != "export") || !parsed.ok() ||
      parsed->positionals.size() != positionals) {
    if (!parsed.ok()) PrintError("store", parsed.status());
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  store::Options options;
  options.create = false;
  auto opened = store::Store::Open(parsed->positionals[0], options);
  if (!opened.ok()) return Fail(("store " + sub).c_str(), opened.status());
  const std::string* tenant = parsed->Get("tenant");
  if (sub == "check") return Check(**opened, parsed->positionals[0], tenant);
  if (sub == "state-hash") return StateHash(**opened, tenant);
  if (sub == "replay") return Replay(**opened, parsed->positionals[1], tenant);
  return Export(**opened, tenant, parsed->Get("agreement"), parsed->Get("run"), parsed->Get("out"));
}

}  // namespace nooterra::cli
