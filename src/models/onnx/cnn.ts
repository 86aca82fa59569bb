// SentenceCNN (cnn.ts) as an ONNX graph with the inference semantics of the tfjs forward (conv-pool.ts):
// embedding gather, one Conv per filter width, bias, then ReLU and max over the valid windows with a 0 floor.
// An example of `len` real tokens in a batch padded to L has, for width k, the windows
// t ∈ [0, min(max(len, min_length), L) − k] (conv-pool.ts `windows`): windows may cover the example's own
// min_length padding (embedding row 0, as in tfjs) but never the padding other examples add to the batch.
// Dropout is the identity at inference and is not exported.
import type { SentenceCNN } from '../cnn.js';
import { GraphBuilder, DataType } from './graph.js';

/**
 * Encode a SentenceCNN as an ONNX model (opset 17). Inputs `input_ids` int64 [batch, length] (0-padded, as
 * `padBatch` pads) and `lengths` int64 [batch] (real lengths); output `logits` float32 [batch, num_labels].
 */
export function exportCnnOnnx(model: SentenceCNN): Uint8Array {
  const c = model.config;
  const named = model.toNamedWeights(); // PyTorch layout: Conv1d weights [F, D, k], Linear [out, in]
  const g = new GraphBuilder('sentence_cnn');
  const w = (name: string) => g.weight(name, named[name]!.shape, named[name]!.data);
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'length']);
  const lengths = g.input('lengths', DataType.INT64, ['batch']);

  // [B, L, D] -> [B, D, L], zero-padded at the end by the widest filter so that every Conv output has at
  // least one position even when L is shorter than a filter (those positions are masked out below)
  const maxK = Math.max(...c.filter_widths);
  const x = g.op('Transpose', [g.op('Gather', [w('embedding.weight'), ids])], { perm: { ints: [0, 2, 1] } });
  const padded = g.op('Pad', [x, g.int64([0, 0, 0, 0, 0, maxK], 'time_pads')]);
  const L = g.op('Squeeze', [g.op('Shape', [ids], { start: { i: 1 }, end: { i: 2 } }), g.int64([0], 'axis0')]);
  // effective length per example: min(max(len, min_length), L), as [B, 1]
  const eff = g.op('Min', [g.op('Max', [lengths, g.int64([c.min_length], 'min_length', true)]), L]);
  const effCol = g.op('Unsqueeze', [eff, g.int64([1], 'axis1')]);

  const pooled = c.filter_widths.map((k, j) => {
    const conv = g.op('Conv', [padded, w(`convs.${j}.weight`), w(`convs.${j}.bias`)], { kernel_shape: { ints: [k] } }); // [B, F, L + maxK − k + 1]
    const outLen = g.op('Add', [L, g.int64([maxK - k + 1], `outlen_${k}`, true)]);
    const t = g.op('Range', [g.int64([0], 'zero', true), outLen, g.int64([1], 'one', true)]);
    // window t is valid iff t + k <= effective length
    const valid = g.op('LessOrEqual', [g.op('Add', [t, g.int64([k], `width_${k}`, true)]), effCol]); // [B, Lout]
    const mask = g.op('Unsqueeze', [g.op('Cast', [valid], { to: { i: DataType.FLOAT } }), g.int64([1], 'axis1')]);
    // relu then max over valid windows, floor 0 (no valid window -> 0, as conv-pool.ts)
    return g.op('ReduceMax', [g.op('Mul', [g.op('Relu', [conv]), mask])], { axes: { ints: [2] }, keepdims: { i: 0 } });
  });
  const h = pooled.length === 1 ? pooled[0]! : g.op('Concat', pooled, { axis: { i: 1 } });
  const logits = g.op('Gemm', [h, w('fc.weight'), w('fc.bias')], { transB: { i: 1 } });
  g.output(logits, 'logits', DataType.FLOAT, ['batch', c.num_labels]);
  return g.toModel({
    producer: 'nlp-backdoor',
    docString: 'SentenceCNN exported from the tfjs model (src/models/onnx/cnn.ts)',
    metadata: { model_type: 'sentence-cnn', architecture: 'SentenceCNN', id2label: JSON.stringify(c.id2label) },
  });
}
