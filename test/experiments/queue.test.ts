// Issue 9, distributed mode: `run --queue redis://…` with two `worker` processes, one SIGKILLed mid-run:
// BullMQ's stalled-job check hands its run to the other worker, and every run ends with exactly one stored
// outcome. Needs a real redis-server: $NLP_BACKDOOR_TEST_REDIS (a redis:// URL; .ci/run starts one), else
// the `redis-server` binary started here on a free loopback port. Without either the test fails in CI (CI
// or NLP_BACKDOOR_REQUIRE_REDIS set) and is skipped with the reason elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { STORE_FILE } from '../../src/experiments/store.js';
import { BIN } from '../helpers/spawn-cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { cli } from '../helpers/cli.js';
import { smallSweep, storeLines } from '../helpers/sweep.js';

const SWEEP = smallSweep('queue6', 6);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** A Redis URL for the test, and how to stop what was started; or the reason there is none. */
async function redis(): Promise<{ url: string; stop: () => void } | string> {
  const given = process.env['NLP_BACKDOOR_TEST_REDIS'];
  if (given) return { url: given, stop: () => {} };
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'no redis-server (apt-get install redis-server, as .ci/run does, or set NLP_BACKDOOR_TEST_REDIS=redis://HOST:PORT)';
  const port = await freePort();
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return { url, stop: () => p.kill('SIGKILL') };
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill('SIGKILL');
  return `redis-server did not start on port ${port}`;
}

function startWorker(url: string, onLine: (all: string) => void): { p: ChildProcess; log: () => string } {
  // short locks so a killed worker's job is taken up within seconds (the defaults are 30 s)
  const p = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--quiet', '--lock-ms', '2000', '--stalled-check-ms', '1000'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NLP_BACKDOOR_BACKEND: 'wasm' } });
  let all = '';
  p.stderr!.on('data', (d) => {
    all += String(d);
    onLine(all);
  });
  return { p, log: () => all };
}

test('run --queue with two workers, one SIGKILLed mid-run: every run finished exactly once', async (t) => {
  const r = await redis();
  if (typeof r === 'string') {
    if (process.env['CI'] || process.env['NLP_BACKDOOR_REQUIRE_REDIS']) assert.fail(`the distributed-mode test needs Redis: ${r}`);
    t.skip(r);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-queue-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(400, 4)));
  fs.writeFileSync(path.join(dir, 'e.yaml'), SWEEP);
  const out = path.join(dir, 'out');
  let victimRun = null as string | null;
  const workers: { p: ChildProcess; log: () => string }[] = [];
  try {
    const w1 = startWorker(r.url, (all) => {
      const m = /^(\S+): started \(job/m.exec(all);
      if (m && !victimRun) {
        victimRun = m[1]!;
        // mid-run: a moment after it started training
        setTimeout(() => w1.p.kill('SIGKILL'), 300);
      }
    });
    const w2 = startWorker(r.url, () => {});
    workers.push(w1, w2);
    const coordinator = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'run', path.join(dir, 'e.yaml'), '--out', out, '--queue', r.url, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      const limit = setTimeout(() => p.kill('SIGKILL'), 120_000);
      p.stderr.on('data', (d) => (stderr += String(d)));
      p.on('close', (code) => (clearTimeout(limit), resolve({ code, stderr })));
    });
    const logs = `coordinator:\n${coordinator.stderr}\nworker 1:\n${w1.log()}\nworker 2:\n${w2.log()}`;
    assert.equal(coordinator.code, 0, logs);
    assert.ok(victimRun, logs);
    assert.equal(w1.p.signalCode, 'SIGKILL', 'worker 1 was killed');
    // the killed worker's run was taken up by the other worker after its lock expired
    assert.match(w2.log(), new RegExp(`^${victimRun!.replace(/[.+]/g, '\\$&')}: done`, 'm'), logs);
    const lines = storeLines(out);
    assert.equal(lines.length, 6, `one outcome per run\n${logs}`);
    assert.ok(lines.every((o) => o.type === 'done'));
    assert.equal(new Set(lines.map((o) => o.key)).size, 6);
    const res = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    assert.equal(res.status, 'complete');
    for (const run of res.runs) assert.ok(fs.existsSync(path.join(out, 'runs', run.id, 'model', 'model.safetensors')), `${run.id}: its model came back`);
    // run again: everything is in the store, nothing is queued
    const again = await cli(['run', path.join(dir, 'e.yaml'), '--out', out, '--queue', r.url, '--quiet']);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /done: 6 run\(s\) finished/);
    assert.equal(fs.readFileSync(path.join(out, STORE_FILE), 'utf8').trim().split('\n').length, 7, 'no outcome added');
  } finally {
    for (const w of workers) if (w.p.exitCode === null && w.p.signalCode === null) w.p.kill('SIGKILL');
    r.stop();
  }
});

test('a queue URL that cannot be reached is a clear error within seconds, before anything runs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-queue-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(100, 4)));
  fs.writeFileSync(path.join(dir, 'e.yaml'), SWEEP);
  const port = await freePort();
  const t0 = performance.now();
  const r = await cli(['run', path.join(dir, 'e.yaml'), '--out', path.join(dir, 'out'), '--queue', `redis://127.0.0.1:${port}`]);
  assert.equal(r.code, 1);
  assert.match(r.out, new RegExp(`--queue redis://127\\.0\\.0\\.1:${port}: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); is redis-server running there\\?`));
  assert.ok(performance.now() - t0 < 10_000);
  assert.ok(!fs.existsSync(path.join(dir, 'out', STORE_FILE)), 'nothing written');
  const bad = await cli(['run', path.join(dir, 'e.yaml'), '--out', path.join(dir, 'out'), '--queue', 'http://example.org']);
  assert.match(bad.out, /--queue http:\/\/example\.org: only redis:\/\/HOST:PORT queues are supported/);
});
