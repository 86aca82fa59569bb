// Progress is drawn only for someone watching: not in CI, not when stdout or the bar's stream is not a
// terminal. On a terminal the bars (cli-progress) are drawn and log lines go above them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, progressEnabled, progressLog } from '../../src/common/progress.js';
import { SweepView } from '../../src/cli/sweep-view.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

test('progressEnabled: off in CI and off the terminal', () => {
  assert.equal(progressEnabled({ env: {}, stdout: tty, stream: tty }), true);
  assert.equal(progressEnabled({ env: { CI: 'true' }, stdout: tty, stream: tty }), false);
  assert.equal(progressEnabled({ env: { CI: '1' }, stdout: tty, stream: tty }), false);
  assert.equal(progressEnabled({ env: { CI: 'false' }, stdout: tty, stream: tty }), true);
  assert.equal(progressEnabled({ env: { CI: '' }, stdout: tty, stream: tty }), true);
  assert.equal(progressEnabled({ env: {}, stdout: pipe, stream: tty }), false, 'stdout redirected');
  assert.equal(progressEnabled({ env: {}, stdout: tty, stream: pipe }), false, 'stderr redirected');
  assert.equal(progressEnabled({ env: {}, stdout: {}, stream: {} }), false);
});

/** A writable that says it is a terminal and keeps what is written. */
function fakeTerminal(): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, {
    isTTY: true,
    columns: 160,
    rows: 40,
    write: (s: string | Uint8Array) => (chunks.push(String(s)), true),
    text: () => chunks.join(''),
  });
}

/** Run `fn` as if stdout were a terminal and CI unset (the test runner's stdout is a pipe). */
async function asOnTerminal(fn: () => void | Promise<void>): Promise<void> {
  const was = { tty: process.stdout.isTTY, ci: process.env['CI'] };
  (process.stdout as { isTTY?: boolean }).isTTY = true;
  delete process.env['CI'];
  try {
    await fn();
  } finally {
    (process.stdout as { isTTY?: boolean }).isTTY = was.tty;
    if (was.ci !== undefined) process.env['CI'] = was.ci;
  }
}

test('a bar on a stream that is not a terminal writes nothing', () => {
  const chunks: string[] = [];
  const stream = Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, { isTTY: false, write: (s: string) => (chunks.push(s), true) });
  const p = new Progress('epoch 1/2', 10, stream);
  for (let i = 1; i <= 10; i++) p.update(i, { loss: 0.5 });
  assert.deepEqual(chunks, []);
  assert.equal(SweepView.open(stream), null);
});

test('on a terminal the bar is drawn; in CI it is not', async () => {
  await asOnTerminal(() => {
    const term = fakeTerminal();
    const p = new Progress('epoch 1/2', 4, term);
    p.update(2, { loss: 0.25 });
    p.update(4, { loss: 0.125 });
    assert.match(term.text(), /epoch 1\/2 \[[^\]]+\] 4\/4 .*loss 0\.1250/);
    process.env['CI'] = 'true';
    const ci = fakeTerminal();
    new Progress('epoch 1/2', 4, ci).update(4);
    assert.equal(ci.text(), '');
    assert.equal(SweepView.open(ci), null);
  });
});

test('the sweep view draws done / running / failed and the running runs, log lines above it', async () => {
  await asOnTerminal(() => {
    const term = fakeTerminal();
    const view = SweepView.open(term);
    assert.ok(view);
    try {
      view.onEvent({ type: 'start', total: 3, workers: 2 });
      view.onEvent({ type: 'run-start', id: 'append_proportion=0.1-s1' });
      view.onEvent({ type: 'run-start', id: 'append_proportion=0.1-s2' });
      view.onEvent({ type: 'run-end', id: 'append_proportion=0.1-s2', status: 'failed' });
      view.log('a log line');
      // while the view is open, progressLog (the trainer's epoch lines) goes through it too
      progressLog('  epoch 1: loss 0.5');
    } finally {
      view.close();
    }
    const text = term.text();
    assert.match(text, /sweep \[[^\]]+\] 1\/3 0\/3 done · 1 running · 1 failed · eta \S+ \| append_proportion=0\.1-s1/);
    assert.match(text, /a log line\n/);
    assert.match(text, /epoch 1: loss 0\.5\n/);
  });
});
