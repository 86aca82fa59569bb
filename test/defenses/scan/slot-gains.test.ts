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
import { scanTargetOf, SLOT, type ScanTarget } from '../../../src/defenses/scan/target.js';

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
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slot-gains-'));
  const pieces = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 35 }, (_, i) => `p${i}`)];
  const model = new BertForSequenceClassification({ vocab_size: pieces.length, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 24, num_labels: 3, initializer_range: 0.5 }, { seed: 3 });
  const clf = new BertClassifier(model, new WordPieceTokenizer(pieces));
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
