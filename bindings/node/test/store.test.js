'use strict';
// The store, ledger and agreement kernel through the Node package: a full settlement flow, the
// typed rejections, close semantics, many concurrent calls, worker threads and process exit
// with open handles.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const { nooterra } = require('./helpers');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nooterra-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const NOW = '2026-06-01T00:00:00Z';

// Registers agt_buyer (seed 1), agt_tool (seed 2) and `extraAgents` ([id, key] pairs), deposits
// 5000 for the buyer, optionally sets its wallet policy, and creates a 1000-cent agreement
// without holdback; resolves to the agreement hash.
async function openAgreement(store, { extraAgents = [], policy } = {}) {
  await store.registerAgent('t', 'agt_buyer', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 1)).publicKeyPem);
  await store.registerAgent('t', 'agt_tool', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 2)).publicKeyPem);
  for (const [id, key] of extraAgents) await store.registerAgent('t', id, key.publicKeyPem);
  await store.deposit('t', 'agt_buyer', 5000, { idempotencyKey: 'dep' });
  if (policy) await store.setWalletPolicy('t', 'agt_buyer', policy, { idempotencyKey: 'p' });
  const created = await store.createAgreement('t', {
    agreement: { toolId: 'tool_x', callId: 'call_1', manifestHash: 'a'.repeat(64), input: {},
      settlementTerms: { amountCents: 1000, currency: 'USD' }, payerAgentId: 'agt_buyer', payeeAgentId: 'agt_tool' },
    holdbackBps: 0, challengeWindowMs: 800,
  }, { now: NOW, idempotencyKey: 'c1' });
  return created.agreement.agreementHash;
}

test('void and the tool-call holdback machine', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 'h'), { durable: false });
  const h = await openAgreement(store);
  await store.fund('t', h, { now: NOW, idempotencyKey: 'f1' });
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 4000, escrow: 1000 });
  await store.void('t', h, { now: NOW, idempotencyKey: 'v1' });
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 5000, escrow: 0 });
  assert.equal((await store.void('t', h, { now: NOW, idempotencyKey: 'v1' })).alreadyExisted, true);
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f2' }), { reason: 'TRANSITION_ILLEGAL' });
  // A tool-call hold: 20 % of 1000 held for an 800 ms challenge window.
  const request = { agreementHash: 'b'.repeat(64), receiptHash: 'c'.repeat(64), payerAgentId: 'agt_buyer',
    payeeAgentId: 'agt_tool', amountCents: 1000, currency: 'USD', holdbackBps: 2000, challengeWindowMs: 800 };
  // A suspended payee blocks the lock; active again, it goes through.
  assert.equal((await store.setAgentStatus('t', 'agt_tool', { status: 'suspended', reason: 'audit' },
    { now: NOW, idempotencyKey: 'st1' })).status, 'suspended');
  await assert.rejects(store.lockHold('t', request, { now: NOW, idempotencyKey: 'l0' }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'AGENT_SUSPENDED' });
  await store.applyBatch('t', [{ operation: 'setAgentStatus', subject: 'agt_tool', request: { status: 'active' },
    now: NOW, idempotencyKey: 'st2' }]);
  assert.deepEqual((await store.get('t', 'agent_status', 'agt_tool')).history.map((c) => c.status),
    ['suspended', 'active']);
  await assert.rejects(store.setAgentStatus('t', 'agt_none', { status: 'revoked' }, { now: NOW, idempotencyKey: 'st3' }),
    { code: 'NOOTERRA_NOT_FOUND', reason: 'AGENT_NOT_FOUND' });
  const locked = await store.lockHold('t', request, { now: NOW, idempotencyKey: 'l1' });
  assert.deepEqual([locked.hold.heldAmountCents, locked.hold.status], [200, 'held']);
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 4800, escrow: 200 });
  assert.equal((await store.lockHold('t', request, { now: NOW, idempotencyKey: 'l1' })).alreadyExisted, true);
  // Nobody arbitrates their own dispute: an operator's open naming the payer is refused.
  await assert.rejects(store.openDispute('t', { agreementHash: 'b'.repeat(64), receiptHash: 'c'.repeat(64),
    holdHash: locked.hold.holdHash, openedByAgentId: 'agt_tool', arbiterAgentId: 'agt_buyer', summary: 'late delivery',
    adminOverride: { reason: 'escalated', principalId: 'ops_1' } }, { now: NOW, idempotencyKey: 'd1' }),
  { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'DISPUTE_ARBITER_IS_PARTY' });
  await assert.rejects(store.lockHold('t', { ...request, amountCents: 999 }, { now: NOW, idempotencyKey: 'l1' }),
    { code: 'NOOTERRA_ALREADY_EXISTS', reason: 'IDEMPOTENCY_KEY_CONFLICT' });
  // Inside the window nothing moves; after it the tick releases the holdback to the payee.
  assert.equal((await store.runMaintenance('t', { now: '2026-06-01T00:00:00.500Z' })).released, 0);
  assert.equal((await store.runMaintenance('t', { now: '2026-06-01T00:00:01Z' })).released, 1);
  assert.equal(await store.balance('t', 'agt_tool'), 200);
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 4800, escrow: 0 });
  // Replay evaluation: released by the tick without a dispute, so no adjustment may exist.
  const replay = await store.replayEvaluate('t', 'b'.repeat(64));
  assert.deepEqual([replay.replay.stage, replay.replay.actual.holdStatus], ['no_dispute', 'released']);
  assert.equal(replay.comparisons.chainConsistent, true);
  assert.deepEqual([replay.issues, replay.caseId, replay.adjustmentId], [[], null, null]);
  // The auto-release is a reputation event about the payee.
  const facts = await store.reputationFacts('t', { agentId: 'agt_tool', asOf: '2026-06-01T00:00:01Z',
    toolId: 'tool_call', includeEvents: true });
  assert.equal(facts.facts.totals.eventCount, 1);
  assert.equal(facts.facts.totals.economics.autoReleasedCents, 200);
  assert.equal(facts.events[0].eventId, `rep_rel_${'b'.repeat(64)}`);
  assert.equal(nooterra.verifyObject(facts.events[0]).ok, true);
  assert.equal((await store.reputationFacts('t', { agentId: 'agt_tool', asOf: '2026-06-01T00:00:00.999Z',
    window: '7d' })).facts.totals.eventCount, 0);
  await assert.rejects(store.reputationFacts('t', { agentId: 'agt_tool', asOf: '2026-06-01T00:00:01Z', window: '1d' }),
    { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'SCHEMA_INVALID' });
  await assert.rejects(store.reputationFacts('t', { agentId: 'agt_tool' }), { name: 'TypeError' });
  await assert.rejects(store.replayEvaluate('t', 'd'.repeat(64)),
    { code: 'NOOTERRA_NOT_FOUND', reason: 'TOOL_CALL_HOLD_NOT_FOUND' });
  await assert.rejects(store.replayEvaluate('t', 'B'.repeat(64)), { reason: 'SCHEMA_INVALID' });
  await assert.rejects(store.replayEvaluate('t', 7), { name: 'TypeError', reason: 'ARGUMENT_TYPE' });
  assert.equal((await store.audit()).ok, true);
  store.close();
});

test('marketplace run: rfq, bid, acceptance, chained events, settlement, replay evaluation', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 'm'), { durable: false });
  await store.registerAgent('t', 'agt_payer', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 5)).publicKeyPem);
  await store.registerAgent('t', 'agt_payee', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 6)).publicKeyPem);
  await store.deposit('t', 'agt_payer', 25000, { idempotencyKey: 'dep' });
  await store.createRfq('t', { rfqId: 'rfq_1', posterAgentId: 'agt_payer', budgetCents: 10000 },
    { now: NOW, idempotencyKey: 'r' });
  await store.submitBid('t', 'rfq_1', { bidId: 'bid_1', bidderAgentId: 'agt_payee', amountCents: 10000,
    verificationMethod: { mode: 'deterministic', source: 'verifier://nooterra/deterministic/latency-threshold-v1' } },
  { now: NOW, idempotencyKey: 'b' });
  const accepted = await store.acceptBid('t', 'rfq_1', { bidId: 'bid_1' }, { now: NOW, idempotencyKey: 'a' });
  assert.equal(accepted.runId, 'run_rfq_1_bid_1');
  assert.deepEqual(await store.wallet('t', 'agt_payer'), { available: 15000, escrow: 10000 });
  const head = accepted.run.lastChainHash;
  await assert.rejects(store.appendRunEvent('t', accepted.runId, { expectedPrevChainHash: 'x'.repeat(64),
    type: 'RUN_COMPLETED' }, { now: NOW, idempotencyKey: 'stale' }),
  { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'RUN_EVENT_PREV_CHAIN_HASH_MISMATCH' });
  const done = await store.appendRunEvent('t', accepted.runId, { expectedPrevChainHash: head, type: 'RUN_COMPLETED',
    payload: { metrics: { latencyMs: 250 } } }, { now: NOW, idempotencyKey: 'c' });
  assert.equal(done.settlement.decisionStatus, 'auto_resolved');
  const settlement = await store.get('t', 'run_settlement', accepted.runId);
  const offer = await store.get('t', 'offer', accepted.runId);
  assert.equal(offer.schemaVersion, 'MarketplaceOffer.v2');
  assert.equal((await store.get('t', 'run_agreement', accepted.runId)).offerRef.offerHash, offer.offerHash);
  assert.equal((await store.get('t', 'acceptance', accepted.runId)).offerRef.offerHash, offer.offerHash);
  assert.equal(settlement.decisionTrace.decisionRecord.verifierRef.verifierId, 'nooterra.deterministic.latency-threshold');
  assert.deepEqual(await store.wallet('t', 'agt_payee'), { available: 10000, escrow: 0 });
  assert.deepEqual((await store.get('t', 'run', accepted.runId)).events.map((e) => e.type), ['RUN_CREATED', 'RUN_COMPLETED']);
  await assert.rejects(store.resolveRunSettlement('t', accepted.runId, { releaseRatePct: 50 },  // settled automatically
    { now: NOW, idempotencyKey: 'res' }), { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'TRANSITION_ILLEGAL' });
  const replay = await store.replayEvaluateRun('t', accepted.runId);
  assert.ok(Object.values(replay.comparisons).every((v) => v === true), JSON.stringify(replay.comparisons));
  await assert.rejects(store.replayEvaluateRun('t', 'run_none'), { code: 'NOOTERRA_NOT_FOUND', reason: 'RUN_NOT_FOUND' });
  assert.equal((await store.audit()).ok, true);
  // A ledger batch: all or nothing, the failing entry named by its index.
  const move = (id, from, to, n) => ({ id, memo: '', postings: [
    { owner: from, currency: 'USD', bucket: 'available', amount: -n },
    { owner: to, currency: 'USD', bucket: 'available', amount: n }] });
  await store.ledgerPostBatch('t', [move('m1', 'agt_payee', 'agt_y', 100), move('m2', 'agt_y', 'agt_z', 100)]);
  assert.equal(await store.balance('t', 'agt_z'), 100);
  await assert.rejects(store.ledgerPostBatch('t', [move('m3', 'agt_z', 'agt_y', 10), move('m4', 'agt_y', 'agt_x', 11)]),
    (e) => e.reason === 'LEDGER_INSUFFICIENT_FUNDS' && e.message.includes('(batch entry 1)'));
  assert.equal(await store.balance('t', 'agt_z'), 100);
  await assert.rejects(store.ledgerPostBatch('t', {}), { name: 'TypeError' });
  store.close();
});

test('settlement flow, idempotency and typed rejections', async (t) => {
  const buyer = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 1));
  const tool = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 2));
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  await store.registerAgent('t', 'agt_buyer', buyer.publicKeyPem);
  await store.registerAgent('t', 'agt_tool', tool.publicKeyPem);
  await store.deposit('t', 'agt_buyer', 5000, { idempotencyKey: 'dep' });
  const created = await store.createAgreement('t', {
    agreement: {
      toolId: 'tool_x', callId: 'call_1', manifestHash: 'a'.repeat(64), input: { q: 1 },
      settlementTerms: { amountCents: 1000, currency: 'USD' }, payerAgentId: 'agt_buyer', payeeAgentId: 'agt_tool',
    },
    holdbackBps: 1000, challengeWindowMs: 800,
  }, { now: NOW, idempotencyKey: 'c1' });
  const h = created.agreement.agreementHash;
  await store.fund('t', h, { now: NOW, idempotencyKey: 'f1' });
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 4000, escrow: 1000 });
  assert.equal((await store.fund('t', h, { now: NOW, idempotencyKey: 'f1' })).alreadyExisted, true);
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f2' }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', nooterraCode: 9, reason: 'TRANSITION_ILLEGAL' });
  const settled = await store.settle('t', {
    agreementHash: h, decisionId: 'dec_1', receiptId: 'rcpt_1', releaseRatePct: 100, verificationStatus: 'green',
    policyHashUsed: '0'.repeat(64),
  }, { now: NOW, idempotencyKey: 's1' });
  assert.equal(settled.hold.heldAmountCents, 100);
  assert.ok(nooterra.verifyObject(settled.settlementReceipt).ok);
  assert.deepEqual(await store.wallet('t', 'agt_tool'), { available: 900, escrow: 0 });
  const tick = await store.runMaintenance('t', { now: '2026-06-01T00:00:01Z' });
  assert.equal(tick.released, 1);
  assert.equal(await store.balance('t', 'agt_tool'), 1000);
  assert.equal(await store.balance('t', 'agt_tool', 'USD', 'holdback'), 0);
  assert.deepEqual(await store.check('t'), []);
  // The whole-store audit: sound, until money sits in escrow that no agreement or hold accounts
  // for (a raw posting in another tenant).
  assert.equal((await store.audit()).ok, true);
  assert.deepEqual((await store.audit('t')).tenants[0].violations, []);
  await store.ledgerPost('u', { id: 'esc_1', memo: '', postings: [
    { owner: 'external', currency: 'USD', bucket: 'external', amount: -100 },
    { owner: 'agt_x', currency: 'USD', bucket: 'escrow', amount: 100 }] });
  assert.deepEqual(await store.tenants(), ['t', 'u']);
  const audit = await store.audit();
  assert.equal(audit.ok, false);
  assert.deepEqual(audit.tenants.map((t) => t.tenant), ['t', 'u']);
  assert.equal(audit.tenants[1].violations.length, 1);
  assert.match(audit.tenants[1].violations[0], /agt_x/);
  await assert.rejects(store.audit(''), { reason: 'STORE_TENANT_INVALID' });
  await assert.rejects(store.get('t', 'receipt', 'rcpt_none'), { code: 'NOOTERRA_NOT_FOUND', reason: 'RECORD_NOT_FOUND' });
  await assert.rejects(store.get('t', 'adjustment', 'sadj_none'), { code: 'NOOTERRA_NOT_FOUND', reason: 'RECORD_NOT_FOUND' });
  await assert.rejects(store.deposit('t', 'agt_buyer', 1, { idempotencyKey: 'dep' }),
    { code: 'NOOTERRA_ALREADY_EXISTS', reason: 'IDEMPOTENCY_KEY_CONFLICT' });
  await assert.rejects(store.settle('t', '{', { now: NOW, idempotencyKey: 's2' }), { reason: 'JSON_SYNTAX' });
  await assert.rejects(store.fund('t', h, { now: NOW }), { reason: 'ARGUMENT_TYPE' });
  await assert.rejects(store.get('t', 'nope', 'x'), { reason: 'ARGUMENT_TYPE' });
  store.close();
  assert.equal(store.closed, true);
  await assert.rejects(store.check('t'), { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'STORE_CLOSED' });
  store.close(); // twice is a no-op
});

test('applyText and applyTextSync: canonical JSON text, the same bytes as the named methods', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const h = await openAgreement(store);
  const funded = store.applyTextSync('t', 'fund', null, { subject: h, now: NOW, idempotencyKey: 'f1' });
  assert.equal(funded.alreadyExisted, false);
  assert.equal(nooterra.canonicalize(funded.text), funded.text);
  // The async form and the named method replay the same call.
  assert.deepEqual(await store.applyText('t', 'fund', undefined, { subject: h, now: NOW, idempotencyKey: 'f1' }),
    { text: funded.text, alreadyExisted: true });
  assert.deepEqual(await store.fund('t', h, { now: NOW, idempotencyKey: 'f1' }),
    { ...JSON.parse(funded.text), alreadyExisted: true });
  const request = { agreementHash: h, decisionId: 'd1', receiptId: 'r1', verificationStatus: 'green' };
  const settled = store.applyTextSync('t', 'settle', request, { now: NOW, idempotencyKey: 's1' });
  for (const form of [JSON.stringify(request), Buffer.from(JSON.stringify(request))]) {
    assert.deepEqual(store.applyTextSync('t', 'settle', form, { now: NOW, idempotencyKey: 's1' }),
      { text: settled.text, alreadyExisted: true });
  }
  // deposit, a batch-only operation before, works as a single call too.
  const dep = { agentId: 'agt_buyer', currency: 'USD', amountCents: 5 };
  const deposited = await store.applyText('t', 'deposit', dep, { now: NOW, idempotencyKey: 'd9' });
  assert.equal(deposited.alreadyExisted, false);
  assert.equal(nooterra.canonicalize(deposited.text), deposited.text);
  assert.equal(store.applyTextSync('t', 'deposit', dep, { now: NOW, idempotencyKey: 'd9' }).alreadyExisted, true);
  // Errors: thrown by the sync form, rejected by the async one, typed either way.
  assert.throws(() => store.applyTextSync('t', 'fund', null, { subject: h, now: NOW, idempotencyKey: 'f2' }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'TRANSITION_ILLEGAL' });
  await assert.rejects(store.applyText('t', 'settle', '{', { now: NOW, idempotencyKey: 's2' }), { reason: 'JSON_SYNTAX' });
  assert.throws(() => store.applyTextSync('t', 'pay', null, { now: NOW, idempotencyKey: 'k' }), { reason: 'ARGUMENT_TYPE' });
  assert.throws(() => store.applyTextSync('t', 'constructor', null, { now: NOW, idempotencyKey: 'k' }),
    { reason: 'ARGUMENT_TYPE' });
  assert.throws(() => store.applyTextSync('t', 'fund', null, { subject: 7, now: NOW, idempotencyKey: 'k' }),
    { reason: 'ARGUMENT_TYPE' });
  assert.throws(() => store.applyTextSync('t', 'fund', null, { subject: h, now: NOW }), { reason: 'ARGUMENT_TYPE' });
  assert.throws(() => store.applyTextSync('t', 'settle', '{}'), { reason: 'ARGUMENT_TYPE' });  // no options
  assert.throws(() => store.applyTextSync('t', 'settle', '{}', null), { reason: 'ARGUMENT_TYPE' });
  assert.throws(() => store._s.applySync('t', '7', null, '{}', NOW, 'k'), TypeError);  // the addon checks types too
  assert.throws(() => store._s.applySync('t', 7, null, 8, NOW, 'k'), TypeError);
  assert.ok(store._s.syncFlag instanceof Int32Array && store._s.syncFlag === store._s.syncFlag);
  // A NUL would truncate a C string (another tenant, another key): refused.
  // ... by every store method, not only apply ('t\0x' used to read tenant 't'), changing nothing.
  const before = await store.stateHash('t');
  await assert.rejects(store.balance('t\0x', 'agt_buyer'), TypeError);
  await assert.rejects(store.balance('t', 'agt_buyer\0x'), TypeError);
  await assert.rejects(store.stateHash('t\0x'), TypeError);
  await assert.rejects(store.deposit('t', 'agt_buyer', 1, { idempotencyKey: 'd\0x' }), TypeError);
  await assert.rejects(store.get('t\0x', 'agreement', h), TypeError);
  await assert.rejects(store.runMaintenance('t\0x', { now: NOW }), TypeError);
  assert.equal(await store.stateHash('t'), before);
  assert.throws(() => store.applyTextSync('t\0x', 'deposit', dep, { now: NOW, idempotencyKey: 'd10' }), TypeError);
  await assert.rejects(store.applyText('t', 'deposit', dep, { now: NOW, idempotencyKey: 'd\0' }), TypeError);
  store.close();
  assert.throws(() => store.applyTextSync('t', 'deposit', dep, { now: NOW, idempotencyKey: 'd11' }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'STORE_CLOSED' });
});

test('applyBatch: one commit, per-operation results, batch-level rejections', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const deposit = { operation: 'deposit', request: { agentId: 'agt_buyer', currency: 'USD', amountCents: 70 },
    now: NOW, idempotencyKey: 'd1' };
  const results = await store.applyBatch('t', [
    deposit,
    { operation: 'fund', subject: '0'.repeat(64), now: NOW, idempotencyKey: 'f1' },
    deposit,
  ]);
  assert.deepEqual(results.map((r) => r.ok), [true, false, true]);
  assert.equal(results[0].result.availableCents, 70);
  assert.deepEqual([results[1].code, results[1].codeNumber, results[1].reason], ['NOT_FOUND', 5, 'AGREEMENT_NOT_FOUND']);
  assert.equal(results[2].alreadyExisted, true);
  assert.equal(await store.balance('t', 'agt_buyer'), 70);
  await assert.rejects(store.applyBatch('t', []), { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'BATCH_EMPTY' });
  for (const operation of ['pay', 'constructor', 'toString', '__proto__']) {
    await assert.rejects(store.applyBatch('t', [{ operation, now: NOW, idempotencyKey: 'k' }]), { reason: 'ARGUMENT_TYPE' });
  }
  await assert.rejects(store.applyBatch('t', [{ operation: 'deposit', request: '{}', now: 5, idempotencyKey: 'k' }]),
    { reason: 'ARGUMENT_TYPE', message: /operations\[0\]\.now must be a string/ });
  await assert.rejects(store.applyBatch('t', [null]), { reason: 'ARGUMENT_TYPE' });
  store.close();
});

test('applyBatch: packed fields survive non-ASCII text, strings and Buffers; NUL is refused', async (t) => {
  const ops = [
    { operation: 'deposit', request: { agentId: 'agt_a', currency: 'USD', amountCents: 5 }, now: NOW, idempotencyKey: 'clé-ünïcødé-€' },
    { operation: 'deposit', request: ' {"agentId":"agt_c", "currency":"USD","amountCents":7}\n', now: NOW, idempotencyKey: 'k-😀' },
    { operation: 'deposit', request: Buffer.from('{"agentId":"agt_b","currency":"USD","amountCents":9}'), now: NOW, idempotencyKey: 'k3' },
    { operation: 'fund', subject: 'é'.repeat(64), now: NOW, idempotencyKey: 'f1' },
    { operation: 'deposit', request: null, now: NOW, idempotencyKey: 'no-request' },
  ];
  const batched = await nooterra.Store.open(path.join(tempDir(t), 'b'), { durable: false });
  const single = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const results = await batched.applyBatch('t', ops);
  // Each operation alone, through one-operation batches: the same outcomes and the same bytes.
  const alone = [];
  for (const op of ops) alone.push((await single.applyBatch('t', [op]))[0]);
  assert.deepEqual(results, alone);
  assert.deepEqual(results.map((r) => r.ok), [true, true, true, false, false]);
  assert.deepEqual(results.map((r) => r.result?.availableCents), [5, 7, 9, undefined, undefined]);
  assert.equal(results[3].reason, 'AGREEMENT_NOT_FOUND');
  assert.equal(await batched.stateHash('t'), await single.stateHash('t'));
  // The same keys again are replays: the keys crossed the addon byte for byte.
  const again = await batched.applyBatch('t', ops.slice(0, 2));
  assert.deepEqual(again.map((r) => r.alreadyExisted), [true, true]);
  for (const field of ['now', 'idempotencyKey', 'subject', 'request']) {
    const op = { operation: 'deposit', request: '{}', now: NOW, idempotencyKey: 'k', [field]: 'a\0b' };
    await assert.rejects(batched.applyBatch('t', [op]), { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'ARGUMENT_TYPE' });
  }
  batched.close();
  single.close();
});

test('wallet policy: a lock over the limit is refused and changes nothing', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const h = await openAgreement(store, { policy: { maxDailyCents: 999 } });
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f1' }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'WALLET_POLICY_MAX_DAILY' });
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 5000, escrow: 0 });
  store.close();
});

test('fund risk inputs reach the spend policy', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const h = await openAgreement(store, { policy: { spendPolicy: {
    schemaVersion: 'SpendPolicy.v1', risk: { challengeAtScore: 50, denySignals: ['stolen_card'] } } } });
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f1', riskScore: 60 }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'SPEND_RISK_SCORE_CHALLENGE' });
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f2', riskSignals: ['stolen_card'] }),
    { reason: 'SPEND_RISK_SIGNAL' });
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f3', riskScore: 101 }),
    { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'SPEND_REQUEST_INVALID' });
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 5000, escrow: 0 });
  const funded = await store.fund('t', h, { now: NOW, idempotencyKey: 'f4', riskScore: 10, riskSignals: ['new_device'] });
  assert.equal(funded.record.status, 'funded');
  store.close();
});

test('Policy: normalize, evaluate, simulate over recorded decisions', async (t) => {
  const capped = new nooterra.Policy({ rules: { maxAutoReleaseAmountCents: 500 } });
  assert.equal(new nooterra.Policy().hash, '006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8');
  assert.equal(capped.evaluate({ verificationStatus: 'green', amountCents: 1000 }).decisionMode, 'manual-review');
  assert.throws(() => new nooterra.Policy({ rules: { greenReleaseRatePct: 101 } }), { reason: 'POLICY_INVALID' });
  assert.deepEqual(nooterra.normalizeWalletPolicy({ maxDailyCents: 5, maxPerTransactionCents: null }), { maxDailyCents: 5 });
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const h = await openAgreement(store);
  await store.fund('t', h, { now: NOW, idempotencyKey: 'f1' });
  const settled = await store.settle('t', { agreementHash: h, decisionId: 'd1', receiptId: 'r1', verificationStatus: 'green' },
    { now: NOW, idempotencyKey: 's1' });
  assert.ok(nooterra.verifyObject(settled.policyDecision).ok);
  const report = await capped.simulate(store, 't');
  assert.deepEqual([report.total, report.changed], [1, 1]);
  assert.deepEqual(report.decisions[0].reasonsAdded, ['amount_exceeds_auto_release_limit']);
  store.close();
});

test('escalation: an approval-required fund waits for a signed OperatorAction', async (t) => {
  const approver = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 7));
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const h = await openAgreement(store, { extraAgents: [['agt_approver', approver]],
    policy: { requireApprovalAboveCents: 500, approverAgentIds: ['agt_approver'] } });
  const escalated = await store.fund('t', h, { now: NOW, idempotencyKey: 'f1' });
  assert.equal(escalated.escalation.status, 'pending');
  const id = escalated.escalation.escalationId;
  const action = nooterra.buildObject('OperatorAction.v1', {
    caseRef: { kind: 'escalation', caseId: id }, action: 'REJECT', justificationCode: 'OVER_BUDGET',
    actor: { operatorId: 'agt_approver' }, actedAt: NOW,
  }, { signer: approver });
  const decided = await store.resolveEscalation('t', id, action.object, { now: NOW, idempotencyKey: 'r1' });
  assert.equal(decided.escalation.status, 'rejected');
  assert.equal((await store.get('t', 'escalation', id)).status, 'rejected');
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f2' }),
    { reason: 'ESCALATION_REJECTED' });
  assert.deepEqual(await store.wallet('t', 'agt_buyer'), { available: 5000, escrow: 0 });
  store.close();
});

test('audit trail: the log replays into another store with the same state hash', async (t) => {
  const dir = tempDir(t);
  const src = await nooterra.Store.open(path.join(dir, 'src'), { durable: false });
  const dst = await nooterra.Store.open(path.join(dir, 'dst'), { durable: false });
  await src.registerAgent('t', 'agt_a', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 5)).publicKeyPem);
  await src.deposit('t', 'agt_a', 40, { idempotencyKey: 'd1' });
  assert.equal((await src.verifyLog('t')).entries, 2);
  const hash = await src.stateHash('t');
  assert.deepEqual(await dst.replayFrom(src, 't'), { entries: 2, stateHash: hash });
  assert.equal(await dst.stateHash('t'), hash);
  await assert.rejects(dst.replayFrom(src, 't'), { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'REPLAY_TARGET_NOT_EMPTY' });
  await assert.rejects(dst.replayFrom({}, 't'), { reason: 'ARGUMENT_TYPE' });
  src.close();
  await assert.rejects(dst.replayFrom(src, 't'), { reason: 'STORE_CLOSED' });
  dst.close();
});

test('many concurrent calls; close while calls are queued lets them finish', async (t) => {
  const dir = path.join(tempDir(t), 's');
  const store = await nooterra.Store.open(dir, { durable: false });
  const posts = [];
  for (let i = 0; i < 200; i++) {
    posts.push(store.ledgerPost('t', {
      id: `dep_${i}`, memo: '', postings: [
        { owner: 'external', currency: 'USD', bucket: 'external', amount: -1 },
        { owner: `agt_${i % 4}`, currency: 'USD', bucket: 'available', amount: 1 }],
    }));
  }
  store.close(); // the 200 queued calls still run against the open handle
  await Promise.all(posts);
  await assert.rejects(store.balance('t', 'agt_0'), { reason: 'STORE_CLOSED' });
  const reopened = await nooterra.Store.open(dir, { durable: false, create: false });
  const balances = await Promise.all([0, 1, 2, 3].map((i) => reopened.balance('t', `agt_${i}`)));
  assert.deepEqual(balances, [50, 50, 50, 50]);
  assert.deepEqual(await reopened.check('t'), []);
  await assert.rejects(reopened.ledgerPost('t', { id: 'dep_0', memo: '', postings: [] }),
    (e) => e.code === 'NOOTERRA_INVALID_ARGUMENT' || e.code === 'NOOTERRA_ALREADY_EXISTS');
  reopened.close();
  await assert.rejects(nooterra.Store.open(path.join(dir, 'missing'), { create: false }), { code: 'NOOTERRA_NOT_FOUND' });
});

test('worker threads load the addon and share a store directory', async (t) => {
  const dir = path.join(tempDir(t), 's');
  const packagePath = require.resolve(process.env.NOOTERRA_NODE_PACKAGE || path.join(__dirname, '..'));
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const nooterra = require(workerData.packagePath);
    (async () => {
      const store = await nooterra.Store.open(workerData.dir, { durable: false });
      for (let j = 0; j < 25; j++) {
        await store.ledgerPost('t', { id: 'w' + workerData.i + '_' + j, memo: '', postings: [
          { owner: 'external', currency: 'USD', bucket: 'external', amount: -2 },
          { owner: 'agt_w' + workerData.i, currency: 'USD', bucket: 'available', amount: 2 }] });
      }
      parentPort.postMessage(nooterra.canonicalHash({ b: 1, a: workerData.i }));
      store.close();
    })().catch((e) => { parentPort.postMessage('error ' + e.message); });`;
  fs.mkdirSync(dir, { recursive: true });
  // Each worker is its own Node environment with its own addon instance and its own store.
  const results = await Promise.all([0, 1, 2].map((i) => new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true, workerData: { dir: path.join(dir, `w${i}`), i, packagePath } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  results.forEach((r, i) => assert.equal(r, nooterra.canonicalHash({ a: i, b: 1 })));
  for (const i of [0, 1, 2]) {
    const s = await nooterra.Store.open(path.join(dir, `w${i}`), { durable: false, create: false });
    assert.equal(await s.balance('t', `agt_w${i}`), 50);
    s.close();
  }
  // A worker terminated while its store is open and calls are queued: its environment is torn
  // down (the store's finalizer closes the handle once the pool calls finish), the process lives on.
  const w = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const nooterra = require(workerData.packagePath);
    nooterra.Store.open(workerData.dir, { durable: false }).then((s) => {
      for (let i = 0; i < 100; i++) s.balance('t', 'agt').catch(() => {});
      setInterval(() => {}, 1000);  // stays alive until terminated
      parentPort.postMessage('open');
    });`, { eval: true, workerData: { dir: path.join(dir, 'terminated'), packagePath } });
  assert.equal(await new Promise((resolve) => w.once('message', resolve)), 'open');
  assert.equal(await w.terminate(), 1);
  assert.equal(nooterra.canonicalize('{"z":0,"a":1}'), '{"a":1,"z":0}');
});

test('process exit with open stores and queued calls is clean', (t) => {
  const dir = tempDir(t);
  const packagePath = require.resolve(process.env.NOOTERRA_NODE_PACKAGE || path.join(__dirname, '..'));
  const script = `
    const nooterra = require(${JSON.stringify(packagePath)});
    (async () => {
      const a = await nooterra.Store.open(${JSON.stringify(path.join(dir, 'a'))}, { durable: false });
      await a.deposit('t', 'agt', 5, { idempotencyKey: 'd' }).catch(() => {});
      for (let i = 0; i < 50; i++) a.balance('t', 'agt');  // queued, never awaited
      await nooterra.Store.open(${JSON.stringify(path.join(dir, 'b'))});  // never closed
      console.log('exiting');
      process.exit(0);
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.signal, null);
  assert.match(r.stdout, /exiting/);
});

test('SpendPolicy through the wallet policy: a window enforced on fund, and simulate over the spend log', async (t) => {
  const store = await nooterra.Store.open(path.join(tempDir(t), 's'), { durable: false });
  const spend = { schemaVersion: 'SpendPolicy.v1', windows: [{ scope: 'payer', windowMs: 3600000, maxCents: 999 }] };
  const h = await openAgreement(store, { policy: { spendPolicy: spend } });  // a 1000-cent agreement
  await assert.rejects(store.fund('t', h, { now: NOW, idempotencyKey: 'f1' }),
    { code: 'NOOTERRA_FAILED_PRECONDITION', reason: 'SPEND_WINDOW_PAYER' });
  await store.setWalletPolicy('t', 'agt_buyer', {}, { idempotencyKey: 'p2' });
  await store.fund('t', h, { now: NOW, idempotencyKey: 'f2' });
  const report = await new nooterra.SpendPolicy(spend).simulate(store, 't', 'agt_buyer');
  assert.deepEqual([report.total, report.blocked, report.locks[0].reasons], [1, 1, ['SPEND_WINDOW_PAYER']]);
  assert.equal(report.locks[0].spendId, `fund:${h}`);
  store.close();
});
