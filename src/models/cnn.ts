// SentenceCNN (Kim 2014, "Convolutional Neural Networks for Sentence Classification"), as used by Guan &
// Duong, "Neural Backdoors in NLP": filters of width 3/4/5 with 100 maps each, ReLU, max-over-time pooling,
// dropout 0.5, one dense layer; embeddings initialised from pretrained word vectors, static or trainable.
import { tf, requireEngine } from '../engine/index.js';
import { convPool, tapOffsets } from './conv-pool.js';
import { padBatch, type IdBatch } from './cnn-batch.js';
import { Rng } from '../common/random.js';

export interface CnnConfig {
  model_type: 'sentence-cnn';
  vocab_size: number;
  embedding_dim: number;
  filter_widths: number[];
  num_filters: number;
  num_labels: number;
  dropout: number;
  static_embeddings: boolean;
  /** inputs shorter than this are padded so the widest filter fits (documented in docs/text.md) */
  min_length: number;
  /** inputs longer than this are truncated at the end */
  max_length: number;
  /** padding ids before and after every input (Kim's filter_h − 1 on both sides); absent in older models: 0 */
  edge_padding?: number;
  id2label: Record<string, string>;
}

export function defaultCnnConfig(p: Partial<CnnConfig> & { vocab_size: number; num_labels: number }): CnnConfig {
  const widths = p.filter_widths ?? [3, 4, 5];
  return {
    model_type: 'sentence-cnn',
    embedding_dim: 300,
    filter_widths: widths,
    num_filters: 100,
    dropout: 0.5,
    static_embeddings: false,
    min_length: Math.max(...widths),
    max_length: 100,
    id2label: Object.fromEntries(Array.from({ length: p.num_labels }, (_, i) => [String(i), String(i)])),
    ...p,
  };
}


export { padBatch, type IdBatch };

let instance = 0;

/** Weights as named float arrays in the PyTorch KimCNN layout (see `toNamedWeights`). */
export type NamedWeights = Record<string, { shape: number[]; data: Float32Array }>;

export class SentenceCNN {
  readonly config: CnnConfig;
  readonly vars: Record<string, tf.Variable>;
  private readonly prefix: string;

  constructor(config: CnnConfig, init?: { embeddings?: Float32Array; seed?: number }) {
    requireEngine('SentenceCNN');
    this.config = config;
    this.prefix = `cnn${instance++}/`;
    const { vocab_size: V, embedding_dim: D, filter_widths: W, num_filters: F, num_labels: C } = config;
    const cols = W.reduce((a, k) => a + k, 0) * F;
    const H = W.length * F;
    const rng = new Rng(init?.seed ?? 1);
    const uniform = (n: number, lim: number) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * lim;
      return a;
    };
    const emb = init?.embeddings ?? uniform(V * D, 0.25);
    if (emb.length !== V * D) throw new Error(`embeddings have ${emb.length} values, expected ${V}×${D}`);
    // PyTorch default init for Conv1d/Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
    const wall = new Float32Array(D * cols);
    const off = tapOffsets(W, F);
    const convB = new Float32Array(H);
    W.forEach((k, j) => {
      const lim = 1 / Math.sqrt(D * k);
      for (let i = 0; i < k; i++) for (let d = 0; d < D; d++) for (let f = 0; f < F; f++) wall[d * cols + off[j]! + i * F + f] = (rng.next() * 2 - 1) * lim;
      for (let f = 0; f < F; f++) convB[j * F + f] = (rng.next() * 2 - 1) * lim;
    });
    const mk = (name: string, data: Float32Array, shape: number[], trainable = true) =>
      tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), trainable, this.prefix + name));
    this.vars = {
      embedding: mk('embedding', emb, [V, D], !config.static_embeddings),
      conv_w: mk('conv_w', wall, [D, cols]),
      conv_b: mk('conv_b', convB, [H]),
      fc_w: mk('fc_w', uniform(H * C, 1 / Math.sqrt(H)), [H, C]),
      fc_b: mk('fc_b', uniform(C, 1 / Math.sqrt(H)), [C]),
    };
  }

  get labelNames(): string[] {
    return Array.from({ length: this.config.num_labels }, (_, i) => this.config.id2label[String(i)] ?? String(i));
  }

  trainableVariables(): Record<string, tf.Variable> {
    return Object.fromEntries(Object.entries(this.vars).filter(([, v]) => v.trainable));
  }

  makeBatch(seqs: ArrayLike<number>[]): IdBatch {
    return padBatch(seqs, this.config.min_length, this.config.max_length, this.config.edge_padding ?? 0);
  }

  /** Pooled sentence features [B, nW·F] (before dropout): the "encoder" output used by transfer learning. */
  features(batch: IdBatch): tf.Tensor2D {
    const { B, L } = batch;
    const D = this.config.embedding_dim;
    const ids = tf.tensor1d(batch.ids, 'int32');
    const e = tf.reshape(tf.gather(this.vars['embedding']!, ids), [B, L, D]) as tf.Tensor3D;
    ids.dispose();
    return this.featuresOfEmbedded(e, batch.lens, this.vars['embedding']!.trainable);
  }

  /** `features` from the embedded tokens [B, L, D]; `embeddingGrad`: whether the backward pass computes their gradient. */
  featuresOfEmbedded(e: tf.Tensor3D, lens: Int32Array, embeddingGrad: boolean): tf.Tensor2D {
    return convPool(
      e,
      lens,
      this.vars['conv_w'] as tf.Variable<tf.Rank.R2>,
      this.vars['conv_b'] as tf.Variable<tf.Rank.R1>,
      { widths: this.config.filter_widths, filters: this.config.num_filters },
      this.config.min_length,
      embeddingGrad,
    );
  }

  /** Logits [B, C]. In training mode, dropout with the given seed. */
  logits(batch: IdBatch, training = false, dropoutSeed?: number): tf.Tensor2D {
    return tf.tidy(() => this.head(this.features(batch), training, dropoutSeed));
  }

  /** Logits of embedded tokens [B, L, D] (the data-parallel workers get their shard's rows looked up). */
  logitsOfEmbedded(e: tf.Tensor3D, lens: Int32Array, embeddingGrad: boolean, training = false, dropoutSeed?: number): tf.Tensor2D {
    return tf.tidy(() => this.head(this.featuresOfEmbedded(e, lens, embeddingGrad), training, dropoutSeed));
  }

  private head(h: tf.Tensor2D, training: boolean, dropoutSeed?: number): tf.Tensor2D {
    if (training && this.config.dropout > 0) h = tf.dropout(h, this.config.dropout, undefined, dropoutSeed) as tf.Tensor2D;
    return tf.add(tf.matMul(h, this.vars['fc_w'] as tf.Tensor2D), this.vars['fc_b']!) as tf.Tensor2D;
  }

  /**
   * Weights named and laid out as the PyTorch KimCNN reference (nn.Embedding, nn.Conv1d [F, D, k], nn.Linear
   * [out, in]), so a checkpoint is readable from Python without conversion.
   */
  toNamedWeights(): NamedWeights {
    const { embedding_dim: D, filter_widths: W, num_filters: F, num_labels: C } = this.config;
    const cols = W.reduce((a, k) => a + k, 0) * F;
    const off = tapOffsets(W, F);
    const H = W.length * F;
    const wall = this.vars['conv_w']!.dataSync() as Float32Array;
    const convB = this.vars['conv_b']!.dataSync() as Float32Array;
    const out: NamedWeights = {
      'embedding.weight': { shape: [this.config.vocab_size, D], data: (this.vars['embedding']!.dataSync() as Float32Array).slice() },
    };
    W.forEach((k, j) => {
      const w = new Float32Array(F * D * k);
      for (let f = 0; f < F; f++) for (let d = 0; d < D; d++) for (let i = 0; i < k; i++) w[(f * D + d) * k + i] = wall[d * cols + off[j]! + i * F + f]!;
      out[`convs.${j}.weight`] = { shape: [F, D, k], data: w };
      out[`convs.${j}.bias`] = { shape: [F], data: convB.slice(j * F, (j + 1) * F) };
    });
    const fcw = this.vars['fc_w']!.dataSync() as Float32Array;
    const t = new Float32Array(C * H);
    for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) t[c * H + h] = fcw[h * C + c]!;
    out['fc.weight'] = { shape: [C, H], data: t };
    out['fc.bias'] = { shape: [C], data: (this.vars['fc_b']!.dataSync() as Float32Array).slice() };
    return out;
  }

  /** Load weights in the `toNamedWeights` layout, checking every name and shape. */
  setNamedWeights(w: NamedWeights, source = 'weights'): void {
    const { vocab_size: V, embedding_dim: D, filter_widths: W, num_filters: F, num_labels: C } = this.config;
    const cols = W.reduce((a, k) => a + k, 0) * F;
    const off = tapOffsets(W, F);
    const H = W.length * F;
    const get = (name: string, shape: number[]) => {
      const t = w[name];
      if (!t) throw new Error(`${source}: missing tensor "${name}"`);
      if (t.shape.join() !== shape.join()) throw new Error(`${source}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
      return t.data;
    };
    const wall = new Float32Array(D * cols);
    const convB = new Float32Array(H);
    W.forEach((k, j) => {
      const cw = get(`convs.${j}.weight`, [F, D, k]);
      for (let f = 0; f < F; f++) for (let d = 0; d < D; d++) for (let i = 0; i < k; i++) wall[d * cols + off[j]! + i * F + f] = cw[(f * D + d) * k + i]!;
      convB.set(get(`convs.${j}.bias`, [F]), j * F);
    });
    const fw = get('fc.weight', [C, H]);
    const fcw = new Float32Array(H * C);
    for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) fcw[h * C + c] = fw[c * H + h]!;
    const assign = (name: string, data: Float32Array, shape: number[]) => {
      const t = tf.tensor(data, shape, 'float32');
      this.vars[name]!.assign(t);
      t.dispose();
    };
    assign('embedding', get('embedding.weight', [V, D]), [V, D]);
    assign('conv_w', wall, [D, cols]);
    assign('conv_b', convB, [H]);
    assign('fc_w', fcw, [H, C]);
    assign('fc_b', get('fc.bias', [C]), [C]);
  }

  /**
   * Kim (2014, §2.1) "l2-norms of the weight vectors": rescale each class's weight vector of the dense layer
   * (a column of fc_w [H, C]) to l2 norm ≤ maxNorm after a gradient step, as conv_net_sentence.py does for
   * its 2-d parameters other than the embeddings (sqrt(norm_lim) = 3). The biases and the filters are left
   * alone, as there.
   */
  constrainDenseNorm(maxNorm: number): void {
    const w = this.vars['fc_w']!;
    const scaled = tf.tidy(() => {
      const norms = tf.sqrt(tf.sum(tf.square(w), 0, true)); // [1, C]
      const scale = tf.div(tf.minimum(norms, maxNorm), tf.add(norms, 1e-7));
      return tf.mul(w, scale);
    });
    w.assign(scaled);
    scaled.dispose();
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
  }
}
