'use strict';
// conformance/vectors/canonical-json.json: the canonical JSON vectors every suite (C++, Python,
// Node) runs. Found next to this package in the repository, or under NOOTERRA_SOURCE_DIR (the
// npm install test runs a copy of this folder elsewhere).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { nooterra } = require('./helpers');

const repo = process.env.NOOTERRA_SOURCE_DIR || path.join(__dirname, '..', '..', '..');
const file = path.join(repo, 'conformance', 'vectors', 'canonical-json.json');

test('the shared canonical JSON vectors', () => {
  const { cases } = JSON.parse(fs.readFileSync(file, 'utf8'));
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
