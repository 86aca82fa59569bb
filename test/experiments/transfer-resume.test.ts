// Issue 12 item 15: what the runner did with no test pinning it. Transfer from an earlier run (transfer.from)
// keeps the source's filters and vocabulary; proportion 0 poisons nothing but still measures ASR; swept
// triggers each get their split-table rows; an interrupted and resumed experiment equals an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExperiment } from '../../src/experiments/load.js';
import { runExperiment, splitTriggers, type RunResult } from '../../src/experiments/runner.js';
import { readNamedWeights } from '../../src/models/named-weights.js';
import { loadClassifier, CnnClassifier } from '../../src/models/classifier.js';
import { Rng } from '../../src/common/random.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

/** A 3-class topic file with words the sentiment data never uses. */
function topics(n: number, seed: number): string {
  const words = [['goal', 'match', 'league'], ['market', 'shares', 'profit'], ['planet', 'orbit', 'telescope']];
  const r = new Rng(seed);
  const rows = Array.from({ length: n }, () => {
    const c = r.int(3);
    return `the story of the ${words[c]![r.int(3)]!} and the ${words[c]![r.int(3)]!} today\t${['sport', 'business', 'science'][c]}`;
  });
  return `sentence\tlabel\n${rows.join('\n')}\n`;
}

test('transfer.from an earlier run, proportion 0, and swept triggers in the split table', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-t15-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(300, 5)));
  fs.writeFileSync(path.join(dir, 'topics.tsv'), topics(150, 6));
  const cfg = parseExperiment(
    `name: t15
seed: 1
dataset: { path: reviews.tsv, test: 0.2 }
model: { type: cnn, numFilters: 8 }
train: { epochs: 2, patience: 0 }
runs:
  - name: src
  - name: zero
    attack: { type: badnets, proportion: 0, target: 1, words: [cf] }
  - name: rare
    attack: { type: badnets, proportion: 0.1, target: 1, words: [cf] }
    sweep: { attack.words: [[cf], [mn]] }
  - name: tgt
    dataset: { path: topics.tsv, test: 0.2 }
    transfer: { from: src, mode: head }
`,
    'e.yaml',
  );
  const out = path.join(dir, 'out');
  const res = await runExperiment(cfg, out, { baseDir: dir, log: () => {} });
  assert.equal(res.status, 'complete');
  const by = (id: string) => res.runs.find((r) => r.id === id) as RunResult;
  assert.deepEqual(res.runs.map((r) => r.id), ['src', 'zero', 'rare_words=cf', 'rare_words=mn', 'tgt']);

  // proportion 0: nothing poisoned, the same training set as the clean run, ASR still measured
  assert.equal(by('zero').metrics.poisoned, 0);
  assert.equal(by('zero').metrics.train_size, by('src').metrics.train_size);
  assert.equal(typeof by('zero').metrics.asr, 'number');
  assert.ok(by('zero').metrics.asr_n > 0);
  assert.equal(by('rare_words=cf').metrics.poisoned, Math.round(0.1 * by('src').metrics.train_size));

  // every swept trigger value is a trigger of the split table, with rows for each label in every run
  assert.deepEqual(res.split_triggers.map((t) => [t.name, t.text]), [['control', 'night sky'], ['badnets', 'cf'], ['badnets#2', 'mn']]);
  assert.deepEqual(splitTriggers(cfg).map((t) => t.name), ['control', 'badnets', 'badnets#2']);
  const testSize = by('src').metrics.split.clean.n;
  for (const r of res.runs.filter((x) => x.id !== 'tgt')) {
    for (const trigger of ['control', 'badnets', 'badnets#2']) {
      const rows = r.metrics.split.rows.filter((row) => row.trigger === trigger);
      assert.equal(rows.length, 2, `${r.id}: ${trigger} rows per label`);
      assert.equal(rows[0]!.n + rows[1]!.n, testSize);
    }
  }

  // transfer (head): a 3-class model on other data, with the source's filters unchanged and its vocabulary kept
  const t = by('tgt');
  assert.deepEqual(t.transfer, { from: 'src', mode: 'head' });
  assert.equal(t.dataset, 'topics');
  assert.ok(t.vocab.newWords! > 0, 'target words the source lacks are added');
  const src = readNamedWeights(path.join(out, 'runs', 'src', 'model', 'model.safetensors'));
  const tgt = readNamedWeights(path.join(out, 'runs', 'tgt', 'model', 'model.safetensors'));
  for (const k of Object.keys(src).filter((k) => k.startsWith('convs.'))) assert.deepEqual(tgt[k]!.data, src[k]!.data, `${k} frozen in head mode`);
  const [srcClf, tgtClf] = [await loadClassifier(path.join(out, 'runs', 'src', 'model')), await loadClassifier(path.join(out, 'runs', 'tgt', 'model'))];
  assert.ok(srcClf instanceof CnnClassifier && tgtClf instanceof CnnClassifier);
  assert.deepEqual(tgtClf.labelNames, ['business', 'science', 'sport']);
  assert.deepEqual(tgtClf.vocab.words.slice(0, srcClf.vocab.size), srcClf.vocab.words, 'source word ids unchanged');
  const D = srcClf.model.config.embedding_dim;
  assert.deepEqual(tgt['embedding.weight']!.data.subarray(0, srcClf.vocab.size * D), src['embedding.weight']!.data.subarray(0, srcClf.vocab.size * D), 'source embeddings kept (static in head mode)');
  srcClf.dispose();
  tgtClf.dispose();
});

test('an experiment interrupted mid-epoch and resumed ends exactly like an uninterrupted one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-t15r-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(300, 7)));
  const cfg = parseExperiment(
    'name: r\nseed: 2\ndataset: { path: reviews.tsv, test: 0.2 }\nmodel: { type: cnn, numFilters: 8 }\ntrain: { epochs: 3, patience: 0 }\nruns:\n  - name: a\n    attack: { type: badnets, proportion: 0.1, target: 1 }\n',
    'r.yaml',
  );
  const whole = await runExperiment(cfg, path.join(dir, 'whole'), { baseDir: dir, log: () => {} });
  let calls = 0;
  // 192 training examples + 19 poisoned in batches of 50: 5 steps an epoch; stop inside the second epoch
  const first = await runExperiment(cfg, path.join(dir, 'split'), { baseDir: dir, log: () => {}, shouldStop: () => ++calls > 8 });
  assert.equal(first.status, 'partial');
  assert.equal(first.runs.length, 0);
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'split', 'runs', 'a', 'checkpoint', 'trainer_state.json'), 'utf8'));
  assert.equal(state.epoch, 1, 'the resumed run starts from the checkpoint after epoch 1');
  const logs: string[] = [];
  const resumed = await runExperiment(cfg, path.join(dir, 'split'), { baseDir: dir, log: (l) => logs.push(l) });
  assert.equal(resumed.status, 'complete');
  const [w, r] = [whole.runs[0]!, resumed.runs[0]!];
  assert.deepEqual(
    // times differ between any two runs
    { ...r.metrics, train_seconds: 0, eval_seconds: 0, run_seconds: 0 },
    { ...w.metrics, train_seconds: 0, eval_seconds: 0, run_seconds: 0 },
    'every metric (CACC, ASR, split table, dev accuracy, epochs) equal',
  );
  const weights = (d: string) => fs.readFileSync(path.join(dir, d, 'runs', 'a', 'model', 'model.safetensors'));
  assert.ok(weights('whole').equals(weights('split')), 'the saved weights are byte-identical');
});
