/* The Nooterra demo, over the stable C ABI: one paid tool call as protocol objects.
 *
 *   key -> ToolCallAgreement -> ToolCallEvidence (signed by the tool provider) ->
 *   SettlementDecisionRecord.v2 -> SettlementReceipt (bound to the decision) -> FundingHold
 *   (the holdback of that receipt) -> offline verification of every artifact -> a tampered
 *   receipt rejected.
 *
 * Each step prints the object's hash. Exit status 0 only if every step behaved. Keys come from
 * fixed seeds and every timestamp is given, so the output is the same on every machine.
 *
 * It grows with the library: the escrow ledger on a temporary LMDB store and the policy engine
 * join these steps when those modules land (issues 5 and 6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nooterra/c.h"

static int fail(const char* step, int32_t rc, nooterra_error_t* err) {
  fprintf(stderr, "demo: %s failed: %s (%s): %s\n", step, nooterra_code_name(rc),
          nooterra_error_reason(err), nooterra_error_message(err));
  nooterra_error_free(err);
  return 1;
}

/* Builds one object, prints its hash, and keeps the hash for the next step's inputs. */
static int build(const char* step, int32_t type, const char* inputs,
                 const nooterra_private_key_t* signer, char hash[65], nooterra_buffer_t* out) {
  nooterra_error_t* err = NULL;
  nooterra_object_build_options_t options = NOOTERRA_OBJECT_BUILD_OPTIONS_INIT;
  int32_t rc;
  options.signer = signer;
  rc = nooterra_object_build(type, (const uint8_t*)inputs, strlen(inputs), &options, out, hash, &err);
  if (rc != 0) return fail(step, rc, err);
  printf("%s\n   %s %s\n   %.*s%s\n\n", step, nooterra_object_schema_version(type), hash,
         (int)(out->size > 160 ? 160 : out->size), (const char*)out->data,
         out->size > 160 ? "..." : "");
  return 0;
}

static int key_from_seed(unsigned char fill, nooterra_private_key_t** priv,
                         nooterra_public_key_t** pub, char key_id[NOOTERRA_KEY_ID_SIZE]) {
  nooterra_error_t* err = NULL;
  uint8_t seed[32];
  int32_t rc;
  memset(seed, fill, sizeof seed);
  if ((rc = nooterra_private_key_from_seed(seed, 32, priv, &err)) != 0) return fail("key", rc, err);
  if ((rc = nooterra_private_key_public_key(*priv, pub, &err)) != 0) return fail("key", rc, err);
  if ((rc = nooterra_public_key_id(*pub, key_id, &err)) != 0) return fail("key", rc, err);
  return 0;
}

int main(void) {
  nooterra_error_t* err = NULL;
  nooterra_private_key_t* provider = NULL;
  nooterra_public_key_t* provider_pub = NULL;
  char provider_id[NOOTERRA_KEY_ID_SIZE];
  char agreement[65], hold[65], evidence[65], decision[65], receipt[65];
  char inputs[2048];
  nooterra_buffer_t objects[5] = {NOOTERRA_BUFFER_INIT, NOOTERRA_BUFFER_INIT, NOOTERRA_BUFFER_INIT,
                                  NOOTERRA_BUFFER_INIT, NOOTERRA_BUFFER_INIT};
  nooterra_buffer_t report = NOOTERRA_BUFFER_INIT;
  const char* names[5] = {"agreement", "hold", "evidence", "decision", "receipt"}; /* by slot */
  int32_t ok = 0, rc, i;
  char* tampered;
  char* at;

  printf("nooterra %s demo: one paid tool call\n\n", nooterra_version_string());

  printf("1. The tool provider's key (a fixed seed, so every run prints the same bytes)\n");
  if (key_from_seed(1, &provider, &provider_pub, provider_id)) return 1;
  printf("   tool provider %s\n\n", provider_id);

  if (build("2. The buyer agent and the tool agree on terms (ToolCallAgreement)",
            NOOTERRA_OBJECT_TOOL_CALL_AGREEMENT,
            "{\"toolId\":\"tool_weather_lookup\",\"callId\":\"call_demo_0001\","
            "\"manifestHash\":\"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d\","
            "\"input\":{\"city\":\"Z\\u00fcrich\",\"units\":\"metric\"},"
            "\"settlementTerms\":{\"amountCents\":1500,\"currency\":\"USD\"},"
            "\"payerAgentId\":\"agt_buyer\",\"payeeAgentId\":\"agt_tool_provider\","
            "\"createdAt\":\"2026-11-22T09:00:00+01:00\"}",
            NULL, agreement, &objects[0])) {
    return 1;
  }

  snprintf(inputs, sizeof inputs,
           "{\"agreementHash\":\"%s\",\"callId\":\"call_demo_0001\","
           "\"inputHash\":\"%.64s\",\"output\":{\"tempC\":3.5,\"sky\":\"overcast\"},"
           "\"outputRef\":\"evidence://call_demo_0001/output.json\",\"metrics\":{\"latencyMs\":412},"
           "\"startedAt\":\"2026-11-22T08:00:01.100Z\",\"completedAt\":\"2026-11-22T08:00:01.512Z\"}",
           agreement, strstr((const char*)objects[0].data, "\"inputHash\":\"") + 13);
  if (build("3. The tool runs and signs what it returned (ToolCallEvidence)",
            NOOTERRA_OBJECT_TOOL_CALL_EVIDENCE, inputs, provider, evidence, &objects[2])) {
    return 1;
  }

  snprintf(inputs, sizeof inputs,
           "{\"decisionId\":\"dec_demo_0001\",\"tenantId\":\"tenant_demo\",\"runId\":\"tc_%s\","
           "\"settlementId\":\"setl_tc_%s\",\"agreementId\":null,\"decisionStatus\":\"auto_resolved\","
           "\"decisionMode\":\"automatic\",\"verificationStatus\":\"green\","
           "\"policyHashUsed\":\"006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8\","
           "\"verificationMethodHashUsed\":\"20d2f1b1e148b5e337fe1f38258ded31682d8d3de9bea5c0078fa4d1e8ffc070\","
           "\"policyRef\":{\"policyHash\":\"006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8\","
           "\"verificationMethodHash\":\"20d2f1b1e148b5e337fe1f38258ded31682d8d3de9bea5c0078fa4d1e8ffc070\"},"
           "\"verifierRef\":{\"verifierId\":\"nooterra.policy-engine\",\"verifierVersion\":\"v1\","
           "\"modality\":\"deterministic\"},\"workRef\":{\"runStatus\":\"completed\"},"
           "\"decidedAt\":\"2026-11-22T08:00:02.000Z\"}",
           agreement, agreement);
  if (build("4. The default settlement policy approves it (SettlementDecisionRecord.v2)",
            NOOTERRA_OBJECT_SETTLEMENT_DECISION_RECORD_V2, inputs, NULL, decision, &objects[3])) {
    return 1;
  }

  snprintf(inputs, sizeof inputs,
           "{\"receiptId\":\"rcpt_demo_0001\",\"tenantId\":\"tenant_demo\",\"runId\":\"tc_%s\","
           "\"settlementId\":\"setl_tc_%s\",\"decisionRef\":{\"decisionId\":\"dec_demo_0001\","
           "\"decisionHash\":\"%s\"},\"status\":\"released\",\"amountCents\":1500,"
           "\"releasedAmountCents\":1350,\"refundedAmountCents\":0,\"releaseRatePct\":100,"
           "\"currency\":\"USD\",\"runStatus\":\"completed\",\"settledAt\":\"2026-11-22T08:00:02.000Z\","
           "\"createdAt\":\"2026-11-22T08:00:02.000Z\"}",
           agreement, agreement, decision);
  if (build("5. 1350 is paid now, 150 waits out the window (SettlementReceipt)",
            NOOTERRA_OBJECT_SETTLEMENT_RECEIPT, inputs, NULL, receipt, &objects[4])) {
    return 1;
  }

  snprintf(inputs, sizeof inputs,
           "{\"tenantId\":\"tenant_demo\",\"agreementHash\":\"%s\","
           "\"receiptHash\":\"%s\","
           "\"payerAgentId\":\"agt_buyer\",\"payeeAgentId\":\"agt_tool_provider\","
           "\"amountCents\":1500,\"heldAmountCents\":150,\"currency\":\"usd\",\"holdbackBps\":1000,"
           "\"challengeWindowMs\":86400000,\"createdAt\":\"2026-11-22T08:00:02.000Z\"}",
           agreement, receipt);
  if (build("6. 10% of the receipt is held back for the challenge window (FundingHold)",
            NOOTERRA_OBJECT_FUNDING_HOLD, inputs, NULL, hold, &objects[1])) {
    return 1;
  }

  printf("7. Anyone can verify every artifact offline (hashes, and signatures with known keys)\n");
  for (i = 0; i < 5; ++i) {
    const nooterra_public_key_t* keys[1] = {provider_pub};
    rc = nooterra_object_verify(objects[i].data, objects[i].size, keys, 1, &report, &ok, &err);
    if (rc != 0) return fail("verify", rc, err);
    printf("   %-9s %s\n", names[i], ok ? "verified" : (const char*)report.data);
    nooterra_buffer_dispose(&report);
    if (!ok) return 1;
  }
  printf("\n");

  printf("8. Tamper with the receipt (1350 -> 9350 released) and verify again\n");
  tampered = malloc(objects[4].size + 1);
  if (tampered == NULL) return 1;
  memcpy(tampered, objects[4].data, objects[4].size + 1);
  at = strstr(tampered, "\"releasedAmountCents\":1350");
  if (at == NULL) return 1;
  at[strlen("\"releasedAmountCents\":")] = '9';
  rc = nooterra_object_verify((const uint8_t*)tampered, objects[4].size, NULL, 0, &report, &ok, &err);
  free(tampered);
  if (rc != 0) return fail("verify", rc, err);
  printf("   %s\n   (expected: rejected)\n\n", (const char*)report.data);
  nooterra_buffer_dispose(&report);
  if (ok) return 1;

  printf("demo complete: every step behaved as the protocol requires.\n");
  for (i = 0; i < 5; ++i) nooterra_buffer_dispose(&objects[i]);
  nooterra_public_key_free(provider_pub);
  nooterra_private_key_free(provider);
  return 0;
}
