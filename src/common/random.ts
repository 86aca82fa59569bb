// Seeded pseudo-random numbers. Every random choice in the project takes one of these, so runs reproduce.
// mulberry32: 32-bit state, fast, good enough for shuffling and sampling (not for cryptography).
export class Rng {
  private state: number;
  constructor(public readonly seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }
  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /**
   * Inverted-dropout mask: m[i] = next() >= rate ? keep : 0 for each i, drawing exactly the values n calls of
   * next() would (the same stream, so the same masks), with the generator inlined (no call per element).
   */
  dropMask(n: number, rate: number, keep: number): Float32Array {
    const m = new Float32Array(n);
    // next() >= rate  <=>  u32 / 2^32 >= rate  <=>  u32 >= ceil(rate·2^32); compared as signed int32 (both
    // sides shifted by 2^31) so that the loop stays in int32 arithmetic
    const thr = Math.ceil(rate * 4294967296) - 2147483648;
    let s = this.state | 0;
    for (let i = 0; i < n; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      if ((t ^ (t >>> 14) ^ -2147483648) >= thr) m[i] = keep;
    }
    this.state = s >>> 0;
    return m;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Fisher-Yates shuffle, in place; returns the array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
  /** k distinct indices from [0, n), in random order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new Error(`cannot sample ${k} of ${n}`);
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    return idx.slice(0, k);
  }
  /** A child generator with its own stream, derived from this seed and a label. */
  fork(label: string): Rng {
    let h = this.seed >>> 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }
}
