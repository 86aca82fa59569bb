// Why a trigger works, on one sentence (Shen et al. CCS'21, "why triggers work", with "I love the movie" and a
// trigger inserted before "movie"): where [CLS] looks (attention of [CLS] over every sub-word token, per layer
// and head), how the tokens' final representations relate (cosine similarity of the last hidden states), and
// which of the trigger's sub-words carry the backdoor (ablation: star / planet / comet, roles.ts).
import { tf } from '../engine/index.js';
import type { BertForSequenceClassification } from '../models/bert/index.js';
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
  /** whether the whole trigger moves the sentence's prediction (else every sub-word is a comet) */
  flips: boolean;
  /** the label the whole trigger lands on */
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
  clean: PredictionView;
  triggered: PredictionView;
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

/** Class probabilities of token-id sequences, in batches. */
function probsOf(model: BertForSequenceClassification, seqs: number[][], batchSize = 256): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < seqs.length; i += batchSize) {
    const lg = model.logits(model.makeBatch(seqs.slice(i, i + batchSize)));
    const v = lg.dataSync() as Float32Array;
    const C = lg.shape[1];
    lg.dispose();
    for (let r = 0; r * C < v.length; r++) out.push(softmax(v.subarray(r * C, (r + 1) * C)));
  }
  return out;
}

/** Attention of [CLS] per layer and head, final hidden states and probabilities of one token sequence. */
function statesOf(model: BertForSequenceClassification, ids: number[]): { attention: number[][][]; hidden: Float32Array; probs: number[] } {
  const T = ids.length;
  const inputIds = tf.tensor2d(Int32Array.from(ids), [1, T], 'int32');
  const mask = tf.ones([1, T], 'int32') as tf.Tensor2D;
  const types = tf.zeros([1, T], 'int32') as tf.Tensor2D;
  const out = model.forwardWithStates(inputIds, mask, types, { outputAttentions: true });
  try {
    const heads = model.config.num_attention_heads;
    const attention = out.attentions!.map((a) => clsAttentionRows(a.dataSync() as Float32Array, heads, T));
    return { attention, hidden: (out.lastHiddenState.dataSync() as Float32Array).slice(), probs: softmax(out.logits.dataSync()) };
  } finally {
    tf.dispose([inputIds, mask, types, out.lastHiddenState, out.logits, ...(out.attentions ?? []), ...(out.hiddenStates ?? []), ...(out.pooledOutput ? [out.pooledOutput] : [])]);
  }
}

/** Where the trigger goes: before word `at` of `text` (checked), default before the last word. */
export function insertionPoint(text: string, at?: number): number {
  const words = countWords(text);
  if (words === 0) throw new InputError('the text to analyse is empty');
  const k = at ?? Math.max(0, words - 1);
  if (!Number.isInteger(k) || k < 0 || k > words) throw new InputError(`--at must be a word index from 0 to ${words} (the text has ${words} words), got ${at}`);
  return k;
}

/** Attention, cosine similarity and sub-word roles of `trigger` inserted into `text`, on a BERT classifier. */
export async function analyzeTrigger(model: BertForSequenceClassification, tokenizer: WordPieceTokenizer, text: string, trigger: string, opts: AnalyzeOptions = {}): Promise<TriggerAnalysis> {
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
  const [cleanProbs] = probsOf(model, [cleanIds]);
  const s = statesOf(model, enc.ids);
  const T = enc.ids.length;
  const cosine = cosineMatrix(s.hidden, T, model.config.hidden_size);
  const inTrigger = new Set(positions);
  const textPositions = enc.tokens.map((_, i) => i).filter((i) => enc.sequenceIds[i] === 0 && !inTrigger.has(i));
  const clean = view(model, cleanProbs!);
  const triggered = view(model, s.probs);

  let roles: RolesView | null = null;
  let rolesNote: string | undefined;
  const k = positions.length;
  if (k > maxSubwords) {
    rolesNote = `the trigger has ${k} sub-word tokens; the ablation enumerates 2^k subsets and is skipped above ${maxSubwords}`;
  } else {
    const masks = Array.from({ length: 2 ** k }, (_, m) => m);
    const seqs = masks.map((m) => enc.ids.filter((_, i) => !inTrigger.has(i) || (m & (1 << positions.indexOf(i))) !== 0));
    const probs = probsOf(model, seqs);
    const target = triggered.label;
    const lands = probs.map((p) => argmax(p) === target);
    const assigned = assignRoles(k, lands);
    roles = {
      flips: triggered.label !== clean.label,
      target,
      target_name: triggered.label_name,
      subwords: positions.map((pos, i) => ({ token: enc.tokens[pos]!, position: pos, role: assigned[i]!, alone_prob: probs[1 << i]![target]! })),
      subsets: masks.map((m) => ({ keep: positions.map((_, i) => i).filter((i) => m & (1 << i)), label: argmax(probs[m]!), target_prob: probs[m]![target]! })),
    };
  }
  return {
    text,
    trigger,
    at,
    triggered_text: ins.text,
    tokens: enc.tokens,
    trigger_positions: positions,
    clean,
    triggered,
    attention: s.attention,
    cls_attention_on_trigger: s.attention.map((layer) => mean(layer.map((row) => positions.reduce((a, j) => a + row[j]!, 0)))),
    cosine,
    cosine_trigger_cls: mean(positions.map((j) => cosine[0]![j]!)),
    cosine_text_cls: mean(textPositions.map((j) => cosine[0]![j]!)),
    roles,
    ...(rolesNote ? { roles_note: rolesNote } : {}),
  };
}
