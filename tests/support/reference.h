// Access to the reference data in ../shared/reference (override: NOOTERRA_REFERENCE_DIR).
// Tests that need it fail with a clear message when it is missing; they never pass silently.
#ifndef NOOTERRA_TESTS_SUPPORT_REFERENCE_H_
#define NOOTERRA_TESTS_SUPPORT_REFERENCE_H_

#include <string>

namespace nooterra::testing {

// Directory of the reference data; NOOTERRA_REFERENCE_DIR wins over the compiled-in default.
std::string ReferenceDir();

// Raw bytes of ReferenceDir()/relative. Fails the current test (ADD_FAILURE with the path and
// how to fix it) and returns "" when the file cannot be read.
std::string ReadReference(const std::string& relative);

// True when ReadReference would succeed; for ASSERT_TRUE with a message.
bool ReferenceExists(const std::string& relative);

}  // namespace nooterra::testing

#endif  // NOOTERRA_TESTS_SUPPORT_REFERENCE_H_
