// One optimisation step for any classifier that exposes logits() and its trainable variables.
import { tf } from '../engine/index.js';
import type { Adam } from './adam.js';
import { clipAndApply } from './clip.js';
import type { PoolGrads } from './data-parallel.js';

export interface StepModel<B> {
  logits(batch: B, training: boolean, dropoutSeed?: number): tf.Tensor2D;
  trainableVariables(): Record<string, tf.Variable>;
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

export interface StepResult {
  loss: number;
  correct: number;
}

/** Gradients of a batch computed elsewhere (a GradientPool's workers): the full-batch mean, as trainStep's. */
export type BatchGradients<B> = (batch: B, labels: Int32Array, dropoutSeed: number) => Promise<PoolGrads>;

/** trainStep with the gradients from `grads` (data-parallel workers): the update runs here, on the master weights. */
export async function pooledTrainStep<B>(model: StepModel<B>, opt: Adam, grads: BatchGradients<B>, batch: B, labels: Int32Array, dropoutSeed: number): Promise<StepResult> {
  const r = await grads(batch, labels, dropoutSeed);
  clipAndApply(opt, model.trainableVariables(), r.grads, 0, 1, r.norm);
  let correct = 0;
  r.predictions?.forEach((p, i) => (correct += p === labels[i] ? 1 : 0));
  return { loss: r.loss, correct };
}

/** Forward, backward and update; returns the batch loss and the number of correct predictions. */
export function trainStep<B>(model: StepModel<B>, opt: Adam, batch: B, labels: Int32Array, dropoutSeed: number): StepResult {
  const vars = model.trainableVariables();
  const byFullName: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) byFullName[v.name] = k;
  let correct = 0;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.logits(batch, true, dropoutSeed);
    const pred = tf.argMax(logits, 1).dataSync();
    for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
    return crossEntropy(logits, labels);
  }, Object.values(vars));
  const named: Record<string, tf.Tensor> = {};
  for (const [full, g] of Object.entries(grads)) named[byFullName[full]!] = g;
  opt.apply(vars, named);
  const loss = value.dataSync()[0]!;
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return { loss, correct };
}
