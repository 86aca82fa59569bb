// SentenceCNN forward passes the defenses need beyond logits: with one vocabulary row replaced by a free
// vector (RAP's perturbed rare-word embedding, differentiable in that vector) and with filters masked out
// (fine-pruning's evaluation), reusing the model's own conv-pool op (models/conv-pool.ts).
import { tf } from '../engine/index.js';
import { convPool } from '../models/conv-pool.js';
import type { SentenceCNN, IdBatch } from '../models/cnn.js';

/** Logits [B, C] where every occurrence of word id `wid` is embedded as `v` [D] instead of its row. */
export function logitsWithWordVector(model: SentenceCNN, batch: IdBatch, wid: number, v: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const { B, L } = batch;
    const D = model.config.embedding_dim;
    const ids = tf.tensor1d(batch.ids, 'int32');
    const base = tf.gather(model.vars['embedding']!, ids) as tf.Tensor2D;
    const m = new Float32Array(B * L);
    for (let i = 0; i < m.length; i++) m[i] = batch.ids[i] === wid ? 1 : 0;
    const mask = tf.tensor2d(m, [B * L, 1]);
    const e = tf.add(tf.mul(base, tf.sub(1, mask)), tf.mul(mask, tf.reshape(v, [1, D])));
    const h = convPool(
      tf.reshape(e, [B, L, D]) as tf.Tensor3D,
      batch.lens,
      model.vars['conv_w'] as tf.Tensor2D,
      model.vars['conv_b'] as tf.Tensor1D,
      { widths: model.config.filter_widths, filters: model.config.num_filters },
      model.config.min_length,
      true,
    );
    return tf.add(tf.matMul(h, model.vars['fc_w'] as tf.Tensor2D), model.vars['fc_b']!) as tf.Tensor2D;
  });
}

/** Pooled features [n, nW·F] of encoded inputs (the SentenceCNN's sentence representation), in batches. */
export function cnnFeatures(model: SentenceCNN, seqs: ArrayLike<number>[], batchSize = 200): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < seqs.length; i += batchSize) {
    const f = model.features(model.makeBatch(seqs.slice(i, i + batchSize)));
    const v = f.dataSync() as Float32Array;
    const H = f.shape[1];
    f.dispose();
    for (let r = 0; r < v.length / H; r++) out.push(v.slice(r * H, (r + 1) * H));
  }
  return out;
}
