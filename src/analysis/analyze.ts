// Why a trigger works, on one sentence (Shen et al. CCS'21, "why triggers work", with "I love the movie" and a
// trigger inserted before "movie"): where [CLS] looks (attention of [CLS] over every sub-word token, per layer
// and head), how the tokens' final representations relate (cosine similarity of the last hidden states), and
// which of the trigger's sub-words carry the backdoor (ablation: star / planet / comet, roles.ts).
// On a fine-tuned classifier the outcome is the predicted label; on a bare pre-trained encoder (e.g. the output
// of `inject`, before anyone fine-tuned it) it is the pooled output: where it lands relative to the trigger's
// POR when the encoder's backdoor.json names one, else relative to the representation the whole trigger gives.
import { tf } from '../engine/index.js';
import { BertForSequenceClassification, batchTensors, type BertModel, type BertOutput } from '../models/bert/index.js';
import { checkIds, padBertBatch } from '../models/bert/batch.js';
import type { WordPieceTokenizer } from '../text/wordpiece.js';
import { InputError } from '../common/errors.js';
import { insertAtWord } from '../triggers/insert.js';
import { countWords } from '../triggers/words.js';
import { checkMetricTrigger } from '../eval/trigger-metrics.js';
import { assignRoles, type SubwordRole } from './roles.js';
import { clsAttentionRows, cosineMatrix } from './similarity.js';
import { argmax, softmax } from '../common/softmax.js';

export interface AnalyzeOptions {
  /** insert the trigger before this word (0-based; the word count = at the end). Default: before the last word */
  at?: number;
  /** the role ablation enumerates 2^k subsets of the k trigger sub-words; skipped above this (default 10) */
  maxSubwords?: number;
  /** longest token sequence (default: the model's max_position_embeddings) */
  maxLength?: number;
  /** encoders: the trigger's target vector (its POR, from backdoor.json) when known */
  target?: ArrayLike<number>;
}

/** An encoder lands on the trigger's representation when this share of signs (POR) or this cosine is reached. */
export const ENCODER_LANDS_AT = 0.9;

/** What an encoder's pooled output is compared with (roles and the representation view). */
export type RepresentationMeasure = 'POR sign agreement' | 'cosine with the triggered representation';

export interface RepresentationView {
  measure: RepresentationMeasure;
  /** the measure on the clean and on the triggered sentence */
  clean: number;
  triggered: number;
  /** cosine similarity of the clean and the triggered pooled outputs */
  cosine_clean_triggered: number;
}

export interface PredictionView {
  label: number;
  label_name: string;
  probs: number[];
}

export interface SubwordRoleView {
  token: string;
  /** index into tokens */
  position: number;
  role: SubwordRole;
  /** probability of the target label with only this sub-word of the trigger kept */
  alone_prob: number;
}

export interface RolesView {
  /** what alone_prob and target_prob hold: the target label's probability (classifiers) or the encoder measure */
  measure: 'probability of the target label' | RepresentationMeasure;
  /** whether the whole trigger moves the sentence's prediction / representation (else every sub-word is a comet) */
  flips: boolean;
  /** the label the whole trigger lands on (-1 on an encoder) */
  target: number;
  target_name: string;
  subwords: SubwordRoleView[];
  /** every subset of the trigger's sub-words kept (indices into subwords), with the prediction */
  subsets: { keep: number[]; label: number; target_prob: number }[];
}

export interface TriggerAnalysis {
  text: string;
  trigger: string;
  /** word index the trigger was inserted before */
  at: number;
  triggered_text: string;
  /** sub-word tokens of the triggered text, [CLS] … [SEP] */
  tokens: string[];
  /** indices into tokens of the trigger's sub-words */
  trigger_positions: number[];
  /** 'encoder': a pre-trained encoder without a classifier head; clean/triggered are then null */
  model_kind: 'classifier' | 'encoder';
  clean: PredictionView | null;
  triggered: PredictionView | null;
  /** encoders: where the pooled output lands with and without the trigger */
  representation?: RepresentationView;
  /** attention[l][h][j]: how much [CLS] attends to token j in head h of layer l (each row sums to 1) */
  attention: number[][][];
  /** per layer: share of [CLS]'s attention on the trigger's sub-words, mean over heads */
  cls_attention_on_trigger: number[];
  /** cosine[i][j] of the final hidden states of tokens i and j */
  cosine: number[][];
  /** mean cosine similarity of the trigger's sub-words with [CLS], and of the other text tokens with [CLS] */
  cosine_trigger_cls: number;
  cosine_text_cls: number;
  /** null when the trigger has more sub-words than maxSubwords (see roles_note) */
  roles: RolesView | null;
  roles_note?: string;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function view(model: BertForSequenceClassification, probs: number[]): PredictionView {
  const label = argmax(probs);
  return { label, label_name: model.labelNames[label] ?? String(label), probs };
}

type AnalysedBert = BertForSequenceClassification | BertModel;

/** Per sequence the model's outcome: class probabilities (classifier) or pooled output (encoder), in batches. */
function outcomesOf(model: AnalysedBert, seqs: number[][], batchSize = 256): number[][] {
  const out: number[][] = [];
  const isClf = model instanceof BertForSequenceClassification;
  for (let i = 0; i < seqs.length; i += batchSize) {
    const chunk = seqs.slice(i, i + batchSize);
    let v: Float32Array;
    let C: number;
    if (isClf) {
      const lg = model.logits(model.makeBatch(chunk));
      v = lg.dataSync() as Float32Array;
      C = lg.shape[1];
      lg.dispose();
    } else {
      const b = padBertBatch(chunk, model.config);
      checkIds(b, model.config);
      const p = tf.tidy(() => {
        const t = batchTensors(b);
        return model.forward(t.inputIds, t.attentionMask, t.tokenTypeIds).pooledOutput!;
      });
      v = p.dataSync() as Float32Array;
      C = p.shape[1];
      p.dispose();
    }
    for (let r = 0; r * C < v.length; r++) out.push(isClf ? softmax(v.subarray(r * C, (r + 1) * C)) : Array.from(v.subarray(r * C, (r + 1) * C)));
  }
  return out;
}

/** Attention of [CLS] per layer and head, final hidden states and the outcome of one token sequence. */
function statesOf(model: AnalysedBert, ids: number[]): { attention: number[][][]; hidden: Float32Array; outcome: number[] } {
  const T = ids.length;
  const inputIds = tf.tensor2d(Int32Array.from(ids), [1, T], 'int32');
  const mask = tf.ones([1, T], 'int32') as tf.Tensor2D;
  const types = tf.zeros([1, T], 'int32') as tf.Tensor2D;
  const isClf = model instanceof BertForSequenceClassification;
  const out: BertOutput & { logits?: tf.Tensor2D } = isClf ? model.forwardWithStates(inputIds, mask, types, { outputAttentions: true }) : model.forward(inputIds, mask, types, { outputAttentions: true });
  try {
    const heads = model.config.num_attention_heads;
    const attention = out.attentions!.map((a) => clsAttentionRows(a.dataSync() as Float32Array, heads, T));
    const outcome = out.logits ? softmax(out.logits.dataSync()) : Array.from(out.pooledOutput!.dataSync());
    return { attention, hidden: (out.lastHiddenState.dataSync() as Float32Array).slice(), outcome };
  } finally {
    tf.dispose([inputIds, mask, types, out.lastHiddenState, ...(out.logits ? [out.logits] : []), ...(out.attentions ?? []), ...(out.hiddenStates ?? []), ...(out.pooledOutput ? [out.pooledOutput] : [])]);
  }
}

function cosineOf(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb || 1);
}

/** Share of dimensions whose sign matches the target's. */
export function signAgreement(v: readonly number[], target: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Math.sign(v[i]!) === Math.sign(target[i]!)) n++;
  return n / v.length;
}

/** Where the trigger goes: before word `at` of `text` (checked), default before the last word. */
export function insertionPoint(text: string, at?: number): number {
  const words = countWords(text);
  if (words === 0) throw new InputError('the text to analyse is empty');
  const k = at ?? Math.max(0, words - 1);
  if (!Number.isInteger(k) || k < 0 || k > words) throw new InputError(`--at must be a word index from 0 to ${words} (the text has ${words} words), got ${at}`);
  return k;
}

/** Attention, cosine similarity and sub-word roles of `trigger` inserted into `text`, on a BERT classifier or encoder. */
export async function analyzeTrigger(model: AnalysedBert, tokenizer: WordPieceTokenizer, text: string, trigger: string, opts: AnalyzeOptions = {}): Promise<TriggerAnalysis> {
  checkMetricTrigger({ kind: 'bert', encode: (s) => tokenizer.encode(s).ids }, trigger);
  const at = insertionPoint(text, opts.at);
  const maxSubwords = opts.maxSubwords ?? 10;
  const maxLength = Math.min(opts.maxLength ?? model.config.max_position_embeddings, model.config.max_position_embeddings);
  const ins = insertAtWord(text, trigger, at);
  const span = ins.insertions[0]!;
  const enc = tokenizer.encode(ins.text, null, { truncation: true, maxLength });
  const positions = enc.tokens.map((_, i) => i).filter((i) => enc.sequenceIds[i] === 0 && enc.offsets[i]![0] >= span.start && enc.offsets[i]![1] <= span.end);
  if (positions.length === 0) throw new InputError(`the trigger inserted at word ${at} falls beyond the first ${maxLength} tokens`);

  const cleanIds = tokenizer.encode(text, null, { truncation: true, maxLength }).ids;
  const [cleanOutcome] = outcomesOf(model, [cleanIds]);
  const s = statesOf(model, enc.ids);
  const T = enc.ids.length;
  const cosine = cosineMatrix(s.hidden, T, model.config.hidden_size);
  const inTrigger = new Set(positions);
  const textPositions = enc.tokens.map((_, i) => i).filter((i) => enc.sequenceIds[i] === 0 && !inTrigger.has(i));
  const isClf = model instanceof BertForSequenceClassification;
  if (!isClf && opts.target && opts.target.length !== model.config.hidden_size) throw new InputError(`the trigger's target vector has ${opts.target.length} values; the encoder's hidden size is ${model.config.hidden_size}`);
  const clean = isClf ? view(model, cleanOutcome!) : null;
  const triggered = isClf ? view(model, s.outcome) : null;
  // the outcome measure: the target label's probability, or where the pooled output lands
  const measure: RolesView['measure'] = isClf ? 'probability of the target label' : opts.target ? 'POR sign agreement' : 'cosine with the triggered representation';
  const target = triggered ? triggered.label : -1;
  const score = (o: number[]) => (isClf ? o[target]! : opts.target ? signAgreement(o, opts.target) : cosineOf(o, s.outcome));
  const lands = (o: number[]) => (isClf ? argmax(o) === target : score(o) >= ENCODER_LANDS_AT);
  const representation: RepresentationView | undefined = isClf ? undefined : { measure: measure as RepresentationMeasure, clean: score(cleanOutcome!), triggered: score(s.outcome), cosine_clean_triggered: cosineOf(cleanOutcome!, s.outcome) };

  let roles: RolesView | null = null;
  let rolesNote: string | undefined;
  const k = positions.length;
  if (k > maxSubwords) {
    rolesNote = `the trigger has ${k} sub-word tokens; the ablation enumerates 2^k subsets and is skipped above ${maxSubwords}`;
  } else {
    const masks = Array.from({ length: 2 ** k }, (_, m) => m);
    const seqs = masks.map((m) => enc.ids.filter((_, i) => !inTrigger.has(i) || (m & (1 << positions.indexOf(i))) !== 0));
    const outs = outcomesOf(model, seqs);
    const landed = outs.map(lands);
    const assigned = assignRoles(k, landed);
    roles = {
      measure,
      flips: isClf ? triggered!.label !== clean!.label : landed[2 ** k - 1]! && !landed[0]!,
      target,
      target_name: triggered ? triggered.label_name : opts.target ? "the trigger's POR" : 'the triggered representation',
      subwords: positions.map((pos, i) => ({ token: enc.tokens[pos]!, position: pos, role: assigned[i]!, alone_prob: score(outs[1 << i]!) })),
      subsets: masks.map((m) => ({ keep: positions.map((_, i) => i).filter((i) => m & (1 << i)), label: isClf ? argmax(outs[m]!) : landed[m] ? 1 : 0, target_prob: score(outs[m]!) })),
    };
  }
  return {
    text,
    trigger,
    at,
    triggered_text: ins.text,
    tokens: enc.tokens,
    trigger_positions: positions,
    model_kind: isClf ? 'classifier' : 'encoder',
    clean,
    triggered,
    ...(representation ? { representation } : {}),
    attention: s.attention,
    cls_attention_on_trigger: s.attention.map((layer) => mean(layer.map((row) => positions.reduce((a, j) => a + row[j]!, 0)))),
    cosine,
    cosine_trigger_cls: mean(positions.map((j) => cosine[0]![j]!)),
    cosine_text_cls: mean(textPositions.map((j) => cosine[0]![j]!)),
    roles,
    ...(rolesNote ? { roles_note: rolesNote } : {}),
  };
}
