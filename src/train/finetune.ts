// Fine-tuning a BERT encoder for sentence classification as Devlin et al. (2019, §4.1) and HF Trainer do it:
// [CLS] pooled output → dropout → linear layer, AdamW (decoupled weight decay 0.01, none on biases and
// LayerNorm), linear warm-up and decay, gradient clipping at 1.0, dev accuracy after every epoch and the best
// epoch's weights restored at the end. Batches are made by length (sort, cut, shuffle the batches), so short
// sentences are not padded to the longest of the corpus. Either the whole model trains ('full') or only the
// pooler and classifier on a frozen encoder ('head'); `init: 'random'` builds the same architecture from the
// directory's config.json with no pre-trained weights (the baseline that shows what pre-training buys).
import fs from 'node:fs';
import path from 'node:path';
import { tf, initEngine } from '../engine/index.js';
import { Rng } from '../common/random.js';
import { BertForSequenceClassification, readBertConfig, type BertConfigInput } from '../models/bert/index.js';
import { WordPieceTokenizer } from '../text/wordpiece.js';
import { Adam } from './adam.js';
import { clipAndApply } from './clip.js';
import { crossEntropy } from './step.js';
import { GradientPool } from './data-parallel.js';
import { learningRate, warmupSteps } from './lr-schedule.js';

export interface LabeledText {
  text: string;
  label: number;
}

export interface FineTuneEpoch {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  devAccuracy: number | null;
  seconds: number;
}

export interface FineTuneOptions {
  /** a model directory in HF layout (config.json, model.safetensors, vocab.txt) */
  modelDir: string;
  /** 'pretrained' (default) loads the weights; 'random' only the architecture (config.json) */
  init?: 'pretrained' | 'random';
  train: LabeledText[];
  dev: LabeledText[];
  numLabels: number;
  labelNames?: string[];
  /** 'full' (default) trains everything; 'head' freezes embeddings and encoder layers */
  mode?: 'full' | 'head';
  epochs?: number;
  batchSize?: number;
  lr?: number;
  maxLen?: number;
  seed?: number;
  /** warm-up steps as a fraction of all steps (default 0.1) */
  warmupRatio?: number;
  weightDecay?: number;
  maxGradNorm?: number;
  /** config.json overrides, e.g. { hidden_dropout_prob: 0.1 } */
  config?: BertConfigInput;
  /** default: the directory's vocab.txt / tokenizer.json */
  tokenizer?: WordPieceTokenizer;
  onEpochEnd?: (e: FineTuneEpoch, model: BertForSequenceClassification) => void | Promise<void>;
  /** a line per epoch on stderr (default true) */
  progress?: boolean;
  /**
   * worker threads computing each batch's gradients data-parallel (src/train/data-parallel.ts); default 1
   * (this thread). With dropout, each shard draws its own masks: a run is reproducible for a given seed and
   * worker count, not across worker counts.
   */
  workers?: number;
}

export interface FineTuneResult {
  model: BertForSequenceClassification;
  tokenizer: WordPieceTokenizer;
  history: FineTuneEpoch[];
  bestEpoch: number;
  bestDevAccuracy: number | null;
  seconds: number;
}

/** Token ids ([CLS] … [SEP], truncated to maxLen) of each text. */
export function encodeTexts(tok: WordPieceTokenizer, texts: string[], maxLen: number): Int32Array[] {
  return texts.map((t) => Int32Array.from(tok.encode(t, null, { truncation: true, maxLength: maxLen }).ids));
}

/** Batches by length: a seeded shuffle, a stable sort by length, cut into batches, the batch order shuffled. */
export function lengthBatches(lengths: number[], batchSize: number, rng: Rng): number[][] {
  const idx = rng.shuffle(lengths.map((_, i) => i));
  idx.sort((a, b) => lengths[a]! - lengths[b]!);
  const batches: number[][] = [];
  for (let i = 0; i < idx.length; i += batchSize) batches.push(idx.slice(i, i + batchSize));
  return rng.shuffle(batches);
}

/** Predicted class of each encoded text (length-sorted batches, eval mode). */
export function predictEncoded(model: BertForSequenceClassification, seqs: Int32Array[], batchSize = 64): Int32Array {
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length);
  const pred = new Int32Array(seqs.length);
  for (let i = 0; i < order.length; i += batchSize) {
    const ids = order.slice(i, i + batchSize);
    const am = tf.tidy(() => tf.argMax(model.logits(model.makeBatch(ids.map((j) => seqs[j]!))), 1));
    const d = am.dataSync();
    am.dispose();
    ids.forEach((j, r) => (pred[j] = d[r]!));
  }
  return pred;
}

const noDecay = (name: string) => name.endsWith('.bias') || name.includes('LayerNorm');

export async function fineTuneBert(opts: FineTuneOptions): Promise<FineTuneResult> {
  await initEngine();
  const t0 = performance.now();
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 32;
  const lr = opts.lr ?? 5e-5;
  const maxLen = opts.maxLen ?? 128;
  const seed = opts.seed ?? 0;
  const mode = opts.mode ?? 'full';
  const progress = opts.progress ?? true;
  if (!(opts.numLabels >= 2)) throw new Error(`numLabels must be at least 2, got ${opts.numLabels}`);
  const names = opts.labelNames ?? Array.from({ length: opts.numLabels }, (_, i) => String(i));
  if (names.length !== opts.numLabels) throw new Error(`${names.length} label names for ${opts.numLabels} labels`);
  for (const [set, data] of [['train', opts.train], ['dev', opts.dev]] as const) {
    data.forEach((d, i) => {
      if (!Number.isInteger(d.label) || d.label < 0 || d.label >= opts.numLabels) throw new Error(`${set}[${i}]: label ${d.label} is not in 0..${opts.numLabels - 1}`);
    });
  }
  const labels: BertConfigInput = {
    id2label: Object.fromEntries(names.map((n, i) => [String(i), n])),
    label2id: Object.fromEntries(names.map((n, i) => [n, i])),
  };
  const tok = opts.tokenizer ?? WordPieceTokenizer.fromDirectory(opts.modelDir);
  let model: BertForSequenceClassification;
  if ((opts.init ?? 'pretrained') === 'random') {
    const cfg = readBertConfig(path.join(opts.modelDir, 'config.json'));
    delete (cfg as Record<string, unknown>)['architectures'];
    model = new BertForSequenceClassification({ ...cfg, ...opts.config, ...labels, architectures: ['BertForSequenceClassification'] }, { seed });
  } else {
    if (!fs.existsSync(opts.modelDir)) throw new Error(`${opts.modelDir}: no such model directory`);
    model = await BertForSequenceClassification.load(opts.modelDir, { config: { ...opts.config, ...labels, architectures: ['BertForSequenceClassification'] }, seed, ignoreMismatchedHead: true });
  }
  if (tok.vocabSize > model.config.vocab_size) throw new Error(`the tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${model.config.vocab_size}`);
  const len = Math.min(maxLen, model.config.max_position_embeddings);
  if (mode === 'head') model.setTrainable((n) => !(n.startsWith('pooler.') || n.startsWith('classifier.')), false);

  const trainIds = encodeTexts(tok, opts.train.map((d) => d.text), len);
  const devIds = encodeTexts(tok, opts.dev.map((d) => d.text), len);
  const trainLabels = Int32Array.from(opts.train, (d) => d.label);
  const stepsPerEpoch = Math.ceil(trainIds.length / batchSize);
  const total = stepsPerEpoch * epochs;
  const schedule = { kind: 'linear' as const, lr, warmup: warmupSteps(total, opts.warmupRatio ?? 0.1), total };
  const opt = new Adam({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: opts.weightDecay ?? 0.01, decay: 'decoupled', noDecay });
  const vars = model.trainableVariables();
  const varList = Object.values(vars);
  const rng = new Rng(seed);
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  const pool = workers > 1 ? await GradientPool.create(model, { workers }) : null;
  try {
    return await trainLoop();
  } finally {
    await pool?.dispose();
  }

  async function trainLoop(): Promise<FineTuneResult> {
    const history: FineTuneEpoch[] = [];
    let best: ReturnType<BertForSequenceClassification['toNamedWeights']> | null = null;
    let bestAcc = -1;
    let bestEpoch = 0;
    let step = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const te = performance.now();
      const batches = lengthBatches(trainIds.map((s) => s.length), batchSize, rng.fork(`epoch${epoch}`));
      let lossSum = 0;
      let correct = 0;
      for (const b of batches) {
        opt.lr = learningRate(schedule, step);
        const batch = model.makeBatch(b.map((i) => trainIds[i]!));
        const y = Int32Array.from(b, (i) => trainLabels[i]!);
        const dropoutSeed = (seed * 1000003 + step) >>> 0;
        if (pool) {
          const r = await pool.grads(batch, { kind: 'classifier', labels: y }, dropoutSeed);
          r.predictions!.forEach((p, i) => (correct += p === y[i] ? 1 : 0));
          lossSum += r.loss * b.length;
          clipAndApply(opt, vars, r.grads, opts.maxGradNorm ?? 1, 1, r.norm);
          step++;
          continue;
        }
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.logits(batch, true, dropoutSeed);
          const pred = tf.tidy(() => tf.argMax(logits, 1)).dataSync();
          pred.forEach((p, r) => (correct += p === y[r] ? 1 : 0));
          return crossEntropy(logits, y);
        }, varList);
        lossSum += value.dataSync()[0]! * b.length;
        value.dispose();
        clipAndApply(opt, vars, grads, opts.maxGradNorm ?? 1);
        step++;
      }
      let devAccuracy: number | null = null;
      if (devIds.length) {
        const pred = predictEncoded(model, devIds);
        devAccuracy = pred.reduce((s, p, i) => s + (p === opts.dev[i]!.label ? 1 : 0), 0) / devIds.length;
      }
      const rec: FineTuneEpoch = { epoch, loss: lossSum / trainIds.length, trainAccuracy: correct / trainIds.length, devAccuracy, seconds: (performance.now() - te) / 1000 };
      history.push(rec);
      if (progress) process.stderr.write(`fine-tune epoch ${epoch}/${epochs}: loss ${rec.loss.toFixed(4)} train acc ${rec.trainAccuracy.toFixed(4)}${devAccuracy !== null ? ` dev acc ${devAccuracy.toFixed(4)}` : ''} (${rec.seconds.toFixed(0)}s)\n`);
      const score = devAccuracy ?? -rec.loss;
      if (score > bestAcc) {
        bestAcc = score;
        bestEpoch = epoch;
        best = model.toNamedWeights();
      }
      await opts.onEpochEnd?.(rec, model);
    }
    if (best && bestEpoch !== epochs) model.setNamedWeights(best, 'best epoch');
    model.setTrainable(() => true, true);
    return { model, tokenizer: tok, history, bestEpoch, bestDevAccuracy: devIds.length ? bestAcc : null, seconds: (performance.now() - t0) / 1000 };
  }
}
