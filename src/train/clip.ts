// Gradient post-processing shared by the BERT trainers: average accumulated gradients, clip their global
// L2 norm (BERT's clip_by_global_norm, HF Trainer max_grad_norm), hand them to the optimizer.
import { tf } from '../engine/index.js';
import type { Adam } from './adam.js';

/**
 * Scale `grads` (keyed by the variables' full tf names, as tf.variableGrads returns them) by 1/divisor, clip
 * the global norm to maxNorm (0 = no clipping), apply with `opt`, and dispose the gradients. Returns the
 * norm before clipping. `gradNorm`: the L2 norm of `grads` when the caller has it already (before dividing).
 */
export function clipAndApply(opt: Adam, vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, maxNorm: number, divisor = 1, gradNorm?: number): number {
  const byFullName: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) byFullName[v.name] = k;
  const gs = Object.values(grads);
  const norm = gradNorm !== undefined ? gradNorm / divisor : gs.length ? Math.sqrt(tf.tidy(() => tf.addN(gs.map((g) => tf.sum(tf.square(g)))).dataSync()[0]!)) / divisor : 0;
  const scale = (1 / divisor) * (maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1);
  const named: Record<string, tf.Tensor> = {};
  for (const [full, g] of Object.entries(grads)) {
    const name = byFullName[full];
    if (!name) throw new Error(`gradient for unknown variable ${full}`);
    named[name] = scale === 1 ? g : tf.mul(g, scale);
    if (scale !== 1) g.dispose();
  }
  opt.apply(vars, named);
  for (const g of Object.values(named)) g.dispose();
  return norm;
}
