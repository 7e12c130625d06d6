// Signer lifecycle (include/nooterra/signer_lifecycle.h): every vector of
// conformance/signer-lifecycle-v1, then each outcome code and the time format on its own.
#include "nooterra/signer_lifecycle.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "nooterra/json.h"
#include "support/reference.h"

namespace nooterra::verify {
namespace {

using nooterra::testing::ReadReference;

// The expected member as a string, "" for null/absent (the runner's `?? null`).
std::string ExpectedString(json::Value expected, const char* name) {
  json::Value v = expected.Find(name);
  return v.is_string() ? std::string(v.as_string()) : "";
}

std::string CodeOrEmpty(const std::optional<SignerValidity>& v) {
  if (!v || v->ok) return "";
  return std::string(SignerLifecycleCanonicalCode(v->code));
}

TEST(SignerLifecycleVectors, AllReferenceVectorsPass) {
  std::string text = ReadReference("conformance/signer-lifecycle-v1/vectors.json");
  ASSERT_FALSE(text.empty());
  auto doc = json::Document::Parse(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->root().Find("schemaVersion").as_string(), "SignerLifecycleConformanceVectors.v1");
  json::Value cases = doc->root().Find("cases");
  ASSERT_TRUE(cases.is_array());
  ASSERT_GT(cases.size(), 0u) << "no vectors: the pack is empty or malformed";
  size_t passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    json::Value c = cases.at(i);
    std::string id(c.Find("id").as_string());
    json::Value expected = c.Find("expected");
    ASSERT_TRUE(expected.is_object()) << id;
    auto query = SignerLifecycleQueryFromJson(c.Find("input"));
    ASSERT_TRUE(query.ok()) << id << ": " << query.status();
    SignerLifecycleDecision d = EvaluateSignerLifecycle(*query);
    bool match = true;
    auto check = [&](const std::string& what, const std::string& want, const std::string& got) {
      if (want == got) return;
      match = false;
      ADD_FAILURE() << id << ": " << what << " expected=" << want << " actual=" << got;
    };
    check("ok", expected.Find("ok").as_bool() ? "true" : "false", d.ok ? "true" : "false");
    check("legacyCode", ExpectedString(expected, "legacyCode"), SignerLifecycleLegacyCode(d.code));
    check("canonicalCode", ExpectedString(expected, "canonicalCode"),
          std::string(SignerLifecycleCanonicalCode(d.code)));
    for (auto [field, prefix] : {std::pair{&d.valid_at, std::string("validAt")},
                                 std::pair{&d.valid_now, std::string("validNow")}}) {
      // null when the key was not evaluated, as the runner prints it.
      json::Value ok = expected.Find(prefix + "Ok");
      std::string want_ok = ok.is_bool() ? (ok.as_bool() ? "true" : "false") : "null";
      std::string got_ok = field->has_value() ? ((*field)->ok ? "true" : "false") : "null";
      check(prefix + "Ok", want_ok, got_ok);
      check(prefix + "CanonicalCode", ExpectedString(expected, (prefix + "CanonicalCode").c_str()),
            CodeOrEmpty(*field));
    }
    if (match) ++passed;
  }
  EXPECT_EQ(passed, cases.size());
  std::printf("signer-lifecycle-v1: %zu/%zu vectors passed\n", passed, cases.size());
}

SignerLifecycleQuery Query(SignerKeyRecord key, std::string at,
                           std::optional<std::string> now = std::nullopt) {
  SignerLifecycleQuery q;
  q.signer_key = std::move(key);
  q.at = std::move(at);
  q.now = std::move(now);
  return q;
}

constexpr char kT9[] = "2026-03-01T00:00:09.000Z";
constexpr char kT10[] = "2026-03-01T00:00:10.000Z";
constexpr char kT11[] = "2026-03-01T00:00:11.000Z";

TEST(SignerLifecycle, NotRegistered) {
  SignerLifecycleQuery q;
  q.at = kT10;
  SignerLifecycleDecision d = EvaluateSignerLifecycle(q);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyNotRegistered);
  EXPECT_EQ(SignerLifecycleLegacyCode(d.code), "IDENTITY_SIGNER_KEY_NOT_REGISTERED");
  EXPECT_FALSE(d.valid_at.has_value());
  EXPECT_FALSE(d.message.empty());
  // Not required: fine, and not evaluated (even with an unusable time).
  q.require_registered = false;
  q.at = "garbage";
  d = EvaluateSignerLifecycle(q);
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(d.code, SignerLifecycleCode::kOk);
  EXPECT_FALSE(d.valid_at.has_value());
  EXPECT_FALSE(d.valid_now.has_value());
}

TEST(SignerLifecycle, EventTimeInvalid) {
  for (const char* at : {"", "   ", "2026-03-01", "2026-03-01T00:00:10", "not a time",
                         "2026-03-01T00:00:10.000z", "2026-13-01T00:00:10Z"}) {
    SignerLifecycleDecision d = EvaluateSignerLifecycle(Query({}, at));
    EXPECT_EQ(d.code, SignerLifecycleCode::kKeyEventTimeInvalid) << at;
    EXPECT_FALSE(d.ok);
    EXPECT_FALSE(d.valid_at.has_value());
  }
  SignerLifecycleDecision d = EvaluateSignerLifecycle(Query({}, kT10, "yesterday"));
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyEventTimeInvalid);
  EXPECT_EQ(SignerLifecycleLegacyCode(d.code), "IDENTITY_SIGNER_KEY_EVENT_TIME_INVALID");
}

TEST(SignerLifecycle, StatusInvalid) {
  for (const char* status : {"", "paused", "activ", "<number>"}) {
    SignerKeyRecord key;
    key.status = status;
    SignerLifecycleDecision d = EvaluateSignerLifecycle(Query(key, kT10));
    EXPECT_EQ(d.code, SignerLifecycleCode::kKeyStatusInvalid) << status;
  }
  // Trimmed and case-insensitive.
  SignerKeyRecord key;
  key.status = "  ACTIVE ";
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(key, kT10)).ok);
}

TEST(SignerLifecycle, LifecycleInvalid) {
  SignerKeyRecord bad_time;
  bad_time.valid_to = "2026-03-01";
  SignerLifecycleDecision d = EvaluateSignerLifecycle(Query(bad_time, kT10));
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyLifecycleInvalid);
  EXPECT_EQ(SignerLifecycleLegacyCode(d.code), "IDENTITY_SIGNER_KEY_LIFECYCLE_INVALID");
  SignerKeyRecord inverted;
  inverted.valid_from = kT11;
  inverted.valid_to = kT9;
  EXPECT_EQ(EvaluateSignerLifecycle(Query(inverted, kT10)).code,
            SignerLifecycleCode::kKeyLifecycleInvalid);
  // Blank means absent, not invalid.
  SignerKeyRecord blank;
  blank.revoked_at = "  ";
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(blank, kT10)).ok);
  // validFrom == validTo is a one-instant window.
  SignerKeyRecord instant;
  instant.valid_from = kT10;
  instant.valid_to = kT10;
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(instant, kT10)).ok);
}

TEST(SignerLifecycle, WindowBoundaries) {
  SignerKeyRecord key;
  key.valid_from = kT10;
  key.valid_to = kT11;
  EXPECT_EQ(EvaluateSignerLifecycle(Query(key, kT9)).code, SignerLifecycleCode::kKeyNotYetValid);
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(key, kT10)).ok);  // validFrom is inclusive
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(key, kT11)).ok);  // validTo is inclusive
  SignerLifecycleDecision d = EvaluateSignerLifecycle(Query(key, "2026-03-01T00:00:11.001Z"));
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyExpired);
  EXPECT_EQ(SignerLifecycleLegacyCode(d.code), "IDENTITY_SIGNER_KEY_EXPIRED");
}

TEST(SignerLifecycle, RotatedAndRevokedAreAtOrAfter) {
  SignerKeyRecord rotated;
  rotated.status = "rotated";
  rotated.rotated_at = kT10;
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(rotated, kT9)).ok);
  EXPECT_EQ(EvaluateSignerLifecycle(Query(rotated, kT10)).code, SignerLifecycleCode::kKeyRotated);
  SignerKeyRecord revoked;
  revoked.status = "revoked";
  revoked.revoked_at = kT10;
  EXPECT_TRUE(EvaluateSignerLifecycle(Query(revoked, kT9)).ok);
  EXPECT_EQ(EvaluateSignerLifecycle(Query(revoked, kT10)).code, SignerLifecycleCode::kKeyRevoked);
}

TEST(SignerLifecycle, ChainGap) {
  SignerKeyRecord revoked;
  revoked.status = "revoked";
  SignerLifecycleDecision d = EvaluateSignerLifecycle(Query(revoked, kT10));
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyChainGap);
  ASSERT_TRUE(d.valid_at && d.valid_now);
  EXPECT_EQ(d.valid_at->code, SignerLifecycleCode::kKeyChainGap);
}

TEST(SignerLifecycle, FirstFailingConditionWins) {
  // Not yet valid beats every later condition, expired beats rotated, rotated beats revoked.
  SignerKeyRecord key;
  key.status = "revoked";  // and no revokedAt: a chain gap, checked last
  key.valid_from = kT10;
  EXPECT_EQ(EvaluateSignerLifecycle(Query(key, kT9)).code, SignerLifecycleCode::kKeyNotYetValid);
  key.valid_from.reset();
  key.valid_to = kT9;
  key.rotated_at = kT9;
  EXPECT_EQ(EvaluateSignerLifecycle(Query(key, kT10)).code, SignerLifecycleCode::kKeyExpired);
  key.valid_to.reset();
  key.revoked_at = kT9;
  EXPECT_EQ(EvaluateSignerLifecycle(Query(key, kT10)).code, SignerLifecycleCode::kKeyRotated);
}

TEST(SignerLifecycle, ValidNowOnlyCountsWhenEnforced) {
  SignerKeyRecord key;
  key.revoked_at = kT10;
  SignerLifecycleQuery q = Query(key, kT9, kT11);
  SignerLifecycleDecision d = EvaluateSignerLifecycle(q);
  EXPECT_TRUE(d.ok);
  EXPECT_TRUE(d.valid_at->ok);
  EXPECT_EQ(d.valid_now->code, SignerLifecycleCode::kKeyRevoked);
  q.enforce_current_validity = true;
  d = EvaluateSignerLifecycle(q);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyRevoked);
  // validAt failing wins over validNow.
  q = Query(key, kT11, kT9);
  q.enforce_current_validity = true;
  d = EvaluateSignerLifecycle(q);
  EXPECT_EQ(d.code, SignerLifecycleCode::kKeyRevoked);
  EXPECT_TRUE(d.valid_now->ok);
}

TEST(SignerLifecycle, CodeNames) {
  EXPECT_EQ(SignerLifecycleCanonicalCode(SignerLifecycleCode::kOk), "");
  EXPECT_EQ(SignerLifecycleLegacyCode(SignerLifecycleCode::kOk), "");
  EXPECT_EQ(SignerLifecycleLegacyCode(SignerLifecycleCode::kKeyChainGap),
            "IDENTITY_SIGNER_KEY_CHAIN_GAP");
  EXPECT_EQ(SignerLifecycleLegacyCode(SignerLifecycleCode::kKeyStatusInvalid),
            "IDENTITY_SIGNER_KEY_STATUS_INVALID");
  EXPECT_EQ(SignerLifecycleCanonicalCode(SignerLifecycleCode::kKeyRotated), "KEY_ROTATED");
}

// Expected values computed independently (Python datetime).
TEST(SignerTime, ParsesTheIsoFormat) {
  EXPECT_EQ(ParseSignerTimeMs("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseSignerTimeMs("2026-03-01T00:00:10.000Z"), 1772323210000);
  EXPECT_EQ(ParseSignerTimeMs(" 2026-03-01T00:00:10.000Z\n"), 1772323210000);  // trimmed
  EXPECT_EQ(ParseSignerTimeMs("2000-02-29T23:59:59.999Z"), 951868799999);
  EXPECT_EQ(ParseSignerTimeMs("2026-03-01T01:30:00+01:30"), 1772323200000);
  EXPECT_EQ(ParseSignerTimeMs("2026-01-01T00:00:00-05:00"), 1767243600000);
  EXPECT_EQ(ParseSignerTimeMs("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(ParseSignerTimeMs("1600-03-01T00:00:00Z"), -11670912000000);
  // Fractions: 1..9 digits, truncated to milliseconds.
  EXPECT_EQ(ParseSignerTimeMs("1970-01-01T00:00:00.9Z"), 900);
  EXPECT_EQ(ParseSignerTimeMs("1970-01-01T00:00:00.999999999Z"), 999);
  // Date.parse quirks kept for parity: day roll-over up to 31, and 24:00:00.
  EXPECT_EQ(ParseSignerTimeMs("2026-02-30T00:00:00Z"), 1772409600000);  // = 2026-03-02
  EXPECT_EQ(ParseSignerTimeMs("2026-03-01T24:00:00Z"), 1772409600000);
}

TEST(SignerTime, RejectsEverythingElse) {
  for (const char* s : {"",
                        "2026-03-01",
                        "2026-03-01T00:00Z",
                        "2026-03-01T00:00:00",
                        "2026-03-01 00:00:00Z",
                        "2026-03-01t00:00:00Z",
                        "2026-03-01T00:00:00z",
                        "2026-03-01T00:00:00.Z",
                        "2026-03-01T00:00:00.1234567890Z",
                        "2026-00-01T00:00:00Z",
                        "2026-13-01T00:00:00Z",
                        "2026-03-00T00:00:00Z",
                        "2026-03-32T00:00:00Z",
                        "2026-03-01T25:00:00Z",
                        "2026-03-01T24:00:01Z",
                        "2026-03-01T24:00:00.001Z",
                        "2026-03-01T00:60:00Z",
                        "2026-03-01T00:00:60Z",
                        "2026-03-01T00:00:00+24:00",
                        "2026-03-01T00:00:00+01:60",
                        "2026-03-01T00:00:00+0100",
                        "+02026-03-01T00:00:00Z",
                        "2026-03-01T00:00:00Z junk",
                        "２026-03-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseSignerTimeMs(s).has_value()) << s;
  }
}

TEST(SignerLifecycleJson, ShapesAndDefaults) {
  auto doc = json::Document::Parse(
      R"({"signerKey":{"status":"active","validFrom":5,"revokedAt":null},)"
      R"("at":"2026-03-01T00:00:10Z",)"
      R"("requireRegistered":"no","enforceCurrentValidity":1})");
  ASSERT_TRUE(doc.ok());
  auto q = SignerLifecycleQueryFromJson(doc->root());
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->signer_key.has_value());
  EXPECT_EQ(q->signer_key->valid_from, "<number>");
  EXPECT_FALSE(q->signer_key->revoked_at.has_value());
  EXPECT_FALSE(q->now.has_value());
  EXPECT_TRUE(q->require_registered);         // only a literal false disables it
  EXPECT_FALSE(q->enforce_current_validity);  // only a literal true enables it
  // A mistyped time is denied, not ignored.
  EXPECT_EQ(EvaluateSignerLifecycle(*q).code, SignerLifecycleCode::kKeyLifecycleInvalid);

  auto arr = json::Document::Parse(R"({"signerKey":[],"at":5,"requireRegistered":false})");
  ASSERT_TRUE(arr.ok());
  q = SignerLifecycleQueryFromJson(arr->root());
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->signer_key.has_value());  // an array is not a key record
  EXPECT_FALSE(q->require_registered);

  auto not_object = json::Document::Parse("[]");
  ASSERT_TRUE(not_object.ok());
  EXPECT_EQ(SignerLifecycleQueryFromJson(not_object->root()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nooterra::verify
