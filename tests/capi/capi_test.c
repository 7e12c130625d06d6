/* The C ABI from C: strict C11 with -pedantic, linked against libnooterra.so.
 * Exercises every function of the first slice and every error code they document, and pins the
 * layout of the public structs with static_asserts. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir, unlink */
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nooterra/c.h"

static_assert(sizeof(nooterra_buffer_t) == 2 * sizeof(void*), "buffer layout");
static_assert(offsetof(nooterra_buffer_t, size) == sizeof(void*), "buffer layout");
static_assert(sizeof(nooterra_json_limits_t) == 24, "json limits layout");
static_assert(offsetof(nooterra_json_limits_t, struct_size) == 0, "struct_size first");
static_assert(offsetof(nooterra_json_limits_t, depth_max) == 4, "json limits layout");
static_assert(offsetof(nooterra_json_limits_t, document_bytes_max) == 8, "json limits layout");
static_assert(offsetof(nooterra_json_limits_t, string_bytes_max) == 16, "json limits layout");
static_assert(NOOTERRA_KEY_ID_SIZE == 29, "key id size");
static_assert(offsetof(nooterra_verify_options_t, struct_size) == 0, "struct_size first");
static_assert(offsetof(nooterra_verify_options_t, strict) == 4, "verify options layout");
static_assert(offsetof(nooterra_verify_options_t, fail_on_warnings) == 8, "verify options layout");
static_assert(offsetof(nooterra_verify_options_t, hash_concurrency) == 12, "verify options layout");
static_assert(offsetof(nooterra_verify_options_t, trusted_governance_root_keys_json) == 16,
              "verify options layout");
static_assert(sizeof(nooterra_verify_options_t) == 16 + 4 * sizeof(const char*), "verify options layout");

static_assert(offsetof(nooterra_object_build_options_t, struct_size) == 0, "struct_size first");
static_assert(offsetof(nooterra_object_build_options_t, signer) == 8, "build options layout");
static_assert(offsetof(nooterra_object_build_options_t, now) == 8 + sizeof(void*),
              "build options layout");
static_assert(sizeof(nooterra_object_build_options_t) == 8 + 2 * sizeof(void*),
              "build options layout");
static_assert(NOOTERRA_OBJECT_TOOL_MANIFEST == 1 && NOOTERRA_OBJECT_REPUTATION_EVENT == 19,
              "object type values are part of the ABI");

static_assert(offsetof(nooterra_store_options_t, durable) == 4, "store options layout");
static_assert(offsetof(nooterra_batch_op_t, struct_size) == 0, "struct_size first");
static_assert(offsetof(nooterra_batch_op_t, operation) == 4, "batch op layout");
static_assert(offsetof(nooterra_batch_op_t, subject) == 8, "batch op layout");
static_assert(offsetof(nooterra_batch_op_t, request_size) == 8 + 2 * sizeof(void*), "batch op layout");
static_assert(sizeof(nooterra_batch_op_t) == 8 + 5 * sizeof(void*), "batch op layout");
static_assert(offsetof(nooterra_store_options_t, map_bytes_initial) == 8, "store options layout");
static_assert(offsetof(nooterra_store_options_t, map_bytes_max) == 16, "store options layout");
static_assert(offsetof(nooterra_store_options_t, readers_max) == 24, "store options layout");
static_assert(offsetof(nooterra_store_options_t, create) == 28, "store options layout");
static_assert(sizeof(nooterra_store_options_t) == 32, "store options layout");

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    ++checks;                                                            \
    if (!(cond)) {                                                       \
      ++failures;                                                        \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                    \
  } while (0)

/* Runs `call` (which must pass &err) before inspecting err: C leaves the evaluation order of
 * function arguments unspecified, so the call cannot be an argument next to err. */
#define EXPECT_ERROR(call, code, reason)   \
  do {                                     \
    int32_t rc_ = (call);                  \
    expect_error(rc_, err, code, reason);  \
    err = NULL;                            \
  } while (0)

static const uint8_t* U(const char* s) { return (const uint8_t*)s; }

/* Expects `rc` to be `code` with `reason`, then frees the error. */
static void expect_error(int32_t rc, nooterra_error_t* err, int32_t code, const char* reason) {
  CHECK(rc == code);
  CHECK(err != NULL);
  if (err == NULL) return;
  CHECK(nooterra_error_code(err) == code);
  CHECK(strcmp(nooterra_error_reason(err), reason) == 0);
  CHECK(strlen(nooterra_error_message(err)) > 0);
  if (strcmp(nooterra_error_reason(err), reason) != 0) {
    fprintf(stderr, "  got reason %s: %s\n", nooterra_error_reason(err), nooterra_error_message(err));
  }
  nooterra_error_free(err);
}

static void test_version_and_errors(void) {
  CHECK(nooterra_version_number() == NOOTERRA_VERSION_NUMBER);
  CHECK(strcmp(nooterra_version_string(), NOOTERRA_VERSION_STRING) == 0);
  CHECK(nooterra_error_code(NULL) == NOOTERRA_OK);
  CHECK(strcmp(nooterra_error_reason(NULL), "") == 0);
  CHECK(strcmp(nooterra_error_message(NULL), "") == 0);
  CHECK(nooterra_error_offset(NULL) == -1);
  nooterra_error_free(NULL);
  CHECK(strcmp(nooterra_code_name(NOOTERRA_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);
  CHECK(strcmp(nooterra_code_name(NOOTERRA_UNAUTHENTICATED), "UNAUTHENTICATED") == 0);
  CHECK(strcmp(nooterra_code_name(99), "UNKNOWN") == 0);
  CHECK(strcmp(nooterra_code_name(-1), "UNKNOWN") == 0);
  {
    nooterra_buffer_t empty = NOOTERRA_BUFFER_INIT;
    nooterra_buffer_dispose(&empty);
    nooterra_buffer_dispose(NULL);
  }
}

static void test_json(void) {
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  nooterra_error_t* err = NULL;
  const char* in = "{\"b\":1,\"a\":[1.0,\"x\"]}";
  char hex[65];
  nooterra_json_limits_t limits = NOOTERRA_JSON_LIMITS_INIT;
  int32_t rc = nooterra_json_canonicalize(U(in), strlen(in), NULL, &out, &err);
  CHECK(rc == NOOTERRA_OK && err == NULL);
  CHECK(out.size == strlen("{\"a\":[1,\"x\"],\"b\":1}"));
  CHECK(strcmp((const char*)out.data, "{\"a\":[1,\"x\"],\"b\":1}") == 0);
  /* A second call on a filled buffer replaces its contents. */
  rc = nooterra_json_canonicalize(U("[]"), 2, &limits, &out, &err);
  CHECK(rc == NOOTERRA_OK && strcmp((const char*)out.data, "[]") == 0);
  nooterra_buffer_dispose(&out);
  CHECK(out.data == NULL && out.size == 0);

  in = "{\"a\":2,\"b\":1,\"c\":{\"x\":false,\"y\":true}}";
  rc = nooterra_json_canonical_hash(U(in), strlen(in), NULL, hex, &err);
  CHECK(rc == NOOTERRA_OK);
  CHECK(strcmp(hex, "42aaf6f2c976f80db0240703956528caf86ada70ab5bddae3a4f05eae8c4731b") == 0);

  /* Errors: syntax with offset, -0, non-finite, BOM, limits, bad struct, NULL arguments. */
  rc = nooterra_json_canonicalize(U("[1,]"), 4, NULL, &out, &err);
  CHECK(err != NULL && nooterra_error_offset(err) == 3);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
  CHECK(out.data == NULL); /* failure leaves the buffer untouched */
  rc = nooterra_json_canonicalize(U("-0"), 2, NULL, &out, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "JSON_NEGATIVE_ZERO");
  rc = nooterra_json_canonical_hash(U("1e999"), 5, NULL, hex, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "JSON_NON_FINITE");
  rc = nooterra_json_canonicalize(U("\xEF\xBB\xBF{}"), 5, NULL, &out, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "JSON_BOM");
  limits.depth_max = 1;
  rc = nooterra_json_canonicalize(U("[[1]]"), 5, &limits, &out, &err);
  expect_error(rc, err, NOOTERRA_RESOURCE_EXHAUSTED, "JSON_LIMIT_DEPTH");
  limits.depth_max = 256;
  limits.document_bytes_max = 2;
  rc = nooterra_json_canonicalize(U("[1]"), 3, &limits, &out, &err);
  expect_error(rc, err, NOOTERRA_RESOURCE_EXHAUSTED, "JSON_LIMIT_DOCUMENT_BYTES");
  limits.document_bytes_max = 1000;
  limits.string_bytes_max = 1;
  rc = nooterra_json_canonicalize(U("[\"ab\"]"), 6, &limits, &out, &err);
  expect_error(rc, err, NOOTERRA_RESOURCE_EXHAUSTED, "JSON_LIMIT_STRING_BYTES");
  limits.string_bytes_max = 0;
  rc = nooterra_json_canonicalize(U("[]"), 2, &limits, &out, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "LIMITS_INVALID");
  limits.struct_size = 3;
  rc = nooterra_json_canonicalize(U("[]"), 2, &limits, &out, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "STRUCT_SIZE");
  rc = nooterra_json_canonicalize(NULL, 5, NULL, &out, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  rc = nooterra_json_canonicalize(U("[]"), 2, NULL, NULL, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  rc = nooterra_json_canonical_hash(U("[]"), 2, NULL, NULL, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  /* error may be NULL: the code still comes back. */
  CHECK(nooterra_json_canonicalize(U("{"), 1, NULL, &out, NULL) == NOOTERRA_INVALID_ARGUMENT);
  /* Empty input with a NULL pointer is allowed, and is a syntax error. */
  rc = nooterra_json_canonicalize(NULL, 0, NULL, &out, &err);
  expect_error(rc, err, NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
}

static void test_sha256(void) {
  uint8_t digest[32], digest2[32];
  char hex[65];
  nooterra_error_t* err = NULL;
  nooterra_sha256_t* sha = NULL;
  CHECK(nooterra_sha256(U("abc"), 3, digest, &err) == NOOTERRA_OK);
  CHECK(digest[0] == 0xba && digest[31] == 0xad);
  CHECK(nooterra_sha256_hex(U("abc"), 3, hex, &err) == NOOTERRA_OK);
  CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  CHECK(nooterra_sha256_hex(NULL, 0, hex, &err) == NOOTERRA_OK);
  CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  CHECK(nooterra_sha256_new(&sha, &err) == NOOTERRA_OK);
  CHECK(nooterra_sha256_update(sha, U("a"), 1, &err) == NOOTERRA_OK);
  CHECK(nooterra_sha256_update(sha, U("bc"), 2, &err) == NOOTERRA_OK);
  CHECK(nooterra_sha256_final(sha, digest2, &err) == NOOTERRA_OK);
  CHECK(memcmp(digest, digest2, 32) == 0);
  EXPECT_ERROR(nooterra_sha256_update(sha, NULL, 1, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256_update(NULL, U("a"), 1, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256_final(sha, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256_final(NULL, digest, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256_new(NULL, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256(U("a"), 1, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256(NULL, 1, digest, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256_hex(U("a"), 1, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_sha256_hex(NULL, 1, hex, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  nooterra_sha256_free(sha);
  nooterra_sha256_free(NULL);
}

static void test_keys(void) {
  nooterra_error_t* err = NULL;
  nooterra_private_key_t* priv = NULL;
  nooterra_private_key_t* priv2 = NULL;
  nooterra_public_key_t* pub = NULL;
  nooterra_public_key_t* pub2 = NULL;
  nooterra_public_key_t* pub3 = NULL;
  nooterra_buffer_t pem = NOOTERRA_BUFFER_INIT;
  nooterra_buffer_t pem2 = NOOTERRA_BUFFER_INIT;
  uint8_t seed[32], digest[32], sig[64], raw[32];
  char id[NOOTERRA_KEY_ID_SIZE], id2[NOOTERRA_KEY_ID_SIZE];
  int32_t valid = -1;
  memset(seed, 7, sizeof(seed));
  CHECK(nooterra_private_key_from_seed(seed, 32, &priv, &err) == NOOTERRA_OK);
  CHECK(nooterra_private_key_to_pem(priv, &pem, &err) == NOOTERRA_OK);
  CHECK(strncmp((const char*)pem.data, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
  CHECK(nooterra_private_key_from_pem((const char*)pem.data, pem.size, &priv2, &err) == NOOTERRA_OK);
  CHECK(nooterra_private_key_public_key(priv, &pub, &err) == NOOTERRA_OK);
  CHECK(nooterra_public_key_to_pem(pub, &pem2, &err) == NOOTERRA_OK);
  CHECK(strncmp((const char*)pem2.data, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
  CHECK(nooterra_public_key_from_pem((const char*)pem2.data, pem2.size, &pub2, &err) == NOOTERRA_OK);
  CHECK(nooterra_public_key_raw(pub2, raw, &err) == NOOTERRA_OK);
  CHECK(nooterra_public_key_from_raw(raw, 32, &pub3, &err) == NOOTERRA_OK);
  CHECK(nooterra_public_key_id(pub3, id, &err) == NOOTERRA_OK);
  CHECK(nooterra_key_id_from_pem((const char*)pem2.data, pem2.size, id2, &err) == NOOTERRA_OK);
  CHECK(strlen(id) == 28 && strncmp(id, "key_", 4) == 0 && strcmp(id, id2) == 0);

  CHECK(nooterra_sha256(U("payload"), 7, digest, &err) == NOOTERRA_OK);
  CHECK(nooterra_private_key_sign(priv2, digest, 32, sig, &err) == NOOTERRA_OK);
  CHECK(nooterra_public_key_verify(pub3, digest, 32, sig, 64, &valid, &err) == NOOTERRA_OK);
  CHECK(valid == 1);
  sig[0] ^= 1; /* a bad signature is a value, not an error */
  CHECK(nooterra_public_key_verify(pub3, digest, 32, sig, 64, &valid, &err) == NOOTERRA_OK);
  CHECK(valid == 0 && err == NULL);
  CHECK(nooterra_public_key_verify(pub3, digest, 32, sig, 10, &valid, &err) == NOOTERRA_OK);
  CHECK(valid == 0);

  /* Errors of each key function. */
  EXPECT_ERROR(nooterra_private_key_from_seed(seed, 31, &priv2, &err),
               NOOTERRA_INVALID_ARGUMENT, "KEY_INVALID_LENGTH");
  EXPECT_ERROR(nooterra_private_key_from_seed(NULL, 32, &priv2, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_from_seed(seed, 32, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_from_pem("nope", 4, &priv2, &err),
               NOOTERRA_INVALID_ARGUMENT, "KEY_INVALID_PEM");
  EXPECT_ERROR(nooterra_private_key_from_pem((const char*)pem2.data, pem2.size, &priv2, &err),
               NOOTERRA_INVALID_ARGUMENT, "KEY_INVALID_PEM");
  EXPECT_ERROR(nooterra_private_key_from_pem(NULL, 4, &priv2, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_from_pem("x", 1, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_to_pem(NULL, &pem, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_to_pem(priv, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_public_key(NULL, &pub2, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_public_key(priv, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_sign(priv, digest, 31, sig, &err),
               NOOTERRA_INVALID_ARGUMENT, "DIGEST_LENGTH");
  EXPECT_ERROR(nooterra_private_key_sign(priv, NULL, 32, sig, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_sign(NULL, digest, 32, sig, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_sign(priv, digest, 32, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_from_pem((const char*)pem.data, pem.size, &pub2, &err),
               NOOTERRA_INVALID_ARGUMENT, "KEY_INVALID_PEM");
  EXPECT_ERROR(nooterra_public_key_from_pem(NULL, 3, &pub2, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_from_pem("x", 1, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_from_raw(raw, 31, &pub2, &err),
               NOOTERRA_INVALID_ARGUMENT, "KEY_INVALID_LENGTH");
  EXPECT_ERROR(nooterra_public_key_from_raw(NULL, 32, &pub2, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_from_raw(raw, 32, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_to_pem(NULL, &pem2, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_to_pem(pub, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_raw(NULL, raw, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_raw(pub, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_id(NULL, id, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_id(pub, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_verify(pub, digest, 31, sig, 64, &valid, &err),
               NOOTERRA_INVALID_ARGUMENT, "DIGEST_LENGTH");
  EXPECT_ERROR(nooterra_public_key_verify(pub, NULL, 32, sig, 64, &valid, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_verify(NULL, digest, 32, sig, 64, &valid, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_verify(pub, digest, 32, sig, 64, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_public_key_verify(pub, digest, 32, NULL, 64, &valid, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_key_id_from_pem(NULL, 5, id, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_key_id_from_pem("x", 1, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_private_key_generate(NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");

  nooterra_private_key_free(priv2);
  priv2 = NULL;
  CHECK(nooterra_private_key_generate(&priv2, &err) == NOOTERRA_OK);
  nooterra_private_key_free(priv2);
  nooterra_private_key_free(priv);
  nooterra_private_key_free(NULL);
  nooterra_public_key_free(pub);
  nooterra_public_key_free(pub2);
  nooterra_public_key_free(pub3);
  nooterra_public_key_free(NULL);
  nooterra_buffer_dispose(&pem);
  nooterra_buffer_dispose(&pem2);
}

static void test_base64(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t b = NOOTERRA_BUFFER_INIT;
  CHECK(nooterra_base64_encode(U("foobar"), 6, &b, &err) == NOOTERRA_OK);
  CHECK(strcmp((const char*)b.data, "Zm9vYmFy") == 0);
  CHECK(nooterra_base64_decode("Zm9v*YmE", 8, &b, &err) == NOOTERRA_OK);
  CHECK(b.size == 5 && memcmp(b.data, "fooba", 5) == 0);
  CHECK(nooterra_base64_encode(NULL, 0, &b, &err) == NOOTERRA_OK && b.size == 0);
  EXPECT_ERROR(nooterra_base64_encode(U("x"), 1, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_base64_encode(NULL, 1, &b, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_base64_decode("x", 1, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_base64_decode(NULL, 1, &b, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  nooterra_buffer_dispose(&b);
}

/* Reference bundles: NOOTERRA_REFERENCE_DIR, else the configured default. */
static const char* reference_dir(void) {
  const char* env = getenv("NOOTERRA_REFERENCE_DIR");
  return env && *env ? env : NOOTERRA_DEFAULT_REFERENCE_DIR;
}

/* Release verification and the signer lifecycle over the reference's conformance packs. */
static void test_release_and_signer(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  char dir[4096], trust[4096];
  int32_t ok = -1;
  snprintf(dir, sizeof dir, "%s/conformance/v1/releases/release_pass", reference_dir());
  snprintf(trust, sizeof trust, "%s/conformance/v1/release-trust.json", reference_dir());
  FILE* probe = fopen(trust, "r");
  if (probe == NULL) {
    fprintf(stderr, "reference trust file %s is missing: set NOOTERRA_REFERENCE_DIR\n", trust);
    CHECK(probe != NULL);
    return;
  }
  fclose(probe);
  CHECK(nooterra_release_verify(dir, trust, NULL, &out, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1 && strstr((const char*)out.data, "\"schemaVersion\":\"VerifyReleaseOutput.v1\"") != NULL);
  nooterra_buffer_dispose(&out);
  /* No trust file is a verdict (RELEASE_TRUST_MISSING), not an error. */
  CHECK(nooterra_release_verify(dir, NULL, NULL, &out, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 0 && strstr((const char*)out.data, "RELEASE_TRUST_MISSING") != NULL);
  nooterra_buffer_dispose(&out);
  snprintf(dir, sizeof dir, "%s/conformance/v1/releases/release_fail_asset_hash_mismatch", reference_dir());
  CHECK(nooterra_release_verify(dir, trust, NULL, &out, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 0 && strstr((const char*)out.data, "RELEASE_ASSET_HASH_MISMATCH") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_release_verify(NULL, trust, NULL, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_release_verify(dir, trust, NULL, NULL, NULL, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");

  {
    const char active[] = "{\"signerKey\":{\"status\":\"active\",\"validFrom\":\"2026-01-01T00:00:00Z\"},"
                          "\"at\":\"2026-02-01T00:00:00Z\"}";
    const char early[] = "{\"signerKey\":{\"validFrom\":\"2026-03-01T00:00:00Z\"},\"at\":\"2026-02-01T00:00:00Z\"}";
    const char unregistered[] = "{\"signerKey\":null,\"at\":\"2026-02-01T00:00:00Z\"}";
    CHECK(nooterra_signer_lifecycle_evaluate(U(active), strlen(active), &out, &ok, &err) == NOOTERRA_OK);
    CHECK(ok == 1 && strstr((const char*)out.data, "\"canonicalCode\":null") != NULL);
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_signer_lifecycle_evaluate(U(early), strlen(early), &out, &ok, &err) == NOOTERRA_OK);
    CHECK(ok == 0 && strstr((const char*)out.data, "NOT_YET_VALID") != NULL &&
          strstr((const char*)out.data, "\"validAtOk\":false") != NULL);
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_signer_lifecycle_evaluate(U(unregistered), strlen(unregistered), &out, &ok, &err) == NOOTERRA_OK);
    CHECK(ok == 0 && strstr((const char*)out.data, "NOT_REGISTERED") != NULL &&
          strstr((const char*)out.data, "\"validAtOk\":null") != NULL);
    nooterra_buffer_dispose(&out);
    EXPECT_ERROR(nooterra_signer_lifecycle_evaluate(U("[]"), 2, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
                 "SIGNER_LIFECYCLE_INPUT_INVALID");
    EXPECT_ERROR(nooterra_signer_lifecycle_evaluate(U("{"), 1, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
                 "JSON_SYNTAX");
    EXPECT_ERROR(nooterra_signer_lifecycle_evaluate(NULL, 1, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
                 "NULL_ARGUMENT");
    CHECK(out.data == NULL);
  }
}

static void test_verify(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  char dir[4096];
  int32_t ok = -1;
  snprintf(dir, sizeof dir, "%s/conformance/v1/bundles/jobproof/strict-pass", reference_dir());
  FILE* probe = fopen(dir, "r");
  if (probe == NULL) {
    fprintf(stderr, "reference bundle %s is missing: set NOOTERRA_REFERENCE_DIR\n", dir);
    CHECK(probe != NULL);
    return;
  }
  fclose(probe);
  /* Non-strict without trust anchors: verifies, with the "roots missing" warning only. */
  CHECK(nooterra_verify_bundle(dir, NOOTERRA_BUNDLE_JOB_PROOF, NULL, &out, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"schemaVersion\": \"VerifyCliOutput.v1\"") != NULL);
  CHECK(strstr((const char*)out.data, "TRUSTED_GOVERNANCE_ROOT_KEYS_MISSING_LENIENT") != NULL);
  /* Strict without trust anchors: a verdict, not an error. */
  nooterra_verify_options_t options = NOOTERRA_VERIFY_OPTIONS_INIT;
  options.strict = 1;
  options.hash_concurrency = 4;
  CHECK(nooterra_verify_bundle(dir, NOOTERRA_BUNDLE_JOB_PROOF, &options, &out, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 0);
  CHECK(strstr((const char*)out.data, "strict requires trusted governance root keys") != NULL);
  /* A tampered bundle. */
  snprintf(dir, sizeof dir, "%s/conformance/v1/bundles/jobproof/strict-fail-manifest-tamper", reference_dir());
  CHECK(nooterra_verify_bundle(dir, NOOTERRA_BUNDLE_JOB_PROOF, NULL, &out, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 0 && strstr((const char*)out.data, "\"code\": \"sha256 mismatch\"") != NULL);
  /* A directory that does not exist is a verdict too (BUNDLE_DIR_UNREADABLE). */
  CHECK(nooterra_verify_bundle("/nonexistent/bundle", NOOTERRA_BUNDLE_CLOSE_PACK, NULL, &out, &ok, &err) ==
        NOOTERRA_OK);
  CHECK(ok == 0 && strstr((const char*)out.data, "BUNDLE_DIR_UNREADABLE") != NULL);
  nooterra_buffer_dispose(&out);
  /* Unusable arguments are errors and leave the buffer untouched. */
  EXPECT_ERROR(nooterra_verify_bundle(NULL, 1, NULL, &out, &ok, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_verify_bundle(dir, 1, NULL, NULL, &ok, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_verify_bundle(dir, 9, NULL, &out, &ok, &err), NOOTERRA_INVALID_ARGUMENT,
               "VERIFY_OPTIONS_INVALID");
  options.hash_concurrency = 0;
  EXPECT_ERROR(nooterra_verify_bundle(dir, 1, &options, &out, &ok, &err), NOOTERRA_INVALID_ARGUMENT,
               "VERIFY_OPTIONS_INVALID");
  options.struct_size = 8;
  EXPECT_ERROR(nooterra_verify_bundle(dir, 1, &options, &out, &ok, &err), NOOTERRA_INVALID_ARGUMENT, "STRUCT_SIZE");
  CHECK(out.data == NULL);
}

/* 03-vectors.md §2.5: the ToolCallAgreement normalization vector, through the C ABI. */
static const char kAgreementInputs[] =
    "{\"toolId\":\"  tool_x  \",\"manifestHash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
    "\"callId\":\"call_1\",\"payerAgentId\":\" agt_p \",\"payeeAgentId\":\"\",\"input\":{\"b\":1,\"a\":[1,2]},"
    "\"settlementTerms\":{\"amountCents\":500,\"currency\":\"USD\"},\"createdAt\":\"2026-02-01T00:00:10Z\"}";
static const char kAgreementHash[] = "b6c1209b5dcaf7577970c85da2f718b1d63cbb6dd3ae9fd3a3d8f03336f87d04";

static void test_objects(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  char hash[65];
  int32_t type = 0, ok = -1;

  CHECK(strcmp(nooterra_object_schema_version(NOOTERRA_OBJECT_FUNDING_HOLD), "FundingHold.v1") == 0);
  CHECK(nooterra_object_schema_version(0) == NULL && nooterra_object_schema_version(20) == NULL);
  CHECK(nooterra_object_type_from_schema("SettlementReceipt.v1", &type, &err) == NOOTERRA_OK);
  CHECK(type == NOOTERRA_OBJECT_SETTLEMENT_RECEIPT);
  EXPECT_ERROR(nooterra_object_type_from_schema("Nope.v1", &type, &err), NOOTERRA_INVALID_ARGUMENT,
               "OBJECT_TYPE_UNKNOWN");

  /* Build: canonical bytes and hash of the reference vector. */
  CHECK(nooterra_object_build(NOOTERRA_OBJECT_TOOL_CALL_AGREEMENT, U(kAgreementInputs),
                              strlen(kAgreementInputs), NULL, &out, hash, &err) == NOOTERRA_OK);
  CHECK(strcmp(hash, kAgreementHash) == 0);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"payeeAgentId\":null") != NULL);
  /* Validate and hash the result. */
  CHECK(nooterra_object_validate(out.data, out.size, &type, hash, &err) == NOOTERRA_OK);
  CHECK(type == NOOTERRA_OBJECT_TOOL_CALL_AGREEMENT && strcmp(hash, kAgreementHash) == 0);
  memset(hash, 0, sizeof hash);
  CHECK(nooterra_object_hash(out.data, out.size, hash, &err) == NOOTERRA_OK);
  CHECK(strcmp(hash, kAgreementHash) == 0);
  /* Verify: no signature to check, the hash holds. */
  nooterra_buffer_t report = NOOTERRA_BUFFER_INIT;
  CHECK(nooterra_object_verify(out.data, out.size, NULL, 0, &report, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1 && strstr((const char*)report.data, "\"ok\":true") != NULL);
  nooterra_buffer_dispose(&report);
  /* Not normalized (an extra member) and not signable. */
  const char extra[] = "{\"schemaVersion\":\"AgentWallet.v1\",\"agentId\":\"agt_x\",\"tenantId\":\"t\","
                       "\"createdAt\":\"2026-02-01T00:00:00Z\",\"zzz\":1}";
  EXPECT_ERROR(nooterra_object_validate(U(extra), strlen(extra), NULL, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "OBJECT_NOT_NORMALIZED");
  EXPECT_ERROR(nooterra_object_sign(out.data, out.size, NULL, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  nooterra_buffer_dispose(&out);

  /* Signed evidence: verify with and without the key, and tampered. */
  uint8_t seed[32];
  memset(seed, 9, sizeof seed);
  nooterra_private_key_t* priv = NULL;
  nooterra_public_key_t* pub = NULL;
  CHECK(nooterra_private_key_from_seed(seed, 32, &priv, &err) == NOOTERRA_OK);
  CHECK(nooterra_private_key_public_key(priv, &pub, &err) == NOOTERRA_OK);
  const char evidence[] =
      "{\"agreementHash\":\"b6c1209b5dcaf7577970c85da2f718b1d63cbb6dd3ae9fd3a3d8f03336f87d04\","
      "\"inputHash\":\"94a786c3662bc7beeb598efa7d8cb58d7bea25d6c275ea9785a0230ff1f8c2ba\","
      "\"callId\":\"call_1\",\"output\":{\"ok\":true}}";
  nooterra_object_build_options_t options = NOOTERRA_OBJECT_BUILD_OPTIONS_INIT;
  EXPECT_ERROR(nooterra_object_build(NOOTERRA_OBJECT_TOOL_CALL_EVIDENCE, U(evidence), strlen(evidence),
                                     &options, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "OBJECT_FIELD_REQUIRED"); /* no startedAt, no now */
  options.signer = priv;
  options.now = "2026-02-01T00:00:12Z";
  CHECK(nooterra_object_build(NOOTERRA_OBJECT_TOOL_CALL_EVIDENCE, U(evidence), strlen(evidence),
                              &options, &out, hash, &err) == NOOTERRA_OK);
  const nooterra_public_key_t* keys[1] = {pub};
  CHECK(nooterra_object_verify(out.data, out.size, keys, 1, &report, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1 && strstr((const char*)report.data, "\"verified\":1") != NULL);
  nooterra_buffer_dispose(&report);
  CHECK(nooterra_object_verify(out.data, out.size, NULL, 0, &report, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1 && strstr((const char*)report.data, "OBJECT_SIGNATURE_KEY_NOT_SUPPLIED") != NULL);
  nooterra_buffer_dispose(&report);
  char* tampered = (char*)malloc(out.size + 1);
  memcpy(tampered, out.data, out.size + 1);
  char* at = strstr(tampered, "call_1");
  if (at != NULL) at[5] = '2';
  CHECK(nooterra_object_verify(U(tampered), out.size, keys, 1, &report, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 0 && strstr((const char*)report.data, "OBJECT_HASH_MISMATCH") != NULL);
  nooterra_buffer_dispose(&report);
  /* Re-signing restores it. */
  nooterra_buffer_t resigned = NOOTERRA_BUFFER_INIT;
  CHECK(nooterra_object_sign(U(tampered), out.size, priv, &resigned, hash, &err) == NOOTERRA_OK);
  CHECK(nooterra_object_verify(resigned.data, resigned.size, keys, 1, &report, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1);
  nooterra_buffer_dispose(&report);
  nooterra_buffer_dispose(&resigned);
  free(tampered);
  EXPECT_ERROR(nooterra_object_sign(U(kAgreementInputs), strlen(kAgreementInputs), priv, &resigned,
                                    NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "OBJECT_TYPE_UNKNOWN");
  nooterra_buffer_dispose(&out);

  /* Option and argument errors. */
  options.struct_size = 4;
  EXPECT_ERROR(nooterra_object_build(NOOTERRA_OBJECT_TOOL_CALL_AGREEMENT, U(kAgreementInputs),
                                     strlen(kAgreementInputs), &options, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "STRUCT_SIZE");
  EXPECT_ERROR(nooterra_object_build(99, U("{}"), 2, NULL, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "OBJECT_TYPE_UNKNOWN");
  EXPECT_ERROR(nooterra_object_build(NOOTERRA_OBJECT_FUNDING_HOLD, U("{"), 1, NULL, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
  EXPECT_ERROR(nooterra_object_hash(U("[]"), 2, hash, &err), NOOTERRA_INVALID_ARGUMENT,
               "OBJECT_NOT_AN_OBJECT");
  EXPECT_ERROR(nooterra_object_verify(U("{}"), 2, keys, 65, &report, &ok, &err),
               NOOTERRA_INVALID_ARGUMENT, "OBJECT_TOO_MANY_KEYS");
  CHECK(out.data == NULL && out.size == 0);
  nooterra_public_key_free(pub);
  nooterra_private_key_free(priv);
}

static void test_store_ledger(void) {
  nooterra_error_t* err = NULL;
  nooterra_store_t* store = NULL;
  nooterra_buffer_t report = NOOTERRA_BUFFER_INIT;
  int64_t balance = -1;
  int32_t ok = -1;
  char dir[] = "/tmp/nooterra-capi-XXXXXX";
  char path[256];
  nooterra_store_options_t options = NOOTERRA_STORE_OPTIONS_INIT;
  const char deposit[] =
      "{\"id\":\"dep_1\",\"memo\":\"top up\",\"postings\":["
      "{\"owner\":\"external\",\"currency\":\"USD\",\"bucket\":\"external\",\"amount\":-25000},"
      "{\"owner\":\"agt_payer\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":25000}]}";
  const char overdraft[] =
      "{\"id\":\"pay_1\",\"memo\":\"\",\"postings\":["
      "{\"owner\":\"agt_payer\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":-30000},"
      "{\"owner\":\"agt_payee\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":30000}]}";

  CHECK(mkdtemp(dir) != NULL);
  options.durable = 0;
  options.create = 0;
  snprintf(path, sizeof path, "%s/store", dir);
  EXPECT_ERROR(nooterra_store_open(path, &options, &store, &err), NOOTERRA_NOT_FOUND, "STORE_NOT_FOUND");
  CHECK(store == NULL);
  options.create = 1;
  options.struct_size = 8;
  EXPECT_ERROR(nooterra_store_open(path, &options, &store, &err), NOOTERRA_INVALID_ARGUMENT, "STRUCT_SIZE");
  options.struct_size = (uint32_t)sizeof options;
  CHECK(nooterra_store_open(path, &options, &store, &err) == NOOTERRA_OK);

  CHECK(nooterra_ledger_post(store, "tenant_c", U(deposit), strlen(deposit), &err) == NOOTERRA_OK);
  EXPECT_ERROR(nooterra_ledger_post(store, "tenant_c", U(deposit), strlen(deposit), &err),
               NOOTERRA_ALREADY_EXISTS, "LEDGER_ENTRY_EXISTS");
  EXPECT_ERROR(nooterra_ledger_post(store, "tenant_c", U(overdraft), strlen(overdraft), &err),
               NOOTERRA_FAILED_PRECONDITION, "LEDGER_INSUFFICIENT_FUNDS");
  EXPECT_ERROR(nooterra_ledger_post(store, "bad tenant", U(deposit), strlen(deposit), &err),
               NOOTERRA_INVALID_ARGUMENT, "STORE_TENANT_INVALID");
  EXPECT_ERROR(nooterra_ledger_post(store, "tenant_c", U("{"), 1, &err), NOOTERRA_INVALID_ARGUMENT,
               "JSON_SYNTAX");
  CHECK(nooterra_ledger_balance(store, "tenant_c", "agt_payer", "USD", NOOTERRA_BUCKET_AVAILABLE,
                                &balance, &err) == NOOTERRA_OK);
  CHECK(balance == 25000);
  CHECK(nooterra_ledger_balance(store, "tenant_c", "external", "USD", NOOTERRA_BUCKET_EXTERNAL,
                                &balance, &err) == NOOTERRA_OK);
  CHECK(balance == -25000);
  CHECK(nooterra_ledger_balance(store, "other_tenant", "agt_payer", "USD", NOOTERRA_BUCKET_AVAILABLE,
                                &balance, &err) == NOOTERRA_OK);
  CHECK(balance == 0); /* tenants never see each other */
  EXPECT_ERROR(nooterra_ledger_balance(store, "tenant_c", "agt_payer", "USD", 9, &balance, &err),
               NOOTERRA_INVALID_ARGUMENT, "LEDGER_ENTRY_INVALID");
  CHECK(nooterra_ledger_check(store, "tenant_c", &report, &ok, &err) == NOOTERRA_OK);
  CHECK(ok == 1 && strcmp((const char*)report.data, "[]") == 0);
  nooterra_buffer_dispose(&report);
  {
    /* A batch: the second entry spends what the first moved; a failing batch writes nothing. */
    const char batch[] =
        "[{\"id\":\"bt_1\",\"memo\":\"\",\"postings\":["
        "{\"owner\":\"agt_payer\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":-300},"
        "{\"owner\":\"agt_mid\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":300}]},"
        "{\"id\":\"bt_2\",\"memo\":\"\",\"postings\":["
        "{\"owner\":\"agt_mid\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":-300},"
        "{\"owner\":\"agt_payer\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":300}]}]";
    const char failing[] =
        "[{\"id\":\"bt_3\",\"memo\":\"\",\"postings\":["
        "{\"owner\":\"agt_payer\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":-1},"
        "{\"owner\":\"agt_mid\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":1}]},"
        "{\"id\":\"bt_4\",\"memo\":\"\",\"postings\":["
        "{\"owner\":\"agt_mid\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":-2},"
        "{\"owner\":\"agt_payer\",\"currency\":\"USD\",\"bucket\":\"available\",\"amount\":2}]}]";
    CHECK(nooterra_ledger_post_batch(store, "tenant_c", U(batch), strlen(batch), &err) == NOOTERRA_OK);
    EXPECT_ERROR(nooterra_ledger_post_batch(store, "tenant_c", U(failing), strlen(failing), &err),
                 NOOTERRA_FAILED_PRECONDITION, "LEDGER_INSUFFICIENT_FUNDS");
    CHECK(nooterra_ledger_balance(store, "tenant_c", "agt_mid", "USD", NOOTERRA_BUCKET_AVAILABLE, &balance, &err) ==
          NOOTERRA_OK);
    CHECK(balance == 0);
    EXPECT_ERROR(nooterra_ledger_post_batch(store, "tenant_c", U(deposit), strlen(deposit), &err),
                 NOOTERRA_INVALID_ARGUMENT, "LEDGER_ENTRY_INVALID");
    EXPECT_ERROR(nooterra_ledger_post_batch(store, "tenant_c", U("[1]"), 3, &err), NOOTERRA_INVALID_ARGUMENT,
                 "LEDGER_ENTRY_INVALID");
    EXPECT_ERROR(nooterra_ledger_post_batch(store, "tenant_c", NULL, 4, &err), NOOTERRA_INVALID_ARGUMENT,
                 "NULL_ARGUMENT");
  }

  /* The whole-store audit and the tenant list. Money moved into escrow by a raw posting, with no
   * agreement or hold accounting for it, is an escrow-conservation violation in another tenant;
   * tenant_c stays sound. */
  {
    const char escrow[] =
        "{\"id\":\"esc_1\",\"memo\":\"\",\"postings\":["
        "{\"owner\":\"external\",\"currency\":\"USD\",\"bucket\":\"external\",\"amount\":-100},"
        "{\"owner\":\"agt_x\",\"currency\":\"USD\",\"bucket\":\"escrow\",\"amount\":100}]}";
    CHECK(nooterra_store_check(store, "tenant_c", &report, &ok, &err) == NOOTERRA_OK);
    CHECK(ok == 1 && strstr((const char*)report.data, "\"tenant\":\"tenant_c\",\"violations\":[]") != NULL);
    nooterra_buffer_dispose(&report);
    CHECK(nooterra_ledger_post(store, "tenant_v", U(escrow), strlen(escrow), &err) == NOOTERRA_OK);
    CHECK(nooterra_store_tenants(store, &report, &err) == NOOTERRA_OK);
    CHECK(strcmp((const char*)report.data, "[\"tenant_c\",\"tenant_v\"]") == 0);
    nooterra_buffer_dispose(&report);
    CHECK(nooterra_store_check(store, NULL, &report, &ok, &err) == NOOTERRA_OK);
    CHECK(ok == 0 && strstr((const char*)report.data, "\"ok\":false") != NULL);
    CHECK(strstr((const char*)report.data, "\"tenant\":\"tenant_v\"") != NULL &&
          strstr((const char*)report.data, "agt_x") != NULL);
    nooterra_buffer_dispose(&report);
    EXPECT_ERROR(nooterra_store_check(store, "bad tenant", &report, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
                 "STORE_TENANT_INVALID");
    EXPECT_ERROR(nooterra_store_check(store, "", &report, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
                 "STORE_TENANT_INVALID");
    EXPECT_ERROR(nooterra_store_check(store, NULL, NULL, NULL, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    EXPECT_ERROR(nooterra_store_tenants(store, NULL, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    EXPECT_ERROR(nooterra_store_tenants(NULL, &report, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  }

  /* The agreement kernel's C surface: errors and replays (the happy path runs in the demo). */
  {
    int32_t existed = -1;
    CHECK(nooterra_agreement_deposit(store, "tenant_c", "agt_payer", "USD", 100, "dep_c", &report, &existed,
                                     &err) == NOOTERRA_OK);
    CHECK(existed == 0);
    nooterra_buffer_dispose(&report);
    CHECK(nooterra_agreement_deposit(store, "tenant_c", "agt_payer", "USD", 100, "dep_c", &report, &existed,
                                     &err) == NOOTERRA_OK);
    CHECK(existed == 1);
    nooterra_buffer_dispose(&report);
    EXPECT_ERROR(nooterra_agreement_deposit(store, "tenant_c", "agt_payer", "USD", 7, "dep_c", &report, NULL, &err),
                 NOOTERRA_ALREADY_EXISTS, "IDEMPOTENCY_KEY_CONFLICT");
    /* The batch's JSON deposit through the single call: the same record as nooterra_agreement_deposit. */
    CHECK(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_DEPOSIT, NULL,
                                   U("{\"agentId\":\"agt_payer\",\"currency\":\"USD\",\"amountCents\":100}"), 58,
                                   "2026-01-01T00:00:00Z", "dep_c", &report, &existed, &err) == NOOTERRA_OK);
    CHECK(existed == 1);
    nooterra_buffer_dispose(&report);
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_DEPOSIT, NULL, U("{}"), 2,
                                          "2026-01-01T00:00:00Z", "dep_c2", &report, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "SCHEMA_INVALID");
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", 99, NULL, U("{}"), 2, "2026-01-01T00:00:00Z", "k",
                                          &report, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "AGREEMENT_OPERATION_UNKNOWN");
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_SUBMIT_VERDICT, NULL, U("{}"), 2,
                                          "2026-01-01T00:00:00Z", "k", &report, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_SUBMIT_VERDICT, "arb_case_tc_x",
                                          U("{\"caseId\":\"arb_case_tc_x\"}"), 26, "2026-01-01T00:00:00Z", "k2",
                                          &report, NULL, &err),
                 NOOTERRA_NOT_FOUND, "CASE_NOT_FOUND");
    EXPECT_ERROR(nooterra_agreement_maintenance(store, "tenant_c", "2026-01-01T00:00:00", 0, 10, &report, &err),
                 NOOTERRA_INVALID_ARGUMENT, "SCHEMA_INVALID");
    CHECK(nooterra_agreement_maintenance(store, "tenant_c", "2026-01-01T00:00:00Z", 1, 10, &report, &err) ==
          NOOTERRA_OK);
    CHECK(strstr((const char*)report.data, "\"attempted\":0") != NULL);
    nooterra_buffer_dispose(&report);
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_FUND, NULL, NULL, 0,
                                          "2026-01-01T00:00:00Z", "kf", &report, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_FUND,
                                          "0000000000000000000000000000000000000000000000000000000000000000", NULL, 0,
                                          "2026-01-01T00:00:00Z", "kf2", &report, NULL, &err),
                 NOOTERRA_NOT_FOUND, "AGREEMENT_NOT_FOUND");
    /* A fund's request carries only its risk inputs: anything else is refused before any read. */
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_FUND,
                                          "0000000000000000000000000000000000000000000000000000000000000000",
                                          U("{\"riskScore\":101}"), 17, "2026-01-01T00:00:00Z", "kf3", &report, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "SPEND_REQUEST_INVALID");
    EXPECT_ERROR(nooterra_agreement_apply(store, "tenant_c", NOOTERRA_AGREEMENT_CREATE, NULL, U("{}"), 2,
                                          "2026-01-01T00:00:00Z", "kc", &report, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "SCHEMA_INVALID");
    /* Reputation facts: an agent without events, and every documented error. */
    {
      const char req[] = "{\"agentId\":\"agt_payer\",\"asOf\":\"2026-01-01T00:00:00Z\"}";
      const char bad[] = "{\"agentId\":\"agt_payer\",\"asOf\":\"2026-01-01T00:00:00Z\",\"window\":\"1d\"}";
      CHECK(nooterra_agreement_reputation_facts(store, "tenant_c", U(req), strlen(req), &report, &err) == NOOTERRA_OK);
      CHECK(strstr((const char*)report.data, "\"eventCount\":0") != NULL);
      nooterra_buffer_dispose(&report);
      EXPECT_ERROR(nooterra_agreement_reputation_facts(store, "tenant_c", U(bad), strlen(bad), &report, &err),
                   NOOTERRA_INVALID_ARGUMENT, "SCHEMA_INVALID");
      EXPECT_ERROR(nooterra_agreement_reputation_facts(store, "tenant_c", U("{"), 1, &report, &err),
                   NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
      EXPECT_ERROR(nooterra_agreement_reputation_facts(store, "bad tenant", U(req), strlen(req), &report, &err),
                   NOOTERRA_INVALID_ARGUMENT, "STORE_TENANT_INVALID");
      EXPECT_ERROR(nooterra_agreement_reputation_facts(store, "tenant_c", NULL, 5, &report, &err),
                   NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
      EXPECT_ERROR(nooterra_agreement_reputation_facts(store, "tenant_c", U(req), strlen(req), NULL, &err),
                   NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    }
    /* Replay evaluation: the consistent case runs in the demo; here every documented error. */
    EXPECT_ERROR(nooterra_agreement_replay_evaluate(store, "tenant_c",
                                                    "0000000000000000000000000000000000000000000000000000000000000000",
                                                    &report, &err),
                 NOOTERRA_NOT_FOUND, "TOOL_CALL_HOLD_NOT_FOUND");
    EXPECT_ERROR(nooterra_agreement_replay_evaluate(store, "tenant_c", "ABC", &report, &err),
                 NOOTERRA_INVALID_ARGUMENT, "SCHEMA_INVALID");
    EXPECT_ERROR(nooterra_agreement_replay_evaluate(store, "bad tenant", "abc", &report, &err),
                 NOOTERRA_INVALID_ARGUMENT, "STORE_TENANT_INVALID");
    EXPECT_ERROR(nooterra_agreement_replay_evaluate(store, "tenant_c", NULL, &report, &err),
                 NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    EXPECT_ERROR(nooterra_agreement_get(store, "tenant_c", NOOTERRA_AGREEMENT_RECORD_AGREEMENT, "nope", &report, &err),
                 NOOTERRA_NOT_FOUND, "RECORD_NOT_FOUND");
    EXPECT_ERROR(nooterra_agreement_get(store, "tenant_c", NOOTERRA_AGREEMENT_RECORD_HOLD, "nope", &report, &err),
                 NOOTERRA_NOT_FOUND, "RECORD_NOT_FOUND");
    EXPECT_ERROR(nooterra_agreement_get(store, "tenant_c", NOOTERRA_AGREEMENT_RECORD_ADJUSTMENT, "sadj_none", &report,
                                        &err),
                 NOOTERRA_NOT_FOUND, "RECORD_NOT_FOUND");
    EXPECT_ERROR(nooterra_agreement_get(store, "tenant_c", NOOTERRA_AGREEMENT_RECORD_WALLET, "no-slash", &report, &err),
                 NOOTERRA_INVALID_ARGUMENT, "SCHEMA_INVALID");
    CHECK(nooterra_agreement_get(store, "tenant_c", NOOTERRA_AGREEMENT_RECORD_WALLET, "agt_payer/USD", &report,
                                 &err) == NOOTERRA_OK);
    CHECK(strcmp((const char*)report.data, "{\"available\":25100,\"escrow\":0}") == 0);
    nooterra_buffer_dispose(&report);
  }
  nooterra_store_close(store);
  nooterra_store_close(NULL);
  nooterra_store_close(store); /* closing twice is a no-op */
  {
    /* Use after close is an error, not a crash. */
    int64_t balance = 0;
    nooterra_buffer_t report = NOOTERRA_BUFFER_INIT;
    EXPECT_ERROR(nooterra_ledger_balance(store, "tenant_c", "agt_payer", "USD", NOOTERRA_BUCKET_AVAILABLE,
                                         &balance, &err),
                 NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
    EXPECT_ERROR(nooterra_agreement_get(store, "tenant_c", NOOTERRA_AGREEMENT_RECORD_WALLET, "agt_payer/USD",
                                        &report, &err),
                 NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
    EXPECT_ERROR(nooterra_agreement_replay_evaluate(store, "tenant_c",
                                                    "0000000000000000000000000000000000000000000000000000000000000000",
                                                    &report, &err),
                 NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
    EXPECT_ERROR(nooterra_agreement_reputation_facts(store, "tenant_c", U("{}"), 2, &report, &err),
                 NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
  }

  snprintf(path, sizeof path, "%s/store/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/store/lock.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/store", dir);
  rmdir(path);
  rmdir(dir);
}

/* Group commit through the C ABI: per-operation results as JSON, failures counted, batch-level
 * errors for the call itself. */
static void test_batch(void) {
  char dir[] = "/tmp/nooterra_capi_batch_XXXXXX";
  char path[256];
  nooterra_error_t* err = NULL;
  nooterra_store_t* store = NULL;
  nooterra_store_options_t options = NOOTERRA_STORE_OPTIONS_INIT;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  uint32_t failed = 99;
  const char dep[] = "{\"agentId\":\"agt_a\",\"currency\":\"USD\",\"amountCents\":40}";
  nooterra_batch_op_t ops[3] = {NOOTERRA_BATCH_OP_INIT, NOOTERRA_BATCH_OP_INIT, NOOTERRA_BATCH_OP_INIT};
  CHECK(mkdtemp(dir) != NULL);
  options.durable = 0;
  CHECK(nooterra_store_open(dir, &options, &store, &err) == NOOTERRA_OK);
  ops[0].operation = NOOTERRA_AGREEMENT_DEPOSIT;
  ops[0].request_json = U(dep);
  ops[0].request_size = strlen(dep);
  ops[0].now = "2026-01-01T00:00:00Z";
  ops[0].idempotency_key = "d1";
  ops[1] = ops[0];
  ops[1].operation = NOOTERRA_AGREEMENT_FUND;
  ops[1].subject = "0000000000000000000000000000000000000000000000000000000000000000";
  ops[1].request_json = NULL; /* a fund's request holds only its optional risk inputs */
  ops[1].request_size = 0;
  ops[1].idempotency_key = "f1";
  ops[2] = ops[0]; /* a replay of the first */
  CHECK(nooterra_agreement_apply_batch(store, "tenant_b", ops, 3, &out, &failed, &err) == NOOTERRA_OK);
  CHECK(failed == 1);
  CHECK(out.data != NULL && strncmp((const char*)out.data, "[{\"ok\":true,\"alreadyExisted\":false,\"result\":{", 45) == 0);
  CHECK(out.data != NULL && strstr((const char*)out.data, "{\"ok\":false,\"code\":\"NOT_FOUND\",\"codeNumber\":5,"
                                                          "\"reason\":\"AGREEMENT_NOT_FOUND\"") != NULL);
  CHECK(out.data != NULL && strstr((const char*)out.data, "},{\"ok\":true,\"alreadyExisted\":true,") != NULL);
  nooterra_buffer_dispose(&out);
  {
    int64_t balance = 0;
    CHECK(nooterra_ledger_balance(store, "tenant_b", "agt_a", "USD", NOOTERRA_BUCKET_AVAILABLE, &balance, &err) ==
          NOOTERRA_OK);
    CHECK(balance == 40);
  }
  EXPECT_ERROR(nooterra_agreement_apply_batch(store, "tenant_b", ops, 0, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "BATCH_EMPTY");
  EXPECT_ERROR(nooterra_agreement_apply_batch(store, "tenant b", ops, 1, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "STORE_TENANT_INVALID");
  EXPECT_ERROR(nooterra_agreement_apply_batch(store, "tenant_b", NULL, 1, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_agreement_apply_batch(store, "tenant_b", ops, 8193, &out, NULL, &err),
               NOOTERRA_RESOURCE_EXHAUSTED, "BATCH_TOO_LARGE");
  ops[1].struct_size = 8;
  EXPECT_ERROR(nooterra_agreement_apply_batch(store, "tenant_b", ops, 2, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "STRUCT_SIZE");
  CHECK(out.data == NULL);
  {
    /* The audit trail: the batch's two successful operations are logged; a replay into a fresh
     * store reproduces the same state hash. */
    char hash[65] = {0}, replayed_hash[65] = {0};
    char dir2[] = "/tmp/nooterra_capi_replay_XXXXXX";
    nooterra_store_t* copy = NULL;
    CHECK(nooterra_agreement_verify_log(store, "tenant_b", &out, &err) == NOOTERRA_OK);
    CHECK(out.data != NULL && strstr((const char*)out.data, "\"entries\":1,") != NULL); /* d1 once: f1 failed, d1 replayed */
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_store_state_hash(store, "tenant_b", hash, &err) == NOOTERRA_OK);
    CHECK(strlen(hash) == 64);
    CHECK(mkdtemp(dir2) != NULL);
    CHECK(nooterra_store_open(dir2, &options, &copy, &err) == NOOTERRA_OK);
    CHECK(nooterra_agreement_replay(store, copy, "tenant_b", &out, &err) == NOOTERRA_OK);
    CHECK(out.data != NULL && strstr((const char*)out.data, hash) != NULL);
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_store_state_hash(copy, "tenant_b", replayed_hash, &err) == NOOTERRA_OK);
    CHECK(strcmp(hash, replayed_hash) == 0);
    EXPECT_ERROR(nooterra_agreement_replay(store, copy, "tenant_b", &out, &err), NOOTERRA_FAILED_PRECONDITION,
                 "REPLAY_TARGET_NOT_EMPTY");
    EXPECT_ERROR(nooterra_agreement_replay(store, store, "tenant_b", &out, &err), NOOTERRA_INVALID_ARGUMENT,
                 "REPLAY_SAME_STORE");
    EXPECT_ERROR(nooterra_store_state_hash(store, "bad tenant", hash, &err), NOOTERRA_INVALID_ARGUMENT,
                 "STORE_TENANT_INVALID");
    CHECK(nooterra_policy_simulate(store, "tenant_b", U("{}"), 2, &out, &err) == NOOTERRA_OK);
    CHECK(out.data != NULL && strstr((const char*)out.data, "\"total\":0") != NULL); /* no settlement yet */
    nooterra_buffer_dispose(&out);
    nooterra_store_close(copy);
    snprintf(path, sizeof path, "%s/data.mdb", dir2);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir2);
    unlink(path);
    CHECK(rmdir(dir2) == 0);
  }
  nooterra_store_close(store);
  EXPECT_ERROR(nooterra_store_state_hash(store, "tenant_b", path, &err), NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
  EXPECT_ERROR(nooterra_agreement_apply_batch(store, "tenant_b", ops, 1, &out, NULL, &err),
               NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  CHECK(rmdir(dir) == 0);
}

/* Closing a store while other threads are inside calls on it: teardown waits for them, and every
 * call that starts after the close fails with STORE_CLOSED. Run under ASan in `make test`. */
enum { kRaceThreads = 4 };
struct race_arg {
  nooterra_store_t* store;
  atomic_int* started;
  int ok_calls;
  int closed_seen;
  int other_errors;
};

static void* race_worker(void* p) {
  struct race_arg* a = (struct race_arg*)p;
  atomic_fetch_add(a->started, 1);
  for (;;) {
    nooterra_error_t* err = NULL;
    int64_t balance = 0;
    int32_t rc = nooterra_ledger_balance(a->store, "tenant_r", "agt", "USD", NOOTERRA_BUCKET_AVAILABLE, &balance,
                                         &err);
    if (rc == NOOTERRA_OK) {
      a->ok_calls++;
      continue;
    }
    if (rc == NOOTERRA_FAILED_PRECONDITION && strcmp(nooterra_error_reason(err), "STORE_CLOSED") == 0) {
      a->closed_seen = 1;
    } else {
      a->other_errors++;
    }
    nooterra_error_free(err);
    return NULL;
  }
}

static void test_store_close_while_in_use(void) {
  char dir[] = "/tmp/nooterra_capi_race_XXXXXX";
  char path[256];
  CHECK(mkdtemp(dir) != NULL);
  nooterra_store_options_t options = NOOTERRA_STORE_OPTIONS_INIT;
  options.durable = 0;
  nooterra_store_t* store = NULL;
  nooterra_error_t* err = NULL;
  CHECK(nooterra_store_open(dir, &options, &store, &err) == NOOTERRA_OK);
  atomic_int started = 0;
  pthread_t threads[kRaceThreads];
  struct race_arg args[kRaceThreads];
  for (int i = 0; i < kRaceThreads; ++i) {
    args[i] = (struct race_arg){store, &started, 0, 0, 0};
    CHECK(pthread_create(&threads[i], NULL, race_worker, &args[i]) == 0);
  }
  while (atomic_load(&started) < kRaceThreads) sched_yield();
  nooterra_store_close(store);
  int closed_seen = 0, other = 0;
  for (int i = 0; i < kRaceThreads; ++i) {
    pthread_join(threads[i], NULL);
    closed_seen += args[i].closed_seen;
    other += args[i].other_errors;
  }
  CHECK(closed_seen == kRaceThreads); /* every thread ended on STORE_CLOSED */
  CHECK(other == 0);
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  CHECK(rmdir(dir) == 0);
}

static void test_policy(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  const char strict[] = "{\"rules\":{\"requireDeterministicVerification\":true,\"maxAutoReleaseAmountCents\":5000}}";
  const char attested[] = "{\"mode\":\"attested\"}";
  CHECK(nooterra_policy_evaluate_settlement(NULL, 0, NULL, 0, "green", "completed", 10000, &out, &err) == NOOTERRA_OK);
  CHECK(strstr((const char*)out.data, "\"policyHash\":\"006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8\"") != NULL);
  CHECK(strstr((const char*)out.data, "\"shouldAutoResolve\":true") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_policy_evaluate_settlement(U(strict), strlen(strict), U(attested), strlen(attested), "amber",
                                            "completed", 10001, &out, &err) == NOOTERRA_OK);
  CHECK(strstr((const char*)out.data, "\"decisionMode\":\"manual-review\"") != NULL);
  CHECK(strstr((const char*)out.data, "\"refundAmountCents\":5001") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_policy_evaluate_settlement(U("{\"mode\":\"x\"}"), 12, NULL, 0, "green", "completed", 1, &out,
                                                   &err),
               NOOTERRA_INVALID_ARGUMENT, "POLICY_INVALID");
  EXPECT_ERROR(nooterra_policy_evaluate_settlement(NULL, 0, NULL, 0, "blue", "completed", 1, &out, &err),
               NOOTERRA_INVALID_ARGUMENT, "POLICY_INPUT_INVALID");
  EXPECT_ERROR(nooterra_policy_evaluate_settlement(U("{"), 1, NULL, 0, "green", "completed", 1, &out, &err),
               NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
  CHECK(out.data == NULL);
  {
    char hash[65] = {0};
    CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_SETTLEMENT, U("{}"), 2, &out, hash, &err) == NOOTERRA_OK);
    CHECK(strcmp(hash, "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8") == 0);
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_WALLET, U("{\"maxDailyCents\":5}"), 19, &out, NULL, &err) ==
          NOOTERRA_OK);
    CHECK(out.data != NULL && strcmp((const char*)out.data, "{\"maxDailyCents\":5}") == 0);
    nooterra_buffer_dispose(&out);
    EXPECT_ERROR(nooterra_policy_normalize(NOOTERRA_POLICY_WALLET, U("{\"maxDailyCents\":-1}"), 20, &out, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "POLICY_INVALID");
    EXPECT_ERROR(nooterra_policy_normalize(7, U("{}"), 2, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
                 "POLICY_KIND_UNKNOWN");
    EXPECT_ERROR(nooterra_policy_simulate(NULL, "t", U("{}"), 2, &out, &err), NOOTERRA_INVALID_ARGUMENT,
                 "NULL_ARGUMENT");
  }
}

/* Approval standing policies: normalize kind 5 builds the normal form with policyHash (a stated
 * hash must validate), evaluate ranks deny before approve, no match is effect none, and every
 * documented error. */
static void test_standing_policy(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t approve = NOOTERRA_BUFFER_INIT, deny = NOOTERRA_BUFFER_INIT, out = NOOTERRA_BUFFER_INIT;
  char hash[65] = {0}, needle[90], list[4096];
  int32_t effect = -1;
  const char approve_in[] =
      "{\"policyId\":\"p_approve\",\"principalRef\":{\"principalType\":\"human\",\"principalId\":\"u1\"},"
      "\"displayName\":\"a\",\"constraints\":{\"actorAgentIds\":[\"agt_a\"]},\"decision\":{\"effect\":\"approve\"},"
      "\"createdAt\":\"2026-01-01T00:00:00Z\"}";
  const char deny_in[] =
      "{\"policyId\":\"p_deny\",\"principalRef\":{\"principalType\":\"human\",\"principalId\":\"u1\"},"
      "\"displayName\":\"d\",\"constraints\":{\"reversibilityClasses\":[\"irreversible\"]},"
      "\"decision\":{\"effect\":\"deny\"},\"createdAt\":\"2026-01-01T00:00:00Z\"}";
  const char both_env[] = "{\"principalRef\":{\"principalType\":\"human\",\"principalId\":\"u1\"},"
                          "\"actor\":{\"agentId\":\"agt_a\"},\"reversibilityClass\":\"irreversible\"}";
  const char other_env[] = "{\"principalRef\":{\"principalType\":\"org\",\"principalId\":\"u1\"}}";

  CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_APPROVAL_STANDING, U(approve_in), strlen(approve_in), &approve, hash,
                                  &err) == NOOTERRA_OK);
  snprintf(needle, sizeof needle, "\"policyHash\":\"%s\"", hash);
  CHECK(strstr((const char*)approve.data, needle) != NULL);
  CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_APPROVAL_STANDING, U(deny_in), strlen(deny_in), &deny, NULL, &err) ==
        NOOTERRA_OK);
  /* A built policy normalizes to itself (its stated hash validates). */
  CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_APPROVAL_STANDING, approve.data, approve.size, &out, NULL, &err) ==
        NOOTERRA_OK);
  CHECK(out.size == approve.size && memcmp(out.data, approve.data, out.size) == 0);
  nooterra_buffer_dispose(&out);

  snprintf(list, sizeof list, "[%s,%s]", (const char*)approve.data, (const char*)deny.data);
  CHECK(nooterra_policy_standing_evaluate(U(list), strlen(list), U(both_env), strlen(both_env), &out, &effect, &err) ==
        NOOTERRA_OK);
  CHECK(effect == NOOTERRA_STANDING_DENY && strstr((const char*)out.data, "\"policyId\":\"p_deny\"") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_policy_standing_evaluate(approve.data, approve.size, U(both_env), strlen(both_env), &out, &effect,
                                          &err) == NOOTERRA_OK);
  CHECK(effect == NOOTERRA_STANDING_APPROVE);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_policy_standing_evaluate(U(list), strlen(list), U(other_env), strlen(other_env), &out, NULL, &err) ==
        NOOTERRA_OK);
  CHECK(strstr((const char*)out.data, "\"effect\":\"none\"") != NULL &&
        strstr((const char*)out.data, "PRINCIPAL_TYPE_MISMATCH") != NULL);
  nooterra_buffer_dispose(&out);

  /* A stated hash that does not validate; a build input without createdAt. */
  memcpy(strstr((char*)approve.data, "\"displayName\":\"a\"") + 15, "b", 1);
  EXPECT_ERROR(nooterra_policy_normalize(NOOTERRA_POLICY_APPROVAL_STANDING, approve.data, approve.size, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "APPROVAL_STANDING_POLICY_INVALID");
  EXPECT_ERROR(nooterra_policy_standing_evaluate(approve.data, approve.size, U(both_env), strlen(both_env), &out, NULL,
                                                 &err),
               NOOTERRA_INVALID_ARGUMENT, "APPROVAL_STANDING_POLICY_INVALID");
  EXPECT_ERROR(nooterra_policy_normalize(NOOTERRA_POLICY_APPROVAL_STANDING, U("{\"policyId\":\"p\"}"), strlen("{\"policyId\":\"p\"}"), &out, NULL,
                                         &err),
               NOOTERRA_INVALID_ARGUMENT, "APPROVAL_STANDING_POLICY_INVALID");
  EXPECT_ERROR(nooterra_policy_standing_evaluate(deny.data, deny.size, U("[]"), 2, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "STANDING_ENVELOPE_INVALID");
  EXPECT_ERROR(nooterra_policy_standing_evaluate(deny.data, deny.size, U("{"), 1, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
  EXPECT_ERROR(nooterra_policy_standing_evaluate(NULL, 2, U("{}"), 2, &out, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_policy_standing_evaluate(deny.data, deny.size, U("{}"), 2, NULL, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  CHECK(out.data == NULL);
  nooterra_buffer_dispose(&approve);
  nooterra_buffer_dispose(&deny);
}

/* Governance policy templates: the catalog, normalize kind 4 (its hash is the catalog's
 * templateHash), allow / challenge / deny outcomes, an invalid template as a deny decision, and
 * every documented error. */
static void test_governance_template(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT, catalog = NOOTERRA_BUFFER_INIT;
  int32_t outcome = -1;
  char hash[65] = {0}, needle[90];
  const char tmpl[] =
      "{\"templateId\":\"gov.indie.safe-default\",\"templateVersion\":1,\"operatingProfile\":\"indie\","
      "\"name\":\"Indie Safe Default\",\"description\":\"Lean controls for solo builders with strict fail-closed limits.\","
      "\"controls\":{\"spend\":{\"currency\":\"USD\",\"perActionUsdCents\":25000,\"monthlyUsdCents\":300000},"
      "\"dataAccess\":{\"allowedDataClasses\":[\"public\",\"internal\"],\"allowExternalTransfer\":false},"
      "\"approvals\":{\"tiers\":[{\"tierId\":\"auto\",\"maxAmountUsdCents\":10000,\"requiredApprovers\":0,\"approverRole\":\"none\"},"
      "{\"tierId\":\"owner\",\"maxAmountUsdCents\":25000,\"requiredApprovers\":1,\"approverRole\":\"owner\"}]},"
      "\"escalation\":{\"requireApprovalForRiskLevels\":[\"high\",\"critical\"],\"autoBlockRiskLevels\":[\"critical\"]}}}";
  const char allow[] = "{\"amountUsdCents\":5000,\"dataClass\":\"internal\",\"riskLevel\":\"low\"}";
  const char challenge[] = "{\"amountUsdCents\":20000,\"dataClass\":\"internal\",\"riskLevel\":\"low\"}";
  const char deny[] = "{\"amountUsdCents\":5000,\"dataClass\":\"restricted\",\"riskLevel\":\"low\"}";

  CHECK(nooterra_policy_governance_catalog(&catalog, &err) == NOOTERRA_OK);
  CHECK(strstr((const char*)catalog.data, "\"GovernancePolicyTemplateCatalog.v1\"") != NULL);
  CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_GOVERNANCE_TEMPLATE, U(tmpl), strlen(tmpl), &out, hash, &err) ==
        NOOTERRA_OK);
  snprintf(needle, sizeof needle, "\"templateHash\":\"%s\"", hash);
  CHECK(strstr((const char*)catalog.data, needle) != NULL);  /* the starter, normalized the same way */
  CHECK(strstr((const char*)out.data, needle) != NULL);
  nooterra_buffer_dispose(&out);
  nooterra_buffer_dispose(&catalog);

  CHECK(nooterra_policy_governance_evaluate(U(tmpl), strlen(tmpl), U(allow), strlen(allow), &out, &outcome, &err) ==
        NOOTERRA_OK);
  CHECK(outcome == NOOTERRA_SPEND_ALLOW && strstr((const char*)out.data, "\"decision\":\"allow\"") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_policy_governance_evaluate(U(tmpl), strlen(tmpl), U(challenge), strlen(challenge), &out, &outcome,
                                            &err) == NOOTERRA_OK);
  CHECK(outcome == NOOTERRA_SPEND_CHALLENGE && strstr((const char*)out.data, "APPROVAL_THRESHOLD_NOT_MET") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_policy_governance_evaluate(U(tmpl), strlen(tmpl), U(deny), strlen(deny), &out, NULL, &err) ==
        NOOTERRA_OK);
  CHECK(strstr((const char*)out.data, "DATA_CLASS_FORBIDDEN") != NULL);
  nooterra_buffer_dispose(&out);
  /* An invalid template is a deny decision, not an error. */
  CHECK(nooterra_policy_governance_evaluate(U("{}"), 2, U(allow), strlen(allow), &out, &outcome, &err) == NOOTERRA_OK);
  CHECK(outcome == NOOTERRA_SPEND_DENY && strstr((const char*)out.data, "POLICY_TEMPLATE_INVALID") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_policy_normalize(NOOTERRA_POLICY_GOVERNANCE_TEMPLATE, U("{}"), 2, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "POLICY_TEMPLATE_INVALID");
  EXPECT_ERROR(nooterra_policy_governance_evaluate(U(tmpl), strlen(tmpl), U("{"), 1, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
  EXPECT_ERROR(nooterra_policy_governance_evaluate(NULL, 3, U(allow), strlen(allow), &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_policy_governance_evaluate(U(tmpl), strlen(tmpl), U(allow), strlen(allow), NULL, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_policy_governance_catalog(NULL, &err), NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  CHECK(out.data == NULL);
}

/* The unified spend policy: compile (hash = SHA-256 of the normal form), evaluate against a list
 * of past spends (a deny, an allow, an escalation are values), every documented error. */
static void test_spend_policy(void) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  nooterra_spend_policy_t* policy = NULL;
  char hash[65] = {0}, normal_hash[65] = {0};
  int32_t outcome = -1;
  const char doc[] = "{\"schemaVersion\":\"SpendPolicy.v1\",\"approval\":{\"aboveCents\":500},"
                     "\"windows\":[{\"scope\":\"payer\",\"windowMs\":3600000,\"maxCents\":1000}]}";
  const char request[] = "{\"amountCents\":400,\"currency\":\"USD\",\"payerAgentId\":\"agt_a\","
                         "\"counterpartyAgentId\":\"agt_b\"}";
  const char big[] = "{\"amountCents\":600,\"currency\":\"USD\",\"payerAgentId\":\"agt_a\","
                     "\"counterpartyAgentId\":\"agt_b\"}";
  const char spends[] = "[{\"at\":\"2026-01-01T00:30:00Z\",\"amountCents\":601,\"payerAgentId\":\"agt_a\","
                        "\"currency\":\"USD\",\"counterpartyAgentId\":\"agt_c\"}]";
  CHECK(nooterra_spend_policy_compile(U(doc), strlen(doc), &policy, hash, &err) == NOOTERRA_OK);
  CHECK(policy != NULL);
  CHECK(nooterra_policy_normalize(NOOTERRA_POLICY_SPEND, U(doc), strlen(doc), &out, normal_hash, &err) == NOOTERRA_OK);
  CHECK(strcmp(hash, normal_hash) == 0);
  {
    char digest[65] = {0};
    CHECK(nooterra_sha256_hex(out.data, out.size, digest, &err) == NOOTERRA_OK);
    CHECK(strcmp(digest, hash) == 0);
  }
  nooterra_buffer_dispose(&out);
  /* No history: 400 is allowed. */
  CHECK(nooterra_spend_policy_evaluate(policy, U(request), strlen(request), NULL, 0, "2026-01-01T01:00:00Z", &out,
                                       &outcome, &err) == NOOTERRA_OK);
  CHECK(outcome == NOOTERRA_SPEND_ALLOW);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"outcome\":\"allow\",") != NULL);
  nooterra_buffer_dispose(&out);
  /* 601 spent 30 minutes ago: 400 more exceeds the hourly 1000 -> deny (a value, not an error). */
  CHECK(nooterra_spend_policy_evaluate(policy, U(request), strlen(request), U(spends), strlen(spends),
                                       "2026-01-01T01:00:00Z", &out, &outcome, &err) == NOOTERRA_OK);
  CHECK(outcome == NOOTERRA_SPEND_DENY);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"reasons\":[\"SPEND_WINDOW_PAYER\"]") != NULL);
  nooterra_buffer_dispose(&out);
  /* An hour later the spend has left the window; 600 is over the approval threshold -> escalate. */
  CHECK(nooterra_spend_policy_evaluate(policy, U(big), strlen(big), U(spends), strlen(spends), "2026-01-01T01:30:00Z",
                                       &out, NULL, &err) == NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"outcome\":\"escalate\"") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_spend_policy_evaluate(policy, U("{}"), 2, NULL, 0, "2026-01-01T00:00:00Z", &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "SPEND_REQUEST_INVALID");
  EXPECT_ERROR(nooterra_spend_policy_evaluate(policy, U(request), strlen(request), U("[{}]"), 4, "2026-01-01T00:00:00Z",
                                              &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "SPEND_HISTORY_INVALID");
  EXPECT_ERROR(nooterra_spend_policy_evaluate(policy, U(request), strlen(request), NULL, 0, "2026-01-01T00:00:00", &out,
                                              NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "SPEND_TIME_INVALID");
  EXPECT_ERROR(nooterra_spend_policy_evaluate(policy, U("{"), 1, NULL, 0, "2026-01-01T00:00:00Z", &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "JSON_SYNTAX");
  EXPECT_ERROR(nooterra_spend_policy_evaluate(NULL, U(request), strlen(request), NULL, 0, "2026-01-01T00:00:00Z", &out,
                                              NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  EXPECT_ERROR(nooterra_spend_policy_evaluate(policy, U(request), strlen(request), NULL, 0, NULL, &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  CHECK(out.data == NULL);
  nooterra_spend_policy_free(policy);
  nooterra_spend_policy_free(NULL);
  policy = NULL;
  EXPECT_ERROR(nooterra_spend_policy_compile(U("{\"schemaVersion\":\"SpendPolicy.v1\",\"maxPerCallCents\":-1}"), 55,
                                             &policy, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "POLICY_INVALID");
  CHECK(policy == NULL);
  EXPECT_ERROR(nooterra_spend_policy_compile(U(doc), strlen(doc), NULL, NULL, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  /* Simulation over a store with no locks: an empty report; bad input is refused. */
  {
    nooterra_store_t* store = NULL;
    nooterra_store_options_t o = NOOTERRA_STORE_OPTIONS_INIT;
    char path[] = "/tmp/nooterra_capi_spend_XXXXXX";
    CHECK(mkdtemp(path) != NULL);
    o.durable = 0;
    CHECK(nooterra_store_open(path, &o, &store, &err) == NOOTERRA_OK);
    CHECK(nooterra_spend_policy_simulate(store, "t", "agt_a", U(doc), strlen(doc), &out, &err) == NOOTERRA_OK);
    CHECK(out.data != NULL && strstr((const char*)out.data, "\"locks\":[],\"payerAgentId\":\"agt_a\",\"total\":0}") != NULL);
    nooterra_buffer_dispose(&out);
    EXPECT_ERROR(nooterra_spend_policy_simulate(store, "t", "agt_a", U("{}"), 2, &out, &err), NOOTERRA_INVALID_ARGUMENT,
                 "POLICY_INVALID");
    EXPECT_ERROR(nooterra_spend_policy_simulate(store, "t", NULL, U(doc), strlen(doc), &out, &err),
                 NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
    nooterra_store_close(store);
    {
      char file[64];
      snprintf(file, sizeof file, "%s/data.mdb", path);
      unlink(file);
      snprintf(file, sizeof file, "%s/lock.mdb", path);
      unlink(file);
      CHECK(rmdir(path) == 0);
    }
  }
}

/* conformance/vectors/canonical-json.json through the C ABI: the same file the C++, Python and
 * Node suites run. The file is ASCII with JSON escapes; a small decoder below turns its strings
 * into the UTF-8 texts they denote (surrogate pairs joined, lone surrogates as WTF-8). */
static size_t put_utf8(unsigned long cp, char* out) {
  if (cp < 0x80) { out[0] = (char)cp; return 1; }
  if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes the JSON string starting at the opening quote *p into out (NUL-terminated); returns a
 * pointer past the closing quote, or NULL. */
static const char* json_string(const char* p, char* out, size_t out_size, size_t* out_len) {
  size_t n = 0;
  if (*p++ != '"') return NULL;
  while (*p && *p != '"') {
    unsigned long cp;
    if (n + 8 >= out_size) return NULL;
    if (*p != '\\') { out[n++] = *p++; continue; }
    ++p;
    switch (*p) {
      case 'b': cp = 8; break;
      case 'f': cp = 12; break;
      case 'n': cp = 10; break;
      case 'r': cp = 13; break;
      case 't': cp = 9; break;
      case 'u': {
        char hex[5] = {0};
        memcpy(hex, p + 1, 4);
        cp = strtoul(hex, NULL, 16);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
          unsigned long lo;
          memcpy(hex, p + 3, 4);
          lo = strtoul(hex, NULL, 16);
          if (lo >= 0xDC00 && lo < 0xE000) { cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00); p += 6; }
        }
        break;
      }
      default: cp = (unsigned char)*p; break; /* " \\ / */
    }
    ++p;
    n += put_utf8(cp, out + n);
  }
  if (*p != '"') return NULL;
  out[n] = '\0';
  *out_len = n;
  return p + 1;
}

static void test_shared_vectors(void) {
  char path[512], input[4096], canonical[4096], hex[65], expected_hex[65];
  static char file[1 << 16];
  size_t size, input_len, canonical_len;
  const char* at;
  int cases = 0;
  FILE* f;
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  snprintf(path, sizeof path, "%s/conformance/vectors/canonical-json.json", NOOTERRA_SOURCE_DIR);
  f = fopen(path, "rb");
  CHECK(f != NULL);
  if (f == NULL) return;
  size = fread(file, 1, sizeof file - 1, f);
  fclose(f);
  file[size] = '\0';
  for (at = strstr(file, "\"input\": "); at != NULL; at = strstr(at, "\"input\": ")) {
    const char* next_case = strstr(at + 1, "\"input\": ");
    const char* expect = strstr(at, "\"canonical\": ");
    const int wants_error = strstr(at, "\"error\": true") != NULL &&
                            (next_case == NULL || strstr(at, "\"error\": true") < next_case);
    at = json_string(at + 9, input, sizeof input, &input_len);
    CHECK(at != NULL);
    if (at == NULL) return;
    ++cases;
    if (wants_error) {
      int32_t rc = nooterra_json_canonicalize(U(input), input_len, NULL, &out, &err);
      CHECK(rc == NOOTERRA_INVALID_ARGUMENT);
      nooterra_error_free(err);
      err = NULL;
      continue;
    }
    CHECK(expect != NULL && (next_case == NULL || expect < next_case));
    if (expect == NULL || json_string(expect + 13, canonical, sizeof canonical, &canonical_len) == NULL) return;
    CHECK(nooterra_json_canonicalize(U(input), input_len, NULL, &out, &err) == NOOTERRA_OK);
    CHECK(out.size == canonical_len && memcmp(out.data, canonical, canonical_len) == 0);
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_json_canonical_hash(U(input), input_len, NULL, hex, &err) == NOOTERRA_OK);
    CHECK(nooterra_sha256_hex(U(canonical), canonical_len, expected_hex, &err) == NOOTERRA_OK);
    CHECK(strcmp(hex, expected_hex) == 0);
  }
  CHECK(cases >= 10);
}

/* A marketplace run through the C ABI (kernel-v0 case B): RFQ, bid, acceptance, evidence,
 * completion (settled automatically), the run and its settlement, the replay evaluation. */
static void test_marketplace(void) {
  char dir[] = "/tmp/nooterra_capi_market_XXXXXX";
  char path[256], request[512];
  char head[65] = {0};
  nooterra_error_t* err = NULL;
  nooterra_store_t* store = NULL;
  nooterra_store_options_t options = NOOTERRA_STORE_OPTIONS_INIT;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT, pem = NOOTERRA_BUFFER_INIT;
  int32_t existed = -1;
  const char* at;
  int i;
  const char rfq[] = "{\"rfqId\":\"rfq_c\",\"posterAgentId\":\"agt_poster\",\"budgetCents\":500}";
  const char bid[] = "{\"bidId\":\"bid_c\",\"bidderAgentId\":\"agt_worker\",\"amountCents\":500,\"verificationMethod\":"
                     "{\"mode\":\"deterministic\",\"source\":\"verifier://nooterra/deterministic/latency-threshold-v1\"}}";
  const char accept[] = "{\"bidId\":\"bid_c\"}";
  const char* const now = "2026-01-01T00:00:00Z";
  CHECK(mkdtemp(dir) != NULL);
  options.durable = 0;
  CHECK(nooterra_store_open(dir, &options, &store, &err) == NOOTERRA_OK);
  for (i = 0; i < 2; ++i) {
    uint8_t seed[32];
    nooterra_private_key_t* key = NULL;
    nooterra_public_key_t* pub = NULL;
    memset(seed, i + 1, sizeof seed);
    CHECK(nooterra_private_key_from_seed(seed, 32, &key, &err) == NOOTERRA_OK);
    CHECK(nooterra_private_key_public_key(key, &pub, &err) == NOOTERRA_OK);
    CHECK(nooterra_public_key_to_pem(pub, &pem, &err) == NOOTERRA_OK);
    CHECK(nooterra_agreement_register_agent(store, "t", i == 0 ? "agt_poster" : "agt_worker", (const char*)pem.data,
                                            &out, NULL, &err) == NOOTERRA_OK);
    nooterra_buffer_dispose(&out);
    nooterra_buffer_dispose(&pem);
    nooterra_public_key_free(pub);
    nooterra_private_key_free(key);
  }
  CHECK(nooterra_agreement_deposit(store, "t", "agt_poster", "USD", 800, "dep", &out, NULL, &err) == NOOTERRA_OK);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_CREATE_RFQ, NULL, U(rfq), strlen(rfq), now, "k1", &out,
                                 &existed, &err) == NOOTERRA_OK);
  CHECK(existed == 0);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_SUBMIT_BID, NULL, U(bid), strlen(bid), now, "k2",
                                        &out, NULL, &err),
               NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  CHECK(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_SUBMIT_BID, "rfq_c", U(bid), strlen(bid), now, "k2", &out,
                                 NULL, &err) == NOOTERRA_OK);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_ACCEPT_BID, "rfq_c", U(accept), strlen(accept), now, "k3",
                                 &out, NULL, &err) == NOOTERRA_OK);
  at = out.data != NULL ? strstr((const char*)out.data, "\"lastChainHash\":\"") : NULL;
  CHECK(at != NULL);
  if (at != NULL) memcpy(head, at + 17, 64);
  nooterra_buffer_dispose(&out);
  snprintf(request, sizeof request,
           "{\"expectedPrevChainHash\":\"%s\",\"type\":\"RUN_COMPLETED\",\"payload\":{\"metrics\":{\"latencyMs\":250}}}",
           head);
  CHECK(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_APPEND_RUN_EVENT, "run_rfq_c_bid_c", U(request),
                                 strlen(request), now, "k4", &out, NULL, &err) == NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"decisionStatus\":\"auto_resolved\"") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_APPEND_RUN_EVENT, "run_rfq_c_bid_c", U(request),
                                        strlen(request), now, "k5", &out, NULL, &err),
               NOOTERRA_FAILED_PRECONDITION, "RUN_EVENT_PREV_CHAIN_HASH_MISMATCH");
  CHECK(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_RUN, "run_rfq_c_bid_c", &out, &err) == NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"type\":\"RUN_CREATED\"") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_RUN_SETTLEMENT, "run_rfq_c_bid_c", &out, &err) ==
        NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"releasedAmountCents\":500") != NULL);
  nooterra_buffer_dispose(&out);
  /* Settled automatically: an operator's resolution is refused. */
  EXPECT_ERROR(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_RESOLVE_RUN_SETTLEMENT, "run_rfq_c_bid_c",
                                        U("{\"releaseRatePct\":50}"), 21, now, "k6", &out, NULL, &err),
               NOOTERRA_FAILED_PRECONDITION, "TRANSITION_ILLEGAL");
  EXPECT_ERROR(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_RUN, "run_none", &out, &err),
               NOOTERRA_NOT_FOUND, "RECORD_NOT_FOUND");
  /* The run's agreement pins the accepted offer and the acceptance, each readable by run id. */
  CHECK(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_RUN_AGREEMENT, "run_rfq_c_bid_c", &out, &err) ==
        NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"offerRef\":{\"offerHash\":\"") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_OFFER, "run_rfq_c_bid_c", &out, &err) == NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"offerId\":\"ofr_rfq_c_bid_c_r1\"") != NULL);
  nooterra_buffer_dispose(&out);
  CHECK(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_ACCEPTANCE, "run_rfq_c_bid_c", &out, &err) ==
        NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"schemaVersion\":\"MarketplaceAcceptance.v2\"") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_OFFER, "run_none", &out, &err),
               NOOTERRA_NOT_FOUND, "RECORD_NOT_FOUND");
  /* Agent lifecycle: the poster suspended and read back; a repeat, an unknown agent, no subject. */
  {
    const char suspend[] = "{\"status\":\"suspended\",\"reason\":\"audit\"}";
    const char revoke[] = "{\"status\":\"revoked\"}";
    CHECK(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_SET_AGENT_STATUS, "agt_poster", U(suspend),
                                   strlen(suspend), now, "life1", &out, NULL, &err) == NOOTERRA_OK);
    CHECK(out.data != NULL && strstr((const char*)out.data, "\"status\":\"suspended\"") != NULL);
    nooterra_buffer_dispose(&out);
    CHECK(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_AGENT_STATUS, "agt_poster", &out, &err) ==
          NOOTERRA_OK);
    CHECK(out.data != NULL && strstr((const char*)out.data, "\"reason\":\"audit\"") != NULL);
    nooterra_buffer_dispose(&out);
    EXPECT_ERROR(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_SET_AGENT_STATUS, "agt_poster", U(suspend),
                                          strlen(suspend), now, "life2", &out, NULL, &err),
                 NOOTERRA_FAILED_PRECONDITION, "TRANSITION_ILLEGAL");
    EXPECT_ERROR(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_SET_AGENT_STATUS, "agt_none", U(revoke),
                                          strlen(revoke), now, "life3", &out, NULL, &err),
                 NOOTERRA_NOT_FOUND, "AGENT_NOT_FOUND");
    EXPECT_ERROR(nooterra_agreement_apply(store, "t", NOOTERRA_AGREEMENT_SET_AGENT_STATUS, NULL, U(revoke),
                                          strlen(revoke), now, "life4", &out, NULL, &err),
                 NOOTERRA_INVALID_ARGUMENT, "NULL_ARGUMENT");
  }
  EXPECT_ERROR(nooterra_agreement_get(store, "t", NOOTERRA_AGREEMENT_RECORD_AGENT_STATUS, "agt_none", &out, &err),
               NOOTERRA_NOT_FOUND, "RECORD_NOT_FOUND");
  CHECK(nooterra_agreement_replay_evaluate_run(store, "t", "run_rfq_c_bid_c", &out, &err) == NOOTERRA_OK);
  CHECK(out.data != NULL && strstr((const char*)out.data, "\"kernelBindingsValid\":true") != NULL &&
        strstr((const char*)out.data, "\"policyDecisionMatchesStored\":true") != NULL &&
        strstr((const char*)out.data, "\"verifierRefMatchesStored\":true") != NULL);
  nooterra_buffer_dispose(&out);
  EXPECT_ERROR(nooterra_agreement_replay_evaluate_run(store, "t", "run_none", &out, &err), NOOTERRA_NOT_FOUND,
               "RUN_NOT_FOUND");
  EXPECT_ERROR(nooterra_agreement_replay_evaluate_run(store, "bad tenant", "run_none", &out, &err),
               NOOTERRA_INVALID_ARGUMENT, "STORE_TENANT_INVALID");
  EXPECT_ERROR(nooterra_agreement_replay_evaluate_run(store, "t", NULL, &out, &err), NOOTERRA_INVALID_ARGUMENT,
               "NULL_ARGUMENT");
  nooterra_store_close(store);
  EXPECT_ERROR(nooterra_agreement_replay_evaluate_run(store, "t", "run_rfq_c_bid_c", &out, &err),
               NOOTERRA_FAILED_PRECONDITION, "STORE_CLOSED");
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  CHECK(rmdir(dir) == 0);
}

int main(void) {
  test_version_and_errors();
  test_json();
  test_shared_vectors();
  test_sha256();
  test_keys();
  test_base64();
  test_verify();
  test_objects();
  test_store_ledger();
  test_store_close_while_in_use();
  test_batch();
  test_marketplace();
  test_policy();
  test_spend_policy();
  test_governance_template();
  test_standing_policy();
  test_release_and_signer();
  printf("capi_test: %d checks, %d passed, %d failed\n", checks, checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
