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
// NOOTERRA_BENCH_ONLY=batch: the batch figure alone (bench/batch_compare.sh).
const batchOnly = process.env.NOOTERRA_BENCH_ONLY === 'batch';
batchDepositsPerS().then((batch) => console.log(JSON.stringify(batchOnly ? { node_batch_deposits_per_s: Math.round(batch) } : {
  node_batch_deposits_per_s: Math.round(batch),
  node_call_overhead_ns: Math.round(nsPerCall(() => native.objectSchemaVersion(1)) * 10) / 10,
  node_canonical_hash_small_ns: Math.round(nsPerCall(() => nooterra.canonicalHash(doc), 100000) * 10) / 10,
})));
