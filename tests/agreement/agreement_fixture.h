// Helpers shared by the agreement tests.
#ifndef NOOTERRA_TESTS_AGREEMENT_AGREEMENT_FIXTURE_H_
#define NOOTERRA_TESTS_AGREEMENT_AGREEMENT_FIXTURE_H_

#include <string>
#include <string_view>

#include "nooterra/json.h"

namespace nooterra::testing {

// The member at a dotted path ("hold.holdHash") of a JSON text, as text: strings verbatim,
// integers in decimal, "null" for null, "" when absent or of another type.
inline std::string Field(const std::string& json_text, std::string_view path) {
  auto doc = json::Document::Parse(json_text);
  if (!doc.ok()) return "";
  json::Value v = doc->root();
  size_t dot;
  while ((dot = path.find('.')) != std::string_view::npos) {
    v = v.Find(path.substr(0, dot));
    path = path.substr(dot + 1);
  }
  json::Value m = v.Find(path);
  if (m.is_string()) return std::string(m.as_string());
  if (m.is_number()) return std::to_string(static_cast<int64_t>(m.as_number()));
  if (m.is_null()) return "null";
  return "";
}

}  // namespace nooterra::testing

#endif  // NOOTERRA_TESTS_AGREEMENT_AGREEMENT_FIXTURE_H_
