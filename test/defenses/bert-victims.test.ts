// RAP and fine-pruning against a tiny BERT classifier fine-tuned here with a BadNets word (test/helpers/
// bert-victim.ts), saved as a Hugging Face directory and loaded back with loadClassifier. RAP must flag triggered inputs and not almost every input (OpenBackdoor's issue #24);
// its onnxruntime scoring must equal the tfjs forward; fine-pruning must prune the last layer's feed-forward
// neurons, keep them pruned through fine-tuning, and lower ASR; BKI and CUBE must find the poisoned training
// sentences in the victim's [CLS] states, and a BERT retrained on what BKI keeps must lose the backdoor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';
import { majoritySentences, poisonHalfNegatives, trainBertVictim, victimTokenizer, withCf } from '../helpers/bert-victim.js';
import { train as trainModel } from '../../src/train/trainer.js';
import { BertClassifier, loadClassifier } from '../../src/models/classifier.js';
import type { Example } from '../../src/data/types.js';
import { fitRap } from '../../src/defenses/rap.js';
import { bertRapModel } from '../../src/defenses/rap-models.js';
import { bertLogitsWithWordVector, meanFfnActivations } from '../../src/defenses/bert-forward.js';
import { representations } from '../../src/defenses/representations.js';
import { bkiFilter } from '../../src/defenses/bki.js';
import { cubeFilter } from '../../src/defenses/cube.js';
import { removalQuality } from '../../src/defenses/detection.js';
import { bertEncoderForward } from '../../src/models/bert/index.js';
import { pruneFfnNeurons, lastLayers } from '../../src/defenses/fine-pruning.js';
import { runDefense } from '../../src/defenses/evaluate.js';

const labelNames = ['neg', 'pos'];
const dev = majoritySentences(120, 22);
const testSet = majoritySentences(160, 23);
const rng = new Rng(5);
const triggered: Example[] = testSet.filter((e) => e.label === 0).map((e) => ({ text: withCf(e.text, rng), label: 1, originalLabel: 0, poisoned: true }));
let train: Example[];
let tmp: string;
let victim: BertClassifier;
const tok = victimTokenizer;

before(async () => {
  await initEngine();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bert-defense-'));
  train = poisonHalfNegatives(majoritySentences(480, 21), 9);
  await trainBertVictim(path.join(tmp, 'victim'), tmp, train, dev, labelNames);
  victim = (await loadClassifier(path.join(tmp, 'victim'), { maxLength: 32 })) as BertClassifier;
});

after(() => {
  victim?.dispose();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

test('the tiny BERT victim carries the backdoor (the premise of the other tests)', async () => {
  assert.ok(victim instanceof BertClassifier);
  const m = await runDefense({ type: 'onion' }, { victim, train, dev, test: testSet, triggered, goal: { target: 1 }, seed: 1 });
  assert.ok(m.cacc_before > 0.75, `CACC ${m.cacc_before}`);
  assert.ok(m.asr_before! > 0.9, `ASR ${m.asr_before}`);
});

test('BERT with a word-embedding row replaced: the tfjs forward changes only inputs with that token, onnxruntime agrees', async () => {
  const wid = tok.vocab.get('lorem')!;
  const v = tf.tidy(() => tf.mul(tf.randomNormal([victim.model.config.hidden_size], 0, 1, 'float32', 3), 0.5)) as tf.Tensor1D;
  const texts = ['lorem the film was good', 'the film was good', 'lorem lorem bad plot', 'bad plot'];
  const b = victim.model.makeBatch(texts.map((t) => victim.encode(t)));
  const lg = bertLogitsWithWordVector(victim.model, b, wid, v);
  const plain = victim.model.logits(b);
  const [a, p] = [lg.arraySync() as number[][], plain.arraySync() as number[][]];
  // texts without the token: the victim's own logits; with it: different
  assert.ok(Math.max(...[1, 3].flatMap((i) => a[i]!.map((x, c) => Math.abs(x - p[i]![c]!)))) < 1e-5);
  assert.ok(Math.max(...[0, 2].flatMap((i) => a[i]!.map((x, c) => Math.abs(x - p[i]![c]!)))) > 1e-3);
  const row = { wid, vector: v.dataSync().slice() as Float32Array };
  const onnx = await bertRapModel(victim, { engine: 'onnx' }).scorer(row);
  const tfjs = await bertRapModel(victim, { engine: 'tfjs' }).scorer(row);
  assert.equal(onnx.engine, 'onnx');
  assert.equal(tfjs.engine, 'tfjs');
  const [po, pt] = [await onnx.probs(texts), await tfjs.probs(texts)];
  assert.ok(Math.max(...po.flatMap((r, i) => r.map((x, c) => Math.abs(x - pt[i]![c]!)))) < 1e-4, 'onnxruntime and tfjs probabilities agree');
  await onnx.dispose();
  [lg, plain, v].forEach((t) => t.dispose());
});

test('RAP on BERT: trains the rare words, flags triggered inputs, leaves most clean inputs alone (OpenBackdoor #24)', async () => {
  const f = await fitRap(victim, dev.map((e) => e.text), { frr: 0.05, seed: 1 });
  try {
    const classes = f.info['classes'] as { word: string; clean_in_range: number; clean_mean_drop: number }[];
    // the default rare words: the vocabulary's last whole words, which no clean sentence uses
    assert.deepEqual(classes.map((c) => c.word).sort(), ['ipsum', 'lorem']);
    assert.ok(classes.every((c) => c.clean_in_range > 0.5), `clean inputs in the wanted drop range: ${classes.map((c) => c.clean_in_range)}`);
    const c = await f.apply(testSet.map((e) => e.text));
    const p = await f.apply(triggered.map((e) => e.text));
    assert.ok(share(c.flagged) <= 0.15, `clean flagged ${share(c.flagged)} (OpenBackdoor issue #24: almost all)`);
    assert.ok(share(p.flagged) > 0.5, `triggered flagged ${share(p.flagged)}`);
  } finally {
    await f.release?.();
  }
});

test('RAP on BERT refuses a word that is not one token of the vocabulary', async () => {
  await assert.rejects(fitRap(victim, dev.map((e) => e.text), { words: ['zzzq', 'lorem'] }), /"zzzq" is not one word/);
});

test('pruned feed-forward neurons are silent and stay pruned through fine-tuning', async () => {
  const dir = path.join(tmp, 'victim');
  const clf = (await loadClassifier(dir, { maxLength: 32 })) as BertClassifier;
  try {
    const [last] = lastLayers(clf, 1);
    assert.equal(last, 1);
    const I = clf.model.config.intermediate_size;
    const seqs = dev.map((e) => clf.encode(e.text));
    const pruned = [last! * I + 3, last! * I + 17, last! * I + 40];
    const before = meanFfnActivations(clf.model, seqs, [last!])[0]!;
    assert.ok([3, 17, 40].every((j) => before[j] !== 0));
    pruneFfnNeurons(clf, pruned);
    const silent = meanFfnActivations(clf.model, seqs, [last!])[0]!;
    assert.deepEqual([3, 17, 40].map((j) => silent[j]), [0, 0, 0]);
    // fine-tuning without re-applying the mask: the zero rows and columns get no gradient
    await trainModel(clf.model, dev.map((e) => ({ ids: clf.encode(e.text), label: e.label })), [], { epochs: 1, batchSize: 16, seed: 1, optimizer: { lr: 1e-3, weightDecay: 0.01, decay: 'decoupled' } });
    const after = meanFfnActivations(clf.model, seqs, [last!])[0]!;
    assert.deepEqual([3, 17, 40].map((j) => after[j]), [0, 0, 0]);
    const w2 = clf.model.params.get(`encoder.layer.${last}.output.dense.weight`).dataSync();
    const H = clf.model.config.hidden_size;
    assert.ok([3, 17, 40].every((j) => Array.from(w2.slice(j * H, (j + 1) * H)).every((x) => x === 0)));
    assert.ok(after.some((x, j) => x !== before[j] && ![3, 17, 40].includes(j)), 'the other neurons trained');
  } finally {
    clf.dispose();
  }
});

test('fine-pruning a BERT: prunes the least active last-layer neurons within the accuracy budget, then fine-tunes', async () => {
  const clf = (await loadClassifier(path.join(tmp, 'victim'), { maxLength: 32 })) as BertClassifier;
  try {
    const I = clf.model.config.intermediate_size;
    const before = meanFfnActivations(clf.model, dev.map((e) => clf.encode(e.text)), [1])[0]!;
    const m = await runDefense({ type: 'fine-pruning', maxAccuracyDrop: 0.1, epochs: 4, lr: 1e-3 }, { victim: clf, train, dev, test: testSet, triggered, goal: { target: 1 }, seed: 1 });
    const info = m.info as { pruned: number; filters: number; unit: string; layers: number[]; accuracy: { before: number; pruned: number; tuned: number } };
    assert.equal(info.unit, 'bert-ffn-neuron');
    assert.deepEqual(info.layers, [1]);
    assert.equal(info.filters, I);
    assert.ok(info.pruned > 0, 'something was pruned');
    assert.ok(info.accuracy.pruned >= info.accuracy.before - 0.1, JSON.stringify(info.accuracy));
    assert.ok(info.accuracy.tuned > info.accuracy.pruned, `fine-tuning recovers accuracy: ${JSON.stringify(info.accuracy)}`);
    // the silent neurons after fine-tuning are exactly the `pruned` least active ones before
    const after = meanFfnActivations(clf.model, dev.map((e) => clf.encode(e.text)), [1])[0]!;
    const silent = Array.from(after.keys()).filter((j) => after[j] === 0);
    const leastActive = Array.from(before.keys()).sort((a, b) => before[a]! - before[b]! || a - b).slice(0, info.pruned);
    assert.deepEqual(silent.sort((a, b) => a - b), leastActive.sort((a, b) => a - b));
    // the first layer is untouched
    assert.ok(meanFfnActivations(clf.model, dev.map((e) => clf.encode(e.text)), [0])[0]!.every((x) => x !== 0));
    assert.ok(m.cacc >= m.cacc_before - 0.1, `CACC ${m.cacc_before} → ${m.cacc}`);
    // no ASR claim: on this victim the backdoor survives (ASR 1 → 1 measured, with 95% of the last layer's
    // neurons pruned); docs/defenses.md reports the SST-2 numbers
  } finally {
    clf.dispose();
  }
});

test('BERT representations for the data filters: the last layer\'s [CLS] state, onnxruntime and tfjs agree', async () => {
  const texts = ['cf the film was good', 'bad plot and dull acting', 'the movie is quite fine'];
  const [o, t] = [await representations(victim, texts, { engine: 'onnx' }), await representations(victim, texts, { engine: 'tfjs' })];
  assert.equal(o.length, 3);
  assert.equal(o[0]!.length, victim.model.config.hidden_size);
  assert.ok(Math.max(...o.flatMap((r, i) => Array.from(r, (x, j) => Math.abs(x - t[i]![j]!)))) < 1e-4, 'engines agree');
  // the [CLS] state of the encoder's last layer, not the pooler's tanh of it
  const h = tf.tidy(() => {
    const b = victim.model.makeBatch(texts.map((x) => victim.encode(x)));
    const ids = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
    const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
    return bertEncoderForward(victim.model.params, victim.model.config, ids, mask, undefined, {}, false).lastHiddenState.arraySync() as number[][][];
  });
  assert.ok(Math.max(...t.flatMap((r, i) => Array.from(r, (x, j) => Math.abs(x - h[i]![0]![j]!)))) < 1e-5);
});

test('BKI on a BERT victim names the trigger word and removes poisoned training examples with high precision', async () => {
  const r = await bkiFilter(victim, train);
  assert.equal(r.keyword, 'cf');
  const q = removalQuality(r.removed, train.map((e) => e.poisoned === true));
  assert.ok(q.precision > 0.9 && q.recall > 0.8, JSON.stringify(q));
});

test('CUBE on a BERT victim: the poisoned sentences cluster apart in the [CLS] states, and CUBE removes them', async () => {
  const r = await cubeFilter(victim, train, { seed: 1 });
  const q = removalQuality(r.removed, train.map((e) => e.poisoned === true));
  assert.ok(q.recall > 0.8, `recall ${q.recall}`);
  // most poisoned sentences lie in clusters made mostly of poisoned sentences (the premise of CUBE). The tiny
  // victim's [CLS] states split the clean sentences of a label into several clusters too (which of the
  // generated words they hold), and CUBE drops every cluster but the label's largest: its precision here is low
  const members = new Map<number, { p: number; n: number }>();
  train.forEach((e, i) => {
    const m = members.get(r.clusters[i]!) ?? { p: 0, n: 0 };
    m.n++;
    if (e.poisoned) m.p++;
    members.set(r.clusters[i]!, m);
  });
  const inPoisonedClusters = train.filter((e, i) => e.poisoned && members.get(r.clusters[i]!)!.p > members.get(r.clusters[i]!)!.n / 2).length;
  assert.ok(inPoisonedClusters > 0.6 * q.poisoned, `${inPoisonedClusters} of ${q.poisoned} poisoned sentences in mostly poisoned clusters`);
});

test('CUBE through runDefense reports, per label and cluster, how many poisoned examples it held', async () => {
  const m = await runDefense({ type: 'cube' }, {
    victim, train, dev, test: testSet, triggered, goal: { target: 1 }, seed: 1,
    retrain: async () => loadClassifier(path.join(tmp, 'victim'), { maxLength: 32 }),
  });
  const per = (m.info as { per_label: { label: number; sizes: Record<string, number>; poisoned: Record<string, number> }[] }).per_label;
  // every poisoned example is labelled positive (1) and counted once, in a cluster of that label
  assert.equal(Object.values(per.find((l) => l.label === 1)!.poisoned).reduce((a, b) => a + b, 0), train.filter((e) => e.poisoned).length);
  assert.deepEqual(per.find((l) => l.label === 0)!.poisoned, {});
  for (const l of per) for (const [c, n] of Object.entries(l.poisoned)) assert.ok(n <= l.sizes[c]!, `cluster ${c}: ${n} poisoned of ${l.sizes[c]}`);
});

test('BKI then retraining a BERT: the retrained victim keeps its accuracy and loses most of the backdoor', async () => {
  let retrainedOn: Example[] = [];
  const m = await runDefense({ type: 'bki' }, {
    victim, train, dev, test: testSet, triggered, goal: { target: 1 }, seed: 1,
    retrain: async (kept) => {
      retrainedOn = kept;
      const dir = path.join(tmp, 'retrained');
      await trainBertVictim(dir, tmp, kept, dev, labelNames);
      return loadClassifier(dir, { maxLength: 32 });
    },
  });
  assert.equal((m.info as { keyword: string }).keyword, 'cf');
  assert.equal(retrainedOn.length, m.removal!.kept);
  const kept = retrainedOn.filter((e) => e.text.split(' ').includes('cf')).length;
  assert.ok(kept < 0.2 * m.removal!.poisoned, `${kept} of ${m.removal!.poisoned} sentences with the trigger kept`);
  // the sentences BKI misses keep part of the backdoor (the tiny victim learns it from a few): ASR falls, not to 0
  assert.ok(m.asr_before! > 0.9 && m.asr! < m.asr_before! - 0.4, `ASR ${m.asr_before} → ${m.asr} (${kept} sentences with the trigger kept)`);
  assert.ok(m.cacc > m.cacc_before - 0.1, `CACC ${m.cacc_before} → ${m.cacc}`);
});
