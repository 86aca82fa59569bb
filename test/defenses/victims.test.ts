// STRIP, RAP, BKI, CUBE and fine-pruning against a SentenceCNN trained here on synthetic reviews with a
// BadNets word ("cf" in half of the negative training examples, relabelled positive; the clean labels 15% noisy): each must do better than chance at what
// it claims (flag or remove the poisoned items, or lower ASR), and RAP must not flag most clean inputs (the
// failure of OpenBackdoor's RAP on SST-2, its issue #24).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import type { CnnClassifier } from '../../src/models/classifier.js';
import type { Example } from '../../src/data/types.js';
import { Rng } from '../../src/common/random.js';
import { syntheticReviews } from '../helpers/synthetic.js';
import { fitStrip } from '../../src/defenses/strip.js';
import { fitRap } from '../../src/defenses/rap.js';
import { bkiFilter } from '../../src/defenses/bki.js';
import { cubeFilter } from '../../src/defenses/cube.js';
import { runDefense } from '../../src/defenses/evaluate.js';
import { removalQuality } from '../../src/defenses/detection.js';

const labelNames = ['negative', 'positive'];
const CONFIG = { epochs: 10, patience: 0, numFilters: 16, lr: 0.003 };
const clean = (n: number, seed: number): Example[] => syntheticReviews(n, seed).map((r) => ({ text: r.sentence, label: r.label }));
const insert = (text: string, rng: Rng) => {
  const w = text.split(' ');
  w.splice(rng.int(w.length), 0, 'cf');
  return w.join(' ');
};

let victim: CnnClassifier;
let train: Example[];
const dev = clean(200, 22);
const test_ = clean(200, 23);
const rng = new Rng(5);
// triggered test inputs: the negative ones with the word, to be classified positive
const triggered: Example[] = test_.filter((e) => e.label === 0).map((e) => ({ text: insert(e.text, rng), label: 1, originalLabel: 0, poisoned: true }));

before(async () => {
  await initEngine();
  const base = clean(600, 21);
  const r = new Rng(9);
  // 15% of the clean examples get the wrong label, so clean predictions stay below certainty while the trigger,
  // never contradicted, saturates: the premise of STRIP and RAP (a triggered input is the robust one)
  train = base.map((e) => (e.label === 0 && r.next() < 0.5 ? { text: insert(e.text, r), label: 1, originalLabel: 0, poisoned: true } : r.next() < 0.15 ? { ...e, label: 1 - e.label } : e));
  // two rare words (once each, never in the dev set) for RAP's default choice
  train.push({ text: 'the film lorem is good .', label: 1 }, { text: 'the plot ipsum is bad .', label: 0 });
  const t = await trainClassifier({ train, dev, labelNames, seed: 1, config: CONFIG });
  victim = t.classifier;
});

after(() => victim?.dispose());

const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

test('the victim carries the backdoor (the premise of the other tests)', async () => {
  const m = await runDefense({ type: 'onion' }, { victim, train, dev, test: test_, triggered, goal: { target: 1 }, seed: 1 });
  assert.ok(m.cacc_before > 0.9, `CACC ${m.cacc_before}`);
  assert.ok(m.asr_before! > 0.9, `ASR ${m.asr_before}`);
});

test('STRIP flags triggered inputs far more often than clean ones', async () => {
  const f = await fitStrip(victim, dev.map((e) => e.text), { frr: 0.05, repeat: 5, seed: 1 });
  const c = await f.apply(test_.map((e) => e.text));
  const p = await f.apply(triggered.map((e) => e.text));
  assert.ok(share(c.flagged) <= 0.15, `clean flagged ${share(c.flagged)}`);
  assert.ok(share(p.flagged) > share(c.flagged) + 0.3, `triggered flagged ${share(p.flagged)} vs clean ${share(c.flagged)}`);
});

test('RAP learns its perturbation, flags triggered inputs and leaves most clean inputs alone', async () => {
  const f = await fitRap(victim, dev.map((e) => e.text), { frr: 0.05, seed: 1 });
  const classes = f.info['classes'] as { clean_in_range: number }[];
  assert.ok(classes.every((c) => c.clean_in_range > 0.5), `clean inputs in the wanted drop range: ${classes.map((c) => c.clean_in_range)}`);
  const c = await f.apply(test_.map((e) => e.text));
  const p = await f.apply(triggered.map((e) => e.text));
  assert.ok(share(c.flagged) <= 0.15, `clean flagged ${share(c.flagged)} (OpenBackdoor issue #24: almost all)`);
  assert.ok(share(p.flagged) > 0.5, `triggered flagged ${share(p.flagged)}`);
});

test('BKI names the trigger word and removes poisoned training examples with high precision', async () => {
  const r = await bkiFilter(victim, train);
  assert.equal(r.keyword, 'cf');
  const q = removalQuality(r.removed, train.map((e) => e.poisoned === true));
  assert.ok(q.precision > 0.9 && q.recall > 0.8, JSON.stringify(q));
});

test('CUBE removes poisoned training examples better than chance', async () => {
  const r = await cubeFilter(victim, train, { seed: 1 });
  const q = removalQuality(r.removed, train.map((e) => e.poisoned === true));
  const base = q.poisoned / train.length;
  assert.ok(q.removed > 0 && q.precision > 2 * base, `precision ${q.precision} vs base rate ${base}`);
  assert.ok(q.recall > 0.5, `recall ${q.recall}`);
});

test('fine-pruning keeps pruned filters at zero through fine-tuning and lowers ASR', async () => {
  const t = await trainClassifier({ train, dev, labelNames, seed: 1, config: CONFIG });
  const m = await runDefense({ type: 'fine-pruning', maxAccuracyDrop: 0.1, epochs: 3 }, { victim: t.classifier, train, dev, test: test_, triggered, goal: { target: 1 }, seed: 1 });
  const info = m.info as { pruned: number; filters: number };
  assert.ok(info.pruned > 0, 'something was pruned');
  const W = t.classifier.model.toNamedWeights();
  const bias = [0, 1, 2].flatMap((j) => Array.from(W[`convs.${j}.bias`]!.data));
  assert.ok(bias.filter((b) => b === 0).length >= info.pruned, 'pruned filters stay zero');
  assert.ok(m.cacc >= m.cacc_before - 0.1, `CACC ${m.cacc_before} → ${m.cacc}`);
  assert.ok(m.asr! < m.asr_before!, `ASR ${m.asr_before} → ${m.asr}`);
  t.classifier.dispose();
});
