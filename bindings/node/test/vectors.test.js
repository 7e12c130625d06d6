'use strict';
// conformance/vectors/canonical-json.json: the canonical JSON vectors every suite (C++, Python,
// Node) runs (located by helpers.loadVectors).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { nooterra, loadVectors } = require('./helpers');

test('the shared canonical JSON vectors', () => {
  const { cases } = loadVectors('canonical-json.json');
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    if (c.error) {
      assert.throws(() => nooterra.canonicalize(c.input), { code: 'NOOTERRA_INVALID_ARGUMENT' }, c.name);
      continue;
    }
    assert.equal(nooterra.canonicalize(c.input), c.canonical, c.name);
    const expected = crypto.createHash('sha256').update(Buffer.from(c.canonical, 'utf8')).digest('hex');
    assert.equal(nooterra.canonicalHash(c.input), expected, c.name);
  }
});
