// BERT forward passes the defenses need beyond logits, over the model's own encoder (models/bert/modeling.ts
// bertEncoderForward): with one word-embedding row replaced by a free vector (RAP's perturbed rare-word
// embedding, differentiable in that vector: RAP and OpenBackdoor's rap_defender.py update the row of the rare
// token in BERT's word embedding, `model.word_embedding`), and the feed-forward activations of chosen layers
// (fine-pruning's neurons); and sentence representations, the pooler output or the last layer's [CLS] state,
// through onnxruntime or tfjs (the encoder scan; BKI and CUBE on a BERT victim).
import { tf } from '../engine/index.js';
import { padBertBatch } from '../models/bert/batch.js';
import { exportBertOnnx } from '../models/onnx/bert.js';
import { createSession, loadOrt } from '../models/onnx/runtime.js';
import { batchTensors, bertEncoderForward, checkIds, type BertForSequenceClassification, type BertBatch } from '../models/bert/index.js';
import type { BertParams } from '../models/bert/params.js';
import { dense } from '../models/bert/ops.js';

const WORDS = 'embeddings.word_embeddings.weight';

/** Logits [B, C] where every occurrence of token id `wid` is embedded as `v` [H] instead of its row. */
export function bertLogitsWithWordVector(model: BertForSequenceClassification, batch: BertBatch, wid: number, v: tf.Tensor1D): tf.Tensor2D {
  checkIds(batch, model.config);
  return tf.tidy(() => {
    const W = model.params.get(WORDS);
    const [V, H] = W.shape as [number, number];
    // W + e_wid ⊗ (v − W[wid]): the row replaced, the rest of the table (and its gradient path) untouched
    const onehot = tf.reshape(tf.oneHot(tf.tensor1d([wid], 'int32'), V), [V, 1]);
    const patched = tf.add(W, tf.mul(onehot, tf.sub(tf.reshape(v, [1, H]), tf.slice(W, [wid, 0], [1, H]))));
    const params = { get: (n: string) => (n === WORDS ? patched : model.params.get(n)) } as unknown as BertParams;
    const t = batchTensors(batch);
    const out = bertEncoderForward(params, model.config, t.inputIds, t.attentionMask, t.tokenTypeIds, {}, true);
    // BertForSequenceClassification's head in eval mode (dropout off)
    return dense(out.pooledOutput!, model.params.get('classifier.weight'), model.params.get('classifier.bias')) as tf.Tensor2D;
  });
}

/**
 * Mean feed-forward activation act(intermediate.dense(x)) of each neuron of the given encoder layers over the
 * real (unpadded) tokens of the encoded inputs: one Float64Array [intermediate_size] per layer, in `layers` order.
 */
export function meanFfnActivations(model: BertForSequenceClassification, seqs: ArrayLike<number>[], layers: readonly number[], batchSize = 32): Float64Array[] {
  const I = model.config.intermediate_size;
  const sums = layers.map(() => new Float64Array(I));
  let tokens = 0;
  for (let i = 0; i < seqs.length; i += batchSize) {
    const batch = model.makeBatch(seqs.slice(i, i + batchSize));
    checkIds(batch, model.config);
    const per = tf.tidy(() => {
      const t = batchTensors(batch);
      const out = bertEncoderForward(model.params, model.config, t.inputIds, t.attentionMask, t.tokenTypeIds, { outputIntermediates: true }, false);
      const mask = tf.reshape(tf.cast(t.attentionMask, 'float32'), [batch.batchSize, batch.seqLen, 1]);
      // Σ over real tokens of each neuron's activation [I]
      return layers.map((l) => tf.sum(tf.mul(out.intermediates![l]!, mask), [0, 1]));
    });
    per.forEach((s, k) => {
      const d = s.dataSync();
      for (let j = 0; j < I; j++) sums[k]![j]! += d[j]!;
      s.dispose();
    });
    for (let r = 0; r < batch.attentionMask.length; r++) tokens += batch.attentionMask[r]!;
  }
  return sums.map((s) => s.map((x) => x / Math.max(1, tokens)));
}

/** Which representation of a sequence: the pooler's tanh(dense([CLS])), or the last layer's [CLS] state. */
export type BertRepresentation = 'pooled' | 'cls';

/** Representations [n, hidden] (row-major) of token-id sequences, from one engine. */
export interface Representer {
  engine: 'onnx' | 'onnx-int8' | 'tfjs';
  run(seqs: ArrayLike<number>[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

function tfjsRepresenter(model: BertForSequenceClassification, which: BertRepresentation): Representer {
  return {
    engine: 'tfjs',
    run: async (seqs) =>
      tf.tidy(() => {
        const b = padBertBatch(seqs, model.config);
        const ids = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
        const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
        const out = bertEncoderForward(model.params, model.config, ids, mask, undefined, {}, which === 'pooled');
        const rep = which === 'pooled' ? out.pooledOutput! : tf.squeeze(tf.slice(out.lastHiddenState, [0, 0, 0], [-1, 1, -1]), [1]);
        return rep.dataSync() as Float32Array;
      }) as unknown as Float32Array,
    dispose: async () => {},
  };
}

/** The same through an in-memory ONNX export on onnxruntime (throws when onnxruntime does not load). */
async function onnxRepresenter(model: BertForSequenceClassification, which: BertRepresentation, threads?: number, int8 = false): Promise<Representer> {
  const ort = await loadOrt();
  const session = await createSession(exportBertOnnx(model, { pooledOutput: which === 'pooled', clsState: which === 'cls', ...(int8 ? { quantize: 'int8' as const } : {}) }), { threads });
  const output = which === 'pooled' ? 'pooled_output' : 'cls_state';
  return {
    engine: int8 ? 'onnx-int8' : 'onnx',
    run: async (seqs) => {
      const b = padBertBatch(seqs, model.config);
      const dims = [b.batchSize, b.seqLen];
      const t = (a: Int32Array) => new ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), dims);
      const r = await session.run({ input_ids: t(b.inputIds), attention_mask: t(b.attentionMask), token_type_ids: t(b.tokenTypeIds) }, [output]);
      return r[output]!.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}

/**
 * onnxruntime when it loads ('auto'; in int8 with `int8WhenAuto`), else tfjs; 'onnx' and 'onnx-int8' (dense layers in
 * int8) fail when onnxruntime does not load.
 */
export async function bertRepresenter(model: BertForSequenceClassification, which: BertRepresentation, engine: 'auto' | 'onnx' | 'onnx-int8' | 'tfjs' = 'auto', threads?: number, int8WhenAuto = false): Promise<Representer> {
  if (engine !== 'tfjs') {
    try {
      return await onnxRepresenter(model, which, threads, engine === 'onnx-int8' || (engine === 'auto' && int8WhenAuto));
    } catch (e) {
      if (engine !== 'auto') throw e;
    }
  }
  return tfjsRepresenter(model, which);
}
