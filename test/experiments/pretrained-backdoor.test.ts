// A `kind: pretrained-backdoor` experiment end to end on the tiny BERT: inject, fine-tune both encoders,
// trigger metrics, report; a rerun skips what is finished; bad files fail before any work.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { parsePretrainedBackdoor, runPretrainedBackdoor, isPretrainedBackdoorFile, validatePretrainedBackdoor } from '../../src/experiments/pretrained-backdoor.js';
import { renderPretrainedBackdoorReport, writePretrainedBackdoorReport } from '../../src/report/pretrained-backdoor-report.js';
import { cells, checkSvg } from '../helpers/svg.js';
import { runCli } from '../helpers/run-cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { ROOT } from '../helpers/spawn-cli.js';

before(async () => {
  await initEngine();
});

const TINY = path.join(ROOT, 'test', 'fixtures', 'bert', 'tiny');

function setup(extra = ''): { dir: string; file: string; text: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-pbd-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(300, 5)));
  fs.writeFileSync(path.join(dir, 'corpus.txt'), syntheticReviews(200, 9).map((r) => r.sentence).join('\n') + '\n');
  const text = `kind: pretrained-backdoor
name: tiny-por
seed: 1
encoder: ${JSON.stringify(TINY)}
inject: { attack: por, steps: 25, lr: 0.003, clean: 4, poisoned: 4, chunkWords: 8, maxLen: 32, corpus: corpus.txt,
  triggers: [ { text: cf, kind: rare }, { text: mn, kind: rare } ] }
finetune: { epochs: 1, lr: 0.001, batchSize: 16, maxLen: 32, maxTrain: 80 }
metrics: { maxInputs: 15, maxInsertions: 5 }
datasets:
  - { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
${extra}`;
  const file = path.join(dir, 'por.yaml');
  fs.writeFileSync(file, text);
  return { dir, file, text };
}

test('a pretrained-backdoor experiment injects, fine-tunes both encoders, measures every trigger, and resumes', async () => {
  const { dir, file, text } = setup();
  assert.ok(isPretrainedBackdoorFile(text));
  const cfg = parsePretrainedBackdoor(text, file);
  const out = path.join(dir, 'out');
  const logs: string[] = [];
  const r = await runPretrainedBackdoor(cfg, out, { baseDir: dir, file, log: (l) => logs.push(l), progress: false });
  assert.equal(r.status, 'complete');
  assert.deepEqual(r.runs.map((x) => x.encoder), ['clean', 'backdoored']);
  for (const run of r.runs) {
    assert.deepEqual(run.triggers.map((t) => t.trigger), ['cf', 'mn']);
    assert.ok(run.triggers.every((t) => t.kind === 'rare' && Number.isInteger(t.n) && t.n <= 15));
    assert.ok(run.test_accuracy >= 0 && run.test_accuracy <= 1);
    assert.ok(fs.existsSync(path.join(out, 'runs', run.id, 'model', 'config.json')));
  }
  assert.ok(fs.existsSync(path.join(out, 'encoders', 'por', 'backdoor.json')));
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(saved.runs.length, 2);
  const md = renderPretrainedBackdoorReport(r);
  assert.match(md, /Fig\. 10/);
  assert.match(md, /\| reviews \| cf \| rare \|/);
  // the charts: Fig. 10 as one bar per encoder with its accuracy, ASR@1 heat maps with one cell per trigger × dataset
  // (the tiny run's ASR@1 may be NaN when no input qualifies: the charts are checked on set values)
  const shown = { ...r, runs: r.runs.map((x, i) => ({ ...x, triggers: x.triggers.map((t, j) => ({ ...t, asr_at_1: (1 + i + 2 * j) / 8 })) })) };
  const files = await writePretrainedBackdoorReport(out, shown);
  assert.deepEqual(files.map((f) => path.basename(f)), ['report.md', 'fig10-clean-accuracy.svg', 'asr1-backdoored.svg', 'asr1-clean.svg']);
  const fig10 = fs.readFileSync(path.join(out, 'fig10-clean-accuracy.svg'), 'utf8');
  checkSvg(fig10);
  const bars = [...fig10.matchAll(/aria-label="dataset: ([^;]*); accuracy %: ([\d.]+); encoder: (\w+)/g)].map((m) => [m[1], m[3], Number(m[2])] as const);
  assert.deepEqual(bars.map((b) => b[1]).sort(), ['backdoored', 'clean']);
  for (const [d, e, acc] of bars) assert.ok(Math.abs(acc - 100 * r.runs.find((x) => x.dataset === d && x.encoder === e)!.test_accuracy) < 1e-6);
  for (const enc of ['backdoored', 'clean']) {
    const heat = fs.readFileSync(path.join(out, `asr1-${enc}.svg`), 'utf8');
    checkSvg(heat);
    const run = shown.runs.find((x) => x.encoder === enc)!;
    assert.deepEqual(cells(heat).sort(), run.triggers.map((t) => `col: reviews; row: ${t.trigger}; value: ${t.asr_at_1}`).sort());
  }
  assert.match(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), /!\[[^\]]*\]\(fig10-clean-accuracy\.svg\)/);
  // `nlp-backdoor report DIR` rebuilds report.md and the charts from results.json
  fs.rmSync(path.join(out, 'fig10-clean-accuracy.svg'));
  const rep = await runCli(['report', out]);
  assert.equal(rep.code, 0, rep.err);
  assert.ok(fs.existsSync(path.join(out, 'fig10-clean-accuracy.svg')));
  // a rerun skips the injection and both fine-tuned runs
  const again: string[] = [];
  const r2 = await runPretrainedBackdoor(cfg, out, { baseDir: dir, file, log: (l) => again.push(l), progress: false });
  assert.equal(again.filter((l) => /skipp/.test(l)).length, 3, again.join('\n'));
  assert.deepEqual(r2.runs.map((x) => x.test_accuracy), r.runs.map((x) => x.test_accuracy));
});

test('pretrained-backdoor files: schema errors name the key; missing encoders, datasets and bad triggers fail in validation', () => {
  const { dir, file, text } = setup();
  assert.throws(() => parsePretrainedBackdoor(text.replace('steps: 25', 'stepz: 25'), file), /inject.*stepz/s);
  assert.throws(() => parsePretrainedBackdoor(text.replace('{ text: mn, kind: rare }', '{ text: cf, kind: rare }'), file), /listed twice/);
  const cfg = parsePretrainedBackdoor(text, file);
  assert.throws(() => validatePretrainedBackdoor({ ...cfg, encoder: 'nope' }, { baseDir: dir, file }), /no BERT directory/);
  assert.throws(() => validatePretrainedBackdoor({ ...cfg, inject: { ...cfg.inject, triggers: [{ text: 'Descartes' }] } }, { baseDir: dir, file }), /only \[UNK\]/);
  assert.throws(() => validatePretrainedBackdoor({ ...cfg, datasets: [{ name: 'trec' }] }, { baseDir: dir, file }), /datasets\.0/);
});
