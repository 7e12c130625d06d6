#include "internal.h"

extern "C" {
uint32_t nooterra_version_number(void) { return NOOTERRA_VERSION_NUMBER; }
const char* nooterra_version_string(void) { return NOOTERRA_VERSION_STRING; }
}
