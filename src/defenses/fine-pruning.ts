// Fine-pruning (Liu, Dolan-Gavitt & Garg, "Fine-Pruning: Defending Against Backdooring Attacks on Deep
// Neural Networks", RAID'18): backdoor behaviour hides in neurons that clean inputs leave dormant. Prune the
// last layer's neurons in increasing order of their mean activation on clean data, while clean validation
// accuracy stays within `maxAccuracyDrop` of the unpruned model (§3: pruning stops when accuracy falls by 4%),
// then fine-tune the pruned model on clean data. For the SentenceCNN the neurons are the convolution filters,
// whose max-pooled ReLU outputs feed the dense layer. A pruned filter has its weights, bias and dense-layer
// row set to zero: its pooled output is then 0 and every gradient into it is 0 (no active window), so
// fine-tuning leaves it pruned; the mask is applied once more afterwards all the same.
import { tf } from '../engine/index.js';
import type { Example } from '../data/types.js';
import type { CnnClassifier } from '../models/classifier.js';
import { tapOffsets } from '../models/conv-pool.js';
import { train as trainModel, accuracyOf } from '../train/trainer.js';
import { cnnFeatures } from './cnn-forward.js';
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
  lr?: number;
  batchSize?: number;
  seed?: number;
}

export interface FinePruningResult {
  pruned: number;
  filters: number;
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

/** Prune dormant filters, then fine-tune on clean data; the classifier is changed in place. */
export async function finePrune(clf: CnnClassifier, cleanTune: readonly Example[], cleanVal: readonly Example[], opts: FinePruningOptions = {}): Promise<FinePruningResult> {
  if (cleanVal.length === 0 || cleanTune.length === 0) throw new InputError('fine-pruning needs clean data to measure activations and fine-tune on');
  const maxDrop = opts.maxAccuracyDrop ?? 0.05;
  const step = opts.step ?? 0.05;
  const maxRatio = opts.maxRatio ?? 0.95;
  const enc = (xs: readonly Example[]) => xs.map((e) => ({ ids: clf.encode(e.text), label: e.label }));
  const val = enc(cleanVal);
  const tune = enc(cleanTune);
  const H = clf.model.config.filter_widths.length * clf.model.config.num_filters;
  // mean pooled activation of each filter on the clean validation data
  const feats = cnnFeatures(clf.model, val.map((e) => e.ids));
  const mean = new Float64Array(H);
  for (const f of feats) for (let h = 0; h < H; h++) mean[h]! += f[h]! / feats.length;
  const order = Array.from({ length: H }, (_, h) => h).sort((a, b) => mean[a]! - mean[b]! || a - b);
  const before = accuracyOf(clf.model, val);
  const saved = clf.model.toNamedWeights();
  let kept = 0;
  let keptAcc = before;
  for (let r = step; r <= maxRatio + 1e-9; r += step) {
    const k = Math.round(r * H);
    clf.model.setNamedWeights(saved, 'unpruned');
    pruneFilters(clf, order.slice(0, k));
    const acc = accuracyOf(clf.model, val);
    if (acc < before - maxDrop) break;
    kept = k;
    keptAcc = acc;
  }
  clf.model.setNamedWeights(saved, 'unpruned');
  const pruned = order.slice(0, kept);
  pruneFilters(clf, pruned);
  await trainModel(clf.model, tune, val, {
    epochs: opts.epochs ?? 3,
    batchSize: opts.batchSize ?? 50,
    seed: opts.seed ?? 1,
    optimizer: { lr: opts.lr ?? 5e-4, weightDecay: 0.01, decay: 'decoupled' },
    patience: 0,
  });
  pruneFilters(clf, pruned);
  return { pruned: kept, filters: H, ratio: kept / H, accuracy: { before, pruned: keptAcc, tuned: accuracyOf(clf.model, val) } };
}
