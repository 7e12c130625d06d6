'use strict';
// One paid tool call, end to end, through the Node package (the same flow as examples/c/demo.c
// and examples/python/agent_flow.py):
//   keys -> a temporary store -> deposit -> the policy's decision -> agreement -> escrow ->
//   evidence signed by the tool -> settlement and a signed receipt -> offline verification of
//   the receipt -> a dispute -> the arbiter's verdict -> exactly one adjustment -> audit.
// Run: NODE_PATH=build/node node examples/node/agent_flow.js   (or after `npm install nooterra`)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const nooterra = require('nooterra');

const T = 'tenant_demo';

function step(title, detail) {
  console.log(title);
  if (detail !== undefined) console.log(`   ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
}

async function main() {
  // 1. Keys from fixed seeds: the same bytes on every run and every machine.
  const provider = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 1));
  const buyer = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 2));
  const arbiter = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 3));
  step('1. keys', { buyer: buyer.keyId, provider: provider.keyId, arbiter: arbiter.keyId });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nooterra-node-example-'));
  const store = await nooterra.Store.open(path.join(dir, 'store'));
  try {
    await store.registerAgent(T, 'agt_buyer', buyer.publicKeyPem);
    await store.registerAgent(T, 'agt_tool_provider', provider.publicKeyPem);
    await store.registerAgent(T, 'agt_arbiter', arbiter.publicKeyPem);
    await store.deposit(T, 'agt_buyer', 25000, { idempotencyKey: 'deposit_1' });
    step('2. a temporary store; the buyer deposits 25000', await store.wallet(T, 'agt_buyer'));

    // 3. What the default settlement policy will decide for a green run of 1500.
    const decision = nooterra.evaluateSettlementPolicy({ verificationStatus: 'green', amountCents: 1500 });
    step('3. policy decision', { policyHash: decision.policyHash, decisionMode: decision.decisionMode,
      releaseAmountCents: decision.releaseAmountCents, reasonCodes: decision.reasonCodes });

    const created = await store.createAgreement(T, {
      agreement: {
        toolId: 'tool_weather_lookup', callId: 'call_demo_0001',
        manifestHash: '86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d',
        input: { city: 'Zürich', units: 'metric' }, settlementTerms: { amountCents: 1500, currency: 'USD' },
        payerAgentId: 'agt_buyer', payeeAgentId: 'agt_tool_provider', createdAt: '2026-11-22T09:00:00+01:00',
      },
      holdbackBps: 1000, challengeWindowMs: 86400000,
    }, { now: '2026-11-22T08:00:00.000Z', idempotencyKey: 'create_1' });
    const agreement = created.agreement;
    step('4. agreement', agreement.agreementHash);
    await store.fund(T, agreement.agreementHash, { now: '2026-11-22T08:00:00.500Z', idempotencyKey: 'fund_1' });
    step('5. 1500 in escrow', await store.wallet(T, 'agt_buyer'));

    const evidence = nooterra.buildObject('ToolCallEvidence.v1', {
      agreementHash: agreement.agreementHash, callId: 'call_demo_0001', inputHash: agreement.inputHash,
      output: { tempC: 3.5, sky: 'overcast' }, outputRef: 'evidence://call_demo_0001/output.json',
      metrics: { latencyMs: 412 }, startedAt: '2026-11-22T08:00:01.100Z', completedAt: '2026-11-22T08:00:01.512Z',
    }, { signer: provider });
    await store.submitEvidence(T, evidence.object, { now: '2026-11-22T08:00:01.600Z', idempotencyKey: 'evidence_1' });
    step('6. evidence signed by the tool', evidence.hash);

    const settled = await store.settle(T, {
      agreementHash: agreement.agreementHash, decisionId: 'dec_demo_0001', receiptId: 'rcpt_demo_0001',
      verificationStatus: 'green',
    }, { now: '2026-11-22T08:00:02.000Z', idempotencyKey: 'settle_1' });
    step('7. settled under the pinned policy: 1350 paid, 150 held back', await store.wallet(T, 'agt_tool_provider'));

    const receipt = await store.get(T, 'receipt', 'rcpt_demo_0001');
    const report = nooterra.verifyObject(receipt, [provider.publicKeyPem]);
    if (!report.ok) throw new Error(`receipt did not verify: ${JSON.stringify(report)}`);
    step('8. the receipt verifies offline', report.hash);

    const hold = settled.hold;
    const envelope = nooterra.buildObject('DisputeOpenEnvelope.v1', {
      envelopeId: `dopen_tc_${agreement.agreementHash}`, caseId: `arb_case_tc_${agreement.agreementHash}`,
      tenantId: T, agreementHash: agreement.agreementHash, receiptHash: hold.receiptHash, holdHash: hold.holdHash,
      openedByAgentId: 'agt_buyer', openedAt: '2026-11-22T10:00:00.000Z', reasonCode: 'TOOL_CALL_DISPUTE',
      nonce: 'nonce_demo_000001', signerKeyId: buyer.keyId,
    }, { signer: buyer });
    const opened = await store.openDispute(T, {
      agreementHash: agreement.agreementHash, receiptHash: hold.receiptHash, holdHash: hold.holdHash,
      openedByAgentId: 'agt_buyer', disputeOpenEnvelope: envelope.object, arbiterAgentId: 'agt_arbiter',
      summary: 'The forecast was for the wrong city', evidenceRefs: ['evidence://call_demo_0001/output.json'],
    }, { now: '2026-11-22T10:00:00.000Z', idempotencyKey: 'open_1' });
    step('9. the buyer disputes', { caseId: opened.arbitrationCase.caseId, status: opened.arbitrationCase.status });

    const caseId = `arb_case_tc_${agreement.agreementHash}`;
    const core = {
      schemaVersion: 'ArbitrationVerdict.v1', verdictId: 'avd_demo_0001', caseId, tenantId: T,
      runId: `tc_${agreement.agreementHash}`, settlementId: `setl_tc_${agreement.agreementHash}`,
      disputeId: `disp_tc_${agreement.agreementHash}`, arbiterAgentId: 'agt_arbiter', outcome: 'accepted',
      releaseRatePct: 100, rationale: 'Zurich was asked and answered.',
      evidenceRefs: ['evidence://call_demo_0001/output.json'], issuedAt: '2026-11-24T09:00:00.000Z', appealRef: null,
    };
    const signature = arbiter.signHash(nooterra.objectHash(core)).toString('base64');
    const verdict = await store.submitVerdict(T, caseId, { ...core, signerKeyId: arbiter.keyId, signature },
      { now: '2026-11-24T09:00:00.000Z', idempotencyKey: 'verdict_1' });
    const adjustment = verdict.settlementAdjustment;
    if (!nooterra.verifyObject(adjustment).ok) throw new Error('the adjustment did not verify');
    const storedAdjustment = await store.get(T, 'adjustment', `sadj_agmt_${agreement.agreementHash}_holdback`);
    if (storedAdjustment.adjustmentHash !== adjustment.adjustmentHash) throw new Error('the stored adjustment differs');
    step('10. the arbiter\'s verdict: exactly one adjustment', { adjustmentId: adjustment.adjustmentId,
      kind: adjustment.kind, amountCents: adjustment.amountCents });

    const replay = await store.replayEvaluate(T, agreement.agreementHash);
    if (!replay.comparisons.chainConsistent) throw new Error(`replay evaluation: ${replay.issues.join(', ')}`);
    step('    replay evaluation of the stored records', `${replay.replay.stage}, chain consistent`);

    const facts = await store.reputationFacts(T, { agentId: 'agt_tool_provider', asOf: '2026-11-24T09:00:00.000Z' });
    step('    the provider\'s reputation facts', facts.facts.totals.disputes);

    const audit = await store.check(T);
    if (audit.length !== 0) throw new Error(`ledger audit: ${audit.join('; ')}`);
    step('11. final balances; the ledger audit is sound', {
      buyer: await store.wallet(T, 'agt_buyer'), provider: await store.wallet(T, 'agt_tool_provider'),
    });
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('example complete');
}

main().catch((e) => {
  console.error(`example failed: ${e.code ?? ''} ${e.message}`);
  process.exit(1);
});
