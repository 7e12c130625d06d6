// Signer lifecycle: may this signer key be used for an event at time `at`, and is it still usable
// `now`?
//
// The rules are those of ../shared/protocol/verify/11-other-packs.md §3 (the behaviour the
// conformance pack conformance/signer-lifecycle-v1 describes; the implementation at the reference
// commit predates it and fails that pack, so it is not the oracle). In short:
//   1. no key record: not ok (KEY_NOT_REGISTERED) unless registration is not required;
//   2. `at` and `now` must be ISO date-times (YYYY-MM-DDTHH:mm:ss[.f{1,9}](Z|±HH:mm));
//   3. status (default "active", trimmed, case-insensitive) is active, rotated or revoked;
//   4. validFrom/validTo/rotatedAt/revokedAt are absent (null or blank) or ISO date-times,
//      with validFrom <= validTo;
//   5. the key is evaluated at `at` (validAt) and at `now` (validNow), first hit wins:
//      t < validFrom: KEY_NOT_YET_VALID; t > validTo: KEY_EXPIRED; t >= rotatedAt: KEY_ROTATED;
//      t >= revokedAt: KEY_REVOKED; status rotated/revoked without its time: KEY_CHAIN_GAP;
//   6. the verdict is validAt's, and also validNow's when current validity is enforced.
//
// A denial is a value (ok == false with a code), never an error status: the function cannot fail.
// Times are compared as milliseconds since the epoch, exactly as ECMAScript Date.parse would read
// the accepted format: fractions are truncated to milliseconds, days 1..31 roll over into the
// next month (2026-02-30 is 2026-03-02), 24:00:00 is the next midnight.
//
// Threads: pure functions, no state, safe to call from any thread. Deterministic: there is no
// clock; "now" is an argument.
#ifndef NOOTERRA_SIGNER_LIFECYCLE_H_
#define NOOTERRA_SIGNER_LIFECYCLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nooterra/json.h"

namespace nooterra::verify {

// Outcome codes. Values are stable and never reused (they may cross the C ABI).
enum class SignerLifecycleCode : int32_t {
  kOk = 0,
  kKeyNotRegistered = 1,
  kKeyEventTimeInvalid = 2,
  kKeyStatusInvalid = 3,
  kKeyLifecycleInvalid = 4,
  kKeyNotYetValid = 5,
  kKeyExpired = 6,
  kKeyRotated = 7,
  kKeyRevoked = 8,
  kKeyChainGap = 9,
};

// "KEY_NOT_REGISTERED", ...; "" for kOk.
std::string_view SignerLifecycleCanonicalCode(SignerLifecycleCode code);
// "IDENTITY_SIGNER_" + the canonical code (e.g. "IDENTITY_SIGNER_KEY_CHAIN_GAP"); "" for kOk.
std::string SignerLifecycleLegacyCode(SignerLifecycleCode code);

// The lifecycle members of a registered signer key. Every member is optional: std::nullopt
// means the member is absent (or JSON null); a blank time string also counts as absent.
struct SignerKeyRecord {
  std::optional<std::string> status;  // absent: "active"
  std::optional<std::string> valid_from;
  std::optional<std::string> valid_to;
  std::optional<std::string> rotated_at;
  std::optional<std::string> revoked_at;
};

struct SignerLifecycleQuery {
  std::optional<SignerKeyRecord> signer_key;  // std::nullopt: the key is not registered
  std::string at;                             // the event's signing time
  std::optional<std::string> now;             // the evaluation time; std::nullopt: same as `at`
  bool require_registered = true;
  bool enforce_current_validity = false;
};

// The key evaluated at one point in time.
struct SignerValidity {
  bool ok = false;
  SignerLifecycleCode code = SignerLifecycleCode::kOk;  // kOk exactly when ok
};

struct SignerLifecycleDecision {
  bool ok = false;
  SignerLifecycleCode code = SignerLifecycleCode::kOk;  // kOk exactly when ok
  // Present only when the key was actually evaluated (a registered key with valid inputs).
  std::optional<SignerValidity> valid_at;
  std::optional<SignerValidity> valid_now;
  std::string message;  // for people; empty when ok
};

// Decides the query. Never fails; see the file comment for the rules and their order.
SignerLifecycleDecision EvaluateSignerLifecycle(const SignerLifecycleQuery& query);

// Builds a query from the JSON shape of the conformance vectors' `input`:
//   {signerKey: object|null, at: string, now?: string, requireRegistered?: bool,
//    enforceCurrentValidity?: bool}
// As in the reference, `signerKey` that is not an object means "not registered",
// `requireRegistered` is true unless it is literally false, and `enforceCurrentValidity` is
// false unless it is literally true. A member that should be a string but holds another JSON
// type is kept as a placeholder ("<number>", ...) that fails validation, so a mistyped record
// is denied rather than silently treated as absent.
// Errors: INVALID_ARGUMENT, reason SIGNER_LIFECYCLE_INPUT_INVALID, when `input` is not an object.
absl::StatusOr<SignerLifecycleQuery> SignerLifecycleQueryFromJson(json::Value input);

// The decision as canonical JSON in the conformance runner's shape: {"ok", "canonicalCode",
// "legacyCode", "validAtOk", "validAtCanonicalCode", "validNowOk", "validNowCanonicalCode",
// "message"}; codes are null when ok (or, for validAt/validNow, when that instant was not
// evaluated: then its Ok is null too); message is null when ok.
std::string SignerLifecycleDecisionJson(const SignerLifecycleDecision& decision);

// Milliseconds since 1970-01-01T00:00:00Z of an ISO date-time in the accepted format (after
// trimming ASCII whitespace), or std::nullopt when it does not match or does not parse.
std::optional<int64_t> ParseSignerTimeMs(std::string_view text);

}  // namespace nooterra::verify

#endif  // NOOTERRA_SIGNER_LIFECYCLE_H_
