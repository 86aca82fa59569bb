// The package as a user gets it (issue 12, items 2 and 9): `npm pack`, then `npm install ./nlp-backdoor-*.tgz`
// in a new project without network, and the README's library example run there as written. onnxruntime-node is
// an optional dependency: its install script downloads a CUDA provider (unreachable offline), and npm then
// leaves it out instead of failing the install; the library runs on tfjs/wasm without it.
//
// No network: npm's cache holds the tarballs that `npm ci` fetched for this repository, but not the registry
// metadata a lock-less install resolves versions from, so the new project gets a package-lock.json with this
// repository's resolved versions (what a lock-less install on a network picks for these exact pins) and
// `npm install --offline` takes every tarball from the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// a generous limit: under a loaded machine npm install took 144 s (idle: ~30 s); a hang still ends
/** The environment without npm_* variables: `npm test` sets them, and they would configure the nested npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NLP_BACKDOOR_BACKEND' && k !== 'ONNXRUNTIME_NODE_INSTALL') env[k] = v;
  return env;
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: cleanEnv(), timeout: 400_000, ...opts });
  return { status: r.status, out: String(r.stdout), err: String(r.stderr) };
}

/** The README's library example: the first ```js block under "## Library". */
function readmeLibraryExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /## Library\s+```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README.md has a ```js block under "## Library"');
  return m[1]!;
}

interface LockEntry {
  dev?: boolean;
  [k: string]: unknown;
}

test('npm pack + npm install offline in a new project; the README library example runs there as written', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-packed-'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // dist/ is built (these tests run from it): pack without the prepare script's second build
  const packed = run(NPM, ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
  assert.equal(packed.status, 0, packed.err);
  const tgz = `nlp-backdoor-${pkg.version}.tgz`;
  assert.ok(fs.existsSync(path.join(work, tgz)), packed.out);

  const proj = path.join(work, 'proj');
  fs.mkdirSync(proj);
  fs.renameSync(path.join(work, tgz), path.join(proj, tgz));
  const spec = `file:${tgz}`;
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'proj', version: '1.0.0', private: true, dependencies: { 'nlp-backdoor': spec } }, null, 2));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'proj', version: '1.0.0', dependencies: { 'nlp-backdoor': spec } },
    'node_modules/nlp-backdoor': { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, optionalDependencies: pkg.optionalDependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [k, v] of Object.entries(lock.packages)) if (k !== '' && !v.dev) packages[k] = v;
  fs.writeFileSync(path.join(proj, 'package-lock.json'), JSON.stringify({ name: 'proj', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));

  const inst = run(NPM, ['install', `./${tgz}`, '--offline', '--no-audit', '--no-fund'], { cwd: proj });
  assert.equal(inst.status, 0, `npm install failed:\n${inst.out}\n${inst.err}`);
  assert.ok(fs.existsSync(path.join(proj, 'node_modules', 'nlp-backdoor', 'dist', 'src', 'index.js')));

  // the example, verbatim, as an ES module of the new project
  fs.writeFileSync(path.join(proj, 'example.mjs'), readmeLibraryExample());
  const ex = run(process.execPath, ['example.mjs'], { cwd: proj });
  assert.equal(ex.status, 0, ex.err);
  assert.match(ex.out, /label: [01],\s+labelName: '(negative|positive)'/);
  assert.match(ex.out, /probs: \[/);

  // the CLI of the installed package
  const cli = run(path.join(proj, 'node_modules', '.bin', 'nlp-backdoor'), ['--version'], { cwd: proj });
  assert.equal(cli.status, 0, cli.err);
  assert.equal(cli.out.trim(), pkg.version);
  fs.rmSync(work, { recursive: true, force: true });
});

test('npx nlp-backdoor in the repository prints no npm warning (no unknown project config)', () => {
  const r = run(NPM, ['exec', '--offline', '--', 'nlp-backdoor', '--version'], { cwd: ROOT });
  assert.equal(r.status, 0, r.err);
  assert.doesNotMatch(r.err, /npm warn/i);
  assert.ok(!fs.existsSync(path.join(ROOT, '.npmrc')) || !/onnxruntime-node-install/.test(fs.readFileSync(path.join(ROOT, '.npmrc'), 'utf8')));
});
