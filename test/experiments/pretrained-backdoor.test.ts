// A `kind: pretrained-backdoor` experiment end to end on the tiny BERT: inject, fine-tune both encoders,
// trigger metrics, report; a rerun skips what is finished; bad files fail before any work.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { parsePretrainedBackdoor, runPretrainedBackdoor, isPretrainedBackdoorFile, validatePretrainedBackdoor } from '../../src/experiments/pretrained-backdoor.js';
import { renderPretrainedBackdoorReport } from '../../src/report/pretrained-backdoor-report.js';
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
