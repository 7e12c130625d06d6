// The operation log (audit trail), the tenant state hash and replay
// (include/nooterra/agreement.h, "Audit trail").
//
// Layout in store::Table::kOplog, per tenant:
//   "op/<seq, 12 digits>"  the entry's canonical JSON (keys already in canonical order)
//   "head"                 "<seq> <entry hash>" of the last entry
// The entry hash is SHA-256 of the entry text, and the next entry carries it as prevHash, so
// editing, dropping or reordering any entry breaks every later link.
#include <cstdio>
#include <string>
#include <vector>

#include "agreement/records.h"
#include "common/strings.h"
#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::agreement {

using namespace internal;  // NOLINT: the kernel's private helpers (agreement/records.h)
using Code = absl::StatusCode;

namespace {

constexpr char kZeroHash[] = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr char kHeadKey[] = "head";

std::string SeqKey(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "op/%012llu", static_cast<unsigned long long>(seq));
  return buf;
}

struct Head {
  uint64_t seq = 0;
  std::string hash = kZeroHash;
};

absl::StatusOr<Head> ReadHead(const store::ReadTxn& txn, std::string_view tenant) {
  auto stored = txn.Get(store::Table::kOplog, tenant, kHeadKey);
  if (!stored.ok()) return stored.status();
  Head head;
  if (!stored->has_value()) return head;
  const std::string_view text = **stored;
  const size_t space = text.find(' ');
  if (space == std::string_view::npos || text.size() != space + 65) {
    return Error(Code::kDataLoss, "OPLOG_BROKEN", "the operation log head does not parse");
  }
  head.seq = std::stoull(std::string(text.substr(0, space)));
  head.hash = std::string(text.substr(space + 1));
  return head;
}

// The entry text, built in canonical member order (idempotencyKey < now < operation < prevHash
// < request < resultHash < seq); `request` is canonical JSON already.
std::string EntryText(uint64_t seq, std::string_view prev_hash, std::string_view operation,
                      std::string_view request, std::string_view now, std::string_view key,
                      std::string_view result_hash) {
  std::string out = R"({"idempotencyKey":)";
  json::AppendQuoted(key, &out);
  out += R"(,"now":)";
  if (now.empty()) {
    out += "null";
  } else {
    json::AppendQuoted(now, &out);
  }
  out += R"(,"operation":)";
  json::AppendQuoted(operation, &out);
  out += R"(,"prevHash":")";
  out += prev_hash;
  out += R"(","request":)";
  out += request;
  out += R"(,"resultHash":")";
  out += result_hash;
  out += R"(","seq":)";
  out += std::to_string(seq);
  out += '}';
  return out;
}

struct Entry {
  uint64_t seq;
  std::string text;
};

// Reads and checks the whole log of a tenant: contiguous sequence numbers from 1, every
// prevHash the hash of the entry before, the head naming the last entry.
absl::StatusOr<std::vector<Entry>> ReadLog(const store::ReadTxn& txn, std::string_view tenant, std::string* head_hash) {
  std::vector<Entry> entries;
  std::string prev = kZeroHash;
  absl::Status broken;
  absl::Status scan = txn.Scan(store::Table::kOplog, tenant, "op/", [&](std::string_view key, std::string_view value) {
    const uint64_t expected = entries.size() + 1;
    if (key != SeqKey(expected)) {
      broken = Error(Code::kDataLoss, "OPLOG_BROKEN", StrCat("entry ", expected, " is missing (found ", key, ")"));
      return false;
    }
    auto doc = json::Document::Parse(value);
    if (!doc.ok() || !doc->root().Find("prevHash").is_string() || doc->root().Find("prevHash").as_string() != prev) {
      broken = Error(Code::kDataLoss, "OPLOG_BROKEN",
                     StrCat("entry ", expected, " does not link to the entry before it"));
      return false;
    }
    prev = crypto::Sha256Hex(value);
    entries.push_back({expected, std::string(value)});
    return true;
  });
  if (!scan.ok()) return scan;
  if (!broken.ok()) return broken;
  auto head = ReadHead(txn, tenant);
  if (!head.ok()) return head.status();
  if (head->seq != entries.size() || head->hash != prev) {
    return Error(Code::kDataLoss, "OPLOG_BROKEN",
                 StrCat("the head names entry ", head->seq, " but the log ends at entry ", entries.size(),
                        head->seq == entries.size() ? " with another hash" : ""));
  }
  *head_hash = prev;
  return entries;
}

}  // namespace

namespace internal {

absl::Status AppendOplog(store::WriteTxn& txn, std::string_view tenant, std::string_view operation,
                         std::string_view request_canonical, std::string_view now,
                         std::string_view idempotency_key, std::string_view result) {
  auto head = ReadHead(txn, tenant);
  if (!head.ok()) return head.status();
  const uint64_t seq = head->seq + 1;
  const std::string text = EntryText(seq, head->hash, operation, request_canonical, now, idempotency_key,
                                     crypto::Sha256Hex(result));
  if (absl::Status s = txn.Insert(store::Table::kOplog, tenant, SeqKey(seq), text); !s.ok()) return s;
  return txn.Put(store::Table::kOplog, tenant, kHeadKey, StrCat(seq, " ", crypto::Sha256Hex(text)));
}

}  // namespace internal

absl::StatusOr<std::string> Kernel::StateHash(std::string_view tenant) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  crypto::Sha256 sha;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    for (int table = 0; table < store::kTableCount; ++table) {
      absl::Status scan = txn.Scan(static_cast<store::Table>(table), tenant, "",
                                   [&](std::string_view key, std::string_view value) {
        // Length-prefixed, so no two different record sets can feed the same bytes.
        const std::string frame = StrCat(table, ":", key.size(), ":", value.size(), ":");
        sha.Update(frame);
        sha.Update(key);
        sha.Update(value);
        return true;
      });
      if (!scan.ok()) return scan;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return crypto::HexEncode(sha.Finish());
}

absl::StatusOr<std::string> Kernel::VerifyOplog(std::string_view tenant) const {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::string out;
  absl::Status s = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    std::string head_hash;
    auto entries = ReadLog(txn, tenant, &head_hash);
    if (!entries.ok()) return entries.status();
    out = StrCat(R"({"entries":)", entries->size(), R"(,"headHash":")", head_hash, R"("})");
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> Kernel::Replay(const store::Store& source, std::string_view tenant) {
  if (absl::Status t = store::ValidateTenant(tenant); !t.ok()) return t;
  std::vector<Entry> entries;
  absl::Status read = source.Read([&](const store::ReadTxn& txn) -> absl::Status {
    std::string head_hash;
    auto log = ReadLog(txn, tenant, &head_hash);
    if (!log.ok()) return log.status();
    entries = std::move(*log);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  bool empty = true;
  absl::Status probe = store_->Read([&](const store::ReadTxn& txn) -> absl::Status {
    for (int table = 0; table < store::kTableCount && empty; ++table) {
      absl::Status scan = txn.Scan(static_cast<store::Table>(table), tenant, "", [&](std::string_view, std::string_view) {
        empty = false;
        return false;
      });
      if (!scan.ok()) return scan;
    }
    return absl::OkStatus();
  });
  if (!probe.ok()) return probe;
  if (!empty) {
    return Error(Code::kFailedPrecondition, "REPLAY_TARGET_NOT_EMPTY",
                 StrCat("the target store already holds records of tenant ", tenant));
  }
  for (const Entry& entry : entries) {
    auto doc = json::Document::Parse(entry.text);
    if (!doc.ok()) return Error(Code::kDataLoss, "OPLOG_BROKEN", StrCat("entry ", entry.seq, " does not parse"));
    const json::Value root = doc->root(), request = root.Find("request");
    const std::string operation(root.Find("operation").as_string());
    const std::string now = root.Find("now").is_string() ? std::string(root.Find("now").as_string()) : "";
    const std::string key(root.Find("idempotencyKey").as_string());
    auto text = json::CanonicalString(json::Tree::FromValue(request));
    if (!text.ok()) return text.status();
    absl::StatusOr<Result> r = Error(Code::kDataLoss, "OPLOG_BROKEN",
                                     StrCat("entry ", entry.seq, " has an unknown operation ", operation));
    if (operation == "registerAgent") {
      r = RegisterAgent(tenant, Str(request, "agentId"), Str(request, "publicKeyPem"));
    } else if (operation == "deposit") {
      r = Deposit(tenant, Str(request, "agentId"), Str(request, "currency"),
                  static_cast<int64_t>(request.Find("amountCents").as_number()), key);
    } else if (operation == "fund") {
      r = Fund(tenant, Str(request, "agreementHash"), *text, now, key);  // the risk inputs ride along
    } else if (operation == "void") {
      r = Void(tenant, Str(request, "agreementHash"), now, key);
    } else if (operation == "submitVerdict") {
      auto verdict = json::CanonicalString(json::Tree::FromValue(request.Find("verdict")));
      if (!verdict.ok()) return verdict.status();
      r = SubmitVerdict(tenant, Str(request, "caseId"), *verdict, now, key);
    } else if (operation == "createAgreement") {
      r = CreateAgreement(tenant, *text, now, key);
    } else if (operation == "submitEvidence") {
      r = SubmitEvidence(tenant, *text, now, key);
    } else if (operation == "settle") {
      r = Settle(tenant, *text, now, key);
    } else if (operation == "lockHold") {
      r = LockHold(tenant, *text, now, key);
    } else if (operation == "openDispute") {
      r = OpenDispute(tenant, *text, now, key);
    } else if (operation == "setWalletPolicy") {
      auto policy = json::CanonicalString(json::Tree::FromValue(request.Find("walletPolicy")));
      if (!policy.ok()) return policy.status();
      r = SetWalletPolicy(tenant, Str(request, "agentId"), *policy, key);
    } else if (operation == "resolveEscalation") {
      auto action = json::CanonicalString(json::Tree::FromValue(request.Find("action")));
      if (!action.ok()) return action.status();
      r = ResolveEscalation(tenant, Str(request, "escalationId"), *action, now, key);
    } else if (operation == "setAgentStatus") {
      json::Tree change = json::Tree::FromValue(request);
      change.Erase("agentId");
      r = SetAgentStatus(tenant, Str(request, "agentId"), Canonical(change), now, key);
    } else if (operation == "createRfq") {
      r = CreateRfq(tenant, *text, now, key);
    } else if (operation == "submitBid" || operation == "acceptBid" || operation == "appendRunEvent" ||
               operation == "resolveRunSettlement") {
      // Logged as {<subject name>: subject, <request name>: request} (marketplace.cc, MarketOp).
      const bool bid = operation == "submitBid", accept = operation == "acceptBid",
                 event = operation == "appendRunEvent";
      auto inner = json::CanonicalString(
          json::Tree::FromValue(request.Find(bid ? "bid" : accept ? "acceptance" : event ? "event" : "resolution")));
      if (!inner.ok()) return inner.status();
      const std::string subject = Str(request, bid || accept ? "rfqId" : "runId");
      r = bid      ? SubmitBid(tenant, subject, *inner, now, key)
          : accept ? AcceptBid(tenant, subject, *inner, now, key)
          : event  ? AppendRunEvent(tenant, subject, *inner, now, key)
                   : ResolveRunSettlement(tenant, subject, *inner, now, key);
    } else if (operation == "maintenance") {
      r = RunHoldbackMaintenance(tenant, now, false, static_cast<uint32_t>(request.Find("limit").as_number()));
    }
    if (!r.ok()) {
      return Error(Code::kDataLoss, "REPLAY_DIVERGED",
                   StrCat("entry ", entry.seq, " (", operation, ") failed on replay: ", r.status().message()));
    }
    if (crypto::Sha256Hex(r->json) != root.Find("resultHash").as_string()) {
      return Error(Code::kDataLoss, "REPLAY_DIVERGED",
                   StrCat("entry ", entry.seq, " (", operation, ") produced a different result on replay"));
    }
  }
  auto hash = StateHash(tenant);
  if (!hash.ok()) return hash.status();
  return StrCat(R"({"entries":)", entries.size(), R"(,"stateHash":")", *hash, R"("})");
}

}  // namespace nooterra::agreement
