// `run`'s live view end to end: under a pseudo-terminal (util-linux `script`, in Debian's essential bsdutils)
// the sweep bar and the running run's epoch bar are drawn; with CI set, or into a pipe, no bar and no escape
// code, only the plain log lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN } from '../helpers/spawn-cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

const EXPERIMENT = `name: progress-view
seeds: [1, 2]
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn, numFilters: 4 }
train: { epochs: 2, patience: 0 }
runs:
  - name: append
    attack: { type: semantic-append, triggers: { "1": "amazing movie !", "0": "horrible movie !" }, proportion: 0.1 }
`;

const hasScript = spawnSync('script', ['--version']).status === 0;
const ESC = '\x1b[';

function setup(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-run-progress-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(1200, 4)));
  const file = path.join(dir, 'progress.yaml');
  fs.writeFileSync(file, EXPERIMENT);
  return { dir, file };
}

function env(ci: boolean): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NLP_BACKDOOR_BACKEND: 'wasm', COLUMNS: '200' };
  delete e['CI'];
  if (ci) e['CI'] = 'true';
  return e;
}

/** The command under a pseudo-terminal: stdout and stderr are both the terminal; returns what it showed. */
function onTerminal(args: string[], ci: boolean): { status: number | null; out: string } {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', env: env(ci), timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('on a terminal: the sweep bar (done / running / failed, ETA) and the epoch bar of the run in progress', { skip: hasScript ? false : 'util-linux `script` not installed' }, () => {
  const { dir, file } = setup();
  try {
    const r = onTerminal(['run', file, '--out', path.join(dir, 'out'), '--workers', '1'], false);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /sweep \[[^\]]*\] [0-2]\/2 [0-2]\/2 done · [01] running · 0 failed · eta/);
    assert.match(r.out, /sweep \[[^\]]*\] 2\/2 2\/2 done · 0 running · 0 failed/, 'the final frame');
    assert.match(r.out, /append-s1 epoch 1\/2 \[[^\]]*\] \d+\/\d+/, 'the per-run bar under the sweep');
    assert.match(r.out, /epoch 2: loss/, 'log lines still shown');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('quiet: no bar in CI (even on a terminal) nor into a pipe', { skip: hasScript ? false : 'util-linux `script` not installed' }, () => {
  const { dir, file } = setup();
  try {
    const ci = onTerminal(['run', file, '--out', path.join(dir, 'ci'), '--workers', '1'], true);
    assert.equal(ci.status, 0, ci.out);
    assert.doesNotMatch(ci.out, /sweep \[|epoch 1\/2 \[/);
    assert.ok(!ci.out.includes(ESC), 'no escape code in CI');
    assert.match(ci.out, /\[2\/2\] append-s2: cacc/, 'the plain log lines');
    const piped = spawnSync(process.execPath, [BIN, 'run', file, '--out', path.join(dir, 'pipe'), '--workers', '1'], { encoding: 'utf8', env: env(false), timeout: 120_000 });
    assert.equal(piped.status, 0, piped.stderr);
    assert.ok(!(piped.stdout + piped.stderr).includes(ESC), 'no escape code into a pipe');
    assert.ok(!piped.stderr.includes('\r'));
    assert.match(piped.stderr, /\[2\/2\] append-s2: cacc/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
