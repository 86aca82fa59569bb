// BertForSequenceClassification (modeling.ts, HF semantics) as an ONNX graph, op for op the eval-mode tfjs
// forward: embeddings (word + token type + absolute position, LayerNorm), post-LN encoder layers with the
// additive finfo(float32).min attention mask, GELU, the tanh pooler on [CLS] and the classifier dense layer.
// Dropout is the identity at inference and is not exported. Weights are written in the stored layout
// (Linear weights [in, out]), so every dense layer is MatMul + Add.
import type { BertForSequenceClassification, BertConfig } from '../bert/index.js';
import { FLOAT32_MIN } from '../bert/index.js';
import { GraphBuilder, DataType } from './graph.js';

export interface BertExportOptions {
  /** also output the pooler's tanh([CLS]) as `pooled_output` [batch, hidden] */
  pooledOutput?: boolean;
  /** also output the last layer's [CLS] state as `cls_state` [batch, hidden] (an encoder without a pooler: the scan) */
  clsState?: boolean;
  /** also output each layer's attention from [CLS] as `cls_attention.{l}` [batch, heads, sequence] (the inspector's heat map) */
  clsAttention?: boolean;
  /**
   * rows of the word embedding replaced in the export, by token id (RAP's trained rare-word vectors,
   * src/defenses/rap.ts); the model itself is unchanged
   */
  wordRows?: ReadonlyMap<number, Float32Array>;
  /**
   * `int8`: the encoder's dense layers as dynamically quantised matrix products (com.microsoft
   * DynamicQuantizeMatMul: activations to uint8 per call, weights to int8 per output column, symmetric, 7 bits
   * so that AVX2's u8·s8 pair sums cannot saturate). Faster on CPU, approximately equal logits
   * (docs/onnx.md "int8"); the pooler and the classifier stay float32.
   */
  quantize?: 'int8';
}

/** A [in, out] weight quantised per output column to int8 in ±63 (7 bits, symmetric): values and scales. */
export function quantizeColumns(data: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) scale[j] = Math.max(scale[j]!, Math.abs(data[i * cols + j]!));
  for (let j = 0; j < cols; j++) scale[j] = scale[j]! > 0 ? scale[j]! / 63 : 1;
  const q = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) q[i * cols + j] = Math.round(data[i * cols + j]! / scale[j]!);
  return { q, scale };
}

/** A weight's values with `rows` (row index → values) replaced, copied only when there is a row to replace. */
function withRows(data: Float32Array, shape: readonly number[], rows: ReadonlyMap<number, Float32Array> | undefined): Float32Array {
  if (!rows || rows.size === 0) return data;
  const [n, d] = shape as [number, number];
  const out = data.slice();
  for (const [r, v] of rows) {
    if (!(Number.isInteger(r) && r >= 0 && r < n)) throw new Error(`word embedding row ${r} is outside the vocabulary (0..${n - 1})`);
    if (v.length !== d) throw new Error(`word embedding row ${r}: ${v.length} values, expected ${d}`);
    out.set(v, r * d);
  }
  return out;
}

/** The activation of the feed-forward block, as the same arithmetic as ops.ts `activation`. */
function activation(g: GraphBuilder, x: string, act: BertConfig['hidden_act']): string {
  switch (act) {
    case 'gelu': {
      // 0.5·x·(1 + erf(x/√2)): the form ORT's GeluFusion recognises (one fused Gelu kernel)
      const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2, 'sqrt2')])]);
      return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.scalar(1, 'one')])]), g.scalar(0.5, 'half')]);
    }
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      // x·sigmoid(2z), z = √(2/π)(x + 0.044715x³) (ops.ts geluTanh)
      const cube = g.op('Mul', [g.op('Mul', [g.op('Mul', [x, x]), x]), g.scalar(0.044715, 'gelu_c')]);
      const z2 = g.op('Mul', [g.op('Add', [x, cube]), g.scalar(2 * Math.sqrt(2 / Math.PI), 'gelu_k')]);
      return g.op('Mul', [x, g.op('Sigmoid', [z2])]);
    }
    case 'relu':
      return g.op('Relu', [x]);
    case 'silu':
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x])]);
  }
}

/**
 * Encode a BertForSequenceClassification as an ONNX model (opset 17). Inputs `input_ids`, `attention_mask`,
 * `token_type_ids`: int64 [batch, sequence]; output `logits` float32 [batch, num_labels].
 */
export function exportBertOnnx(model: BertForSequenceClassification, opts: BertExportOptions = {}): Uint8Array {
  const c = model.config;
  const H = c.hidden_size;
  const nh = c.num_attention_heads;
  const dh = H / nh;
  const g = new GraphBuilder('bert_for_sequence_classification');
  const values = new Map<string, string>();
  // initializers in the stored layout, added on first use
  const w = (name: string): string => {
    let v = values.get(name);
    if (!v) {
      const p = model.params.get(name);
      const data = p.dataSync() as Float32Array;
      v = g.weight(name, p.shape, name === 'embeddings.word_embeddings.weight' ? withRows(data, p.shape, opts.wordRows) : data);
      values.set(name, v);
    }
    return v;
  };
  const dense = (x: string, p: string) => g.op('Add', [g.op('MatMul', [x, w(`${p}.weight`)]), w(`${p}.bias`)]);
  // the encoder's dense layers, int8 when asked
  const denseQ = (x: string, p: string): string => {
    if (opts.quantize !== 'int8') return dense(x, p);
    const wt = model.params.get(`${p}.weight`);
    const [rows, cols] = wt.shape as [number, number];
    const { q, scale } = quantizeColumns(wt.dataSync() as Float32Array, rows, cols);
    const inputs = [x, g.weight(`${p}.weight_int8`, [rows, cols], q), g.weight(`${p}.weight_scale`, [cols], scale), g.weight(`${p}.weight_zero_point`, [cols], new Int8Array(cols)), w(`${p}.bias`)];
    return g.op('DynamicQuantizeMatMul', inputs, {}, undefined, 'com.microsoft');
  };
  const layerNorm = (x: string, p: string) => g.op('LayerNormalization', [x, w(`${p}.weight`), w(`${p}.bias`)], { axis: { i: -1 }, epsilon: { f: c.layer_norm_eps } });

  const dims = ['batch', 'sequence'];
  const ids = g.input('input_ids', DataType.INT64, dims);
  const mask = g.input('attention_mask', DataType.INT64, dims);
  const types = g.input('token_type_ids', DataType.INT64, dims);

  // BertEmbeddings: positions 0..T-1 are a slice of the position table
  const seqLen = g.op('Shape', [ids], { start: { i: 1 }, end: { i: 2 } });
  const pos = g.op('Slice', [w('embeddings.position_embeddings.weight'), g.int64([0], 'zero_1d'), seqLen, g.int64([0], 'axis0_1d')]);
  const words = g.op('Gather', [w('embeddings.word_embeddings.weight'), ids]);
  const typeEmb = g.op('Gather', [w('embeddings.token_type_embeddings.weight'), types]);
  let h = layerNorm(g.op('Add', [g.op('Add', [words, typeEmb]), pos]), 'embeddings.LayerNorm');

  // HF get_extended_attention_mask: (1 - mask) · finfo(float32).min, [B, 1, 1, T]
  const maskF = g.op('Cast', [mask], { to: { i: DataType.FLOAT } });
  const ext = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [g.scalar(1, 'one'), maskF]), g.scalar(FLOAT32_MIN, 'float32_min')]), g.int64([1, 2], 'axes_1_2')]);
  const headsShape = g.int64([0, 0, nh, dh], 'heads_shape');
  const mergedShape = g.int64([0, 0, H], 'merged_shape');
  const scale = g.scalar(1 / Math.sqrt(dh), 'attn_scale');

  const clsRows: string[] = [];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    const split = (name: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [denseQ(h, p + name), headsShape])], { perm: { ints: perm } });
    const q = split('attention.self.query', [0, 2, 1, 3]);
    const kT = split('attention.self.key', [0, 2, 3, 1]);
    const v = split('attention.self.value', [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, kT]), scale]), ext]);
    const probs = g.op('Softmax', [scores], { axis: { i: -1 } });
    if (opts.clsAttention) clsRows.push(g.op('Gather', [probs, g.int64([0], 'cls_index', true)], { axis: { i: 2 } }));
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } }), mergedShape]);
    const attnOut = layerNorm(g.op('Add', [denseQ(ctx, p + 'attention.output.dense'), h]), p + 'attention.output.LayerNorm');
    const inter = activation(g, denseQ(attnOut, p + 'intermediate.dense'), c.hidden_act);
    h = layerNorm(g.op('Add', [denseQ(inter, p + 'output.dense'), attnOut]), p + 'output.LayerNorm');
  }

  // BertPooler on [CLS], then the classifier
  const cls = g.op('Gather', [h, g.int64([0], 'cls_index', true)], { axis: { i: 1 } });
  const pooled = g.op('Tanh', [dense(cls, 'pooler.dense')]);
  const logits = dense(pooled, 'classifier');
  g.output(logits, 'logits', DataType.FLOAT, ['batch', model.numLabels]);
  if (opts.pooledOutput) g.output(pooled, 'pooled_output', DataType.FLOAT, ['batch', H]);
  if (opts.clsState) g.output(cls, 'cls_state', DataType.FLOAT, ['batch', H]);
  clsRows.forEach((r, l) => g.output(r, `cls_attention.${l}`, DataType.FLOAT, ['batch', nh, 'sequence']));
  return g.toModel({
    producer: 'nlp-backdoor',
    docString: 'BertForSequenceClassification exported from the tfjs model (src/models/onnx/bert.ts)',
    metadata: { model_type: 'bert', architecture: 'BertForSequenceClassification', id2label: JSON.stringify(c.id2label ?? {}) },
  });
}
