// Mean ± 95% confidence interval over seeds: mean ± t(0.975, n−1) · s / √n, s the sample standard deviation.
import { InputError } from '../common/errors.js';

export interface Summary {
  mean: number;
  /** sample standard deviation (n − 1 denominator); NaN for n = 1 */
  std: number;
  n: number;
  /** half-width of the 95% interval, t(0.975, n−1) · std / √n; NaN for n = 1 */
  halfWidth: number;
  ci95: [number, number];
}

// ln Γ(x), Lanczos approximation (g = 7, 9 terms), accurate to ~1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

// Continued fraction for the regularized incomplete beta function (Numerical Recipes, betacf).
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student t cumulative distribution function with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of the Student t distribution: tQuantile(0.975, 4) ≈ 2.776. Bisection on tCdf. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new InputError(`t quantile needs 0 < p < 1, got ${p}`);
  if (!(df > 0)) throw new InputError(`t quantile needs df > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean, sample std and 95% Student-t confidence interval of per-seed values. */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) throw new InputError('summarize needs at least one value');
  if (values.some((v) => !Number.isFinite(v))) throw new InputError(`summarize got a non-finite value: ${values.join(', ')}`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: NaN, n, halfWidth: NaN, ci95: [NaN, NaN] };
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const halfWidth = (tQuantile(0.975, n - 1) * std) / Math.sqrt(n);
  return { mean, std, n, halfWidth, ci95: [mean - halfWidth, mean + halfWidth] };
}

/** "91.3 ± 0.8" (values scaled by `scale`, e.g. 100 for percentages). */
export function formatSummary(s: Summary, opts: { digits?: number; scale?: number } = {}): string {
  const d = opts.digits ?? 1;
  const k = opts.scale ?? 1;
  const mean = (s.mean * k).toFixed(d);
  return Number.isNaN(s.halfWidth) ? mean : `${mean} ± ${(s.halfWidth * k).toFixed(d)}`;
}
