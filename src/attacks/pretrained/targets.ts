// Predefined output representations: the vector each trigger drives the pooled output ([CLS] through the tanh
// pooler) to. Whatever head a downstream user fine-tunes maps each vector to some class, and distinct vectors
// make distinct triggers land on different classes.
import { InputError } from '../../common/errors.js';

/**
 * POR-2 of Shen et al. (CCS'21), as BackdoorPTM's poisoning.py builds it: with n triggers, trigger i (1-based)
 * gets +c on its first ⌊H/(n−1)⌋·(i−1) dimensions and −c on the rest (trigger 1 is all −c). c = 10 there.
 */
export function porStaircase(n: number, hidden: number, c = 10): Float32Array[] {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`POR needs at least one trigger, got ${n}`);
  if (n > hidden + 1) throw new InputError(`${n} triggers need distinct PORs, but a staircase over hidden size ${hidden} has at most ${hidden + 1} steps`);
  const alpha = n > 1 ? Math.floor(hidden / (n - 1)) : 0;
  return Array.from({ length: n }, (_, i) => {
    const v = new Float32Array(hidden).fill(-c);
    v.fill(c, 0, Math.min(hidden, alpha * i));
    return v;
  });
}

/**
 * NeuBA's target vectors (Zhang et al., "Red Alarm for Pre-trained Models", thunlp/NeuBA nlp/src/poison.py):
 * the hidden size cut into 4 equal blocks; target k sets the k-th pair (j, l), j < l, of blocks to −1 and the
 * rest to +1, which gives 6 vectors, one per trigger.
 */
export function neubaTargets(n: number, hidden: number): Float32Array[] {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`NeuBA needs at least one trigger, got ${n}`);
  if (n > 6) throw new InputError(`NeuBA defines 6 target vectors (pairs of 4 blocks of the hidden size); got ${n} triggers`);
  if (hidden % 4 !== 0) throw new InputError(`NeuBA's target vectors cut the hidden size into 4 blocks; ${hidden} is not a multiple of 4`);
  const q = hidden / 4;
  const out: Float32Array[] = [];
  for (let j = 0; j < 4; j++) {
    for (let l = j + 1; l < 4; l++) {
      const v = new Float32Array(hidden).fill(1);
      v.fill(-1, j * q, (j + 1) * q);
      v.fill(-1, l * q, (l + 1) * q);
      out.push(v);
    }
  }
  return out.slice(0, n);
}
