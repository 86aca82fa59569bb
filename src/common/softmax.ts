// Softmax and argmax over one row of logits, as every prediction in the project reports them (float64,
// max-shifted so a large logit cannot overflow exp).

export function softmax(row: ArrayLike<number>): number[] {
  const v = Array.from(row);
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** The index of the largest value (the first on ties). */
export const argmax = (v: readonly number[]): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);
