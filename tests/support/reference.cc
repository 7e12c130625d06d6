#include "support/reference.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace nooterra::testing {

std::string ReferenceDir() {
  const char* env = std::getenv("NOOTERRA_REFERENCE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return NOOTERRA_DEFAULT_REFERENCE_DIR;
}

bool ReferenceExists(const std::string& relative) {
  std::ifstream in(ReferenceDir() + "/" + relative, std::ios::binary);
  return in.good();
}

std::string ReadReference(const std::string& relative) {
  std::string path = ReferenceDir() + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "reference data missing: cannot read " << path
                  << "\n  The tests need ../shared/reference next to the repository, or set "
                     "NOOTERRA_REFERENCE_DIR to its location.";
    return "";
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace nooterra::testing
