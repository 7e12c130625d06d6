'use strict';
// `npm pack` hook: copies the core sources the addon is built from into core/, so the tarball
// builds anywhere (scripts/install.js finds them there). `--clean` (postpack) removes the copy.
// Only what the addon target needs is carried: the CMake project, cmake/, include/, src/,
// capi/, the dependency installer and this binding's CMakeLists.txt and src/.
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const repo = process.env.NOOTERRA_SOURCE_DIR ? path.resolve(process.env.NOOTERRA_SOURCE_DIR) : path.resolve(here, '..', '..');
const core = path.join(here, 'core');

fs.rmSync(core, { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);

const entries = ['CMakeLists.txt', 'cmake', 'include', 'src', 'capi', 'scripts/install-deps.sh',
  'bindings/node/CMakeLists.txt', 'bindings/node/src'];
for (const entry of entries) {
  const from = path.join(repo, entry);
  if (!fs.existsSync(from)) {
    process.stderr.write(`nooterra prepack: ${from} missing; run npm pack inside a nooterra checkout\n`);
    process.exit(1);
  }
  fs.cpSync(from, path.join(core, entry), { recursive: true, preserveTimestamps: true });
}
process.stderr.write(`nooterra prepack: core sources copied into ${core}\n`);
