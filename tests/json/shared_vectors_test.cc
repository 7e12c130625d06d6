// conformance/vectors/canonical-json.json: the canonical JSON vectors every suite (C++, Python,
// Node) runs, so the four doors give the same bytes. Expected outputs come from the protocol
// digest, not from this library.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::json {
namespace {

TEST(SharedVectors, CanonicalJson) {
  const std::string path = std::string(NOOTERRA_SOURCE_DIR) + "/conformance/vectors/canonical-json.json";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream text;
  text << in.rdbuf();
  auto doc = Document::Parse(text.str());
  ASSERT_TRUE(doc.ok()) << doc.status();
  const Value cases = doc->root().Find("cases");
  ASSERT_GE(cases.size(), 10u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const Value c = cases.at(i);
    const std::string name(c.Find("name").as_string());
    const std::string_view input = c.Find("input").as_string();
    auto out = Canonicalize(input);
    if (c.Find("error").as_bool()) {
      EXPECT_FALSE(out.ok()) << name;
      if (!out.ok()) {
        EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << name;
      }
      continue;
    }
    ASSERT_TRUE(out.ok()) << name << ": " << out.status();
    EXPECT_EQ(*out, c.Find("canonical").as_string()) << name;
    Canonicalizer canonicalizer;
    auto digest = canonicalizer.Digest(input);
    ASSERT_TRUE(digest.ok()) << name;
    EXPECT_EQ(crypto::HexEncode(*digest), crypto::Sha256Hex(c.Find("canonical").as_string())) << name;
  }
}

}  // namespace
}  // namespace nooterra::json
