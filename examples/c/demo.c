/* The Nooterra demo, over the stable C ABI: one paid tool call as protocol objects.
 *
 *   keys -> a temporary LMDB store -> deposit -> agreement (ToolCallAgreement) -> escrow ->
 *   evidence signed by the tool provider (ToolCallEvidence) -> settlement in one transaction
 *   (SettlementDecisionRecord.v2, SettlementReceipt, payment, holdback FundingHold) -> the buyer
 *   disputes (signed DisputeOpenEnvelope) -> the maintenance tick finds the hold frozen -> the
 *   arbiter's signed verdict -> exactly one SettlementAdjustment -> final balances, ledger
 *   audit, offline verification of every artifact -> a tampered receipt rejected.
 *
 * Each step prints the object's hash. Exit status 0 only if every step behaved. Keys come from
 * fixed seeds and every timestamp is given, so the output is the same on every machine.
 *
 * Before money moves, the settlement policy the agreement pins is asked what it will decide for a
 * green run (the same pure evaluation the kernel runs when it settles); at the end the whole
 * store is audited (ledger, escrow conservation, operation log). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, unlink, rmdir */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* One kernel call through the C ABI; prints its result. */
static int apply(const char* step, nooterra_store_t* store, int32_t operation, const char* subject,
                 const char* request, const char* now, const char* key, nooterra_buffer_t* out) {
  nooterra_error_t* err = NULL;
  int32_t rc = nooterra_agreement_apply(store, "tenant_demo", operation, subject,
                                        (const uint8_t*)request, strlen(request), now, key, out,
                                        NULL, &err);
  if (rc != 0) return fail(step, rc, err);
  printf("%s\n   %.*s%s\n\n", step, (int)(out->size > 200 ? 200 : out->size), (const char*)out->data,
         out->size > 200 ? "..." : "");
  return 0;
}

static void wallet(nooterra_store_t* store, const char* label, const char* agent) {
  nooterra_error_t* err = NULL;
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT;
  char key[160];
  snprintf(key, sizeof key, "%s/USD", agent);
  if (nooterra_agreement_get(store, "tenant_demo", NOOTERRA_AGREEMENT_RECORD_WALLET, key, &out, &err) == 0) {
    printf("   %-14s %s\n", label, (const char*)out.data);
  }
  nooterra_error_free(err);
  nooterra_buffer_dispose(&out);
}

/* Copies the string member `name` of a JSON text (first occurrence) into out. */
static void member(const nooterra_buffer_t* json, const char* name, char* out, size_t out_size) {
  char pattern[96];
  const char* at;
  size_t n = 0;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", name);
  out[0] = '\0';
  at = strstr((const char*)json->data, pattern);
  if (at == NULL) return;
  at += strlen(pattern);
  while (at[n] != '"' && n + 1 < out_size) {
    out[n] = at[n];
    ++n;
  }
  out[n] = '\0';
}

int main(void) {
  nooterra_error_t* err = NULL;
  nooterra_private_key_t *buyer = NULL, *provider = NULL, *arbiter = NULL;
  nooterra_public_key_t *buyer_pub = NULL, *provider_pub = NULL, *arbiter_pub = NULL;
  char buyer_id[NOOTERRA_KEY_ID_SIZE], provider_id[NOOTERRA_KEY_ID_SIZE], arbiter_id[NOOTERRA_KEY_ID_SIZE];
  char agreement[65], evidence[65], decision[65], receipt[65], scratch[65], verdict_hash[65];
  char hold_hash[65], path[300], inputs[4096];
  char dir[] = "/tmp/nooterra-demo-XXXXXX";
  nooterra_buffer_t objects[4] = {NOOTERRA_BUFFER_INIT, NOOTERRA_BUFFER_INIT, NOOTERRA_BUFFER_INIT,
                                  NOOTERRA_BUFFER_INIT};
  nooterra_buffer_t out = NOOTERRA_BUFFER_INIT, pem = NOOTERRA_BUFFER_INIT, envelope = NOOTERRA_BUFFER_INIT;
  nooterra_buffer_t report = NOOTERRA_BUFFER_INIT, sig_b64 = NOOTERRA_BUFFER_INIT;
  const char* names[4] = {"agreement", "evidence", "decision", "receipt"};
  nooterra_store_t* store = NULL;
  nooterra_store_options_t store_options = NOOTERRA_STORE_OPTIONS_INIT;
  uint8_t digest[32], signature[64];
  int32_t ok = 0, rc, i;
  char* tampered;
  char* at;

  printf("nooterra %s demo: one paid tool call, a dispute, a verdict\n\n", nooterra_version_string());

  printf("1. Keys for the buyer, the tool provider and the arbiter (fixed seeds: same bytes every run)\n");
  if (key_from_seed(1, &provider, &provider_pub, provider_id)) return 1;
  if (key_from_seed(2, &buyer, &buyer_pub, buyer_id)) return 1;
  if (key_from_seed(3, &arbiter, &arbiter_pub, arbiter_id)) return 1;
  printf("   buyer %s\n   provider %s\n   arbiter %s\n\n", buyer_id, provider_id, arbiter_id);

  printf("2. A temporary LMDB store; the three agents registered; the buyer deposits 25000\n");
  if (mkdtemp(dir) == NULL) return 1;
  snprintf(path, sizeof path, "%s/store", dir);
  if ((rc = nooterra_store_open(path, &store_options, &store, &err)) != 0) return fail("store", rc, err);
  {
    const char* ids[3] = {"agt_buyer", "agt_tool_provider", "agt_arbiter"};
    nooterra_public_key_t* keys[3];
    keys[0] = buyer_pub;
    keys[1] = provider_pub;
    keys[2] = arbiter_pub;
    for (i = 0; i < 3; ++i) {
      if ((rc = nooterra_public_key_to_pem(keys[i], &pem, &err)) != 0) return fail("pem", rc, err);
      rc = nooterra_agreement_register_agent(store, "tenant_demo", ids[i], (const char*)pem.data, &out, NULL, &err);
      nooterra_buffer_dispose(&pem);
      nooterra_buffer_dispose(&out);
      if (rc != 0) return fail("register", rc, err);
    }
  }
  rc = nooterra_agreement_deposit(store, "tenant_demo", "agt_buyer", "USD", 25000, "deposit_demo_1", &out, NULL, &err);
  if (rc != 0) return fail("deposit", rc, err);
  nooterra_buffer_dispose(&out);
  printf("   store: a fresh temporary directory, removed at the end\n");
  wallet(store, "buyer", "agt_buyer");
  printf("\n");

  if (apply("3. The buyer and the tool agree on terms: the kernel builds the ToolCallAgreement",
            store, NOOTERRA_AGREEMENT_CREATE, NULL,
            "{\"agreement\":{\"toolId\":\"tool_weather_lookup\",\"callId\":\"call_demo_0001\","
            "\"manifestHash\":\"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d\","
            "\"input\":{\"city\":\"Z\\u00fcrich\",\"units\":\"metric\"},"
            "\"settlementTerms\":{\"amountCents\":1500,\"currency\":\"USD\"},"
            "\"payerAgentId\":\"agt_buyer\",\"payeeAgentId\":\"agt_tool_provider\","
            "\"createdAt\":\"2026-11-22T09:00:00+01:00\"},\"holdbackBps\":1000,\"challengeWindowMs\":86400000}",
            "2026-11-22T08:00:00.000Z", "create_demo_1", &out)) {
    return 1;
  }
  member(&out, "agreementHash", agreement, sizeof agreement);
  member(&out, "inputHash", scratch, sizeof scratch);
  nooterra_buffer_dispose(&out);
  /* The policy decision, ahead of time: the default SettlementPolicy.v1 it pins, for a green
   * run of 1500 (releaseRatePct 100, then the agreement's 10% holdback at settlement). */
  rc = nooterra_policy_evaluate_settlement(NULL, 0, NULL, 0, "green", "completed", 1500, &out, &err);
  if (rc != 0) return fail("policy", rc, err);
  {
    char mode[32], policy_hash[80];
    member(&out, "decisionMode", mode, sizeof mode);
    member(&out, "policyHash", policy_hash, sizeof policy_hash);
    printf("   policy decision: %s, release %s of 1500 (policy %s)\n", mode,
           strstr((const char*)out.data, "\"releaseAmountCents\":1500") ? "1500" : "NOT 1500", policy_hash);
    if (strcmp(mode, "automatic") != 0 || !strstr((const char*)out.data, "\"releaseAmountCents\":1500")) {
      nooterra_buffer_dispose(&out);
      return 1;
    }
  }
  nooterra_buffer_dispose(&out);

  if (apply("4. The buyer's 1500 goes into escrow", store, NOOTERRA_AGREEMENT_FUND, agreement, "",
            "2026-11-22T08:00:00.500Z", "fund_demo_1", &out)) {
    return 1;
  }
  nooterra_buffer_dispose(&out);
  wallet(store, "buyer", "agt_buyer");
  printf("\n");

  snprintf(inputs, sizeof inputs,
           "{\"agreementHash\":\"%s\",\"callId\":\"call_demo_0001\",\"inputHash\":\"%s\","
           "\"output\":{\"tempC\":3.5,\"sky\":\"overcast\"},"
           "\"outputRef\":\"evidence://call_demo_0001/output.json\",\"metrics\":{\"latencyMs\":412},"
           "\"startedAt\":\"2026-11-22T08:00:01.100Z\",\"completedAt\":\"2026-11-22T08:00:01.512Z\"}",
           agreement, scratch);
  if (build("5. The tool runs and signs what it returned (ToolCallEvidence)",
            NOOTERRA_OBJECT_TOOL_CALL_EVIDENCE, inputs, provider, evidence, &out)) {
    return 1;
  }
  memcpy(inputs, out.data, out.size + 1);
  nooterra_buffer_dispose(&out);
  if (apply("   ... and the kernel checks it against the provider's registered key", store,
            NOOTERRA_AGREEMENT_SUBMIT_EVIDENCE, NULL, inputs, "2026-11-22T08:00:01.600Z", "evidence_demo_1", &out)) {
    return 1;
  }
  nooterra_buffer_dispose(&out);

  snprintf(inputs, sizeof inputs,
           "{\"agreementHash\":\"%s\",\"decisionId\":\"dec_demo_0001\",\"receiptId\":\"rcpt_demo_0001\","
           "\"verificationStatus\":\"green\"}",
           agreement);
  if (apply("6. The pinned default policy approves (green) and settles in one transaction: 1350 paid, 150 held back",
            store, NOOTERRA_AGREEMENT_SETTLE, NULL, inputs, "2026-11-22T08:00:02.000Z", "settle_demo_1", &out)) {
    return 1;
  }
  member(&out, "holdHash", hold_hash, sizeof hold_hash);
  member(&out, "decisionHash", decision, sizeof decision);
  {
    /* The receipt hash is the hold's receiptHash. */
    member(&out, "receiptHash", receipt, sizeof receipt);
  }
  nooterra_buffer_dispose(&out);
  wallet(store, "buyer", "agt_buyer");
  wallet(store, "tool provider", "agt_tool_provider");
  printf("\n");
  {
    const char* keys[4] = {agreement, agreement, "dec_demo_0001", "rcpt_demo_0001"};
    const int32_t kinds[4] = {NOOTERRA_AGREEMENT_RECORD_TOOL_CALL_AGREEMENT, NOOTERRA_AGREEMENT_RECORD_EVIDENCE,
                              NOOTERRA_AGREEMENT_RECORD_DECISION, NOOTERRA_AGREEMENT_RECORD_RECEIPT};
    for (i = 0; i < 4; ++i) {
      rc = nooterra_agreement_get(store, "tenant_demo", kinds[i], keys[i], &objects[i], &err);
      if (rc != 0) return fail("get", rc, err);
    }
  }

  /* The buyer disputes inside the window: a DisputeOpenEnvelope signed with the buyer's key. */
  {
    nooterra_object_build_options_t options = NOOTERRA_OBJECT_BUILD_OPTIONS_INIT;
    options.signer = buyer;
    snprintf(inputs, sizeof inputs,
             "{\"envelopeId\":\"dopen_tc_%s\",\"caseId\":\"arb_case_tc_%s\",\"tenantId\":\"tenant_demo\","
             "\"agreementHash\":\"%s\",\"receiptHash\":\"%s\",\"holdHash\":\"%s\","
             "\"openedByAgentId\":\"agt_buyer\",\"openedAt\":\"2026-11-22T10:00:00.000Z\","
             "\"reasonCode\":\"TOOL_CALL_DISPUTE\",\"nonce\":\"nonce_demo_000001\",\"signerKeyId\":\"%s\"}",
             agreement, agreement, agreement, receipt, hold_hash, buyer_id);
    rc = nooterra_object_build(NOOTERRA_OBJECT_DISPUTE_OPEN_ENVELOPE, (const uint8_t*)inputs, strlen(inputs),
                               &options, &envelope, scratch, &err);
    if (rc != 0) return fail("envelope", rc, err);
  }
  snprintf(inputs, sizeof inputs,
           "{\"agreementHash\":\"%s\",\"receiptHash\":\"%s\",\"holdHash\":\"%s\","
           "\"openedByAgentId\":\"agt_buyer\",\"disputeOpenEnvelope\":%s,\"arbiterAgentId\":\"agt_arbiter\","
           "\"summary\":\"The forecast was for the wrong city\",\"evidenceRefs\":[\"evidence://call_demo_0001/output.json\"]}",
           agreement, receipt, hold_hash, (const char*)envelope.data);
  nooterra_buffer_dispose(&envelope);
  if (apply("7. The buyer disputes, signing a DisputeOpenEnvelope (ArbitrationCase, under review)",
            store, NOOTERRA_AGREEMENT_OPEN_DISPUTE, NULL, inputs, "2026-11-22T10:00:00.000Z", "open_demo_1", &out)) {
    return 1;
  }
  nooterra_buffer_dispose(&out);

  rc = nooterra_agreement_maintenance(store, "tenant_demo", "2026-11-24T00:00:00.000Z", 0, 100, &out, &err);
  if (rc != 0) return fail("maintenance", rc, err);
  printf("8. Two days later the maintenance tick leaves the disputed holdback frozen\n   %s\n\n",
         (const char*)out.data);
  nooterra_buffer_dispose(&out);

  /* The arbiter signs the verdict core: releaseRatePct 100, the holdback goes to the provider. */
  snprintf(inputs, sizeof inputs,
           "{\"schemaVersion\":\"ArbitrationVerdict.v1\",\"verdictId\":\"avd_demo_0001\","
           "\"caseId\":\"arb_case_tc_%s\",\"tenantId\":\"tenant_demo\",\"runId\":\"tc_%s\","
           "\"settlementId\":\"setl_tc_%s\",\"disputeId\":\"disp_tc_%s\",\"arbiterAgentId\":\"agt_arbiter\","
           "\"outcome\":\"accepted\",\"releaseRatePct\":100,\"rationale\":\"Zurich was asked and answered.\","
           "\"evidenceRefs\":[\"evidence://call_demo_0001/output.json\"],\"issuedAt\":\"2026-11-24T09:00:00.000Z\","
           "\"appealRef\":null}",
           agreement, agreement, agreement, agreement);
  if ((rc = nooterra_object_hash((const uint8_t*)inputs, strlen(inputs), verdict_hash, &err)) != 0) {
    return fail("verdict hash", rc, err);
  }
  for (i = 0; i < 32; ++i) {
    unsigned v;
    sscanf(verdict_hash + 2 * i, "%2x", &v);
    digest[i] = (uint8_t)v;
  }
  if ((rc = nooterra_private_key_sign(arbiter, digest, 32, signature, &err)) != 0) return fail("sign", rc, err);
  if ((rc = nooterra_base64_encode(signature, 64, &sig_b64, &err)) != 0) return fail("b64", rc, err);
  snprintf(inputs + strlen(inputs) - 1, sizeof inputs - strlen(inputs) + 1,
           ",\"signerKeyId\":\"%s\",\"signature\":\"%s\"}", arbiter_id, (const char*)sig_b64.data);
  nooterra_buffer_dispose(&sig_b64);
  {
    char case_id[128];
    snprintf(case_id, sizeof case_id, "arb_case_tc_%s", agreement);
    if (apply("9. The arbiter's signed verdict closes the case: exactly one SettlementAdjustment",
              store, NOOTERRA_AGREEMENT_SUBMIT_VERDICT, case_id, inputs, "2026-11-24T09:00:00.000Z",
              "verdict_demo_1", &out)) {
      return 1;
    }
    nooterra_buffer_dispose(&out);
  }

  /* Replay evaluation: the stored hold, case, adjustment and verdict artifact re-derived and compared. */
  rc = nooterra_agreement_replay_evaluate(store, "tenant_demo", agreement, &out, &err);
  if (rc != 0) return fail("replay evaluate", rc, err);
  printf("   replay evaluation of the records: %s\n\n",
         strstr((const char*)out.data, "\"chainConsistent\":true") != NULL ? "chain consistent" : (const char*)out.data);
  if (strstr((const char*)out.data, "\"chainConsistent\":true") == NULL) return 1;
  nooterra_buffer_dispose(&out);

  {
    /* The provider's reputation facts: the dispute, the verdict and the adjustment, as events. */
    const char facts_request[] =
        "{\"agentId\":\"agt_tool_provider\",\"toolId\":\"tool_call\",\"asOf\":\"2026-11-24T09:00:00.000Z\"}";
    rc = nooterra_agreement_reputation_facts(store, "tenant_demo", (const uint8_t*)facts_request,
                                             strlen(facts_request), &out, &err);
    if (rc != 0) return fail("reputation facts", rc, err);
    printf("   the provider's reputation facts: %s\n\n", strstr((const char*)out.data, "\"totals\""));
    nooterra_buffer_dispose(&out);
  }

  printf("10. Final balances and the store audit (ledger, escrow conservation, operation log)\n");
  wallet(store, "buyer", "agt_buyer");
  wallet(store, "tool provider", "agt_tool_provider");
  if ((rc = nooterra_store_check(store, NULL, &report, &ok, &err)) != 0) return fail("check", rc, err);
  printf("   store check    %s %s\n\n", ok ? "sound" : "VIOLATIONS", (const char*)report.data);
  nooterra_buffer_dispose(&report);
  if (!ok) return 1;

  printf("11. Anyone can verify every artifact offline (hashes, and signatures with known keys)\n");
  for (i = 0; i < 4; ++i) {
    const nooterra_public_key_t* keys[1];
    keys[0] = provider_pub;
    rc = nooterra_object_verify(objects[i].data, objects[i].size, keys, 1, &report, &ok, &err);
    if (rc != 0) return fail("verify", rc, err);
    printf("   %-9s %s\n", names[i], ok ? "verified" : (const char*)report.data);
    nooterra_buffer_dispose(&report);
    if (!ok) return 1;
  }
  {
    char artifact_id[160];
    const nooterra_public_key_t* keys[1];
    keys[0] = arbiter_pub;
    snprintf(artifact_id, sizeof artifact_id, "arbitration_verdict_avd_demo_0001");
    rc = nooterra_agreement_get(store, "tenant_demo", NOOTERRA_AGREEMENT_RECORD_ARTIFACT, artifact_id, &out, &err);
    if (rc != 0) return fail("artifact", rc, err);
    rc = nooterra_object_verify(out.data, out.size, keys, 1, &report, &ok, &err);
    nooterra_buffer_dispose(&out);
    if (rc != 0) return fail("verify", rc, err);
    printf("   %-9s %s\n", "verdict", ok ? "verified (arbiter's signature)" : (const char*)report.data);
    nooterra_buffer_dispose(&report);
    if (!ok) return 1;
    /* The adjustment, by its deterministic id: its hash must hold. */
    snprintf(artifact_id, sizeof artifact_id, "sadj_agmt_%s_holdback", agreement);
    rc = nooterra_agreement_get(store, "tenant_demo", NOOTERRA_AGREEMENT_RECORD_ADJUSTMENT, artifact_id, &out, &err);
    if (rc != 0) return fail("adjustment", rc, err);
    rc = nooterra_object_verify(out.data, out.size, NULL, 0, &report, &ok, &err);
    nooterra_buffer_dispose(&out);
    if (rc != 0) return fail("verify", rc, err);
    printf("   %-9s %s\n\n", "adjustment", ok ? "verified (hash)" : (const char*)report.data);
    nooterra_buffer_dispose(&report);
    if (!ok) return 1;
  }

  printf("12. Tamper with the receipt (1500 -> 9500 released) and verify again\n");
  tampered = malloc(objects[3].size + 1);
  if (tampered == NULL) return 1;
  memcpy(tampered, objects[3].data, objects[3].size + 1);
  at = strstr(tampered, "\"releasedAmountCents\":1500");
  if (at == NULL) return 1;
  at[strlen("\"releasedAmountCents\":")] = '9';
  rc = nooterra_object_verify((const uint8_t*)tampered, objects[3].size, NULL, 0, &report, &ok, &err);
  free(tampered);
  if (rc != 0) return fail("verify", rc, err);
  printf("   %s\n   (expected: rejected)\n\n", (const char*)report.data);
  nooterra_buffer_dispose(&report);
  if (ok) return 1;

  printf("demo complete: every step behaved as the protocol requires.\n");
  for (i = 0; i < 4; ++i) nooterra_buffer_dispose(&objects[i]);
  nooterra_store_close(store);
  snprintf(path, sizeof path, "%s/store/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/store/lock.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/store", dir);
  rmdir(path);
  rmdir(dir);
  nooterra_public_key_free(provider_pub);
  nooterra_public_key_free(buyer_pub);
  nooterra_public_key_free(arbiter_pub);
  nooterra_private_key_free(provider);
  nooterra_private_key_free(buyer);
  nooterra_private_key_free(arbiter);
  return 0;
}
