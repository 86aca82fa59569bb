// BERT (Devlin et al. 2019) as Hugging Face's modeling_bert computes it: BertModel, BertForSequenceClassification
// and BertForMaskedLM. Post-LayerNorm encoder layers, additive finfo(float32).min attention mask, tanh pooler on
// [CLS]. Tensor names and checkpoint layout are HF's (see checkpoint.ts); the forward is differentiable.
import { tf, initEngine, requireEngine } from '../../engine/index.js';
import { Rng } from '../../common/random.js';
import type { WordPieceTokenizer, BatchEncoding } from '../../text/wordpiece.js';
import { padBertBatch, checkIds, type BertBatch } from './batch.js';
import { numLabels, parseBertConfig, type BertConfig, type BertConfigInput } from './config.js';
import { activation, dense, dropout, extendedAttentionMask, layerNorm } from './ops.js';
import { fusedFeedForward, fusedResidualLayerNorm, fusedSelfAttention, type DropSpec } from './fused.js';
import { BertParams, initialValue, paramSpecs, type Head } from './params.js';
import { assignCheckpoint, matchCheckpoint, readCheckpoint, readDirectoryConfig, writeCheckpoint, type Architecture, type LoadReport } from './checkpoint.js';

export interface ForwardOptions {
  /** dropout on (nn.Module.train()); default false */
  training?: boolean;
  /** seeds the dropout masks of one call (an Rng may be passed instead) */
  dropoutSeed?: number;
  rng?: Rng;
  /** return the embedding output and every layer's output (HF output_hidden_states) */
  outputHiddenStates?: boolean;
  /** return every layer's attention probabilities [B, heads, T, T] (HF output_attentions) */
  outputAttentions?: boolean;
  /** also return the pooler's dense output before tanh (POR's pre-activation target, src/train/inject.ts) */
  outputPoolerPreActivation?: boolean;
  /** return every layer's feed-forward activations act(intermediate.dense(x)) [B, T, intermediate_size] (fine-pruning's neurons) */
  outputIntermediates?: boolean;
}

export interface BertOutput {
  /** [B, T, H] */
  lastHiddenState: tf.Tensor3D;
  /** tanh(dense([CLS])) [B, H]; null without a pooler */
  pooledOutput: tf.Tensor2D | null;
  /** dense([CLS]) before tanh [B, H], when asked for (outputPoolerPreActivation) */
  poolerPreActivation?: tf.Tensor2D;
  /** num_hidden_layers + 1 tensors [B, T, H]: the embeddings, then each layer */
  hiddenStates?: tf.Tensor3D[];
  /** num_hidden_layers tensors [B, heads, T, T] */
  attentions?: tf.Tensor4D[];
  /** num_hidden_layers tensors [B, T, intermediate_size], when asked for (outputIntermediates) */
  intermediates?: tf.Tensor3D[];
}

/** Token ids with their attention mask and token types: [B, T] int32 tensors. */
export interface BertInputs {
  inputIds: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
  tokenTypeIds?: tf.Tensor2D;
}


export { padBertBatch, checkIds, type BertBatch };

/** The tensors of a flat batch (caller disposes). */
export function batchTensors(b: BertBatch | BatchEncoding): Required<BertInputs> {
  const shape: [number, number] = [b.batchSize, b.seqLen];
  return {
    inputIds: tf.tensor2d(b.inputIds, shape, 'int32'),
    attentionMask: tf.tensor2d(b.attentionMask, shape, 'int32'),
    tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, 'int32'),
  };
}

const rngOf = (o: ForwardOptions): Rng => o.rng ?? new Rng(o.dropoutSeed ?? 0);

/**
 * The encoder over a parameter set: embeddings, layers, optional pooler. Not a tidy scope itself: callers
 * wrap it in tf.tidy (the classes below do).
 */
export function bertEncoderForward(
  p: BertParams,
  c: BertConfig,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D | undefined,
  tokenTypeIds: tf.Tensor2D | undefined,
  opts: ForwardOptions,
  pooler: boolean,
): BertOutput {
  const [B, T] = inputIds.shape;
  const H = c.hidden_size;
  const nh = c.num_attention_heads;
  const dh = H / nh;
  if (T > c.max_position_embeddings) throw new Error(`sequence length ${T} exceeds max_position_embeddings ${c.max_position_embeddings}`);
  if (attentionMask && attentionMask.shape.join() !== inputIds.shape.join()) throw new Error(`attention mask shape [${attentionMask.shape}] != input shape [${inputIds.shape}]`);
  if (tokenTypeIds && tokenTypeIds.shape.join() !== inputIds.shape.join()) throw new Error(`token type shape [${tokenTypeIds.shape}] != input shape [${inputIds.shape}]`);
  const training = opts.training ?? false;
  const rng = training ? rngOf(opts) : null;
  const drop = (x: tf.Tensor, rate: number) => (rng && rate > 0 ? dropout(x, rate, rng) : x);
  const act = activation(c.hidden_act);
  const g = (n: string) => p.get(n);
  const ids = inputIds.dtype === 'int32' ? inputIds : tf.cast(inputIds, 'int32');

  // Each stage runs in its own tidy scope so that only its outputs outlive it: a whole bert-base forward's
  // intermediates at once (~350 MB per layer at B 32, T 64) would exceed wasm's 4 GB. Tensors that backprop
  // needs are kept by the gradient tape itself, so this is also valid under tf.grad / variableGrads.
  // BertEmbeddings: word + token type + absolute position, LayerNorm, dropout
  let h = tf.tidy(() => {
    const words = tf.reshape(tf.gather(g('embeddings.word_embeddings.weight'), tf.reshape(ids, [B * T])), [B, T, H]);
    const typeW = g('embeddings.token_type_embeddings.weight');
    const types = tokenTypeIds
      ? tf.reshape(tf.gather(typeW, tf.reshape(tf.cast(tokenTypeIds, 'int32'), [B * T])), [B, T, H])
      : tf.slice(typeW, [0, 0], [1, H]); // HF's default token_type_ids buffer is all zeros
    const pos = tf.slice(g('embeddings.position_embeddings.weight'), [0, 0], [T, H]);
    const emb = layerNorm(tf.add(tf.add(words, types), pos), g('embeddings.LayerNorm.weight'), g('embeddings.LayerNorm.bias'), c.layer_norm_eps);
    return tf.reshape(drop(emb, c.hidden_dropout_prob), [B * T, H]) as tf.Tensor2D;
  });

  const maskAdd = attentionMask ? extendedAttentionMask(attentionMask) : null;
  const scale = 1 / Math.sqrt(dh);
  const hiddenStates: tf.Tensor3D[] = [];
  const attentions: tf.Tensor4D[] = [];
  const intermediates: tf.Tensor3D[] = [];
  if (opts.outputHiddenStates) hiddenStates.push(tf.reshape(h, [B, T, H]));

  for (let l = 0; l < c.num_hidden_layers; l++) {
    const pre = `encoder.layer.${l}.`;
    const prev = h;
    const layer = tf.tidy(() => {
      const lin = (x: tf.Tensor2D, name: string) => dense(x, g(pre + name + '.weight'), g(pre + name + '.bias'));
      if (!opts.outputAttentions && !opts.outputIntermediates) {
        // fused sub-layers with hand-written gradients (fused.ts): same function, far less training memory
        const dropSpec = (rate: number): DropSpec | null => (rng && rate > 0 ? { rate, seed: rng.int(2 ** 31) } : null);
        const w = (n: string) => g(pre + 'attention.self.' + n);
        const ctx = fusedSelfAttention(
          prev,
          { wq: w('query.weight'), bq: w('query.bias'), wk: w('key.weight'), bk: w('key.bias'), wv: w('value.weight'), bv: w('value.bias') },
          { B, T, heads: nh },
          maskAdd,
          dropSpec(c.attention_probs_dropout_prob),
        );
        const attnOut = fusedResidualLayerNorm(
          lin(ctx, 'attention.output.dense'),
          prev,
          g(pre + 'attention.output.LayerNorm.weight'),
          g(pre + 'attention.output.LayerNorm.bias'),
          c.layer_norm_eps,
          dropSpec(c.hidden_dropout_prob),
        );
        const ffn = fusedFeedForward(attnOut, g(pre + 'intermediate.dense.weight'), g(pre + 'intermediate.dense.bias'), g(pre + 'output.dense.weight'), g(pre + 'output.dense.bias'), c.hidden_act);
        const out = fusedResidualLayerNorm(ffn, attnOut, g(pre + 'output.LayerNorm.weight'), g(pre + 'output.LayerNorm.bias'), c.layer_norm_eps, dropSpec(c.hidden_dropout_prob));
        return { out, probs: undefined, inter: undefined };
      }
      // plain ops, exposing the attention probabilities and the feed-forward activations
      // BertSelfAttention. Keys go straight to [B, nh, dh, T] so the score product needs no transpose flag.
      const q = tf.transpose(tf.reshape(lin(prev, 'attention.self.query'), [B, T, nh, dh]), [0, 2, 1, 3]);
      const kT = tf.transpose(tf.reshape(lin(prev, 'attention.self.key'), [B, T, nh, dh]), [0, 2, 3, 1]);
      const v = tf.transpose(tf.reshape(lin(prev, 'attention.self.value'), [B, T, nh, dh]), [0, 2, 1, 3]);
      let scores = tf.mul(tf.matMul(q, kT), scale);
      if (maskAdd) scores = tf.add(scores, maskAdd);
      const probs = tf.softmax(scores) as tf.Tensor4D;
      const ctx = tf.reshape(tf.transpose(tf.matMul(drop(probs, c.attention_probs_dropout_prob) as tf.Tensor4D, v), [0, 2, 1, 3]), [B * T, H]) as tf.Tensor2D;
      // BertSelfOutput
      const attnOut = layerNorm(
        tf.add(drop(lin(ctx, 'attention.output.dense'), c.hidden_dropout_prob), prev),
        g(pre + 'attention.output.LayerNorm.weight'),
        g(pre + 'attention.output.LayerNorm.bias'),
        c.layer_norm_eps,
      ) as tf.Tensor2D;
      // BertIntermediate + BertOutput
      const inter = act(lin(attnOut, 'intermediate.dense')) as tf.Tensor2D;
      const out = layerNorm(
        tf.add(drop(lin(inter, 'output.dense'), c.hidden_dropout_prob), attnOut),
        g(pre + 'output.LayerNorm.weight'),
        g(pre + 'output.LayerNorm.bias'),
        c.layer_norm_eps,
      ) as tf.Tensor2D;
      return { out, probs: opts.outputAttentions ? probs : undefined, inter: opts.outputIntermediates ? (tf.reshape(inter, [B, T, c.intermediate_size]) as tf.Tensor3D) : undefined };
    });
    h = layer.out;
    if (layer.probs) attentions.push(layer.probs);
    if (layer.inter) intermediates.push(layer.inter);
    if (opts.outputHiddenStates) hiddenStates.push(tf.reshape(h, [B, T, H]));
    else prev.dispose();
  }
  const last = tf.reshape(h, [B, T, H]) as tf.Tensor3D;
  let pooled: tf.Tensor2D | null = null;
  let preActivation: tf.Tensor2D | null = null;
  if (pooler) {
    const cls = tf.reshape(tf.slice(last, [0, 0, 0], [B, 1, H]), [B, H]) as tf.Tensor2D;
    preActivation = dense(cls, g('pooler.dense.weight'), g('pooler.dense.bias')) as tf.Tensor2D;
    // [B, H] only: tf.tanh's scalar wasm kernel costs nothing here
    pooled = tf.tanh(preActivation);
  }
  const out: BertOutput = { lastHiddenState: last, pooledOutput: pooled };
  if (opts.outputPoolerPreActivation && preActivation) out.poolerPreActivation = preActivation; // else the caller's tidy frees it
  if (opts.outputHiddenStates) out.hiddenStates = hiddenStates;
  if (opts.outputAttentions) out.attentions = attentions;
  if (opts.outputIntermediates) out.intermediates = intermediates;
  return out;
}

export interface CreateOptions {
  /** seeds the random initialisation (HF _init_weights: N(0, initializer_range)) */
  seed?: number;
  /** initial values in the HF layout keyed by canonical name; parameters not given are initialised */
  weights?: Map<string, Float32Array>;
}

export interface LoadOptions {
  /** replace config.json fields (e.g. dropout); shapes must still match the checkpoint */
  config?: BertConfigInput;
  /** seeds the initialisation of parameters the checkpoint lacks (a new classifier head) */
  seed?: number;
  /**
   * a classifier head whose shape differs from the config's (another number of labels) is dropped and
   * initialised afresh, as HF's `ignore_mismatched_sizes=True`; otherwise such a head is an error
   */
  ignoreMismatchedHead?: boolean;
}

abstract class BertBase {
  readonly config: BertConfig;
  readonly params: BertParams;
  /** set by load(): what was read, initialised, ignored */
  loadReport: LoadReport | null = null;
  protected abstract readonly architecture: Architecture;

  protected constructor(config: BertConfig, pooler: boolean, head: Head, opts: CreateOptions) {
    requireEngine('BERT model');
    this.config = config;
    const rng = new Rng(opts.seed ?? 0);
    this.params = new BertParams(config, paramSpecs(config, { pooler, head }), (s) => opts.weights?.get(s.name) ?? initialValue(s, config, rng));
  }

  /** Trainable variables keyed by canonical HF name (the "bert." prefix dropped), for optimizers. */
  trainableVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const [k, v] of this.params.vars) if (v.trainable) out[k] = v;
    return out;
  }

  /** Freeze (or unfreeze) parameters whose canonical name passes the test, e.g. n => n.startsWith('embeddings.'). */
  setTrainable(test: (name: string) => boolean, trainable: boolean): void {
    for (const [k, v] of this.params.vars) if (test(k)) v.trainable = trainable;
  }

  /** Weights in the HF layout and names this model's checkpoint uses ("bert." prefix on task models). */
  toNamedWeights(): Record<string, { shape: number[]; data: Float32Array }> {
    const prefix = this.architecture === 'BertModel' ? '' : 'bert.';
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    const values = this.params.hfValues();
    for (const s of this.params.specs) out[(s.encoder ? prefix : '') + s.name] = values.get(s.name)!;
    return out;
  }

  /** Load weights in the toNamedWeights layout (either naming), checking every name and shape. */
  setNamedWeights(w: Record<string, { shape: number[]; data: Float32Array }>, source = 'weights'): void {
    const tensors = new Map(Object.entries(w).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }]));
    const r = assignCheckpoint(this.params, tensors, source);
    if (r.initialized.length) throw new Error(`${source}: missing tensor(s) ${r.initialized.join(', ')}`);
  }

  /** Write config.json and model.safetensors as HF save_pretrained does; with a tokenizer, its vocab.txt and tokenizer_config.json. */
  save(dir: string, opts: { tokenizer?: WordPieceTokenizer; dtype?: 'F32' | 'F16' } = {}): void {
    writeCheckpoint(dir, this.config, this.params, this.architecture, { dtype: opts.dtype });
    opts.tokenizer?.save(dir);
  }

  countParameters(): number {
    return this.params.countParameters();
  }

  dispose(): void {
    this.params.dispose();
  }

  protected static async loadInto<T extends BertBase>(dir: string, opts: LoadOptions, pooler: boolean, head: Head, make: (c: BertConfig, o: CreateOptions) => T): Promise<T> {
    await initEngine();
    let config = readDirectoryConfig(dir);
    if (opts.config) config = parseBertConfig({ ...config, ...opts.config }, `${dir}/config.json (with overrides)`);
    const { tensors, source } = readCheckpoint(dir);
    const specs = paramSpecs(config, { pooler, head });
    if (opts.ignoreMismatchedHead) {
      for (const sp of specs) {
        if (!sp.name.startsWith('classifier.')) continue;
        const t = tensors.get(sp.name);
        if (t && t.shape.join() !== sp.hfShape.join()) tensors.delete(sp.name);
      }
    }
    const { values, report } = matchCheckpoint(specs, tensors, source);
    tensors.clear();
    const model = make(config, { seed: opts.seed ?? 0, weights: values });
    model.loadReport = report;
    return model;
  }
}

/** HF BertModel: the encoder and (by default) the pooler. Checkpoint names have no "bert." prefix. */
export class BertModel extends BertBase {
  protected readonly architecture = 'BertModel' as const;
  readonly addPoolingLayer: boolean;

  constructor(config: BertConfigInput, opts: CreateOptions & { addPoolingLayer?: boolean } = {}) {
    const pool = opts.addPoolingLayer ?? true;
    super(parseBertConfig(config), pool, 'none', opts);
    this.addPoolingLayer = pool;
  }

  static async load(dir: string, opts: LoadOptions & { addPoolingLayer?: boolean } = {}): Promise<BertModel> {
    return BertBase.loadInto(dir, opts, opts.addPoolingLayer ?? true, 'none', (c, o) => new BertModel(c, { ...o, addPoolingLayer: opts.addPoolingLayer }));
  }

  forward(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D, opts: ForwardOptions = {}): BertOutput {
    return tf.tidy(() => bertEncoderForward(this.params, this.config, inputIds, attentionMask, tokenTypeIds, opts, this.addPoolingLayer) as unknown as tf.TensorContainer) as unknown as BertOutput;
  }
}

export interface ClassifierOutput extends BertOutput {
  /** [B, num_labels] */
  logits: tf.Tensor2D;
}

/** HF BertForSequenceClassification: pooled output, dropout (classifier_dropout ?? hidden_dropout_prob), dense. */
export class BertForSequenceClassification extends BertBase {
  protected readonly architecture = 'BertForSequenceClassification' as const;

  constructor(config: BertConfigInput, opts: CreateOptions = {}) {
    super(parseBertConfig(config), true, 'classifier', opts);
  }

  /**
   * Load a directory: a fine-tuned classifier, or a pre-trained encoder (BertModel, BertForMaskedLM,
   * BertForPreTraining checkpoints) whose classifier head is then initialised; see `loadReport`.
   */
  static async load(dir: string, opts: LoadOptions = {}): Promise<BertForSequenceClassification> {
    return BertBase.loadInto(dir, opts, true, 'classifier', (c, o) => new BertForSequenceClassification(c, o));
  }

  get numLabels(): number {
    return numLabels(this.config);
  }

  get labelNames(): string[] {
    return Array.from({ length: this.numLabels }, (_, i) => this.config.id2label?.[String(i)] ?? String(i));
  }

  /** Logits [B, num_labels]. */
  forward(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.run(inputIds, attentionMask, tokenTypeIds, opts).logits);
  }

  /** Logits with the encoder's outputs (hidden states and attentions on request). */
  forwardWithStates(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D, opts: ForwardOptions = {}): ClassifierOutput {
    return tf.tidy(() => this.run(inputIds, attentionMask, tokenTypeIds, opts) as unknown as tf.TensorContainer) as unknown as ClassifierOutput;
  }

  private run(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D | undefined, tokenTypeIds: tf.Tensor2D | undefined, opts: ForwardOptions): ClassifierOutput {
    const rng = opts.training ? rngOf(opts) : undefined;
    const out = bertEncoderForward(this.params, this.config, inputIds, attentionMask, tokenTypeIds, { ...opts, rng }, true);
    let x: tf.Tensor = out.pooledOutput!;
    const rate = this.config.classifier_dropout ?? this.config.hidden_dropout_prob;
    if (rng && rate > 0) x = dropout(x, rate, rng);
    const logits = dense(x as tf.Tensor2D, this.params.get('classifier.weight'), this.params.get('classifier.bias'));
    return { ...out, logits };
  }

  // --- the trainer's interface (src/train: StepModel / TrainableClassifier) ---

  /** Pad token-id sequences (already with [CLS] ... [SEP]) into a batch; mask 1 on real tokens, token types 0. */
  makeBatch(seqs: ArrayLike<number>[]): BertBatch {
    return padBertBatch(seqs, this.config);
  }

  /** Logits for a flat batch; in training mode dropout is seeded by dropoutSeed. Ids are range-checked. */
  logits(batch: BertBatch, training = false, dropoutSeed?: number): tf.Tensor2D {
    checkIds(batch, this.config);
    return tf.tidy(() => {
      const t = batchTensors(batch);
      return this.run(t.inputIds, t.attentionMask, t.tokenTypeIds, { training, dropoutSeed }).logits;
    });
  }

  /** Class probabilities for texts (batched, no gradient). */
  async predictProba(tokenizer: WordPieceTokenizer, texts: string[], opts: { batchSize?: number; maxLength?: number } = {}): Promise<Float32Array[]> {
    const bs = opts.batchSize ?? 32;
    const maxLength = Math.min(opts.maxLength ?? this.config.max_position_embeddings, this.config.max_position_embeddings);
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += bs) {
      const enc = tokenizer.encodeBatch(texts.slice(i, i + bs), { truncation: true, maxLength });
      const p = tf.tidy(() => tf.softmax(this.logits(enc)));
      const d = (await p.data()) as Float32Array;
      p.dispose();
      const C = this.numLabels;
      for (let b = 0; b < enc.batchSize; b++) out.push(d.slice(b * C, (b + 1) * C));
    }
    return out;
  }
}

/** HF BertForMaskedLM: encoder without pooler, transform (dense, act, LayerNorm), decoder tied to the word embeddings + bias. */
export class BertForMaskedLM extends BertBase {
  protected readonly architecture = 'BertForMaskedLM' as const;

  constructor(config: BertConfigInput, opts: CreateOptions = {}) {
    super(parseBertConfig(config), false, 'mlm', opts);
  }

  static async load(dir: string, opts: LoadOptions = {}): Promise<BertForMaskedLM> {
    return BertBase.loadInto(dir, opts, false, 'mlm', (c, o) => new BertForMaskedLM(c, o));
  }

  /**
   * Vocabulary logits: [B, T, V], or [N, V] for the flat positions (b·T + t) given in `positions` (only the
   * masked positions matter for the MLM loss, and V·B·T logits are large).
   */
  forward(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D, opts: ForwardOptions & { positions?: Int32Array } = {}): tf.Tensor {
    return tf.tidy(() => {
      const out = bertEncoderForward(this.params, this.config, inputIds, attentionMask, tokenTypeIds, opts, false);
      return this.head(out.lastHiddenState, opts.positions);
    });
  }

  /** The MLM head on encoder states [B, T, H] (optionally only at flat positions). */
  head(states: tf.Tensor3D, positions?: Int32Array): tf.Tensor {
    return mlmHead(this.params, this.config, states, positions);
  }
}

/** BERT's masked-LM head (transform: dense, activation, LayerNorm; decoder tied to the word embeddings + bias). */
function mlmHead(params: BertParams, config: BertConfig, states: tf.Tensor3D, positions?: Int32Array): tf.Tensor {
  return tf.tidy(() => {
    const [B, T, H] = states.shape;
    let x = tf.reshape(states, [B * T, H]) as tf.Tensor2D;
    if (positions) x = tf.gather(x, tf.tensor1d(positions, 'int32'));
    const g = (n: string) => params.get(n);
    const t = layerNorm(
      activation(config.hidden_act)(dense(x, g('cls.predictions.transform.dense.weight'), g('cls.predictions.transform.dense.bias'))),
      g('cls.predictions.transform.LayerNorm.weight'),
      g('cls.predictions.transform.LayerNorm.bias'),
      config.layer_norm_eps,
    ) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(t, g('embeddings.word_embeddings.weight'), false, true), g('cls.predictions.bias'));
    return positions ? logits : tf.reshape(logits, [B, T, config.vocab_size]);
  });
}

/**
 * HF BertForPreTraining without the next-sentence head: the encoder, the pooler and the masked-LM head. The
 * model a pre-trained-model backdoor (POR, NeuBA: src/train/inject.ts) trains: both objectives act on the
 * pooled output, and NeuBA keeps the masked-LM loss. Any HF BERT class loads its checkpoint (BertModel and
 * BertForSequenceClassification skip the MLM head, BertForMaskedLM the pooler).
 */
export class BertForPreTraining extends BertBase {
  protected readonly architecture = 'BertForPreTraining' as const;

  constructor(config: BertConfigInput, opts: CreateOptions = {}) {
    super(parseBertConfig(config), true, 'mlm', opts);
  }

  static async load(dir: string, opts: LoadOptions = {}): Promise<BertForPreTraining> {
    return BertBase.loadInto(dir, opts, true, 'mlm', (c, o) => new BertForPreTraining(c, o));
  }

  /** Encoder outputs: last hidden state and pooled output (differentiable; not a tidy scope of its own). */
  encode(inputIds: tf.Tensor2D, attentionMask?: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D, opts: ForwardOptions = {}): BertOutput {
    return bertEncoderForward(this.params, this.config, inputIds, attentionMask, tokenTypeIds, opts, true);
  }

  /** Vocabulary logits at the flat positions (b·T + t) of encoder states [B, T, H]. */
  mlmLogits(states: tf.Tensor3D, positions?: Int32Array): tf.Tensor {
    return mlmHead(this.params, this.config, states, positions);
  }
}

/** Mean cross-entropy over positions whose label is not -100 (HF's ignore index). logits [N, V], labels [N]. */
export function maskedLmLoss(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const keep: number[] = [];
    labels.forEach((l, i) => {
      if (l !== -100) keep.push(i);
    });
    if (keep.length === 0) return tf.scalar(0);
    const idx = tf.tensor1d(keep, 'int32');
    const lp = tf.logSoftmax(tf.gather(logits, idx));
    const y = tf.oneHot(tf.tensor1d(keep.map((i) => labels[i]!), 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, lp), 1))) as tf.Scalar;
  });
}
