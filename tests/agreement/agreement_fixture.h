// Helpers shared by the agreement tests.
#ifndef NOOTERRA_TESTS_AGREEMENT_AGREEMENT_FIXTURE_H_
#define NOOTERRA_TESTS_AGREEMENT_AGREEMENT_FIXTURE_H_

#include <string>
#include <string_view>

#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::testing {

// The member at a dotted path ("hold.holdHash") of a JSON text, as text: strings verbatim,
// integers in decimal, "true"/"false", "null" for null, "" when absent or of another type.
inline std::string Field(const std::string& json_text, std::string_view path) {
  auto doc = json::Document::Parse(json_text);
  if (!doc.ok()) return "";
  json::Value v = doc->root();
  // A segment of digits indexes an array ("locks.0.outcome").
  const auto step = [](json::Value at, std::string_view segment) {
    if (at.is_array() && !segment.empty() && segment.find_first_not_of("0123456789") == std::string_view::npos) {
      return at.at(static_cast<size_t>(std::stoul(std::string(segment))));
    }
    return at.Find(segment);
  };
  size_t dot;
  while ((dot = path.find('.')) != std::string_view::npos) {
    v = step(v, path.substr(0, dot));
    path = path.substr(dot + 1);
  }
  json::Value m = step(v, path);
  if (m.is_string()) return std::string(m.as_string());
  if (m.is_number()) return std::to_string(static_cast<int64_t>(m.as_number()));
  if (m.is_null()) return "null";
  if (m.is_bool()) return m.as_bool() ? "true" : "false";
  return "";
}

// The Ed25519 key of a 32-byte seed filled with `fill` (fixed keys: the same bytes every run).
inline crypto::PrivateKey SeedKey(uint8_t fill) {
  const std::string seed(32, static_cast<char>(fill));
  return *crypto::PrivateKey::FromSeed(crypto::AsBytes(seed));
}

// A create-agreement request between agt_buyer (payer) and agt_tool (payee) for tool_weather
// with input {"city":"Bern"}.
inline std::string CreateRequest(const std::string& call_id, int64_t amount_cents, int64_t holdback_bps,
                                 int64_t challenge_window_ms) {
  return R"({"agreement":{"toolId":"tool_weather","callId":")" + call_id +
         R"(","manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d","input":{"city":"Bern"},)"
         R"("settlementTerms":{"amountCents":)" + std::to_string(amount_cents) +
         R"(,"currency":"USD"},"payerAgentId":"agt_buyer","payeeAgentId":"agt_tool"},"holdbackBps":)" +
         std::to_string(holdback_bps) + R"(,"challengeWindowMs":)" + std::to_string(challenge_window_ms) + "}";
}

}  // namespace nooterra::testing

#endif  // NOOTERRA_TESTS_AGREEMENT_AGREEMENT_FIXTURE_H_
