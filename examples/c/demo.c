/* The Nooterra demo, over the stable C ABI: a key pair, a sample tool-call agreement
 * canonicalized and hashed, the hash signed, the signature verified, and a tampered copy
 * rejected. Each step prints what it did. Exit status 0 only if every step behaved.
 *
 * It grows with the library: later steps (escrow hold, evidence, settlement, receipt, offline
 * verification) are added as those modules land. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nooterra/c.h"

/* Deliberately unsorted keys, a float written as 1.0 and escaped text: canonicalization must
 * normalize all of it. */
static const char kAgreement[] =
    "{\n"
    "  \"schemaVersion\": \"ToolCallAgreement.v1\",\n"
    "  \"toolId\": \"tool_weather_lookup\",\n"
    "  \"callId\": \"call_demo_0001\",\n"
    "  \"amountCents\": \"1500\",\n"
    "  \"currency\": \"USD\",\n"
    "  \"payerAgentId\": \"agt_buyer\",\n"
    "  \"payeeAgentId\": \"agt_tool_provider\",\n"
    "  \"input\": {\"city\": \"Z\\u00fcrich\", \"units\": \"metric\"},\n"
    "  \"holdbackBps\": 1000.0,\n"
    "  \"challengeWindowMs\": 86400000,\n"
    "  \"createdAt\": \"2026-11-22T00:00:00.000Z\"\n"
    "}\n";

static int fail(const char* step, int32_t rc, nooterra_error_t* err) {
  fprintf(stderr, "demo: %s failed: %s (%s): %s\n", step, nooterra_code_name(rc),
          nooterra_error_reason(err), nooterra_error_message(err));
  nooterra_error_free(err);
  return 1;
}

int main(void) {
  nooterra_error_t* err = NULL;
  nooterra_private_key_t* priv = NULL;
  nooterra_public_key_t* pub = NULL;
  nooterra_buffer_t pem = NOOTERRA_BUFFER_INIT;
  nooterra_buffer_t canonical = NOOTERRA_BUFFER_INIT;
  nooterra_buffer_t sig_b64 = NOOTERRA_BUFFER_INIT;
  char key_id[NOOTERRA_KEY_ID_SIZE], hash_hex[65], tampered_hex[65];
  uint8_t digest[32], tampered_digest[32], signature[64];
  int32_t valid = 0, rc;
  char* tampered;
  char* at;

  printf("nooterra %s demo\n\n", nooterra_version_string());

  printf("1. Generate an Ed25519 key pair\n");
  if ((rc = nooterra_private_key_generate(&priv, &err)) != 0) return fail("keygen", rc, err);
  if ((rc = nooterra_private_key_public_key(priv, &pub, &err)) != 0) return fail("pubkey", rc, err);
  if ((rc = nooterra_public_key_to_pem(pub, &pem, &err)) != 0) return fail("pem", rc, err);
  if ((rc = nooterra_public_key_id(pub, key_id, &err)) != 0) return fail("keyid", rc, err);
  printf("%s   keyId %s\n\n", (const char*)pem.data, key_id);

  printf("2. Canonicalize a sample tool-call agreement\n%s\n", kAgreement);
  rc = nooterra_json_canonicalize((const uint8_t*)kAgreement, strlen(kAgreement), NULL,
                                  &canonical, &err);
  if (rc != 0) return fail("canonicalize", rc, err);
  printf("   canonical: %s\n\n", (const char*)canonical.data);

  printf("3. Hash it (SHA-256 of the canonical UTF-8 bytes)\n");
  if ((rc = nooterra_sha256(canonical.data, canonical.size, digest, &err)) != 0) {
    return fail("sha256", rc, err);
  }
  rc = nooterra_json_canonical_hash((const uint8_t*)kAgreement, strlen(kAgreement), NULL,
                                    hash_hex, &err);
  if (rc != 0) return fail("hash", rc, err);
  printf("   agreementHash %s\n\n", hash_hex);

  printf("4. Sign the 32 digest bytes\n");
  if ((rc = nooterra_private_key_sign(priv, digest, 32, signature, &err)) != 0) {
    return fail("sign", rc, err);
  }
  if ((rc = nooterra_base64_encode(signature, 64, &sig_b64, &err)) != 0) return fail("b64", rc, err);
  printf("   signature %s\n\n", (const char*)sig_b64.data);

  printf("5. Verify the signature with the public key\n");
  rc = nooterra_public_key_verify(pub, digest, 32, signature, 64, &valid, &err);
  if (rc != 0) return fail("verify", rc, err);
  printf("   %s\n\n", valid ? "valid" : "INVALID");
  if (!valid) return 1;

  printf("6. Tamper with the amount and verify again\n");
  tampered = malloc(sizeof(kAgreement));
  if (tampered == NULL) return 1;
  memcpy(tampered, kAgreement, sizeof(kAgreement));
  at = strstr(tampered, "1500");
  at[0] = '9';
  rc = nooterra_json_canonical_hash((const uint8_t*)tampered, strlen(tampered), NULL,
                                    tampered_hex, &err);
  free(tampered);
  if (rc != 0) return fail("hash", rc, err);
  printf("   tampered hash %s\n", tampered_hex);
  {
    /* hex → bytes of the tampered digest */
    int i;
    for (i = 0; i < 32; ++i) {
      unsigned v;
      sscanf(tampered_hex + 2 * i, "%2x", &v);
      tampered_digest[i] = (uint8_t)v;
    }
  }
  rc = nooterra_public_key_verify(pub, tampered_digest, 32, signature, 64, &valid, &err);
  if (rc != 0) return fail("verify", rc, err);
  printf("   %s (expected: invalid)\n\n", valid ? "valid" : "invalid");
  if (valid) return 1;

  printf("demo complete: every step behaved as the protocol requires.\n");
  nooterra_buffer_dispose(&pem);
  nooterra_buffer_dispose(&canonical);
  nooterra_buffer_dispose(&sig_b64);
  nooterra_public_key_free(pub);
  nooterra_private_key_free(priv);
  return 0;
}
