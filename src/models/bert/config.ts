// BertConfig: the fields of Hugging Face's config.json for model_type "bert", with BertConfig's defaults.
// Unknown fields are kept and written back, so a directory round-trips through load/save.
import fs from 'node:fs';
import { z } from 'zod';
import { InputError } from '../../common/errors.js';

export const HIDDEN_ACTS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'relu', 'silu', 'swish'] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];

const posInt = z.number().int().positive();

export const bertConfigSchema = z.looseObject({
  model_type: z.literal('bert').default('bert'),
  architectures: z.array(z.string()).optional(),
  vocab_size: posInt.default(30522),
  hidden_size: posInt.default(768),
  num_hidden_layers: z.number().int().nonnegative().default(12),
  num_attention_heads: posInt.default(12),
  intermediate_size: posInt.default(3072),
  hidden_act: z.enum(HIDDEN_ACTS).default('gelu'),
  hidden_dropout_prob: z.number().min(0).max(1).default(0.1),
  attention_probs_dropout_prob: z.number().min(0).max(1).default(0.1),
  max_position_embeddings: posInt.default(512),
  type_vocab_size: posInt.default(2),
  initializer_range: z.number().positive().default(0.02),
  layer_norm_eps: z.number().positive().default(1e-12),
  pad_token_id: z.number().int().nonnegative().default(0),
  position_embedding_type: z.literal('absolute').default('absolute'),
  classifier_dropout: z.number().min(0).max(1).nullable().default(null),
  /** HF does not store num_labels; it is the size of id2label. Accepted here as a shorthand. */
  num_labels: posInt.optional(),
  id2label: z.record(z.string(), z.string()).optional(),
  label2id: z.record(z.string(), z.number().int()).optional(),
  problem_type: z.enum(['single_label_classification', 'multi_label_classification', 'regression']).nullable().optional(),
});

export type BertConfig = z.output<typeof bertConfigSchema>;
export type BertConfigInput = z.input<typeof bertConfigSchema>;

/** Validate a config object (as in config.json) and fill HF's defaults; `where` names the source in errors. */
export function parseBertConfig(raw: unknown, where = 'config'): BertConfig {
  const r = bertConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(issue.message, where, undefined, issue.path.join('.') || undefined);
  }
  const c = r.data;
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new InputError(`hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`, where, undefined, 'hidden_size');
  }
  if (c.pad_token_id >= c.vocab_size) throw new InputError(`pad_token_id ${c.pad_token_id} >= vocab_size ${c.vocab_size}`, where, undefined, 'pad_token_id');
  // num_labels <-> id2label, as PretrainedConfig does
  if (!c.id2label) {
    const n = c.num_labels ?? 2;
    c.id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  } else if (c.num_labels !== undefined && c.num_labels !== Object.keys(c.id2label).length) {
    throw new InputError(`num_labels ${c.num_labels} but id2label has ${Object.keys(c.id2label).length} entries`, where, undefined, 'num_labels');
  }
  const ids = Object.keys(c.id2label).map(Number).sort((a, b) => a - b);
  if (!ids.every((v, i) => v === i)) throw new InputError(`id2label keys must be 0..${ids.length - 1}`, where, undefined, 'id2label');
  c.label2id ??= Object.fromEntries(Object.entries(c.id2label).map(([k, v]) => [v, Number(k)]));
  delete c.num_labels;
  return c;
}

export function numLabels(c: BertConfig): number {
  return Object.keys(c.id2label ?? {}).length || 2;
}

export function readBertConfig(file: string): BertConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read config (${(e as Error).message})`, file);
  }
  return parseBertConfig(raw, file);
}

/** The configuration of bert-base-uncased (110M parameters). */
export function bertBaseUncasedConfig(over: BertConfigInput = {}): BertConfig {
  return parseBertConfig({ architectures: ['BertForMaskedLM'], ...over });
}
