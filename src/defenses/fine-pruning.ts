// Fine-pruning (Liu, Dolan-Gavitt & Garg, "Fine-Pruning: Defending Against Backdooring Attacks on Deep
// Neural Networks", RAID'18): backdoor behaviour hides in neurons that clean inputs leave dormant. Prune the
// last layer's neurons in increasing order of their mean activation on clean data, while clean validation
// accuracy stays within `maxAccuracyDrop` of the unpruned model (§3: pruning stops when accuracy falls by 4%),
// then fine-tune the pruned model on clean data. For the SentenceCNN the neurons are the convolution filters,
// whose max-pooled ReLU outputs feed the dense layer. A pruned filter has its weights, bias and dense-layer
// row set to zero: its pooled output is then 0 and every gradient into it is 0 (no active window), so
// fine-tuning leaves it pruned; the mask is applied once more afterwards all the same.
//
// For BERT the neurons are the feed-forward (intermediate) units of the last encoder layer(s), ranked by their
// mean GELU activation over the real tokens of the clean data: the transformer's counterpart of the last
// convolutional layer's channels (the units a ReLU/GELU layer can leave dormant). A pruned unit has its intermediate.dense column and
// bias and its output.dense row set to zero: its activation is GELU(0) = 0, and the gradients into all three
// are 0 (its output row is zero, its activation is zero), so fine-tuning leaves it pruned.
import { tf } from '../engine/index.js';
import type { Example } from '../data/types.js';
import { BertClassifier, CnnClassifier, type TextClassifier } from '../models/classifier.js';
import { tapOffsets } from '../models/conv-pool.js';
import { train as trainModel, accuracyOf } from '../train/trainer.js';
import { cnnFeatures } from './cnn-forward.js';
import { meanFfnActivations } from './bert-forward.js';
import { InputError } from '../common/errors.js';

export interface FinePruningOptions {
  /** clean validation accuracy may fall this much while pruning (default 0.05) */
  maxAccuracyDrop?: number;
  /** prune in steps of this share of the filters (default 0.05) */
  step?: number;
  /** never prune more than this share (default 0.95) */
  maxRatio?: number;
  /** fine-tuning epochs on the clean data (default 3) */
  epochs?: number;
  /** fine-tuning learning rate (default 5e-4 for a SentenceCNN, 1e-4 for BERT) */
  lr?: number;
  /** BERT: prune the feed-forward neurons of the last `layers` encoder layers (default 1) */
  layers?: number;
  batchSize?: number;
  seed?: number;
}

export interface FinePruningResult {
  pruned: number;
  /** the prunable units: SentenceCNN filters, or BERT feed-forward neurons of the pruned layers */
  filters: number;
  unit: 'cnn-filter' | 'bert-ffn-neuron';
  /** BERT: the encoder layers whose neurons were ranked and pruned */
  layers?: number[];
  ratio: number;
  /** clean validation accuracy before pruning, after pruning, after fine-tuning */
  accuracy: { before: number; pruned: number; tuned: number };
}

/** Zero the given pooled features' filters (all taps), biases and dense-layer rows. */
export function pruneFilters(clf: CnnClassifier, features: readonly number[]): void {
  const m = clf.model;
  const { filter_widths: W, num_filters: F, embedding_dim: D } = m.config;
  const off = tapOffsets(W, F);
  const cols = W.reduce((a, k) => a + k, 0) * F;
  const C = m.config.num_labels;
  const convW = m.vars['conv_w']!.dataSync().slice() as Float32Array;
  const convB = m.vars['conv_b']!.dataSync().slice() as Float32Array;
  const fcW = m.vars['fc_w']!.dataSync().slice() as Float32Array;
  for (const h of features) {
    const j = Math.floor(h / F);
    const f = h % F;
    for (let i = 0; i < W[j]!; i++) for (let d = 0; d < D; d++) convW[d * cols + off[j]! + i * F + f] = 0;
    convB[h] = 0;
    for (let c = 0; c < C; c++) fcW[h * C + c] = 0;
  }
  tf.tidy(() => {
    m.vars['conv_w']!.assign(tf.tensor2d(convW, [D, cols]));
    m.vars['conv_b']!.assign(tf.tensor1d(convB));
    m.vars['fc_w']!.assign(tf.tensor2d(fcW, [W.length * F, C]));
  });
}

/** The encoder layers fine-pruning works on: the last `n`. */
export function lastLayers(clf: BertClassifier, n: number): number[] {
  const L = clf.model.config.num_hidden_layers;
  if (!(Number.isInteger(n) && n >= 1 && n <= L)) throw new InputError(`fine-pruning: layers must be a whole number in 1..${L} (this BERT's encoder layers), got ${n}`);
  return Array.from({ length: n }, (_, k) => L - n + k);
}

/**
 * Zero the feed-forward neurons `neurons` (index l·I + j: neuron j of encoder layer l) of a BERT: their
 * intermediate.dense column and bias, and their output.dense row.
 */
export function pruneFfnNeurons(clf: BertClassifier, neurons: readonly number[]): void {
  const { intermediate_size: I, hidden_size: H } = clf.model.config;
  const byLayer = new Map<number, number[]>();
  for (const n of neurons) byLayer.set(Math.floor(n / I), [...(byLayer.get(Math.floor(n / I)) ?? []), n % I]);
  for (const [l, js] of byLayer) {
    const p = `encoder.layer.${l}.`;
    const inW = clf.model.params.get(p + 'intermediate.dense.weight'); // stored [H, I]
    const inB = clf.model.params.get(p + 'intermediate.dense.bias');
    const outW = clf.model.params.get(p + 'output.dense.weight'); // stored [I, H]
    const w1 = inW.dataSync().slice() as Float32Array;
    const b1 = inB.dataSync().slice() as Float32Array;
    const w2 = outW.dataSync().slice() as Float32Array;
    for (const j of js) {
      for (let h = 0; h < H; h++) w1[h * I + j] = 0;
      b1[j] = 0;
      w2.fill(0, j * H, (j + 1) * H);
    }
    // new buffers: a variable's wasm memory is never written in place (models/bert/params.ts setHf)
    tf.tidy(() => {
      inW.assign(tf.tensor2d(w1, [H, I]));
      inB.assign(tf.tensor1d(b1));
      outW.assign(tf.tensor2d(w2, [I, H]));
    });
  }
}

/** What fine-pruning prunes in a victim: the units in pruning order (least active first) and how to prune them. */
interface Prunable {
  count: number;
  order: number[];
  prune(units: readonly number[]): void;
  unit: FinePruningResult['unit'];
  layers?: number[];
  lr: number;
}

function cnnPrunable(clf: CnnClassifier, val: readonly { ids: ArrayLike<number> }[]): Prunable {
  const H = clf.model.config.filter_widths.length * clf.model.config.num_filters;
  // mean pooled activation of each filter on the clean validation data
  const feats = cnnFeatures(clf.model, val.map((e) => e.ids));
  const mean = new Float64Array(H);
  for (const f of feats) for (let h = 0; h < H; h++) mean[h]! += f[h]! / feats.length;
  const order = Array.from({ length: H }, (_, h) => h).sort((a, b) => mean[a]! - mean[b]! || a - b);
  return { count: H, order, prune: (u) => pruneFilters(clf, u), unit: 'cnn-filter', lr: 5e-4 };
}

function bertPrunable(clf: BertClassifier, val: readonly { ids: ArrayLike<number> }[], nLayers: number): Prunable {
  const layers = lastLayers(clf, nLayers);
  const I = clf.model.config.intermediate_size;
  const means = meanFfnActivations(clf.model, val.map((e) => e.ids), layers);
  // each layer's neurons by mean activation, interleaved by rank so that every prefix of the order takes
  // (almost) the same share of each layer: activation scales differ between layers
  const ranked = layers.map((l, k) => Array.from({ length: I }, (_, j) => j).sort((a, b) => means[k]![a]! - means[k]![b]! || a - b).map((j) => l * I + j));
  const order = Array.from({ length: I }, (_, r) => ranked.map((xs) => xs[r]!)).flat();
  return { count: layers.length * I, order, prune: (u) => pruneFfnNeurons(clf, u), unit: 'bert-ffn-neuron', layers, lr: 1e-4 };
}

/** Prune dormant units (SentenceCNN filters, BERT feed-forward neurons), then fine-tune on clean data; the classifier is changed in place. */
export async function finePrune(clf: TextClassifier, cleanTune: readonly Example[], cleanVal: readonly Example[], opts: FinePruningOptions = {}): Promise<FinePruningResult> {
  if (cleanVal.length === 0 || cleanTune.length === 0) throw new InputError('fine-pruning needs clean data to measure activations and fine-tune on');
  if (!(clf instanceof CnnClassifier || clf instanceof BertClassifier)) throw new InputError(`fine-pruning is implemented for SentenceCNN and BERT classifiers, not ${clf.kind}`);
  const maxDrop = opts.maxAccuracyDrop ?? 0.05;
  const step = opts.step ?? 0.05;
  const maxRatio = opts.maxRatio ?? 0.95;
  const enc = (xs: readonly Example[]) => xs.map((e) => ({ ids: clf.encode(e.text), label: e.label }));
  const val = enc(cleanVal);
  const tune = enc(cleanTune);
  const units = clf instanceof CnnClassifier ? cnnPrunable(clf, val) : bertPrunable(clf, val, opts.layers ?? 1);
  const { count: H, order } = units;
  // either model family through the trainer's interface (TextClassifier.model)
  const model = (clf as TextClassifier).model;
  const before = accuracyOf(model, val);
  const saved = model.toNamedWeights();
  let kept = 0;
  let keptAcc = before;
  for (let r = step; r <= maxRatio + 1e-9; r += step) {
    const k = Math.round(r * H);
    model.setNamedWeights(saved, 'unpruned');
    units.prune(order.slice(0, k));
    const acc = accuracyOf(model, val);
    if (acc < before - maxDrop) break;
    kept = k;
    keptAcc = acc;
  }
  model.setNamedWeights(saved, 'unpruned');
  const pruned = order.slice(0, kept);
  units.prune(pruned);
  await trainModel(model, tune, val, {
    epochs: opts.epochs ?? 3,
    batchSize: opts.batchSize ?? (units.unit === 'cnn-filter' ? 50 : 32),
    seed: opts.seed ?? 1,
    optimizer: { lr: opts.lr ?? units.lr, weightDecay: 0.01, decay: 'decoupled' },
    patience: 0,
  });
  units.prune(pruned);
  return { pruned: kept, filters: H, unit: units.unit, ...(units.layers ? { layers: units.layers } : {}), ratio: kept / H, accuracy: { before, pruned: keptAcc, tuned: accuracyOf(model, val) } };
}
