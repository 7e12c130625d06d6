// Compile-time version of the library. The run-time value is nooterra_version_number() in c.h;
// the two differ when a program runs against a newer shared library than it was compiled with.
#ifndef NOOTERRA_VERSION_H_
#define NOOTERRA_VERSION_H_

#define NOOTERRA_VERSION_MAJOR 0
#define NOOTERRA_VERSION_MINOR 1
#define NOOTERRA_VERSION_PATCH 0
#define NOOTERRA_VERSION_STRING "0.1.0"
/* MAJOR * 1000000 + MINOR * 1000 + PATCH, comparable with < and >. */
#define NOOTERRA_VERSION_NUMBER \
  (NOOTERRA_VERSION_MAJOR * 1000000 + NOOTERRA_VERSION_MINOR * 1000 + NOOTERRA_VERSION_PATCH)

#endif /* NOOTERRA_VERSION_H_ */
