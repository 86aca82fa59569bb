// Issue 9, the result store and worker processes: every finished run is in DIR/store.jsonl before it
// counts; a sweep killed with SIGKILL at a random moment and run again ends with every run finished exactly
// once; a crashed worker fails only its own run, and a rerun retries it; a store of another experiment is
// refused before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ResultStore, STORE_FILE, LOCK_FILE, type Outcome } from '../../src/experiments/store.js';
import { loadExperiment } from '../../src/experiments/load.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { Rng } from '../../src/common/random.js';
import { BIN } from '../helpers/spawn-cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { smallSweep, storeLines } from '../helpers/sweep.js';

/** Six small runs: 3 proportions × 2 seeds of the example, cut down to train in about a second each. */
const SWEEP = smallSweep('sweep6', 3);

function setup(yaml: string, n = 400): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-store-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(n, 4)));
  const file = path.join(dir, 'e.yaml');
  fs.writeFileSync(file, yaml);
  return { dir, file };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * `nlp-backdoor ARGS` in its own process group; `onLine(line, kill)` sees every stderr line and may kill the
 * whole group (the coordinator and its workers: a crash of the machine, as far as the folder can tell).
 */
function runCli(args: string[], onLine?: (stderr: string, pid: number) => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, NLP_BACKDOOR_BACKEND: 'wasm' } });
    let stderr = '';
    const limit = setTimeout(() => process.kill(-p.pid!, 'SIGKILL'), 120_000);
    p.stderr.on('data', (d) => {
      stderr += String(d);
      onLine?.(stderr, p.pid!);
    });
    p.on('error', reject);
    p.on('close', (code, signal) => (clearTimeout(limit), resolve({ code, signal, stderr })));
  });
}

test('the store: a torn last line is cut off, a second done for a run is not written, another experiment is refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-store-'));
  const s = ResultStore.open(dir, { name: 'a', file: 'a.yaml' });
  const done = (key: string, fingerprint: string): Outcome => ({ type: 'done', key, id: key, fingerprint, result: { id: key } as never, by: 'local', at: 'now' });
  assert.equal(s.record({ type: 'failed', key: 'k1', id: 'k1', fingerprint: 'f', error: 'boom', by: 'local', at: 'now' }), true);
  assert.equal(s.record(done('k1', 'f')), true);
  assert.equal(s.record(done('k1', 'f')), false, 'a run already done under the same fingerprint is not stored twice');
  assert.equal(s.record(done('k1', 'g')), true, 'a changed run (new fingerprint) is a new outcome');
  s.close();
  // a kill in the middle of an append: a line without its newline
  const file = path.join(dir, STORE_FILE);
  fs.appendFileSync(file, '{"type":"done","key":"k2","id":"k2","finger');
  const again = ResultStore.open(dir, { name: 'a' });
  assert.deepEqual(again.all().map((o) => [o.type, o.key, o.fingerprint]), [['failed', 'k1', 'f'], ['done', 'k1', 'f'], ['done', 'k1', 'g']]);
  assert.equal(again.latest('k1')?.fingerprint, 'g');
  assert.equal(again.done('k1', 'f')?.type, 'done');
  assert.equal(again.done('k2', 'f'), undefined);
  again.record(done('k2', 'f'));
  again.close();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.length, 6, 'header, 4 outcomes, the final newline');
  assert.ok(lines.slice(0, -1).every((l) => JSON.parse(l)), 'every line is whole JSON');
  // another experiment's store is refused, naming the store, its line and both experiments
  const before = fs.readFileSync(file);
  assert.throws(() => ResultStore.open(dir, { name: 'b', file: 'b.yaml' }), /store\.jsonl, line 1: this folder holds the results of experiment "a" \(a\.yaml\), not of "b" \(b\.yaml\); give another --out/);
  assert.deepEqual(fs.readFileSync(file), before);
  // a damaged line in the middle is an error with its line number, not a silent skip
  fs.writeFileSync(file, before.toString().replace('"type":"failed"', '"type":"failed'));
  assert.throws(() => ResultStore.open(dir, { name: 'a' }), /store\.jsonl, line 2: not a result store line/);
});

test('one writer at a time: a live writer\'s folder is refused, a killed writer\'s lock is taken over, readers need no lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-store-'));
  const w = ResultStore.open(dir, { name: 'a' });
  assert.throws(() => ResultStore.open(dir, { name: 'a' }), new RegExp(`store\\.lock: another nlp-backdoor process \\(pid ${process.pid} on ${os.hostname()}, since .*\\) is writing this folder`));
  assert.equal(ResultStore.open(dir, { name: 'a' }, { readOnly: true }).all().length, 0, 'a reader opens it while it is written');
  w.close();
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), 'closing releases the lock');
  // the lock of a process that no longer exists (a SIGKILLed run) does not block the rerun
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout), host: os.hostname(), since: 'then' }));
  ResultStore.open(dir, { name: 'a' }).close();
});

test('run into a folder of another experiment fails before any training and leaves its runs untouched', async () => {
  const { dir, file } = setup(SWEEP.replace('seeds: [1, 2]', 'seed: 1').replace('[0.05, 0.1, 0.25]', '[0.1]'));
  const out = path.join(dir, 'out');
  const { config, baseDir } = loadExperiment(file);
  await runExperiment(config, out, { baseDir, file, log: () => {} });
  const snapshot = fs.readFileSync(path.join(out, STORE_FILE));
  const results = fs.readFileSync(path.join(out, 'results.json'));
  fs.writeFileSync(path.join(dir, 'other.yaml'), fs.readFileSync(file, 'utf8').replace('name: sweep6', 'name: other'));
  const other = loadExperiment(path.join(dir, 'other.yaml'));
  await assert.rejects(runExperiment(other.config, out, { baseDir, file: path.join(dir, 'other.yaml'), log: () => {} }), /store\.jsonl, line 1: this folder holds the results of experiment "sweep6" \(e\.yaml\), not of "other" \(other\.yaml\)/);
  assert.deepEqual(fs.readFileSync(path.join(out, STORE_FILE)), snapshot);
  assert.deepEqual(fs.readFileSync(path.join(out, 'results.json')), results);
});

test('a sweep SIGKILLed at a random moment (coordinator and workers) and run again: every run finished exactly once', async () => {
  const { dir, file } = setup(SWEEP);
  const out = path.join(dir, 'out');
  const args = ['run', file, '--out', out, '--workers', '2', '--quiet'];
  // the moment: after a seeded random number (0 to 4) of runs have finished, plus a random 0–300 ms (while
  // at least one run is still training: each takes about a second here)
  const seed = 9;
  const rng = new Rng(seed);
  const afterRuns = rng.int(5);
  const delay = rng.next() * 300;
  let armed = false;
  const killed = await runCli(args, (stderr, pid) => {
    const finished = (stderr.match(/^\[\d+\/6\] .*: cacc/gm) ?? []).length;
    if (!armed && finished >= afterRuns && /started in worker process/.test(stderr)) {
      armed = true;
      setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // the sweep ended first: the assertion below says so
        }
      }, delay);
    }
  });
  const why = `seed ${seed}: kill after ${afterRuns} runs + ${delay.toFixed(0)} ms\n${killed.stderr}`;
  const before = storeLines(out);
  assert.equal(killed.signal, 'SIGKILL', why);
  assert.ok(before.filter((o) => o.type === 'done').length < 6, why);
  // every line written before the kill is whole and stays as it was
  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  const after = storeLines(out);
  assert.deepEqual(after.slice(0, before.length), before, 'the rerun only appends');
  const done = after.filter((o) => o.type === 'done');
  assert.equal(done.length, 6, `one done line per run\n${why}`);
  assert.equal(new Set(done.map((o) => o.key)).size, 6, 'no run stored twice');
  assert.equal((again.stderr.match(/done before/g) ?? []).length, before.filter((o) => o.type === 'done').length, 'finished runs are not trained again');
  const res = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(res.status, 'complete');
  assert.deepEqual(res.runs.map((r: { key: string }) => r.key).sort(), done.map((o) => o.key).sort());
  for (const r of res.runs) {
    assert.ok(fs.existsSync(path.join(out, 'runs', r.id, 'model', 'model.safetensors')), r.id);
    assert.equal(r.resolved.attack.proportion, r.point['attack.proportion']);
  }
});

test('a worker process that dies fails only its run; the others finish; a rerun retries the failed run', async () => {
  const { dir, file } = setup(SWEEP.replace('seeds: [1, 2]', 'seed: 1').replace('epochs: 3', 'epochs: 6'));
  const out = path.join(dir, 'out');
  const args = ['run', file, '--out', out, '--workers', '2', '--quiet'];
  let victim: { id: string; pid: number } | null = null;
  const first = await runCli(args, (stderr) => {
    const m = /^(\S+): started in worker process (\d+)$/m.exec(stderr);
    if (m && !victim) {
      victim = { id: m[1]!, pid: Number(m[2]) };
      process.kill(victim.pid, 'SIGKILL');
    }
  });
  assert.ok(victim, first.stderr);
  const { id, pid } = victim as { id: string; pid: number };
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, new RegExp(`failed: ${id.replace(/[.+]/g, '\\$&')} \\(worker process ${pid} died during run ${id.replace(/[.+]/g, '\\$&')} \\(signal SIGKILL\\)\\)`));
  const res = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(res.status, 'partial');
  assert.equal(res.runs.length, 2, 'the other runs finished');
  assert.deepEqual(res.failed.map((f: { id: string }) => f.id), [id]);
  // the rerun trains only the failed run
  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stderr.match(/done before/g) ?? []).length, 2);
  const lines = storeLines(out);
  assert.deepEqual(lines.filter((o) => o.id === id).map((o) => o.type), ['failed', 'done']);
  assert.equal(lines.filter((o) => o.type === 'done').length, 3);
  const final = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(final.status, 'complete');
  assert.equal(final.failed, undefined);
});

test('a run that throws is recorded as failed with its error and the others still run (in-process)', async () => {
  const { dir, file } = setup(`name: broken
seed: 1
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn, numFilters: 8 }
train: { epochs: 1, patience: 0 }
runs:
  - name: bad
    transfer: { from: brokenmodel, mode: head }
  - name: good
`);
  // a model folder whose weights are not a safetensors file: loading it throws inside the run
  fs.mkdirSync(path.join(dir, 'brokenmodel'));
  fs.writeFileSync(path.join(dir, 'brokenmodel', 'config.json'), '{"model_type":"sentence-cnn"}');
  fs.writeFileSync(path.join(dir, 'brokenmodel', 'model.safetensors'), 'not weights');
  const { config, baseDir } = loadExperiment(file);
  const out = path.join(dir, 'out');
  const res = await runExperiment(config, out, { baseDir, file, log: () => {} });
  assert.equal(res.status, 'partial');
  assert.deepEqual(res.runs.map((r) => r.id), ['good']);
  assert.equal(res.failed?.length, 1);
  assert.equal(res.failed![0]!.id, 'bad');
  assert.ok(res.failed![0]!.error.length > 0);
  const lines = storeLines(out);
  assert.deepEqual(lines.map((o) => [o.id, o.type]), [['bad', 'failed'], ['good', 'done']]);
});
