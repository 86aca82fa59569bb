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
import { tf } from '../engine/index.js';

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

export interface AdamState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Read-only zero-copy view of a wasm tensor's data (valid until the next allocation); a copy elsewhere. */
function readView(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm' && t.dtype === 'float32') {
    const backend = tf.engine().backend as any;
    if (backend.dataIdMap?.get(t.dataId)) return backend.typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decay: 'l2' | 'decoupled';
  lr: number;
  private state: AdamState = { step: 0, m: {}, v: {} };
  private readonly noDecay: (name: string) => boolean;

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

  /** Apply one update. `grads` maps variable name → gradient tensor (not disposed here). */
  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.state.step++;
    const t = this.state.step;
    const { beta1: b1, beta2: b2, eps, lr } = this;
    const bc1 = 1 - Math.pow(b1, t);
    const bc2 = 1 - Math.pow(b2, t);
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (const [name, g] of Object.entries(grads)) {
      const v = vars[name];
      if (!v) throw new Error(`gradient for unknown variable "${name}"`);
      const n = v.size;
      const m1 = (this.state.m[name] ??= new Float32Array(n));
      const m2 = (this.state.v[name] ??= new Float32Array(n));
      const p = new Float32Array(n);
      p.set(readView(v));
      const gv = readView(g);
      const wd = this.noDecay(name) ? 0 : this.weightDecay;
      const l2 = this.decay === 'l2' ? wd : 0;
      const dec = this.decay === 'decoupled' ? 1 - lr * wd : 1;
      for (let i = 0; i < n; i++) {
        const gi = gv[i]! + l2 * p[i]!;
        const a = (m1[i] = b1 * m1[i]! + (1 - b1) * gi);
        const b = (m2[i] = b2 * m2[i]! + (1 - b2) * gi * gi);
        p[i] = p[i]! * dec - (stepSize * a) / (Math.sqrt(b) / sqrtBc2 + eps);
      }
      const nt = tf.tensor(p, v.shape, 'float32');
      v.assign(nt);
      nt.dispose();
    }
  }

  getState(): AdamState {
    return this.state;
  }
  setState(s: AdamState): void {
    this.state = s;
  }
}
