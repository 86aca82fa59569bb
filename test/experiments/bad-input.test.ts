// Issue 9's bad input, each against a folder that already holds finished runs: an unknown sweep key, an empty
// grid, a queue URL that does not answer (a server that accepts and stays silent: a clear error within
// seconds, no hang) and the store of another experiment file. Each is a clear error before anything trains,
// and the folder's store, results and models are byte for byte what they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli.js';
import { smallSweep } from '../helpers/sweep.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { STORE_FILE } from '../../src/experiments/store.js';

let dir = '';
let out = '';
let file = '';
const YAML = smallSweep('bad-input', 1).replace('seeds: [1, 2]', 'seed: 1').replace('[0.05, 0.1, 0.25]', '[0.05, 0.1]');

/** Every file under the folder with its bytes, for before/after comparison. */
function snapshot(root: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else m.set(path.relative(root, p), fs.readFileSync(p).toString('base64'));
    }
  };
  walk(root);
  return m;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-bad-input-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(300, 6)));
  file = path.join(dir, 'e.yaml');
  fs.writeFileSync(file, YAML);
  out = path.join(dir, 'out');
  const r = await cli(['run', file, '--out', out, '--workers', '1', '--quiet', '--engine', 'tfjs']);
  assert.equal(r.code, 0, r.out);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')).runs.length, 2);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `yaml` (written beside the experiment) into the finished folder: its error, and the folder unchanged. */
async function refused(yaml: string, extra: string[] = [], name = 'bad.yaml'): Promise<{ out: string; seconds: number }> {
  const before = snapshot(out);
  const bad = path.join(dir, name);
  fs.writeFileSync(bad, yaml);
  const t0 = performance.now();
  const r = await cli(['run', bad, '--out', out, '--workers', '1', '--quiet', ...extra]);
  const seconds = (performance.now() - t0) / 1000;
  assert.notEqual(r.code, 0, r.out);
  assert.deepEqual(snapshot(out), before, 'the finished runs are untouched');
  return { out: r.out, seconds };
}

test('an unknown sweep key: an error naming the file, line and key; the finished runs untouched', async () => {
  const r = await refused(YAML.replace('sweep: {', 'sweep: { epochs: [1, 2],'));
  assert.match(r.out, /bad\.yaml, line 9, key "runs\.0\.sweep\.epochs": unknown sweep key "epochs"/);
});

test('an empty grid: an error naming the file, line and key; the finished runs untouched', async () => {
  const r = await refused(YAML.replace('[0.05, 0.1]', '[]'));
  assert.match(r.out, /bad\.yaml, line 9, key "runs\.0\.sweep\.attack\.proportion": .*an empty grid/s);
});

test('a queue that accepts the connection and never answers: an error within seconds, no hang; the finished runs untouched', { timeout: 60_000 }, async () => {
  // not Redis: a server that takes the connection and says nothing (a firewall that drops, a wrong service)
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const r = await refused(YAML, ['--queue', `redis://127.0.0.1:${port}`]);
    assert.match(r.out, new RegExp(`--queue redis://127\\.0\\.0\\.1:${port}: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(no answer in 5 s\\)`));
    assert.ok(r.seconds < 15, `gave up after ${r.seconds.toFixed(1)} s`);
    assert.ok(sockets.length >= 1, 'it did connect');
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});

test('the store of another experiment file: an error naming the store, its line and both experiments; untouched', async () => {
  const r = await refused(YAML.replace('name: bad-input', 'name: another'), [], 'another.yaml');
  assert.match(r.out, new RegExp(`${STORE_FILE.replace('.', '\\.')}, line 1: this folder holds the results of experiment "bad-input" \\(e\\.yaml\\), not of "another" \\(another\\.yaml\\)`));
});
