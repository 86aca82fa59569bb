// The scan target's slot gains (the gradient the classifier scan's phrase growth ranks the vocabulary by): for a
// slot in a group of sequences, E_v · ∂L/∂slot must be the derivative of the group's mean log-odds of the label
// along E_v at the zero vector. Checked against central finite differences computed through the model's own
// forward (target.logits), with the slot's row written into two spare rows of the embedding table (ε·E_v and
// −ε·E_v): a tiny random SentenceCNN and a tiny random BERT classifier, two groups of different sizes, three
// labels.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine, tf } from '../../../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig } from '../../../src/models/cnn.js';
import { CnnClassifier, BertClassifier } from '../../../src/models/classifier.js';
import { BertForSequenceClassification } from '../../../src/models/bert/index.js';
import { WordPieceTokenizer } from '../../../src/text/wordpiece.js';
import { Vocab } from '../../../src/text/vocab.js';
import { scanTargetOf, gainsOf, gainsChunks, SLOT, type ScanTarget, type GainsChunk } from '../../../src/defenses/scan/target.js';

before(async () => {
  await initEngine();
});

/** Mean over rows of label t's log-odds (logit_t − logsumexp of the others). */
function meanLogOdds(lg: Float32Array, C: number, t: number): number {
  let s = 0;
  const B = lg.length / C;
  for (let r = 0; r < B; r++) {
    const row = lg.subarray(r * C, (r + 1) * C);
    const others = Array.from(row).filter((_, c) => c !== t);
    const m = Math.max(...others);
    s += row[t]! - (m + Math.log(others.reduce((a, x) => a + Math.exp(x - m), 0)));
  }
  return s / B;
}

/**
 * For each group and a few tokens: the slot gain against (L(ε·E_v) − L(−ε·E_v)) / 2ε, L computed by target.logits
 * with the slot replaced by spare row `plus` (set to ε·E_v) or `minus` (−ε·E_v) of the embedding variable.
 */
async function checkGains(target: ScanTarget, E: tf.Variable, plus: number, minus: number, groups: number[][][], t: number, eps: number): Promise<number> {
  const seqs = groups.flat();
  const group = groups.flatMap((g, k) => g.map(() => k));
  const G = await target.slotGains!(seqs, group, groups.length, t);
  const V = target.tokens.length;
  const C = target.labelNames.length;
  const original = E.clone();
  let worst = 0;
  try {
    const [, D] = original.shape as [number, number];
    const data = original.dataSync() as Float32Array;
    for (const v of [5, 7, 9]) {
      const table = data.slice();
      for (let d = 0; d < D; d++) {
        table[plus * D + d] = eps * data[v * D + d]!;
        table[minus * D + d] = -eps * data[v * D + d]!;
      }
      E.assign(tf.tensor2d(table, original.shape as [number, number]));
      for (let k = 0; k < groups.length; k++) {
        const at = (id: number) => groups[k]!.map((s) => s.map((x) => (x === SLOT ? id : x)));
        const up = meanLogOdds(await target.logits(at(plus)), C, t);
        const down = meanLogOdds(await target.logits(at(minus)), C, t);
        const fd = (up - down) / (2 * eps);
        const g = G[k * V + v]!;
        const err = Math.abs(fd - g) / Math.max(1e-3, Math.abs(fd));
        assert.ok(err < 0.02, `group ${k}, token ${v}: slot gain ${g} vs finite difference ${fd}`);
        worst = Math.max(worst, err);
      }
    }
  } finally {
    E.assign(original);
    original.dispose();
  }
  return worst;
}

/** A tiny random BERT classifier (40 pieces, 3 labels) and a temporary directory for it. */
function tinyBert(tag: string, opts: { positions?: number; seed?: number } = {}): { tmp: string; pieces: string[]; model: BertForSequenceClassification; clf: BertClassifier } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-`));
  const pieces = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 35 }, (_, i) => `p${i}`)];
  const model = new BertForSequenceClassification({ vocab_size: pieces.length, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: opts.positions ?? 24, num_labels: 3, initializer_range: 0.5 }, { seed: opts.seed ?? 3 });
  return { tmp, pieces, model, clf: new BertClassifier(model, new WordPieceTokenizer(pieces)) };
}

test('slot gains of a SentenceCNN are the derivative of the mean log-odds along each token (finite differences)', async () => {
  const words = ['<pad>', '<unk>', ...Array.from({ length: 28 }, (_, i) => `w${i}`)];
  const vocab = Vocab.fromWords(words);
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 3, embedding_dim: 8, num_filters: 6, filter_widths: [2, 3], max_length: 20 }), { seed: 5 });
  const clf = new CnnClassifier(m, vocab);
  try {
    const target = scanTargetOf(clf, '');
    assert.ok(target.slotGains);
    const groups = [
      [[2, 3, SLOT, 4, 5], [6, SLOT, 7], [8, 9, 10, 11, SLOT]],
      [[12, 13, 14, SLOT, 15, 16], [SLOT, 17, 18]],
    ];
    // rows 28 and 29 are spare: no sequence uses them
    const worst = await checkGains(target, m.vars['embedding']!, 28, 29, groups, 1, 1e-3);
    console.log(`SentenceCNN: worst relative error ${worst.toExponential(2)}`);
  } finally {
    clf.dispose();
  }
});

test('slot gains of a BERT classifier are the derivative of the mean log-odds along each token (finite differences)', async () => {
  const { tmp, model, clf } = tinyBert('slot-gains');
  try {
    clf.save(tmp);
    const target = scanTargetOf(clf, tmp);
    assert.ok(target.slotGains);
    const groups = [
      [[2, 6, SLOT, 7, 3], [2, SLOT, 8, 9, 10, 3]],
      [[2, 11, 12, SLOT, 3], [2, 13, SLOT, 3], [2, SLOT, 14, 3]],
    ];
    const worst = await checkGains(target, model.params.get('embeddings.word_embeddings.weight'), 38, 39, groups, 2, 1e-2);
    console.log(`BERT: worst relative error ${worst.toExponential(2)}`);
  } finally {
    clf.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a target over an onnx-engine SentenceCNN loads its own tfjs copy for the gradients, and dispose releases it', async () => {
  const { loadOnnxClassifier } = await import('../../../src/models/onnx/classifier.js');
  const { liveTensors } = await import('../../../src/models/classifier.js');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slot-gains-onnx-'));
  const vocab = Vocab.fromWords(['<pad>', '<unk>', ...Array.from({ length: 20 }, (_, i) => `w${i}`)]);
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 8, num_filters: 4, filter_widths: [2, 3], max_length: 20 }), { seed: 2 });
  const local = new CnnClassifier(m, vocab);
  local.save(tmp);
  const onnx = await loadOnnxClassifier(tmp);
  try {
    const target = scanTargetOf(onnx, tmp);
    const before = liveTensors();
    const viaOnnx = await target.slotGains!([[2, 3, SLOT, 4]], [0], 1, 1);
    assert.ok(liveTensors() > before, 'the tfjs copy is loaded on the first gradient');
    // the same gains as the target over the tfjs classifier itself
    const viaTfjs = await scanTargetOf(local, '').slotGains!([[2, 3, SLOT, 4]], [0], 1, 1);
    for (let v = 0; v < viaOnnx.length; v++) assert.ok(Math.abs(viaOnnx[v]! - viaTfjs[v]!) < 1e-5);
    await target.dispose!();
    assert.equal(liveTensors(), before);
  } finally {
    await onnx.dispose();
    local.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the gains worker: a second thread with its own copy of the model gives the same gains, bit for bit, and takes some of the passes', async () => {
  const { loadOnnxClassifier } = await import('../../../src/models/onnx/classifier.js');
  const { tmp, model, clf: saver } = tinyBert('slot-gains-worker', { positions: 40, seed: 4 });
  saver.save(tmp);
  model.dispose();
  const onnx = await loadOnnxClassifier(tmp);
  const saved = process.env['NLP_BACKDOOR_SCAN_WORKER'];
  // 12 groups of 16 sequences of different lengths: 192 sequences, three passes of at most 64 (target.ts)
  const seqs: number[][] = [];
  const group: number[] = [];
  for (let k = 0; k < 12; k++)
    for (let i = 0; i < 16; i++) {
      const body = Array.from({ length: 4 + ((k * 5 + i * 3) % 20) }, (_, j) => 5 + ((k * 7 + i * 11 + j * 13) % 35));
      body.splice(i % body.length, 0, SLOT);
      seqs.push([2, ...body, 3]);
      group.push(k);
    }
  try {
    process.env['NLP_BACKDOOR_SCAN_WORKER'] = '0';
    const here = scanTargetOf(onnx, tmp);
    const a = await here.slotGains!(seqs, group, 12, 1);
    assert.deepEqual(here.gainsPasses, { here: 3, worker: 0 });
    // =1: the worker starts even on one core
    process.env['NLP_BACKDOOR_SCAN_WORKER'] = '1';
    const shared = scanTargetOf(onnx, tmp);
    const b = await shared.slotGains!(seqs, group, 12, 1);
    assert.equal(shared.gainsPasses!.here + shared.gainsPasses!.worker, 3);
    assert.ok(shared.gainsPasses!.worker >= 1, `the worker took no pass: ${JSON.stringify(shared.gainsPasses)}`);
    assert.equal(b.length, a.length);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    assert.equal(differ, 0, `${differ} of ${a.length} gains differ with the worker`);
    // a single pass stays here
    await shared.slotGains!(seqs.slice(0, 16), group.slice(0, 16), 1, 1);
    assert.equal(shared.gainsPasses!.here + shared.gainsPasses!.worker, 4);
    await here.dispose!();
    await shared.dispose!();
  } finally {
    if (saved === undefined) delete process.env['NLP_BACKDOOR_SCAN_WORKER'];
    else process.env['NLP_BACKDOOR_SCAN_WORKER'] = saved;
    await onnx.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('gainsOf: every pass lands in its groups\' rows whoever runs it, and a pass the worker fails is run here', async () => {
  const V = 5;
  // 7 groups of 3 sequences, passes of at most 6 sequences: 4 passes (the last of one group)
  const seqs = Array.from({ length: 21 }, (_, r) => [r, SLOT]);
  const group = seqs.map((_, r) => Math.floor(r / 3));
  const chunks = gainsChunks(V, 6, seqs, group, 7, 0);
  assert.deepEqual(chunks.map((c) => [c.g0, c.g1]), [[0, 2], [2, 4], [4, 6], [6, 7]]);
  // a pass's value: group g's row holds g + 0.1·v
  const value = (c: GainsChunk) => Float32Array.from({ length: (c.g1 - c.g0) * V }, (_, i) => c.g0 + Math.floor(i / V) + 0.1 * (i % V));
  const expected = value({ g0: 0, g1: 7, batch: [], weights: [], t: 0 });
  const alone = { here: 0, worker: 0 };
  assert.deepEqual(await gainsOf(V, chunks, 7, value, null, alone), expected);
  assert.deepEqual(alone, { here: 4, worker: 0 });
  const shared = { here: 0, worker: 0 };
  assert.deepEqual(await gainsOf(V, chunks, 7, value, async (c) => value(c), shared), expected);
  assert.equal(shared.here + shared.worker, 4);
  assert.ok(shared.worker >= 1);
  // the worker fails its first pass: run here, and the worker gets no other
  let asked = 0;
  const failing = { here: 0, worker: 0 };
  const got = await gainsOf(V, chunks, 7, value, async () => {
    asked++;
    throw new Error('worker died');
  }, failing);
  assert.deepEqual(got, expected);
  assert.equal(asked, 1);
  assert.deepEqual(failing, { here: 4, worker: 0 });
});

test('trigger inversion (DBS) lowers the target\'s loss, leaves the model\'s weights as they were and leaks no tensor', async () => {
  const { liveTensors } = await import('../../../src/models/classifier.js');
  const { tmp, pieces, model, clf } = tinyBert('invert');
  try {
    clf.save(tmp);
    const target = scanTargetOf(clf, tmp);
    const seqs = [[2, 6, 7, 3], [2, 8, 9, 10, 3], [2, 11, 12, 3]];
    // two slots side by side (SLOT, SLOT − 1) at the second place of each sequence
    const withSlots = seqs.map((s) => [s[0]!, SLOT, SLOT - 1, ...s.slice(1)]);
    const weights = [...model.params.vars.entries()].map(([n, x]) => [n, x.dataSync().slice()] as const);
    const before = liveTensors();
    const t = 2;
    const ce = async (ids: number[]) => {
      const lg = await target.logits(withSlots.map((s) => s.map((x) => (x < 0 ? ids[SLOT - x]! : x))));
      let s = 0;
      for (let r = 0; r < seqs.length; r++) {
        const row = Array.from(lg.subarray(r * 3, r * 3 + 3));
        const m = Math.max(...row);
        s += m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0)) - row[t]!;
      }
      return s / seqs.length;
    };
    const one = await target.invert!(withSlots, 2, t, { steps: 1 });
    const many = await target.invert!(withSlots, 2, t, { steps: 40 });
    assert.equal(many.z.length, 2 * pieces.length);
    assert.ok(many.loss < one.loss, `loss after 40 steps ${many.loss} vs after 1 ${one.loss}`);
    // the slots' best tokens make a trigger at least as good as the slots' first tokens did before any step
    const best = [0, 1].map((k) => {
      let b = 5;
      for (let v = 5; v < pieces.length; v++) if (many.z[k * pieces.length + v]! > many.z[k * pieces.length + b]!) b = v;
      return b;
    });
    assert.ok((await ce(best)) < (await ce([5, 5])), `trigger ${best}: ${await ce(best)} vs ${await ce([5, 5])}`);
    // the same settings give the same slots (seeded)
    const again = await target.invert!(withSlots, 2, t, { steps: 40 });
    assert.deepEqual(Array.from(again.z), Array.from(many.z));
    for (const [n, w] of weights) assert.deepEqual(model.params.vars.get(n)!.dataSync(), w, `${n} changed`);
    assert.equal(liveTensors(), before);
  } finally {
    clf.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
