// SentenceCNN ONNX export: onnxruntime's logits equal the tfjs forward's within 3e-7, including inputs shorter
// than the widest filter, a min_length below the widest filter (widths with no valid window), empty inputs
// and batch padding.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig, padBatch, type CnnConfig, type IdBatch } from '../../src/models/cnn.js';
import { exportCnnOnnx } from '../../src/models/onnx/cnn.js';
import { createSession, loadOrt } from '../../src/models/onnx/runtime.js';
import { Rng } from '../../src/common/random.js';

// ~10× the largest difference measured (≤ 3e-8, docs/onnx.md), so a hundredfold loss of precision fails
const TOL = 3e-7;

before(async () => {
  await initEngine();
});

async function ortLogits(bytes: Uint8Array, b: IdBatch): Promise<Float32Array> {
  const ort = await loadOrt();
  const session = await createSession(bytes, { threads: 1 });
  const i64 = (a: Int32Array) => BigInt64Array.from(a, (x) => BigInt(x));
  const out = await session.run({ input_ids: new ort.Tensor('int64', i64(b.ids), [b.B, b.L]), lengths: new ort.Tensor('int64', i64(b.lens), [b.B]) });
  await session.release();
  return out['logits']!.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const V = 50;
const cases: [string, Partial<CnnConfig>, number[]][] = [
  ['widths 3/4/5, min_length 5: short inputs and padding', {}, [1, 2, 4, 5, 9, 13]],
  ['min_length 2 < widest filter: widths without a valid window', { min_length: 2 }, [1, 3, 4, 6]],
  ['min_length 2, whole batch shorter than the widest filter, an empty input', { min_length: 2 }, [0, 2, 3]],
  ['one width, max_length truncation', { filter_widths: [2], max_length: 6 }, [3, 11]],
  ["Kim's edge padding (4 ids before and after every input), truncation before it", { edge_padding: 4, max_length: 9 }, [0, 1, 5, 12]],
];
for (const [name, over, lens] of cases) {
  test(`SentenceCNN ONNX logits match tfjs within ${TOL}: ${name}`, async () => {
    const rng = new Rng(11);
    const model = new SentenceCNN(defaultCnnConfig({ vocab_size: V, num_labels: 3, embedding_dim: 12, num_filters: 6, ...over }), { seed: 5 });
    const seqs = lens.map((n) => Int32Array.from({ length: n }, () => 1 + rng.int(V - 1)));
    const b = model.makeBatch(seqs);
    assert.deepEqual(b, padBatch(seqs, model.config.min_length, model.config.max_length, model.config.edge_padding ?? 0));
    const t = model.logits(b);
    const want = t.dataSync() as Float32Array;
    t.dispose();
    const bytes = exportCnnOnnx(model);
    const d = maxAbsDiff(await ortLogits(bytes, b), want);
    console.log(`${name}: max |onnx - tfjs| ${d.toExponential(2)}`);
    assert.ok(d < TOL, `logits differ by ${d}`);
    // the window rule matters: treating every example as full length changes the short examples' logits
    const full = { ...b, lens: new Int32Array(b.B).fill(b.L) };
    assert.ok(maxAbsDiff(await ortLogits(bytes, full), want) > 10 * TOL, 'lengths have no effect');
    model.dispose();
  });
}

test('padBatch: edge padding goes around the truncated input and counts in its length', () => {
  const b = padBatch([Int32Array.from([7, 8, 9]), Int32Array.from([5])], 5, 2, 2);
  assert.deepEqual(Array.from(b.lens), [6, 5]);
  assert.equal(b.L, 6);
  assert.deepEqual(Array.from(b.ids), [0, 0, 7, 8, 0, 0, /**/ 0, 0, 5, 0, 0, 0]);
  assert.deepEqual(padBatch([Int32Array.from([7, 8, 9])], 5, 2), { ids: Int32Array.from([7, 8, 0, 0, 0]), lens: Int32Array.from([2]), B: 1, L: 5 });
});
