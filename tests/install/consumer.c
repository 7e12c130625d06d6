#include <stdio.h>
#include <string.h>

#include "nooterra/c.h"

int main(void) {
  char hex[65];
  if (nooterra_version_number() / 1000000 != NOOTERRA_VERSION_MAJOR) return 1;
  if (nooterra_json_canonical_hash((const uint8_t*)"{\"b\":1,\"a\":2}", 13, NULL, hex, NULL) != 0) {
    return 1;
  }
  printf("%s\n", hex);
  return 0;
}
