// The double-entry ledger (include/nooterra/ledger.h).
//
// Layout in the store (tenant-scoped by the store):
//   accounts  "b/<owner>\0<currency>\0<bucket>"  -> balance, 8 bytes little-endian two's complement
//   journal   "e/<id>"                            -> the entry's canonical JSON
#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "common/js.h"
#include "common/strings.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/status.h"

namespace nooterra::ledger {

namespace {

absl::Status Invalid(std::string_view reason, std::string message) {
  return MakeError(absl::StatusCode::kInvalidArgument, reason, message);
}

bool IdChars(std::string_view s, size_t max, bool slash) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == ':' || c == '_' || c == '.' || c == '-' || (slash && c == '/');
    if (!ok) return false;
  }
  return true;
}

bool CurrencyOk(std::string_view c) {
  if (c.size() < 3 || c.size() > 12 || !(c[0] >= 'A' && c[0] <= 'Z')) return false;
  for (char ch : c) {
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  }
  return true;
}

absl::Status ValidateAccount(const Account& a) {
  if (!IdChars(a.owner, 128, false)) {
    return Invalid("LEDGER_ENTRY_INVALID", "account owner must be 1..128 characters of [A-Za-z0-9:_.-]");
  }
  if (!CurrencyOk(a.currency)) {
    return Invalid("LEDGER_ENTRY_INVALID", StrCat("currency ", a.currency, " must match ^[A-Z][A-Z0-9_]{2,11}$"));
  }
  if (BucketName(a.bucket).empty()) return Invalid("LEDGER_ENTRY_INVALID", "unknown bucket");
  if ((a.bucket == Bucket::kExternal) != (a.owner == kExternalOwner)) {
    return Invalid("LEDGER_ENTRY_INVALID",
                   "the external bucket belongs to owner \"external\", and only it");
  }
  return absl::OkStatus();
}

std::string AccountKey(const Account& a) {
  std::string key = "b/";
  key.append(a.owner);
  key.push_back('\0');
  key.append(a.currency);
  key.push_back('\0');
  key.push_back(static_cast<char>('0' + static_cast<int>(a.bucket)));
  return key;
}

std::string AccountName(const Account& a) {
  return StrCat(a.owner, "/", a.currency, "/", BucketName(a.bucket));
}

std::string EncodeBalance(int64_t v) {
  std::string out(8, '\0');
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
  return out;
}

absl::StatusOr<int64_t> DecodeBalance(std::string_view bytes) {
  if (bytes.size() != 8) {
    return MakeError(absl::StatusCode::kDataLoss, "LEDGER_CORRUPT", "a balance record is not 8 bytes");
  }
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(u);
}

using AccountTuple = std::tuple<std::string, std::string, int32_t>;
AccountTuple Tuple(const Account& a) { return {a.owner, a.currency, static_cast<int32_t>(a.bucket)}; }

}  // namespace

std::string_view BucketName(Bucket bucket) {
  switch (bucket) {
    case Bucket::kAvailable: return "available";
    case Bucket::kEscrow: return "escrow";
    case Bucket::kHoldback: return "holdback";
    case Bucket::kExternal: return "external";
  }
  return "";
}

std::optional<Bucket> BucketFromName(std::string_view name) {
  for (Bucket b : {Bucket::kAvailable, Bucket::kEscrow, Bucket::kHoldback, Bucket::kExternal}) {
    if (BucketName(b) == name) return b;
  }
  return std::nullopt;
}

namespace {

// Where Apply reads an account's balance before an entry and puts it after: the transaction
// itself (Post), or a batch's cache that reaches the transaction once per account (PostBatch).
struct Balances {
  std::function<absl::StatusOr<int64_t>(const Account&, const std::string& key)> read;
  std::function<absl::Status(const std::string& key, int64_t balance)> write;
};

// One entry: every check before anything is written, then the journal insert (which is also the
// duplicate check), then the balances.
absl::Status Apply(store::WriteTxn& txn, std::string_view tenant, const Entry& entry, const Balances& balances) {
  if (!IdChars(entry.id, kEntryIdBytesMax, true)) {
    return Invalid("LEDGER_ENTRY_INVALID", "entry id must be 1..240 characters of [A-Za-z0-9:_.-/]");
  }
  if (entry.memo.size() > kMemoBytesMax) {
    return Invalid("LEDGER_ENTRY_INVALID", "memo is longer than 1024 bytes");
  }
  if (entry.postings.size() < 2 || entry.postings.size() > kPostingsPerEntryMax) {
    return Invalid("LEDGER_ENTRY_INVALID", StrCat("an entry has 2..", kPostingsPerEntryMax, " postings"));
  }
  // Net change per account and sum per currency, all checked before anything is written. Small
  // vectors (at most kPostingsPerEntryMax postings; usually two) sorted like the ordered maps they
  // replace, so accounts are read, checked and reported in (owner, currency, bucket) order and
  // currencies in byte order: two std::maps per entry were ~10 % of a batched posting's time.
  struct Delta {
    const Account* account;
    int64_t amount;
  };
  absl::InlinedVector<Delta, 4> deltas;
  absl::InlinedVector<std::pair<std::string_view, __int128>, 2> sums;
  for (const Posting& p : entry.postings) {
    if (absl::Status s = ValidateAccount(p.account); !s.ok()) return s;
    if (p.amount == 0 || p.amount > kAmountMax || p.amount < -kAmountMax) {
      return Invalid("LEDGER_ENTRY_INVALID", "posting amounts are non-zero safe integers");
    }
    auto d = std::find_if(deltas.begin(), deltas.end(), [&](const Delta& x) {
      return x.account->bucket == p.account.bucket && x.account->owner == p.account.owner &&
             x.account->currency == p.account.currency;
    });
    if (d == deltas.end()) {
      deltas.push_back({&p.account, p.amount});
    } else {
      d->amount += p.amount;  // |sum| <= 64 * 2^53: no overflow
    }
    auto c = std::find_if(sums.begin(), sums.end(), [&](const auto& x) { return x.first == p.account.currency; });
    if (c == sums.end()) {
      sums.emplace_back(p.account.currency, p.amount);
    } else {
      c->second += p.amount;
    }
  }
  std::sort(sums.begin(), sums.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      return Invalid("LEDGER_UNBALANCED",
                     StrCat("postings in ", currency, " sum to ", static_cast<int64_t>(sum),
                            "; every currency must sum to zero"));
    }
  }
  std::sort(deltas.begin(), deltas.end(), [](const Delta& a, const Delta& b) {
    return std::tie(a.account->owner, a.account->currency, a.account->bucket) <
           std::tie(b.account->owner, b.account->currency, b.account->bucket);
  });
  absl::InlinedVector<std::pair<std::string, int64_t>, 4> updates;
  for (const Delta& d : deltas) {
    const Account& account = *d.account;
    std::string key = AccountKey(account);
    auto current = balances.read(account, key);
    if (!current.ok()) return current.status();
    const __int128 next = static_cast<__int128>(*current) + d.amount;
    if (next > kAmountMax || next < -kAmountMax) {
      return MakeError(absl::StatusCode::kOutOfRange, "LEDGER_OVERFLOW",
                       StrCat("account ", AccountName(account), " would leave the safe range"));
    }
    if (next < 0 && account.bucket != Bucket::kExternal) {
      return MakeError(absl::StatusCode::kFailedPrecondition, "LEDGER_INSUFFICIENT_FUNDS",
                       StrCat("account ", AccountName(account), " holds ", *current,
                              "; the entry needs ", -d.amount));
    }
    updates.emplace_back(std::move(key), static_cast<int64_t>(next));
  }
  // Every check passed: write. The journal insert goes first: it is also the duplicate check
  // (MDB_NOOVERWRITE), so a second posting of an id writes nothing, without a separate lookup.
  // (A store failure after it aborts the whole transaction.)
  if (absl::Status s = txn.Insert(store::Table::kJournal, tenant, StrCat("e/", entry.id), EntryToJson(entry));
      !s.ok()) {
    if (s.code() == absl::StatusCode::kAlreadyExists) {
      return MakeError(absl::StatusCode::kAlreadyExists, "LEDGER_ENTRY_EXISTS",
                       StrCat("entry ", entry.id, " was posted before"));
    }
    return s;
  }
  for (const auto& [key, balance] : updates) {
    if (absl::Status s = balances.write(key, balance); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Post(store::WriteTxn& txn, std::string_view tenant, const Entry& entry) {
  const Balances direct{
      [&](const Account& account, const std::string&) { return Balance(txn, tenant, account); },
      [&](const std::string& key, int64_t balance) {
        return txn.Put(store::Table::kAccounts, tenant, key, EncodeBalance(balance));
      }};
  return Apply(txn, tenant, entry, direct);
}

absl::Status PostBatch(store::WriteTxn& txn, std::string_view tenant, absl::Span<const Entry> entries) {
  if (entries.size() > kBatchEntriesMax) {
    return MakeError(absl::StatusCode::kResourceExhausted, "LEDGER_BATCH_TOO_LARGE",
                     StrCat("a batch holds at most ", kBatchEntriesMax, " entries"));
  }
  // Under a savepoint (WriteTxn::Nested), so that a failing entry leaves the caller's transaction
  // as it was (the journal inserts of the entries before it are undone with it).
  return txn.Nested([&](store::WriteTxn& nested) -> absl::Status {
    std::map<std::string, int64_t, std::less<>> cache;  // account key -> balance after the entries so far
    const Balances cached{
        [&](const Account& account, const std::string& key) -> absl::StatusOr<int64_t> {
          if (auto it = cache.find(key); it != cache.end()) return it->second;
          return Balance(nested, tenant, account);
        },
        [&](const std::string& key, int64_t balance) {
          cache[key] = balance;
          return absl::OkStatus();
        }};
    for (size_t i = 0; i < entries.size(); ++i) {
      if (absl::Status s = Apply(nested, tenant, entries[i], cached); !s.ok()) {
        return MakeError(s.code(), StatusReason(s), StrCat(s.message(), " (batch entry ", i, ")"));
      }
    }
    for (const auto& [key, balance] : cache) {
      if (absl::Status s = nested.Put(store::Table::kAccounts, tenant, key, EncodeBalance(balance)); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::pair<Account, int64_t>>> Accounts(const store::ReadTxn& txn, std::string_view tenant) {
  std::vector<std::pair<Account, int64_t>> out;
  bool malformed = false;
  absl::Status s = txn.Scan(store::Table::kAccounts, tenant, "b/", [&](std::string_view key, std::string_view value) {
    // key = b/<owner>\0<currency>\0<bucket digit>
    const std::string_view rest = key.substr(2);
    const size_t a = rest.find('\0'), b = rest.rfind('\0');
    auto balance = DecodeBalance(value);
    if (a == std::string_view::npos || a == b || b + 2 != rest.size() || !balance.ok()) {
      malformed = true;
      return false;
    }
    out.push_back({Account{std::string(rest.substr(0, a)), std::string(rest.substr(a + 1, b - a - 1)),
                           static_cast<Bucket>(rest[b + 1] - '0')},
                   *balance});
    return true;
  });
  if (!s.ok()) return s;
  if (malformed) return MakeError(absl::StatusCode::kDataLoss, "STORE_CORRUPT", "an account record is malformed");
  return out;
}

absl::StatusOr<int64_t> Balance(const store::ReadTxn& txn, std::string_view tenant,
                                const Account& account) {
  if (absl::Status s = ValidateAccount(account); !s.ok()) return s;
  auto value = txn.Get(store::Table::kAccounts, tenant, AccountKey(account));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return int64_t{0};
  return DecodeBalance(**value);
}

absl::StatusOr<std::optional<Entry>> GetEntry(const store::ReadTxn& txn, std::string_view tenant,
                                              std::string_view entry_id) {
  auto value = txn.Get(store::Table::kJournal, tenant, StrCat("e/", entry_id));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<Entry>();
  auto entry = EntryFromJson(**value);
  if (!entry.ok()) {
    return MakeError(absl::StatusCode::kDataLoss, "LEDGER_CORRUPT",
                     StrCat("journal entry ", entry_id, " does not parse: ", entry.status().message()));
  }
  return std::optional<Entry>(std::move(*entry));
}

Entry Deposit(std::string id, std::string_view owner, std::string_view currency, int64_t amount) {
  return Move(std::move(id), Account{std::string(kExternalOwner), std::string(currency), Bucket::kExternal},
              Account{std::string(owner), std::string(currency), Bucket::kAvailable}, amount);
}

Entry Withdrawal(std::string id, std::string_view owner, std::string_view currency, int64_t amount) {
  return Move(std::move(id), Account{std::string(owner), std::string(currency), Bucket::kAvailable},
              Account{std::string(kExternalOwner), std::string(currency), Bucket::kExternal}, amount);
}

Entry Move(std::string id, const Account& from, const Account& to, int64_t amount) {
  Entry e;
  e.id = std::move(id);
  e.postings.push_back(Posting{from, -amount});
  e.postings.push_back(Posting{to, amount});
  return e;
}

std::string EntryToJson(const Entry& entry) {
  // The canonical form written directly (members in canonical key order; amounts are safe
  // integers, so their ECMAScript form is plain decimal): every posting writes one of these, and
  // building a json::Tree for it was most of a posting's CPU time. A test holds this equal to
  // json::CanonicalString of the same document.
  std::string out;
  out.reserve(64 + entry.id.size() + entry.memo.size() + entry.postings.size() * 96);
  out.append("{\"id\":");
  json::AppendQuoted(entry.id, &out);
  out.append(",\"memo\":");
  json::AppendQuoted(entry.memo, &out);
  out.append(",\"postings\":[");
  for (size_t i = 0; i < entry.postings.size(); ++i) {
    const Posting& p = entry.postings[i];
    StrAppend(&out, i == 0 ? "" : ",", "{\"amount\":", p.amount, ",\"bucket\":\"", BucketName(p.account.bucket),
              "\",\"currency\":");
    json::AppendQuoted(p.account.currency, &out);
    out.append(",\"owner\":");
    json::AppendQuoted(p.account.owner, &out);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

absl::StatusOr<Entry> EntryFromJson(std::string_view json_text) {
  auto doc = json::Document::Parse(json_text);
  if (!doc.ok()) return doc.status();
  json::Value root = doc->root();
  const auto str = [](json::Value v, std::string_view k) -> std::optional<std::string> {
    json::Value m = v.Find(k);
    if (!m.is_string()) return std::nullopt;
    return std::string(m.as_string());
  };
  Entry e;
  auto id = str(root, "id");
  json::Value postings = root.Find("postings");
  if (!root.is_object() || !id || !postings.is_array()) {
    return Invalid("LEDGER_ENTRY_INVALID", "an entry is {\"id\", \"memo\", \"postings\": [...]}");
  }
  e.id = *id;
  e.memo = str(root, "memo").value_or("");
  if (postings.size() > kPostingsPerEntryMax) {
    return Invalid("LEDGER_ENTRY_INVALID", StrCat("an entry has at most ", kPostingsPerEntryMax, " postings"));
  }
  for (size_t i = 0; i < postings.size(); ++i) {
    json::Value p = postings.at(i);
    auto owner = str(p, "owner"), currency = str(p, "currency"), bucket = str(p, "bucket");
    json::Value amount = p.Find("amount");
    auto b = bucket ? BucketFromName(*bucket) : std::nullopt;
    // Safe integers only: converting a larger double to int64_t is undefined behaviour.
    if (!owner || !currency || !b || !amount.is_number() || !js::IsSafeInteger(amount.as_number())) {
      return Invalid("LEDGER_ENTRY_INVALID",
                     StrCat("posting ", i, " needs owner, currency, bucket (available|escrow|"
                                           "holdback|external) and an integer amount"));
    }
    e.postings.push_back(Posting{Account{*owner, *currency, *b}, static_cast<int64_t>(amount.as_number())});
  }
  return e;
}

absl::StatusOr<std::vector<std::string>> Check(const store::ReadTxn& txn, std::string_view tenant) {
  std::vector<std::string> violations;
  std::map<AccountTuple, __int128> from_journal;
  absl::Status inner;
  absl::Status s = txn.Scan(store::Table::kJournal, tenant, "e/",
                            [&](std::string_view key, std::string_view value) {
    auto entry = EntryFromJson(value);
    if (!entry.ok()) {
      violations.push_back(StrCat("entry ", key.substr(2), ": does not parse"));
      return true;
    }
    std::map<std::string, __int128> sums;
    for (const Posting& p : entry->postings) {
      from_journal[Tuple(p.account)] += p.amount;
      sums[p.account.currency] += p.amount;
    }
    for (const auto& [currency, sum] : sums) {
      if (sum != 0) violations.push_back(StrCat("entry ", entry->id, ": ", currency, " does not sum to zero"));
    }
    return true;
  });
  if (!s.ok()) return s;
  std::map<std::string, __int128> currency_totals;
  std::map<AccountTuple, int64_t> stored;
  s = txn.Scan(store::Table::kAccounts, tenant, "b/", [&](std::string_view key, std::string_view value) {
    // key = b/<owner>\0<currency>\0<bucket digit>
    std::string_view rest = key.substr(2);
    const size_t a = rest.find('\0'), b = rest.rfind('\0');
    auto balance = DecodeBalance(value);
    if (a == std::string_view::npos || a == b || b + 2 != rest.size() || !balance.ok()) {
      violations.push_back("account record with a malformed key or value");
      return true;
    }
    const AccountTuple t{std::string(rest.substr(0, a)), std::string(rest.substr(a + 1, b - a - 1)),
                         rest[b + 1] - '0'};
    stored[t] = *balance;
    currency_totals[std::get<1>(t)] += *balance;
    const std::string name = StrCat(std::get<0>(t), "/", std::get<1>(t), "/",
                                    BucketName(static_cast<Bucket>(std::get<2>(t))));
    if (*balance < 0 && static_cast<Bucket>(std::get<2>(t)) != Bucket::kExternal) {
      violations.push_back(StrCat("account ", name, ": negative balance ", *balance));
    }
    return true;
  });
  if (!s.ok()) return s;
  for (const auto& [t, journal] : from_journal) {
    auto it = stored.find(t);
    const int64_t have = it == stored.end() ? 0 : it->second;
    if (static_cast<__int128>(have) != journal) {
      violations.push_back(StrCat("account ", std::get<0>(t), "/", std::get<1>(t), "/",
                                  BucketName(static_cast<Bucket>(std::get<2>(t))), ": stored ", have,
                                  ", journal says ", static_cast<int64_t>(journal)));
    }
  }
  for (const auto& [t, have] : stored) {
    if (have != 0 && from_journal.find(t) == from_journal.end()) {
      violations.push_back(StrCat("account ", std::get<0>(t), "/", std::get<1>(t), ": balance ", have,
                                  " with no journal entry"));
    }
  }
  for (const auto& [currency, total] : currency_totals) {
    if (total != 0) violations.push_back(StrCat("currency ", currency, ": balances sum to ",
                                                static_cast<int64_t>(total), ", not zero"));
  }
  (void)inner;
  return violations;
}

}  // namespace nooterra::ledger
