// One interface over every text classifier the toolkit trains or loads (SentenceCNN, BERT family): text in,
// label/probabilities/logits out. `loadClassifier(dir)` reads any model directory the project writes, or a
// Hugging Face BERT directory, and picks the right pipeline from config.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf, initEngine, requireEngine } from '../engine/index.js';
import type { TrainableClassifier } from '../train/trainer.js';
import { SentenceCNN } from './cnn.js';
import { loadCnn, saveCnn, type CnnTextConfig } from './cnn-checkpoint.js';
import { BertForSequenceClassification, refusePickled, type BertConfig } from './bert/index.js';
import { WordPieceTokenizer } from '../text/wordpiece.js';
import { Vocab } from '../text/vocab.js';
import { wordTokenize } from '../text/tokenizer.js';
import { readJson } from '../common/fs-atomic.js';

export type ClassifierKind = 'sentence-cnn' | 'bert';

export interface TextClassifier {
  readonly kind: ClassifierKind;
  readonly labelNames: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly model: TrainableClassifier<any> & { dispose(): void };
  /** token ids the model sees for one text */
  encode(text: string): ArrayLike<number>;
  save(dir: string, training?: Record<string, unknown>): void;
  dispose(): void;
}

/** The SentenceCNN text pipeline: Kim's clean_str word tokens, vocabulary ids. */
export function cnnEncode(vocab: Vocab, cfg: CnnTextConfig, text: string): ArrayLike<number> {
  return vocab.encode(wordTokenize(text, { keepUnicode: cfg.keep_unicode }));
}

/** The BERT text pipeline: WordPiece ids with [CLS]/[SEP], truncated to min(maxLength, max_position_embeddings). */
export function bertEncode(tokenizer: WordPieceTokenizer, config: BertConfig, maxLength: number, text: string): ArrayLike<number> {
  return tokenizer.encode(text, null, { truncation: true, maxLength: Math.min(maxLength, config.max_position_embeddings) }).ids;
}

export class CnnClassifier implements TextClassifier {
  readonly kind = 'sentence-cnn' as const;
  constructor(
    readonly model: SentenceCNN,
    readonly vocab: Vocab,
    readonly text: CnnTextConfig = { tokenizer: 'kim-clean-str', keep_unicode: false },
  ) {}
  get labelNames(): string[] {
    return this.model.labelNames;
  }
  tokens(text: string): string[] {
    return wordTokenize(text, { keepUnicode: this.text.keep_unicode });
  }
  encode(text: string): ArrayLike<number> {
    return cnnEncode(this.vocab, this.text, text);
  }
  save(dir: string, training?: Record<string, unknown>): void {
    saveCnn(dir, this.model, this.vocab, this.text, training);
  }
  dispose(): void {
    this.model.dispose();
  }
}

export class BertClassifier implements TextClassifier {
  readonly kind = 'bert' as const;
  constructor(
    readonly model: BertForSequenceClassification,
    readonly tokenizer: WordPieceTokenizer,
    readonly maxLength = 128,
  ) {}
  get labelNames(): string[] {
    return this.model.labelNames;
  }
  encode(text: string): ArrayLike<number> {
    return bertEncode(this.tokenizer, this.model.config, this.maxLength, text);
  }
  save(dir: string): void {
    this.model.save(dir, { tokenizer: this.tokenizer });
  }
  dispose(): void {
    this.model.dispose();
  }
}

export interface Prediction {
  label: number;
  labelName: string;
  probs: number[];
  logits: number[];
}

/**
 * A classifier that computes logits outside tfjs, asynchronously (OnnxClassifier, onnx/classifier.ts): the
 * same text pipeline (`encode`) as the TextClassifier it was exported from, logits from token-id sequences.
 */
export interface AsyncLogitsClassifier {
  readonly kind: ClassifierKind;
  readonly labelNames: string[];
  encode(text: string): ArrayLike<number>;
  /** logits, row-major [seqs.length, labels] */
  logitsOf(seqs: ArrayLike<number>[]): Promise<Float32Array>;
  dispose(): void | Promise<void>;
}

/** Softmax and argmax of row-major logits [n, c]. */
function toPredictions(v: Float32Array, n: number, c: number, names: string[], out: Prediction[]): void {
  for (let r = 0; r < n; r++) {
    const logits = Array.from(v.subarray(r * c, (r + 1) * c));
    const m = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    const probs = e.map((x) => x / s);
    let label = 0;
    for (let k = 1; k < c; k++) if (probs[k]! > probs[label]!) label = k;
    out.push({ label, labelName: names[label] ?? String(label), probs, logits });
  }
}

/** tfjs logits of one batch of texts, row-major. */
function tfjsLogits(clf: TextClassifier, texts: string[]): Float32Array {
  const lg = clf.model.logits(clf.model.makeBatch(texts.map((t) => clf.encode(t))), false);
  const v = lg.dataSync() as Float32Array;
  lg.dispose();
  return v;
}

/** Predictions for raw texts, in batches (no gradient). */
export function predictTexts(clf: TextClassifier, texts: string[], batchSize = 100): Prediction[] {
  requireEngine('predictTexts');
  const out: Prediction[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const batch = texts.slice(i, i + batchSize);
    const v = tfjsLogits(clf, batch);
    toPredictions(v, batch.length, v.length / batch.length, clf.labelNames, out);
  }
  return out;
}

/** predictTexts for either engine: a tfjs TextClassifier, or an AsyncLogitsClassifier such as OnnxClassifier. */
export async function predictTextsAsync(clf: TextClassifier | AsyncLogitsClassifier, texts: string[], batchSize = 100): Promise<Prediction[]> {
  if (!('logitsOf' in clf)) return predictTexts(clf, texts, batchSize);
  const out: Prediction[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const batch = texts.slice(i, i + batchSize);
    const v = await clf.logitsOf(batch.map((t) => clf.encode(t)));
    toPredictions(v, batch.length, v.length / batch.length, clf.labelNames, out);
  }
  return out;
}

/** Predicted label indices only. */
export function predictLabels(clf: TextClassifier, texts: string[], batchSize = 100): number[] {
  return predictTexts(clf, texts, batchSize).map((p) => p.label);
}

/** The kind of classifier a model directory holds (from its config.json), with errors that name the directory. */
export function classifierKindOf(dir: string): ClassifierKind {
  const cfgFile = path.join(dir, 'config.json');
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such model directory`);
  if (!fs.existsSync(cfgFile)) {
    refusePickled(dir);
    const hint = fs.existsSync(path.join(dir, 'model')) ? ` (did you mean ${path.join(dir, 'model')}?)` : '';
    throw new Error(`${dir}: not a model directory: config.json is missing${hint}`);
  }
  const cfg = readJson<{ model_type?: string }>(cfgFile);
  if (cfg.model_type === 'sentence-cnn') return 'sentence-cnn';
  if (cfg.model_type === 'bert' || cfg.model_type === undefined) return 'bert';
  throw new Error(`${cfgFile}: unsupported model_type "${cfg.model_type}" (supported: sentence-cnn, bert)`);
}

/** Load any classifier directory: a SentenceCNN written by this project, or a BERT-family HF directory. */
export async function loadClassifier(dir: string, opts: { maxLength?: number } = {}): Promise<TextClassifier> {
  await initEngine(); // the fast backend on first use (engine/index.ts requireEngine)
  if (classifierKindOf(dir) === 'sentence-cnn') {
    const { model, vocab, config } = loadCnn(dir);
    return new CnnClassifier(model, vocab, config.text);
  }
  const model = await BertForSequenceClassification.load(dir);
  // A pre-trained encoder (e.g. assets/bert-small, a masked-LM checkpoint) has no trained classification
  // head: BertForSequenceClassification initialises one at random, as HF does for fine-tuning, and its
  // predictions would be noise (0.51/0.49). Every command that needs a classifier loads it here.
  const head = model.loadReport?.initialized.filter((n) => n.startsWith('classifier.')) ?? [];
  if (head.length > 0) {
    model.dispose();
    throw new EncoderWithoutHeadError(dir, model.loadReport!.source, head);
  }
  const tokenizer = WordPieceTokenizer.fromDirectory(dir);
  return new BertClassifier(model, tokenizer, opts.maxLength ?? 128);
}

/** A BERT directory that is an encoder (no classification head in its checkpoint) was given where a classifier is needed. */
export class EncoderWithoutHeadError extends Error {
  constructor(
    readonly dir: string,
    source: string,
    missing: string[],
  ) {
    super(
      `${dir}: this is a BERT encoder without a classification head (${source} has no ${missing.join('/')}), ` +
        'so it cannot predict labels: a random head would answer. Fine-tune it into a classifier first, e.g.\n' +
        `  nlp-backdoor train --model bert:${dir} --dataset NAME|FILE --out OUT\n` +
        'then use OUT/model as the classifier.',
    );
    this.name = 'EncoderWithoutHeadError';
  }
}

/** Number of live tensors (for leak checks in tests and long runs). */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
