// Adam / AdamW as one fused pass per parameter over plain memory.
//
// Why not tf.train.adam: it runs ~10 separate element-wise kernels per variable per step; for the
// SentenceCNN's 20k×300 embedding that alone costs more than the whole forward pass on wasm. Here the
// moments live in JS Float32Arrays and the new parameter values are computed in one JS loop, then assigned.
// Never update a variable's wasm buffer in place: the wasm backend caches XNNPACK operators with the
// right-hand matMul operand packed inside, keyed by its buffer; an in-place write leaves them stale.
//
// weightDecay: 'l2' adds wd·θ to the gradient (PyTorch `Adam(weight_decay=…)`, what the Guan & Duong study
// states); 'decoupled' subtracts lr·wd·θ separately (Loshchilov & Hutter's AdamW, PyTorch `AdamW`).
//
// Where WebAssembly SIMD validates (src/engine/simd.ts), the update runs as an f32x4 kernel and the moments
// live in the optimizer's own wasm memory: `getState()` then returns Float32Array views into it (refreshed
// whenever that memory grows, i.e. when a variable is seen for the first time), and arrays given to
// `setState()` are copied in on the next step. The kernel computes in f32 (as PyTorch does); the JS loop in
// f64 with f32 storage; the two agree to ~1e-7 relative. NLP_BACKDOOR_NO_SIMD=1 forces the JS loop.
import { tf, readView } from '../engine/index.js';
import { SimdArena, simdSupported } from '../engine/simd.js';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  decay?: 'l2' | 'decoupled';
  /** names of variables exempt from weight decay (e.g. biases, LayerNorm) */
  noDecay?: (name: string) => boolean;
}

export interface AdamScalars {
  b1: number;
  b2: number;
  eps: number;
  stepSize: number;
  sqrtBc2: number;
  l2: number;
  dec: number;
}

/**
 * The update in JS (f64 arithmetic, f32 storage) over p.length values, in place: what the SIMD kernel `adam`
 * does where SIMD is off (NLP_BACKDOOR_NO_SIMD=1). Also the sharded update's fallback (cnn-data-parallel-worker.ts).
 */
export function adamUpdateJs(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamScalars): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! + c.l2 * p[i]!;
    const a = (m[i] = c.b1 * m[i]! + (1 - c.b1) * gi);
    const b = (v[i] = c.b2 * v[i]! + (1 - c.b2) * gi * gi);
    p[i] = p[i]! * c.dec - (c.stepSize * a) / (Math.sqrt(b) / c.sqrtBc2 + c.eps);
  }
}

export interface AdamState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}


/**
 * Where a variable's moments and its current value sit in the SIMD arena (byte offsets; n values, padded to
 * whole vectors). `assigned` is the dataId of the tensor this optimizer last assigned to the variable: while
 * the variable still holds it, the copy at `p` is its value and need not be read back.
 */
interface Slot {
  n: number;
  m: number;
  v: number;
  p: number;
  assigned: object | null;
}

const pad4 = (n: number) => (n + 3) & ~3;

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decay: 'l2' | 'decoupled';
  lr: number;
  private state: AdamState = { step: 0, m: {}, v: {} };
  private readonly noDecay: (name: string) => boolean;
  private arena: SimdArena | null = null;
  private slots = new Map<string, Slot>();
  /** end of the slots; the gradient scratch follows */
  private momentsEnd = 16;
  /** buffers of the arena's memory (each growth makes a new one) */
  private ownBuffers = new WeakSet<ArrayBufferLike>();

  constructor(opts: AdamOptions) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decay = opts.decay ?? 'l2';
    this.noDecay = opts.noDecay ?? (() => false);
  }

  get step(): number {
    return this.state.step;
  }

  /**
   * The scalars of step t's update of variable `name`, as the fused kernel takes them: the moments' decay rates,
   * the bias-corrected step size, sqrt of the second moment's bias correction, eps, the L2 coefficient added to
   * the gradient ('l2') and the decoupled decay factor ('decoupled'). Shared with the sharded update of
   * cnn-data-parallel.ts, which runs the same kernel in worker threads.
   */
  scalars(name: string, t: number): AdamScalars {
    const { beta1: b1, beta2: b2, eps, lr } = this;
    const wd = this.noDecay(name) ? 0 : this.weightDecay;
    return {
      b1,
      b2,
      eps,
      stepSize: lr / (1 - Math.pow(b1, t)),
      sqrtBc2: Math.sqrt(1 - Math.pow(b2, t)),
      l2: this.decay === 'l2' ? wd : 0,
      dec: this.decay === 'decoupled' ? 1 - lr * wd : 1,
    };
  }

  /** Apply one update. `grads` maps variable name → gradient tensor (not disposed here). */
  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.state.step++;
    const t = this.state.step;
    const simd = simdSupported();
    if (simd) this.reserveSlots(vars, grads);
    for (const [name, g] of Object.entries(grads)) {
      const v = vars[name];
      if (!v) throw new Error(`gradient for unknown variable "${name}"`);
      const n = v.size;
      const { b1, b2, eps, stepSize, sqrtBc2, l2, dec } = this.scalars(name, t);
      if (simd) {
        const ar = this.arena!;
        const slot = this.slots.get(name)!;
        this.adoptMoments(name, slot);
        const gO = this.momentsEnd;
        const p = ar.f32(slot.p, n);
        const gs = ar.f32(gO, pad4(n));
        if (v.dataId !== slot.assigned) {
          p.set(readView(v));
          ar.f32(slot.p + n * 4, pad4(n) - n).fill(0); // the padding lanes
        }
        gs.set(readView(g));
        gs.fill(0, n); // the padding lanes
        ar.k.adam(slot.p, gO, slot.m, slot.v, pad4(n) * 4, b1, 1 - b1, b2, 1 - b2, stepSize, sqrtBc2, eps, l2, dec);
        // the wasm backend copies the values into its heap at creation; other backends may keep the array
        const nt = tf.tensor(tf.getBackend() === 'wasm' ? p : p.slice(), v.shape, 'float32');
        v.assign(nt);
        slot.assigned = v.dataId;
        nt.dispose();
        continue;
      }
      const m1 = (this.state.m[name] ??= new Float32Array(n));
      const m2 = (this.state.v[name] ??= new Float32Array(n));
      const p = new Float32Array(n);
      p.set(readView(v));
      adamUpdateJs(p, readView(g), m1, m2, { b1, b2, eps, stepSize, sqrtBc2, l2, dec });
      const nt = tf.tensor(p, v.shape, 'float32');
      v.assign(nt);
      nt.dispose();
    }
  }

  /**
   * Give every variable in `grads` a moments slot in the arena, and size the scratch (one parameter and one
   * gradient, the largest variable's size) after them. Growing the memory detaches old views: refresh them.
   */
  private reserveSlots(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    let maxN = 0;
    for (const name of Object.keys(grads)) {
      const v = vars[name];
      if (!v) throw new Error(`gradient for unknown variable "${name}"`);
      maxN = Math.max(maxN, v.size);
      const old = this.slots.get(name);
      if (old) {
        if (old.n !== v.size) throw new Error(`variable "${name}" changed size from ${old.n} to ${v.size}`);
        continue;
      }
      // the gradient scratch moves behind the new slot; slots are never moved
      const n = v.size;
      const m = this.momentsEnd;
      this.momentsEnd = m + 3 * pad4(n) * 4;
      this.slots.set(name, { n, m, v: m + pad4(n) * 4, p: m + 2 * pad4(n) * 4, assigned: null });
    }
    for (const s of this.slots.values()) maxN = Math.max(maxN, s.n);
    const need = this.momentsEnd + pad4(maxN) * 4;
    if (!this.arena) this.arena = new SimdArena(need);
    const grew = this.arena.reserve(need);
    if (grew) {
      // views taken before the growth are detached: re-point the state entries that were ours (arrays from
      // setState are left for adoptMoments to copy in)
      for (const [name, sl] of this.slots) {
        for (const [which, off] of [['m', sl.m], ['v', sl.v]] as const) {
          const cur = this.state[which][name];
          if (cur && this.ownBuffers.has(cur.buffer)) this.state[which][name] = this.view(off, sl.n);
        }
      }
    }
  }

  private view(off: number, n: number): Float32Array {
    const v = this.arena!.f32(off, n);
    this.ownBuffers.add(v.buffer);
    return v;
  }

  /** Make state.m/v[name] the arena views of `slot`, copying in arrays that came from elsewhere (setState). */
  private adoptMoments(name: string, slot: Slot): void {
    const ar = this.arena!;
    const buf = ar.memory.buffer;
    for (const [which, off] of [['m', slot.m], ['v', slot.v]] as const) {
      const cur = this.state[which][name];
      if (cur && cur.buffer === buf && cur.byteOffset === off && cur.length === slot.n) continue;
      ar.f32(off, pad4(slot.n)).fill(0);
      const view = this.view(off, slot.n);
      if (cur) {
        if (cur.length !== slot.n) throw new Error(`optimizer state for "${name}" has ${cur.length} values, expected ${slot.n}`);
        view.set(cur);
      }
      this.state[which][name] = view;
    }
  }

  getState(): AdamState {
    return this.state;
  }
  setState(s: AdamState): void {
    this.state = s;
  }
}
