// The Canonicalizer's fast path (canonical form written while parsing, src/json/canonicalizer.cc)
// against the Document path (Document::Parse + AppendCanonical), which every other test pins to
// the reference. For each input: the same bytes, the same digest, the same error (reason, code,
// offset, message) — and, where the test says so, proof that the fast path was really taken
// (internal::TryFastCanonical), or really declined.
#include <algorithm>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "json/internal.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::json {
namespace {

// The Document path's verdict on `text`: canonical text, or the error.
absl::StatusOr<std::string> DocumentPath(std::string_view text, const Limits& limits = {}) {
  auto doc = Document::Parse(text, limits);
  if (!doc.ok()) return doc.status();
  std::string out;
  if (absl::Status s = AppendCanonical(doc->root(), &out); !s.ok()) return s;
  return out;
}

// Canonicalizer (both entry points) and the one-shot functions (the same code on a stack
// state) agree with the Document path on `text`.
void ExpectSameAsDocumentPath(std::string_view text, const Limits& limits = {}) {
  SCOPED_TRACE(std::string(text.substr(0, 200)));
  const absl::StatusOr<std::string> want = DocumentPath(text, limits);
  Canonicalizer c(limits);
  std::string got;
  const absl::Status s = c.Canonicalize(text, &got);
  const absl::StatusOr<crypto::Digest> digest = c.Digest(text);
  const absl::StatusOr<std::string> one_shot = Canonicalize(text, limits);
  const absl::StatusOr<crypto::Digest> one_shot_digest = CanonicalSha256(text, limits);
  if (want.ok()) {
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(got, *want);
    ASSERT_TRUE(digest.ok()) << digest.status();
    EXPECT_EQ(crypto::HexEncode(*digest), crypto::Sha256Hex(*want));
    ASSERT_TRUE(one_shot.ok()) << one_shot.status();
    EXPECT_EQ(*one_shot, *want);
    ASSERT_TRUE(one_shot_digest.ok()) << one_shot_digest.status();
    EXPECT_EQ(*one_shot_digest, *digest);
  } else {
    EXPECT_EQ(one_shot.status(), want.status());
    EXPECT_EQ(one_shot_digest.status(), want.status());
    EXPECT_EQ(s, want.status());  // code and message
    EXPECT_EQ(StatusReason(s), StatusReason(want.status()));
    EXPECT_EQ(StatusOffset(s), StatusOffset(want.status()));
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(digest.status(), want.status());
  }
}

void ExpectFast(std::string_view text, const Limits& limits = {}) {
  std::string fast;
  crypto::Digest digest;
  EXPECT_TRUE(internal::TryFastCanonical(text, limits, &fast)) << text.substr(0, 200);
  EXPECT_TRUE(internal::TryFastCanonicalDigest(text, limits, &digest)) << text.substr(0, 200);
  ExpectSameAsDocumentPath(text, limits);
}

void ExpectDeclined(std::string_view text, const Limits& limits = {}) {
  std::string fast;
  crypto::Digest digest;
  EXPECT_FALSE(internal::TryFastCanonical(text, limits, &fast)) << text.substr(0, 200);
  EXPECT_FALSE(internal::TryFastCanonicalDigest(text, limits, &digest)) << text.substr(0, 200);
  ExpectSameAsDocumentPath(text, limits);
}

TEST(FastPathTest, ProtocolShapedDocumentsTakeTheFastPath) {
  const std::string agreement =
      R"({"schemaVersion":"ToolCallAgreement.v1","toolId":"tool_x","callId":"call_1",)"
      R"("terms":{"amountCents":"1500","currency":"USD","holdbackBps":1000,)"
      R"("acceptance":{"schemaCheck":true,"minOutputBytes":1}},"expiresAt":null,)"
      R"("metadata":{"purpose":"bench","retry":0},"createdAt":"2026-02-01T00:00:00.000Z"})";
  ExpectFast(agreement);
  ExpectFast(*Canonicalize(agreement));  // already canonical
  ExpectFast(R"( { "b" : [ 1 , { "d" : 2 , "c" : 3 } ] , "a" : { } , "e" : [ ] } )");
  ExpectFast("[]");
  ExpectFast("{}");
  ExpectFast(R"("just a string")");
  ExpectFast("12345");
  ExpectFast("true");
  ExpectFast(" null ");
  ExpectFast(R"({"k":false})");
}

TEST(FastPathTest, KeyOrderQuirks) {
  // Array-index keys first, numerically; "01" and "4294967295" are not indices.
  ExpectFast(R"({"b":1,"10":2,"2":3,"a":4,"01":5,"4294967295":6,"4294967294":7,"0":8})");
  // UTF-16 order: U+FF61 (EF BD A1) sorts after U+1F600 (F0 9F 98 80) in UTF-16, before it in
  // UTF-8 bytes.
  ExpectFast("{\"\xEF\xBD\xA1\":1,\"\xF0\x9F\x98\x80\":2,\"z\":3}");
  // Keys equal in their first 8 bytes.
  ExpectFast(R"({"prefix12_b":1,"prefix12_a":2,"prefix12":3,"prefix1":4})");
  // Duplicates: the last one wins, wherever the key sorts.
  ExpectFast(R"({"b":1,"a":2,"b":3})");
  ExpectFast(R"({"a":1,"a":2,"a":{"z":1,"y":2}})");
  ExpectFast(R"({"a":1,"b":2,"a":3,"c":4,"b":5})");
  // "__proto__" is dropped, at any depth, sorted or not.
  ExpectFast(R"({"__proto__":1,"a":2})");
  ExpectFast(R"({"a":2,"__proto__":{"x":1}})");
  ExpectFast(R"({"x":{"a":1,"__proto__":2,"b":3}})");
  // Wide objects (the std::sort branch) with duplicates.
  std::string wide = "{";
  for (int i = 0; i < 100; ++i) {
    if (i > 0) wide += ',';
    wide += "\"k";
    wide += std::to_string((i * 37) % 60);
    wide += "\":";
    wide += std::to_string(i);
  }
  ExpectFast(wide + "}");
}

// The string scanner's byte classes, for every byte value in every lane of the 16-byte chunk:
// set exactly for '"', '\\', control characters and non-ASCII.
TEST(FastPathTest, SpecialMaskClassifiesEveryByte) {
  for (int b = 0; b < 256; ++b) {
    const bool special = b == '"' || b == '\\' || b < 0x20 || b >= 0x80;
    for (int lane = 0; lane < 16; ++lane) {
      char chunk[16];
      std::memset(chunk, 'a', sizeof(chunk));
      chunk[lane] = static_cast<char>(b);
      EXPECT_EQ(internal::SpecialMask16(chunk), special ? 1u << lane : 0u) << b << " " << lane;
    }
  }
}

// Every object size the member sort treats differently (sorting networks for up to 2, 4, 8
// and 16 members, insertion sort up to 64, the general sort beyond), in random orders, at the
// root (gathered into a second buffer that becomes the output) and nested (copied back), with
// keys whose prefixes collide once their low bits are dropped, and 9-byte keys that only look
// like "__proto__".
TEST(FastPathTest, ObjectsOfEverySortSize) {
  std::mt19937 rng(20261123);
  const std::vector<std::vector<std::string>> pools = {
      {},  // filled below: distinct, simple keys
      {"abcdefgA", "abcdefgB", "abcdefgC", "abcdefg", "abcdefgAx", "abcdefh", "b", "a"},
      {"__proto__", "__proto_x", "__protO__", "_", "__proto", "zz", "a_proto__"},
  };
  std::vector<std::string> simple;
  for (int i = 0; i < 80; ++i) simple.push_back("key" + std::to_string(i * 7919 % 1000));
  for (size_t pool = 0; pool < pools.size(); ++pool) {
    const std::vector<std::string>& keys = pool == 0 ? simple : pools[pool];
    for (size_t n = 1; n <= keys.size(); ++n) {
      for (int round = 0; round < 4; ++round) {
        std::vector<std::string> chosen(keys.begin(), keys.begin() + static_cast<long>(n));
        std::shuffle(chosen.begin(), chosen.end(), rng);
        std::string object = "{";
        for (size_t i = 0; i < n; ++i) {
          object += (i ? ",\"" : "\"") + chosen[i] + "\":" + std::to_string(i);
        }
        object += "}";
        ExpectFast(object);
        ExpectFast(R"({"m":)" + object + R"(,"a":[)" + object + "]}");
        if (HasFailure()) return;
      }
    }
  }
}

// The fast path's buffers start inline (1,024 bytes of text, 32 members, 16 frames) and move
// to the heap, keeping what they hold, when a document outgrows them mid-parse: documents
// either side of each edge, in both modes, keys in and out of order.
TEST(FastPathTest, InlineBuffersGrowAtTheirEdges) {
  for (int keys = 28; keys <= 36; ++keys) {
    std::string sorted = "{", reversed = "{", spaced = "{ ";
    for (int i = 0; i < keys; ++i) {
      const std::string member = "\"k" + std::to_string(100 + i) + "\":" + std::to_string(i);
      const std::string back = "\"k" + std::to_string(100 + keys - 1 - i) + "\":" + std::to_string(i);
      sorted += (i ? "," : "") + member;
      reversed += (i ? "," : "") + back;
      spaced += (i ? " , " : "") + back;
    }
    ExpectFast(sorted + "}");
    ExpectFast(reversed + "}");
    ExpectFast(spaced + " }");
  }
  for (int depth = 12; depth <= 20; ++depth) {
    std::string nested, arrays;
    for (int i = 0; i < depth; ++i) nested += R"({"z":1,"y":)";
    nested += "0";
    for (int i = 0; i < depth; ++i) nested += "}";
    for (int i = 0; i < depth; ++i) arrays += "[ ";
    for (int i = 0; i < depth; ++i) arrays += "]";
    ExpectFast(nested);
    ExpectFast(arrays);
  }
  for (size_t size = 950; size <= 1100; ++size) {  // text: 1,024 inline, 64 of them padding
    const std::string value(size - 12, 'v');
    ExpectFast(R"({"b":")" + value + R"(","a":1})");
  }
}

// One Canonicalizer reused across documents: the root object's permutation swaps the output
// and scratch buffers, so every call after one must still start from clean state.
TEST(FastPathTest, AReusedCanonicalizerGivesEachDocumentItsOwnForm) {
  const std::vector<std::string> docs = {
      R"({"b":1,"a":{"d":2,"c":3}})", R"({"a":1,"b":2})", R"([{"z":1,"y":2},3])",
      R"({"zz":"long enough to pass sixteen bytes","aa":"and another value of some size"})",
      R"("s")", R"({"b":[1,2,3],"a":1e20})", "{}"};
  Canonicalizer c;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& doc : docs) {
      SCOPED_TRACE(doc);
      const absl::StatusOr<std::string> want = DocumentPath(doc);
      ASSERT_TRUE(want.ok());
      std::string got;
      ASSERT_TRUE(c.Canonicalize(doc, &got).ok());
      EXPECT_EQ(got, *want);
      const absl::StatusOr<crypto::Digest> digest = c.Digest(doc);
      ASSERT_TRUE(digest.ok());
      EXPECT_EQ(crypto::HexEncode(*digest), crypto::Sha256Hex(*want));
    }
  }
}

// The identity mode takes input that is canonical text up to member order (compact, numbers as
// they print) and copies nothing; the first byte that needs more sends the document to the
// copying mode, which must start again from the input as given, not from the identity mode's
// partly permuted copy of it.
TEST(FastPathTest, IdentityModeAndItsHandOverToTheCopyingMode) {
  using internal::FastMode;
  const auto mode = [](std::string_view text) { return internal::FastCanonicalMode(text, {}); };
  const std::vector<std::string> identity = {
      R"({"a":1,"b":[true,false,null],"c":"s"})",                // already canonical
      R"({"b":{"d":1,"c":2},"a":[{"z":0,"y":-5}]})",               // permuted in place
      "[1.5,0.25,-3,1e-7,1e+21,0,\"\xC3\xA9\"]",                // numbers as they print
      R"("plain")", "[]", "{}", R"([{},[],{"b":{},"a":[]}])",
      "{\"caf\xC3\xA9\":\"\xE2\x82\xAC\",\"a\":0}"};
  for (const std::string& doc : identity) {
    SCOPED_TRACE(doc);
    EXPECT_EQ(mode(doc), FastMode::kIdentity);
    ExpectSameAsDocumentPath(doc);
  }
  const std::vector<std::string> copying = {
      R"({"b":1,"a":2} )",                              // root gathered, then whitespace
      R"( {"b":1,"a":2})", "{ \"a\":1}", R"({"a" :1})", R"({"a": 1})", R"([1 ,2])",
      R"({"z":{"b":1,"a":2},"y":{"d":1,"c":2}, "x":0})",  // nested ones permuted, then a space
      R"({"z":{"b":1,"a":2},"a":1.50})",                // a number that prints differently
      R"([1.0])", R"([1E5])", R"([1e20])", R"([100e-2])",
      R"({"a":1,"a":2})", R"({"b":{"x":1,"x":2},"a":0})",  // a dropped duplicate
      R"({"__proto__":1,"a":2})", R"([{"b":1,"__proto__":{}}])"};
  for (const std::string& doc : copying) {
    SCOPED_TRACE(doc);
    EXPECT_EQ(mode(doc), FastMode::kCopying);
    ExpectSameAsDocumentPath(doc);
  }
  EXPECT_EQ(mode(R"({"a":"\n"})"), FastMode::kDeclined);  // an escape: the Document path
  EXPECT_EQ(mode(R"({"a":-0})"), FastMode::kDeclined);
  EXPECT_EQ(mode(R"({"a":1)"), FastMode::kDeclined);
}

TEST(FastPathTest, Numbers) {
  ExpectFast("[0,-5,1.0,1.5,0.1,1e2,1E-7,1e-7,1e21,1e20,123456789012345,1234567890123456789]");
  ExpectFast("[-1.5e-300,2.5e+300,0.000001,0.0000001,100e-2,-0.5]");
  // A lone zero is copied as written; a zero with a fraction or exponent is formatted.
  ExpectFast(R"({"z":0,"a":[0,0.0,0e5,0E-2,0.25,10,0],"b":0})");
  // Every token here grows on output ("1e20" prints 21 digits): the output buffer must grow.
  std::string grow = "[";
  for (int i = 0; i < 2000; ++i) grow += (i ? ",1e20" : "1e20");
  ExpectFast(grow + "]");
  ExpectFast(R"({"b":1e20,"a":1e20})");
}

TEST(FastPathTest, NonAsciiStringsAreCopied) {
  ExpectFast("{\"caf\xC3\xA9\":\"\xE2\x82\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF\"}");
  ExpectFast("\"\xE2\x80\xA8\xE2\x80\xA9\"");  // U+2028/9 are not escaped by JSON.stringify
  // A multi-byte character at every position relative to the 16-byte chunks (a lead byte at
  // a chunk's end once lost its continuation bytes: found by fuzz_json).
  for (const char* ch : {"\xC3\xA9", "\xEF\xBF\xBD", "\xF0\x9F\x98\x80"}) {
    for (int pre = 0; pre < 40; ++pre) {
      ExpectFast("[\"" + std::string(pre, 'a') + ch + "|bc\"]");
      ExpectFast("{\"" + std::string(pre, 'k') + ch + "\":1,\"a\":2}");
    }
  }
  // Strings long enough for several 16-byte chunks, with multi-byte characters across chunks.
  std::string s = "\"";
  for (int i = 0; i < 50; ++i) s += "abcdefghijklmn\xC3\xA9";
  ExpectFast(s + "\"");
}

TEST(FastPathTest, InputThatNeedsMoreThanCopyingIsDeclined) {
  ExpectDeclined(R"({"a":"line\nbreak"})");
  ExpectDeclined(R"({"a\u0062":1,"a":2})");
  ExpectDeclined(R"(["\ud800"])");
  ExpectDeclined(R"(["\/"])");
  ExpectDeclined("[\"\xFF\"]");       // invalid UTF-8 -> U+FFFD
  ExpectDeclined("{\"\xC3\":1}");     // truncated sequence in a key
  ExpectDeclined("[\"\xED\xA0\x80\"]");  // an encoded surrogate is invalid UTF-8
}

TEST(FastPathTest, ErrorsAreTheDocumentPathsErrors) {
  for (const char* text : {"", " ", "{", "[1,", R"({"a" 1})", R"({"a":1,})", "[1 2]", "-",
                           "-0", "[-0]", "-0.0", "1e400", "[-1e400]", "01", "[00]", "[0,01]",
                           R"({"a":00})", "1.", "1e", "tru",
                           "nul", R"({"a":1} x)", R"({"b":1,"a":2}x)", R"({"b":1,"a":2} x)", "[1]]", "{\"a\":\"\x01\"}", "\"abc",
                           "\xEF\xBB\xBF{}", "{1:2}", R"({"a":[}])"}) {
    ExpectSameAsDocumentPath(text);
  }
  ExpectSameAsDocumentPath(std::string_view());  // null data, size 0 (the C ABI passes these)
  ExpectSameAsDocumentPath(std::string("[\0]", 3));
  ExpectSameAsDocumentPath(std::string("[1,\0]", 5));
  ExpectSameAsDocumentPath(std::string("\"a\0b\"", 5));
}

TEST(FastPathTest, LimitsAreTheDocumentPathsLimits) {
  Limits depth;
  depth.depth_max = 3;
  ExpectFast("[[[1]]]", depth);
  ExpectDeclined("[[[[1]]]]", depth);
  ExpectDeclined(R"({"a":{"b":{"c":{}}}})", depth);
  Limits strings;
  strings.string_bytes_max = 4;
  ExpectFast(R"({"abcd":"wxyz"})", strings);
  ExpectDeclined(R"({"abcde":1})", strings);
  ExpectDeclined(R"(["vwxyz"])", strings);
  Limits bytes;
  bytes.document_bytes_max = 8;
  ExpectFast("[1,2,3]", bytes);
  ExpectDeclined("[1,2,3,4]", bytes);
}

TEST(FastPathTest, DeepUnsortedNestingFallsBackWithinItsBudget) {
  // Every level unsorted: permuting once per level would move the document once per level.
  // The fast path's linear move budget runs out and the Document path finishes the job.
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"z":1,"y":)";
  deep += "0";
  for (int i = 0; i < 200; ++i) deep += "}";
  ExpectDeclined(deep);
  // A couple of unsorted levels stay on the fast path.
  ExpectFast(R"({"z":{"z":{"z":1,"a":2},"a":3},"a":4})");
}

TEST(FastPathTest, LargeArraysHashWhileParsing) {
  // Over the 32 KiB flush threshold, with objects (unsorted, duplicated keys) inside elements
  // and an array inside an object: only output no object can reorder is hashed early. The
  // copying mode hashes early (the spaces after commas send these documents there); each is
  // also tried compact, where the identity mode takes it whole.
  for (const char* sep : {", ", ","}) {
    std::string big = "[";
    for (int i = 0; i < 3000; ++i) {
      big += (i ? sep : "") + std::string(R"({"n":)") + std::to_string(i) +
             R"(,"list":[3,2,{"b":1,"a":2}],"a":"x","b":"y"})";
    }
    big += "]";
    ExpectFast(big);
    // Inside an object nothing may be hashed early: an unsorted one is permuted when it
    // closes, a sorted one is not.
    ExpectFast(R"({"z":)" + big + R"(,"a":[)" + big + "]}");
    ExpectFast(R"({"a":[)" + big + R"(],"z":)" + big + "}");
    ExpectFast(R"([{"z":)" + big + R"(,"a":1},)" + big + "]");
    // Dropped duplicates: the copying mode even when compact.
    std::string dup = big;
    dup.replace(dup.find(R"("b":"y")"), 7, R"("a":"y")");
    ExpectFast(dup);
    EXPECT_EQ(internal::FastCanonicalMode(big, {}), *sep == ',' && sep[1] == ' '
                                                        ? internal::FastMode::kCopying
                                                        : internal::FastMode::kIdentity);
    EXPECT_EQ(internal::FastCanonicalMode(dup, {}), internal::FastMode::kCopying);
  }
}

// Random documents with shuffled members, duplicates, whitespace, escapes and odd numbers:
// whatever path each takes, the Canonicalizer must agree with the Document path.
TEST(FastPathTest, RandomDocumentsAgreeWithTheDocumentPath) {
  std::mt19937 rng(20261122);
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const std::vector<std::string> keys = {"a", "b", "10", "2", "01", "__proto__", "amount",
                                         "amountCents", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                         "\xEF\xBD\xA1", "k\\n", "k\\u0041", "z"};
  const std::vector<std::string> scalars = {"0", "-1", "1.5", "1e20", "1E-7", "-0", "true",
                                            "false", "null", "\"s\"", "\"\\n\"", "\"\xC3\xA9\"",
                                            "\"\\ud83d\\ude00\"", "123456789012345678", "1e400"};
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    const int kind = depth > 4 ? 0 : pick(4);
    auto ws = [&] { return pick(4) == 0 ? std::string(" \n\t\r").substr(pick(4), 1) : ""; };
    if (kind <= 1) return scalars[pick(static_cast<int>(scalars.size()))];
    std::string s = kind == 2 ? "[" : "{";
    const int n = pick(6);
    for (int i = 0; i < n; ++i) {
      if (i) s += ws() + "," + ws();
      if (kind == 3) s += "\"" + keys[pick(static_cast<int>(keys.size()))] + "\"" + ws() + ":";
      s += ws() + value(depth + 1);
    }
    return s + (kind == 2 ? "]" : "}");
  };
  int fast = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string doc = value(0);
    std::string ignored;
    fast += internal::TryFastCanonical(doc, {}, &ignored);
    ExpectSameAsDocumentPath(doc);
    if (HasFailure()) return;
  }
  // Both paths must have been exercised for the comparison to mean anything.
  EXPECT_GT(fast, 1000);
  EXPECT_LT(fast, 3900);
}

}  // namespace
}  // namespace nooterra::json
