'use strict';
// `npm install` hook: puts the addon at build/nooterra.node. In order of preference:
//   1. NOOTERRA_BUILD_DIR names a CMake build of this project that already built the addon
//      (build/node/nooterra/build/nooterra.node): copy it. `make test` does this, so the core
//      is compiled once per run.
//   2. Otherwise build it with CMake from the core sources: NOOTERRA_SOURCE_DIR, else the copy
//      `npm pack` carries in core/, else the repository around bindings/node. Only the
//      `nooterra_node` target is built (tests, benches, examples and Python off), into
//      build/cmake. The Debian packages and BoringSSL source come from the core's
//      scripts/install-deps.sh, which this runs first (it is idempotent and says what it does).
// Progress goes to stderr; any failure exits non-zero with the reason.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const here = path.resolve(__dirname, '..');
const target = path.join(here, 'build', 'nooterra.node');

function log(message) { process.stderr.write(`nooterra install: ${message}\n`); }
function fail(message) { log(`error: ${message}`); process.exit(1); }

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} exited with ${r.status ?? r.signal}`);
}

function copyAddon(from) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(from, target);
  log(`addon ready: ${target} (from ${from})`);
}

function isCore(dir) {
  return dir && fs.existsSync(path.join(dir, 'include', 'nooterra', 'c.h')) &&
    fs.existsSync(path.join(dir, 'CMakeLists.txt'));
}

const reuse = process.env.NOOTERRA_BUILD_DIR;
if (reuse) {
  const built = path.join(path.resolve(reuse), 'node', 'nooterra', 'build', 'nooterra.node');
  if (!fs.existsSync(built)) fail(`NOOTERRA_BUILD_DIR is set but ${built} does not exist; build the nooterra_node target there first`);
  copyAddon(built);
  process.exit(0);
}

const core = [process.env.NOOTERRA_SOURCE_DIR, path.join(here, 'core'), path.resolve(here, '..', '..')].find(isCore);
if (!core) fail('no core sources found: set NOOTERRA_SOURCE_DIR to a nooterra checkout');
log(`building the addon from ${core}`);

let addonApi;
try {
  addonApi = path.dirname(require.resolve('node-addon-api/package.json', { paths: [here] }));
} catch (e) {
  fail('node-addon-api is not installed (it is a dependency of this package)');
}
const nodeInclude = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node']
  .find((d) => fs.existsSync(path.join(d, 'node_api.h')));
if (!nodeInclude) fail('Node-API headers (node_api.h) not found next to node or in /usr/include/node');

run(path.join(core, 'scripts', 'install-deps.sh'), ['--no-node']);
const buildDir = path.join(here, 'build', 'cmake');
const generator = spawnSync('ninja', ['--version']).status === 0 ? ['-G', 'Ninja'] : [];
run('cmake', ['-S', core, '-B', buildDir, ...generator, '-DCMAKE_BUILD_TYPE=Release', '-DNOOTERRA_TESTS=OFF',
  '-DNOOTERRA_BENCH=OFF', '-DNOOTERRA_EXAMPLES=OFF', '-DNOOTERRA_PYTHON=OFF', '-DNOOTERRA_NODE=ON',
  `-DNOOTERRA_NODE_ADDON_API_DIR=${addonApi}`, `-DNOOTERRA_NODE_INCLUDE_DIR=${nodeInclude}`]);
run('cmake', ['--build', buildDir, '--target', 'nooterra_node', '-j', String(require('node:os').availableParallelism?.() ?? 2)]);
copyAddon(path.join(buildDir, 'node', 'nooterra', 'build', 'nooterra.node'));
// The CMake tree is hundreds of MB of objects the package never loads.
if (!process.env.NOOTERRA_KEEP_BUILD) fs.rmSync(buildDir, { recursive: true, force: true });
