// One interface over every text classifier the toolkit trains or loads (SentenceCNN, BERT family): text in,
// label/probabilities/logits out. `loadClassifier(dir)` reads any model directory the project writes, or a
// Hugging Face BERT directory, and picks the right pipeline from config.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../engine/index.js';
import type { TrainableClassifier } from '../train/trainer.js';
import { SentenceCNN } from './cnn.js';
import { loadCnn, saveCnn, type CnnTextConfig } from './cnn-checkpoint.js';
import { BertForSequenceClassification } from './bert/index.js';
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
    return this.vocab.encode(this.tokens(text));
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
    return this.tokenizer.encode(text, null, { truncation: true, maxLength: Math.min(this.maxLength, this.model.config.max_position_embeddings) }).ids;
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

/** Predictions for raw texts, in batches (no gradient). */
export function predictTexts(clf: TextClassifier, texts: string[], batchSize = 100): Prediction[] {
  const out: Prediction[] = [];
  const names = clf.labelNames;
  for (let i = 0; i < texts.length; i += batchSize) {
    const batch = clf.model.makeBatch(texts.slice(i, i + batchSize).map((t) => clf.encode(t)));
    const lg = clf.model.logits(batch, false);
    const [n, c] = lg.shape as [number, number];
    const v = lg.dataSync() as Float32Array;
    lg.dispose();
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
  return out;
}

/** Predicted label indices only. */
export function predictLabels(clf: TextClassifier, texts: string[], batchSize = 100): number[] {
  return predictTexts(clf, texts, batchSize).map((p) => p.label);
}

/** Load any classifier directory: a SentenceCNN written by this project, or a BERT-family HF directory. */
export async function loadClassifier(dir: string, opts: { maxLength?: number } = {}): Promise<TextClassifier> {
  const cfgFile = path.join(dir, 'config.json');
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such model directory`);
  if (!fs.existsSync(cfgFile)) {
    const hint = fs.existsSync(path.join(dir, 'model')) ? ` (did you mean ${path.join(dir, 'model')}?)` : '';
    throw new Error(`${dir}: not a model directory: config.json is missing${hint}`);
  }
  const cfg = readJson<{ model_type?: string; max_length?: number }>(cfgFile);
  if (cfg.model_type === 'sentence-cnn') {
    const { model, vocab, config } = loadCnn(dir);
    return new CnnClassifier(model, vocab, config.text);
  }
  if (cfg.model_type === 'bert' || cfg.model_type === undefined) {
    const model = await BertForSequenceClassification.load(dir);
    const tokenizer = WordPieceTokenizer.fromDirectory(dir);
    return new BertClassifier(model, tokenizer, opts.maxLength ?? 128);
  }
  throw new Error(`${cfgFile}: unsupported model_type "${cfg.model_type}" (supported: sentence-cnn, bert)`);
}

/** Number of live tensors (for leak checks in tests and long runs). */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
