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

const doc = '{"agreementHash":"x","amountCents":1500,"currency":"USD"}';
console.log(JSON.stringify({
  node_call_overhead_ns: Math.round(nsPerCall(() => native.objectSchemaVersion(1)) * 10) / 10,
  node_canonical_hash_small_ns: Math.round(nsPerCall(() => nooterra.canonicalHash(doc), 100000) * 10) / 10,
}));
