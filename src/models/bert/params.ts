// BERT parameters: their Hugging Face names and shapes, initialisation, and conversion between the HF layout
// (nn.Linear weight [out, in]) and the one used here (Linear weights stored [in, out], so x·W needs no
// transpose: wasm's fast matMul path only covers untransposed operands).
import { tf } from '../../engine/index.js';
import { Rng } from '../../common/random.js';
import { numLabels, type BertConfig } from './config.js';

export type Head = 'none' | 'classifier' | 'mlm';

export interface ParamSpec {
  /** canonical name: HF's, without the "bert." prefix for encoder parameters */
  name: string;
  /** shape in the checkpoint (HF layout) */
  hfShape: number[];
  /** nn.Linear weight: stored transposed here */
  linear: boolean;
  init: 'normal' | 'zeros' | 'ones' | 'embedding';
  /** part of the encoder (named "bert.<name>" in task-model checkpoints) */
  encoder: boolean;
}

export function paramSpecs(c: BertConfig, opts: { pooler: boolean; head: Head }): ParamSpec[] {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const out: ParamSpec[] = [];
  const enc = (name: string, hfShape: number[], init: ParamSpec['init'], linear = false) => out.push({ name, hfShape, linear, init, encoder: true });
  const head = (name: string, hfShape: number[], init: ParamSpec['init'], linear = false) => out.push({ name, hfShape, linear, init, encoder: false });
  const linear = (push: typeof enc, p: string, inDim: number, outDim: number) => {
    push(`${p}.weight`, [outDim, inDim], 'normal', true);
    push(`${p}.bias`, [outDim], 'zeros');
  };
  const ln = (push: typeof enc, p: string) => {
    push(`${p}.weight`, [H], 'ones');
    push(`${p}.bias`, [H], 'zeros');
  };
  enc('embeddings.word_embeddings.weight', [c.vocab_size, H], 'embedding');
  enc('embeddings.position_embeddings.weight', [c.max_position_embeddings, H], 'normal');
  enc('embeddings.token_type_embeddings.weight', [c.type_vocab_size, H], 'normal');
  ln(enc, 'embeddings.LayerNorm');
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}`;
    linear(enc, `${p}.attention.self.query`, H, H);
    linear(enc, `${p}.attention.self.key`, H, H);
    linear(enc, `${p}.attention.self.value`, H, H);
    linear(enc, `${p}.attention.output.dense`, H, H);
    ln(enc, `${p}.attention.output.LayerNorm`);
    linear(enc, `${p}.intermediate.dense`, H, I);
    linear(enc, `${p}.output.dense`, I, H);
    ln(enc, `${p}.output.LayerNorm`);
  }
  if (opts.pooler) linear(enc, 'pooler.dense', H, H);
  if (opts.head === 'classifier') linear(head, 'classifier', H, numLabels(c));
  if (opts.head === 'mlm') {
    linear(head, 'cls.predictions.transform.dense', H, H);
    ln(head, 'cls.predictions.transform.LayerNorm');
    head('cls.predictions.bias', [c.vocab_size], 'zeros');
  }
  return out;
}

export const storedShape = (s: ParamSpec): number[] => (s.linear ? [s.hfShape[1]!, s.hfShape[0]!] : s.hfShape);
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** [rows, cols] -> [cols, rows] */
export function transpose2d(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[base + c]!;
  }
  return out;
}

/** HF `_init_weights`: N(0, initializer_range) for Linear and Embedding weights, zero biases, LayerNorm 1/0, the padding row zero. */
export function initialValue(s: ParamSpec, c: BertConfig, rng: Rng): Float32Array {
  const n = numel(s.hfShape);
  const a = new Float32Array(n);
  if (s.init === 'ones') a.fill(1);
  else if (s.init === 'normal' || s.init === 'embedding') {
    const std = c.initializer_range;
    for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
    if (s.init === 'embedding') a.fill(0, c.pad_token_id * c.hidden_size, (c.pad_token_id + 1) * c.hidden_size);
  }
  return a; // HF layout; callers transpose linear weights
}

/** Values in the HF layout -> the stored layout. */
export function toStored(s: ParamSpec, hf: Float32Array): Float32Array {
  return s.linear ? transpose2d(hf, s.hfShape[0]!, s.hfShape[1]!) : hf;
}

/** Values in the stored layout -> the HF layout. */
export function toHf(s: ParamSpec, stored: Float32Array): Float32Array {
  return s.linear ? transpose2d(stored, s.hfShape[1]!, s.hfShape[0]!) : stored;
}

let instance = 0;

/** A set of BERT variables keyed by canonical name, stored layout. */
export class BertParams {
  readonly vars = new Map<string, tf.Variable>();
  readonly specs: ParamSpec[];
  private readonly prefix = `bert${instance++}/`;

  constructor(
    readonly config: BertConfig,
    specs: ParamSpec[],
    values: (s: ParamSpec) => Float32Array, // HF layout
  ) {
    this.specs = specs;
    for (const s of specs) {
      const v = toStored(s, values(s));
      this.vars.set(
        s.name,
        tf.tidy(() => tf.variable(tf.tensor(v, storedShape(s), 'float32'), true, this.prefix + s.name)),
      );
    }
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`BERT has no parameter "${name}"`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Values in the HF layout, keyed by canonical name. */
  hfValues(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const s of this.specs) out.set(s.name, { shape: s.hfShape, data: toHf(s, (this.get(s.name).dataSync() as Float32Array).slice()) });
    return out;
  }

  /** Replace one parameter's value (HF layout), checking its shape. */
  setHf(name: string, shape: readonly number[], data: Float32Array, source = 'weights'): void {
    const s = this.specs.find((x) => x.name === name);
    if (!s) throw new Error(`${source}: BERT has no parameter "${name}"`);
    if (shape.join() !== s.hfShape.join()) throw new Error(`${source}: tensor "${name}" has shape [${shape.join(', ')}], expected [${s.hfShape.join(', ')}]`);
    const t = tf.tensor(toStored(s, data), storedShape(s), 'float32');
    this.get(name).assign(t); // a new buffer: never write a variable's wasm memory in place (see train/adam.ts)
    t.dispose();
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  countParameters(): number {
    let n = 0;
    for (const s of this.specs) n += numel(s.hfShape);
    return n;
  }
}
