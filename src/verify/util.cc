// Small helpers of the verifier: failure records, ECMAScript-compatible trimming and
// Date.parse, JSON member access, decimal big integers for the invoice math.
#include <algorithm>
#include <cstring>

#include "common/strings.h"
#include "verify/internal.h"

namespace nooterra::verify::internal {

Fail F(std::string error) {
  auto f = std::make_unique<Failure>();
  f->error = std::move(error);
  return f;
}

Fail FPath(std::string error, std::string path) {
  Fail f = F(std::move(error));
  f->path = std::move(path);
  return f;
}

Fail FMessage(std::string code, std::string path, std::string message) {
  Fail f = FPath(std::move(code), std::move(path));
  f->message = std::move(message);
  return f;
}

Fail Wrap(std::string outer, Fail inner) {
  Fail f = F(std::move(outer));
  f->cause = std::move(inner);
  return f;
}

Fail RawRecord(std::string json_text) {
  auto f = std::make_unique<Failure>();
  f->raw_json = std::move(json_text);
  return f;
}

Fail With(Fail f, std::string name, std::string_view string_value) {
  f->fields.emplace_back(std::move(name), Quote(string_value));
  return f;
}

Fail WithJson(Fail f, std::string name, std::string json_text) {
  f->fields.emplace_back(std::move(name), std::move(json_text));
  return f;
}

std::optional<std::string_view> Str(json::Value v, std::string_view key) {
  json::Value m = v.Find(key);
  if (!m.is_string()) return std::nullopt;
  return m.as_string();
}

std::optional<std::string_view> NonBlank(json::Value v, std::string_view key) {
  auto s = Str(v, key);
  if (!s || IsBlank(*s)) return std::nullopt;
  return s;
}

std::string JsString(json::Value v) { return js::ValueString(v); }

std::string Quote(std::string_view s) {
  std::string out;
  json::AppendQuoted(s, &out);
  return out;
}

std::string CanonicalOf(json::Value v) {
  if (!v.present()) return "null";
  std::string out;
  if (!json::AppendCanonical(v, &out).ok()) return std::string();
  return out;
}

std::string HashHex(json::Value v, std::initializer_list<std::string_view> omit) {
  json::CanonicalOptions options;
  options.omit_members = absl::Span<const std::string_view>(omit.begin(), omit.size());
  auto digest = json::CanonicalDigest(v, options);
  if (!digest.ok()) return std::string();  // never equal to a declared 64-hex hash
  return crypto::HexEncode(crypto::Bytes(digest->data(), digest->size()));
}

// ---------------------------------------------------------------------------------------------
// Decimal big integers

bool IsDigitString(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string DecimalNormalize(std::string_view digits) {
  size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

std::string DecimalAdd(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return DecimalNormalize(out);
}

std::string DecimalMul(std::string_view a, std::string_view b) {
  std::vector<uint32_t> acc(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    const uint32_t da = static_cast<uint32_t>(a[a.size() - 1 - i] - '0');
    if (da == 0) continue;
    for (size_t j = 0; j < b.size(); ++j) {
      acc[i + j] += da * static_cast<uint32_t>(b[b.size() - 1 - j] - '0');
    }
  }
  // Inputs are capped at kDecimalDigitsMax digits, so no cell exceeds 81 * 4096 before this.
  for (size_t k = 0; k + 1 < acc.size(); ++k) {
    acc[k + 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string out;
  for (size_t k = acc.size(); k-- > 0;) out.push_back(static_cast<char>('0' + acc[k] % 10));
  return out.empty() ? "0" : DecimalNormalize(out);
}

}  // namespace nooterra::verify::internal
