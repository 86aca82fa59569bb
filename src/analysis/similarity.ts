// Numbers behind the heat maps, from row-major float arrays: the attention of [CLS] over the tokens, and the
// cosine similarity of the tokens' final hidden states (Shen et al. CCS'21 show both for a triggered input).

/**
 * The [CLS] rows of one layer's attention probabilities [heads, T, T] (row-major, one sequence): out[h][j] is
 * how much [CLS] (position 0) attends to token j in head h.
 */
export function clsAttentionRows(probs: Float32Array, heads: number, T: number): number[][] {
  if (probs.length !== heads * T * T) throw new Error(`attention of ${probs.length} values is not [${heads}, ${T}, ${T}]`);
  return Array.from({ length: heads }, (_, h) => Array.from(probs.subarray(h * T * T, h * T * T + T)));
}

/** Cosine similarity of every pair of rows of `x` [T, H] (row-major); a zero row has similarity 0 to all. */
export function cosineMatrix(x: Float32Array, T: number, H: number): number[][] {
  if (x.length !== T * H) throw new Error(`hidden states of ${x.length} values are not [${T}, ${H}]`);
  const norms = Array.from({ length: T }, (_, i) => {
    let s = 0;
    for (let d = 0; d < H; d++) s += x[i * H + d]! ** 2;
    return Math.sqrt(s);
  });
  const out = Array.from({ length: T }, () => new Array<number>(T).fill(0));
  for (let i = 0; i < T; i++) {
    for (let j = i; j < T; j++) {
      let dot = 0;
      for (let d = 0; d < H; d++) dot += x[i * H + d]! * x[j * H + d]!;
      const n = norms[i]! * norms[j]!;
      const c = n > 0 ? (i === j ? 1 : dot / n) : 0;
      out[i]![j] = c;
      out[j]![i] = c;
    }
  }
  return out;
}
