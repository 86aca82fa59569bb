// One optimisation step for any classifier that exposes logits() and its trainable variables.
import { tf } from '../engine/index.js';
import type { Adam } from './adam.js';

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
