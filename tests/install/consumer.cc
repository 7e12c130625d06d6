#include <cstdio>

#include "nooterra/json.h"

int main() {
  auto hex = nooterra::json::CanonicalSha256Hex(R"({"b":1,"a":2})");
  if (!hex.ok()) return 1;
  std::printf("%s\n", hex->c_str());
  return 0;
}
