// Private building blocks of the object builders (src/objects/). Not installed.
//
// A builder reads its inputs through a `Reader`, which applies one protocol rule per call
// (id, sha256, integer range, timestamp, enum, ...) and records the *first* failure, so builder
// bodies read like the member tables of 02-object-model.md instead of chains of early returns.
#ifndef NOOTERRA_SRC_OBJECTS_INTERNAL_H_
#define NOOTERRA_SRC_OBJECTS_INTERNAL_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/js.h"
#include "nooterra/json.h"
#include "nooterra/objects.h"

namespace nooterra::objects::internal {

// Largest integer the reference can represent exactly (Number.MAX_SAFE_INTEGER).
inline constexpr int64_t kSafeIntMax = 9007199254740991LL;

enum class IdChars {
  kBasic,  // ^[A-Za-z0-9:_-]+$
  kWide,   // ^[A-Za-z0-9:._/-]+$ (OperatorAction)
  kCode,   // ^[A-Za-z0-9._:-]+$ (reason codes, policy ids)
};

// What the builder is doing: making a new object, or re-deriving an existing instance to check
// that it is valid and in normal form (Parse / VerifyObject).
struct Context {
  bool validate = false;
  std::string now;                               // fallback for "default now" timestamps
  const crypto::PrivateKey* signer = nullptr;
};

class Reader {
 public:
  Reader(std::string prefix, json::Value in) : prefix_(std::move(prefix)), in_(in) {}

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  json::Value in() const { return in_; }
  json::Value Raw(std::string_view key) const { return in_.Find(key); }
  // Present and not null.
  bool Has(std::string_view key) const;
  std::string Path(std::string_view key) const { return prefix_ + "." + std::string(key); }

  // Records a failure (only the first one is kept).
  void Fail(std::string_view reason, std::string_view key, std::string_view what);
  // Adopts the first failure of a nested reader.
  void Adopt(const Reader& nested);
  // A reader over member `key`. A member that is present, not null and not an object is a
  // failure here (kReasonType); an absent one reads as an empty object.
  Reader Nested(std::string_view key);

  // Strings. "Opt" variants return nullopt for an absent, null or blank member.
  std::string Id(std::string_view key, size_t min, size_t max, IdChars chars = IdChars::kBasic);
  std::optional<std::string> OptId(std::string_view key, size_t min, size_t max,
                                    IdChars chars = IdChars::kBasic);
  // Non-blank string, trimmed or verbatim, at most max UTF-16 units.
  std::string Text(std::string_view key, bool trim, size_t max = 4000);
  std::optional<std::string> OptText(std::string_view key, bool trim, size_t max = 4000);
  // sha256 hex. Lowercased after trimming unless `strict` (then it must already be lowercase).
  std::string Sha(std::string_view key, bool strict = false);
  std::optional<std::string> OptSha(std::string_view key, bool strict = false);
  // Integers (JSON numbers with no fraction) in [min, max].
  int64_t Int(std::string_view key, int64_t min, int64_t max = kSafeIntMax);
  std::optional<int64_t> OptInt(std::string_view key, int64_t min, int64_t max = kSafeIntMax);
  // Currency: default "USD", trimmed, upper-cased, ^[A-Z][A-Z0-9_]{2,11}$.
  std::string Currency(std::string_view key);
  // Timestamps. `fallback` is used when the member is absent ("" = required). Normalized ones
  // become toISOString(); verbatim ones are kept byte for byte after the Date.parse check.
  std::string IsoNorm(std::string_view key, std::string_view fallback);
  std::string IsoVerbatim(std::string_view key, std::string_view fallback, bool trim = false);
  std::optional<std::string> OptIsoVerbatim(std::string_view key);
  // The text of a timestamp member (`fallback` when absent), trimmed if asked, checked with
  // Date.parse (*ms receives the time); nullopt after recording a failure.
  std::optional<std::string_view> TimestampText(std::string_view key, std::string_view fallback,
                                                bool trim, int64_t* ms);
  // Enumerations after trim + lower/upper case; `fallback` when absent ("" = required).
  enum class Case { kLower, kUpper, kAsIs };
  std::string Enum(std::string_view key, std::initializer_list<std::string_view> values, Case c,
                   std::string_view fallback = "");
  // Objects: copy of member `key`, nullopt when absent or null, failure for other types.
  std::optional<json::Tree> OptObject(std::string_view key);
  // Nullable string (String(x) or null): any string kept verbatim.
  std::optional<std::string> OptString(std::string_view key);

 private:
  std::string prefix_;
  json::Value in_;
  absl::Status status_;
};

// Output helpers.
inline json::Tree S(std::string s) { return json::Tree::String(std::move(s)); }
inline json::Tree N(int64_t v) { return json::Tree::Number(static_cast<double>(v)); }
inline json::Tree OrNull(const std::optional<std::string>& s) {
  return s ? json::Tree::String(*s) : json::Tree::Null();
}
inline json::Tree OrNull(const std::optional<int64_t>& v) {
  return v ? N(*v) : json::Tree::Null();
}
inline json::Tree OrNull(std::optional<json::Tree> v) {
  return v ? std::move(*v) : json::Tree::Null();
}
inline void SetIf(json::Tree* o, std::string_view key, const std::optional<std::string>& s) {
  if (s) o->Set(key, S(*s));
}

// Timestamp check shared with the kernel: Date.parse with an explicit offset (or date only).
std::optional<int64_t> ParseTimestampMs(std::string_view s);
using js::Utf16Length;
// "YYYY-MM-DDT" prefix (OperatorAction timestamps).
bool StartsWithDateTime(std::string_view s);
bool MatchesIdChars(std::string_view s, IdChars chars);
std::string HexOf(const crypto::Digest& d);
// Artifacts carry their id twice (artifactId and envelopeId / eventId): either may be given, and
// when both are they must agree.
std::string TwinId(Reader& r, std::string_view key, std::string_view twin, size_t min, size_t max);
// Lifecycle members (status, revision, updatedAt, resolvedAt) of objects that change after they
// are built (FundingHold, AgreementDelegation). Validating an instance keeps what it says; a new
// object starts at `initial_status`, revision 0, updatedAt = createdAt, and inputs that say
// otherwise are refused rather than silently replaced.
void LifecycleMembers(Reader& r, const Context& ctx, std::initializer_list<std::string_view> statuses,
                      std::string_view initial_status, const std::string& created, json::Tree* out);
// Evidence reference lists: strings trimmed, blanks and duplicates dropped, order kept.
json::Tree TrimmedUniqueStrings(Reader* r, std::string_view key);

// One function per type: reads `r`, fills `out` with the normalized object *without* its
// self-hash members and signature (registry.cc adds those).
using BuildFn = void (*)(Reader& r, const Context& ctx, json::Tree* out);
void BuildToolManifest(Reader& r, const Context& ctx, json::Tree* out);
void BuildToolCallAgreement(Reader& r, const Context& ctx, json::Tree* out);
void BuildToolCallEvidence(Reader& r, const Context& ctx, json::Tree* out);
void BuildFundingHold(Reader& r, const Context& ctx, json::Tree* out);
void BuildDecisionRecordV1(Reader& r, const Context& ctx, json::Tree* out);
void BuildDecisionRecordV2(Reader& r, const Context& ctx, json::Tree* out);
void BuildSettlementReceipt(Reader& r, const Context& ctx, json::Tree* out);
void BuildSettlementAdjustment(Reader& r, const Context& ctx, json::Tree* out);
void BuildPolicyDecision(Reader& r, const Context& ctx, json::Tree* out);
void BuildOperatorAction(Reader& r, const Context& ctx, json::Tree* out);
void BuildDisputeOpenEnvelope(Reader& r, const Context& ctx, json::Tree* out);
void BuildArbitrationCase(Reader& r, const Context& ctx, json::Tree* out);
void BuildArbitrationVerdict(Reader& r, const Context& ctx, json::Tree* out);
void BuildAgreementDelegation(Reader& r, const Context& ctx, json::Tree* out);
void BuildAgentWallet(Reader& r, const Context& ctx, json::Tree* out);
void BuildAgentRunSettlement(Reader& r, const Context& ctx, json::Tree* out);
void BuildMarketplaceOffer(Reader& r, const Context& ctx, json::Tree* out);
void BuildMarketplaceAcceptance(Reader& r, const Context& ctx, json::Tree* out);
void BuildReputationEvent(Reader& r, const Context& ctx, json::Tree* out);

// PolicyDecision's evaluationHash from a normalized PolicyDecision body (policy_decision.cc).
std::string PolicyEvaluationHash(const json::Tree& decision);
// Settlement bindings block shared by decision records and receipts (settlement.cc).
json::Tree NormalizeBindings(Reader& r);

}  // namespace nooterra::objects::internal

#endif  // NOOTERRA_SRC_OBJECTS_INTERNAL_H_
