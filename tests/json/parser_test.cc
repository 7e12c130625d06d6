// Parser: grammar, error positions, limits, the document view.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nooterra/json.h"
#include "nooterra/status.h"

namespace nooterra::json {
namespace {

using ::testing::HasSubstr;

struct Bad {
  std::string text;
  uint64_t offset;
  const char* message_part;
};

TEST(Parser, SyntaxErrorsCarryReasonOffsetAndLine) {
  const Bad cases[] = {
      {"", 0, "unexpected end of input"},
      {"   ", 3, "unexpected end of input"},
      {"{", 1, "expected a string key or '}'"},
      {"[1,]", 3, "unexpected character ']'"},
      {"{\"a\":1,}", 7, "expected a string key after ','"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{\"a\":1 \"b\":2}", 7, "expected ',' or '}'"},
      {"[1 2]", 3, "expected ',' or ']'"},
      {"[1", 2, "unexpected end of input inside a container"},
      {"01", 1, "leading zeros"},
      {"1.", 2, "expected a digit after the decimal point"},
      {"1e", 2, "expected a digit in the exponent"},
      {"-", 1, "expected a digit"},
      {"+1", 0, "unexpected character '+'"},
      {".5", 0, "unexpected character '.'"},
      {"NaN", 0, "unexpected character 'N'"},
      {"Infinity", 0, "unexpected character 'I'"},
      {"tru", 0, "unexpected character 't'"},
      {"nul", 0, "unexpected character 'n'"},
      {"'a'", 0, "unexpected character '''"},
      {"\"abc", 4, "unterminated string"},
      {"\"a\nb\"", 2, "control character in string"},
      {"\"\\x\"", 1, "invalid escape sequence"},
      {"\"\\u12G4\"", 1, "invalid \\u escape"},
      {"\"\\", 1, "unterminated string"},
      {"[1] [2]", 4, "unexpected data after the JSON value"},
      {"1 // comment", 2, "unexpected data after the JSON value"},
      {"[1,\n 2,\n x]", 9, "line 3, column 2"},
      {"\xC3\xA9", 0, "unexpected character 0xc3"},
      {std::string("[1]\0", 4), 3, "unexpected data after the JSON value"},
      {"\x0B" "1", 0, "unexpected character 0xb"},  // vertical tab is not JSON whitespace
  };
  for (const auto& c : cases) {
    auto doc = Document::Parse(c.text);
    ASSERT_FALSE(doc.ok()) << "accepted: " << c.text;
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(StatusReason(doc.status()), "JSON_SYNTAX") << c.text;
    EXPECT_EQ(StatusOffset(doc.status()), c.offset) << c.text << ": " << doc.status();
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr(c.message_part)) << c.text;
  }
}

TEST(Parser, ByteOrderMarkRejected) {
  auto doc = Document::Parse("\xEF\xBB\xBF{}");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(StatusReason(doc.status()), "JSON_BOM");
  EXPECT_EQ(StatusOffset(doc.status()), 0u);
}

TEST(Parser, WhitespaceIsSpaceTabLfCrOnly) {
  EXPECT_TRUE(Document::Parse(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n").ok());
  EXPECT_FALSE(Document::Parse("\f{}").ok());
  EXPECT_FALSE(Document::Parse("{}\xC2\xA0").ok());  // NBSP
}

TEST(Parser, ScalarsAtTopLevel) {
  for (const char* t : {"null", "true", "false", "0", "\"s\"", "-12.5e3", "[]", "{}"}) {
    EXPECT_TRUE(Document::Parse(t).ok()) << t;
  }
}

TEST(Limits, Depth) {
  Limits limits;
  limits.depth_max = 4;
  EXPECT_TRUE(Document::Parse("[[[[1]]]]", limits).ok());
  auto doc = Document::Parse("[[[[[1]]]]]", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusReason(doc.status()), "JSON_LIMIT_DEPTH");
  EXPECT_EQ(StatusOffset(doc.status()), 4u);
  // Default limit: deep input is an error, not a stack overflow.
  std::string deep(100000, '[');
  auto deep_doc = Document::Parse(deep);
  EXPECT_EQ(StatusReason(deep_doc.status()), "JSON_LIMIT_DEPTH");
}

TEST(Limits, DocumentBytes) {
  Limits limits;
  limits.document_bytes_max = 8;
  EXPECT_TRUE(Document::Parse("[1,2,3]", limits).ok());
  auto doc = Document::Parse("[1,2,3,4]", limits);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusReason(doc.status()), "JSON_LIMIT_DOCUMENT_BYTES");
}

TEST(Limits, StringBytesPlainAndEscaped) {
  Limits limits;
  limits.string_bytes_max = 3;
  EXPECT_TRUE(Document::Parse("[\"abc\"]", limits).ok());
  EXPECT_TRUE(Document::Parse("[\"a\\nc\"]", limits).ok());
  for (const char* t : {"[\"abcd\"]", "[\"ab\\ncd\"]", "{\"abcd\":1}", "[\"\\u00e9\\u00e9\"]"}) {
    auto doc = Document::Parse(t, limits);
    ASSERT_FALSE(doc.ok()) << t;
    EXPECT_EQ(StatusReason(doc.status()), "JSON_LIMIT_STRING_BYTES") << t;
  }
}

TEST(Document, ViewAccessors) {
  auto doc = Document::Parse(
      R"({"s":"x\ty","n":-2.5,"t":true,"f":false,"z":null,"a":[1,"two",{}],"o":{"k":"v"}})");
  ASSERT_TRUE(doc.ok());
  Value root = doc->root();
  EXPECT_TRUE(root.is_object());
  EXPECT_EQ(root.size(), 7u);
  EXPECT_EQ(root.Find("s").as_string(), "x\ty");
  EXPECT_EQ(root.Find("n").as_number(), -2.5);
  EXPECT_TRUE(root.Find("t").as_bool());
  EXPECT_TRUE(root.Find("f").is_bool());
  EXPECT_FALSE(root.Find("f").as_bool());
  EXPECT_TRUE(root.Find("z").is_null());
  EXPECT_FALSE(root.Find("missing").present());
  Value a = root.Find("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.at(0).as_number(), 1);
  EXPECT_EQ(a.at(1).as_string(), "two");
  EXPECT_TRUE(a.at(2).is_object());
  EXPECT_FALSE(a.at(3).present());
  EXPECT_EQ(root.Find("o").Find("k").as_string(), "v");
  // Members are in canonical order.
  EXPECT_EQ(root.key_at(0), "a");
  EXPECT_EQ(root.key_at(6), "z");
  // Wrong-type access is neutral, never a crash.
  EXPECT_EQ(root.Find("s").as_number(), 0);
  EXPECT_EQ(root.Find("n").as_string(), "");
  EXPECT_EQ(root.Find("s").size(), 0u);
  EXPECT_FALSE(root.Find("s").Find("x").present());
  EXPECT_FALSE(Value().Find("x").present());
}

TEST(Document, ReloadReusesAndResetsOnError) {
  Document doc;
  ASSERT_TRUE(doc.Load("[1,2]").ok());
  EXPECT_EQ(doc.root().size(), 2u);
  EXPECT_FALSE(doc.Load("[1,").ok());
  EXPECT_FALSE(doc.root().present());  // nothing half-loaded
  ASSERT_TRUE(doc.Load("{\"b\":1,\"a\":2}").ok());
  EXPECT_EQ(doc.root().key_at(0), "a");
}

TEST(Document, WideAndDeepInputsAreLinear) {
  // 200k members in reverse order: sorted once, no quadratic blow-up.
  std::string wide = "{";
  for (int i = 200000; i > 0; --i) {
    wide += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + (i > 1 ? "," : "");
  }
  wide += "}";
  auto doc = Document::Parse(wide);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->root().size(), 200000u);
  EXPECT_EQ(doc->root().Find("k777").as_number(), 777);
  std::string deep(250, '[');
  deep += std::string(250, ']');
  EXPECT_TRUE(Canonicalize(deep).ok());
}

}  // namespace
}  // namespace nooterra::json
