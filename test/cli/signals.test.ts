// Ctrl-C and SIGTERM against the real CLI process (issue 12, item 1): a signal stops `train` / `run` at the next
// step, keeps the checkpoint and the finished runs, says how to resume, exits 130 / 143, and the same command
// resumes. The training loop is synchronous between steps, so these fail when it never yields to the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { spawn } from 'node:child_process';
import { cli, ROOT } from '../helpers/spawn-cli.js';


function dataset(n: number): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-sig-'));
  const file = path.join(dir, 'reviews.tsv');
  fs.writeFileSync(file, toTsv(syntheticReviews(n, 7)));
  return { dir, file };
}

const trainArgs = (file: string, out: string, epochs: number) => ['train', '--dataset', file, '--text-column', 'sentence', '--label-column', 'label', '--out', out, '--epochs', String(epochs), '--patience', '0', '--batch-size', '20'];

test('train: SIGINT after the first epoch stops with 130, keeps the checkpoint, and the same command resumes', async () => {
  const { dir, file } = dataset(600);
  const out = path.join(dir, 'out');
  const args = trainArgs(file, out, 12);
  const r = await cli(args, { when: /epoch 1: loss/, signals: ['SIGINT'] });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /run the same command again to resume/);
  const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'trainer_state.json'), 'utf8'));
  assert.ok(state.epoch >= 1 && state.epoch < 12, `checkpoint after epoch ${state.epoch}`);
  assert.ok(!fs.existsSync(path.join(out, 'metrics.json')), 'no final metrics for an interrupted run');
  // the same command resumes after the saved epoch and finishes
  const again = await cli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`resuming .* after epoch ${state.epoch}`));
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.resumed_from_epoch, state.epoch);
});

test('train: SIGTERM exits 143 and keeps a complete checkpoint', async () => {
  const { dir, file } = dataset(600);
  const out = path.join(dir, 'out');
  const r = await cli(trainArgs(file, out, 40), { when: /epoch 2: loss/, signals: ['SIGTERM'] });
  assert.equal(r.code, 143, r.stderr);
  const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'trainer_state.json'), 'utf8'));
  assert.ok(state.epoch >= 2 && state.epoch < 40);
  assert.ok(fs.statSync(path.join(out, 'checkpoint', 'model.safetensors')).size > 0);
  assert.deepEqual(fs.readdirSync(path.join(out, 'checkpoint')).filter((f) => f.includes('.tmp')), []);
});

test('a second signal exits at once with its code, without waiting for the safe point', async () => {
  // a process that never reaches a safe point: only the second signal can end it
  const mod = path.join(ROOT, 'dist', 'src', 'cli', 'signals.js');
  const script = `import(${JSON.stringify(mod)}).then((m) => { m.stopOnSignals('waiting'); setInterval(() => {}, 1000); process.stderr.write('ready\\n'); });`;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      const killer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.stderr.on('data', (d) => {
        stderr += String(d);
        if (stderr.endsWith('ready\n')) p.kill(sig);
        else if (/at the next safe point/.test(String(d))) p.kill(sig);
      });
      p.on('close', (c) => (clearTimeout(killer), resolve({ code: c, stderr })));
    });
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`${sig}: stopping waiting at the next safe point`));
  }
});

test('run: SIGINT keeps the finished runs, exits 130, and the rerun skips them', async () => {
  const { dir } = dataset(600);
  const exp = path.join(dir, 'exp.yaml');
  fs.writeFileSync(
    exp,
    [
      'name: sig',
      'seed: 1',
      'dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }',
      'model: { type: cnn, numFilters: 8 }',
      'train: { patience: 0 }',
      'runs:',
      '  - name: first',
      '    train: { epochs: 1 }',
      '  - name: second',
      '    train: { epochs: 12 }',
      '',
    ].join('\n'),
  );
  const out = path.join(dir, 'res');
  // one run at a time, in this process: "first" is finished when "second" trains (sweeps/store.test.ts
  // covers Ctrl-C with worker processes)
  // the epoch lines (progress bars are drawn only on a terminal: common/progress.ts)
  const r = await cli(['run', exp, '--out', out, '--workers', '1'], { when: /\] second: clean[\s\S]*epoch 1: loss/, signals: ['SIGINT'] });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /run the same command again to resume/);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(res.status, 'partial');
  assert.deepEqual(res.runs.map((x: { name: string }) => x.name), ['first']);
  assert.ok(fs.existsSync(path.join(out, 'runs', 'second', 'checkpoint', 'trainer_state.json')));
  const again = await cli(['run', exp, '--out', out, '--workers', '1']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /first: done before/);
  assert.match(again.stderr, /resuming second .* after epoch \d+/);
});
