// BERT ONNX export: onnxruntime's logits equal the tfjs forward's within 1e-5 on small random configs, with
// padding, token types and sequences of different lengths in one batch.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { BertForSequenceClassification, type BertBatch, type BertConfigInput } from '../../src/models/bert/index.js';
import { exportBertOnnx, quantizeColumns } from '../../src/models/onnx/bert.js';
import { createSession, loadOrt } from '../../src/models/onnx/runtime.js';
import { Rng } from '../../src/common/random.js';

// ~10× the largest difference measured (≤ 9.8e-7, docs/onnx.md), so a hundredfold loss of precision fails
const TOL = 1e-5;

before(async () => {
  await initEngine();
});

/** A batch of sequences of the given lengths, padded; random ids and (optionally) segment-B token types. */
function batch(lens: number[], vocab: number, rng: Rng, typed: boolean): BertBatch {
  const B = lens.length;
  const T = Math.max(...lens);
  const inputIds = new Int32Array(B * T);
  const attentionMask = new Int32Array(B * T);
  const tokenTypeIds = new Int32Array(B * T);
  lens.forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      inputIds[b * T + t] = 1 + rng.int(vocab - 1);
      attentionMask[b * T + t] = 1;
      if (typed && t >= Math.ceil(n / 2)) tokenTypeIds[b * T + t] = 1;
    }
  });
  return { inputIds, attentionMask, tokenTypeIds, batchSize: B, seqLen: T };
}

async function ortOutput(bytes: Uint8Array, b: BertBatch, fetch = 'logits'): Promise<Float32Array> {
  const ort = await loadOrt();
  const session = await createSession(bytes, { threads: 1 });
  const dims = [b.batchSize, b.seqLen];
  const t = (a: Int32Array) => new ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), dims);
  const out = await session.run({ input_ids: t(b.inputIds), attention_mask: t(b.attentionMask), token_type_ids: t(b.tokenTypeIds) });
  await session.release();
  return out[fetch]!.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const small: BertConfigInput = { vocab_size: 100, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 40, num_labels: 3, initializer_range: 0.2 };

for (const [name, cfg, lens] of [
  ['gelu, 2 layers, hidden 32, 2 heads', small, [7, 3, 12, 1]],
  ['gelu_new, hidden 24, 3 heads, one sequence', { ...small, hidden_size: 24, num_attention_heads: 3, hidden_act: 'gelu_new' }, [9]],
  ['relu, hidden 16, 4 heads, type_vocab 3', { ...small, hidden_size: 16, num_attention_heads: 4, hidden_act: 'relu', type_vocab_size: 3 }, [5, 16, 2]],
] as const) {
  test(`BERT ONNX logits match tfjs within ${TOL}: ${name}`, async () => {
    const model = new BertForSequenceClassification(cfg as BertConfigInput, { seed: 7 });
    const b = batch([...lens], 100, new Rng(3), true);
    const s: [number, number] = [b.batchSize, b.seqLen];
    const inputs = [tf.tensor2d(b.inputIds, s, 'int32'), tf.tensor2d(b.attentionMask, s, 'int32'), tf.tensor2d(b.tokenTypeIds, s, 'int32')] as const;
    const ref = model.forwardWithStates(...inputs);
    const want = ref.logits.dataSync();
    const bytes = exportBertOnnx(model, { pooledOutput: true, clsState: true });
    const d = maxAbsDiff(await ortOutput(bytes, b), want);
    const dp = maxAbsDiff(await ortOutput(bytes, b, 'pooled_output'), ref.pooledOutput!.dataSync());
    // the last layer's [CLS] state (the encoder scan's representation without a pooler)
    const cls = tf.tidy(() => tf.squeeze(tf.slice(ref.lastHiddenState, [0, 0, 0], [-1, 1, -1]), [1]).dataSync());
    const dc = maxAbsDiff(await ortOutput(bytes, b, 'cls_state'), cls);
    assert.ok(dc < TOL, `[CLS] state differs by ${dc}`);
    console.log(`${name}: max |onnx - tfjs| logits ${d.toExponential(2)}, pooled ${dp.toExponential(2)}`);
    assert.ok(d < TOL, `logits differ by ${d}`);
    assert.ok(dp < TOL, `pooled output differs by ${dp}`);
    if (b.batchSize > 1) {
      // the comparison has teeth: ignoring the padding mask (or the token types) changes the logits by far more
      const unmasked = { ...b, attentionMask: new Int32Array(b.attentionMask.length).fill(1) };
      assert.ok(maxAbsDiff(await ortOutput(bytes, unmasked), want) > 10 * TOL, 'the attention mask has no effect');
      const untyped = { ...b, tokenTypeIds: new Int32Array(b.tokenTypeIds.length) };
      assert.ok(maxAbsDiff(await ortOutput(bytes, untyped), want) > 10 * TOL, 'token types have no effect');
    }
    tf.dispose([...inputs, ref as unknown as tf.TensorContainer]);
    model.dispose();
  });
}

test('quantizeColumns: int8 in ±63 per output column, each weight within half a step of its value', () => {
  const rng = new Rng(5);
  const [rows, cols] = [7, 5];
  const w = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols === 3 ? 0 : (rng.next() - 0.5) * (1 + (i % cols))));
  const { q, scale } = quantizeColumns(w, rows, cols);
  assert.equal(scale[3], 1, 'an all-zero column keeps a finite scale');
  for (let j = 0; j < cols; j++) {
    let colMax = 0;
    for (let i = 0; i < rows; i++) colMax = Math.max(colMax, Math.abs(q[i * cols + j]!));
    if (j !== 3) assert.equal(colMax, 63, `column ${j}: its largest weight takes the largest level`);
    for (let i = 0; i < rows; i++) assert.ok(Math.abs(q[i * cols + j]! * scale[j]! - w[i * cols + j]!) <= scale[j]! / 2 + 1e-7, `weight ${i},${j}`);
  }
});

test('BERT ONNX int8 export (dense layers DynamicQuantizeMatMul): logits within 3% of the range of tfjs (8-bit weights, which saturate AVX2 pair sums, measured 4.6%), same argmax', async () => {
  // hidden 64 and wider weights than the tests above, so that logits spread and the dense layers dominate
  const cfg: BertConfigInput = { ...small, hidden_size: 64, num_attention_heads: 4, intermediate_size: 256, num_labels: 2, initializer_range: 0.1 };
  const model = new BertForSequenceClassification(cfg, { seed: 11 });
  const b = batch([12, 5, 16, 9, 14, 3, 16, 8], 100, new Rng(4), false);
  const s: [number, number] = [b.batchSize, b.seqLen];
  const inputs = [tf.tensor2d(b.inputIds, s, 'int32'), tf.tensor2d(b.attentionMask, s, 'int32'), tf.tensor2d(b.tokenTypeIds, s, 'int32')] as const;
  const ref = model.forwardWithStates(...inputs);
  const want = ref.logits.dataSync();
  const fp32 = exportBertOnnx(model);
  const int8 = exportBertOnnx(model, { quantize: 'int8' });
  assert.ok(int8.length < 0.6 * fp32.length, `the int8 export holds int8 weights (${int8.length} bytes against ${fp32.length})`);
  const got = await ortOutput(int8, b);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of want) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const d = maxAbsDiff(got, want);
  console.log(`int8: max |onnx int8 - tfjs| logits ${d.toExponential(2)} of a range ${(hi - lo).toFixed(3)}`);
  assert.ok(d < 0.03 * (hi - lo), `int8 logits differ by ${d} (range ${hi - lo})`);
  assert.ok(d > TOL, 'the int8 export computes in float32 (no quantisation happened)');
  for (let i = 0; i < b.batchSize; i++) assert.equal(got[2 * i]! > got[2 * i + 1]!, want[2 * i]! > want[2 * i + 1]!, `sequence ${i}: argmax`);
  tf.dispose([...inputs, ref as unknown as tf.TensorContainer]);
  model.dispose();
});
