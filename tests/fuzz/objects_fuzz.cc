// libFuzzer target: the object entry points that take untrusted bytes.
// The first byte picks a type; the rest is the input. Properties checked on every input:
//   - VerifyObject never fails except for unusable input, with a typed reason;
//   - Parse / Build either succeed or fail with a typed reason; what Parse accepts re-parses to
//     the same bytes and verifies as far as content goes (hash recomputed = declared);
//   - FromFlatBuffer never trusts the bytes: typed error or an object whose storage form
//     round-trips; what Build makes converts to a FlatBuffer and back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "nooterra/objects.h"
#include "nooterra/status.h"

namespace {

void Typed(const absl::Status& s) {
  if (!s.ok() && nooterra::StatusReason(s).empty()) std::abort();  // every error is typed
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nooterra;
  if (size < 1 || size > (64 << 10)) return 0;
  const auto type = static_cast<objects::ObjectType>(1 + data[0] % objects::kObjectTypeCount);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto report = objects::VerifyObject(text, {});
  Typed(report.status());

  auto parsed = objects::Parse(text);
  Typed(parsed.status());
  if (parsed.ok()) {
    auto again = objects::Parse(parsed->canonical);
    if (!again.ok() || again->canonical != parsed->canonical) std::abort();
  }

  objects::BuildOptions options;
  options.now = "2026-02-01T00:00:00.000Z";
  auto built = objects::Build(type, text, options);
  Typed(built.status());
  if (built.ok()) {
    if (auto buffer = objects::ToFlatBuffer(*built); buffer.ok()) {
      auto back = objects::FromFlatBuffer(type, *buffer);
      if (!back.ok() || back->canonical != built->canonical) std::abort();
    } else {
      Typed(buffer.status());
    }
  }

  auto from = objects::FromFlatBuffer(type, text);
  Typed(from.status());
  if (from.ok()) {
    auto buffer = objects::ToFlatBuffer(*from);
    Typed(buffer.status());
  }
  return 0;
}
