// Relative differences between two sets of named float arrays (gradients or weights) for the data-parallel tests.

/**
 * Per tensor, max|a - b| / max(max|a|, floor); the largest over tensors, with the largest |a - b|. The floor
 * covers tensors that are (near) zero: the attention key biases have a true gradient of exactly 0 (softmax is
 * shift-invariant), so what is computed for them is rounding noise (~1e-14) and one AdamW step moves them by
 * up to lr·|g|/(|g| + eps) in either run.
 */
export function compareNamed(a: Record<string, { data: Float32Array }>, b: Record<string, { data: Float32Array }>, floor: number): { rel: number; abs: number; worst: string } {
  let rel = 0;
  let abs = 0;
  let worst = '';
  for (const [k, x] of Object.entries(a)) {
    const y = b[k]!.data;
    let scale = floor;
    let d = 0;
    x.data.forEach((v, i) => {
      scale = Math.max(scale, Math.abs(v));
      d = Math.max(d, Math.abs(v - y[i]!));
    });
    abs = Math.max(abs, d);
    if (d / scale > rel) {
      rel = d / scale;
      worst = k;
    }
  }
  return { rel, abs, worst };
}
