'use strict';
// Shared by the node:test files: the package under test and the reference data.
// NOOTERRA_NODE_PACKAGE points at a built package directory (CMake's build/node/nooterra);
// without it the tests load this source package (after `npm install` built the addon).
// Reference data: NOOTERRA_REFERENCE_DIR, else the build's default; a missing file fails the
// test that needs it with a clear message.
const fs = require('node:fs');
const path = require('node:path');

const nooterra = require(process.env.NOOTERRA_NODE_PACKAGE || path.join(__dirname, '..'));

function referenceDir() {
  return process.env.NOOTERRA_REFERENCE_DIR || process.env.NOOTERRA_DEFAULT_REFERENCE_DIR ||
    path.join(__dirname, '..', '..', '..', '..', 'shared', 'reference');
}

function referencePath(relative) {
  const p = path.join(referenceDir(), relative);
  if (!fs.existsSync(p)) throw new Error(`reference data missing: ${p} (set NOOTERRA_REFERENCE_DIR)`);
  return p;
}

function loadReference(relative) {
  return JSON.parse(fs.readFileSync(referencePath(relative), 'utf8'));
}

// The project's own vectors (conformance/vectors/NAME): next to this package in the repository,
// or under NOOTERRA_SOURCE_DIR (the npm install test runs a copy of this folder elsewhere).
function loadVectors(name) {
  const repo = process.env.NOOTERRA_SOURCE_DIR || path.join(__dirname, '..', '..', '..');
  return JSON.parse(fs.readFileSync(path.join(repo, 'conformance', 'vectors', name), 'utf8'));
}

module.exports = { nooterra, referencePath, loadReference, loadVectors };
