'use strict';
// Per-call overhead of the Node binding: median ns of a trivial C ABI call made through the addon
// (nooterra_object_schema_version: a table lookup), and of canonicalHash on a 60-byte document.
// Prints one JSON object.
// usage: NODE_PATH=build/node node bench/bindings_overhead.js
const nooterra = require('nooterra');
const native = require(require('node:path').join(require.resolve('nooterra'), '..', '..', 'build', 'nooterra.node'));

function nsPerCall(fn, n = 200000, rounds = 5) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

// Deposits through store.applyBatch, 512 per commit, no fsync: compare with nooterra-bench
// batch_deposits_per_s (the same batches from C++).
async function batchDepositsPerS(rounds = 5, batches = 20) {
  const fs = require('node:fs');
  const os = require('node:os');
  const dir = fs.mkdtempSync(require('node:path').join(os.tmpdir(), 'nooterra-bench-'));
  const store = await nooterra.Store.open(dir + '/s', { durable: false });
  const rates = [];
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      const ops = [];
      for (let i = 0; i < 512; i++) {
        ops.push({ operation: 'deposit', now: '2026-01-01T00:00:00Z', idempotencyKey: `dep_${n++}`,
          request: { agentId: `agt_${i % 16}`, currency: 'USD', amountCents: 1 } });
      }
      await store.applyBatch('bench', ops);
    }
    rates.push((512 * batches) / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

const doc = '{"agreementHash":"x","amountCents":1500,"currency":"USD"}';
// One settle call replayed by its idempotency key (the same kernel work as nooterra-bench's
// capi_settle_replay_ns), awaited one at a time: the median ns per call, the pool hop included.
async function settleReplayNs(n = 20000, rounds = 5) {
  const fs = require('node:fs');
  const os = require('node:os');
  const dir = fs.mkdtempSync(require('node:path').join(os.tmpdir(), 'nooterra-bench-'));
  const store = await nooterra.Store.open(dir + '/s', { durable: false });
  const now = '2026-06-01T00:00:00Z';
  await store.registerAgent('t', 'agt_buyer', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 1)).publicKeyPem);
  await store.registerAgent('t', 'agt_tool', nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 2)).publicKeyPem);
  await store.deposit('t', 'agt_buyer', 5000, { idempotencyKey: 'dep' });
  const created = await store.createAgreement('t', {
    agreement: { toolId: 'tool_x', callId: 'call_1', manifestHash: 'a'.repeat(64), input: {},
      settlementTerms: { amountCents: 1000, currency: 'USD' }, payerAgentId: 'agt_buyer', payeeAgentId: 'agt_tool' },
    holdbackBps: 0, challengeWindowMs: 800,
  }, { now, idempotencyKey: 'c1' });
  const h = created.agreement.agreementHash;
  await store.fund('t', h, { now, idempotencyKey: 'f1' });
  const request = { agreementHash: h, decisionId: 'd1', receiptId: 'r1', verificationStatus: 'green' };
  await store.settle('t', request, { now, idempotencyKey: 's1' });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await store.settle('t', request, { now, idempotencyKey: 's1' });
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  // applyTextSync (JSON text in and out, no thread hop) against the same C ABI call looped inside
  // the addon, in this process, round by round: the added cost is the median per-round difference.
  const text = JSON.stringify(request);
  const sync = [], capi = [], added = [];
  for (let r = 0; r < 7; r++) {
    const c = store._s.benchApplyNs('t', 7, null, text, now, 's1', n);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) store.applyTextSync('t', 'settle', text, { now, idempotencyKey: 's1' });
    const s = Number(process.hrtime.bigint() - t0) / n;
    sync.push(s);
    capi.push(c);
    added.push(s - c);
  }
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { awaited: median(samples), sync: median(sync), capi: median(capi), added: median(added) };
}

// NOOTERRA_BENCH_ONLY=batch: the batch figure alone (bench/batch_compare.sh).
const batchOnly = process.env.NOOTERRA_BENCH_ONLY === 'batch';
(async () => {
  const batch = await batchDepositsPerS();
  if (batchOnly) return console.log(JSON.stringify({ node_batch_deposits_per_s: Math.round(batch) }));
  const settle = await settleReplayNs();
  const r1 = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    node_settle_replay_ns: r1(settle.awaited),
    node_settle_replay_sync_ns: r1(settle.sync),
    node_settle_replay_capi_ns: r1(settle.capi),
    node_settle_added_ns: r1(settle.added),
    node_batch_deposits_per_s: Math.round(batch),
    node_call_overhead_ns: Math.round(nsPerCall(() => native.objectSchemaVersion(1)) * 10) / 10,
    node_canonical_hash_small_ns: Math.round(nsPerCall(() => nooterra.canonicalHash(doc), 100000) * 10) / 10,
  }));
})();
