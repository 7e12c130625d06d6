/* The stable C ABI of libnooterra.
 *
 * This header is the only interface promised stable across releases (SONAME libnooterra.so.0).
 * The Python and Node packages are built on it alone.
 *
 * Conventions (the same for every function below):
 *
 *  - Errors. Every fallible function returns an int32_t status code: 0 (NOOTERRA_OK) on
 *    success, otherwise one of the NOOTERRA_* codes below, whose values equal Abseil's canonical
 *    codes. Its last parameter `nooterra_error_t** error` may be NULL; when it is not NULL and
 *    the call fails, *error receives a new error object (code, stable reason string, message,
 *    optional byte offset) that the caller frees with nooterra_error_free(). On success *error
 *    is set to NULL. There is no thread-local "last error".
 *  - Domain outcomes are values, not errors: "this signature is invalid" is a successful call
 *    that reports valid = 0.
 *  - Ownership. Handles come from nooterra_<thing>_new/_from_* and are released by the matching
 *    _free function, which accepts NULL. Byte results are written to a caller-provided
 *    nooterra_buffer_t and released with nooterra_buffer_dispose(). Inputs are copied before a
 *    function returns; the library keeps no pointer into caller memory.
 *  - Bytes travel as pointer + size_t length; a NULL pointer is allowed when the length is 0.
 *  - Threads. Each type documents itself: keys are immutable and safe to share; a SHA-256
 *    context is one thread at a time; free functions are safe to call concurrently.
 *  - No C++ exception and no abort ever crosses this boundary for a caller mistake.
 *  - Determinism: no clock, locale or randomness, except nooterra_private_key_generate().
 */
#ifndef NOOTERRA_C_H_
#define NOOTERRA_C_H_

#include <stddef.h>
#include <stdint.h>

#include "nooterra/version.h"

#if defined(NOOTERRA_BUILDING_LIBRARY)
#define NOOTERRA_API __attribute__((visibility("default")))
#else
#define NOOTERRA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status codes: numerically equal to absl::StatusCode (static_assert'ed in capi/error.cc).   */

#define NOOTERRA_OK 0
#define NOOTERRA_CANCELLED 1
#define NOOTERRA_UNKNOWN 2
#define NOOTERRA_INVALID_ARGUMENT 3      /* malformed input: fix the input */
#define NOOTERRA_DEADLINE_EXCEEDED 4
#define NOOTERRA_NOT_FOUND 5
#define NOOTERRA_ALREADY_EXISTS 6
#define NOOTERRA_PERMISSION_DENIED 7
#define NOOTERRA_RESOURCE_EXHAUSTED 8    /* a named limit was exceeded */
#define NOOTERRA_FAILED_PRECONDITION 9   /* the object is in the wrong state: fix state first */
#define NOOTERRA_ABORTED 10              /* retry the transaction */
#define NOOTERRA_OUT_OF_RANGE 11
#define NOOTERRA_UNIMPLEMENTED 12
#define NOOTERRA_INTERNAL 13             /* a bug in the library: please report */
#define NOOTERRA_UNAVAILABLE 14          /* retry the call */
#define NOOTERRA_DATA_LOSS 15
#define NOOTERRA_UNAUTHENTICATED 16

/* ------------------------------------------------------------------------------------------ */
/* Version                                                                                    */

/* The run-time library version, NOOTERRA_VERSION_NUMBER of the library actually loaded.
 * Bindings compare its major part with the one they were compiled against. Thread-safe. */
NOOTERRA_API uint32_t nooterra_version_number(void);
/* "MAJOR.MINOR.PATCH"; static storage, never freed. Thread-safe. */
NOOTERRA_API const char* nooterra_version_string(void);

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */

typedef struct nooterra_error_t nooterra_error_t;

/* The status code (NOOTERRA_*). NULL gives NOOTERRA_OK. */
NOOTERRA_API int32_t nooterra_error_code(const nooterra_error_t* error);
/* Name of a status code, e.g. "INVALID_ARGUMENT"; static storage. Unknown codes give "UNKNOWN". */
NOOTERRA_API const char* nooterra_code_name(int32_t code);
/* Stable machine-readable reason, e.g. "JSON_SYNTAX", "KEY_INVALID_PEM"; "" when none.
 * Borrowed: valid until nooterra_error_free(error). */
NOOTERRA_API const char* nooterra_error_reason(const nooterra_error_t* error);
/* Human-readable message (may change between releases). Borrowed like the reason. */
NOOTERRA_API const char* nooterra_error_message(const nooterra_error_t* error);
/* Byte offset in the input where the problem was found, or -1 when not applicable. */
NOOTERRA_API int64_t nooterra_error_offset(const nooterra_error_t* error);
/* Releases an error object. NULL is a no-op. */
NOOTERRA_API void nooterra_error_free(nooterra_error_t* error);

/* ------------------------------------------------------------------------------------------ */
/* Byte buffers returned by the library                                                       */

/* A byte result. Initialize with NOOTERRA_BUFFER_INIT; after a successful call `data` points
 * to `size` bytes followed by one NUL byte (so text results are also C strings). The bytes are
 * the caller's and are released with nooterra_buffer_dispose(), which frees them and resets the
 * struct. A function that fails leaves the buffer untouched. Passing a buffer that already
 * holds data first disposes of the old data. */
typedef struct nooterra_buffer_t {
  uint8_t* data;
  size_t size;
} nooterra_buffer_t;

#define NOOTERRA_BUFFER_INIT {NULL, 0}

/* Frees buffer->data and sets it to {NULL, 0}. NULL buffer or empty buffer: no-op. */
NOOTERRA_API void nooterra_buffer_dispose(nooterra_buffer_t* buffer);

/* ------------------------------------------------------------------------------------------ */
/* Canonical JSON (module json)                                                               */

/* Limits on untrusted JSON. Zero-initialize with NOOTERRA_JSON_LIMITS_INIT (the defaults).
 * `struct_size` must be sizeof(nooterra_json_limits_t); the struct only grows at the end. */
typedef struct nooterra_json_limits_t {
  uint32_t struct_size;
  uint32_t depth_max;            /* nesting of arrays/objects; default 256 */
  uint64_t document_bytes_max;   /* default 64 MiB; hard ceiling 2 GiB */
  uint64_t string_bytes_max;     /* one decoded string or key; default 16 MiB */
} nooterra_json_limits_t;

#define NOOTERRA_JSON_LIMITS_INIT \
  {(uint32_t)sizeof(nooterra_json_limits_t), 256u, (uint64_t)64 << 20, (uint64_t)16 << 20}

/* Canonicalizes JSON text exactly as the protocol does (sorted keys with array-index keys
 * first, ECMAScript number format, JSON.stringify escaping).
 *  [in]  json, json_size  the text (UTF-8; invalid sequences inside strings become U+FFFD)
 *  [in]  limits           NULL for the defaults
 *  [out] out              receives the canonical text (no trailing newline)
 * Errors: INVALID_ARGUMENT (reasons JSON_SYNTAX, JSON_BOM, JSON_NEGATIVE_ZERO, JSON_NON_FINITE,
 *         STRUCT_SIZE, NULL_ARGUMENT; offset set for the JSON ones),
 *         RESOURCE_EXHAUSTED (JSON_LIMIT_DOCUMENT_BYTES, JSON_LIMIT_DEPTH,
 *         JSON_LIMIT_STRING_BYTES).
 * Thread-safe (no shared state). */
NOOTERRA_API int32_t nooterra_json_canonicalize(const uint8_t* json, size_t json_size,
                                                const nooterra_json_limits_t* limits,
                                                nooterra_buffer_t* out, nooterra_error_t** error);

/* SHA-256 of the canonical form, as 64 lowercase hex characters plus NUL in out_hex[65].
 * Same inputs and errors as nooterra_json_canonicalize. */
NOOTERRA_API int32_t nooterra_json_canonical_hash(const uint8_t* json, size_t json_size,
                                                  const nooterra_json_limits_t* limits,
                                                  char out_hex[65], nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* SHA-256 (module crypto)                                                                    */

/* One-shot SHA-256 to 32 raw bytes. Cannot fail except for NULL out, or NULL data with size > 0
 * (INVALID_ARGUMENT NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_sha256(const uint8_t* data, size_t size, uint8_t out[32],
                                     nooterra_error_t** error);
/* One-shot SHA-256 as 64 lowercase hex characters plus NUL. Errors: INVALID_ARGUMENT
 * (NULL_ARGUMENT: NULL out_hex, or NULL data with size > 0). Thread-safe. */
NOOTERRA_API int32_t nooterra_sha256_hex(const uint8_t* data, size_t size, char out_hex[65],
                                         nooterra_error_t** error);

/* Streaming SHA-256. One thread at a time per context. */
typedef struct nooterra_sha256_t nooterra_sha256_t;
/* Errors: INVALID_ARGUMENT (NULL out). */
NOOTERRA_API int32_t nooterra_sha256_new(nooterra_sha256_t** out, nooterra_error_t** error);
/* Errors: INVALID_ARGUMENT (NULL context, or NULL data with size > 0). */
NOOTERRA_API int32_t nooterra_sha256_update(nooterra_sha256_t* sha, const uint8_t* data,
                                            size_t size, nooterra_error_t** error);
/* Writes the digest and resets the context for reuse. Errors: INVALID_ARGUMENT (NULL args). */
NOOTERRA_API int32_t nooterra_sha256_final(nooterra_sha256_t* sha, uint8_t out[32],
                                           nooterra_error_t** error);
/* Frees a context (not concurrently with a call on it). NULL is a no-op. */
NOOTERRA_API void nooterra_sha256_free(nooterra_sha256_t* sha);

/* ------------------------------------------------------------------------------------------ */
/* Ed25519 keys and signatures (module crypto)                                               */

/* keyId strings are "key_" + 24 hex characters: 28 characters plus NUL. */
#define NOOTERRA_KEY_ID_SIZE 29

typedef struct nooterra_public_key_t nooterra_public_key_t;   /* immutable, safe to share */
typedef struct nooterra_private_key_t nooterra_private_key_t; /* immutable, safe to share */

/* A new private key from the operating system's CSPRNG (the one non-deterministic function).
 * Errors: INVALID_ARGUMENT (NULL out). */
NOOTERRA_API int32_t nooterra_private_key_generate(nooterra_private_key_t** out,
                                                   nooterra_error_t** error);
/* The key for a 32-byte seed (deterministic). Errors: INVALID_ARGUMENT (KEY_INVALID_LENGTH). */
NOOTERRA_API int32_t nooterra_private_key_from_seed(const uint8_t* seed, size_t seed_size,
                                                    nooterra_private_key_t** out,
                                                    nooterra_error_t** error);
/* Parses a PKCS#8 "PRIVATE KEY" PEM. Errors: INVALID_ARGUMENT (KEY_INVALID_PEM). */
NOOTERRA_API int32_t nooterra_private_key_from_pem(const char* pem, size_t pem_size,
                                                   nooterra_private_key_t** out,
                                                   nooterra_error_t** error);
/* The PKCS#8 PEM text (with trailing newline). Errors: INVALID_ARGUMENT (NULL args). */
NOOTERRA_API int32_t nooterra_private_key_to_pem(const nooterra_private_key_t* key,
                                                 nooterra_buffer_t* out_pem,
                                                 nooterra_error_t** error);
/* The matching public key, as a new handle. Errors: INVALID_ARGUMENT (NULL args). */
NOOTERRA_API int32_t nooterra_private_key_public_key(const nooterra_private_key_t* key,
                                                     nooterra_public_key_t** out,
                                                     nooterra_error_t** error);
/* Signs 32 digest bytes (Ed25519 over the raw digest, as the protocol does) into 64 bytes.
 * Errors: INVALID_ARGUMENT (NULL args, digest_size != 32). */
NOOTERRA_API int32_t nooterra_private_key_sign(const nooterra_private_key_t* key,
                                               const uint8_t* digest, size_t digest_size,
                                               uint8_t out_signature[64],
                                               nooterra_error_t** error);
/* Wipes the secret and frees the handle. NULL is a no-op. */
NOOTERRA_API void nooterra_private_key_free(nooterra_private_key_t* key);

/* Parses an SPKI "PUBLIC KEY" PEM. Errors: INVALID_ARGUMENT (KEY_INVALID_PEM). */
NOOTERRA_API int32_t nooterra_public_key_from_pem(const char* pem, size_t pem_size,
                                                  nooterra_public_key_t** out,
                                                  nooterra_error_t** error);
/* From the 32 raw key bytes. Errors: INVALID_ARGUMENT (KEY_INVALID_LENGTH). */
NOOTERRA_API int32_t nooterra_public_key_from_raw(const uint8_t* raw, size_t raw_size,
                                                  nooterra_public_key_t** out,
                                                  nooterra_error_t** error);
/* The canonical PEM text (one base64 line, trailing newline). Errors: INVALID_ARGUMENT
 * (NULL_ARGUMENT). Thread-safe (keys are immutable). */
NOOTERRA_API int32_t nooterra_public_key_to_pem(const nooterra_public_key_t* key,
                                                nooterra_buffer_t* out_pem,
                                                nooterra_error_t** error);
/* The 32 raw key bytes. Errors: INVALID_ARGUMENT (NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_public_key_raw(const nooterra_public_key_t* key, uint8_t out[32],
                                             nooterra_error_t** error);
/* keyId of the canonical PEM. Note: a PEM written differently (no trailing newline, wrapped)
 * has a different keyId; use nooterra_key_id_from_pem() on the exact text you publish.
 * Errors: INVALID_ARGUMENT (NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_public_key_id(const nooterra_public_key_t* key,
                                            char out_key_id[NOOTERRA_KEY_ID_SIZE],
                                            nooterra_error_t** error);
/* Verifies a signature over 32 digest bytes. On success *out_valid is 1 (valid) or 0
 * (invalid, including a signature that is not 64 bytes long).
 * Errors: INVALID_ARGUMENT (NULL args, digest_size != 32). */
NOOTERRA_API int32_t nooterra_public_key_verify(const nooterra_public_key_t* key,
                                                const uint8_t* digest, size_t digest_size,
                                                const uint8_t* signature, size_t signature_size,
                                                int32_t* out_valid, nooterra_error_t** error);
/* Frees the handle (after every call using it has returned). NULL is a no-op. */
NOOTERRA_API void nooterra_public_key_free(nooterra_public_key_t* key);

/* keyId = "key_" + first 24 hex of SHA-256 over the exact PEM text given.
 * Errors: INVALID_ARGUMENT (NULL args). Does not check that the text is a valid key. */
NOOTERRA_API int32_t nooterra_key_id_from_pem(const char* pem, size_t pem_size,
                                              char out_key_id[NOOTERRA_KEY_ID_SIZE],
                                              nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* Base64 (module crypto)                                                                     */

/* Standard base64 with padding, NUL-terminated in out. Errors: INVALID_ARGUMENT (NULL out). */
NOOTERRA_API int32_t nooterra_base64_encode(const uint8_t* data, size_t size,
                                            nooterra_buffer_t* out, nooterra_error_t** error);
/* Node-compatible lenient decode (both alphabets, unknown characters skipped, stops at '=').
 * Never fails on content. Errors: INVALID_ARGUMENT (NULL out). */
NOOTERRA_API int32_t nooterra_base64_decode(const char* text, size_t size,
                                            nooterra_buffer_t* out, nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* Bundle verification (module verify)                                                        */

/* Bundle kinds (the nooterra-verify --<kind> flags). */
#define NOOTERRA_BUNDLE_JOB_PROOF 1
#define NOOTERRA_BUNDLE_MONTH_PROOF 2
#define NOOTERRA_BUNDLE_FINANCE_PACK 3
#define NOOTERRA_BUNDLE_INVOICE_BUNDLE 4
#define NOOTERRA_BUNDLE_CLOSE_PACK 5

/* Options of nooterra_verify_bundle. Initialize with NOOTERRA_VERIFY_OPTIONS_INIT.
 * The four trust strings are the JSON texts of the NOOTERRA_TRUSTED_*_JSON variables
 * ({keyId: publicKeyPem}, or [keyId] for the pricing allowlist); NULL or "" = not provided.
 * They are copied during the call; the caller keeps ownership. */
typedef struct nooterra_verify_options_t {
  uint32_t struct_size;
  int32_t strict;            /* 0 or 1 */
  int32_t fail_on_warnings;  /* 0 or 1 */
  uint32_t hash_concurrency; /* threads hashing manifest files, 1..256; never changes results */
  const char* trusted_governance_root_keys_json;
  const char* trusted_pricing_signer_keys_json;
  const char* trusted_pricing_signer_key_ids_json;
  const char* trusted_time_authority_keys_json;
} nooterra_verify_options_t;

#define NOOTERRA_VERIFY_OPTIONS_INIT \
  {(uint32_t)sizeof(nooterra_verify_options_t), 0, 0, 1u, NULL, NULL, NULL, NULL}

/* Verifies the proof bundle in directory `dir` (offline; no symlink is followed and nothing
 * outside `dir` is read).
 *  [in]  dir       NUL-terminated path of the bundle directory
 *  [in]  kind      NOOTERRA_BUNDLE_*
 *  [in]  options   NULL for the defaults (non-strict, no trust anchors)
 *  [out] out       receives the VerifyCliOutput.v1 document (2-space indented JSON + "\n"),
 *                  byte-compatible with `nooterra-verify --format json`
 *  [out] out_ok    optional: 1 when the document's `ok` is true, else 0
 * A bundle that fails verification is NOT an error: the call returns NOOTERRA_OK and the verdict,
 * codes and messages are in the document. Errors: INVALID_ARGUMENT (NULL_ARGUMENT, STRUCT_SIZE,
 * VERIFY_OPTIONS_INVALID for an unknown kind or hash_concurrency outside 1..256).
 * Thread-safe: concurrent calls share nothing. */
NOOTERRA_API int32_t nooterra_verify_bundle(const char* dir, int32_t kind,
                                            const nooterra_verify_options_t* options,
                                            nooterra_buffer_t* out, int32_t* out_ok,
                                            nooterra_error_t** error);

/* Verifies a release directory (ReleaseIndex.v1 + detached signatures) against a trust file,
 * as `nooterra-release verify --format json` does (include/nooterra/release.h).
 *  [in]  dir                   NUL-terminated path of the release directory
 *  [in]  trust_file            path of the ReleaseTrust.v1/v2 file, or NULL (then the report
 *                              carries RELEASE_TRUST_MISSING; unlike the CLI, no default path
 *                              is looked up: the library reads nothing it was not given)
 *  [in]  installed_about_json  optional: an installed tool's `--about --format json` output to
 *                              compare with the release (RELEASE_INSTALLED_MISMATCH), or NULL
 *  [out] out_report            VerifyReleaseOutput.v1 (canonical JSON + "\n")
 *  [out] out_ok                optional: 1 when the report's `ok` is true
 * A release that fails verification is NOT an error: the verdict and codes are in the report.
 * Errors: INVALID_ARGUMENT (NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_release_verify(const char* dir, const char* trust_file, const char* installed_about_json,
                                             nooterra_buffer_t* out_report, int32_t* out_ok, nooterra_error_t** error);

/* Signer lifecycle (include/nooterra/signer_lifecycle.h): may a signer key be used for an event
 * at time `at`, and is it still usable `now`?
 *  [in]  query_json    {"signerKey": {status?, validFrom?, validTo?, rotatedAt?, revokedAt?} | null,
 *                      "at", "now"?, "requireRegistered"?, "enforceCurrentValidity"?} (the
 *                      conformance pack's `input` shape)
 *  [out] out_decision  canonical JSON {"ok","canonicalCode","legacyCode","validAtOk",
 *                      "validAtCanonicalCode","validNowOk","validNowCanonicalCode","message"}
 *  [out] out_ok        optional: 1 when the key may be used
 * A denial is NOT an error. Errors: INVALID_ARGUMENT (SIGNER_LIFECYCLE_INPUT_INVALID when the
 * query is not an object, JSON_*, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_signer_lifecycle_evaluate(const uint8_t* query_json, size_t query_size,
                                                        nooterra_buffer_t* out_decision, int32_t* out_ok,
                                                        nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* Protocol objects (module objects): build, validate, hash, sign, verify                      */

/* Object types; the values never change (ToolManifest.v1 = 1 ... ReputationEvent.v1 = 19). */
#define NOOTERRA_OBJECT_TOOL_MANIFEST 1
#define NOOTERRA_OBJECT_TOOL_CALL_AGREEMENT 2
#define NOOTERRA_OBJECT_TOOL_CALL_EVIDENCE 3
#define NOOTERRA_OBJECT_FUNDING_HOLD 4
#define NOOTERRA_OBJECT_SETTLEMENT_DECISION_RECORD_V1 5
#define NOOTERRA_OBJECT_SETTLEMENT_DECISION_RECORD_V2 6
#define NOOTERRA_OBJECT_SETTLEMENT_RECEIPT 7
#define NOOTERRA_OBJECT_SETTLEMENT_ADJUSTMENT 8
#define NOOTERRA_OBJECT_POLICY_DECISION 9
#define NOOTERRA_OBJECT_OPERATOR_ACTION 10
#define NOOTERRA_OBJECT_DISPUTE_OPEN_ENVELOPE 11
#define NOOTERRA_OBJECT_ARBITRATION_CASE 12
#define NOOTERRA_OBJECT_ARBITRATION_VERDICT 13
#define NOOTERRA_OBJECT_AGREEMENT_DELEGATION 14
#define NOOTERRA_OBJECT_AGENT_WALLET 15
#define NOOTERRA_OBJECT_AGENT_RUN_SETTLEMENT 16
#define NOOTERRA_OBJECT_MARKETPLACE_OFFER 17
#define NOOTERRA_OBJECT_MARKETPLACE_ACCEPTANCE 18
#define NOOTERRA_OBJECT_REPUTATION_EVENT 19

/* The schemaVersion of a type ("ToolCallAgreement.v1"), a static string; NULL for an unknown
 * type. Thread-safe. */
NOOTERRA_API const char* nooterra_object_schema_version(int32_t type);

/* The type of a schemaVersion (NUL-terminated). Errors: INVALID_ARGUMENT (NULL_ARGUMENT,
 * OBJECT_TYPE_UNKNOWN). */
NOOTERRA_API int32_t nooterra_object_type_from_schema(const char* schema_version, int32_t* out_type,
                                                      nooterra_error_t** error);

/* Options of nooterra_object_build. Initialize with NOOTERRA_OBJECT_BUILD_OPTIONS_INIT. */
typedef struct nooterra_object_build_options_t {
  uint32_t struct_size;
  uint32_t reserved; /* 0 */
  /* Signs the object (borrowed for the call). Required for ToolManifest, OperatorAction and
   * ArbitrationVerdict; optional for ToolCallEvidence and PolicyDecision; DisputeOpenEnvelope
   * takes it or a `signature` input. NULL = unsigned. */
  const nooterra_private_key_t* signer;
  /* NUL-terminated ISO 8601 time used for timestamps the protocol defaults to "now"; NULL or ""
   * makes those timestamps required inputs (the library never reads a clock). */
  const char* now;
} nooterra_object_build_options_t;

#define NOOTERRA_OBJECT_BUILD_OPTIONS_INIT \
  {(uint32_t)sizeof(nooterra_object_build_options_t), 0u, NULL, NULL}

/* Builds an object of `type` from `inputs_json` (a JSON object named like the object's members;
 * see include/nooterra/objects.h) and returns its canonical JSON and self-hash.
 *  [in]  type          NOOTERRA_OBJECT_*
 *  [in]  inputs_json   inputs_size bytes of UTF-8 JSON (at most 4 MiB)
 *  [in]  options       NULL for the defaults (unsigned, no "now")
 *  [out] out_json      receives the canonical JSON (caller disposes)
 *  [out] out_hash_hex  optional: the self-hash, 64 hex digits + NUL
 * Errors: INVALID_ARGUMENT with reason JSON_* (inputs not JSON), OBJECT_NOT_AN_OBJECT,
 * OBJECT_FIELD_* / OBJECT_CONSTRAINT (the message names the member), OBJECT_SIGNER_REQUIRED,
 * OBJECT_TOO_LARGE, OBJECT_TYPE_UNKNOWN, STRUCT_SIZE, NULL_ARGUMENT. On error `out_json` is
 * left empty. Deterministic: the same inputs give the same bytes. Thread-safe. */
NOOTERRA_API int32_t nooterra_object_build(int32_t type, const uint8_t* inputs_json,
                                           size_t inputs_size,
                                           const nooterra_object_build_options_t* options,
                                           nooterra_buffer_t* out_json, char out_hash_hex[65],
                                           nooterra_error_t** error);

/* Validates an existing object (type from its schemaVersion): every member valid and the whole
 * in normal form. Hashes and signatures are not checked (nooterra_object_verify does).
 *  [out] out_type      optional: NOOTERRA_OBJECT_*
 *  [out] out_hash_hex  optional: the self-hash recomputed from content
 * Errors: INVALID_ARGUMENT (JSON_*, OBJECT_TYPE_UNKNOWN, OBJECT_FIELD_*, OBJECT_NOT_NORMALIZED,
 * OBJECT_TOO_LARGE, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_object_validate(const uint8_t* json, size_t size, int32_t* out_type,
                                              char out_hash_hex[65], nooterra_error_t** error);

/* The self-hash of an object recomputed from its content with its type's exclusions (the type
 * comes from schemaVersion; members are not validated). Errors: INVALID_ARGUMENT (JSON_*,
 * OBJECT_TYPE_UNKNOWN, OBJECT_NOT_AN_OBJECT, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_object_hash(const uint8_t* json, size_t size, char out_hash_hex[65],
                                          nooterra_error_t** error);

/* Signs (or re-signs) an object with `key`: the object is validated, its self-hash recomputed
 * from content and its signature envelope written. Errors: as nooterra_object_validate, plus
 * OBJECT_NOT_SIGNABLE for types without a signature and OBJECT_CONSTRAINT when an envelope's
 * signerKeyId is not the key's. Thread-safe. */
NOOTERRA_API int32_t nooterra_object_sign(const uint8_t* json, size_t size,
                                          const nooterra_private_key_t* key,
                                          nooterra_buffer_t* out_json, char out_hash_hex[65],
                                          nooterra_error_t** error);

/* Verifies any object: type from schemaVersion, members, self-hash, embedded hashes
 * (evaluationHash, artifactHash) and each embedded signature whose key id matches one of
 * `keys` (borrowed for the call; at most 64).
 *  [out] out_report  the report as canonical JSON: {"ok","schemaVersion","hash","declaredHash",
 *                    "signatures":{"verified","unchecked"},"errors":[{code,message}],"warnings"}
 *  [out] out_ok      optional: 1 when the object verifies, else 0
 * An object that fails verification is NOT an error: NOOTERRA_OK and the findings in the report.
 * Errors (unusable input only): INVALID_ARGUMENT (JSON_*, OBJECT_TOO_LARGE,
 * OBJECT_TOO_MANY_KEYS, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_object_verify(const uint8_t* json, size_t size,
                                            const nooterra_public_key_t* const* keys,
                                            size_t key_count, nooterra_buffer_t* out_report,
                                            int32_t* out_ok, nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* Store (module store) and ledger (module ledger)                                             */

/* An LMDB store in a directory. Internally synchronized: one handle may be shared by threads
 * (writes are serialized inside, reads run concurrently). */
typedef struct nooterra_store_t nooterra_store_t;

typedef struct nooterra_store_options_t {
  uint32_t struct_size;
  int32_t durable;            /* 1 (default): every committed write survives a crash; 0: no fsync */
  uint64_t map_bytes_initial; /* default 64 MiB; the map doubles as needed */
  uint64_t map_bytes_max;     /* default 1 TiB; past it writes fail with RESOURCE_EXHAUSTED */
  uint32_t readers_max;       /* concurrent read transactions, default 126 */
  int32_t create;             /* 1 (default): create the directory and store when missing */
} nooterra_store_options_t;

#define NOOTERRA_STORE_OPTIONS_INIT \
  {(uint32_t)sizeof(nooterra_store_options_t), 1, (uint64_t)64 << 20, (uint64_t)1 << 40, 126u, 1}

/* Opens (or creates) the store in `dir` (NUL-terminated).
 *  [out] out  the store; close it with nooterra_store_close
 * Errors: INVALID_ARGUMENT (STORE_OPTIONS_INVALID, STRUCT_SIZE, NULL_ARGUMENT), NOT_FOUND
 * (STORE_NOT_FOUND with create=0), PERMISSION_DENIED (STORE_PERMISSION), FAILED_PRECONDITION
 * (STORE_SCHEMA_MISMATCH: written by another version; STORE_NOT_A_STORE), DATA_LOSS
 * (STORE_CORRUPT). */
NOOTERRA_API int32_t nooterra_store_open(const char* dir, const nooterra_store_options_t* options,
                                         nooterra_store_t** out, nooterra_error_t** error);
/* Closes the store. NULL, or a handle already closed, is a no-op. Safe while other threads are
 * inside calls on the same handle: teardown is deferred until the last of them returns. Any
 * call that starts after close fails with FAILED_PRECONDITION (STORE_CLOSED) instead of
 * touching freed memory; every store function below can return it. (Once teardown has run,
 * the allocator may hand the same address to a later nooterra_store_open, so a host should
 * still drop its copy of the pointer.) Thread-safe. */
NOOTERRA_API void nooterra_store_close(nooterra_store_t* store);

/* Ledger buckets. */
#define NOOTERRA_BUCKET_AVAILABLE 1
#define NOOTERRA_BUCKET_ESCROW 2
#define NOOTERRA_BUCKET_HOLDBACK 3
#define NOOTERRA_BUCKET_EXTERNAL 4 /* owner "external": where deposits come from */

/* Posts many ledger entries (a JSON array of entries shaped as for nooterra_ledger_post, at most
 * 100000) in ONE durable write transaction: each is checked as nooterra_ledger_post checks it,
 * against the balances the entries before it left; all or nothing. The first failing entry's
 * error carries its index ("(batch entry N)") in the message. Errors: those of
 * nooterra_ledger_post, INVALID_ARGUMENT (LEDGER_ENTRY_INVALID when the document is not an array
 * of entries), RESOURCE_EXHAUSTED (LEDGER_BATCH_TOO_LARGE). Thread-safe. */
NOOTERRA_API int32_t nooterra_ledger_post_batch(nooterra_store_t* store, const char* tenant,
                                                const uint8_t* entries_json, size_t entries_size,
                                                nooterra_error_t** error);

/* Posts one ledger entry in its own durable write transaction.
 *  [in] tenant      NUL-terminated tenant id (1..128 of [A-Za-z0-9:_.-])
 *  [in] entry_json  {"id","memo","postings":[{"owner","currency","bucket","amount"}]} where
 *                   bucket is "available" | "escrow" | "holdback" | "external" and amount is a
 *                   signed integer (minor units); the postings of each currency sum to zero
 * Errors (nothing is written): INVALID_ARGUMENT (LEDGER_ENTRY_INVALID, LEDGER_UNBALANCED,
 * JSON_*, STORE_TENANT_INVALID), ALREADY_EXISTS (LEDGER_ENTRY_EXISTS), FAILED_PRECONDITION
 * (LEDGER_INSUFFICIENT_FUNDS), OUT_OF_RANGE (LEDGER_OVERFLOW), RESOURCE_EXHAUSTED
 * (STORE_FULL, STORE_DISK_FULL). Thread-safe. */
NOOTERRA_API int32_t nooterra_ledger_post(nooterra_store_t* store, const char* tenant,
                                          const uint8_t* entry_json, size_t entry_size,
                                          nooterra_error_t** error);

/* The balance of (tenant, owner, currency, bucket) in minor units (0 if it never moved).
 * Errors: INVALID_ARGUMENT (LEDGER_ENTRY_INVALID for a bad owner/currency/bucket,
 * STORE_TENANT_INVALID, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_ledger_balance(nooterra_store_t* store, const char* tenant,
                                             const char* owner, const char* currency,
                                             int32_t bucket, int64_t* out_balance,
                                             nooterra_error_t** error);

/* Audits a tenant's ledger (entries balance, stored balances equal the journal, no forbidden
 * negative balance, each currency sums to zero).
 *  [out] out_report  a JSON array of violation strings ("[]" when sound)
 *  [out] out_ok      optional: 1 when there is no violation
 * Errors: INVALID_ARGUMENT (STORE_TENANT_INVALID, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_ledger_check(nooterra_store_t* store, const char* tenant,
                                           nooterra_buffer_t* out_report, int32_t* out_ok,
                                           nooterra_error_t** error);

/* The whole-store audit `nooterra store check` runs, for one tenant or (tenant NULL) every tenant
 * with ledger records or an operation log: each tenant's ledger audit (as nooterra_ledger_check),
 * escrow conservation (the ledger's escrow balances equal what open agreements and held holds
 * account for) and operation-log chain.
 *  [out] out_report  canonical JSON {"ok", "tenants":[{"tenant", "oplog": {"entries","headHash"}
 *                    | null, "violations":[...]}]} (a broken log is a violation and oplog null)
 *  [out] out_ok      optional: 1 when there is no violation anywhere
 * Violations are NOT errors. Errors: INVALID_ARGUMENT (STORE_TENANT_INVALID, NULL_ARGUMENT),
 * FAILED_PRECONDITION (STORE_CLOSED), DATA_LOSS (STORE_CORRUPT). Thread-safe (one read
 * transaction per tenant and audit). */
NOOTERRA_API int32_t nooterra_store_check(nooterra_store_t* store, const char* tenant, nooterra_buffer_t* out_report,
                                          int32_t* out_ok, nooterra_error_t** error);
/* The tenants with ledger records or an operation log, as a JSON array of strings in byte order
 * (the only read not scoped to one tenant). Errors: INVALID_ARGUMENT (NULL_ARGUMENT),
 * FAILED_PRECONDITION (STORE_CLOSED), DATA_LOSS (STORE_CORRUPT). Thread-safe. */
NOOTERRA_API int32_t nooterra_store_tenants(nooterra_store_t* store, nooterra_buffer_t* out_json,
                                            nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* The agreement kernel (module agreement): tool-call holdback, disputes, verdicts             */
/*
 * Each call is one durable write transaction on the store: the protocol artifacts, the ledger
 * postings and the idempotency record commit together or not at all. `now` is an ISO 8601
 * time with an offset (the library never reads a clock). Requests and results are JSON
 * (documented in include/nooterra/agreement.h). A retried call with the same idempotency key
 * and request returns the first result and sets *out_already_existed to 1.
 *
 * Errors (nothing changes): FAILED_PRECONDITION for a transition the state forbids
 * (HOLD_NOT_ACTIVE, DISPUTE_WINDOW_EXPIRED, DISPUTE_ALREADY_OPEN, TRANSITION_ILLEGAL,
 * TOOL_CALL_HOLD_EXISTS, LEDGER_INSUFFICIENT_FUNDS), NOT_FOUND (HOLD_NOT_FOUND, CASE_NOT_FOUND,
 * AGENT_NOT_FOUND), INVALID_ARGUMENT (SCHEMA_INVALID, DISPUTE_INVALID_SIGNER,
 * TOOL_CALL_DISPUTE_BINDING_MISMATCH, CASE_ID_NOT_DETERMINISTIC, TOOL_CALL_VERDICT_NOT_BINARY,
 * IDEMPOTENCY_KEY_INVALID, OBJECT_FIELD_*, JSON_*), ALREADY_EXISTS (IDEMPOTENCY_KEY_CONFLICT,
 * AGENT_KEY_CONFLICT), RESOURCE_EXHAUSTED (STORE_FULL, STORE_DISK_FULL).
 * All functions are thread-safe (the store serializes writers).
 */

/* Registers an agent's Ed25519 public key (PEM text). [out] out_result {"agentId","keyId",...}. */
NOOTERRA_API int32_t nooterra_agreement_register_agent(nooterra_store_t* store, const char* tenant,
                                                       const char* agent_id, const char* public_key_pem,
                                                       nooterra_buffer_t* out_result,
                                                       int32_t* out_already_existed,
                                                       nooterra_error_t** error);

/* Credits an agent's available balance from outside (amount_cents >= 1). */
NOOTERRA_API int32_t nooterra_agreement_deposit(nooterra_store_t* store, const char* tenant,
                                                const char* agent_id, const char* currency,
                                                int64_t amount_cents, const char* idempotency_key,
                                                nooterra_buffer_t* out_result,
                                                int32_t* out_already_existed,
                                                nooterra_error_t** error);

/* Operations of the holdback machine. `operation` selects the call:
 *   NOOTERRA_AGREEMENT_LOCK_HOLD       request = the hold request; subject unused
 *   NOOTERRA_AGREEMENT_OPEN_DISPUTE    request = the open request; subject unused
 *   NOOTERRA_AGREEMENT_SUBMIT_VERDICT  request = the signed verdict; subject = the case id
 *   and the agreement's own life (create -> fund -> evidence -> settle | void), below.
 * Unknown operations are INVALID_ARGUMENT (AGREEMENT_OPERATION_UNKNOWN); a missing subject is
 * NULL_ARGUMENT. */
#define NOOTERRA_AGREEMENT_LOCK_HOLD 1
#define NOOTERRA_AGREEMENT_OPEN_DISPUTE 2
#define NOOTERRA_AGREEMENT_SUBMIT_VERDICT 3
#define NOOTERRA_AGREEMENT_CREATE 4          /* request = {"agreement", "holdbackBps", ...} */
#define NOOTERRA_AGREEMENT_FUND 5            /* subject = agreementHash; request = NULL/empty or the risk
                                                inputs {"riskScore"?,"riskSignals"?} (Kernel::Fund) */
#define NOOTERRA_AGREEMENT_SUBMIT_EVIDENCE 6 /* request = the payee-signed ToolCallEvidence.v1 */
#define NOOTERRA_AGREEMENT_SETTLE 7          /* request = the settle request */
#define NOOTERRA_AGREEMENT_VOID 8            /* subject = agreementHash; request unused */
/* subject = the agent id; request = {"maxPerTransactionCents"?, "requireApprovalAboveCents"?,
 * "maxDailyCents"?}. Enforced when the agent's money is locked (FUND, LOCK_HOLD): a blocked lock
 * is FAILED_PRECONDITION WALLET_POLICY_MAX_PER_TX | WALLET_POLICY_APPROVAL_REQUIRED |
 * WALLET_POLICY_MAX_DAILY (see include/nooterra/agreement.h). */
#define NOOTERRA_AGREEMENT_SET_WALLET_POLICY 10
/* subject = the escalation id ("esc_fund_<agreementHash>"); request = an OperatorAction.v1
 * (caseRef {kind:"escalation", caseId}, action APPROVE | REJECT) signed by an approver the payer's
 * wallet policy names (approverAgentIds). See Kernel::ResolveEscalation. */
#define NOOTERRA_AGREEMENT_RESOLVE_ESCALATION 11
NOOTERRA_API int32_t nooterra_agreement_apply(nooterra_store_t* store, const char* tenant,
                                              int32_t operation, const char* subject,
                                              const uint8_t* request_json, size_t request_size,
                                              const char* now, const char* idempotency_key,
                                              nooterra_buffer_t* out_result,
                                              int32_t* out_already_existed,
                                              nooterra_error_t** error);

/* request = {"agentId","currency","amountCents"}: nooterra_agreement_deposit in the JSON form
 * batches use; also accepted by nooterra_agreement_apply. */
#define NOOTERRA_AGREEMENT_DEPOSIT 9

/* Marketplace runs (kernel-v0 case B; see include/nooterra/agreement.h, "Marketplace runs"):
 *   NOOTERRA_AGREEMENT_CREATE_RFQ        request = the RFQ; subject unused
 *   NOOTERRA_AGREEMENT_SUBMIT_BID        request = the bid; subject = the rfq id
 *   NOOTERRA_AGREEMENT_ACCEPT_BID        request = {"bidId",...}; subject = the rfq id
 *   NOOTERRA_AGREEMENT_APPEND_RUN_EVENT  request = {"expectedPrevChainHash","type","payload"};
 *                                        subject = the run id; a terminal event settles the run
 * Their errors beyond the common ones: NOT_FOUND (MARKET_RFQ_NOT_FOUND, MARKET_BID_NOT_FOUND,
 * RUN_NOT_FOUND, AGENT_NOT_FOUND), ALREADY_EXISTS (MARKET_RFQ_EXISTS, MARKET_BID_EXISTS),
 * FAILED_PRECONDITION (TRANSITION_ILLEGAL, MARKET_BID_OVER_BUDGET, MARKET_PAYER_MISMATCH,
 * RUN_EVENT_PREV_CHAIN_HASH_MISMATCH, LEDGER_INSUFFICIENT_FUNDS), RESOURCE_EXHAUSTED
 * (RUN_TOO_MANY_EVENTS). */
#define NOOTERRA_AGREEMENT_CREATE_RFQ 12
#define NOOTERRA_AGREEMENT_SUBMIT_BID 13
#define NOOTERRA_AGREEMENT_ACCEPT_BID 14
#define NOOTERRA_AGREEMENT_APPEND_RUN_EVENT 15
/* request = {"releaseRatePct" 0..100,"decisionReason"?}; subject = the run id: an operator decides a
 * settlement left in manual review (TRANSITION_ILLEGAL otherwise; RUN_SETTLEMENT_NOT_FOUND). */
#define NOOTERRA_AGREEMENT_RESOLVE_RUN_SETTLEMENT 16
/* request = {"status" "active"|"suspended"|"revoked","reason"?}; subject = the agent id: the agent's
 * lifecycle status from `now` (revoked is final; TRANSITION_ILLEGAL, AGENT_NOT_FOUND,
 * AGENT_STATUS_TIME_REGRESSION, RESOURCE_EXHAUSTED AGENT_STATUS_CHANGES_EXHAUSTED). A suspended or
 * revoked participant makes locks, opens and verdicts FAILED_PRECONDITION AGENT_SUSPENDED /
 * AGENT_REVOKED, and a signature made while its agent was not active DISPUTE_INVALID_SIGNER. */
#define NOOTERRA_AGREEMENT_SET_AGENT_STATUS 17

/* One operation of a batch. Initialize with NOOTERRA_BATCH_OP_INIT. Pointers are borrowed for
 * the call. `subject` and `request_json` as for nooterra_agreement_apply (NULL subject when
 * unused; request_json may be NULL when request_size is 0). */
typedef struct nooterra_batch_op_t {
  uint32_t struct_size;
  int32_t operation; /* NOOTERRA_AGREEMENT_* (1..11) */
  const char* subject;
  const uint8_t* request_json;
  size_t request_size;
  const char* now;
  const char* idempotency_key;
} nooterra_batch_op_t;

#define NOOTERRA_BATCH_OP_INIT \
  {(uint32_t)sizeof(nooterra_batch_op_t), 0, NULL, NULL, 0u, NULL, NULL}

/* Group commit: runs `ops` in order in ONE durable write transaction (one fsync for the batch).
 * Each operation runs under its own savepoint and sees every earlier successful operation of
 * the batch; a failed operation discards only its own writes and reports its error in its
 * result; later operations still run. Idempotency keys behave as in single calls.
 *  [in]  ops, op_count  1..8192 operations (request bytes at most 64 MiB in all)
 *  [out] out_results    a JSON array with one element per operation, in order:
 *                       {"ok":true,"alreadyExisted":false,"result":{...}} or
 *                       {"ok":false,"code":"FAILED_PRECONDITION","codeNumber":9,
 *                        "reason":"TRANSITION_ILLEGAL","message":"..."}
 *  [out] out_failed     optional: how many operations failed
 * A failed operation is NOT an error of the call. The call fails, and nothing commits, only for
 * the batch as a whole: INVALID_ARGUMENT (NULL_ARGUMENT, STRUCT_SIZE for an op, BATCH_EMPTY,
 * STORE_TENANT_INVALID), RESOURCE_EXHAUSTED (BATCH_TOO_LARGE, STORE_FULL, STORE_DISK_FULL),
 * FAILED_PRECONDITION (STORE_CLOSED), DATA_LOSS / INTERNAL for a store failure. Thread-safe. */
NOOTERRA_API int32_t nooterra_agreement_apply_batch(nooterra_store_t* store, const char* tenant,
                                                    const nooterra_batch_op_t* ops, size_t op_count,
                                                    nooterra_buffer_t* out_results, uint32_t* out_failed,
                                                    nooterra_error_t** error);

/* The audit trail. Every operation that changed state appended one entry to the tenant's
 * hash-chained operation log (see include/nooterra/agreement.h, "Audit trail").
 *
 * nooterra_store_state_hash: SHA-256 of every record of the tenant (64 hex digits + NUL); two
 *   stores with the same hash hold the same bytes. Errors: INVALID_ARGUMENT
 *   (STORE_TENANT_INVALID, NULL_ARGUMENT), FAILED_PRECONDITION (STORE_CLOSED).
 * nooterra_agreement_verify_log: walks the log; out_report {"entries","headHash"}. A broken chain
 *   is DATA_LOSS (OPLOG_BROKEN, the message names the entry); INVALID_ARGUMENT
 *   (STORE_TENANT_INVALID, NULL_ARGUMENT), FAILED_PRECONDITION (STORE_CLOSED).
 * nooterra_agreement_replay: re-runs `source`'s log of `tenant` on `target` (where the tenant must
 *   not exist yet), checking each result; out_report {"entries","stateHash"}. Errors:
 *   FAILED_PRECONDITION (REPLAY_TARGET_NOT_EMPTY, STORE_CLOSED), DATA_LOSS (OPLOG_BROKEN,
 *   REPLAY_DIVERGED naming the entry). Thread-safe. */
NOOTERRA_API int32_t nooterra_store_state_hash(nooterra_store_t* store, const char* tenant, char out_hex[65],
                                               nooterra_error_t** error);
NOOTERRA_API int32_t nooterra_agreement_verify_log(nooterra_store_t* store, const char* tenant,
                                                   nooterra_buffer_t* out_report, nooterra_error_t** error);
NOOTERRA_API int32_t nooterra_agreement_replay(nooterra_store_t* source, nooterra_store_t* target,
                                               const char* tenant, nooterra_buffer_t* out_report,
                                               nooterra_error_t** error);

/* Releases every held hold whose challenge window has strictly passed and that no open case
 * references, at most `limit` (1..10000) per call; `dry_run` 1 reports without writing.
 *  [out] out_result  {"ok":true,"tenantId","dryRun","attempted","released","blocked","errors",
 *                    "blockedCases":[{"holdHash","caseId"}]} (canonical JSON)
 * Not idempotency-keyed: re-running it is harmless (only held holds move). Errors:
 * INVALID_ARGUMENT (SCHEMA_INVALID for `now` or `limit`, STORE_TENANT_INVALID, NULL_ARGUMENT),
 * FAILED_PRECONDITION (STORE_CLOSED), RESOURCE_EXHAUSTED (STORE_FULL, STORE_DISK_FULL),
 * DATA_LOSS (STORE_CORRUPT). Thread-safe (writes are serialized inside the library). */
NOOTERRA_API int32_t nooterra_agreement_maintenance(nooterra_store_t* store, const char* tenant,
                                                    const char* now, int32_t dry_run, uint32_t limit,
                                                    nooterra_buffer_t* out_result,
                                                    nooterra_error_t** error);

/* Replay evaluation of one tool call (kernel-v0 step 9): re-derives from the stored hold, case,
 * adjustment and verdict artifact what each must show at the dispute's stage and compares.
 *  [in]  agreement_hash  64 lowercase hex digits
 *  [out] out_report      {"agreementHash","holdHash","caseId","adjustmentId","replay":{"stage",
 *                        "expected","actual"},"comparisons":{...,"chainConsistent"},"issues":[...]}
 *                        (canonical JSON; members documented in include/nooterra/agreement.h)
 * An inconsistent record set is a report with chainConsistent false, not an error. Read-only.
 * Errors: INVALID_ARGUMENT (SCHEMA_INVALID for the hash, STORE_TENANT_INVALID, NULL_ARGUMENT),
 * NOT_FOUND (TOOL_CALL_HOLD_NOT_FOUND), FAILED_PRECONDITION (STORE_CLOSED), DATA_LOSS
 * (STORE_CORRUPT). Thread-safe. */
NOOTERRA_API int32_t nooterra_agreement_replay_evaluate(nooterra_store_t* store, const char* tenant,
                                                        const char* agreement_hash,
                                                        nooterra_buffer_t* out_report,
                                                        nooterra_error_t** error);

/* Replay evaluation of a run's settlement (kernel-v0 case B step 8; 05 §2.1): the verifier and the
 * pinned policy re-run on the stored run, compared with the stored decision.
 *  [out] out_report {"runId","settlementId","replay","stored","comparisons":{"matchesStoredDecision",
 *                   "policyDecisionMatchesStored","decisionRecordReplayCriticalMatchesStored",
 *                   "verifierRefMatchesStored","kernelBindingsValid"},"kernelBindingErrors"}
 * A mismatch is a report value, not an error. Errors: INVALID_ARGUMENT (STORE_TENANT_INVALID,
 * NULL_ARGUMENT), NOT_FOUND (RUN_NOT_FOUND, RUN_SETTLEMENT_NOT_FOUND), FAILED_PRECONDITION
 * (STORE_CLOSED), DATA_LOSS (STORE_CORRUPT). Thread-safe. */
NOOTERRA_API int32_t nooterra_agreement_replay_evaluate_run(nooterra_store_t* store, const char* tenant,
                                                            const char* run_id, nooterra_buffer_t* out_report,
                                                            nooterra_error_t** error);

/* Reputation facts of one agent (kernel-v0 steps 10-11): the ReputationEvent.v1 artifacts the
 * kernel appended about it (dispute_opened, verdict_issued, adjustment_applied,
 * penalty_dispute_lost, holdback_auto_released; see include/nooterra/agreement.h) aggregated.
 *  [in]  request_json  {"agentId","asOf" (ISO time with offset),"toolId"?,"window"?
 *                      "7d"|"30d"|"allTime","includeEvents"? bool}
 *  [out] out_facts     {"tenantId","agentId","toolId","window","asOf","windowStartAt",
 *                      "facts":{"totals":{...}},"events"?} (canonical JSON)
 * Read-only; the same store and request give the same bytes. Errors: INVALID_ARGUMENT
 * (SCHEMA_INVALID naming the member, JSON_*, STORE_TENANT_INVALID, NULL_ARGUMENT),
 * RESOURCE_EXHAUSTED (REPUTATION_TOO_MANY_EVENTS, over 100000 events), FAILED_PRECONDITION
 * (STORE_CLOSED), DATA_LOSS (STORE_CORRUPT). Thread-safe. */
NOOTERRA_API int32_t nooterra_agreement_reputation_facts(nooterra_store_t* store, const char* tenant,
                                                         const uint8_t* request_json, size_t request_size,
                                                         nooterra_buffer_t* out_facts,
                                                         nooterra_error_t** error);

/* Queries. `kind`: NOOTERRA_AGREEMENT_RECORD_HOLD (key = holdHash), _CASE (key = caseId),
 * _ARTIFACT (key = artifactId), _WALLET (key = "agentId/currency"). A missing record is
 * NOT_FOUND (RECORD_NOT_FOUND). */
#define NOOTERRA_AGREEMENT_RECORD_HOLD 1
#define NOOTERRA_AGREEMENT_RECORD_CASE 2
#define NOOTERRA_AGREEMENT_RECORD_ARTIFACT 3
#define NOOTERRA_AGREEMENT_RECORD_WALLET 4
#define NOOTERRA_AGREEMENT_RECORD_AGREEMENT 5 /* key = agreementHash: the kernel's record */
#define NOOTERRA_AGREEMENT_RECORD_TOOL_CALL_AGREEMENT 6 /* key = agreementHash */
#define NOOTERRA_AGREEMENT_RECORD_EVIDENCE 7            /* key = agreementHash */
#define NOOTERRA_AGREEMENT_RECORD_DECISION 8            /* key = decisionId */
#define NOOTERRA_AGREEMENT_RECORD_RECEIPT 9             /* key = receiptId */
#define NOOTERRA_AGREEMENT_RECORD_ESCALATION 10         /* key = escalationId */
#define NOOTERRA_AGREEMENT_RECORD_RUN 11                /* key = runId: {"run","events"} */
#define NOOTERRA_AGREEMENT_RECORD_RUN_SETTLEMENT 12     /* key = runId: AgentRunSettlement.v1 */
#define NOOTERRA_AGREEMENT_RECORD_ADJUSTMENT 13 /* key = adjustmentId: SettlementAdjustment.v1 */
#define NOOTERRA_AGREEMENT_RECORD_RUN_AGREEMENT 14 /* key = runId: the run's agreement record */
#define NOOTERRA_AGREEMENT_RECORD_OFFER 15         /* key = runId: MarketplaceOffer.v2 */
#define NOOTERRA_AGREEMENT_RECORD_ACCEPTANCE 16    /* key = runId: MarketplaceAcceptance.v2 */
#define NOOTERRA_AGREEMENT_RECORD_AGENT_STATUS 17  /* key = agentId: {"agentId","status","history"} */
NOOTERRA_API int32_t nooterra_agreement_get(nooterra_store_t* store, const char* tenant,
                                            int32_t kind, const char* key,
                                            nooterra_buffer_t* out_json, nooterra_error_t** error);

/* ------------------------------------------------------------------------------------------ */
/* Policy evaluation (module policy)                                                          */

/* The reference's settlement policy (evaluateSettlementPolicy), byte for byte.
 *  [in]  policy_json        SettlementPolicy.v1 (or its inputs); NULL/"" or not an object = defaults
 *  [in]  method_json        VerificationMethod.v1 (or its inputs); NULL/"" = defaults
 *  [in]  verification_status  "green" | "amber" | "red"
 *  [in]  run_status           "completed" | "failed"
 *  [out] out_evaluation     {"policy","policyHash","verificationMethod","verificationMethodHash",
 *                           "verificationStatus","runStatus","decisionMode","shouldAutoResolve",
 *                           "releaseRatePct","releaseAmountCents","refundAmountCents",
 *                           "settlementStatus","reasonCodes"} (canonical JSON)
 * A manual-review decision is NOT an error: it is the evaluation's decisionMode.
 * Errors: INVALID_ARGUMENT (POLICY_INVALID with the JSON path, POLICY_INPUT_INVALID, JSON_*,
 * NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_policy_evaluate_settlement(const uint8_t* policy_json, size_t policy_size,
                                                         const uint8_t* method_json, size_t method_size,
                                                         const char* verification_status,
                                                         const char* run_status, int64_t amount_cents,
                                                         nooterra_buffer_t* out_evaluation,
                                                         nooterra_error_t** error);

/* Policy kinds of nooterra_policy_normalize. */
#define NOOTERRA_POLICY_SETTLEMENT 1 /* SettlementPolicy.v1 (or its inputs); hash = policyHash */
#define NOOTERRA_POLICY_WALLET 2     /* agent wallet policy; hash = sha256 of the normal form */
#define NOOTERRA_POLICY_SPEND 3      /* SpendPolicy.v1 (include/nooterra/spend_policy.h); hash = sha256 of the normal form */
#define NOOTERRA_POLICY_GOVERNANCE_TEMPLATE 4 /* GovernancePolicyTemplate.v1; hash = templateHash (one in the input must match; POLICY_TEMPLATE_INVALID) */
#define NOOTERRA_POLICY_APPROVAL_STANDING 5   /* ApprovalStandingPolicy.v1 built from its members (createdAt required); hash = policyHash (one in the input must validate; APPROVAL_STANDING_POLICY_INVALID) */

/* Validates and normalizes a policy.
 *  [out] out_json      the normal form (canonical JSON)
 *  [out] out_hash_hex  optional: its hash (64 hex digits + NUL)
 * Errors: INVALID_ARGUMENT (POLICY_INVALID with the JSON path in the message,
 * POLICY_TEMPLATE_INVALID, APPROVAL_STANDING_POLICY_INVALID, JSON_*, POLICY_KIND_UNKNOWN,
 * NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_policy_normalize(int32_t kind, const uint8_t* policy_json, size_t policy_size,
                                               nooterra_buffer_t* out_json, char out_hash_hex[65],
                                               nooterra_error_t** error);

/* Governance policy templates (GovernancePolicyTemplate.v1, the reference's
 * evaluateGovernancePolicyTemplate byte for byte; checks, precedence and the documented
 * divergences in include/nooterra/governance_template.h).
 *  [in]  template_json  the template (a templateHash in it must match)
 *  [in]  request_json   {"amountUsdCents","monthlySpendUsdCents"?,"dataClass","riskLevel",
 *                       "approvalsProvided"?,"externalTransfer"?}
 *  [out] out_decision   GovernancePolicyDecision.v1 (canonical JSON): {"blockingIssues","checks",
 *                       "decision","matchedApprovalTierId","request","requiredApprovers",
 *                       "schemaVersion","templateRef"}
 *  [out] out_outcome    optional: NOOTERRA_SPEND_ALLOW, _CHALLENGE or _DENY
 * A deny or challenge is NOT an error, and neither is an invalid template or request: that is a
 * deny decision carrying POLICY_TEMPLATE_INVALID / POLICY_REQUEST_INVALID and a message naming
 * the member, as in the reference.
 * Errors: INVALID_ARGUMENT (JSON_* for text that is not JSON, NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_policy_governance_evaluate(const uint8_t* template_json, size_t template_size,
                                                         const uint8_t* request_json, size_t request_size,
                                                         nooterra_buffer_t* out_decision, int32_t* out_outcome,
                                                         nooterra_error_t** error);
/* Approval standing policies (ApprovalStandingPolicy.v1, 05-policy-evaluation.md §7; checks,
 * precedence and the documented divergences in include/nooterra/standing_policy.h). Build one with
 * nooterra_policy_normalize(NOOTERRA_POLICY_APPROVAL_STANDING, ...).
 *  [in]  policies_json  an array of stored policies (at most 1024), or one policy; each must
 *                       validate (its policyHash over the policy as given)
 *  [in]  envelope_json  the authority envelope: {"principalRef":{"principalType","principalId"},
 *                       "actor":{"agentId"}, "capabilitiesRequested", "dataClassesRequested",
 *                       "sideEffectsRequested", "spendEnvelope":{"maxTotalCents"|"maxPerCallCents"},
 *                       "riskClass", "reversibilityClass"} (members optional)
 *  [out] out_result     canonical JSON {"effect":"approve"|"deny"|"none","policyId","policyHash",
 *                       "specificity","evaluations":[{"matched","policyHash","policyId",
 *                       "reasonCode","specificity"}, ... in input order]}
 *  [out] out_effect     optional: NOOTERRA_STANDING_NONE, _APPROVE or _DENY
 * No matching policy is NOT an error: it is effect "none".
 * Errors: INVALID_ARGUMENT (APPROVAL_STANDING_POLICY_INVALID with "policies[i]: " and the
 * reference's message; STANDING_ENVELOPE_INVALID when the envelope is not an object or a requested
 * list is not iterable; JSON_*; NULL_ARGUMENT). Thread-safe. */
#define NOOTERRA_STANDING_NONE 0
#define NOOTERRA_STANDING_APPROVE 1
#define NOOTERRA_STANDING_DENY 2
NOOTERRA_API int32_t nooterra_policy_standing_evaluate(const uint8_t* policies_json, size_t policies_size,
                                                       const uint8_t* envelope_json, size_t envelope_size,
                                                       nooterra_buffer_t* out_result, int32_t* out_effect,
                                                       nooterra_error_t** error);

/* The three starter templates in normal form:
 * {"schemaVersion":"GovernancePolicyTemplateCatalog.v1","templates":[indie, smb, enterprise]}.
 * Errors: INVALID_ARGUMENT (NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_policy_governance_catalog(nooterra_buffer_t* out_catalog, nooterra_error_t** error);

/* The unified spend policy (SpendPolicy.v1; rule table, precedence and window semantics in
 * include/nooterra/spend_policy.h). A compiled policy is immutable: one handle may be evaluated
 * from any number of threads at once. */
typedef struct nooterra_spend_policy_t nooterra_spend_policy_t;

/* Outcomes of nooterra_spend_policy_evaluate, in increasing severity. */
#define NOOTERRA_SPEND_ALLOW 0
#define NOOTERRA_SPEND_CHALLENGE 1
#define NOOTERRA_SPEND_ESCALATE 2
#define NOOTERRA_SPEND_DENY 3

/* Validates and compiles a SpendPolicy.v1 document.
 *  [out] out_policy    the handle; free with nooterra_spend_policy_free
 *  [out] out_hash_hex  optional: the policy hash (64 hex digits + NUL)
 * Errors: INVALID_ARGUMENT (POLICY_INVALID with the JSON path in the message, JSON_*,
 * NULL_ARGUMENT). Thread-safe. */
NOOTERRA_API int32_t nooterra_spend_policy_compile(const uint8_t* policy_json, size_t policy_size,
                                                   nooterra_spend_policy_t** out_policy, char out_hash_hex[65],
                                                   nooterra_error_t** error);
/* Frees a compiled policy. NULL is a no-op. */
NOOTERRA_API void nooterra_spend_policy_free(nooterra_spend_policy_t* policy);

/* Evaluates one spend request against the payer's past spends. Pure: no clock, no store.
 *  [in]  request_json  {"amountCents","currency","payerAgentId","counterpartyAgentId","toolId"?,
 *                      "providerId"?,"agreementHash"?,"delegationDepth"?,"delegatedBudgetCents"?,
 *                      "riskScore"?,"riskSignals"?}
 *  [in]  spends_json   optional (NULL/empty = none): [{"at","amountCents","payerAgentId","currency",
 *                      "counterpartyAgentId","agreementHash"?}, ...], the ledger view the rolling
 *                      windows are summed from
 *  [in]  now           date-time with Z or an offset: the end of every rolling window
 *  [out] out_decision  {"amountCents","outcome","policyHash","reasons","windows"} (canonical JSON)
 *  [out] out_outcome   optional: NOOTERRA_SPEND_*
 * A deny, escalate or challenge is NOT an error: it is the decision's outcome.
 * Errors: INVALID_ARGUMENT (SPEND_REQUEST_INVALID / SPEND_HISTORY_INVALID naming the member,
 * SPEND_TIME_INVALID, JSON_*, NULL_ARGUMENT), OUT_OF_RANGE (SPEND_OVERFLOW). Thread-safe. */
NOOTERRA_API int32_t nooterra_spend_policy_evaluate(const nooterra_spend_policy_t* policy,
                                                    const uint8_t* request_json, size_t request_size,
                                                    const uint8_t* spends_json, size_t spends_size,
                                                    const char* now, nooterra_buffer_t* out_decision,
                                                    int32_t* out_outcome, nooterra_error_t** error);

/* "What if" for a spend policy: evaluates every lock recorded in `payer`'s spend log under the
 * candidate SpendPolicy.v1, each against the locks before it (Kernel::SimulateSpendPolicy in
 * include/nooterra/agreement.h). Reads only.
 *  [out] out_report  {"blocked","candidatePolicyHash","locks":[...],"payerAgentId","total"}
 * Errors: INVALID_ARGUMENT (POLICY_INVALID, JSON_*, STORE_TENANT_INVALID, NULL_ARGUMENT),
 * FAILED_PRECONDITION (STORE_CLOSED), DATA_LOSS (STORE_CORRUPT). Thread-safe. */
NOOTERRA_API int32_t nooterra_spend_policy_simulate(nooterra_store_t* store, const char* tenant, const char* payer,
                                                    const uint8_t* policy_json, size_t policy_size,
                                                    nooterra_buffer_t* out_report, nooterra_error_t** error);

/* "What if": re-evaluates every decision the pinned policies made in `tenant` (the stored
 * PolicyDecision.v1 artifacts) under a candidate SettlementPolicy.v1 and reports, per decision,
 * whether the outcome would change and which reasons are added or removed (see
 * Kernel::SimulateSettlementPolicy in include/nooterra/agreement.h). Reads only.
 *  [out] out_report  {"candidatePolicyHash","total","changed","decisions":[...]}
 * Errors: INVALID_ARGUMENT (POLICY_INVALID, JSON_*, STORE_TENANT_INVALID, NULL_ARGUMENT),
 * FAILED_PRECONDITION (STORE_CLOSED), DATA_LOSS (STORE_CORRUPT). Thread-safe. */
NOOTERRA_API int32_t nooterra_policy_simulate(nooterra_store_t* store, const char* tenant, const uint8_t* policy_json,
                                              size_t policy_size, nooterra_buffer_t* out_report,
                                              nooterra_error_t** error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NOOTERRA_C_H_ */
