// Canonical form: every worked example of ../shared/protocol/verify/01-canonical-json.md and
// kernel/01-canonical-json-and-crypto.md. The expected strings were produced by the Node
// reference (marked "verified" in the digests), not by this library.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::json {
namespace {

std::string Canon(std::string_view text) {
  auto out = Canonicalize(text);
  EXPECT_TRUE(out.ok()) << text << " -> " << out.status();
  return out.ok() ? *out : std::string("<error>");
}

absl::Status CanonError(std::string_view text) {
  auto out = Canonicalize(text);
  EXPECT_FALSE(out.ok()) << text << " unexpectedly gave " << *out;
  return out.status();
}

TEST(CanonicalOrder, ArrayIndexKeysFirstNumerically) {
  EXPECT_EQ(Canon(R"({"b":1,"10":2,"9":3,"a":4,"-1":5,"01":6,"4294967295":7,"4294967294":8})"),
            R"({"9":3,"10":2,"4294967294":8,"-1":5,"01":6,"4294967295":7,"a":4,"b":1})");
  EXPECT_EQ(Canon(R"({"10":1,"2":2,"a":3,"B":4})"), R"({"2":2,"10":1,"B":4,"a":3})");
}

TEST(CanonicalOrder, Utf16CodeUnitOrderNotUtf8) {
  // U+1F600 is D83D DE00 in UTF-16 and sorts before U+FFFF, although its UTF-8 is larger.
  EXPECT_EQ(Canon("{\"\xF0\x9F\x98\x80\":1,\"\\uffff\":2,\"\xC3\xA9\":3,\"Z\":4,\"a\":5,\"_\":6}"),
            "{\"Z\":4,\"_\":6,\"a\":5,\"\xC3\xA9\":3,\"\xF0\x9F\x98\x80\":1,\"\xEF\xBF\xBF\":2}");
}

TEST(CanonicalOrder, NestedObjectsSortedArraysKeepOrder) {
  EXPECT_EQ(Canon(R"({"b":[3,1,2],"a":{"y":true,"x":false}})"),
            R"({"a":{"x":false,"y":true},"b":[3,1,2]})");
}

TEST(CanonicalKeys, DuplicateKeysLastWins) {
  EXPECT_EQ(Canon(R"({"a":1,"a":2})"), R"({"a":2})");
  EXPECT_EQ(Canon(R"({"a":1,"b":0,"a":{"z":1},"a":3})"), R"({"a":3,"b":0})");
  // The document view agrees with the canonical form.
  auto doc = Document::Parse(R"({"k":"first","k":"second"})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root().size(), 1u);
  EXPECT_EQ(doc->root().Find("k").as_string(), "second");
}

TEST(CanonicalKeys, ProtoMemberDropped) {
  EXPECT_EQ(Canon(R"({"__proto__":{"x":1},"b":2})"), R"({"b":2})");
  EXPECT_EQ(Canon(R"({"__proto__":1,"b":2})"), R"({"b":2})");
  EXPECT_EQ(Canon(R"({"__proto__":1})"), R"({})");
  EXPECT_EQ(Canon(R"([{"__proto__":null,"a":[{"__proto__":0}]}])"), R"([{"a":[{}]}])");
}

TEST(CanonicalStrings, JsonStringifyEscaping) {
  // The digest's verified example: controls lowercase-escaped, U+007F..U+2029 raw, a valid pair
  // becomes the raw character, a lone surrogate stays escaped, "\/" becomes "/".
  EXPECT_EQ(Canon(R"(["\u0000\u001f\u007f\u0080\u2028\u2029\ud800\udc00\ud800x\u00e9\/"])"),
            "[\"\\u0000\\u001f\x7f\xC2\x80\xE2\x80\xA8\xE2\x80\xA9\xF0\x90\x80\x80\\ud800x"
            "\xC3\xA9/\"]");
  EXPECT_EQ(Canon(R"(["\b\f\n\r\t\"\\"])"), R"(["\b\f\n\r\t\"\\"])");
  EXPECT_EQ(Canon(R"(["\u0008\u000C\u000A\u000D\u0009\u0022\u005C\u0041"])"),
            R"(["\b\f\n\r\t\"\\A"])");
}

TEST(CanonicalStrings, UnicodeEscapedQuoteAndBackslashAreEscapedAgain) {
  // Found by fuzz_json: a string whose only escapes are \u0022 or \u005c must still be
  // re-escaped on output (in keys too), or the canonical form is not even JSON.
  EXPECT_EQ(Canon(R"(["\u0022"])"), R"(["\""])");
  EXPECT_EQ(Canon(R"(["a\u005cb"])"), R"(["a\\b"])");
  EXPECT_EQ(Canon(R"({"x\u00220":1})"), R"({"x\"0":1})");
  EXPECT_EQ(Canon(R"(["\u0041\u00e9"])"), "[\"A\xC3\xA9\"]");  // nothing to re-escape
}

TEST(CanonicalStrings, LoneSurrogatesLowercase) {
  EXPECT_EQ(Canon(R"(["\uD800"])"), R"(["\ud800"])");
  EXPECT_EQ(Canon(R"(["\uDFFF\uD83D"])"), R"(["\udfff\ud83d"])");
  EXPECT_EQ(Canon(R"(["\uDE00\uD83D"])"), R"(["\ude00\ud83d"])");  // reversed pair: two lone
  EXPECT_EQ(Canon(R"(["\uD83D\uDE00"])"), "[\"\xF0\x9F\x98\x80\"]");
  EXPECT_EQ(Canon(R"({"\uD800":1})"), R"({"\ud800":1})");
  // U+D000..U+D7FF share the 0xED lead byte with surrogates but are ordinary characters.
  EXPECT_EQ(Canon("[\"\xED\x9F\xBF\"]"), "[\"\xED\x9F\xBF\"]");
}

TEST(CanonicalStrings, InvalidUtf8BecomesReplacementCharacter) {
  // Node's decoder: one U+FFFD per maximal ill-formed subpart.
  EXPECT_EQ(Canon("[\"a\xFF" "b\"]"), "[\"a\xEF\xBF\xBD" "b\"]");
  EXPECT_EQ(Canon("[\"\xE2\x82\"]"), "[\"\xEF\xBF\xBD\"]");            // truncated 3-byte
  EXPECT_EQ(Canon("[\"\xC0\xAF\"]"), "[\"\xEF\xBF\xBD\xEF\xBF\xBD\"]");  // overlong: 2 subparts
  EXPECT_EQ(Canon("[\"\xED\xA0\x80\"]"),                                // UTF-8 surrogate
            "[\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"]");
  EXPECT_EQ(Canon("[\"\xF4\x90\x80\x80\"]"),                            // above U+10FFFF
            "[\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"]");
}

struct NumberCase {
  const char* input;
  const char* canonical;
};

TEST(CanonicalNumbers, EcmaScriptFormatting) {
  const NumberCase cases[] = {
      {"1.0", "1"},
      {"1E2", "100"},
      {"1e-7", "1e-7"},
      {"1e21", "1e+21"},
      {"1e20", "100000000000000000000"},
      {"123456789012345678901", "123456789012345680000"},
      {"0.1", "0.1"},
      {"5e-324", "5e-324"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"9007199254740993", "9007199254740992"},
      {"0.000001", "0.000001"},
      {"0.0000001", "1e-7"},
      {"123e-20", "1.23e-18"},
      {"1.23456789e25", "1.23456789e+25"},
      {"0.1e1", "1"},
      {"-5e-7", "-5e-7"},
      {"1.5", "1.5"},
      {"1e-9", "1e-9"},
      {"0", "0"},
      {"-1", "-1"},
      {"1000", "1000"},
      {"0.0000012", "0.0000012"},
      {"9.9e-7", "9.9e-7"},
      {"1e-400", "0"},  // underflows to +0, which is fine
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Canon(std::string("[") + c.input + "]"), std::string("[") + c.canonical + "]")
        << c.input;
  }
}

TEST(CanonicalNumbers, NegativeZeroRejected) {
  for (const char* text : {"-0", "-0.0", "-0e1", "[-0]", R"({"a":-0.0})", "-1e-400"}) {
    absl::Status s = CanonError(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(StatusReason(s), "JSON_NEGATIVE_ZERO") << text;
    EXPECT_THAT(std::string(s.message()),
                ::testing::HasSubstr("Unsupported number for canonical JSON: -0"));
  }
}

TEST(CanonicalNumbers, NonFiniteRejectedWithPosition) {
  absl::Status s = CanonError(R"({"a":[1, 1e400]})");
  EXPECT_EQ(StatusReason(s), "JSON_NON_FINITE");
  EXPECT_THAT(std::string(s.message()),
              ::testing::HasSubstr("Unsupported number for canonical JSON: non-finite"));
  ASSERT_TRUE(StatusOffset(s).has_value());
  EXPECT_EQ(*StatusOffset(s), 9u);
  EXPECT_EQ(StatusReason(CanonError("-1e999")), "JSON_NON_FINITE");
}

TEST(CanonicalOptions, OmitTopLevelMembersOnly) {
  auto doc = Document::Parse(R"({"manifestHash":"x","a":{"manifestHash":1},"b":2})");
  ASSERT_TRUE(doc.ok());
  std::string out;
  std::string_view omit[] = {"manifestHash"};
  ASSERT_TRUE(AppendCanonical(doc->root(), &out, {omit}).ok());
  EXPECT_EQ(out, R"({"a":{"manifestHash":1},"b":2})");
  // The streamed digest equals the hash of the same bytes.
  auto digest = CanonicalDigest(doc->root(), {omit});
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(crypto::HexEncode(*digest), crypto::Sha256Hex(out));
}

TEST(CanonicalWriter, FailureLeavesOutputUntouched) {
  auto doc = Document::Parse(R"({"a":"keep","b":[-0]})");
  ASSERT_TRUE(doc.ok());
  std::string out = "prefix";
  EXPECT_FALSE(AppendCanonical(doc->root(), &out).ok());
  EXPECT_EQ(out, "prefix");
}

TEST(CanonicalHash, ProtocolExample) {
  // 02-cryptography.md §8: payload material of evt_job_created and its payloadHash.
  auto hex = CanonicalSha256Hex(
      R"({"v":1,"id":"evt_job_created","at":"2026-02-02T00:00:00.000Z","streamId":"job_fixture_1",)"
      R"("type":"JOB_CREATED","actor":{"type":"system","id":"proxy"},"payload":{"jobId":"job_fixture_1"}})");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(*hex, "6b46a068dfe3479d2f09f84ae0ed29bb7e2cd9e1ec4c17bccca1c1307a04c47c");
  auto chain = CanonicalSha256Hex(
      R"({"v":1,"prevChainHash":null,"payloadHash":"6b46a068dfe3479d2f09f84ae0ed29bb7e2cd9e1ec4c17bccca1c1307a04c47c"})");
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(*chain, "e698a6e1d597a4be85d31bdac90a34a66b9d43886ad43f59c0cc4e77efdde78d");
  // The default empty revocation list core (§7).
  auto rl = CanonicalSha256Hex(
      R"({"generatedAt":"2026-02-02T00:00:00.000Z","listId":"revocations_default_v1","revocations":[],)"
      R"("rotations":[],"schemaVersion":"RevocationList.v1","signedAt":"2026-02-02T00:00:00.000Z",)"
      R"("signerKeyId":"key_4bd1ee0813b265cb6670a1cc"})");
  ASSERT_TRUE(rl.ok());
  EXPECT_EQ(*rl, "5c286871ea76001026b765f52296df51f76f4e040b537963fde671850684cf87");
}

TEST(CompareKeys, Basics) {
  EXPECT_LT(CompareKeys("a", "b"), 0);
  EXPECT_LT(CompareKeys("a", "ab"), 0);
  EXPECT_EQ(CompareKeys("abc", "abc"), 0);
  EXPECT_LT(CompareKeys("2", "10"), 0);
  EXPECT_LT(CompareKeys("4294967294", "-1"), 0);
  EXPECT_GT(CompareKeys("4294967295", "10"), 0);
  EXPECT_LT(CompareKeys("01", "1a"), 0);  // both ordinary strings
  EXPECT_LT(CompareKeys("\xF0\x9F\x98\x80", "\xEF\xBF\xBF"), 0);
  EXPECT_GT(CompareKeys("\xEF\xBF\xBF", "\xF0\x9F\x98\x80"), 0);
  EXPECT_LT(CompareKeys("\xED\xA0\x80", "\xEE\x80\x80"), 0);  // lone D800 < U+E000
}

}  // namespace
}  // namespace nooterra::json
