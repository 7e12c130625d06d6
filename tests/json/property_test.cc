// Property tests on random documents (deterministic seeds, so failures reproduce):
//   - canonical output is a fixed point: canonicalize(canonicalize(x)) == canonicalize(x);
//   - the canonical form does not depend on member order or whitespace of the input;
//   - numbers print in a form that parses back to the same double;
//   - the streamed digest equals SHA-256 of the canonical text.
#include <cmath>
#include <charconv>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::json {
namespace {

class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : rng_(seed) {}

  // A random value as JSON text; object members are emitted in random order, and the
  // `shuffled` flag picks a different order for the same logical content via the same seed.
  std::string Value(int depth) {
    int kind = Pick(depth > 3 ? 5 : 7);
    switch (kind) {
      case 0: return "null";
      case 1: return Pick(2) ? "true" : "false";
      case 2: return Number();
      case 3:
      case 4: return Quote(String());
      case 5: {
        std::string s = "[";
        int n = Pick(5);
        for (int i = 0; i < n; ++i) s += (i ? "," : "") + Ws() + Value(depth + 1) + Ws();
        return s + "]";
      }
      default: {
        int n = Pick(6);
        std::vector<std::string> keys;
        for (int i = 0; i < n; ++i) keys.push_back(Key());
        std::string s = "{";
        for (int i = 0; i < n; ++i) {
          s += (i ? "," : "") + Ws() + Quote(keys[i]) + Ws() + ":" + Ws() + Value(depth + 1);
        }
        return s + "}";
      }
    }
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Number() {
    switch (Pick(4)) {
      case 0: return std::to_string(Pick(2000000) - 1000000);
      case 1: {
        double d = std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof(buf), d);
        return std::string(buf, r.ptr);
      }
      case 2: {
        // Random bit patterns cover subnormals and huge exponents; skip non-finite and -0.
        uint64_t bits = std::uniform_int_distribution<uint64_t>()(rng_);
        double d;
        std::memcpy(&d, &bits, sizeof(d));
        if (!std::isfinite(d) || d == 0) d = 1.5;
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific, 17);
        return std::string(buf, r.ptr);
      }
      default: return std::to_string(Pick(100)) + "." + std::to_string(Pick(1000)) + "e" +
                      std::to_string(Pick(50) - 25);
    }
  }

  std::string Key() {
    static const char* const kKeys[] = {"a", "b", "B", "_", "-1", "01", "0", "2", "10",
                                        "4294967294", "4294967295", "\xC3\xA9", "\xEF\xBF\xBF",
                                        "\xF0\x9F\x98\x80", "__proto__", "ab", ""};
    return Pick(3) ? kKeys[Pick(sizeof(kKeys) / sizeof(kKeys[0]))] : String();
  }

  std::string String() {
    std::string s;
    int n = Pick(12);
    for (int i = 0; i < n; ++i) {
      switch (Pick(8)) {
        case 0: s += static_cast<char>(Pick(0x20)); break;  // control: must be escaped
        case 1: s += "\xE2\x80\xA8"; break;
        case 2: s += "\xF0\x9F\x98\x80"; break;
        case 3: s += '"'; break;
        case 4: s += '\\'; break;
        default: s += static_cast<char>('a' + Pick(26));
      }
    }
    return s;
  }

  // JSON string literal using a random mix of escapes for the same content.
  std::string Quote(const std::string& raw) {
    std::string out = "\"";
    for (unsigned char c : raw) {
      if ((c == '"' || c == '\\') && Pick(3) != 0) {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '"' || c == '\\') {
        out += c == '"' ? "\\u0022" : "\\u005C";
      } else if (c < 0x20 || (c < 0x80 && Pick(8) == 0)) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), Pick(2) ? "\\u%04x" : "\\u%04X", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

  std::string Ws() {
    static const char* const kWs[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    return kWs[Pick(7)];
  }

 private:
  std::mt19937 rng_;
};

TEST(Property, CanonicalIsFixedPointAndDigestMatches) {
  int checked = 0;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    RandomJson gen(seed);
    std::string text = gen.Value(0);
    auto canon = Canonicalize(text);
    if (!canon.ok()) {
      // Only the number rules may reject a syntactically valid random document.
      std::string reason(canon.status().message());
      EXPECT_NE(reason.find("Unsupported number"), std::string::npos) << text;
      continue;
    }
    auto again = Canonicalize(*canon);
    ASSERT_TRUE(again.ok()) << *canon;
    EXPECT_EQ(*again, *canon) << "seed " << seed << ": " << text;
    auto hex = CanonicalSha256Hex(text);
    ASSERT_TRUE(hex.ok());
    EXPECT_EQ(*hex, crypto::Sha256Hex(*canon));
    ++checked;
  }
  EXPECT_GT(checked, 2500);
}

TEST(Property, MemberOrderAndWhitespaceDoNotMatter) {
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    RandomJson gen(seed);
    // Build an object of unique keys, then write it in two different orders.
    std::vector<std::pair<std::string, std::string>> members;
    int n = 1 + gen.Pick(12);
    for (int i = 0; i < n; ++i) {
      members.emplace_back("k" + std::to_string(i) + gen.String(), gen.Value(1));
    }
    auto write = [&](bool reverse) {
      std::string s = "{";
      for (int i = 0; i < n; ++i) {
        const auto& m = members[reverse ? n - 1 - i : i];
        s += (i ? ", " : "") + gen.Quote(m.first) + gen.Ws() + ":" + m.second;
      }
      return s + "}";
    };
    auto a = Canonicalize(write(false));
    auto b = Canonicalize(write(true));
    ASSERT_EQ(a.ok(), b.ok());
    if (a.ok()) {
      EXPECT_EQ(*a, *b) << "seed " << seed;
    }
  }
}

TEST(Property, NumbersRoundTrip) {
  std::mt19937_64 rng(42);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (!std::isfinite(d) || d == 0) continue;
    std::string s;
    ASSERT_TRUE(AppendNumber(d, &s).ok());
    double back = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), back);
    ASSERT_EQ(r.ec, std::errc()) << s;
    ASSERT_EQ(back, d) << s;
    // ECMAScript form: exponent only outside [1e-6, 1e21), always with a sign.
    double mag = std::fabs(d);
    bool has_exp = s.find('e') != std::string::npos;
    ASSERT_EQ(has_exp, mag < 1e-6 || mag >= 1e21) << s;
    if (has_exp) {
      ASSERT_TRUE(s.find("e+") != std::string::npos || s.find("e-") != std::string::npos);
    }
    ++checked;
  }
  EXPECT_GT(checked, 190000);
}

}  // namespace
}  // namespace nooterra::json
